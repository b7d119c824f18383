package floor

import (
	"maps"
	"sort"
)

// Reservation holds Quantity units of SKU in Bin for one order line.
type Reservation struct {
	Bin      string
	SKU      string
	Quantity int64
}

// Allocator decides which bins orders' lines are picked from, given the
// stock levels of the SKUs involved (keyed by SKU). Units given to one order
// are not available to the next, so one Allocator can fill a batch.
type Allocator struct {
	Stock map[string][]StockLevel
	taken map[string]int64 // bin+sku -> units given to earlier lines
}

// Allocate places one order's lines. It prefers one bin that holds the
// whole line (one stop instead of several) and otherwise splits the line
// over the bins with most available stock, so that a trip has as few stops
// as possible. When available stock is short it returns ok=false with the
// first line that cannot be covered and takes nothing: a task must never
// promise units that are not there.
func (a *Allocator) Allocate(lines []OrderLine) (res []Reservation, short OrderLine, ok bool) {
	taken := maps.Clone(a.taken)
	if taken == nil {
		taken = map[string]int64{}
	}
	for _, l := range lines {
		levels := append([]StockLevel(nil), a.Stock[l.SKU]...)
		avail := func(s StockLevel) int64 { return s.Available() - taken[FamiliarityKey(s.Bin, s.SKU)] }
		sort.Slice(levels, func(i, j int) bool {
			ai, aj := avail(levels[i]), avail(levels[j])
			if ai != aj {
				return ai > aj
			}
			return levels[i].Bin < levels[j].Bin
		})
		// The smallest bin that still covers the whole line keeps larger
		// bins for larger lines.
		whole := -1
		for i, s := range levels {
			if avail(s) >= l.Quantity {
				whole = i
			}
		}
		if whole >= 0 {
			levels = levels[whole : whole+1]
		}
		need := l.Quantity
		for _, s := range levels {
			n := min(avail(s), need)
			if n <= 0 {
				continue
			}
			res = append(res, Reservation{Bin: s.Bin, SKU: l.SKU, Quantity: n})
			taken[FamiliarityKey(s.Bin, s.SKU)] += n
			need -= n
			if need == 0 {
				break
			}
		}
		if need > 0 {
			return nil, l, false
		}
	}
	a.taken = taken
	return res, OrderLine{}, true
}

// StopsInBinOrder turns reservations into stops sorted by bin code, the
// order a picker expects until a route planner orders them by walking.
func StopsInBinOrder(orderID string, tote int, res []Reservation, names map[string]string) []Stop {
	stops := make([]Stop, 0, len(res))
	for _, r := range res {
		stops = append(stops, Stop{Bin: r.Bin, SKU: r.SKU, Name: names[r.SKU], Quantity: r.Quantity, OrderID: orderID, Tote: tote})
	}
	sort.SliceStable(stops, func(i, j int) bool {
		if stops[i].Bin != stops[j].Bin {
			return stops[i].Bin < stops[j].Bin
		}
		return stops[i].SKU < stops[j].SKU
	})
	return stops
}
