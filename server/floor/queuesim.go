package floor

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// QueueModel is what the queue simulation knows of how work is handed
// out: the planner's batching rules and a typical trip's walk. It follows
// NextTask: a picker back at the pack station takes the most urgent queued
// order (earliest due, then id) and, when that order is small, up to
// MaxBatch-1 further small orders from the next Candidates in the queue,
// each joining only if the joined trip still meets every due time in it.
type QueueModel struct {
	PackAndHandoff  time.Duration // from back at the pack station to handoff
	TripMeters      float64       // the walk of one trip, out and back
	MaxBatch        int           // orders one trip may carry (1: no batching)
	SmallOrderUnits int64         // the most units a batched order may have
	Candidates      int           // queued orders NextTask looks at for a batch
}

// DefaultQueueModel matches the route planner's and the store's defaults.
var DefaultQueueModel = QueueModel{PackAndHandoff: DefaultPackAndHandoff, TripMeters: 80, MaxBatch: 4,
	SmallOrderUnits: 4, Candidates: 6}

// SimPicker is a picker on shift as the simulation sees them.
type SimPicker struct {
	Name   string
	FreeAt time.Time   // back at the pack station from the current task; now or earlier if free
	Model  PickerModel // their learned pace
	// Familiar is the share of their stops at familiar faces (0 to 1),
	// learned from their recent tasks: it weighs the two stop times.
	Familiar float64
}

// SimOrder is a queued order as the simulation sees it.
type SimOrder struct {
	ID    string
	DueAt time.Time
	// RaisedAt is when a supervisor raised its priority (zero: never):
	// raised orders go first, the earliest raised first, as NextTask
	// offers them.
	RaisedAt time.Time
	Lines    int   // stops it adds to a trip
	Units    int64 // units it adds
}

// SimResult is one queued order's predicted course.
type SimResult struct {
	OrderID   string
	Picker    string    // the picker predicted to take it
	StartAt   time.Time // when that picker is predicted to start the trip
	HandoffAt time.Time // predicted handoff
	Late      bool      // HandoffAt after the due time
	// Waits says no picker is free for it before StartAt: the reason a
	// late prediction gives.
	Waits bool
}

// Trip predicts how long picker p takes for a trip carrying lines stops
// and units units: one walk out and back, every stop at the picker's mix
// of familiar and unfamiliar faces, every unit.
func (q QueueModel) Trip(p SimPicker, lines int, units int64) time.Duration {
	fam := min(max(p.Familiar, 0), 1)
	stop := time.Duration(fam*float64(p.Model.StopFamiliar) + (1-fam)*float64(p.Model.StopUnfamiliar))
	return p.Model.Walk(q.TripMeters) + time.Duration(lines)*stop + time.Duration(units)*p.Model.PerUnit
}

// pickerHeap holds pickers by when they are free, then by name, so the
// simulation is the same on every run. It is a binary heap written out
// rather than container/heap, which would box a picker on every trip.
type pickerHeap []SimPicker

func (h pickerHeap) less(i, j int) bool {
	return cmp.Or(h[i].FreeAt.Compare(h[j].FreeAt), cmp.Compare(h[i].Name, h[j].Name)) < 0
}

func (h pickerHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (h pickerHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// Simulate plays the queue out from now: pickers take trips in the order
// they come free, each trip as NextTask would make it. Results are in
// queue order (raised orders first, then the earliest due). Without
// pickers there is no prediction: the results are nil.
func (q QueueModel) Simulate(now time.Time, pickers []SimPicker, queue []SimOrder) []SimResult {
	return q.simulate(now, pickers, inQueueOrder(queue))
}

// inQueueOrder is a copy of orders sorted as the pick queue is: the
// orders a supervisor raised first, the earliest raised first, then the
// earliest due, then by id.
func inQueueOrder(orders []SimOrder) []SimOrder {
	orders = slices.Clone(orders)
	usual := func(o SimOrder) int { // 0: raised, 1: not
		if o.RaisedAt.IsZero() {
			return 1
		}
		return 0
	}
	slices.SortFunc(orders, func(a, b SimOrder) int {
		return cmp.Or(cmp.Compare(usual(a), usual(b)), a.RaisedAt.Compare(b.RaisedAt), a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	return orders
}

// simulate is Simulate over orders already in queue order.
func (q QueueModel) simulate(now time.Time, pickers []SimPicker, orders []SimOrder) []SimResult {
	if len(pickers) == 0 || len(orders) == 0 {
		return nil
	}
	h := make(pickerHeap, len(pickers))
	for i, p := range pickers {
		if p.FreeAt.Before(now) {
			p.FreeAt = now
		}
		h[i] = p
	}
	h.init()
	out := make([]SimResult, len(orders))
	taken := make([]bool, len(orders))
	maxBatch, candidates := max(q.MaxBatch, 1), max(q.Candidates, 1)
	small := func(o SimOrder) bool { return o.Units <= q.SmallOrderUnits }
	for i, first := range orders {
		if taken[i] {
			continue
		}
		p := h[0] // the first free: it goes back with its new time when the trip is planned
		start := p.FreeAt
		batch := []int{i}
		lines, units := first.Lines, first.Units
		handoff := start.Add(q.Trip(p, lines, units) + q.PackAndHandoff)
		if small(first) && maxBatch > 1 {
			// NextTask offers the next Candidates queued orders, the first
			// included; the planner joins small ones that keep the trip
			// on time for every order in it.
			seen := 1
			for j := i + 1; j < len(orders) && seen < candidates && len(batch) < maxBatch; j++ {
				if taken[j] {
					continue
				}
				seen++
				c := orders[j]
				if !small(c) {
					continue
				}
				joined := start.Add(q.Trip(p, lines+c.Lines, units+c.Units) + q.PackAndHandoff)
				if joined.After(c.DueAt) || slices.ContainsFunc(batch, func(k int) bool { return joined.After(orders[k].DueAt) }) {
					continue
				}
				batch = append(batch, j)
				lines, units, handoff = lines+c.Lines, units+c.Units, joined
			}
		}
		for _, k := range batch {
			taken[k] = true
			out[k] = SimResult{OrderID: orders[k].ID, Picker: p.Name, StartAt: start, HandoffAt: handoff,
				Late: handoff.After(orders[k].DueAt), Waits: start.After(now)}
		}
		h[0].FreeAt = handoff.Add(-q.PackAndHandoff)
		h.down(0)
	}
	return out
}

// Staffing is what it would take to bring the queue back on time.
type Staffing struct {
	Late int // queued orders predicted late with the pickers on shift
	// Needed is the fewest pickers (those on shift included) with whom
	// every queued order that can still be on time is predicted on time;
	// 0 when none is late. Extra pickers are taken to be free now and at
	// the mean pace of those on shift.
	Needed int
	// Lost are the queued orders late even with a picker free for each:
	// no staffing saves them.
	Lost int
	// AtLeast says the search stopped at MaxExtraPickers more: Needed
	// pickers are too few still.
	AtLeast bool
}

// MaxExtraPickers bounds the staffing search: a queue that needs more
// than this many pickers more is reported as needing at least as many.
const MaxExtraPickers = 128

// Staff finds how many pickers the queue needs, by simulating it with
// more pickers until only the lost orders are late: doubling the extra
// pickers until enough, then halving the gap, so a queue that needs k
// more pickers costs about 2·log2(k) simulations.
func (q QueueModel) Staff(now time.Time, pickers []SimPicker, queue []SimOrder) Staffing {
	var st Staffing
	orders := inQueueOrder(queue)
	count := func(rs []SimResult) int {
		k := 0
		for _, r := range rs {
			if r.Late {
				k++
			}
		}
		return k
	}
	st.Late = count(q.simulate(now, pickers, orders))
	if len(pickers) == 0 {
		st.Late = len(orders) // nobody to pick them: none is predicted on time
	}
	if st.Late == 0 {
		return st
	}
	ps := slices.Clone(pickers)
	mean := q.meanPicker(pickers, now)
	for i := range len(orders) {
		p := mean
		p.Name = fmt.Sprintf("\xffextra%06d", i) // after every real name
		ps = append(ps, p)
	}
	late := func(n int) int { return count(q.simulate(now, ps[:len(pickers)+n], orders)) }
	// A picker per order starts every trip now: what is late then is lost.
	st.Lost = late(len(orders))
	// lo extra pickers are too few (none are, when nobody is on shift);
	// hi grows until enough.
	lo, hi := 0, 1
	for hi < len(orders) && late(hi) > st.Lost {
		if hi >= MaxExtraPickers {
			st.Needed, st.AtLeast = len(pickers)+hi, true
			return st
		}
		lo, hi = hi, min(2*hi, len(orders))
	}
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if late(mid) <= st.Lost {
			hi = mid
		} else {
			lo = mid
		}
	}
	if len(pickers) > 0 && st.Late <= st.Lost {
		hi = 0 // nothing more pickers would save
	}
	st.Needed = len(pickers) + hi
	return st
}

// meanPicker is a hypothetical extra picker: free now, at the mean pace
// of those on shift, or the default pace if there are none.
func (q QueueModel) meanPicker(pickers []SimPicker, now time.Time) SimPicker {
	p := SimPicker{FreeAt: now, Model: DefaultPickerModel}
	if len(pickers) == 0 {
		return p
	}
	var m PickerModel
	var fam float64
	n := float64(len(pickers))
	for _, x := range pickers {
		m.WalkSpeed += x.Model.WalkSpeed / n
		m.StopFamiliar += time.Duration(float64(x.Model.StopFamiliar) / n)
		m.StopUnfamiliar += time.Duration(float64(x.Model.StopUnfamiliar) / n)
		m.PerUnit += time.Duration(float64(x.Model.PerUnit) / n)
		fam += x.Familiar / n
	}
	p.Model, p.Familiar = m, fam
	return p
}
