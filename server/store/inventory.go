package store

import (
	"fmt"

	"github.com/pickpack/pickpack/server/floor"
)

// inventoryScan runs apply for a scan that moves stock, once per scan id of
// user: a scan id seen before gets its recorded answer back and moves
// nothing. The scan, its answer and its movements commit together, shared
// with concurrent scans (group commit).
func (s *Store) inventoryScan(op, kind, user string, sc floor.Scan, apply func(tx *txn) (floor.Answer, error)) (floor.Answer, error) {
	if sc.At.IsZero() {
		sc.At = s.now()
	}
	var ans floor.Answer
	err := s.batch(op, func(tx *txn) error {
		key := scanKey(kind, user, sc.ID)
		var seen bool
		var err error
		if ans, seen, err = replay(tx, key, func() floor.Instruction { return floor.Instruction{} }); seen || err != nil {
			return err
		}
		if ans, err = apply(tx); err != nil {
			return err
		}
		ans.ScanID = sc.ID
		return record(tx, key, user, sc, ans)
	})
	return ans, err
}

// skuOf finds the SKU a scanned code names: any of its barcodes, or its id.
func skuOf(tx *txn, code string) (string, bool) {
	if tx.Bucket(bucketSKUs).Get([]byte(code)) != nil {
		return code, true
	}
	return pickEnv{tx: tx}.SKUOf(code)
}

func unknownItem(code string) floor.Answer {
	return floor.Answer{Verdict: floor.VerdictUnknownBarcode, Reason: "UNKNOWN_ITEM",
		Message: fmt.Sprintf("%q is no item barcode we know: scan the item again or set it aside", code)}
}

func notABin(code string) floor.Answer {
	return floor.Answer{Verdict: floor.VerdictWrongBin, Reason: "UNKNOWN_BIN",
		Message: fmt.Sprintf("%q is not a bin of this warehouse: scan the bin label", code)}
}

// dockUnits is what waits at the dock of sku.
func dockUnits(tx *txn, sku string) (int64, error) {
	key := []byte(sku)
	return counter(bucketDock, key, tx.Bucket(bucketDock).Get(key))
}

// changeDock moves the dock's units of sku by delta and records it.
func changeDock(tx *txn, sku string, delta int64, mv floor.Movement) error {
	n, err := dockUnits(tx, sku)
	if err != nil {
		return err
	}
	n += delta
	switch {
	case n < 0:
		return fmt.Errorf("dock stock of %s would become %d", sku, n)
	case n == 0:
		err = tx.Bucket(bucketDock).Delete([]byte(sku))
	default:
		err = tx.Bucket(bucketDock).Put([]byte(sku), u64(uint64(n)))
	}
	if err != nil {
		return err
	}
	mv.Bin, mv.SKU, mv.Units = floor.DockBin, sku, delta
	return recordMovement(tx, mv)
}
