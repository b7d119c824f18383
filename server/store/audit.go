package store

import (
	"fmt"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// Totals sums what the scans did to stock, for audits after a crash.
type Totals struct {
	OnHand, Reserved int64 // over all bins and SKUs
	Picked, Short    int64 // over the stops of the tasks in the live file (not archived)
	Scans            int   // scans recorded in the live file (not archived)
}

// Audit checks that the stock agrees with the tasks and the history: every
// bin's reserved units are exactly what open tasks still have to take
// there, nothing is negative, and the movements of every bin (and of the
// dock) add up to its stock, those moved to the archive files counted by
// the sums kept of them. It returns the totals and the first
// disagreement found.
func (s *Store) Audit() (Totals, error) {
	var tot Totals
	err := s.view("audit", func(tx *txn) error {
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
		history, err := movementLedger(tx)
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
			return history.settle(k, l.OnHand)
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
		err = tx.Bucket(bucketDock).ForEach(func(k, v []byte) error {
			n, err := counter(bucketDock, k, v)
			if err != nil {
				return err
			}
			return history.settle(stockKey(floor.DockBin, string(k)), n)
		})
		if err != nil {
			return err
		}
		tot.Scans = tx.Bucket(bucketScanRecords).Stats().KeyN
		if indexed := tx.Bucket(bucketScanIndex).Stats().KeyN; indexed != tot.Scans {
			return fmt.Errorf("the scan index has %d entries for %d scan records", indexed, tot.Scans)
		}
		return history.rest()
	})
	return tot, err
}

// ledger sums the stock movements by stock key (bin \x00 sku, the dock as
// floor.DockBin): what each bin should hold if no stock changed without a
// record.
type ledger map[string]int64

func movementLedger(tx *txn) (ledger, error) {
	l := ledger{}
	err := forEachMovement(tx, time.Time{}, time.Time{}, 0, func(m floor.Movement) (bool, error) {
		if m.ChangesStock() {
			l[string(stockKey(m.Bin, m.SKU))] += m.Units
		}
		return true, nil
	})
	if err != nil {
		return l, err
	}
	// The movements moved to the archive files are summed here instead.
	err = tx.Bucket(bucketArchivedStock).ForEach(func(k, v []byte) error {
		n, err := counter(bucketArchivedStock, k, v)
		l[string(k)] += n
		return err
	})
	return l, err
}

// settle checks that the stock under key holds what its movements add up
// to, and crosses it off.
func (l ledger) settle(key []byte, onHand int64) error {
	if sum := l[string(key)]; sum != onHand {
		bin, sku := splitStockKey(key)
		return fmt.Errorf("stock %s/%s: %d on hand, its movements add up to %d", bin, sku, onHand, sum)
	}
	delete(l, string(key))
	return nil
}

// rest reports movements of stock that is no longer there, once every
// holding is settled.
func (l ledger) rest() error {
	for key, n := range l {
		if n != 0 {
			bin, sku := splitStockKey([]byte(key))
			return fmt.Errorf("stock %s/%s: none on hand, its movements add up to %d", bin, sku, n)
		}
	}
	return nil
}
