package store

import (
	"context"
	"fmt"

	"github.com/pickpack/pickpack/server/floor"
)

func slotsOf(tx *txn) ([]floor.Slot, error) {
	var out []floor.Slot
	err := tx.Bucket(bucketSlots).ForEach(func(_, v []byte) error {
		sl, err := decodeJSON[floor.Slot](v)
		out = append(out, sl)
		return err
	})
	return out, err
}

// entryName names an entry of an input in violations: where it was read,
// or its place in the list.
func entryName(at, list string, i int) string {
	if at != "" {
		return at
	}
	return fmt.Sprintf("%s[%d]", list, i)
}

// SetSlots is SetSlotsContext with a context that never ends.
func (s *Store) SetSlots(slots []floor.Slot, dry bool) error {
	return s.SetSlotsContext(context.Background(), slots, dry)
}

// SetSlotsContext replaces every pick-bin slot, all or none: unknown bins
// or SKUs, bad min/max and a bin+SKU given twice are invalid. With dry, it
// only checks, in a read transaction.
func (s *Store) SetSlotsContext(ctx context.Context, slots []floor.Slot, dry bool) error {
	const op = "set slots"
	check := func(tx *txn) error {
		bins, err := s.binSet(tx)
		if err != nil {
			return err
		}
		skus := tx.Bucket(bucketSKUs)
		isSKU := func(id string) bool { return skus.Get([]byte(id)) != nil }
		var vs floor.Violations
		seen := map[string]string{}
		for i, sl := range slots {
			if err := checkpoint(ctx, op, i); err != nil {
				return err
			}
			field := entryName(sl.At, "slots", i)
			sl.Validate(field, func(b string) bool { return bins[b] }, isSKU, &vs)
			if first, dup := seen[string(stockKey(sl.Bin, sl.SKU))]; dup {
				vs.Add(field, "bin %s and SKU %s are also %s", sl.Bin, sl.SKU, first)
			}
			seen[string(stockKey(sl.Bin, sl.SKU))] = field
		}
		return vs.Err(op)
	}
	write := func(tx *txn) error {
		if err := tx.DeleteBucket(bucketSlots); err != nil {
			return err
		}
		b, err := tx.CreateBucket(bucketSlots)
		if err != nil {
			return err
		}
		kvs := make([]keyValue, len(slots))
		for i, sl := range slots {
			raw, err := encodeJSON(sl)
			if err != nil {
				return err
			}
			kvs[i] = keyValue{stockKey(sl.Bin, sl.SKU), raw}
		}
		return putSorted(b, kvs)
	}
	return s.importWith(ctx, op, dry, check, write)
}

// MoveTasks lists the replenishment moves the slots need now (see
// floor.Replenishments). They are worked out from the stock on every call,
// so a refilled bin drops off the list by itself; a move is done with a
// Transfer.
func (s *Store) MoveTasks() ([]floor.MoveTask, error) {
	var out []floor.MoveTask
	err := s.view("list move tasks", func(tx *txn) error {
		slots, err := slotsOf(tx)
		if err != nil {
			return err
		}
		levels := map[string][]floor.StockLevel{}
		for _, sl := range slots {
			if _, done := levels[sl.SKU]; done {
				continue
			}
			if levels[sl.SKU], err = levelsOfSKU(tx, sl.SKU); err != nil {
				return err
			}
		}
		out = floor.Replenishments(slots, levels)
		return nil
	})
	return out, err
}
