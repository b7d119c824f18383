package store

import (
	"fmt"

	"github.com/pickpack/pickpack/server/floor"
)

// Transfer moves sc.Quantity units (1 if zero) of the scanned item from one
// bin to another. Only available units move: what open pick tasks will take
// stays where their pickers are sent.
func (s *Store) Transfer(user, from, to string, sc floor.Scan) (floor.Answer, error) {
	const op = "transfer"
	return s.inventoryScan(op, "transfer", user, sc, func(tx *txn) (floor.Answer, error) {
		bins, err := s.binSet(tx)
		if err != nil {
			return floor.Answer{}, err
		}
		for _, b := range []string{from, to} {
			if !bins[b] {
				return notABin(b), nil
			}
		}
		if from == to {
			return floor.Answer{Verdict: floor.VerdictWrongBin, Reason: "SAME_BIN",
				Message: fmt.Sprintf("from and to are both %s: scan the bin the units go to", from)}, nil
		}
		sku, ok := skuOf(tx, sc.Code)
		if !ok {
			return unknownItem(sc.Code), nil
		}
		l, err := level(tx, from, sku)
		if err != nil {
			return floor.Answer{}, err
		}
		n := max(sc.Quantity, 1)
		if n > l.Available() {
			return floor.Answer{Verdict: floor.VerdictOverPick, Reason: "NOT_ENOUGH_STOCK",
				Message: fmt.Sprintf("%s holds %d of %s with %d due to open picks: at most %d can move",
					from, l.OnHand, sku, l.Reserved, l.Available())}, nil
		}
		moves := []floor.StockMove{
			{Kind: floor.MoveTransfer, Bin: from, SKU: sku, OnHand: -n},
			{Kind: floor.MoveTransfer, Bin: to, SKU: sku, OnHand: n},
		}
		base := floor.Movement{At: sc.At, User: user, Ref: "transfer " + from + " > " + to}
		if err := applyMoves(tx, moves, base); err != nil {
			return floor.Answer{}, err
		}
		return floor.Answer{Verdict: floor.VerdictRight, Reason: "TRANSFERRED",
			Message: fmt.Sprintf("%d of %s moved from %s to %s", n, sku, from, to)}, nil
	})
}
