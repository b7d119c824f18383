package demo

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pickpack/pickpack/server/floor"
)

// popularity returns skus from the most to the least popular. Stock and
// NewOrders agree on it for the same seed and SKU list.
func popularity(seed uint64, skus []string) []string {
	ranked := slices.Clone(skus)
	newRand(seed, streamRank).Shuffle(len(ranked), func(i, j int) {
		ranked[i], ranked[j] = ranked[j], ranked[i]
	})
	return ranked
}

// walk estimates the walk in metres from the depot to a demo bin's pick face
// from its code; codes that are not demo codes come last.
func walk(code string) float64 {
	p := strings.Split(code, "-")
	if len(p) != 4 {
		return math.Inf(1)
	}
	aisle, err1 := strconv.Atoi(p[1])
	bay, err2 := strconv.Atoi(p[2])
	if err1 != nil || err2 != nil || bay < 1 {
		return math.Inf(1)
	}
	return math.Abs(aisleX(aisle)-aisleX(depotAisle)) + bayY(bay)
}

// Stock returns starting stock: every SKU in one to three bins, 20 to 200
// units each, nothing reserved, never two SKUs in one bin. The most popular
// SKUs (the same ranking NewOrders uses for the same seed and SKU list) get
// the free bins nearest the depot, more bins and more units; their extra bins
// lie anywhere in the farther half of the floor. Duplicate bin codes count
// once; if bins run short, the least popular SKUs get fewer bins or none.
func Stock(seed uint64, bins []string, skus []string) []floor.StockLevel {
	r := newRand(seed, streamStock)
	var near []string
	dup := make(map[string]bool, len(bins))
	for _, b := range bins {
		if !dup[b] {
			dup[b] = true
			near = append(near, b)
		}
	}
	slices.SortStableFunc(near, func(a, b string) int { return cmp.Compare(walk(a), walk(b)) })
	used := make([]bool, len(near))
	next, free := 0, len(near)
	take := func(i int) string {
		for used[i] {
			i = (i + 1) % len(near)
		}
		used[i] = true
		free--
		return near[i]
	}
	ranked := popularity(seed, skus)
	var out []floor.StockLevel
	for rank, sku := range ranked {
		n, lo := 1, int64(20)
		switch {
		case rank < len(ranked)/10:
			n, lo = 3, 100
		case rank < len(ranked)*3/10:
			n = 2
		}
		for k := 0; k < n && free > 0; k++ {
			var bin string
			if k == 0 {
				for used[next] {
					next++
				}
				bin = take(next)
			} else {
				bin = take(len(near)/2 + r.IntN(len(near)-len(near)/2))
			}
			out = append(out, floor.StockLevel{Bin: bin, SKU: sku, OnHand: lo + r.Int64N(201-lo)})
		}
	}
	return out
}
