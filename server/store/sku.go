package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// PutSKUs adds or replaces SKUs (valid, as from floor.ParseSKUs) in one
// transaction. A barcode may identify one SKU only: a barcode already held
// by another SKU is a violation naming both, and nothing is stored.
func (s *Store) PutSKUs(skus []floor.SKU, dry bool) error {
	const op = "import SKUs"
	return s.updateMaybeDry(op, dry, func(tx *bolt.Tx) error {
		b, codes := tx.Bucket(bucketSKUs), tx.Bucket(bucketBarcodes)
		var vs floor.Violations
		for i, sku := range skus {
			for _, bc := range sku.Barcodes {
				if owner := codes.Get([]byte(bc.Key())); owner != nil && string(owner) != sku.ID {
					// An owner replaced in this same import may give it up.
					if !givesUp(skus, string(owner), bc.Key()) {
						vs.Add(fmt.Sprintf("skus[%d] (%s).barcodes", i, sku.ID), "barcode %s already belongs to SKU %s", bc.Code, owner)
					}
				}
			}
		}
		if err := vs.Err(op); err != nil {
			return err
		}
		for _, sku := range skus {
			old, ok, err := get[floor.SKU](b, sku.ID)
			if err != nil {
				return err
			}
			if ok {
				for _, bc := range old.Barcodes {
					if err := codes.Delete([]byte(bc.Key())); err != nil {
						return err
					}
				}
			}
			if err := put(b, sku.ID, sku); err != nil {
				return err
			}
		}
		for _, sku := range skus { // after all deletions, so swapped codes land right
			for _, bc := range sku.Barcodes {
				if err := codes.Put([]byte(bc.Key()), []byte(sku.ID)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// givesUp reports whether the import replaces SKU id without the barcode
// whose key is key.
func givesUp(skus []floor.SKU, id, key string) bool {
	for _, s := range skus {
		if s.ID != id {
			continue
		}
		for _, bc := range s.Barcodes {
			if bc.Key() == key {
				return false
			}
		}
		return true
	}
	return false
}

// SKU returns the SKU with the given id.
func (s *Store) SKU(id string) (floor.SKU, error) {
	const op = "get SKU"
	var sku floor.SKU
	err := s.view(op, func(tx *bolt.Tx) error {
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
	err := s.view(op, func(tx *bolt.Tx) error {
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

func skuByID(tx *bolt.Tx, op, id string) (floor.SKU, error) {
	sku, ok, err := get[floor.SKU](tx.Bucket(bucketSKUs), id)
	if err == nil && !ok {
		err = &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_SKU", Msg: fmt.Sprintf("no SKU %q", id)}
	}
	return sku, err
}
