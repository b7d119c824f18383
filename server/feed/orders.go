package feed

import (
	"bytes"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// ord is one open order as the feed keeps it. A floor with nobody packing
// holds hundreds of thousands, so it is small and holds no pointer: the
// collector neither marks nor scans the slab of them. Its id is its
// number in Hub.ids, its strings numbers in Hub.names, its times Unix
// nanoseconds, and the clock watchers were told of kept as the few fields
// that differ from the order's own. Its clock is looked at again only
// when the order or its task changes, or at the next time the clock can
// change by itself (wake): the clock of an order a picker has is "now plus
// a fixed rest" between changes, so its risk turns at known times and its
// prediction moves predictionStep in predictionStep.
type ord struct {
	released, due int64 // Unix ns; 0 is the zero time
	// Queued: when its priority was raised; else its predicted handoff
	// at assignment. The clocks of a queued order read only the one, the
	// others' only the other (Unix ns).
	raisedOrAssign int64

	// The clock watchers were last told of, as the change numbered seq
	// (0: not told, or closed). Hub.pubs holds it whole (whole is set)
	// when the order's fields moved on without the clock changing enough
	// to tell.
	seq     uint64
	pubPred int64

	// The order's late alert, as the change numbered alertSeq (0: none
	// stands); its key names the clock's picker.
	alertSeq uint64

	task, picker           int32 // numbers in Hub.names
	pubReason, alertPicker int32 // numbers in Hub.names
	qi                     int32 // queued: its place in Hub.queue, which holds what only the queue reads
	hi                     int32 // not queued: its place in the wake heap; -1 when off it

	st uint8 // its floor.OrderState: see state

	// The clock as of the hub's last look.
	risk    uint8 // its floor.Risk, an index of Hub.riskCount
	cat     shiftCat
	pubRisk uint8 // a floor.Risk
	dirty   bool  // to be looked at in this look
	whole   bool  // the clock told is in Hub.pubs
	seen    bool  // in the whole read being taken in
}

// queuedOrd is a queued order in Hub.queue with what only the queue's
// simulation and figures read of it.
type queuedOrd struct {
	o       int32 // the order's number
	channel int32 // a number in Hub.names
	lines   int32
	units   int64
}

// ordPage is how many orders a page of the slab holds: pages are never
// moved, so growing the slab copies nothing and leaves no half-used copy.
const ordPage = 1024

// o is the order numbered i. The pointer is good until the hub's lock is
// let go; numbers are reused once an order closes.
func (h *Hub) o(i int32) *ord { return &h.pages[i/ordPage][i%ordPage] }

// newOrd keeps a new open order id and returns its number.
func (h *Hub) newOrd(id string) int32 {
	i := h.ids.add(id)
	for int(i)/ordPage >= len(h.pages) {
		h.pages = append(h.pages, make([]ord, ordPage))
	}
	*h.o(i) = ord{qi: -1, hi: -1}
	return i
}

// rename makes *n the number of s, referring to it once more and once
// less to what *n was.
func (h *Hub) rename(n *int32, s string) {
	if h.names.is(*n, s) {
		return
	}
	was := *n
	*n = h.names.add(s)
	h.names.release(was)
}

// shiftCat is where an open order counts in the shift's figures.
type shiftCat uint8

const (
	catNone            shiftCat = iota // not due in the shift
	catPastDue                         // due in the shift, its due time passed
	catPredictedOnTime                 // due later in the shift, predicted on time
	catPredictedLate                   // due later in the shift, predicted late
	numCats
)

// normalClock is oc with its times as the feed keeps them.
func normalClock(oc floor.OrderClock) floor.OrderClock {
	for _, t := range []*time.Time{&oc.ReleasedAt, &oc.DueAt, &oc.PredictedHandoffAt, &oc.HandedOffAt, &oc.PredictedAtAssignment, &oc.RaisedAt} {
		*t = floor.FromUnixNano(floor.UnixNano(*t))
	}
	return oc
}

// setFields keeps fo's fields in order i, those only the queue reads
// aside: see setQueued.
func (h *Hub) setFields(i int32, fo floor.Order) {
	o := h.o(i)
	h.rename(&o.picker, fo.Picker)
	h.rename(&o.task, fo.TaskID)
	o.released, o.due, o.st = floor.UnixNano(fo.ReleasedAt), floor.UnixNano(fo.DueAt), uint8(fo.State)
	if o.raisedOrAssign = floor.UnixNano(fo.PredictedHandoffAt); o.state() == floor.StateQueued {
		o.raisedOrAssign = floor.UnixNano(fo.RaisedAt)
	}
}

// setQueued keeps in the queue what only the queue reads of the queued
// order fo, at its place q.
func (h *Hub) setQueued(q int32, fo floor.Order) {
	e := &h.queue[q]
	h.rename(&e.channel, fo.Channel)
	e.lines, e.units = int32(len(fo.Lines)), 0
	for _, l := range fo.Lines {
		e.units += l.Quantity
	}
}

func (o *ord) state() floor.OrderState { return floor.OrderState(o.st) }

// order is what the clocks read of order i: floor's Clock and
// QueuedClock read neither its channel nor its lines, Clock not its
// raise, QueuedClock not its prediction at assignment. Its strings are
// views: see strtab.view.
func (h *Hub) order(i int32) floor.Order {
	o := h.o(i)
	fo := floor.Order{ID: h.ids.view(i), State: o.state(), Picker: h.names.view(o.picker), TaskID: h.names.view(o.task),
		ReleasedAt: floor.FromUnixNano(o.released), DueAt: floor.FromUnixNano(o.due)}
	if o.state() == floor.StateQueued {
		fo.RaisedAt = floor.FromUnixNano(o.raisedOrAssign)
	} else {
		fo.PredictedHandoffAt = floor.FromUnixNano(o.raisedOrAssign)
	}
	return fo
}

// clockWith is the clock floor's Clock or QueuedClock makes of order i's
// fields with this prediction, risk and reason. Its strings are views:
// see strtab.view.
func (h *Hub) clockWith(i int32, pred int64, risk floor.Risk, reason int32) floor.OrderClock {
	o := h.o(i)
	oc := floor.OrderClock{OrderID: h.ids.view(i), State: o.state(), ReleasedAt: floor.FromUnixNano(o.released), DueAt: floor.FromUnixNano(o.due),
		PredictedHandoffAt: floor.FromUnixNano(pred), Risk: risk, Reason: h.names.view(reason)}
	if o.state() == floor.StateQueued {
		oc.RaisedAt = floor.FromUnixNano(o.raisedOrAssign)
	} else {
		oc.Picker, oc.TaskID, oc.PredictedAtAssignment = h.names.view(o.picker), h.names.view(o.task), floor.FromUnixNano(o.raisedOrAssign)
	}
	return oc
}

// ownClock is oc with strings of its own, to be kept.
func ownClock(oc floor.OrderClock) floor.OrderClock {
	for _, s := range []*string{&oc.OrderID, &oc.Picker, &oc.TaskID, &oc.Reason} {
		*s = strings.Clone(*s)
	}
	return oc
}

// told is the clock watchers were last told of order i.
func (h *Hub) told(i int32) floor.OrderClock {
	o := h.o(i)
	if o.whole {
		return h.pubs[i]
	}
	return h.clockWith(i, o.pubPred, floor.Risk(o.pubRisk), o.pubReason)
}

// toldPred is the prediction watchers were last told of order i.
func (h *Hub) toldPred(i int32) time.Time {
	o := h.o(i)
	if o.whole {
		return h.pubs[i].PredictedHandoffAt
	}
	return floor.FromUnixNano(o.pubPred)
}

// wakeAt is one order's next look in the wake heap.
type wakeAt struct {
	at int64 // Unix ns
	o  int32 // the order's number
}

// wakeHeap holds the orders not queued by their next look. It is written
// out rather than container/heap, which would box an entry on each push.
type wakeHeap []wakeAt

func (h *Hub) wakeSwap(i, j int) {
	w := h.wakes
	w[i], w[j] = w[j], w[i]
	h.o(w[i].o).hi, h.o(w[j].o).hi = int32(i), int32(j)
}

func (h *Hub) wakeUp(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h.wakes[p].at <= h.wakes[i].at {
			return
		}
		h.wakeSwap(i, p)
		i = p
	}
}

func (h *Hub) wakeDown(i int) {
	w := h.wakes
	for {
		l := 2*i + 1
		if l >= len(w) {
			return
		}
		m := l
		if r := l + 1; r < len(w) && w[r].at < w[l].at {
			m = r
		}
		if w[i].at <= w[m].at {
			return
		}
		h.wakeSwap(i, m)
		i = m
	}
}

// wake puts order i in the heap at `at`, or moves it there.
func (h *Hub) wake(i int32, at int64) {
	o := h.o(i)
	if o.hi < 0 {
		o.hi = int32(len(h.wakes))
		h.wakes = append(h.wakes, wakeAt{at: at, o: i})
		h.wakeUp(int(o.hi))
		return
	}
	p := int(o.hi)
	h.wakes[p].at = at
	h.wakeUp(p)   // sooner than it was,
	h.wakeDown(p) // or later: one of the two leaves the heap as it is
}

// unwake takes order i out of the heap.
func (h *Hub) unwake(i int32) {
	o := h.o(i)
	if o.hi < 0 {
		return
	}
	p, last := int(o.hi), len(h.wakes)-1
	if p != last {
		h.wakeSwap(p, last)
	}
	h.wakes = h.wakes[:last]
	o.hi = -1
	if p != last { // the last one took its place: it goes down or up from there
		h.wakeDown(p)
		h.wakeUp(p)
	}
}

// markDirty has order i looked at in this look.
func (h *Hub) markDirty(i int32) {
	if o := h.o(i); !o.dirty {
		o.dirty = true
		h.dirty = append(h.dirty, i)
	}
}

// apply takes in what changed on the floor: new and changed open orders
// are looked at in this look, closed ones leave with their final state
// told once, tasks are learned.
func (h *Hub) apply(d store.FloorDelta) {
	if d.Full {
		h.recheck = true
		clear(h.tasks) // learned again, as when first read
		known := int32(len(h.ids.ents))
		for i := int32(1); i < known; i++ {
			if h.ids.ents[i].refs > 0 {
				h.o(i).seen = false
			}
		}
		for _, fo := range d.Orders {
			i := h.upsert(fo)
			h.o(i).seen = true
		}
		for i := int32(1); i < known; i++ {
			if h.ids.ents[i].refs == 0 || h.o(i).seen {
				continue
			}
			if fo, err := h.src.Order(h.ids.str(i)); err == nil {
				h.close(i, &fo)
			} else {
				h.close(i, nil)
			}
		}
	} else {
		for _, fo := range d.Orders {
			i, known := h.ids.find(fo.ID)
			switch {
			case fo.State.Open():
				h.upsert(fo)
			case known:
				h.close(i, &fo)
				h.noteClosed(fo)
			default:
				h.noteClosed(fo)
			}
		}
	}
	for id, t := range d.Tasks {
		if _, known := h.tasks[id]; !known && !t.Done {
			h.learnTask(t)
		}
		h.tasks[id] = t
		for _, i := range h.byTask[id] {
			h.markDirty(i)
		}
	}
}

// upsert keeps the open order fo and returns its number.
func (h *Hub) upsert(fo floor.Order) int32 {
	var told floor.OrderClock
	keepTold := false
	i, known := h.ids.find(fo.ID)
	if !known {
		i = h.newOrd(fo.ID)
		o := h.o(i)
		h.riskCount[o.risk]++
		h.catCount[o.cat]++
	} else {
		// The clock told stays as it was until it changes enough to be
		// told again, whatever the order's fields become.
		o := h.o(i)
		if keepTold = o.seq != 0 && !o.whole; keepTold {
			told = h.told(i)
		}
		h.untask(i)
	}
	o := h.o(i)
	wasQueued := o.qi >= 0
	h.setFields(i, fo)
	if keepTold && h.told(i) != told {
		h.pubs[i] = ownClock(told)
		o.whole = true
	}
	if o.state() == floor.StateAssigned {
		task := h.names.str(o.task)
		h.byTask[task] = append(h.byTask[task], i)
	}
	switch queued := o.state() == floor.StateQueued; {
	case queued && !wasQueued:
		h.unwake(i)
		o.qi = int32(len(h.queue))
		h.queue = append(h.queue, queuedOrd{o: i})
		h.queueMoved = true
	case !queued && wasQueued:
		h.dequeue(i)
	}
	if o.qi >= 0 {
		h.setQueued(o.qi, fo)
	}
	if o.state() != floor.StateQueued {
		h.markDirty(i)
	}
	return i
}

// untask takes an assigned order out of its task's orders.
func (h *Hub) untask(i int32) {
	o := h.o(i)
	if o.state() != floor.StateAssigned {
		return
	}
	id := h.names.bytes(o.task)
	on := slices.DeleteFunc(h.byTask[string(id)], func(x int32) bool { return x == i })
	if len(on) == 0 {
		delete(h.byTask, string(id))
	} else {
		h.byTask[string(id)] = on
	}
}

func (h *Hub) dequeue(i int32) {
	o := h.o(i)
	p, last := int(o.qi), len(h.queue)-1
	h.names.release(h.queue[p].channel)
	h.queue[p] = h.queue[last]
	h.o(h.queue[p].o).qi = int32(p)
	h.queue = h.queue[:last]
	o.qi = -1
	h.queueMoved = true
}

// close forgets an open order that closed as fo (nil when it cannot be
// read): watchers that had it hear of its final state once. Its number
// and names are let go.
func (h *Hub) close(i int32, fo *floor.Order) {
	o := h.o(i)
	h.riskCount[o.risk]--
	h.catCount[o.cat]--
	if o.qi >= 0 {
		h.dequeue(i)
	}
	h.unwake(i)
	h.untask(i)
	o.dirty = false // a dirty list still holding it passes over it: see look
	if o.alertSeq != 0 {
		o.alertSeq = 0
		h.stale++
	}
	if o.whole {
		delete(h.pubs, i)
	}
	told := o.seq != 0
	id := h.ids.str(i)
	for _, n := range []int32{o.task, o.picker, o.pubReason, o.alertPicker} {
		h.names.release(n)
	}
	*o = ord{qi: -1, hi: -1}
	h.ids.release(i)
	if !told {
		return
	}
	h.stale++
	if fo != nil {
		h.shutOrder(id, normalClock(h.cfg.Clock(h.now, *fo, nil))) // as read back from the store
	}
}

// current is order i's clock as of the hub's last look.
func (h *Hub) current(i int32) floor.OrderClock {
	o := h.o(i)
	if o.state() == floor.StateQueued {
		return h.qclocks[o.qi]
	}
	var t *floor.Task
	if o.state() == floor.StateAssigned {
		if task, ok := h.tasks[string(h.names.bytes(o.task))]; ok {
			t = &task
		}
	}
	return h.cfg.Clock(h.now, h.order(i), t)
}

// look brings order i's clock to the hub's now: the figures it counts in,
// the clock watchers are told of when it changed enough, its late alert,
// and its next look.
func (h *Hub) look(i int32) {
	o := h.o(i)
	o.dirty = false
	oc := h.current(i)
	cat := h.catOf(oc)
	h.riskCount[o.risk]--
	h.catCount[o.cat]--
	o.risk, o.cat = uint8(oc.Risk), cat
	h.riskCount[o.risk]++
	h.catCount[o.cat]++

	if o.seq == 0 || changed(h.told(i), oc) {
		// The order's fields and these three are the whole clock:
		// TestIncrementalMatchesRecompute compares it with floor's.
		o.pubPred, o.pubRisk = floor.UnixNano(oc.PredictedHandoffAt), uint8(oc.Risk)
		h.rename(&o.pubReason, oc.Reason)
		if o.whole {
			o.whole = false
			delete(h.pubs, i)
		}
		if o.seq != 0 {
			h.stale++
		}
		h.seq++
		o.seq = h.seq
		h.changes = append(h.changes, change{seq: o.seq, ref: i, kind: kindClock})
	}

	stands := oc.Risk == floor.RiskAtRisk || oc.Risk == floor.RiskLate
	switch {
	case stands && (o.alertSeq == 0 || !h.names.is(o.alertPicker, oc.Picker)):
		if o.alertSeq != 0 {
			o.alertSeq = 0 // a new key: the old alert leaves, a new one is told
			h.stale++
		}
		h.rename(&o.alertPicker, oc.Picker)
		h.raised = append(h.raised, i)
	case !stands && o.alertSeq != 0:
		o.alertSeq = 0
		h.stale++
	}

	if o.state() != floor.StateQueued {
		h.wake(i, h.nextLook(i, oc))
	}
}

// nextLook is the first time a clock not queued can change by itself:
// between changes of its order and task its prediction is now plus a
// fixed rest, so its risk turns when the prediction passes the due time
// and when the due time passes, it counts past due from the due time on,
// and watchers hear of it again once the prediction moved predictionStep
// from the one they were told of.
func (h *Hub) nextLook(i int32, oc floor.OrderClock) int64 {
	now := h.now
	rest := oc.PredictedHandoffAt.Sub(now)
	var next time.Time
	for _, t := range []time.Time{
		oc.DueAt.Add(-rest).Add(time.Nanosecond), // at risk: the prediction after the due time
		oc.DueAt,                                 // past due
		oc.DueAt.Add(time.Nanosecond),            // late: now after the due time
		h.toldPred(i).Add(predictionStep - rest), // the prediction moved a step
	} {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if next.IsZero() {
		next = now.Add(predictionStep)
	}
	return next.UnixNano()
}

// catOf is where a clock counts in the shift's figures.
func (h *Hub) catOf(c floor.OrderClock) shiftCat {
	switch {
	case c.DueAt.Before(h.shiftStart) || !c.DueAt.Before(h.shiftEnd):
		return catNone
	case !c.DueAt.After(h.now):
		return catPastDue
	case c.Risk == floor.RiskOnTime:
		return catPredictedOnTime
	default:
		return catPredictedLate
	}
}

// lookAll brings every clock not queued to now: on the first read, after
// a whole read, at a new shift, or when the clock went back.
func (h *Hub) lookAll() {
	n := 0
	for i := int32(1); i < int32(len(h.ids.ents)); i++ {
		if h.ids.ents[i].refs == 0 || h.o(i).state() == floor.StateQueued {
			continue
		}
		if n++; n%256 == 0 {
			// Thousands of clocks take milliseconds; the handhelds' scans
			// queued behind this goroutine go first.
			runtime.Gosched()
		}
		h.look(i)
	}
	for _, i := range h.dirty {
		h.o(i).dirty = false
	}
	h.dirty = h.dirty[:0]
}

// lookChanged brings to now the clocks whose order or task changed and
// those whose next look has come.
func (h *Hub) lookChanged() {
	now := h.now.UnixNano()
	for len(h.wakes) > 0 && h.wakes[0].at <= now {
		i := h.wakes[0].o
		h.unwake(i)
		h.markDirty(i)
	}
	for n, i := range h.dirty {
		if n%256 == 255 {
			runtime.Gosched()
		}
		o := h.o(i)
		if o.dirty && o.state() != floor.StateQueued { // not closed or queued since
			h.look(i)
		}
		o.dirty = false
	}
	h.dirty = h.dirty[:0]
}

// simulate predicts the queued orders with the pickers on shift, and
// looks at every queued clock: each one depends on the whole queue.
func (h *Hub) simulate(q floor.QueueModel, onShift []floor.SimPicker) (queued []floor.SimOrder, results []floor.SimResult) {
	if h.queueMoved {
		// In id order, so that the most urgent of orders due together is
		// the same on every look.
		slices.SortFunc(h.queue, func(a, b queuedOrd) int { return bytes.Compare(h.ids.bytes(a.o), h.ids.bytes(b.o)) })
		for p, e := range h.queue {
			h.o(e.o).qi = int32(p)
		}
		h.queueMoved = false
	}
	queued = h.sims[:0]
	for _, e := range h.queue {
		o := h.o(e.o)
		queued = append(queued, floor.SimOrder{ID: h.ids.view(e.o), DueAt: floor.FromUnixNano(o.due), RaisedAt: floor.FromUnixNano(o.raisedOrAssign),
			Lines: int(e.lines), Units: e.units})
	}
	h.sims = queued
	results = q.Simulate(h.now, onShift, queued)
	clear(h.simByID)
	for i := range results {
		h.simByID[results[i].OrderID] = &results[i]
	}
	h.qclocks = h.qclocks[:0]
	for _, e := range h.queue {
		o := h.order(e.o)
		h.qclocks = append(h.qclocks, h.cfg.QueuedClock(h.now, o, h.simByID[o.ID]))
	}
	for _, e := range h.queue {
		h.look(e.o)
	}
	return queued, results
}
