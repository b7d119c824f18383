// Package feed computes the supervisors' live view of the floor (every
// open order's clock, every picker, alerts) and hands it to watchers: the
// full picture first, then changes, each carrying the full new state of
// the thing it is about.
package feed

import (
	"context"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
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

// openOrder is what an open order's clock needs: a busy floor has tens of
// thousands open, so the feed keeps no more of each.
type openOrder struct {
	State                 floor.OrderState
	Picker, TaskID        string
	Channel               string
	ReleasedAt, DueAt     time.Time
	PredictedAtAssignment time.Time
	RaisedAt              time.Time
	Lines                 int
	Units                 int64
}

// newOpenOrder keeps what the clocks need of o, in strings of its own: a
// decoded order's strings share one string with its whole record, which
// the hub would otherwise keep alive for as long as the order is open.
func newOpenOrder(o floor.Order) openOrder {
	oo := openOrder{State: o.State, Picker: strings.Clone(o.Picker), TaskID: strings.Clone(o.TaskID),
		Channel: strings.Clone(o.Channel), ReleasedAt: o.ReleasedAt,
		DueAt: o.DueAt, PredictedAtAssignment: o.PredictedHandoffAt, RaisedAt: o.RaisedAt, Lines: len(o.Lines)}
	for _, l := range o.Lines {
		oo.Units += l.Quantity
	}
	return oo
}

func (o openOrder) order(id string) floor.Order {
	return floor.Order{ID: id, State: o.State, Picker: o.Picker, TaskID: o.TaskID, Channel: o.Channel,
		ReleasedAt: o.ReleasedAt, DueAt: o.DueAt, PredictedHandoffAt: o.PredictedAtAssignment, RaisedAt: o.RaisedAt}
}

// closedOrder is an order due in the current shift that is closed, as
// the shift's figures count it.
type closedOrder struct {
	Picker    string
	HandedOff bool
	OnTime    bool
	DueAt     time.Time
}

// entry is the latest event of one order, picker or alert, and the number
// of the change that made it.
type entry struct {
	ev  Event
	seq uint64
	// final marks a closed order's last state: watchers that had the
	// order hear of it once, new ones never see it.
	final bool
}

// change says which key the change numbered seq was about.
type change struct {
	seq uint64
	key string
}

// closing is a closed order's final state, forgotten at its time.
type closing struct {
	key    string
	seq    uint64
	forget time.Time
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
	orders   map[string]openOrder  // open orders as last read
	tasks    map[string]floor.Task // their tasks
	lastSeq  uint64
	clocks   map[string]floor.OrderClock
	pickers  map[string]floor.PickerStatus
	activity map[string]*floor.PickerActivity
	standing map[string]bool // alert keys whose condition still holds
	recent   []floor.Alert   // the alerts still standing and short picks of the last hour

	// The shift's figures.
	shiftStart time.Time
	closedDue  map[string]closedOrder // orders due in the shift and closed, by id
	shiftPicks map[string]int         // accepted picks since the shift's start, by picker
	familiar   map[string]float64     // share of familiar stops on each picker's recent tasks
	tripMeters float64                // learned walk of a trip; the config's until a task is seen
	summary    floor.FloorSummary
	staff      struct { // the last search for the pickers a late queue needs
		floor.Staffing
		OnShift int // the pickers on shift then
	}
	staffAt time.Time // when; zero while the queue is on time

	// The view as watchers read it.
	seq      uint64            // number of the latest change
	latest   map[string]*entry // by key: "o/" order id, "p/" picker, "a/" alert
	changes  []change          // in the order of seq; those whose key changed again are stale
	stale    int               // how many of changes are stale
	closings []closing         // oldest first
	forgot   uint64            // the latest change forgotten with its closed order
	watchers map[*Watch]struct{}
	closed   bool
}

// NewHub returns a hub over src.
func NewHub(src Source, cfg floor.FeedConfig, clock floor.Clock, log *slog.Logger) *Hub {
	return &Hub{src: src, cfg: cfg, clock: clock, log: log, clocks: map[string]floor.OrderClock{},
		orders: map[string]openOrder{}, tasks: map[string]floor.Task{},
		pickers: map[string]floor.PickerStatus{}, activity: map[string]*floor.PickerActivity{},
		standing: map[string]bool{}, latest: map[string]*entry{}, watchers: map[*Watch]struct{}{},
		closedDue: map[string]closedOrder{}, shiftPicks: map[string]int{}, familiar: map[string]float64{},
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
		e := h.latest[c.key]
		if e == nil || e.seq != c.seq || e.final && c.seq <= w.start {
			continue // changed again since, gone, or closed before the watcher came
		}
		events = append(events, e.ev)
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
func (h *Hub) set(key string, ev Event, final bool) {
	ev.memo = new(memo)
	h.seq++
	if _, ok := h.latest[key]; ok {
		h.stale++
	}
	h.latest[key] = &entry{ev: ev, seq: h.seq, final: final}
	h.changes = append(h.changes, change{seq: h.seq, key: key})
	if final {
		h.closings = append(h.closings, closing{key: key, seq: h.seq, forget: h.clock.Now().Add(h.keepClosed())})
	}
}

// refresh replaces the latest state of key without a new change: watchers
// that took it are not told again, new ones get the fresh state.
func (h *Hub) refresh(key string, ev Event) {
	if e, ok := h.latest[key]; ok {
		ev.memo = new(memo)
		h.latest[key] = &entry{ev: ev, seq: e.seq}
	}
}

// drop takes key out of the view without telling watchers.
func (h *Hub) drop(key string) {
	if _, ok := h.latest[key]; ok {
		delete(h.latest, key)
		h.stale++
	}
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
	for len(h.closings) > 0 && !h.closings[0].forget.After(now) {
		c := h.closings[0]
		h.closings = h.closings[1:]
		if e, ok := h.latest[c.key]; ok && e.seq == c.seq {
			h.drop(c.key)
			h.forgot = c.seq
		}
	}
	for w := range h.watchers {
		if h.forgot > max(w.cursor, w.start) {
			delete(h.watchers, w)
			w.cancel(ErrFellBehind)
		}
	}
	if h.stale > len(h.changes)/2 {
		live := make([]change, 0, len(h.changes)-h.stale)
		for _, c := range h.changes {
			if e, ok := h.latest[c.key]; ok && e.seq == c.seq {
				live = append(live, c)
			}
		}
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
func (h *Hub) Tick() error {
	d, err := h.src.FloorDelta()
	if err != nil {
		return err
	}
	models, err := h.src.PickerModels()
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.clock.Now()
	start, end := h.cfg.Shifts.At(now)
	if !start.Equal(h.shiftStart) || d.Full {
		due, err := h.src.OrdersDue(start, end)
		if err != nil {
			return err
		}
		if !start.Equal(h.shiftStart) {
			clear(h.shiftPicks) // picks read from now on count for the new shift
		}
		h.shiftStart = start
		clear(h.closedDue)
		for _, o := range due {
			h.noteClosed(o)
		}
	}
	shorts, err := h.readScans()
	if err != nil {
		return err
	}
	if d.Full {
		clear(h.orders)
		clear(h.tasks)
	}
	for _, o := range d.Orders {
		if o.State.Open() {
			h.orders[strings.Clone(o.ID)] = newOpenOrder(o)
		} else {
			delete(h.orders, o.ID)
			h.noteClosed(o)
		}
	}
	for id, t := range d.Tasks {
		if _, known := h.tasks[id]; !known && !t.Done {
			h.learnTask(t)
		}
		h.tasks[id] = t
	}
	used := map[string]bool{}

	clocks := make([]floor.OrderClock, 0, len(h.orders))
	var queued []floor.SimOrder
	publish := func(oc floor.OrderClock) {
		clocks = append(clocks, oc)
		if old, ok := h.clocks[oc.OrderID]; !ok || changed(old, oc) {
			h.clocks[oc.OrderID] = oc
			h.set("o/"+oc.OrderID, Event{Order: &oc}, false)
		}
	}
	for id, oo := range h.orders {
		if len(clocks)%256 == 255 {
			// Thousands of open clocks take tens of milliseconds; the
			// handhelds' scans queued behind this goroutine go first.
			runtime.Gosched()
		}
		if oo.State == floor.StateQueued {
			queued = append(queued, floor.SimOrder{ID: id, DueAt: oo.DueAt, RaisedAt: oo.RaisedAt, Lines: oo.Lines, Units: oo.Units})
			continue
		}
		o := oo.order(id)
		var t *floor.Task
		if task, ok := h.tasks[o.TaskID]; ok && o.State == floor.StateAssigned {
			t = &task
			used[o.TaskID] = true // picked orders need their task no more
		}
		publish(h.cfg.Clock(now, o, t))
	}
	for id := range h.clocks {
		if _, open := h.orders[id]; open {
			continue
		}
		delete(h.clocks, id) // closed: watchers get its final state once
		if o, err := h.src.Order(id); err == nil {
			oc := h.cfg.Clock(now, o, nil)
			h.set("o/"+id, Event{Order: &oc}, true)
		} else {
			h.drop("o/" + id)
		}
	}

	for id := range h.tasks {
		if !used[id] {
			delete(h.tasks, id) // no open order left on it
		}
	}

	busy := map[string]string{}
	for _, t := range h.tasks {
		if !t.Done {
			busy[t.Picker] = t.ID
		}
	}
	var statuses []floor.PickerStatus
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
	results := q.Simulate(now, onShift, queued)
	byID := make(map[string]*floor.SimResult, len(results))
	for i := range results {
		byID[results[i].OrderID] = &results[i]
	}
	for _, so := range queued {
		publish(h.cfg.QueuedClock(now, h.orders[so.ID].order(so.ID), byID[so.ID]))
	}
	// Pickers after the clocks: a new watcher's picture starts with the
	// orders, as it did before the queue was simulated.
	for _, ps := range statuses {
		if old, ok := h.pickers[ps.Picker]; !ok || pickerChanged(old, ps) {
			h.pickers[ps.Picker] = ps
			h.set("p/"+ps.Picker, Event{Picker: &ps}, false)
		}
	}

	alerts := h.cfg.Alerts(now, clocks, statuses)
	staff := h.staffing(now, q, onShift, queued, results)
	if a, ok := h.cfg.QueueAlert(now, len(onShift), staff); ok {
		alerts = append(alerts, a)
	}
	h.raise(now, alerts, shorts)
	h.summarise(now, start, end, clocks, statuses, len(onShift), staff.Needed)
	h.settle(now)
	return nil
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
	_, end := h.cfg.Shifts.At(h.shiftStart)
	if o.DueAt.Before(h.shiftStart) || !o.DueAt.Before(end) || o.State.Open() {
		return
	}
	if o.State != floor.StateHandedOff {
		delete(h.closedDue, o.ID)
		return
	}
	h.closedDue[o.ID] = closedOrder{Picker: o.Picker, HandedOff: true, OnTime: !o.HandedOffAt.After(o.DueAt), DueAt: o.DueAt}
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

// summarise computes the shift's figures and publishes them when one
// changed.
func (h *Hub) summarise(now, start, end time.Time, clocks []floor.OrderClock, statuses []floor.PickerStatus, onShift, needed int) {
	s := floor.FloorSummary{At: now, ShiftStart: start, ShiftEnd: end, ShiftLabel: h.cfg.Shifts.Label(start, end),
		QueuedByChannel: map[string]int{}, PickersOnShift: onShift, PickersNeeded: needed}
	figs := map[string]*floor.PickerFigures{}
	fig := func(name string) *floor.PickerFigures {
		f, ok := figs[name]
		if !ok {
			f = &floor.PickerFigures{Picker: name}
			figs[name] = f
		}
		return f
	}
	for _, c := range h.closedDue {
		if c.OnTime {
			s.HandedOnTime++
		} else {
			s.HandedLate++
		}
		if c.Picker != "" {
			if c.OnTime {
				fig(c.Picker).HandedOnTime++
			} else {
				fig(c.Picker).HandedLate++
			}
		}
	}
	for _, c := range clocks {
		switch c.Risk {
		case floor.RiskOnTime:
			s.OpenOnTime++
		case floor.RiskAtRisk:
			s.OpenAtRisk++
		case floor.RiskLate:
			s.OpenLate++
		}
		if c.State == floor.StateQueued {
			s.Queued++
			s.QueuedByChannel[h.orders[c.OrderID].Channel]++
		}
		if c.DueAt.Before(start) || !c.DueAt.Before(end) {
			continue
		}
		switch {
		case !c.DueAt.After(now):
			s.OpenPastDue++
		case c.Risk == floor.RiskOnTime:
			s.PredictedOnTime++
		default:
			s.PredictedLate++
		}
	}
	for _, p := range statuses {
		f := fig(p.Picker)
		f.ShiftPicks, f.LastHourPicks = h.shiftPicks[p.Picker], p.PicksLastHour
	}
	for name, n := range h.shiftPicks {
		fig(name).ShiftPicks = n
	}
	for _, name := range slices.Sorted(maps.Keys(figs)) {
		f := figs[name]
		s.ShiftPicks += f.ShiftPicks
		s.LastHourPicks += f.LastHourPicks
		s.Pickers = append(s.Pickers, *f)
	}
	if !s.Same(h.summary) {
		h.set("s/floor", Event{Summary: &s}, false)
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
				a.Picks = append(a.Picks, e.Scan.At)
				if !e.Scan.At.Before(h.shiftStart) {
					h.shiftPicks[e.User]++
				}
			}
			// Keep an hour of picks: the figure is picks per hour.
			cut := 0
			for cut < len(a.Picks) && e.Scan.At.Sub(a.Picks[cut]) > time.Hour {
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
			h.set(alertKey(a), Event{Alert: &a}, false)
		}
	}
	h.standing = holds
	for _, a := range shorts {
		h.set(alertKey(a), Event{Alert: &a}, false)
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
