package route

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// The worked examples of shared/binmap-format.md.
func TestExampleRoutes(t *testing.T) {
	l, _ := exampleLayout(t)
	tests := []struct {
		bins []string
		want float64
	}{
		{[]string{"A-02-004-1", "A-03-002-1"}, 32},
		{[]string{"A-02-004-1", "A-02-006-1"}, 30},
		{[]string{"A-01-008-1", "A-03-009-1"}, 52},
		{[]string{"A-01-001-1", "A-01-008-1", "A-02-004-1", "A-02-004-2", "A-02-006-1", "A-03-002-1", "A-03-009-1"}, 64},
	}
	for _, tt := range tests {
		var stops []floor.Point
		for _, code := range tt.bins {
			p, ok := l.Face(code)
			if !ok {
				t.Fatalf("no bin %s", code)
			}
			stops = append(stops, p)
		}
		r := l.Shortest(stops, Options{})
		checkRoute(t, l, stops, r, false)
		if got := r.Meters; got != tt.want || !r.Optimal {
			t.Errorf("Shortest(%v) = %v m (optimal %v), want %v m, optimal", tt.bins, got, r.Optimal, tt.want)
		}
		for name, h := range map[string]func([]floor.Point) Route{"SShape": l.SShape, "LargestGap": l.LargestGap} {
			r := h(stops)
			checkRoute(t, l, stops, r, true)
			if r.Meters < tt.want {
				t.Errorf("%s(%v) = %v m, below the optimum %v", name, tt.bins, r.Meters, tt.want)
			}
		}
	}
}

func TestDistanceExample(t *testing.T) {
	l, _ := exampleLayout(t)
	face := func(code string) floor.Point { p, _ := l.Face(code); return p }
	tests := []struct {
		a, b floor.Point
		want float64
	}{
		{face("A-02-004-1"), face("A-03-002-1"), 11},                // 2 up to y=10, 3 across, 6 down
		{face("A-02-004-1"), face("A-02-006-1"), 4},                 // same aisle
		{face("A-02-004-1"), face("A-02-004-2"), 0},                 // same pick face
		{face("A-01-008-1"), face("A-03-009-1"), 9},                 // via y = 20: 2 + 6 + 1
		{l.Depot(), face("A-03-002-1"), 10},                         // along the front, then up
		{l.Depot(), face("A-01-008-1"), 18},                         // the depot's own aisle
		{floor.Point{X: 1.5, Y: 0}, floor.Point{X: 4.5, Y: 20}, 23}, // two cross aisles, aisle in between
		{floor.Point{X: 1, Y: 0}, floor.Point{X: 2, Y: 10}, 13},     // detour to the aisle at x = 0
		{floor.Point{X: 4, Y: 10}, floor.Point{X: 5, Y: 10}, 1},     // along one cross aisle
	}
	for _, tt := range tests {
		if got := l.Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := l.Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%v, %v) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

// Distance against shortest paths in the explicit walkway graph.
func TestDistanceGraph(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		l, m := mustLayoutR(t, rng, 1+rng.IntN(6), 2+rng.IntN(4))
		pts := randomStops(rng, l, m, 10, true)
		// Vertices: every point and every walkway crossing; edges join
		// neighbours along each aisle and each cross aisle.
		verts := slices.Clone(pts)
		for _, x := range l.xs {
			for _, y := range l.ys {
				verts = append(verts, floor.Point{X: x, Y: y})
			}
		}
		n := len(verts)
		d := make([][]float64, n)
		for i := range d {
			d[i] = make([]float64, n)
			for j := range d[i] {
				if i != j {
					d[i][j] = math.Inf(1)
				}
			}
		}
		link := func(on func(floor.Point) bool, key func(floor.Point) float64) {
			var ids []int
			for i, v := range verts {
				if on(v) {
					ids = append(ids, i)
				}
			}
			slices.SortFunc(ids, func(a, b int) int { return int(math.Copysign(1, key(verts[a])-key(verts[b]))) })
			for k := 1; k < len(ids); k++ {
				w := math.Abs(key(verts[ids[k]]) - key(verts[ids[k-1]]))
				d[ids[k]][ids[k-1]], d[ids[k-1]][ids[k]] = w, w
			}
		}
		for _, x := range l.xs {
			link(func(p floor.Point) bool { return p.X == x }, func(p floor.Point) float64 { return p.Y })
		}
		for _, y := range l.ys {
			link(func(p floor.Point) bool { return p.Y == y }, func(p floor.Point) float64 { return p.X })
		}
		for k := range n {
			for i := range n {
				for j := range n {
					d[i][j] = min(d[i][j], d[i][k]+d[k][j])
				}
			}
		}
		for i := range pts {
			for j := range pts {
				if got, want := l.Distance(pts[i], pts[j]), d[i][j]; math.Abs(got-want) > tol {
					t.Fatalf("Distance(%v, %v) = %v, graph says %v (aisles %v, cross aisles %v)", pts[i], pts[j], got, want, l.xs, l.ys)
				}
			}
		}
	}
}

func mustLayoutR(t testing.TB, rng *rand.Rand, aisles, crossAisles int) (*Layout, *floor.BinMap) {
	m := randomMap(rng, aisles, crossAisles)
	return mustLayout(t, m), m
}

// Shortest against exact references on random single- and multi-block
// layouts, including stops on cross aisles and depots anywhere.
func TestShortestOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 600 {
		cross := 2
		if i%2 == 1 {
			cross = 3 + rng.IntN(3)
		}
		l, m := mustLayoutR(t, rng, 1+rng.IntN(12), cross)
		n := 1 + rng.IntN(8)
		ref := "brute force"
		if i%4 >= 2 {
			n, ref = 9+rng.IntN(5), "Held-Karp"
		}
		stops := randomStops(rng, l, m, n, i%3 == 0)
		r := l.Shortest(stops, Options{})
		checkRoute(t, l, stops, r, false)
		var want float64
		if ref == "brute force" {
			want = bruteForce(l, stops, nil)
		} else {
			want = heldKarpRef(l, stops)
		}
		if math.Abs(r.Meters-want) > tol || !r.Optimal {
			t.Fatalf("case %d (%d cross aisles, depot %v): Shortest = %v m (optimal %v), %s says %v\nstops %v",
				i, cross, l.Depot(), r.Meters, r.Optimal, ref, want, stops)
		}
	}
}

// On one block the Ratliff-Rosenthal route is optimal at any size: it must
// beat or tie every heuristic, and agree with Held-Karp where both run.
func TestRatliffRosenthal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 120 {
		l, m := mustLayoutR(t, rng, 2+rng.IntN(30), 2)
		stops := randomStops(rng, l, m, 16+rng.IntN(80), i%3 == 0)
		r := l.Shortest(stops, Options{})
		checkRoute(t, l, stops, r, false)
		if !r.Optimal {
			t.Fatalf("case %d: not proved optimal", i)
		}
		p := l.newProblem([][]floor.Point{stops})
		others := map[string]float64{
			"SShape":     l.SShape(stops).Meters,
			"LargestGap": l.LargestGap(stops).Meters,
			"search":     p.length(p.search(Options{TimeCap: -1, Kicks: 100})),
		}
		if p.n <= exactLimit {
			others["Held-Karp"] = p.length(p.heldKarp())
		}
		for name, v := range others {
			if v < r.Meters-tol {
				t.Fatalf("case %d: %s %v m beats Ratliff-Rosenthal %v m\nstops %v", i, name, v, r.Meters, stops)
			}
		}
	}
}

// Beyond 15 stops on several blocks: a valid route, repeatable, and no
// worse than the classic policies.
func TestShortestHeuristic(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 40 {
		l, m := mustLayoutR(t, rng, 5+rng.IntN(20), 3+rng.IntN(3))
		stops := randomStops(rng, l, m, 16+rng.IntN(45), i%3 == 0)
		opts := Options{TimeCap: -1, Kicks: 300, Seed: uint64(i)}
		r := l.Shortest(stops, opts)
		checkRoute(t, l, stops, r, false)
		if again := l.Shortest(stops, opts); !slices.Equal(again.Order, r.Order) {
			t.Fatalf("case %d: two runs differ", i)
		}
		for name, h := range map[string]func([]floor.Point) Route{"SShape": l.SShape, "LargestGap": l.LargestGap} {
			hr := h(stops)
			checkRoute(t, l, stops, hr, true)
			if hr.Meters < r.Meters-tol {
				t.Errorf("case %d: %s %v m beats Shortest %v m", i, name, hr.Meters, r.Meters)
			}
		}
	}
}

// The local search alone must find the optimum on small multi-block cases,
// which keeps it honest where no exact method checks it at full size.
func TestSearchFindsOptimum(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	misses := 0
	for i := range 60 {
		l, m := mustLayoutR(t, rng, 8+rng.IntN(20), 3+rng.IntN(3))
		p := l.newProblem([][]floor.Point{randomStops(rng, l, m, 10+rng.IntN(6), false)})
		got := p.length(p.search(Options{TimeCap: -1, Seed: uint64(i)}))
		if want := p.length(p.heldKarp()); got > want+tol {
			misses++
			t.Logf("case %d: search %v m, optimum %v m (%.2f%%)", i, got, want, 100*(got/want-1))
		}
	}
	if misses > 3 {
		t.Errorf("search missed the optimum in %d of 60 cases", misses)
	}
}

func TestOrdered(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 150 {
		l, m := mustLayoutR(t, rng, 1+rng.IntN(10), 2+rng.IntN(3))
		var groups [][]floor.Point
		var all []floor.Point
		var groupOf []int
		big := i%10 == 9 // beyond the exact limit: the local search
		for g := range 1 + rng.IntN(3) {
			n := rng.IntN(4)
			if big {
				n = 10 + rng.IntN(20)
			}
			stops := randomStops(rng, l, m, n, i%4 == 0)
			groups = append(groups, stops)
			all = append(all, stops...)
			for range stops {
				groupOf = append(groupOf, g)
			}
		}
		r := l.Ordered(groups, Options{TimeCap: -1, Kicks: 200})
		checkRoute(t, l, all, r, false)
		for k := 1; k < len(r.Order); k++ {
			if groupOf[r.Order[k]] < groupOf[r.Order[k-1]] {
				t.Fatalf("case %d: order %v breaks the groups %v", i, r.Order, groupOf)
			}
		}
		if big {
			if r.Optimal && l.newProblem(groups).largest() > exactLimit && len(groups) > 1 {
				t.Errorf("case %d: heuristic route claims optimality", i)
			}
			continue
		}
		want := bruteForce(l, all, func(order []int) bool {
			return slices.IsSortedFunc(order, func(a, b int) int { return groupOf[a] - groupOf[b] })
		})
		if math.Abs(r.Meters-want) > tol || !r.Optimal {
			t.Fatalf("case %d: Ordered = %v m (optimal %v), brute force %v m", i, r.Meters, r.Optimal, want)
		}
		if p := l.newProblem(groups); p.n > 0 {
			if got := p.length(p.search(Options{TimeCap: -1, Kicks: 50})); got < want-tol {
				t.Fatalf("case %d: the grouped search found %v m below the optimum %v m", i, got, want)
			}
		}
	}
}

func TestEdgeCases(t *testing.T) {
	l, _ := exampleLayout(t)
	depot := l.Depot()
	tests := []struct {
		name  string
		stops []floor.Point
		want  float64
	}{
		{"none", nil, 0},
		{"at the depot", []floor.Point{depot, depot}, 0},
		{"one stop twice", []floor.Point{{X: 3, Y: 8}, {X: 3, Y: 8}}, 22},
		{"on a cross aisle between aisles", []floor.Point{{X: 4.5, Y: 20}}, 49},
	}
	for _, tt := range tests {
		for name, solve := range map[string]func([]floor.Point) Route{
			"Shortest":   func(s []floor.Point) Route { return l.Shortest(s, Options{}) },
			"SShape":     l.SShape,
			"LargestGap": l.LargestGap,
		} {
			r := solve(tt.stops)
			checkRoute(t, l, tt.stops, r, name != "Shortest")
			if r.Meters != tt.want {
				t.Errorf("%s %s: %v m, want %v", name, tt.name, r.Meters, tt.want)
			}
		}
	}
}

// A cap too short for any search still returns a valid route, marked.
func TestTimeCap(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	l, m := mustLayoutR(t, rng, 30, 4)
	stops := randomStops(rng, l, m, 60, false)
	r := l.Shortest(stops, Options{TimeCap: time.Nanosecond, Kicks: 1 << 30})
	checkRoute(t, l, stops, r, false)
	if !r.Capped || r.Optimal {
		t.Errorf("Capped = %v, Optimal = %v; want capped, not optimal", r.Capped, r.Optimal)
	}
}

func TestNewLayoutRejectsInvalid(t *testing.T) {
	m := Generate(1, 4, 2, 10)
	m.Depot.Y = 3
	if _, err := NewLayout(m); err == nil {
		t.Error("a depot off the cross aisles was accepted")
	}
	if err := Generate(2, 99, 5, 999).Validate(); err != nil {
		t.Errorf("Generate made an invalid map: %v", err)
	}
}
