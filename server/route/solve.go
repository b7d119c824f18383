package route

import (
	"math"
	"math/bits"

	"github.com/pickpack/pickpack/server/floor"
)

// exactLimit is the largest group (in distinct points) solved by Held-Karp:
// 15 * 2^15 states of 15 moves each is a few milliseconds.
const exactLimit = 15

// Shortest returns the shortest route found from the depot through every
// stop and back. It is proved optimal (Route.Optimal) on a single-block
// layout at any size, by the Ratliff-Rosenthal dynamic programme, and on any
// layout for up to 15 distinct points, by Held-Karp; beyond that it is the
// best of an iterated local search. Stops at one point are visited together.
func (l *Layout) Shortest(stops []floor.Point, opts Options) Route {
	return l.Ordered([][]floor.Point{stops}, opts)
}

// Ordered returns the shortest route found that visits all of groups[0],
// then all of groups[1], and so on, then returns to the depot: familiar bins
// first, unfamiliar last. Order indexes the groups concatenated, so group 1's
// first stop is len(groups[0]). The route is exact (Optimal) when every group
// has at most 15 distinct points, and for one group as Shortest says;
// otherwise it is the best of a local search whose moves stay inside a group.
func (l *Layout) Ordered(groups [][]floor.Point, opts Options) Route {
	p := l.newProblem(groups)
	var nodes []int
	switch {
	case p.n == 0:
		return Route{Order: []int{}, Optimal: true}
	case len(p.groups) == 1 && len(l.ys) == 2:
		nodes, p.optimal = l.ratliffRosenthal(p), true
	case p.largest() <= exactLimit:
		nodes, p.optimal = p.heldKarp(), true
	default:
		nodes = p.search(opts)
	}
	return p.route(nodes)
}

// problem is a routing instance reduced to distinct points: node 0 is the
// depot, nodes 1..n are distinct points per group, and d is their distance
// matrix, so that solvers work on small integers and a flat slice.
type problem struct {
	n       int
	locs    []loc     // per node
	d       []float64 // (n+1)*(n+1), row-major
	group   []int     // per node; the depot's is -1
	groups  [][]int   // nodes per group, in visiting order of the groups
	stopsOf [][]int   // per node, the caller's stop indices merged into it
	optimal bool
	capped  bool
}

// newProblem merges equal points within a group (zero metres apart, so
// visiting them together is never worse) and drops empty groups. Equal points
// in different groups stay apart: the group order must be kept.
func (l *Layout) newProblem(groups [][]floor.Point) *problem {
	p := &problem{locs: []loc{l.locate(l.depot)}, group: []int{-1}, stopsOf: [][]int{nil}}
	base := 0
	for _, g := range groups {
		var ids []int
		seen := map[floor.Point]int{}
		for i, s := range g {
			if v, ok := seen[s]; ok {
				p.stopsOf[v] = append(p.stopsOf[v], base+i)
				continue
			}
			v := len(p.locs)
			seen[s] = v
			ids = append(ids, v)
			p.locs = append(p.locs, l.locate(s))
			p.group = append(p.group, len(p.groups))
			p.stopsOf = append(p.stopsOf, []int{base + i})
		}
		if len(ids) > 0 {
			p.groups = append(p.groups, ids)
		}
		base += len(g)
	}
	p.n = len(p.locs) - 1
	m := p.n + 1
	p.d = make([]float64, m*m)
	for i := range m {
		for j := i + 1; j < m; j++ {
			v := l.dist(p.locs[i], p.locs[j])
			p.d[i*m+j], p.d[j*m+i] = v, v
		}
	}
	return p
}

// dist is the distance between nodes u and v.
func (p *problem) dist(u, v int) float64 { return p.d[u*(p.n+1)+v] }

// largest is the size of the largest group.
func (p *problem) largest() int {
	k := 0
	for _, g := range p.groups {
		k = max(k, len(g))
	}
	return k
}

// length is the tour length of a node order from and back to the depot.
func (p *problem) length(nodes []int) float64 {
	total, prev := 0.0, 0
	for _, v := range nodes {
		total += p.dist(prev, v)
		prev = v
	}
	return total + p.dist(prev, 0)
}

// route expands a node order into the caller's stop indices.
func (p *problem) route(nodes []int) Route {
	r := Route{Order: make([]int, 0, p.n), Meters: p.length(nodes), Optimal: p.optimal, Capped: p.capped}
	for _, v := range nodes {
		r.Order = append(r.Order, p.stopsOf[v]...)
	}
	return r
}

// heldKarp solves the grouped problem exactly: a subset dynamic programme per
// group, each started from the previous group's best cost of ending at each
// of its nodes. Ties are broken by the first candidate, so results repeat.
func (p *problem) heldKarp() []int {
	type layer struct {
		ids []int
		dp  []float64 // dp[mask*k+v]: best cost from depot through mask, ending at v
	}
	layers := make([]layer, len(p.groups))
	prevIDs, prevCost := []int{0}, []float64{0}
	for gi, ids := range p.groups {
		k := len(ids)
		full := 1<<k - 1
		dl := make([]float64, k*k) // the group's own distance matrix, for locality
		for a, u := range ids {
			for b, v := range ids {
				dl[a*k+b] = p.dist(u, v)
			}
		}
		dp := make([]float64, (full+1)*k)
		for i := range dp {
			dp[i] = math.Inf(1)
		}
		for b, v := range ids {
			for a, u := range prevIDs {
				dp[(1<<b)*k+b] = min(dp[(1<<b)*k+b], prevCost[a]+p.dist(u, v))
			}
		}
		for mask := 1; mask < full; mask++ {
			row := dp[mask*k : mask*k+k]
			for vs := mask; vs != 0; vs &= vs - 1 {
				v := bits.TrailingZeros(uint(vs))
				cur, dv := row[v], dl[v*k:v*k+k]
				for us := full &^ mask; us != 0; us &= us - 1 {
					u := bits.TrailingZeros(uint(us))
					if c, at := cur+dv[u], (mask|1<<u)*k+u; c < dp[at] {
						dp[at] = c
					}
				}
			}
		}
		layers[gi] = layer{ids, dp}
		prevIDs, prevCost = ids, dp[full*k:]
	}

	// Close the tour at the best last node, then walk the layers backwards
	// finding, at each step, a predecessor whose cost reproduces the entry.
	end, best := 0, math.Inf(1)
	for a, u := range prevIDs {
		if c := prevCost[a] + p.dist(u, 0); c < best {
			end, best = a, c
		}
	}
	out := make([]int, p.n)
	pos := p.n
	for gi := len(layers) - 1; gi >= 0; gi-- {
		ly := layers[gi]
		k := len(ly.ids)
		mask, v := 1<<k-1, end
		for {
			pos--
			out[pos] = ly.ids[v]
			want := ly.dp[mask*k+v]
			prev := mask &^ (1 << v)
			if prev == 0 {
				break
			}
			for u := range k {
				if prev&(1<<u) != 0 && ly.dp[prev*k+u]+p.dist(ly.ids[u], ly.ids[v]) == want {
					mask, v = prev, u
					break
				}
			}
		}
		if gi > 0 {
			pk := len(layers[gi-1].ids)
			pc := layers[gi-1].dp[(1<<pk-1)*pk:]
			for a, u := range layers[gi-1].ids {
				if pc[a]+p.dist(u, ly.ids[v]) == ly.dp[(1<<v)*k+v] {
					end = a
					break
				}
			}
		}
	}
	return out
}
