package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// Totals sums what the scans did to stock, for audits after a crash.
type Totals struct {
	OnHand, Reserved int64 // over all bins and SKUs
	Picked, Short    int64 // over all tasks' stops
	Scans            int   // recorded scans
}

// Audit checks that the stock agrees with the tasks: every bin's reserved
// units are exactly what open tasks still have to take there, and nothing
// is negative. It returns the totals and the first disagreement found.
func (s *Store) Audit() (Totals, error) {
	var tot Totals
	err := s.view("audit", func(tx *bolt.Tx) error {
		want := map[string]int64{} // bin+sku -> units open tasks still take
		err := forEachTask(tx, func(t floor.Task) error {
			for _, st := range t.Stops {
				tot.Picked += st.Picked
				tot.Short += st.Short
				if !t.Done {
					want[floor.FamiliarityKey(st.Bin, st.SKU)] += st.Remaining()
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketStock).ForEach(func(k, v []byte) error {
			bin, sku := splitStockKey(k)
			l, err := decodeLevel(bin, sku, v)
			if err != nil {
				return err
			}
			tot.OnHand += l.OnHand
			tot.Reserved += l.Reserved
			key := floor.FamiliarityKey(bin, sku)
			if l.OnHand < 0 || l.Reserved < 0 || l.Reserved > l.OnHand {
				return fmt.Errorf("stock %s/%s: on hand %d, reserved %d", bin, sku, l.OnHand, l.Reserved)
			}
			if l.Reserved != want[key] {
				return fmt.Errorf("stock %s/%s: %d reserved, open tasks still take %d", bin, sku, l.Reserved, want[key])
			}
			delete(want, key)
			return nil
		})
		if err != nil {
			return err
		}
		for key, n := range want {
			if n != 0 {
				return fmt.Errorf("open tasks take %d at %q, which holds no stock", n, key)
			}
		}
		tot.Scans = tx.Bucket(bucketScanIndex).Stats().KeyN
		return nil
	})
	return tot, err
}
