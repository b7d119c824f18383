package route

import (
	"cmp"
	"math"
	"slices"
)

// This file is the Ratliff-Rosenthal dynamic programme (Operations Research
// 31(3), 1983) for a single block: it sweeps the aisles left to right and
// keeps, for every equivalence class of partial tour subgraphs, the cheapest
// one. A class is the degree of the current aisle's front end a and back end
// b (none, odd, even) and whether a and b are connected; every component of
// the partial graph must touch a or b, or it could never join the rest.
// Instead of the paper's hand-made transition tables the transitions are
// derived from these rules, which also covers the depot between aisles.
//
// The depot and the stops are all "picks". A pick on a cross aisle between
// aisles gets a virtual aisle of its own, with no walkway between front and
// back: only the horizontal edges pass through it.

// column is one aisle (or virtual aisle) in the sweep.
type column struct {
	x       float64
	virtual bool
	ids     []int     // nodes in the aisle, by y
	ys      []float64 // their y
}

// vopt is one way to cover a column's vertical edges. Its segments are the
// pieces between consecutive points of front, picks..., back: each is walked
// once (mult 1), or twice except segment gap (mult 2; gap -1 for none).
type vopt struct {
	mult   int
	gap    int
	cost   float64
	va, vb int8 // degree added at front and back: 0 none, 1 odd, 2 even
	conn   bool // the option joins front and back
}

// state is a class (da, db, connected) packed into 0..17. A degree of zero
// means the end is not in the graph; then connectivity is trivially true.
func state(da, db int8, conn bool) int {
	s := (int(da)*3 + int(db)) * 2
	if conn || da == 0 || db == 0 {
		s++
	}
	return s
}

func unstate(s int) (da, db int8, conn bool) {
	return int8(s / 6), int8(s / 2 % 3), s%2 == 1
}

const nStates = 18

var emptyState = state(0, 0, true)

// addDeg adds degree codes: none is the identity, then parities add.
func addDeg(x, y int8) int8 {
	if x == 0 || y == 0 {
		return x + y
	}
	if (x+y)%2 == 1 {
		return 1
	}
	return 2
}

// columns places the problem's nodes into the aisles they lie in, adding
// the empty aisles between the leftmost and rightmost pick: a tour may walk
// through those, but never beyond the outermost picks.
func (l *Layout) columns(p *problem) []column {
	byX := map[float64]*column{}
	for v, c := range p.locs {
		x, virtual := c.p.X, c.aisle < 0
		if !virtual {
			x = l.xs[c.aisle]
		}
		col := byX[x]
		if col == nil {
			col = &column{x: x, virtual: virtual}
			byX[x] = col
		}
		col.ids = append(col.ids, v)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for x := range byX {
		lo, hi = min(lo, x), max(hi, x)
	}
	for _, x := range l.xs {
		if x >= lo && x <= hi && byX[x] == nil {
			byX[x] = &column{x: x}
		}
	}
	cols := make([]column, 0, len(byX))
	for _, c := range byX {
		slices.SortFunc(c.ids, func(u, v int) int {
			return cmp.Or(cmp.Compare(p.locs[u].p.Y, p.locs[v].p.Y), cmp.Compare(u, v))
		})
		for _, v := range c.ids {
			c.ys = append(c.ys, p.locs[v].p.Y)
		}
		cols = append(cols, *c)
	}
	slices.SortFunc(cols, func(a, b column) int { return cmp.Compare(a.x, b.x) })
	return cols
}

// options lists the vertical options worth considering in a column: walk it
// through once or twice, or go in from front and back and turn at one gap,
// where only the largest interior gap matters among splits that leave picks
// on both sides, as they all give the same class.
func (l *Layout) options(c column) []vopt {
	front, back := l.ys[0], l.ys[1]
	span := back - front
	m := len(c.ys)
	seg := func(g int) float64 { // length of segment g
		lo, hi := front, back
		if g > 0 {
			lo = c.ys[g-1]
		}
		if g < m {
			hi = c.ys[g]
		}
		return hi - lo
	}
	gap := func(g int) vopt {
		o := vopt{mult: 2, gap: g, cost: 2 * (span - seg(g))}
		if g > 0 {
			o.va = 2
		}
		if g < m {
			o.vb = 2
		}
		return o
	}
	if c.virtual {
		// No walkway: the picks at the front hang off a, those at the back off b.
		g := 0
		for g < m && c.ys[g] == front {
			g++
		}
		return []vopt{gap(g)}
	}
	opts := []vopt{
		{mult: 1, gap: -1, cost: span, va: 1, vb: 1, conn: true},
		{mult: 2, gap: -1, cost: 2 * span, va: 2, vb: 2, conn: true},
		gap(0),
	}
	if m > 0 {
		opts = append(opts, gap(m))
	}
	if m >= 2 {
		best := 1
		for g := 2; g < m; g++ {
			if seg(g) > seg(best) {
				best = g
			}
		}
		opts = append(opts, gap(best))
	}
	return opts
}

// ratliffRosenthal returns an optimal node order for a one-group problem on a
// single-block layout. Every node lies on a walkway (locate sees to that): in
// an aisle, or on the front or back cross aisle.
func (l *Layout) ratliffRosenthal(p *problem) []int {
	cols := l.columns(p)
	inf := math.Inf(1)
	type step struct {
		from int // state before this step
		how  int // vertical option index, or ea*3+eb for a horizontal step
	}
	nc := len(cols)
	costV := make([][nStates]float64, nc) // after column j's vertical edges
	backV := make([][nStates]step, nc)
	backH := make([][nStates]step, nc) // horizontal edges into column j
	opts := make([][]vopt, nc)
	in := [nStates]float64{}
	for s := range in {
		in[s] = inf
	}
	in[emptyState] = 0
	for j, c := range cols {
		if j > 0 {
			w := c.x - cols[j-1].x
			for s := range in {
				in[s] = inf
			}
			for s, base := range costV[j-1] {
				da, db, conn := unstate(s)
				if math.IsInf(base, 1) || s == emptyState {
					continue
				}
				for h := range 9 {
					ea, eb := int8(h/3), int8(h%3)
					switch {
					case da == 0 && ea > 0, db == 0 && eb > 0: // an edge to nowhere
					case (da%2+ea)%2 != 0, (db%2+eb)%2 != 0: // a or b left odd
					case da != 0 && db != 0 && !conn && (ea == 0 || eb == 0): // a component left behind
					case ea == 0 && eb == 0: // the tour closed with picks still to the right
					default:
						ns := state(ea, eb, conn)
						if v := base + float64(ea+eb)*w; v < in[ns] {
							in[ns], backH[j][ns] = v, step{s, h}
						}
					}
				}
			}
		}
		opts[j] = l.options(c)
		for s := range costV[j] {
			costV[j][s] = inf
		}
		for s, base := range in {
			if math.IsInf(base, 1) {
				continue
			}
			da, db, conn := unstate(s)
			for oi, o := range opts[j] {
				if len(c.ids) > 0 && o.va == 0 && o.vb == 0 {
					continue // picks left uncovered
				}
				nconn := o.conn
				if da != 0 && db != 0 {
					nconn = conn || o.conn
				}
				ns := state(addDeg(da, o.va), addDeg(db, o.vb), nconn)
				if v := base + o.cost; v < costV[j][ns] {
					costV[j][ns], backV[j][ns] = v, step{s, oi}
				}
			}
		}
	}

	// The finished graph is one Eulerian component.
	final, best := -1, inf
	for s, v := range costV[nc-1] {
		da, db, conn := unstate(s)
		if s != emptyState && da%2 == 0 && db%2 == 0 && conn && v < best {
			final, best = s, v
		}
	}

	// Rebuild the multigraph: nodes 0..n, then a_j = n+1+2j, b_j = a_j+1.
	var eu, ev []int
	add := func(u, v, times int) {
		for range times {
			eu, ev = append(eu, u), append(ev, v)
		}
	}
	s := final
	for j := nc - 1; j >= 0; j-- {
		o := opts[j][backV[j][s].how]
		s = backV[j][s].from
		a, b := p.n+1+2*j, p.n+2+2*j
		chain := append(append([]int{a}, cols[j].ids...), b)
		for g := 0; g+1 < len(chain); g++ {
			times := o.mult
			if g == o.gap {
				times = 0
			}
			add(chain[g], chain[g+1], times)
		}
		if j > 0 {
			h := backH[j][s].how
			add(a-2, a, h/3)
			add(b-2, b, h%3)
			s = backH[j][s].from
		}
	}
	return eulerOrder(p.n, p.n+1+2*nc, eu, ev)
}

// eulerOrder walks an Euler circuit of the multigraph from node 0 (the
// depot) and returns nodes 1..n in order of first visit. Shortcutting the
// circuit that way never makes it longer, since distances are shortest paths.
func eulerOrder(n, vertices int, eu, ev []int) []int {
	adj := make([][]int, vertices)
	for e := range eu {
		adj[eu[e]] = append(adj[eu[e]], e)
		adj[ev[e]] = append(adj[ev[e]], e)
	}
	used := make([]bool, len(eu))
	next := make([]int, vertices)
	var circuit []int // Hierholzer: vertices in the order they are finished
	stack := []int{0}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		for next[v] < len(adj[v]) && used[adj[v][next[v]]] {
			next[v]++
		}
		if next[v] == len(adj[v]) {
			stack = stack[:len(stack)-1]
			circuit = append(circuit, v)
			continue
		}
		e := adj[v][next[v]]
		used[e] = true
		stack = append(stack, eu[e]+ev[e]-v)
	}
	seen := make([]bool, n+1)
	seen[0] = true
	order := make([]int, 0, n)
	for _, v := range circuit {
		if v <= n && !seen[v] {
			seen[v] = true
			order = append(order, v)
		}
	}
	return order
}
