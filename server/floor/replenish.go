package floor

import (
	"cmp"
	"fmt"
	"slices"
)

// Slot makes a bin the pick bin of a SKU, with the stock it should hold:
// when its available units fall below Min it is filled up to Max from the
// SKU's other bins (reserve storage).
type Slot struct {
	Bin, SKU string
	Min, Max int64
	// At names where the slot was read ("row 3" of a file), so that an
	// error points there; not stored.
	At string `json:"-"`
}

// Validate checks a slot against the known bins and SKUs.
func (s Slot) Validate(field string, isBin, isSKU func(string) bool, vs *Violations) {
	if !isBin(s.Bin) {
		vs.Add(field+".bin", "unknown bin %s (not in the bin map)", Quote(s.Bin))
	}
	if p := IDSKU.Problem(s.SKU); p != "" {
		vs.Add(field+".sku", "%s", p)
	} else if !isSKU(s.SKU) {
		vs.Add(field+".sku", "unknown SKU %q", s.SKU)
	}
	if s.Min < 0 || s.Max <= 0 || s.Min >= s.Max {
		vs.Add(field, "want 0 <= min < max and max > 0, got min %d, max %d", s.Min, s.Max)
	}
}

// MoveTask asks for units to be moved from reserve storage to a pick bin.
type MoveTask struct {
	SKU      string
	From, To string
	Units    int64
	Reason   string
}

// Replenishments lists the move tasks that refill the slots running low,
// given the levels of every bin holding their SKUs. Each takes from the
// reserve bin with the most available units (not another pick bin of the
// SKU); a pick bin needing more than one reserve bin holds gets several
// tasks. Tasks come by pick bin.
func Replenishments(slots []Slot, levels map[string][]StockLevel) []MoveTask {
	pickBins := map[string]bool{}
	for _, s := range slots {
		pickBins[s.Bin+"\x00"+s.SKU] = true
	}
	var out []MoveTask
	taken := map[string]int64{} // bin+SKU -> units earlier tasks already take from it
	for _, s := range slots {
		var here StockLevel
		var reserve []StockLevel
		for _, l := range levels[s.SKU] {
			l.Reserved += taken[l.Bin+"\x00"+l.SKU]
			switch {
			case l.Bin == s.Bin:
				here = l
			case !pickBins[l.Bin+"\x00"+s.SKU] && l.Available() > 0:
				reserve = append(reserve, l)
			}
		}
		if here.Available() >= s.Min {
			continue
		}
		need := s.Max - here.OnHand
		slices.SortFunc(reserve, func(a, b StockLevel) int {
			if a.Available() != b.Available() {
				return int(b.Available() - a.Available())
			}
			return cmp.Compare(a.Bin, b.Bin)
		})
		for _, r := range reserve {
			if need <= 0 {
				break
			}
			n := min(need, r.Available())
			taken[r.Bin+"\x00"+r.SKU] += n
			out = append(out, MoveTask{SKU: s.SKU, From: r.Bin, To: s.Bin, Units: n,
				Reason: fmt.Sprintf("%s has %d available, below its minimum %d: fill to %d", s.Bin, here.Available(), s.Min, s.Max)})
			need -= n
		}
	}
	slices.SortStableFunc(out, func(a, b MoveTask) int { return cmp.Compare(a.To, b.To) })
	return out
}
