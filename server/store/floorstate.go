package store

import (
	"encoding/binary"

	"github.com/pickpack/pickpack/server/floor"
)

// FloorState is everything the supervisors' view is computed from.
type FloorState struct {
	Open    []floor.Order         // orders not yet handed off or cancelled
	Tasks   map[string]floor.Task // the open orders' tasks, by id
	Pickers []string              // users with the picker role
	// OffShift are the pickers a supervisor took off shift, by name: not
	// a pair of hands until they are back.
	OffShift []floor.OffShift
}

// Floor reads the floor's state in one consistent view.
func (s *Store) Floor() (FloorState, error) {
	st := FloorState{Tasks: map[string]floor.Task{}}
	err := s.view("read floor", func(tx *txn) error {
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
		if st.Pickers, err = pickers(tx); err != nil {
			return err
		}
		st.OffShift, err = offShift(tx)
		return err
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
	if out, ok := s.changes.scansAfter(after, limit); ok && len(out) > 0 {
		return out, nil
	}
	var out []ScanEntry
	err := s.view("read scan log", func(tx *txn) error {
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
	rec, err := decodeScan(v)
	return ScanEntry{Seq: binary.BigEndian.Uint64(k), Kind: rec.Kind, User: rec.User, Scan: rec.Scan, Answer: rec.Answer}, err
}

// FloorDelta is what changed on the floor since the previous call.
type FloorDelta struct {
	// Full says Orders holds every open order and Tasks their tasks, the
	// first time or after too many changes to track; otherwise Orders
	// holds the orders written since (in any state, so closed ones can be
	// dropped) and Tasks the tasks written since.
	Full    bool
	Orders  []floor.Order
	Tasks   map[string]floor.Task
	Pickers []string
	// OffShift are the pickers a supervisor took off shift (every time).
	OffShift []floor.OffShift
}

// FloorDelta returns only what committed writes changed since the last
// call, as they wrote it: the supervisors' view looks every few seconds,
// and reading every open order and task each time costs a busy floor its
// latency.
func (s *Store) FloorDelta() (FloorDelta, error) {
	all, orders, tasks := s.changes.drain()
	if all {
		st, err := s.Floor()
		if err != nil {
			s.changes.mu.Lock()
			s.changes.all = true // read everything next time
			s.changes.mu.Unlock()
		}
		return FloorDelta{Full: true, Orders: st.Open, Tasks: st.Tasks, Pickers: st.Pickers, OffShift: st.OffShift}, err
	}
	d := FloorDelta{Orders: orders, Tasks: tasks}
	err := s.view("read floor changes", func(tx *txn) error {
		var err error
		if d.Pickers, err = pickers(tx); err != nil {
			return err
		}
		d.OffShift, err = offShift(tx)
		return err
	})
	return d, err
}

func pickers(tx *txn) ([]string, error) {
	var out []string
	err := tx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
		u, err := decodeJSON[floor.User](v)
		if err == nil && u.Role == floor.RolePicker {
			out = append(out, u.Name)
		}
		return err
	})
	return out, err
}
