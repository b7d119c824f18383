// Package route plans pick routes: the shortest walk from the depot (pack
// station) through a set of stops and back, along the aisles and cross aisles
// of a bin map (shared/binmap-format.md).
//
// Everything here is a pure function of its inputs: no I/O, no global state,
// and the result does not depend on the wall clock except where a time cap
// cuts a search short, which the returned Route says (Capped).
package route

import (
	"math"
	"slices"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// Layout is a bin map prepared for routing: walkways sorted so that distances
// are a few comparisons, and every bin's pick face looked up by code.
type Layout struct {
	xs    []float64              // aisle x, ascending
	ys    []float64              // cross aisle y, ascending
	depot floor.Point            // on a cross aisle
	aisle map[float64]int        // aisle x -> index in xs
	cross map[float64]int        // cross aisle y -> index in ys
	faces map[string]floor.Point // bin code -> pick face
}

// NewLayout checks m against the bin map rules and prepares it for routing.
// The map is not kept: later changes to m do not affect the Layout.
func NewLayout(m *floor.BinMap) (*Layout, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	l := &Layout{
		ys:    slices.Sorted(slices.Values(m.CrossAisles)),
		depot: m.Depot,
		aisle: map[float64]int{},
		cross: map[float64]int{},
		faces: make(map[string]floor.Point, len(m.Bins)),
	}
	for _, a := range m.Aisles {
		l.xs = append(l.xs, a.X)
	}
	slices.Sort(l.xs)
	for i, x := range l.xs {
		l.aisle[x] = i
	}
	for i, y := range l.ys {
		l.cross[y] = i
	}
	for _, b := range m.Bins {
		l.faces[b.Code] = m.PickFace(b)
	}
	return l, nil
}

// Depot returns where every route starts and ends.
func (l *Layout) Depot() floor.Point { return l.depot }

// Face returns the pick face of the bin with the given code. Bins at the same
// face (levels of one bay, facing shelves) give equal points, which callers
// may merge into one stop.
func (l *Layout) Face(code string) (floor.Point, bool) {
	p, ok := l.faces[code]
	return p, ok
}

// Blocks returns the number of blocks (cross aisles minus one). A single
// block is the case where Shortest is provably optimal at any size.
func (l *Layout) Blocks() int { return len(l.ys) - 1 }

// loc is a point resolved against the walkways: the aisle it lies in (or -1)
// and the cross aisle it lies on (or -1). Resolving once per stop keeps the
// distance matrix free of map look-ups.
type loc struct {
	p     floor.Point
	aisle int
	cross int
}

// locate resolves p. A point off every walkway (which a valid map never
// produces) is moved to the nearest aisle and clamped to its span, so that
// distances stay defined and consistent for every caller.
func (l *Layout) locate(p floor.Point) loc {
	a, onAisle := l.aisle[p.X]
	c, onCross := l.cross[p.Y]
	if !onAisle {
		a = -1
	}
	if !onCross {
		c = -1
	}
	if onAisle || onCross && p.X >= l.xs[0] && p.X <= l.xs[len(l.xs)-1] {
		return loc{p, a, c}
	}
	a = l.nearestAisle(p.X)
	p = floor.Point{X: l.xs[a], Y: min(max(p.Y, l.ys[0]), l.ys[len(l.ys)-1])}
	c, onCross = l.cross[p.Y]
	if !onCross {
		c = -1
	}
	return loc{p, a, c}
}

// nearestAisle returns the index of the aisle closest in x to x.
func (l *Layout) nearestAisle(x float64) int {
	i, _ := slices.BinarySearch(l.xs, x)
	if i == len(l.xs) || i > 0 && x-l.xs[i-1] <= l.xs[i]-x {
		i--
	}
	return i
}

// Distance is the walking distance between a and b along the walkways: the
// length of the shortest path in the grid of aisles and cross aisles.
func (l *Layout) Distance(a, b floor.Point) float64 {
	return l.dist(l.locate(a), l.locate(b))
}

func (l *Layout) dist(a, b loc) float64 {
	dx, dy := math.Abs(a.p.X-b.p.X), math.Abs(a.p.Y-b.p.Y)
	switch {
	case a.aisle >= 0 && a.aisle == b.aisle:
		return dy
	case a.aisle >= 0 && b.aisle >= 0:
		// Leave one aisle by some cross aisle and enter the other from it.
		best := math.Inf(1)
		for _, c := range l.ys {
			best = min(best, math.Abs(a.p.Y-c)+math.Abs(b.p.Y-c))
		}
		return dx + best
	case a.aisle >= 0 || b.aisle >= 0 || a.cross == b.cross:
		// A cross-aisle point reaches any aisle point, and any point of its
		// own cross aisle, in a monotone walk.
		return dx + dy
	default:
		// Two cross aisles, points between aisles: change cross aisle in the
		// aisle that costs the least sideways detour.
		lo, hi := min(a.p.X, b.p.X), max(a.p.X, b.p.X)
		i, _ := slices.BinarySearch(l.xs, lo)
		if i < len(l.xs) && l.xs[i] <= hi {
			return dx + dy
		}
		detour := math.Inf(1)
		if i < len(l.xs) {
			detour = 2 * (l.xs[i] - hi)
		}
		if i > 0 {
			detour = min(detour, 2*(lo-l.xs[i-1]))
		}
		return dx + dy + detour
	}
}

// Length is the walking distance of visiting stops in the given order,
// starting and ending at the depot.
func (l *Layout) Length(stops []floor.Point, order []int) float64 {
	total, prev := 0.0, l.locate(l.depot)
	for _, i := range order {
		next := l.locate(stops[i])
		total += l.dist(prev, next)
		prev = next
	}
	return total + l.dist(prev, l.locate(l.depot))
}

// Route is a planned walk from the depot through every stop and back.
type Route struct {
	// Order lists indices into the stops, each once, in visiting order.
	Order []int
	// Meters is the walking distance of the route.
	Meters float64
	// Optimal says the route is proved shortest (by dynamic programming),
	// not merely the best found.
	Optimal bool
	// Capped says the time cap stopped the search; the route is the best
	// found by then.
	Capped bool
}

// DefaultTimeCap bounds one route's search when Options.TimeCap is zero. It
// is far above the usual search time, so it only guards against surprises.
const DefaultTimeCap = 50 * time.Millisecond

// Options tune the search of Shortest and Ordered for routes that are not
// solved exactly. The zero value is the production setting.
type Options struct {
	// TimeCap stops the heuristic search early, returning the best route so
	// far marked Capped; zero means DefaultTimeCap, negative means no cap.
	// Exact methods are not capped: their running time is bounded.
	TimeCap time.Duration
	// Kicks is the number of perturbations of the iterated local search;
	// zero means a default that grows with the number of stops. Tests set
	// it (with no time cap) to be deterministic on any machine.
	Kicks int
	// Seed seeds the search's random number generator; equal inputs and
	// options give equal routes.
	Seed uint64
}
