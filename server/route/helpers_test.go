package route

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
)

const tol = 1e-9

func mustLayout(t testing.TB, m *floor.BinMap) *Layout {
	t.Helper()
	l, err := NewLayout(m)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func exampleLayout(t testing.TB) (*Layout, *floor.BinMap) {
	t.Helper()
	data, err := os.ReadFile("testdata/example-binmap.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := floor.ParseBinMap(data)
	if err != nil {
		t.Fatal(err)
	}
	return mustLayout(t, m), m
}

// randomMap draws a layout unlike Generate's: uneven aisle and block widths,
// and a depot on any cross aisle, at an aisle or between two.
func randomMap(rng *rand.Rand, aisles, crossAisles int) *floor.BinMap {
	m := &floor.BinMap{Warehouse: "RND"}
	x := 0.0
	for a := range aisles {
		id := fmt.Sprintf("%02d", a+1)
		m.Aisles = append(m.Aisles, floor.Aisle{ID: id, X: x})
		x += float64(2 + rng.IntN(4))
	}
	y := 0.0
	for range crossAisles {
		m.CrossAisles = append(m.CrossAisles, y)
		y += float64(4 + rng.IntN(12))
	}
	top := m.CrossAisles[crossAisles-1]
	for _, a := range m.Aisles {
		for b := range 4 + rng.IntN(12) {
			// Whole and half metres make shared pick faces and picks on the
			// cross aisles common.
			y := float64(rng.IntN(int(2*top)+1)) / 2
			m.Bins = append(m.Bins, floor.Bin{Code: fmt.Sprintf("A-%s-%03d-1", a.ID, b+1), Aisle: a.ID, Y: y})
		}
	}
	m.Depot.Y = m.CrossAisles[rng.IntN(crossAisles)]
	i := rng.IntN(aisles)
	m.Depot.X = m.Aisles[i].X
	if i+1 < aisles && rng.IntN(2) == 0 {
		m.Depot.X = (m.Aisles[i].X + m.Aisles[i+1].X) / 2
	}
	return m
}

// randomStops draws n stops, mostly pick faces of bins (repeats allowed),
// some points on a cross aisle between aisles when offAisle.
func randomStops(rng *rand.Rand, l *Layout, m *floor.BinMap, n int, offAisle bool) []floor.Point {
	stops := make([]floor.Point, n)
	for i := range stops {
		if offAisle && rng.IntN(6) == 0 {
			a := rng.IntN(len(l.xs))
			x := l.xs[a]
			if a+1 < len(l.xs) {
				x = (x + l.xs[a+1]) / 2
			}
			stops[i] = floor.Point{X: x, Y: l.ys[rng.IntN(len(l.ys))]}
			continue
		}
		stops[i] = m.PickFace(m.Bins[rng.IntN(len(m.Bins))])
	}
	return stops
}

// checkRoute fails unless r visits every stop exactly once and its metres
// are the walk of its order (or, for a policy, at least that).
func checkRoute(t *testing.T, l *Layout, stops []floor.Point, r Route, policy bool) {
	t.Helper()
	got := slices.Sorted(slices.Values(r.Order))
	for i, v := range got {
		if v != i || len(got) != len(stops) {
			t.Fatalf("order %v is not a permutation of %d stops", r.Order, len(stops))
		}
	}
	walked := l.Length(stops, r.Order)
	if policy && r.Meters < walked-tol || !policy && math.Abs(r.Meters-walked) > tol {
		t.Fatalf("Meters = %v, the order walks %v", r.Meters, walked)
	}
}

// matrix returns the depot (index 0) and the stops' distances, by Distance.
func matrix(l *Layout, stops []floor.Point) [][]float64 {
	pts := append([]floor.Point{l.Depot()}, stops...)
	d := make([][]float64, len(pts))
	for i := range d {
		d[i] = make([]float64, len(pts))
		for j := range d[i] {
			d[i][j] = l.Distance(pts[i], pts[j])
		}
	}
	return d
}

// bruteForce is the shortest tour through the stops by trying every order;
// keep must accept the order (nil: any).
func bruteForce(l *Layout, stops []floor.Point, keep func([]int) bool) float64 {
	d := matrix(l, stops)
	order := make([]int, len(stops))
	for i := range order {
		order[i] = i
	}
	best := math.Inf(1)
	var rec func(k int, prev int, sofar float64)
	rec = func(k, prev int, sofar float64) {
		if k == len(order) {
			if keep == nil || keep(order) {
				best = min(best, sofar+d[prev][0])
			}
			return
		}
		for i := k; i < len(order); i++ {
			order[k], order[i] = order[i], order[k]
			rec(k+1, order[k]+1, sofar+d[prev][order[k]+1])
			order[k], order[i] = order[i], order[k]
		}
	}
	rec(0, 0, 0)
	return best
}

// heldKarpRef is a textbook Held-Karp over the stops, written apart from the
// solver's: memoised recursion over (visited set, last stop).
func heldKarpRef(l *Layout, stops []floor.Point) float64 {
	d := matrix(l, stops)
	n := len(stops)
	if n == 0 {
		return 0
	}
	memo := make([]float64, (1<<n)*n)
	var f func(mask, last int) float64 // from the depot through mask, ending at last
	f = func(mask, last int) float64 {
		if mask == 1<<last {
			return d[0][last+1]
		}
		if v := memo[mask*n+last]; v > 0 {
			return v
		}
		best := math.Inf(1)
		for u := range n {
			if u != last && mask&(1<<u) != 0 {
				best = min(best, f(mask&^(1<<last), u)+d[u+1][last+1])
			}
		}
		memo[mask*n+last] = best
		return best
	}
	best := math.Inf(1)
	for v := range n {
		best = min(best, f(1<<n-1, v)+d[v+1][0])
	}
	return best
}
