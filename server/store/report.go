package store

import (
	"time"

	bolt "go.etcd.io/bbolt"

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
// created and the scans received in [from, to).
//
// Neither orders, tasks nor the scan log have a time index, so this reads
// every record: fine for a shift report or a page refresh on a site's
// history of weeks; a time-keyed index is the next step if files grow to
// millions of scans.
func (s *Store) ReportData(from, to time.Time) (ReportData, error) {
	var d ReportData
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	err := s.view("read report data", func(tx *bolt.Tx) error {
		hidden := pendingImports(tx)
		err := tx.Bucket(bucketOrders).ForEach(func(k, v []byte) error {
			if hidden.hides(k) {
				return nil // staged by an import not shown yet
			}
			o, err := decodeOrder(v)
			if err == nil && in(o.ReleasedAt) {
				d.Orders = append(d.Orders, o)
			}
			return err
		})
		if err != nil {
			return err
		}
		err = forEachTask(tx, func(t floor.Task) error {
			if in(t.CreatedAt) {
				d.Tasks = append(d.Tasks, t)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketScanRecords).ForEach(func(k, v []byte) error {
			e, err := scanEntry(k, v)
			if err == nil && in(e.Scan.At) {
				d.Scans = append(d.Scans, e)
			}
			return err
		})
	})
	return d, err
}

// QueueDepth returns how many orders wait in the pick queue, without
// decoding them: /metrics asks on every scrape. The orders of an import
// staged and not shown yet are not waiting yet.
func (s *Store) QueueDepth() (int, error) {
	var n int
	err := s.view("read queue depth", func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketQueue).Stats().KeyN - stagedOrders(tx)
		return nil
	})
	return n, err
}

// OrdersDue returns the orders due in [from, to), in any state: the
// supervisors' view counts a shift's orders by their due time. Like
// ReportData it reads every order; the view asks once a shift and when it
// reads the floor afresh.
func (s *Store) OrdersDue(from, to time.Time) ([]floor.Order, error) {
	var out []floor.Order
	err := s.view("read orders due", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOrders).ForEach(func(_, v []byte) error {
			o, err := decodeOrder(v)
			if err == nil && !o.DueAt.Before(from) && o.DueAt.Before(to) {
				out = append(out, o)
			}
			return err
		})
	})
	return out, err
}
