package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/pickpack/pickpack/server/floor"
)

// PutSKUs is PutSKUsContext with a context that never ends.
func (s *Store) PutSKUs(skus []floor.SKU, dry bool) error {
	return s.PutSKUsContext(context.Background(), skus, dry)
}

// PutSKUsContext adds or replaces SKUs (valid, as from floor.ParseSKUs),
// all or none. A barcode may identify one SKU only: a barcode already held
// by another SKU is a violation naming both, and nothing is stored. With
// dry, it only checks, in a read transaction.
func (s *Store) PutSKUsContext(ctx context.Context, skus []floor.SKU, dry bool) error {
	const op = "import SKUs"
	// The barcodes each SKU of the import ends with (the first entry of an
	// id, as the checks of ParseSKUs leave one), to tell in constant time
	// whether the import takes a barcode away from its owner.
	kept := make(map[string]map[string]bool, len(skus))
	for _, sku := range skus {
		if _, seen := kept[sku.ID]; !seen {
			kept[sku.ID] = make(map[string]bool, len(sku.Barcodes))
			for _, bc := range sku.Barcodes {
				kept[sku.ID][bc.Key()] = true
			}
		}
	}
	check := func(tx *txn) error {
		codes := tx.Bucket(bucketBarcodes)
		var vs floor.Violations
		for i, sku := range skus {
			if err := checkpoint(ctx, op, i); err != nil {
				return err
			}
			for _, bc := range sku.Barcodes {
				owner := codes.Get([]byte(bc.Key()))
				if owner == nil || string(owner) == sku.ID {
					continue
				}
				// An owner replaced in this same import may give it up.
				if ownerKeeps, replaced := kept[string(owner)]; !replaced || ownerKeeps[bc.Key()] {
					vs.Add(fmt.Sprintf("skus[%d] (%s).barcodes", i, sku.ID), "barcode %s already belongs to SKU %s", bc.Code, owner)
				}
			}
		}
		return vs.Err(op)
	}
	write := func(tx *txn) error {
		b, codes := tx.Bucket(bucketSKUs), tx.Bucket(bucketBarcodes)
		var gone, records, owners []keyValue
		for _, sku := range skus {
			old, ok, err := get[floor.SKU](b, sku.ID)
			if err != nil {
				return err
			}
			if ok {
				for _, bc := range old.Barcodes {
					gone = append(gone, keyValue{k: []byte(bc.Key())})
				}
			}
			raw, err := encodeJSON(sku)
			if err != nil {
				return err
			}
			records = append(records, keyValue{[]byte(sku.ID), raw})
			for _, bc := range sku.Barcodes {
				owners = append(owners, keyValue{[]byte(bc.Key()), []byte(sku.ID)})
			}
		}
		slices.SortFunc(gone, func(a, b keyValue) int { return bytes.Compare(a.k, b.k) })
		for _, kv := range gone {
			if err := codes.Delete(kv.k); err != nil {
				return err
			}
		}
		if err := putSorted(b, records); err != nil {
			return err
		}
		return putSorted(codes, owners) // after all deletions, so swapped codes land right
	}
	return s.importWith(ctx, op, dry, check, write)
}

// SKU returns the SKU with the given id.
func (s *Store) SKU(id string) (floor.SKU, error) {
	const op = "get SKU"
	var sku floor.SKU
	err := s.view(op, func(tx *txn) error {
		var err error
		sku, err = skuByID(tx, op, id)
		return err
	})
	return sku, err
}

// SKUByBarcode returns the SKU a scanned barcode identifies. A UPC-A
// matches its EAN-13 form and back: scanners report either.
func (s *Store) SKUByBarcode(code string) (floor.SKU, error) {
	const op = "get SKU by barcode"
	var sku floor.SKU
	err := s.view(op, func(tx *txn) error {
		bc, err := floor.ParseBarcode(code)
		if err != nil {
			return &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_BARCODE",
				Msg: fmt.Sprintf("%q is not a barcode of ours: %v", code, err)}
		}
		id := tx.Bucket(bucketBarcodes).Get([]byte(bc.Key()))
		if id == nil {
			return &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_BARCODE",
				Msg: fmt.Sprintf("no SKU has barcode %q", code)}
		}
		sku, err = skuByID(tx, op, string(id))
		return err
	})
	return sku, err
}

func skuByID(tx *txn, op, id string) (floor.SKU, error) {
	sku, ok, err := get[floor.SKU](tx.Bucket(bucketSKUs), id)
	if err == nil && !ok {
		err = &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_SKU", Msg: fmt.Sprintf("no SKU %q", id)}
	}
	return sku, err
}
