package feed

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
	"time"
	"unique"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// istr is a string the feed keeps once however many orders hold it: a
// picker's name, a channel, a reason. unique clones it, so it does not
// keep the record it was decoded from alive.
type istr = unique.Handle[string]

func intern(s string) istr { return unique.Make(s) }

// reintern is s, interned unless it is what was already holds.
func reintern(was istr, s string) istr {
	if was != (istr{}) && was.Value() == s {
		return was
	}
	return intern(s)
}

// ord is one open order as the feed keeps it. A floor with nobody packing
// holds hundreds of thousands, so it is small: times as Unix nanoseconds,
// shared strings, and the clock watchers were told of kept as the few
// fields that differ from the order's own. Its clock is looked at again
// only when the order or its task changes, or at the next time the clock
// can change by itself (wake): the clock of an order a picker has is
// "now plus a fixed rest" between changes, so its risk turns at known
// times and its prediction moves predictionStep in predictionStep.
type ord struct {
	id, task                        string // a task id is shared by a few orders only: not worth a handle
	picker, channel                 istr
	released, due, atAssign, raised int64 // Unix ns; 0 is the zero time
	units                           int64
	lines                           int32
	st                              uint8 // its floor.OrderState: see state

	// The clock as of the hub's last look.
	risk  uint8 // its floor.Risk, an index of Hub.riskCount
	cat   shiftCat
	dirty bool  // to be looked at in this look
	qi    int32 // queued: its place in Hub.queue
	hi    int32 // not queued: its place in the wake heap; -1 when off it

	// The clock watchers were last told of, as the change numbered seq
	// (0: not told, or closed). pub holds it whole when the order's
	// fields moved on without the clock changing enough to tell.
	pubRisk   uint8 // a floor.Risk
	seq       uint64
	pubPred   int64
	pubReason istr
	pub       *floor.OrderClock

	// The order's late alert, as the change numbered alertSeq (0: none
	// stands); its key names the clock's picker.
	alertSeq    uint64
	alertPicker istr
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

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano is the time unixNano kept, in UTC as the store decodes it.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// normalClock is oc with its times as the feed keeps them.
func normalClock(oc floor.OrderClock) floor.OrderClock {
	for _, t := range []*time.Time{&oc.ReleasedAt, &oc.DueAt, &oc.PredictedHandoffAt, &oc.HandedOffAt, &oc.PredictedAtAssignment, &oc.RaisedAt} {
		*t = fromUnixNano(unixNano(*t))
	}
	return oc
}

func (o *ord) setFields(fo floor.Order) {
	o.picker, o.channel = reintern(o.picker, fo.Picker), reintern(o.channel, fo.Channel)
	if o.task != fo.TaskID {
		o.task = strings.Clone(fo.TaskID)
	}
	o.released, o.due, o.atAssign, o.raised = unixNano(fo.ReleasedAt), unixNano(fo.DueAt), unixNano(fo.PredictedHandoffAt), unixNano(fo.RaisedAt)
	o.lines, o.units, o.st = int32(len(fo.Lines)), 0, uint8(fo.State)
	for _, l := range fo.Lines {
		o.units += l.Quantity
	}
}

func (o *ord) state() floor.OrderState { return floor.OrderState(o.st) }

// order is what the clocks read of the order.
func (o *ord) order() floor.Order {
	return floor.Order{ID: o.id, State: o.state(), Picker: o.picker.Value(), TaskID: o.task, Channel: o.channel.Value(),
		ReleasedAt: fromUnixNano(o.released), DueAt: fromUnixNano(o.due), PredictedHandoffAt: fromUnixNano(o.atAssign),
		RaisedAt: fromUnixNano(o.raised)}
}

// clockWith is the clock floor's Clock or QueuedClock makes of the order's
// fields with this prediction, risk and reason.
func (o *ord) clockWith(pred int64, risk floor.Risk, reason istr) floor.OrderClock {
	oc := floor.OrderClock{OrderID: o.id, State: o.state(), ReleasedAt: fromUnixNano(o.released), DueAt: fromUnixNano(o.due),
		PredictedHandoffAt: fromUnixNano(pred), Risk: risk, Reason: reason.Value()}
	if o.state() == floor.StateQueued {
		oc.RaisedAt = fromUnixNano(o.raised)
	} else {
		oc.Picker, oc.TaskID, oc.PredictedAtAssignment = o.picker.Value(), o.task, fromUnixNano(o.atAssign)
	}
	return oc
}

// told is the clock watchers were last told of.
func (o *ord) told() floor.OrderClock {
	if o.pub != nil {
		return *o.pub
	}
	return o.clockWith(o.pubPred, floor.Risk(o.pubRisk), o.pubReason)
}

// toldPred is the prediction watchers were last told of.
func (o *ord) toldPred() time.Time {
	if o.pub != nil {
		return o.pub.PredictedHandoffAt
	}
	return fromUnixNano(o.pubPred)
}

// wakeAt is one order's next look in the wake heap.
type wakeAt struct {
	at int64 // Unix ns
	o  *ord
}

// wakeHeap holds the orders not queued by their next look. It is written
// out rather than container/heap, which would box an entry on each push.
type wakeHeap []wakeAt

func (h wakeHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].o.hi, h[j].o.hi = int32(i), int32(j)
}

func (h wakeHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= h[i].at {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h wakeHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].at < h[l].at {
			m = r
		}
		if h[i].at <= h[m].at {
			return
		}
		h.swap(i, m)
		i = m
	}
}

// wake puts o in the heap at `at`, or moves it there.
func (h *Hub) wake(o *ord, at int64) {
	if o.hi < 0 {
		o.hi = int32(len(h.wakes))
		h.wakes = append(h.wakes, wakeAt{at: at, o: o})
		h.wakes.up(int(o.hi))
		return
	}
	i := int(o.hi)
	h.wakes[i].at = at
	h.wakes.up(i)   // sooner than it was,
	h.wakes.down(i) // or later: one of the two leaves the heap as it is
}

// unwake takes o out of the heap.
func (h *Hub) unwake(o *ord) {
	if o.hi < 0 {
		return
	}
	i, last := int(o.hi), len(h.wakes)-1
	if i != last {
		h.wakes.swap(i, last)
	}
	h.wakes[last] = wakeAt{}
	h.wakes = h.wakes[:last]
	o.hi = -1
	if i != last { // the last one took its place: it goes down or up from there
		h.wakes.down(i)
		h.wakes.up(i)
	}
}

// markDirty has o looked at in this look.
func (h *Hub) markDirty(o *ord) {
	if !o.dirty {
		o.dirty = true
		h.dirty = append(h.dirty, o)
	}
}

// apply takes in what changed on the floor: new and changed open orders
// are looked at in this look, closed ones leave with their final state
// told once, tasks are learned.
func (h *Hub) apply(d store.FloorDelta) {
	if d.Full {
		h.recheck = true
		old := h.ords
		h.ords = make(map[string]*ord, len(d.Orders))
		clear(h.tasks) // learned again, as when first read
		for _, fo := range d.Orders {
			o := old[fo.ID]
			delete(old, fo.ID)
			if o != nil {
				h.ords[o.id] = o
			}
			h.upsert(o, fo)
		}
		for id, o := range old {
			if fo, err := h.src.Order(id); err == nil {
				h.close(o, &fo)
			} else {
				h.close(o, nil)
			}
		}
	} else {
		for _, fo := range d.Orders {
			o := h.ords[fo.ID]
			switch {
			case fo.State.Open():
				h.upsert(o, fo)
			case o != nil:
				h.close(o, &fo)
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
		for _, o := range h.byTask[id] {
			h.markDirty(o)
		}
	}
}

// upsert keeps the open order fo: o is what the hub had of it, or nil.
func (h *Hub) upsert(o *ord, fo floor.Order) {
	var told floor.OrderClock
	keepTold := false
	if o == nil {
		o = &ord{id: strings.Clone(fo.ID), qi: -1, hi: -1}
		h.ords[o.id] = o
		h.riskCount[o.risk]++
		h.catCount[o.cat]++
	} else {
		// The clock told stays as it was until it changes enough to be
		// told again, whatever the order's fields become.
		if keepTold = o.seq != 0 && o.pub == nil; keepTold {
			told = o.told()
		}
		h.untask(o)
	}
	wasQueued := o.qi >= 0
	o.setFields(fo)
	if keepTold && o.told() != told {
		kept := told // told stays on the stack
		o.pub = &kept
	}
	if o.state() == floor.StateAssigned {
		h.byTask[o.task] = append(h.byTask[o.task], o)
	}
	switch queued := o.state() == floor.StateQueued; {
	case queued && !wasQueued:
		h.unwake(o)
		o.qi = int32(len(h.queue))
		h.queue = append(h.queue, o)
		h.queueMoved = true
	case !queued && wasQueued:
		h.dequeue(o)
	}
	if o.state() != floor.StateQueued {
		h.markDirty(o)
	}
}

// untask takes an assigned order out of its task's orders.
func (h *Hub) untask(o *ord) {
	if o.state() != floor.StateAssigned {
		return
	}
	id := o.task
	on := slices.DeleteFunc(h.byTask[id], func(x *ord) bool { return x == o })
	if len(on) == 0 {
		delete(h.byTask, id)
	} else {
		h.byTask[id] = on
	}
}

func (h *Hub) dequeue(o *ord) {
	i, last := int(o.qi), len(h.queue)-1
	h.queue[i] = h.queue[last]
	h.queue[i].qi = int32(i)
	h.queue[last] = nil
	h.queue = h.queue[:last]
	o.qi = -1
	h.queueMoved = true
}

// close forgets an open order that closed as fo (nil when it cannot be
// read): watchers that had it hear of its final state once.
func (h *Hub) close(o *ord, fo *floor.Order) {
	h.riskCount[o.risk]--
	h.catCount[o.cat]--
	if o.qi >= 0 {
		h.dequeue(o)
	}
	h.unwake(o)
	h.untask(o)
	o.dirty = false // a dirty list still holding it passes over it: see look
	if o.alertSeq != 0 {
		o.alertSeq = 0
		h.stale++
	}
	delete(h.ords, o.id)
	if o.seq == 0 {
		return // never told
	}
	o.seq = 0
	h.stale++
	if fo != nil {
		oc := normalClock(h.cfg.Clock(h.now, *fo, nil)) // as read back from the store
		h.set("o/"+o.id, Event{Order: &oc}, true)
	}
}

// current is o's clock as of the hub's last look.
func (h *Hub) current(o *ord) floor.OrderClock {
	if o.state() == floor.StateQueued {
		return h.qclocks[o.qi]
	}
	var t *floor.Task
	if o.state() == floor.StateAssigned {
		if task, ok := h.tasks[o.task]; ok {
			t = &task
		}
	}
	return h.cfg.Clock(h.now, o.order(), t)
}

// look brings o's clock to the hub's now: the figures it counts in, the
// clock watchers are told of when it changed enough, its late alert, and
// its next look.
func (h *Hub) look(o *ord) {
	o.dirty = false
	oc := h.current(o)
	cat := h.catOf(oc)
	h.riskCount[o.risk]--
	h.catCount[o.cat]--
	o.risk, o.cat = uint8(oc.Risk), cat
	h.riskCount[o.risk]++
	h.catCount[o.cat]++

	if o.seq == 0 || changed(o.told(), oc) {
		// The order's fields and these three are the whole clock:
		// TestIncrementalMatchesRecompute compares it with floor's.
		o.pubPred, o.pubRisk, o.pubReason, o.pub = unixNano(oc.PredictedHandoffAt), uint8(oc.Risk), reintern(o.pubReason, oc.Reason), nil
		if o.seq != 0 {
			h.stale++
		}
		h.seq++
		o.seq = h.seq
		h.changes = append(h.changes, change{seq: o.seq, it: (*clockItem)(o)})
	}

	stands := oc.Risk == floor.RiskAtRisk || oc.Risk == floor.RiskLate
	switch {
	case stands && (o.alertSeq == 0 || o.alertPicker.Value() != oc.Picker):
		if o.alertSeq != 0 {
			o.alertSeq = 0 // a new key: the old alert leaves, a new one is told
			h.stale++
		}
		o.alertPicker = reintern(o.alertPicker, oc.Picker)
		h.raised = append(h.raised, o)
	case !stands && o.alertSeq != 0:
		o.alertSeq = 0
		h.stale++
	}

	if o.state() != floor.StateQueued {
		h.wake(o, h.nextLook(o, oc))
	}
}

// nextLook is the first time a clock not queued can change by itself:
// between changes of its order and task its prediction is now plus a
// fixed rest, so its risk turns when the prediction passes the due time
// and when the due time passes, it counts past due from the due time on,
// and watchers hear of it again once the prediction moved predictionStep
// from the one they were told of.
func (h *Hub) nextLook(o *ord, oc floor.OrderClock) int64 {
	now := h.now
	rest := oc.PredictedHandoffAt.Sub(now)
	var next time.Time
	for _, t := range []time.Time{
		oc.DueAt.Add(-rest).Add(time.Nanosecond), // at risk: the prediction after the due time
		oc.DueAt,                                 // past due
		oc.DueAt.Add(time.Nanosecond),            // late: now after the due time
		o.toldPred().Add(predictionStep - rest),  // the prediction moved a step
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
	for _, o := range h.ords {
		if o.state() == floor.StateQueued {
			continue
		}
		if n++; n%256 == 0 {
			// Thousands of clocks take milliseconds; the handhelds' scans
			// queued behind this goroutine go first.
			runtime.Gosched()
		}
		h.look(o)
	}
	for _, o := range h.dirty {
		o.dirty = false
	}
	clear(h.dirty)
	h.dirty = h.dirty[:0]
}

// lookChanged brings to now the clocks whose order or task changed and
// those whose next look has come.
func (h *Hub) lookChanged() {
	now := h.now.UnixNano()
	for len(h.wakes) > 0 && h.wakes[0].at <= now {
		o := h.wakes[0].o
		h.unwake(o)
		h.markDirty(o)
	}
	for i, o := range h.dirty {
		if i%256 == 255 {
			runtime.Gosched()
		}
		if o.dirty && o.state() != floor.StateQueued { // not closed or queued since
			h.look(o)
		}
		o.dirty = false
	}
	clear(h.dirty)
	h.dirty = h.dirty[:0]
}

// simulate predicts the queued orders with the pickers on shift, and
// looks at every queued clock: each one depends on the whole queue.
func (h *Hub) simulate(q floor.QueueModel, onShift []floor.SimPicker) (queued []floor.SimOrder, results []floor.SimResult) {
	if h.queueMoved {
		// In id order, so that the most urgent of orders due together is
		// the same on every look.
		slices.SortFunc(h.queue, func(a, b *ord) int { return cmp.Compare(a.id, b.id) })
		for i, o := range h.queue {
			o.qi = int32(i)
		}
		h.queueMoved = false
	}
	queued = h.sims[:0]
	for _, o := range h.queue {
		queued = append(queued, floor.SimOrder{ID: o.id, DueAt: fromUnixNano(o.due), RaisedAt: fromUnixNano(o.raised),
			Lines: int(o.lines), Units: o.units})
	}
	h.sims = queued
	results = q.Simulate(h.now, onShift, queued)
	clear(h.simByID)
	for i := range results {
		h.simByID[results[i].OrderID] = &results[i]
	}
	h.qclocks = h.qclocks[:0]
	for _, o := range h.queue {
		h.qclocks = append(h.qclocks, h.cfg.QueuedClock(h.now, o.order(), h.simByID[o.id]))
	}
	for _, o := range h.queue {
		h.look(o)
	}
	return queued, results
}
