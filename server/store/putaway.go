package store

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// fastMoverShare is the share of the SKUs sold lately, by units shipped,
// that count as fast movers for put-away.
const fastMoverShare = 0.2

// fastMoverDays is how far back put-away looks at sales.
const fastMoverDays = 28

// PutAwayAdvice is where received units of a SKU should go.
type PutAwayAdvice struct {
	SKU    string
	AtDock int64
	floor.PutAwaySuggestion
}

// SuggestBin says where to put the item a code names (see floor.SuggestBin).
func (s *Store) SuggestBin(code string) (PutAwayAdvice, error) {
	const op = "suggest bin"
	var out PutAwayAdvice
	err := s.view(op, func(tx *txn) error {
		sku, ok := skuOf(tx, code)
		if !ok {
			return &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_ITEM", Msg: unknownItem(code).Message}
		}
		in, err := s.putAwayInput(tx, sku)
		if err != nil {
			return err
		}
		out.SKU = sku
		if out.AtDock, err = dockUnits(tx, sku); err != nil {
			return err
		}
		out.PutAwaySuggestion, err = floor.SuggestBin(in)
		return err
	})
	return out, err
}

func (s *Store) putAwayInput(tx *txn, sku string) (floor.PutAwayInput, error) {
	m, err := s.currentMap(tx)
	if err != nil {
		return floor.PutAwayInput{}, err
	}
	if m == nil {
		return floor.PutAwayInput{}, &floor.Error{Op: "suggest bin", Kind: floor.KindConflict, Reason: "NO_BIN_MAP",
			Msg: "no bin map yet: import one first"}
	}
	in := floor.PutAwayInput{Map: m, SKU: sku, Taken: map[string]bool{}}
	if in.Holding, err = levelsOfSKU(tx, sku); err != nil {
		return in, err
	}
	slots, err := slotsOf(tx)
	if err != nil {
		return in, err
	}
	for _, sl := range slots {
		in.Taken[sl.Bin] = true
		if sl.SKU == sku {
			in.Slot = sl.Bin
		}
	}
	byBin := map[string][]string{} // bin -> SKUs in it
	err = tx.Bucket(bucketStock).ForEach(func(k, _ []byte) error {
		bin, other := splitStockKey(k)
		in.Taken[bin] = true
		byBin[bin] = append(byBin[bin], other)
		return nil
	})
	if err != nil {
		return in, err
	}
	fast, err := fastMovers(tx, s.now())
	if err != nil {
		return in, err
	}
	in.Fast = fast[sku]
	for _, bin := range slices.Sorted(maps.Keys(byBin)) {
		if slices.ContainsFunc(byBin[bin], func(sk string) bool { return fast[sk] }) {
			in.FastAt = append(in.FastAt, bin)
		}
	}
	return in, nil
}

// fastMovers are the top fastMoverShare of SKUs by units shipped in the
// last fastMoverDays.
func fastMovers(tx *txn, now time.Time) (map[string]bool, error) {
	sold, err := unitsShipped(tx, fastMoverDays, now)
	if err != nil {
		return nil, err
	}
	skus := slices.Collect(maps.Keys(sold))
	slices.SortFunc(skus, func(a, b string) int { return cmp.Or(cmp.Compare(sold[b], sold[a]), cmp.Compare(a, b)) })
	out := map[string]bool{}
	n := int(float64(len(skus))*fastMoverShare + 0.999)
	for _, sku := range skus[:n] {
		out[sku] = true
	}
	return out, nil
}

// PutAway moves sc.Quantity units (1 if zero) of the scanned item from the
// dock into bin.
func (s *Store) PutAway(user, bin string, sc floor.Scan) (floor.Answer, int64, error) {
	const op = "put away"
	var left int64
	ans, err := s.inventoryScan(op, "putaway", user, sc, func(tx *txn) (floor.Answer, error) {
		sku, ok := skuOf(tx, sc.Code)
		if !ok {
			return unknownItem(sc.Code), nil
		}
		bins, err := s.binSet(tx)
		if err != nil {
			return floor.Answer{}, err
		}
		if left, err = dockUnits(tx, sku); err != nil {
			return floor.Answer{}, err
		}
		if !bins[bin] {
			return notABin(bin), nil
		}
		n := max(sc.Quantity, 1)
		if n > left {
			return floor.Answer{Verdict: floor.VerdictOverPick, Reason: "NOT_AT_DOCK",
				Message: fmt.Sprintf("only %d of %s wait at the dock, not %d", left, sku, n)}, nil
		}
		mv := floor.Movement{At: sc.At, User: user, Kind: floor.MovePutAway, Ref: "put-away"}
		if err := changeDock(tx, sku, -n, mv); err != nil {
			return floor.Answer{}, err
		}
		left -= n
		move := floor.StockMove{Kind: floor.MovePutAway, Bin: bin, SKU: sku, OnHand: n}
		if err := applyMoves(tx, []floor.StockMove{move}, mv); err != nil {
			return floor.Answer{}, err
		}
		return floor.Answer{Verdict: floor.VerdictRight, Reason: "PUT_AWAY",
			Message: fmt.Sprintf("%d of %s put in %s; %d left at the dock", n, sku, bin, left)}, nil
	})
	if err == nil && ans.Replayed { // what waits at the dock now, as for a first answer
		err = s.view(op, func(tx *txn) error {
			sku, ok := skuOf(tx, sc.Code)
			if !ok {
				return nil
			}
			var err error
			left, err = dockUnits(tx, sku)
			return err
		})
	}
	return ans, left, err
}
