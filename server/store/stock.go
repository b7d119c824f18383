package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/pickpack/pickpack/server/floor"
)

func stockKey(bin, sku string) []byte { return []byte(bin + "\x00" + sku) }

func splitStockKey(k []byte) (first, second string) {
	i := bytes.IndexByte(k, 0)
	return string(k[:i]), string(k[i+1:])
}

func decodeLevel(bin, sku string, v []byte) (floor.StockLevel, error) {
	if len(v) != 16 {
		return floor.StockLevel{}, fmt.Errorf("stock %s/%s: corrupt value of %d bytes", bin, sku, len(v))
	}
	return floor.StockLevel{Bin: bin, SKU: sku,
		OnHand: int64(binary.BigEndian.Uint64(v)), Reserved: int64(binary.BigEndian.Uint64(v[8:]))}, nil
}

func level(tx *txn, bin, sku string) (floor.StockLevel, error) {
	v := tx.Bucket(bucketStock).Get(stockKey(bin, sku))
	if v == nil {
		return floor.StockLevel{Bin: bin, SKU: sku}, nil
	}
	return decodeLevel(bin, sku, v)
}

// putLevel writes a level, refusing any that would go negative: the one
// place every stock movement passes through. indexed says whether the
// level was stored before (read non-zero: zero levels are deleted), which
// the caller knows from its read, so the SKU index is written only for a
// new level without a second lookup.
func putLevel(tx *txn, l floor.StockLevel, indexed bool) error {
	if l.OnHand < 0 || l.Reserved < 0 || l.Reserved > l.OnHand {
		return fmt.Errorf("stock %s/%s would become on hand %d, reserved %d", l.Bin, l.SKU, l.OnHand, l.Reserved)
	}
	if l.OnHand == 0 && l.Reserved == 0 {
		if err := tx.Bucket(bucketStock).Delete(stockKey(l.Bin, l.SKU)); err != nil {
			return err
		}
		return tx.Bucket(bucketStockBySKU).Delete(stockKey(l.SKU, l.Bin))
	}
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v, uint64(l.OnHand))
	binary.BigEndian.PutUint64(v[8:], uint64(l.Reserved))
	if err := tx.Bucket(bucketStock).Put(stockKey(l.Bin, l.SKU), v); err != nil {
		return err
	}
	if indexed {
		// Indexed already: putting it again would rewrite its page for nothing.
		return nil
	}
	return tx.Bucket(bucketStockBySKU).Put(stockKey(l.SKU, l.Bin), nil)
}

// levelsOfSKU lists the bins holding sku.
func levelsOfSKU(tx *txn, sku string) ([]floor.StockLevel, error) {
	var out []floor.StockLevel
	prefix := []byte(sku + "\x00")
	c := tx.Bucket(bucketStockBySKU).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		_, bin := splitStockKey(k)
		l, err := level(tx, bin, sku)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// StockAdjustment changes the on-hand stock of SKU in Bin by Delta.
type StockAdjustment struct {
	Bin, SKU string
	Delta    int64
	Reason   string
	User     string // who made it, for the history
}

// AdjustStock applies adjustments in one transaction: all or none. Unknown
// bins or SKUs are invalid; a result below zero, or below what is reserved
// for open tasks, is a conflict.
func (s *Store) AdjustStock(adjs ...StockAdjustment) ([]floor.StockLevel, error) {
	const op = "adjust stock"
	var out []floor.StockLevel
	err := s.batchBulk(op, func(tx *txn) error {
		out = make([]floor.StockLevel, 0, len(adjs))
		bins, err := s.binSet(tx)
		if err != nil {
			return err
		}
		var vs floor.Violations
		skus := tx.Bucket(bucketSKUs)
		for i, a := range adjs {
			field := fmt.Sprintf("adjustments[%d]", i)
			if len(adjs) == 1 {
				field = ""
			}
			if !bins[a.Bin] {
				vs.Add(join(field, "bin"), "unknown bin %q (not in the bin map)", a.Bin)
			}
			if skus.Get([]byte(a.SKU)) == nil {
				vs.Add(join(field, "sku"), "unknown SKU %q", a.SKU)
			}
		}
		if err := vs.Err(op); err != nil {
			return err
		}
		for _, a := range adjs {
			l, err := level(tx, a.Bin, a.SKU)
			if err != nil {
				return err
			}
			if l.OnHand+a.Delta < l.Reserved {
				return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "STOCK_BELOW_RESERVED",
					Msg: fmt.Sprintf("bin %s holds %d of %s with %d reserved: cannot change it by %d",
						a.Bin, l.OnHand, a.SKU, l.Reserved, a.Delta)}
			}
			move := floor.StockMove{Kind: floor.MoveAdjust, Bin: a.Bin, SKU: a.SKU, OnHand: a.Delta}
			if err := applyMoves(tx, []floor.StockMove{move}, floor.Movement{At: s.now(), User: a.User, Note: a.Reason}); err != nil {
				return err
			}
			l.OnHand += a.Delta
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

// StockFilter narrows ListStock to one bin or one SKU.
type StockFilter struct {
	Bin, SKU string
}

// ListStock returns up to limit levels sorted by bin then SKU, starting
// after the key given by after (a page token from the previous call), and
// the token for the next page ("" at the end).
func (s *Store) ListStock(f StockFilter, after string, limit int) ([]floor.StockLevel, string, error) {
	const op = "list stock"
	var out []floor.StockLevel
	next := ""
	err := s.view(op, func(tx *txn) error {
		if f.SKU != "" && f.Bin == "" { // a SKU sits in a few bins: no paging needed
			var err error
			out, err = levelsOfSKU(tx, f.SKU)
			return err
		}
		c := tx.Bucket(bucketStock).Cursor()
		var prefix []byte
		if f.Bin != "" {
			prefix = []byte(f.Bin + "\x00")
		}
		k, v := c.Seek(prefix)
		if after != "" {
			k, v = c.Seek([]byte(after))
			if k != nil && string(k) == after {
				k, v = c.Next()
			}
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			bin, sku := splitStockKey(k)
			if f.SKU != "" && sku != f.SKU {
				continue
			}
			if len(out) == limit {
				next = string(stockKey(out[len(out)-1].Bin, out[len(out)-1].SKU))
				return nil
			}
			l, err := decodeLevel(bin, sku, v)
			if err != nil {
				return err
			}
			out = append(out, l)
		}
		return nil
	})
	return out, next, err
}
