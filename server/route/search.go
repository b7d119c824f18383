package route

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// This file is the heuristic for routes no exact method here can afford: an
// iterated local search. 2-opt and Or-opt (segments of 1-3 nodes, either way
// round) run to a local optimum, driven by neighbour lists and a queue of
// nodes whose surroundings changed; then a segment-swap kick (the "double
// bridge", which those moves cannot undo in one step) perturbs the current
// local optimum and the search repeats, keeping the result only if it is no
// longer; after restartAfter fruitless kicks it starts again from a random
// tour. Moves never take a node out of its group, so the same code serves
// Ordered.

const (
	neighbours   = 10   // candidate partners per node
	improve      = 1e-9 // metres a move must gain; float noise is not a gain
	kickBase     = 300  // kicks for any search...
	kickPer      = 15   // ...plus this many per node
	restartAfter = 100  // kicks without gain before a fresh random start
)

// tour is a visiting order being improved: t[0] and t[n+1] are the depot.
type tour struct {
	p      *problem
	t      []int
	pos    []int   // position of each node in t; the depot's is unused
	near   [][]int // per node, the nearest nodes of its own group
	queue  []int
	queued []bool
	cost   float64
}

// search returns the best order found within opts' kicks and time cap.
func (p *problem) search(opts Options) []int {
	timeCap := cmp.Or(opts.TimeCap, DefaultTimeCap)
	kicks := cmp.Or(opts.Kicks, kickBase+kickPer*p.n)
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	start := time.Now()

	tr := p.newTour(p.nearestNeighbour())
	tr.descend()
	// home is the local optimum the current run kicks from; best is the
	// best of all runs.
	home, homeCost := slices.Clone(tr.t), tr.cost
	best, bestCost := slices.Clone(tr.t), tr.cost
	stall := 0
	for k := range kicks {
		// The clock is read now and then, and can only end the search early.
		if timeCap > 0 && k%16 == 15 && time.Since(start) > timeCap {
			p.capped = true
			break
		}
		if stall == restartAfter {
			// Stuck in one valley: the kicks rarely climb out, a random
			// start often finds a deeper one.
			tr.shuffle(rng)
			homeCost, stall = math.Inf(1), 0
		} else {
			tr.kick(rng)
		}
		tr.descend()
		tr.cost = p.length(tr.t[1 : p.n+1]) // no drift from summed deltas
		stall++
		switch {
		case tr.cost < homeCost-improve:
			copy(home, tr.t)
			homeCost, stall = tr.cost, 0
			if homeCost < bestCost-improve {
				copy(best, home)
				bestCost = homeCost
			}
		case tr.cost > homeCost+improve:
			tr.set(home)
			tr.cost = homeCost
		}
	}
	return best[1 : p.n+1]
}

// nearestNeighbour builds a first tour: from the depot, always walk to the
// closest unvisited node of the current group.
func (p *problem) nearestNeighbour() []int {
	order := make([]int, 0, p.n)
	cur := 0
	for _, g := range p.groups {
		left := slices.Clone(g)
		for len(left) > 0 {
			bi := 0
			for i, v := range left {
				if p.dist(cur, v) < p.dist(cur, left[bi]) {
					bi = i
				}
			}
			cur = left[bi]
			order = append(order, cur)
			left = slices.Delete(left, bi, bi+1)
		}
	}
	return order
}

func (p *problem) newTour(order []int) *tour {
	tr := &tour{p: p, t: make([]int, p.n+2), pos: make([]int, p.n+1), near: make([][]int, p.n+1), queued: make([]bool, p.n+1)}
	for _, g := range p.groups {
		for _, v := range g {
			ws := slices.DeleteFunc(slices.Clone(g), func(w int) bool { return w == v })
			slices.SortStableFunc(ws, func(a, b int) int { return cmp.Compare(p.dist(v, a), p.dist(v, b)) })
			tr.near[v] = ws[:min(len(ws), neighbours)]
		}
	}
	copy(tr.t[1:], order)
	tr.set(tr.t)
	tr.cost = p.length(order)
	for v := 1; v <= p.n; v++ {
		tr.push(v)
	}
	return tr
}

// set copies a tour in.
func (tr *tour) set(t []int) {
	copy(tr.t, t)
	tr.reindex(1, tr.p.n)
}

func (tr *tour) reindex(lo, hi int) {
	for i := lo; i <= hi; i++ {
		tr.pos[tr.t[i]] = i
	}
}

func (tr *tour) push(vs ...int) {
	for _, v := range vs {
		if v != 0 && !tr.queued[v] {
			tr.queued[v] = true
			tr.queue = append(tr.queue, v)
		}
	}
}

// grp is the group at position i; the depot ends bound every group.
func (tr *tour) grp(i int) int {
	switch i {
	case 0:
		return -1
	case tr.p.n + 1:
		return len(tr.p.groups)
	}
	return tr.p.group[tr.t[i]]
}

func (tr *tour) d(i, j int) float64 { return tr.p.dist(tr.t[i], tr.t[j]) }

// move is a candidate change: a reversal of t[lo..hi] (2-opt), or moving
// t[lo..hi] between positions at and at+1, reversed if rev (Or-opt).
type move struct {
	or     bool
	lo, hi int
	at     int
	rev    bool
	delta  float64
}

// bestMove returns the best move that makes v adjacent to one of its
// neighbours: a reversal, or a segment of 1-3 nodes with v at one end put
// next to the neighbour, either way round. Moves stay inside v's group (and
// the groups in order). This is the hot loop of the search, hence the flat
// matrix and the removal gains worked out once per segment.
func (tr *tour) bestMove(v int) (move, bool) {
	t, n, m := tr.t, tr.p.n, tr.p.n+1
	d := tr.p.d
	grouped := len(tr.p.groups) > 1
	best, found := move{delta: -improve}, false
	i := tr.pos[v]
	pv, sv := t[i-1], t[i+1]
	type seg struct {
		lo, hi int
		other  int     // the node at the segment's other end
		gain   float64 // metres saved by taking it out
	}
	var segs [5]seg
	ns := 0
	for k := range 3 {
		for side, lo := range [2]int{i, i - k} {
			hi := lo + k
			if k == 0 && side == 1 || lo < 1 || hi > n || grouped && tr.grp(lo) != tr.grp(hi) {
				continue
			}
			a, b := t[lo-1], t[hi+1]
			segs[ns] = seg{lo, hi, t[lo+hi-i], d[a*m+t[lo]] + d[t[hi]*m+b] - d[a*m+b]}
			ns++
		}
	}
	g := tr.grp(i)
	for _, w := range tr.near[v] {
		j := tr.pos[w]
		pw, sw := t[j-1], t[j+1]
		dvw := d[v*m+w]
		// 2-opt: reverse between the two successor edges or the two
		// predecessor edges, so that v and w become neighbours.
		lo, hi := min(i, j), max(i, j)
		if lo+1 < hi && (!grouped || tr.grp(lo+1) == tr.grp(hi)) {
			if delta := dvw + d[sv*m+sw] - d[v*m+sv] - d[w*m+sw]; delta < best.delta {
				best, found = move{lo: lo + 1, hi: hi, delta: delta}, true
			}
		}
		if lo < hi-1 && (!grouped || tr.grp(lo) == tr.grp(hi-1)) {
			if delta := dvw + d[pv*m+pw] - d[pv*m+v] - d[pw*m+w]; delta < best.delta {
				best, found = move{lo: lo, hi: hi - 1, delta: delta}, true
			}
		}
		// Or-opt: w, v, ..., other, sw  or  pw, other, ..., v, w.
		for _, s := range segs[:ns] {
			if grouped && tr.grp(j) != g {
				break
			}
			if j < s.lo-1 || j > s.hi {
				if delta := dvw + d[s.other*m+sw] - d[w*m+sw] - s.gain; delta < best.delta {
					best, found = move{or: true, lo: s.lo, hi: s.hi, at: j, rev: t[s.lo] != v, delta: delta}, true
				}
			}
			if j < s.lo || j > s.hi+1 {
				if delta := d[pw*m+s.other] + dvw - d[pw*m+w] - s.gain; delta < best.delta {
					best, found = move{or: true, lo: s.lo, hi: s.hi, at: j - 1, rev: t[s.lo] == v, delta: delta}, true
				}
			}
		}
	}
	return best, found
}

func (tr *tour) apply(m move) {
	t := tr.t
	tr.push(t[m.lo-1], t[m.lo], t[m.hi], t[m.hi+1])
	tr.cost += m.delta
	if !m.or {
		slices.Reverse(t[m.lo : m.hi+1])
		tr.reindex(m.lo, m.hi)
		return
	}
	seg := slices.Clone(t[m.lo : m.hi+1])
	if m.rev {
		slices.Reverse(seg)
	}
	k := len(seg)
	tr.push(t[m.at], t[m.at+1])
	if m.at < m.lo {
		copy(t[m.at+1+k:], t[m.at+1:m.lo])
		copy(t[m.at+1:], seg)
		tr.reindex(m.at+1, m.hi)
	} else {
		copy(t[m.lo:], t[m.hi+1:m.at+1])
		copy(t[m.at-k+1:], seg)
		tr.reindex(m.lo, m.at)
	}
}

// descend applies improving moves until no queued node has one.
func (tr *tour) descend() {
	for len(tr.queue) > 0 {
		v := tr.queue[0]
		tr.queue = tr.queue[1:]
		tr.queued[v] = false
		if m, ok := tr.bestMove(v); ok {
			tr.apply(m)
			tr.push(v)
		}
	}
}

// shuffle replaces the tour by a random one (each group's nodes shuffled in
// place) and queues every node.
func (tr *tour) shuffle(rng *rand.Rand) {
	for lo := 1; lo <= tr.p.n; {
		hi := lo
		for hi < tr.p.n && tr.grp(hi+1) == tr.grp(lo) {
			hi++
		}
		rng.Shuffle(hi-lo+1, func(a, b int) { tr.t[lo+a], tr.t[lo+b] = tr.t[lo+b], tr.t[lo+a] })
		lo = hi + 1
	}
	tr.reindex(1, tr.p.n)
	tr.cost = tr.p.length(tr.t[1 : tr.p.n+1])
	for v := 1; v <= tr.p.n; v++ {
		tr.push(v)
	}
}

// kick swaps two adjacent segments inside one group, chosen at random with
// groups weighted by size, and queues the nodes at the changed edges.
func (tr *tour) kick(rng *rand.Rand) {
	lo, hi := 1, 1
	for r := rng.IntN(tr.p.n); ; lo = hi + 1 {
		hi = lo
		for hi < tr.p.n && tr.grp(hi+1) == tr.grp(lo) {
			hi++
		}
		if r <= hi-1 {
			break
		}
	}
	size := hi - lo + 1
	if size < 3 {
		return
	}
	maxLen := max(1, size/3)
	a := rng.IntN(maxLen) + 1
	b := rng.IntN(maxLen) + 1
	if a+b > size {
		a, b = 1, 1
	}
	s := lo + rng.IntN(size-a-b+1)
	t := tr.t
	seg := slices.Clone(t[s : s+a])
	tr.cost += tr.d(s-1, s+a) + tr.d(s+a+b-1, s) + tr.d(s+a-1, s+a+b) -
		tr.d(s-1, s) - tr.d(s+a-1, s+a) - tr.d(s+a+b-1, s+a+b)
	copy(t[s:], t[s+a:s+a+b])
	copy(t[s+b:], seg)
	tr.reindex(s, s+a+b-1)
	tr.push(t[s-1], t[s], t[s+b-1], t[s+b], t[s+a+b-1], t[s+a+b])
}
