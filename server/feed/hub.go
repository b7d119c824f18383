// Package feed computes the supervisors' live view of the floor (every
// open order's clock, every picker, alerts) and hands it to watchers: the
// full picture first, then changes, each carrying the full new state of
// the thing it is about.
package feed

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// Source is the store as the feed reads it.
type Source interface {
	FloorDelta() (store.FloorDelta, error)
	ScanLog(after uint64, limit int) ([]store.ScanEntry, error)
	Order(id string) (floor.Order, error)
	// PickerModels returns every picker's learned pace, by name.
	PickerModels() (map[string]floor.PickerModel, error)
	// OrdersDue returns the orders due in [from, to), in any state.
	OrdersDue(from, to time.Time) ([]floor.Order, error)
}

// Event is one change: exactly one field is set. Events handed to
// watchers are shared between them and must not be modified.
type Event struct {
	Order   *floor.OrderClock
	Picker  *floor.PickerStatus
	Alert   *floor.Alert
	Summary *floor.FloorSummary

	memo *memo // what transports made of the event, shared by its watchers
}

// memo holds what transports made of one event: one or two entries (the
// gRPC bytes, the server-sent event), so a list beats a map.
type memo struct {
	mu   sync.Mutex
	keys []any
	vals []any
}

// Memo returns what build makes of the event, built once for all the
// watchers that send it under key: a transport encodes each event once,
// not once per watcher, and the watchers' send queues share the bytes.
func (e Event) Memo(key any, build func() any) any {
	if e.memo == nil {
		return build()
	}
	m := e.memo
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, k := range m.keys {
		if k == key {
			return m.vals[i]
		}
	}
	v := build()
	m.keys, m.vals = append(m.keys, key), append(m.vals, v)
	return v
}

// DefaultKeepClosed is how long a closed order's final state stays for
// watchers that have not taken it yet.
const DefaultKeepClosed = 2 * time.Minute

// predictionStep is how far a predicted handoff must move before watchers
// hear of it: a countdown they compute themselves from the due time.
const predictionStep = 15 * time.Second

// Errors a watch ends with, as the cause of its context.
var (
	// ErrFellBehind ends a watcher that had not taken a closed order's
	// final state before the hub forgot it.
	ErrFellBehind = &floor.Error{Op: "watch floor", Kind: floor.KindExhausted, Reason: "FELL_BEHIND",
		Msg: "this watcher fell behind the floor; watch again for a fresh picture"}
	// ErrClosed ends every watcher when the server stops.
	ErrClosed = &floor.Error{Op: "watch floor", Kind: floor.KindUnavailable, Reason: "FEED_CLOSED",
		Msg: "the server is stopping; watch again later"}
)

// closedOrder is an order due in the current shift and handed off, as
// the shift's figures count it. A busy shift hands off tens of thousands:
// it holds no pointer, its id being its number in Hub.closedIDs.
type closedOrder struct {
	picker int32 // a number in Hub.names
	onTime bool
}

// handed counts orders due in the shift and handed off.
type handed struct{ onTime, late int }

func (c *handed) add(on bool, n int) {
	if on {
		c.onTime += n
	} else {
		c.late += n
	}
}

// entry is the latest event of a picker, alert or the summary.
type entry struct {
	ev  Event
	seq uint64
	ref int32  // its number in Hub.entries
	key string // in Hub.latest
}

// itemKind says what a change is about: one thing in the view watchers
// read, an entry (a picker, an alert of the floor, the summary), or an
// open order's clock or late alert or a closed order's final state, whose
// events are made when read.
type itemKind uint8

const (
	kindEntry itemKind = iota // ref numbers an entry in Hub.entries
	kindClock                 // ref numbers an open order
	kindAlert                 // the same, its late alert
	kindShut                  // ref numbers a closed order's final clock in Hub.shuts
)

// change says which item the change numbered seq was about. It holds no
// pointer: a floor of hundreds of thousands of open orders has as many.
// Numbers are reused, so an item is the one the change was about only
// while its latest change is seq: see latestOf.
type change struct {
	seq  uint64
	ref  int32
	kind itemKind
}

// madeKey names an event made when read: an order's clock as one change
// told it, or its late alert as of one look (an alert standing is
// refreshed on every look, as the rest of the floor's alerts are).
type madeKey struct {
	ref       int32
	kind      itemKind
	seq, look uint64
}

// closing is a closed order's final state, the change seq about shut
// number ref, forgotten at its time (Unix ns).
type closing struct {
	seq    uint64
	forget int64
	ref    int32
}

// Hub keeps the current view and the watchers. Watchers do not get a
// queue of changes each: they read the latest state of whatever changed
// since they last looked, so a slow watcher skips the states it was too
// slow to see, and costs the same memory as a fast one.
type Hub struct {
	src   Source
	cfg   floor.FeedConfig
	clock floor.Clock
	log   *slog.Logger
	// KeepClosed is how long a closed order's final state waits for the
	// watchers that have not read it; a watcher still behind it then ends
	// with ErrFellBehind. DefaultKeepClosed if zero.
	KeepClosed time.Duration

	mu       sync.Mutex
	held     []store.FloorDelta // read but not yet taken in: a look failed after reading them
	now      time.Time          // of the last look
	looks    uint64             // the number of that look
	recheck  bool               // every clock is looked at in the next look
	lastSeq  uint64
	pickers  map[string]floor.PickerStatus
	activity map[string]*floor.PickerActivity
	standing map[string]bool // alert keys whose condition still holds, order alerts aside
	recent   []floor.Alert   // those alerts and short picks of the last hour

	// Open orders, and what their clocks need. An open order is the
	// number of its id in ids; nothing kept per open order is a pointer.
	ids        strtab
	pages      [][]ord                    // the open orders by number, ordPage a page
	names      strtab                     // the pickers, channels, tasks and reasons the orders hold
	pubs       map[int32]floor.OrderClock // clocks told that are no longer the order's fields: see ord.whole
	tasks      map[string]floor.Task      // their tasks
	byTask     map[string][]int32         // assigned orders by task
	queue      []queuedOrd                // the queued orders, in id order when !queueMoved
	queueMoved bool
	qclocks    []floor.OrderClock // the queued orders' clocks of the last look, as queue
	riskless   []floor.OrderClock // the same with no risk, reused
	sims       []floor.SimOrder   // the queue as simulated, reused
	simByID    map[string]*floor.SimResult
	wakes      wakeHeap // the orders not queued, by their next look
	dirty      []int32  // to be looked at in this look
	raised     []int32  // orders whose late alert is new in this look
	riskCount  [floor.RiskLate + 1]int
	catCount   [numCats]int

	// The shift's figures.
	shiftStart, shiftEnd time.Time
	closedIDs            strtab             // orders due in the shift and handed off,
	closedDue            []closedOrder      // by their number there
	handedAll            handed             // those handed off
	handedBy             map[int32]*handed  // and by picker's number in names
	shiftPicks           map[string]int     // accepted picks since the shift's start, by picker
	familiar             map[string]float64 // share of familiar stops on each picker's recent tasks
	tripMeters           float64            // learned walk of a trip; the config's until a task is seen
	summary              floor.FloorSummary
	staff                struct { // the last search for the pickers a late queue needs
		floor.Staffing
		OnShift int // the pickers on shift then
	}
	staffAt time.Time // when; zero while the queue is on time

	// The view as watchers read it.
	seq       uint64            // number of the latest change
	latest    map[string]*entry // by key: "p/" picker, "a/" alert, "s/floor"
	entries   []*entry          // by number, those in latest; nil: dropped
	freeEnts  []int32           // numbers of entries dropped
	changes   []change          // in the order of seq; those whose item changed again are stale
	stale     int               // how many of changes are stale
	made      map[madeKey]Event // events made when read, in this look
	madeLast  map[madeKey]Event // and in the one before, still shared
	lookFrom  uint64            // the latest change before this look
	shareFrom uint64            // and before the one before: the changes after it are shared
	closings  []closing         // oldest first
	shutIDs   strtab            // closed orders' ids, numbering their final clocks in shuts
	shuts     []shut
	forgot    uint64 // the latest change forgotten with its closed order
	watchers  map[*Watch]struct{}
	closed    bool
}

// NewHub returns a hub over src.
func NewHub(src Source, cfg floor.FeedConfig, clock floor.Clock, log *slog.Logger) *Hub {
	return &Hub{src: src, cfg: cfg, clock: clock, log: log,
		ids: newStrtab(), names: newStrtab(), shutIDs: newStrtab(), pages: [][]ord{make([]ord, ordPage)}, pubs: map[int32]floor.OrderClock{},
		tasks: map[string]floor.Task{}, byTask: map[string][]int32{}, simByID: map[string]*floor.SimResult{},
		pickers: map[string]floor.PickerStatus{}, activity: map[string]*floor.PickerActivity{},
		standing: map[string]bool{}, latest: map[string]*entry{}, watchers: map[*Watch]struct{}{},
		closedIDs: newStrtab(), handedBy: map[int32]*handed{}, shiftPicks: map[string]int{}, familiar: map[string]float64{},
		tripMeters: cfg.Queue.TripMeters}
}

// Run updates the view every `every` until ctx ends.
func (h *Hub) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := h.Tick(); err != nil {
			h.log.Error("floor feed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Watch is one watcher's place in the feed: the number of the last change
// it has taken. It holds no events of its own.
type Watch struct {
	h      *Hub
	ctx    context.Context
	cancel context.CancelCauseFunc
	ready  chan struct{}
	start  uint64 // the last change of the picture the watcher starts from
	cursor uint64 // the last change the watcher has taken (guarded by h.mu)
	batch  []Event
}

// Watch starts a watcher at the full picture of now. Its context ends with
// ctx, when it falls behind (cause ErrFellBehind), when the hub closes
// (ErrClosed) or when it is stopped.
func (h *Hub) Watch(ctx context.Context) *Watch {
	ctx, cancel := context.WithCancelCause(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	w := &Watch{h: h, ctx: ctx, cancel: cancel, ready: make(chan struct{}, 1), start: h.seq}
	if h.closed {
		cancel(ErrClosed)
		return w
	}
	h.watchers[w] = struct{}{}
	return w
}

// Context is the watch's context; context.Cause says why it ended.
func (w *Watch) Context() context.Context { return w.ctx }

// Ready receives when there may be changes the watcher has not taken.
func (w *Watch) Ready() <-chan struct{} { return w.ready }

// Next takes up to max events after the watcher's place: first the picture
// it started from (every open order, every picker, the recent alerts),
// then the latest state of everything that changed since, each once
// however often it changed. pictured reports whether the picture is
// complete with this batch; batches of the picture hold nothing else.
// An empty batch means the watcher is up to date: wait for Ready. The
// batch is the watch's own, reused by the next call: hundreds of watchers
// taking events every tick make no garbage of it.
func (w *Watch) Next(max int) (events []Event, pictured bool) {
	h := w.h
	h.mu.Lock()
	defer h.mu.Unlock()
	events = w.batch[:0]
	defer func() { w.batch = events }()
	inPicture := w.cursor < w.start
	i := sort.Search(len(h.changes), func(i int) bool { return h.changes[i].seq > w.cursor })
	for ; i < len(h.changes) && len(events) < max; i++ {
		c := h.changes[i]
		if inPicture && c.seq > w.start {
			break
		}
		w.cursor = c.seq
		if h.latestOf(c) != c.seq {
			continue // changed again since, or gone
		}
		if c.kind == kindShut && c.seq <= w.start {
			continue // closed before the watcher came
		}
		events = append(events, h.event(c))
	}
	if inPicture && (i == len(h.changes) || h.changes[i].seq > w.start) {
		w.cursor = w.start
	}
	return events, w.cursor >= w.start
}

// Stop ends the watch and releases it.
func (w *Watch) Stop() {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	delete(w.h.watchers, w)
	w.cancel(context.Canceled)
}

// Pickers returns every picker's status, by name.
func (h *Hub) Pickers() []floor.PickerStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]floor.PickerStatus, 0, len(h.pickers))
	for _, name := range slices.Sorted(maps.Keys(h.pickers)) {
		out = append(out, h.pickers[name])
	}
	return out
}

// Close ends every watch: the server is stopping.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for w := range h.watchers {
		delete(h.watchers, w)
		w.cancel(ErrClosed)
	}
}

// set makes ev the latest state of key, as a new change.
func (h *Hub) set(key string, ev Event) {
	ev.memo = new(memo)
	h.seq++
	e := h.latest[key]
	if e != nil {
		h.stale++
	} else {
		e = &entry{ref: int32(len(h.entries)), key: key}
		if n := len(h.freeEnts); n > 0 {
			e.ref, h.freeEnts = h.freeEnts[n-1], h.freeEnts[:n-1]
			h.entries[e.ref] = e
		} else {
			h.entries = append(h.entries, e)
		}
		h.latest[key] = e
	}
	e.ev, e.seq = ev, h.seq
	h.changes = append(h.changes, change{seq: h.seq, ref: e.ref, kind: kindEntry})
}

// refresh replaces the latest state of key without a new change: watchers
// that took it are not told again, new ones get the fresh state.
func (h *Hub) refresh(key string, ev Event) {
	if e, ok := h.latest[key]; ok {
		ev.memo = new(memo)
		e.ev = ev
	}
}

// drop takes key out of the view without telling watchers.
func (h *Hub) drop(key string) {
	if e, ok := h.latest[key]; ok {
		delete(h.latest, key)
		e.seq = 0
		h.stale++
		h.entries[e.ref] = nil // its event goes now, not when the number is reused
		h.freeEnts = append(h.freeEnts, e.ref)
	}
}

// latestOf is the number of the latest change of the item c is about; 0
// once it left the view.
func (h *Hub) latestOf(c change) uint64 {
	switch c.kind {
	case kindClock:
		return h.o(c.ref).seq
	case kindAlert:
		return h.o(c.ref).alertSeq
	case kindShut:
		return h.shuts[c.ref].seq
	}
	if e := h.entries[c.ref]; e != nil {
		return e.seq
	}
	return 0
}

// event is the state change c tells of. An order's clock and late alert
// are made when first read and shared by the watchers that read them
// during this look and the next.
func (h *Hub) event(c change) Event {
	k := madeKey{ref: c.ref, kind: c.kind, seq: c.seq}
	switch c.kind {
	case kindEntry:
		return h.entries[c.ref].ev
	case kindAlert:
		k.look = h.looks // its message and time are the last look's
	}
	if ev, ok := h.made[k]; ok {
		return ev
	}
	ev, ok := h.madeLast[k]
	if !ok {
		switch c.kind {
		case kindClock:
			oc := h.told(c.ref)
			ev.Order = &oc
		case kindAlert:
			ev.Alert = h.lateAlert(c.ref)
		case kindShut:
			oc := h.shutClock(c.ref)
			ev.Order = &oc
		}
		ev.memo = new(memo)
	}
	// Every watcher reads the changes of the last looks: those are
	// shared. The rest is pictures of new watchers, shared up to a bound:
	// a picture of a floor with hundreds of thousands of open orders,
	// kept with its encodings, would be hundreds of megabytes.
	if c.seq > h.shareFrom || len(h.made) < sharedPicture {
		if h.made == nil {
			h.made = map[madeKey]Event{}
		}
		h.made[k] = ev
	}
	return ev
}

// sharedPicture bounds the events of new watchers' pictures kept to be
// shared with the other watchers reading them in the same looks.
const sharedPicture = 20_000

// lateAlert is the alert floor's Alerts makes of an order's clock at the
// last look.
func (h *Hub) lateAlert(i int32) *floor.Alert {
	for _, a := range h.cfg.Alerts(h.now, []floor.OrderClock{h.current(i)}, nil) {
		if a.Kind == floor.AlertPredictedLate {
			return &a
		}
	}
	return nil
}

func (h *Hub) keepClosed() time.Duration {
	if h.KeepClosed > 0 {
		return h.KeepClosed
	}
	return DefaultKeepClosed
}

// settle forgets closed orders whose time is up, ends the watchers that
// had not taken them, drops stale changes once they are the most, and
// wakes the watchers that have something new.
func (h *Hub) settle(now time.Time) {
	for len(h.closings) > 0 && h.closings[0].forget <= now.UnixNano() {
		c := h.closings[0]
		h.closings = h.closings[1:]
		if h.shuts[c.ref].seq != c.seq {
			continue // told again since
		}
		h.forgetShut(c.ref)
		h.forgot = c.seq
	}
	for w := range h.watchers {
		if h.forgot > max(w.cursor, w.start) {
			delete(h.watchers, w)
			w.cancel(ErrFellBehind)
		}
	}
	if h.stale > len(h.changes)/2 {
		live := h.changes[:0]
		if cap(h.changes) > 4*(len(h.changes)-h.stale)+1024 {
			live = make([]change, 0, 2*(len(h.changes)-h.stale)) // the floor emptied: give the room back
		}
		for _, c := range h.changes {
			if h.latestOf(c) == c.seq {
				live = append(live, c)
			}
		}
		clear(h.changes[len(live):])
		h.changes, h.stale = live, 0
	}
	for w := range h.watchers {
		if w.cursor < h.seq {
			select {
			case w.ready <- struct{}{}:
			default:
			}
		}
	}
}

// Tick reads what changed on the floor, publishes what watchers need and
// raises alerts. Queued orders are predicted by simulating the queue with
// the pickers on shift, so a queue that outgrows them shows late at once.
// The other clocks are looked at only when their order or task changed or
// when they can change by themselves (see ord), so a look costs what
// changed, not what is open.
func (h *Hub) Tick() error {
	models, err := h.src.PickerModels()
	if err != nil {
		return err
	}
	d, err := h.src.FloorDelta()
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	// Kept until taken in: the store hands each change once.
	h.held = append(h.held, d)
	now := h.clock.Now()
	start, end := h.cfg.Shifts.At(now)
	full := slices.ContainsFunc(h.held, func(d store.FloorDelta) bool { return d.Full })
	if !start.Equal(h.shiftStart) || full {
		due, err := h.src.OrdersDue(start, end)
		if err != nil {
			return err
		}
		if !start.Equal(h.shiftStart) {
			clear(h.shiftPicks) // picks read from now on count for the new shift
			h.recheck = true    // every clock counts in the new shift's figures
		}
		h.shiftStart, h.shiftEnd = start, end
		for j := range h.closedDue {
			h.names.release(h.closedDue[j].picker)
		}
		h.closedIDs, h.closedDue = newStrtab(), h.closedDue[:0]
		clear(h.handedBy)
		h.handedAll = handed{}
		for _, o := range due {
			h.noteClosed(o)
		}
	}
	shorts, err := h.readScans()
	if err != nil {
		return err
	}

	if now.Before(h.now) {
		h.recheck = true // the clock went back: the times of the next looks are no longer in order
	}
	h.now = now
	h.looks++
	h.made, h.madeLast = nil, h.made
	h.shareFrom, h.lookFrom = h.lookFrom, h.seq
	for _, d := range h.held {
		h.apply(d)
	}
	clear(h.held)
	h.held = h.held[:0]
	if h.recheck {
		h.recheck = false
		h.lookAll()
	} else {
		h.lookChanged()
	}
	for id := range h.tasks {
		if len(h.byTask[id]) == 0 {
			delete(h.tasks, id) // no open order left on it
		}
	}

	busy := map[string]string{}
	for _, t := range h.tasks {
		if !t.Done {
			busy[t.Picker] = t.ID
		}
	}
	statuses := make([]floor.PickerStatus, 0, len(d.Pickers))
	var onShift []floor.SimPicker
	sentOff := map[string]bool{} // taken off shift by a supervisor: not counted, whatever their scans
	for _, o := range d.OffShift {
		sentOff[o.Picker] = true
	}
	for _, name := range d.Pickers {
		a := h.activityOf(name)
		if id, ok := busy[name]; ok {
			t := h.tasks[id]
			a.StopSince = latest(t.CreatedAt, t.LeftAt, t.ArrivedAt)
		}
		ps := h.cfg.Status(now, *a, busy[name])
		ps.OnShift = busy[name] != "" || !sentOff[name] && !a.LastScanAt.IsZero() && now.Sub(a.LastScanAt) <= h.cfg.OnShift
		if ps.OnShift {
			sp := floor.SimPicker{Name: name, FreeAt: now, Model: floor.DefaultPickerModel, Familiar: h.familiar[name]}
			if m, ok := models[name]; ok {
				sp.Model = m
			}
			if id, ok := busy[name]; ok {
				sp.FreeAt = now.Add(h.tasks[id].Remaining())
			}
			onShift = append(onShift, sp)
		}
		statuses = append(statuses, ps)
	}

	q := h.cfg.Queue
	q.TripMeters = h.tripMeters
	queued, results := h.simulate(q, onShift)
	// Pickers after the clocks: a new watcher's picture starts with the
	// orders, as it did before the queue was simulated.
	for _, ps := range statuses {
		if old, ok := h.pickers[ps.Picker]; !ok || pickerChanged(old, ps) {
			h.pickers[ps.Picker] = ps
			told := ps // only a picker told escapes
			h.set("p/"+ps.Picker, Event{Picker: &told})
		}
	}

	// The orders' late alerts stand with their clocks (made when read);
	// the queue's is one alert, named by its most urgent order.
	for _, i := range h.raised {
		if o := h.o(i); h.ids.ents[i].refs > 0 && o.alertSeq == 0 {
			h.seq++
			o.alertSeq = h.seq
			h.changes = append(h.changes, change{seq: h.seq, ref: i, kind: kindAlert})
		}
	}
	h.raised = h.raised[:0]
	alerts := h.cfg.Alerts(now, h.withoutRisk(), statuses)
	staff := h.staffing(now, q, onShift, queued, results)
	if a, ok := h.cfg.QueueAlert(now, len(onShift), staff); ok {
		alerts = append(alerts, a)
	}
	h.raise(now, alerts, shorts)
	h.summarise(now, statuses, len(onShift), staff.Needed)
	h.settle(now)
	return nil
}

// withoutRisk is the queued clocks with no risk, for the alerts of the
// floor: each order's own late alert is kept with it.
func (h *Hub) withoutRisk() []floor.OrderClock {
	out := h.riskless[:0]
	for _, c := range h.qclocks {
		c.Risk = floor.RiskUnspecified
		out = append(out, c)
	}
	h.riskless = out
	return out
}

// staffing says what it would take to bring the queue back on time. The
// search simulates the queue many times, so it runs at most every
// StaffEvery while the queue stays late with the same pickers on shift;
// in between the last answer stands, with the late orders counted afresh.
func (h *Hub) staffing(now time.Time, q floor.QueueModel, onShift []floor.SimPicker, queued []floor.SimOrder, results []floor.SimResult) floor.Staffing {
	late := 0
	for _, r := range results {
		if r.Late {
			late++
		}
	}
	if len(onShift) == 0 {
		late = len(queued) // nobody to pick them: none is predicted on time
	}
	if late == 0 {
		h.staffAt = time.Time{}
		return floor.Staffing{}
	}
	if h.staffAt.IsZero() || now.Sub(h.staffAt) >= h.cfg.StaffEvery || h.staff.OnShift != len(onShift) {
		h.staff.Staffing, h.staff.OnShift, h.staffAt = q.Staff(now, onShift, queued), len(onShift), now
	}
	st := h.staff.Staffing
	st.Late, st.Lost = late, min(st.Lost, late)
	return st
}

// noteClosed counts a closed order in the shift's figures if it is due in
// the shift; a cancelled one is not counted.
func (h *Hub) noteClosed(o floor.Order) {
	if o.DueAt.Before(h.shiftStart) || !o.DueAt.Before(h.shiftEnd) || o.State.Open() {
		return
	}
	if j, ok := h.closedIDs.find(o.ID); ok {
		old := h.closedDue[j]
		h.countHanded(old, -1)
		h.names.release(old.picker)
		h.closedDue[j] = closedOrder{}
		h.closedIDs.release(j)
	}
	if o.State != floor.StateHandedOff {
		return
	}
	c := closedOrder{picker: h.names.add(o.Picker), onTime: !o.HandedOffAt.After(o.DueAt)}
	j := h.closedIDs.add(o.ID)
	for int(j) >= len(h.closedDue) {
		h.closedDue = append(h.closedDue, closedOrder{})
	}
	h.closedDue[j] = c
	h.countHanded(c, 1)
}

// countHanded adds n of c to the handed-off figures.
func (h *Hub) countHanded(c closedOrder, n int) {
	h.handedAll.add(c.onTime, n)
	if c.picker == 0 { // no picker
		return
	}
	by := h.handedBy[c.picker]
	if by == nil {
		by = &handed{}
		h.handedBy[c.picker] = by
	}
	if by.add(c.onTime, n); *by == (handed{}) {
		delete(h.handedBy, c.picker)
	}
}

// learnTask follows the walk of new trips and each picker's share of
// familiar stops, which the simulation of the queue predicts with.
func (h *Hub) learnTask(t floor.Task) {
	const rate = 0.2 // weight of a new task: the last few trips count most
	if t.Route.Meters > 0 {
		h.tripMeters += rate * (t.Route.Meters - h.tripMeters)
	}
	if len(t.Stops) == 0 || t.Picker == "" {
		return
	}
	fam := 0
	for _, s := range t.Stops {
		if s.Familiar {
			fam++
		}
	}
	share := float64(fam) / float64(len(t.Stops))
	old, ok := h.familiar[t.Picker]
	if !ok {
		h.familiar[t.Picker] = share
		return
	}
	h.familiar[t.Picker] = old + rate*(share-old)
}

// summarise makes the shift's figures and publishes them when one
// changed. The open orders' figures are counted as their clocks change.
func (h *Hub) summarise(now time.Time, statuses []floor.PickerStatus, onShift, needed int) {
	s := floor.FloorSummary{At: now, ShiftStart: h.shiftStart, ShiftEnd: h.shiftEnd, ShiftLabel: h.cfg.Shifts.Label(h.shiftStart, h.shiftEnd),
		HandedOnTime: h.handedAll.onTime, HandedLate: h.handedAll.late,
		OpenPastDue: h.catCount[catPastDue], PredictedOnTime: h.catCount[catPredictedOnTime], PredictedLate: h.catCount[catPredictedLate],
		OpenOnTime: h.riskCount[floor.RiskOnTime], OpenAtRisk: h.riskCount[floor.RiskAtRisk], OpenLate: h.riskCount[floor.RiskLate],
		Queued: len(h.queue), QueuedByChannel: map[string]int{}, PickersOnShift: onShift, PickersNeeded: needed}
	byChannel := map[int32]int{}
	for _, e := range h.queue {
		byChannel[e.channel]++
	}
	for c, n := range byChannel {
		s.QueuedByChannel[h.names.str(c)] = n
	}
	figs := make([]floor.PickerFigures, 0, len(statuses))
	at := make(map[string]int, len(statuses))
	fig := func(name string) *floor.PickerFigures {
		i, ok := at[name]
		if !ok {
			i = len(figs)
			at[name] = i
			figs = append(figs, floor.PickerFigures{Picker: name})
		}
		return &figs[i]
	}
	for p, c := range h.handedBy {
		f := fig(h.names.str(p))
		f.HandedOnTime, f.HandedLate = c.onTime, c.late
	}
	for _, p := range statuses {
		f := fig(p.Picker)
		f.ShiftPicks, f.LastHourPicks = h.shiftPicks[p.Picker], p.PicksLastHour
	}
	for name, n := range h.shiftPicks {
		fig(name).ShiftPicks = n
	}
	slices.SortFunc(figs, func(a, b floor.PickerFigures) int { return cmp.Compare(a.Picker, b.Picker) })
	for _, f := range figs {
		s.ShiftPicks += f.ShiftPicks
		s.LastHourPicks += f.LastHourPicks
	}
	if len(figs) > 0 {
		s.Pickers = figs
	}
	if !s.Same(h.summary) {
		h.set("s/floor", Event{Summary: &s})
	} else {
		h.refresh("s/floor", Event{Summary: &s})
	}
	h.summary = s
}

// Summary returns the current shift's figures as of the last look.
func (h *Hub) Summary() floor.FloorSummary {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.summary
}

// readScans folds new scans into the pickers' activity and returns the
// short picks among them.
func (h *Hub) readScans() ([]floor.Alert, error) {
	var shorts []floor.Alert
	for {
		entries, err := h.src.ScanLog(h.lastSeq, 1000)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			h.lastSeq = e.Seq
			if e.Kind != "pick" {
				continue
			}
			a := h.activityOf(e.User)
			a.LastScanAt = e.Scan.At
			accepted := e.Answer.Verdict == floor.VerdictShortRecorded || e.Answer.Verdict == floor.VerdictTaskDone ||
				e.Answer.Verdict == floor.VerdictLineDone || e.Answer.Reason == "PICKED"
			switch {
			case e.Answer.Reason == "AT_BIN":
				a.LastBin = e.Scan.Code
			case accepted && e.Scan.Action == floor.ActionShort:
				shorts = append(shorts, floor.Alert{Kind: floor.AlertShortPick, Picker: e.User, Bin: a.LastBin,
					At: e.Scan.At, Message: e.User + ": " + e.Answer.Message})
			case accepted:
				a.Picks = append(a.Picks, e.Scan.At.UnixNano())
				if !e.Scan.At.Before(h.shiftStart) {
					h.shiftPicks[e.User]++
				}
			}
			// Keep an hour of picks: the figure is picks per hour.
			cut := 0
			for cut < len(a.Picks) && e.Scan.At.UnixNano()-a.Picks[cut] > int64(time.Hour) {
				cut++
			}
			a.Picks = a.Picks[cut:]
		}
		if len(entries) < 1000 {
			return shorts, nil
		}
	}
}

func (h *Hub) activityOf(name string) *floor.PickerActivity {
	a, ok := h.activity[name]
	if !ok {
		a = &floor.PickerActivity{Picker: name}
		h.activity[name] = a
	}
	return a
}

// raise publishes alerts whose condition newly holds, and every short pick;
// alerts no longer standing or older than an hour leave the picture.
func (h *Hub) raise(now time.Time, standing, shorts []floor.Alert) {
	holds := map[string]bool{}
	var recent []floor.Alert
	for _, a := range standing {
		holds[a.Key()] = true
		recent = append(recent, a)
		if h.standing[a.Key()] {
			h.refresh(alertKey(a), Event{Alert: &a})
		} else {
			h.set(alertKey(a), Event{Alert: &a})
		}
	}
	h.standing = holds
	for _, a := range shorts {
		h.set(alertKey(a), Event{Alert: &a})
	}
	for _, a := range append(h.recent, shorts...) {
		if a.Kind == floor.AlertShortPick && now.Sub(a.At) < time.Hour {
			recent = append(recent, a)
		}
	}
	kept := make(map[string]bool, len(recent))
	for _, a := range recent {
		kept[alertKey(a)] = true
	}
	for _, a := range h.recent {
		if !kept[alertKey(a)] {
			h.drop(alertKey(a))
		}
	}
	h.recent = recent
}

// alertKey is an alert's key in the view: a standing condition is one
// alert, each short pick is its own.
func alertKey(a floor.Alert) string {
	if a.Kind == floor.AlertShortPick {
		return "a/" + a.Key() + "@" + a.At.Format(time.RFC3339Nano)
	}
	return "a/" + a.Key()
}

// changed reports whether watchers need a clock again.
func changed(a, b floor.OrderClock) bool {
	d := a.PredictedHandoffAt.Sub(b.PredictedHandoffAt)
	return a.State != b.State || a.Risk != b.Risk || a.Picker != b.Picker || a.TaskID != b.TaskID ||
		a.Reason != b.Reason || !a.RaisedAt.Equal(b.RaisedAt) || d >= predictionStep || d <= -predictionStep
}

func pickerChanged(a, b floor.PickerStatus) bool {
	return a.TaskID != b.TaskID || a.LastBin != b.LastBin || a.PicksLastHour != b.PicksLastHour || a.OnShift != b.OnShift ||
		a.Idle/time.Minute != b.Idle/time.Minute || a.AtStop/time.Minute != b.AtStop/time.Minute
}

func latest(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}
