package store

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// FloorState is everything the supervisors' view is computed from.
type FloorState struct {
	Open    []floor.Order         // orders not yet handed off or cancelled
	Tasks   map[string]floor.Task // the open orders' tasks, by id
	Pickers []string              // users with the picker role
}

// Floor reads the floor's state in one consistent view.
func (s *Store) Floor() (FloorState, error) {
	st := FloorState{Tasks: map[string]floor.Task{}}
	err := s.view("read floor", func(tx *bolt.Tx) error {
		err := forEachOrder(tx, true, func(o floor.Order) error {
			st.Open = append(st.Open, o)
			if o.TaskID != "" {
				if _, seen := st.Tasks[o.TaskID]; !seen {
					t, err := taskByID(tx, "read floor", o.TaskID)
					if err != nil {
						return err
					}
					st.Tasks[t.ID] = t
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
			u, err := decodeJSON[floor.User](v)
			if err == nil && u.Role == floor.RolePicker {
				st.Pickers = append(st.Pickers, u.Name)
			}
			return err
		})
	})
	return st, err
}

// ScanEntry is one recorded scan in commit order.
type ScanEntry struct {
	Seq    uint64
	Kind   string // "pick", "pack" or "handoff"
	User   string
	Scan   floor.Scan
	Answer floor.Answer
}

// ScanLog returns up to limit scans committed after sequence number after.
func (s *Store) ScanLog(after uint64, limit int) ([]ScanEntry, error) {
	var out []ScanEntry
	err := s.view("read scan log", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketScanRecords).Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			e, err := scanEntry(k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

func scanEntry(k, v []byte) (ScanEntry, error) {
	rec, err := decodeJSON[scanRecord](v)
	return ScanEntry{Seq: binary.BigEndian.Uint64(k), Kind: rec.Kind, User: rec.User, Scan: rec.Scan, Answer: rec.Answer}, err
}
