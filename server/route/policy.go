package route

import (
	"cmp"
	"math"
	"slices"

	"github.com/pickpack/pickpack/server/floor"
)

// This file holds the two classic routing policies, kept for comparison: they
// are what a picker does without a planner. Both follow Roodbergen and De
// Koster, "Routing methods for warehouses with multiple cross aisles" (IJPR
// 39(9), 2001), for a depot on the front cross aisle: walk up the leftmost
// aisle with picks to the farthest block with picks, then clear the blocks
// one by one back towards the depot. Adaptations, where the paper has no
// rule, are:
//   - a depot on the back cross aisle is the mirror image; a depot on a middle
//     cross aisle splits the floor into two such halves, done one after the
//     other (a pick on the depot's cross aisle belongs to the half above it);
//   - in a block, aisles are taken starting from the end nearer to where the
//     walk enters the block;
//   - a stop on a cross aisle but in no aisle is inserted where it adds the
//     least walking.
// Meters is the length of the walk the policy prescribes, which may be longer
// than the shortest walk through the same stops in the same order.

// SShape returns the S-shape (traversal) route: every aisle with a pick is
// walked through from end to end, the last one of a block entered and left
// at the front when the count is odd.
func (l *Layout) SShape(stops []floor.Point) Route { return l.policy(stops, false) }

// LargestGap returns the largest-gap route: per block, the first and last
// aisles with picks are walked through, and every other aisle is entered
// from the back and from the front up to its largest gap between picks
// (counting the ends), which is never walked. Entering the farthest block from
// the front, the walk first goes through its nearest aisle with picks.
func (l *Layout) LargestGap(stops []floor.Point) Route { return l.policy(stops, true) }

// walk records a policy's walk as waypoints, each reached from the previous
// one along a single walkway, in a frame where the depot is at the front.
type walk struct {
	l    *Layout
	flip float64       // frame y = flip * floor y
	way  []floor.Point // floor coordinates
	stop []int         // stop picked at each waypoint, or -1
	cur  floor.Point   // frame coordinates
}

// aislePicks are the picks of one aisle within one block, by frame y.
type aislePicks struct {
	x  float64
	ys []float64
	is []int
}

func (w *walk) at(x, y float64, stop int) {
	w.cur = floor.Point{X: x, Y: y}
	w.way = append(w.way, floor.Point{X: x, Y: w.flip * y})
	w.stop = append(w.stop, stop)
}

// sweep walks the current aisle from y = from to y = to, picking a's picks
// (which lie between) on the way.
func (w *walk) sweep(a aislePicks, from, to float64) {
	idx := make([]int, len(a.ys))
	for k := range idx {
		idx[k] = k
	}
	if from > to {
		slices.Reverse(idx)
	}
	for _, k := range idx {
		w.at(a.x, a.ys[k], a.is[k])
	}
	w.at(a.x, to, -1)
}

// part returns the picks of a with frame y in [lo, hi].
func (a aislePicks) part(lo, hi float64) aislePicks {
	p := aislePicks{x: a.x}
	for k, y := range a.ys {
		if y >= lo && y <= hi {
			p.ys, p.is = append(p.ys, y), append(p.is, a.is[k])
		}
	}
	return p
}

func (l *Layout) policy(stops []floor.Point, largestGap bool) Route {
	type pick struct {
		i, aisle int
		y        float64
	}
	w := &walk{l: l, flip: 1}
	w.at(l.depot.X, l.depot.Y, -1)
	var upper, lower []pick
	var off []int
	yd, top := l.depot.Y, l.ys[len(l.ys)-1]
	for i, s := range stops {
		c := l.locate(s)
		switch {
		case c.aisle < 0:
			off = append(off, i)
		case c.p.Y > yd || c.p.Y == yd && yd < top:
			upper = append(upper, pick{i, c.aisle, c.p.Y})
		default:
			lower = append(lower, pick{i, c.aisle, -c.p.Y})
		}
	}
	for _, half := range []struct {
		flip  float64
		picks []pick
	}{{1, upper}, {-1, lower}} {
		if len(half.picks) == 0 {
			continue
		}
		w.flip = half.flip
		var cs []float64 // frame y of this half's cross aisles, depot's first
		for _, y := range l.ys {
			if fy := half.flip * y; fy >= half.flip*yd {
				cs = append(cs, fy)
			}
		}
		slices.Sort(cs)
		block := func(y float64) int {
			b, _ := slices.BinarySearch(cs, y)
			if b == len(cs) || cs[b] > y {
				b--
			}
			return min(b, len(cs)-2)
		}
		first, far := len(l.xs), 0
		for _, p := range half.picks {
			first, far = min(first, p.aisle), max(far, block(p.y))
		}
		slices.SortFunc(half.picks, func(a, b pick) int {
			return cmp.Or(cmp.Compare(a.aisle, b.aisle), cmp.Compare(a.y, b.y), cmp.Compare(a.i, b.i))
		})
		// Up the first aisle with picks to the front of the farthest block,
		// picking on the way; the rest go to their block's aisles.
		blocks := make([][]aislePicks, far+1)
		w.cur = floor.Point{X: l.depot.X, Y: cs[0]}
		w.at(l.xs[first], cs[0], -1)
		for _, p := range half.picks {
			b := block(p.y)
			switch bs := blocks[b]; {
			case p.aisle == first && b < far:
				w.at(l.xs[first], p.y, p.i)
			case len(bs) == 0 || bs[len(bs)-1].x != l.xs[p.aisle]:
				blocks[b] = append(bs, aislePicks{x: l.xs[p.aisle], ys: []float64{p.y}, is: []int{p.i}})
			default:
				bs[len(bs)-1].ys = append(bs[len(bs)-1].ys, p.y)
				bs[len(bs)-1].is = append(bs[len(bs)-1].is, p.i)
			}
		}
		w.at(l.xs[first], cs[far], -1)
		for b := far; b >= 0; b-- {
			subs := blocks[b]
			if len(subs) > 0 && math.Abs(w.cur.X-subs[0].x) > math.Abs(w.cur.X-subs[len(subs)-1].x) {
				slices.Reverse(subs)
			}
			if largestGap {
				w.gapBlock(subs, cs[b], cs[b+1], b == far)
			} else {
				w.sBlock(subs, cs[b], cs[b+1], b == far)
			}
		}
		w.at(l.depot.X, cs[0], -1)
	}
	w.flip = 1
	w.at(l.depot.X, l.depot.Y, -1)
	w.insert(stops, off)

	r := Route{Order: make([]int, 0, len(stops))}

	for k, s := range w.stop {
		if s >= 0 {
			r.Order = append(r.Order, s)
		}
		if k > 0 {
			r.Meters += l.Distance(w.way[k-1], w.way[k])
		}
	}
	return r
}

// sBlock clears one block S-shape, from its front (lo) if fromFront, else
// its back (hi), ending at its front.
func (w *walk) sBlock(subs []aislePicks, lo, hi float64, fromFront bool) {
	y := hi
	if fromFront {
		y = lo
	}
	for k, a := range subs {
		w.at(a.x, y, -1)
		if k == len(subs)-1 && y == lo {
			w.sweep(a, lo, a.ys[len(a.ys)-1])
			w.at(a.x, lo, -1)
			return
		}
		w.sweep(a, y, lo+hi-y)
		y = lo + hi - y
	}
	w.at(w.cur.X, lo, -1)
}

// gapBlock clears one block by the largest-gap rule, ending at its front.
func (w *walk) gapBlock(subs []aislePicks, lo, hi float64, fromFront bool) {
	if fromFront {
		if len(subs) == 0 {
			return
		}
		a := subs[0]
		w.at(a.x, lo, -1)
		if len(subs) == 1 {
			w.sweep(a, lo, a.ys[len(a.ys)-1])
			w.at(a.x, lo, -1)
			return
		}
		w.sweep(a, lo, hi)
		subs = subs[1:]
	}
	if len(subs) == 0 {
		w.at(w.cur.X, lo, -1)
		return
	}
	last := subs[len(subs)-1]
	subs = subs[:len(subs)-1]
	cut := make([]float64, len(subs)) // the y where each aisle's largest gap starts
	for k, a := range subs {
		prev, gap := lo, -1.0
		for _, y := range append(slices.Clone(a.ys), hi) {
			if y-prev > gap {
				cut[k], gap = prev, y-prev
			}
			prev = y
		}
		if up := a.part(math.Nextafter(cut[k], math.Inf(1)), hi); len(up.ys) > 0 {
			w.at(a.x, hi, -1)
			w.sweep(up, hi, up.ys[0])
			w.at(a.x, hi, -1)
		}
	}
	w.at(last.x, hi, -1)
	w.sweep(last, hi, lo)
	for k := len(subs) - 1; k >= 0; k-- {
		if down := subs[k].part(lo, cut[k]); len(down.ys) > 0 {
			w.at(subs[k].x, lo, -1)
			w.sweep(down, lo, down.ys[len(down.ys)-1])
			w.at(subs[k].x, lo, -1)
		}
	}
}

// insert puts each stop that lies in no aisle where it adds the least
// walking to the waypoints.
func (w *walk) insert(stops []floor.Point, off []int) {
	for _, i := range off {
		best, at := math.Inf(1), 1
		for k := 1; k < len(w.way); k++ {
			a, b := w.way[k-1], w.way[k]
			if c := w.l.Distance(a, stops[i]) + w.l.Distance(stops[i], b) - w.l.Distance(a, b); c < best {
				best, at = c, k
			}
		}
		w.way = slices.Insert(w.way, at, stops[i])
		w.stop = slices.Insert(w.stop, at, i)
	}
}
