package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// Totals sums what the scans did to stock, for audits after a crash.
type Totals struct {
	OnHand, Reserved int64 // over all bins and SKUs
	Picked, Short    int64 // over all tasks' stops
	Scans            int   // recorded scans
}

// Audit checks that the stock agrees with the tasks and the history: every
// bin's reserved units are exactly what open tasks still have to take
// there, nothing is negative, and every bin's movements add up to its stock. It returns the totals and the first disagreement found.
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
		levels, index := 0, tx.Bucket(bucketStockBySKU)
		err = tx.Bucket(bucketStock).ForEach(func(k, v []byte) error {
			bin, sku := splitStockKey(k)
			l, err := decodeLevel(bin, sku, v)
			if err != nil {
				return err
			}
			if levels++; index.Get(stockKey(sku, bin)) == nil {
				return fmt.Errorf("stock %s/%s: missing from the index by SKU", bin, sku)
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
		if n := index.Stats().KeyN; n != levels {
			return fmt.Errorf("the index by SKU has %d entries for %d stock levels", n, levels)
		}
		for key, n := range want {
			if n != 0 {
				return fmt.Errorf("open tasks take %d at %q, which holds no stock", n, key)
			}
		}
		tot.Scans = tx.Bucket(bucketScanIndex).Stats().KeyN
		return auditHistory(tx)
	})
	return tot, err
}

// auditHistory checks that the movements of every bin, and of the dock, add
// up to its stock: no stock changed without a record.
func auditHistory(tx *bolt.Tx) error {
	ledger := map[string]int64{}
	err := forEachMovement(tx, time.Time{}, time.Time{}, 0, func(m floor.Movement) (bool, error) {
		if m.ChangesStock() {
			ledger[string(stockKey(m.Bin, m.SKU))] += m.Units
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	check := func(key string, onHand int64) error {
		if ledger[key] != onHand {
			bin, sku := splitStockKey([]byte(key))
			return fmt.Errorf("stock %s/%s: %d on hand, its movements add up to %d", bin, sku, onHand, ledger[key])
		}
		delete(ledger, key)
		return nil
	}
	err = tx.Bucket(bucketStock).ForEach(func(k, v []byte) error {
		bin, sku := splitStockKey(k)
		l, err := decodeLevel(bin, sku, v)
		if err != nil {
			return err
		}
		return check(string(k), l.OnHand)
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketDock).ForEach(func(k, v []byte) error {
		n, err := counter(bucketDock, k, v)
		if err != nil {
			return err
		}
		return check(string(stockKey(floor.DockBin, string(k))), n)
	})
	if err != nil {
		return err
	}
	for key, n := range ledger { // movements of stock that is no longer there
		if n != 0 {
			bin, sku := splitStockKey([]byte(key))
			return fmt.Errorf("stock %s/%s: none on hand, its movements add up to %d", bin, sku, n)
		}
	}
	return nil
}
