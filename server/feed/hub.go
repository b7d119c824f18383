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
}

// Event is one change: exactly one field is set.
type Event struct {
	Order  *floor.OrderClock
	Picker *floor.PickerStatus
	Alert  *floor.Alert
}

// watcherBuffer is how far a watcher may fall behind before it is dropped;
// it then reconnects and starts again from a full picture.
const watcherBuffer = 4096

// predictionStep is how far a predicted handoff must move before watchers
// hear of it: a countdown they compute themselves from the due time.
const predictionStep = 15 * time.Second

// openOrder is what an open order's clock needs: a busy floor has tens of
// thousands open, so the feed keeps no more of each.
type openOrder struct {
	State             floor.OrderState
	Picker, TaskID    string
	ReleasedAt, DueAt time.Time
}

func (o openOrder) order(id string) floor.Order {
	return floor.Order{ID: id, State: o.State, Picker: o.Picker, TaskID: o.TaskID, ReleasedAt: o.ReleasedAt, DueAt: o.DueAt}
}

// Hub keeps the current view and the watchers.
type Hub struct {
	src   Source
	cfg   floor.FeedConfig
	clock floor.Clock
	log   *slog.Logger

	mu       sync.Mutex
	orders   map[string]openOrder  // open orders as last read
	tasks    map[string]floor.Task // their tasks
	lastSeq  uint64
	clocks   map[string]floor.OrderClock
	pickers  map[string]floor.PickerStatus
	activity map[string]*floor.PickerActivity
	standing map[string]bool // alert keys whose condition still holds
	recent   []floor.Alert   // for new watchers: the alerts still standing and short picks of the last hour
	watchers map[chan Event]struct{}
}

// NewHub returns a hub over src.
func NewHub(src Source, cfg floor.FeedConfig, clock floor.Clock, log *slog.Logger) *Hub {
	return &Hub{src: src, cfg: cfg, clock: clock, log: log, clocks: map[string]floor.OrderClock{},
		orders: map[string]openOrder{}, tasks: map[string]floor.Task{},
		pickers: map[string]floor.PickerStatus{}, activity: map[string]*floor.PickerActivity{},
		standing: map[string]bool{}, watchers: map[chan Event]struct{}{}}
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

// Watch returns the full picture now and a channel of the changes after
// it. The channel is closed when the watcher falls too far behind; stop
// releases it.
func (h *Hub) Watch() (snapshot []Event, changes <-chan Event, stop func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range slices.Sorted(maps.Keys(h.clocks)) {
		oc := h.clocks[id]
		snapshot = append(snapshot, Event{Order: &oc})
	}
	for _, name := range slices.Sorted(maps.Keys(h.pickers)) {
		ps := h.pickers[name]
		snapshot = append(snapshot, Event{Picker: &ps})
	}
	for i := range h.recent {
		snapshot = append(snapshot, Event{Alert: &h.recent[i]})
	}
	ch := make(chan Event, watcherBuffer)
	h.watchers[ch] = struct{}{}
	return snapshot, ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.watchers[ch]; ok {
			delete(h.watchers, ch)
			close(ch)
		}
	}
}

// Close ends every watch: the server is stopping.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.watchers {
		delete(h.watchers, ch)
		close(ch)
	}
}

// publish sends e to every watcher, dropping those that fell behind.
func (h *Hub) publish(e Event) {
	for ch := range h.watchers {
		select {
		case ch <- e:
		default:
			delete(h.watchers, ch)
			close(ch)
		}
	}
}

// Tick reads what changed on the floor, publishes what watchers need and
// raises alerts.
func (h *Hub) Tick() error {
	d, err := h.src.FloorDelta()
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.clock.Now()
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
			h.orders[o.ID] = openOrder{State: o.State, Picker: o.Picker, TaskID: o.TaskID, ReleasedAt: o.ReleasedAt, DueAt: o.DueAt}
		} else {
			delete(h.orders, o.ID)
		}
	}
	for id, t := range d.Tasks {
		h.tasks[id] = t
	}
	used := map[string]bool{}

	clocks := make([]floor.OrderClock, 0, len(h.orders))
	for id, oo := range h.orders {
		if len(clocks)%256 == 255 {
			// Thousands of open clocks take tens of milliseconds; the
			// handhelds' scans queued behind this goroutine go first.
			runtime.Gosched()
		}
		o := oo.order(id)
		var t *floor.Task
		if task, ok := h.tasks[o.TaskID]; ok && o.State == floor.StateAssigned {
			t = &task
			used[o.TaskID] = true // picked orders need their task no more
		}
		oc := h.cfg.Clock(now, o, t)
		clocks = append(clocks, oc)
		if old, ok := h.clocks[o.ID]; !ok || changed(old, oc) {
			h.clocks[o.ID] = oc
			h.publish(Event{Order: &oc})
		}
	}
	for id := range h.clocks {
		if _, open := h.orders[id]; open {
			continue
		}
		delete(h.clocks, id) // closed: watchers get its final state once
		if o, err := h.src.Order(id); err == nil {
			oc := h.cfg.Clock(now, o, nil)
			h.publish(Event{Order: &oc})
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
	for _, name := range d.Pickers {
		a := h.activityOf(name)
		if id, ok := busy[name]; ok {
			t := h.tasks[id]
			a.StopSince = latest(t.CreatedAt, t.LeftAt, t.ArrivedAt)
		}
		ps := h.cfg.Status(now, *a, busy[name])
		statuses = append(statuses, ps)
		if old, ok := h.pickers[name]; !ok || pickerChanged(old, ps) {
			h.pickers[name] = ps
			h.publish(Event{Picker: &ps})
		}
	}

	h.raise(now, h.cfg.Alerts(now, clocks, statuses), shorts)
	return nil
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

// raise publishes alerts whose condition newly holds, and every short pick.
func (h *Hub) raise(now time.Time, standing, shorts []floor.Alert) {
	holds := map[string]bool{}
	var recent []floor.Alert
	for _, a := range standing {
		holds[a.Key()] = true
		recent = append(recent, a)
		if !h.standing[a.Key()] {
			h.publish(Event{Alert: &a})
		}
	}
	h.standing = holds
	for _, a := range shorts {
		h.publish(Event{Alert: &a})
	}
	for _, a := range append(h.recent, shorts...) {
		if a.Kind == floor.AlertShortPick && now.Sub(a.At) < time.Hour {
			recent = append(recent, a)
		}
	}
	h.recent = recent
}

// changed reports whether watchers need a clock again.
func changed(a, b floor.OrderClock) bool {
	d := a.PredictedHandoffAt.Sub(b.PredictedHandoffAt)
	return a.State != b.State || a.Risk != b.Risk || a.Picker != b.Picker || a.TaskID != b.TaskID ||
		d >= predictionStep || d <= -predictionStep
}

func pickerChanged(a, b floor.PickerStatus) bool {
	return a.TaskID != b.TaskID || a.LastBin != b.LastBin || a.PicksLastHour != b.PicksLastHour ||
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
