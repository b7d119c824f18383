package store

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// ReportData is what a shift report and the supervisors' figures are
// computed from: the orders released, the tasks started and the scans
// received in a time range.
type ReportData struct {
	Orders []floor.Order
	Tasks  []floor.Task
	Scans  []ScanEntry
}

// ReportData reads, in one consistent view, the orders released, the tasks
// created and the scans received in [from, to): from the live file, and
// for a range older than the archive mark from the archive files of its
// months too (each record once, the live copy first).
//
// Neither orders, tasks nor the scan log have a time index, so this reads
// every record of the live file and of the months' archives: fine for a
// shift report or a page refresh, since retention bounds the live file
// to the days kept.
func (s *Store) ReportData(from, to time.Time) (ReportData, error) {
	var d ReportData
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	orders, tasks, scans := map[string]bool{}, map[string]bool{}, map[uint64]bool{}
	read := func(tx *txn) error {
		hidden := pendingImports(tx)
		err := tx.Bucket(bucketOrders).ForEach(func(k, v []byte) error {
			if hidden.hides(k) || orders[string(k)] {
				return nil // staged by an import not shown yet, or read already
			}
			o, err := decodeOrder(v)
			if err == nil && in(o.ReleasedAt) {
				d.Orders = append(d.Orders, o)
				orders[o.ID] = true
			}
			return err
		})
		if err != nil {
			return err
		}
		err = forEachTask(tx, func(t floor.Task) error {
			if in(t.CreatedAt) && !tasks[t.ID] {
				d.Tasks = append(d.Tasks, t)
				tasks[t.ID] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketScanRecords).ForEach(func(k, v []byte) error {
			if scans[binary.BigEndian.Uint64(k)] {
				return nil
			}
			e, err := scanEntry(k, v)
			if err == nil && in(e.Scan.At) {
				d.Scans = append(d.Scans, e)
				scans[e.Seq] = true
			}
			return err
		})
	}
	err := s.view("read report data", func(tx *txn) error {
		if err := read(tx); err != nil {
			return err
		}
		return s.viewArchives(tx, from, to, func(atx *txn) (bool, error) { return true, read(atx) })
	})
	// In the order of the keys, as one file would give them.
	slices.SortFunc(d.Orders, func(a, b floor.Order) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Tasks, func(a, b floor.Task) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Scans, func(a, b ScanEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	return d, err
}

// QueueDepth returns how many orders wait in the pick queue, without
// decoding them: /metrics asks on every scrape. The orders of an import
// staged and not shown yet are not waiting yet.
func (s *Store) QueueDepth() (int, error) {
	var n int
	err := s.view("read queue depth", func(tx *txn) error {
		n = tx.Bucket(bucketQueue).Stats().KeyN - stagedOrders(tx)
		return nil
	})
	return n, err
}

// OrdersDue returns the orders due in [from, to), in any state: the
// supervisors' view counts a shift's orders by their due time. Like
// ReportData it reads every order, the archived ones of a range older
// than the archive mark too (filed by release, which is before the due
// time: the month before from is read as well); the view asks once a
// shift and when it reads the floor afresh.
func (s *Store) OrdersDue(from, to time.Time) ([]floor.Order, error) {
	var out []floor.Order
	seen := map[string]bool{}
	read := func(tx *txn) error {
		return tx.Bucket(bucketOrders).ForEach(func(k, v []byte) error {
			if seen[string(k)] {
				return nil
			}
			o, err := decodeOrder(v)
			if err == nil && !o.DueAt.Before(from) && o.DueAt.Before(to) {
				out = append(out, o)
				seen[o.ID] = true
			}
			return err
		})
	}
	err := s.view("read orders due", func(tx *txn) error {
		if err := read(tx); err != nil {
			return err
		}
		return s.viewArchives(tx, from.AddDate(0, -1, 0), to, func(atx *txn) (bool, error) { return true, read(atx) })
	})
	return out, err
}
