package feed

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// reference computes the supervisors' view from scratch on every look, as
// the feed did before it kept its clocks between looks: every open
// order's clock, the queue simulated, the alerts and the figures summed
// over every clock. It keeps only what watchers were told.
type reference struct {
	cfg     floor.FeedConfig
	told    map[string]floor.OrderClock // the clock each open order was last told with
	pickers map[string]floor.PickerStatus
	alerts  map[string]floor.Alert // standing, by key in the view
	summary floor.FloorSummary
}

// refView is what watchers get: the picture a new watcher reads, and what
// a watcher that read the last look's picture is told now, by key.
type refView struct {
	picture map[string]any // "o/" open order id, "p/" picker, "a/" alert key, "s/floor"
	told    map[string]any // those, and "o/" closed orders' final clocks
}

func newReference(cfg floor.FeedConfig) *reference {
	return &reference{cfg: cfg, told: map[string]floor.OrderClock{}, pickers: map[string]floor.PickerStatus{}, alerts: map[string]floor.Alert{}}
}

// look computes the view at now from everything in src.
func (r *reference) look(src *memSource, now time.Time) refView {
	v := refView{picture: map[string]any{}, told: map[string]any{}}
	start, end := r.cfg.Shifts.At(now)
	var open []floor.Order
	for _, id := range slices.Sorted(maps.Keys(src.orders)) {
		if o := src.orders[id]; o.State.Open() {
			open = append(open, o)
		}
	}

	// Pickers: busy with the undone task an assigned order is on; with no
	// scans, on shift only then.
	busy := map[string]floor.Task{}
	for _, o := range open {
		if t, ok := src.tasks[o.TaskID]; ok && o.State == floor.StateAssigned && !t.Done {
			busy[t.Picker] = t
		}
	}
	var statuses []floor.PickerStatus
	var onShift []floor.SimPicker
	for _, name := range src.pickers {
		a := floor.PickerActivity{Picker: name}
		t, isBusy := busy[name]
		if isBusy {
			a.StopSince = latest(t.CreatedAt, t.LeftAt, t.ArrivedAt)
		}
		ps := r.cfg.Status(now, a, t.ID)
		ps.OnShift = isBusy
		if isBusy {
			sp := floor.SimPicker{Name: name, FreeAt: now.Add(t.Remaining()), Model: floor.DefaultPickerModel}
			if m, ok := src.models[name]; ok {
				sp.Model = m
			}
			onShift = append(onShift, sp)
		}
		statuses = append(statuses, ps)
	}

	// Every open order's clock.
	var clocks []floor.OrderClock
	var queued []floor.SimOrder
	for _, o := range open {
		if o.State == floor.StateQueued {
			var units int64
			for _, l := range o.Lines {
				units += l.Quantity
			}
			queued = append(queued, floor.SimOrder{ID: o.ID, DueAt: o.DueAt, RaisedAt: o.RaisedAt, Lines: len(o.Lines), Units: units})
			continue
		}
		var t *floor.Task
		if task, ok := src.tasks[o.TaskID]; ok && o.State == floor.StateAssigned {
			t = &task
		}
		clocks = append(clocks, r.cfg.Clock(now, o, t))
	}
	results := r.cfg.Queue.Simulate(now, onShift, queued)
	byID := map[string]*floor.SimResult{}
	for i := range results {
		byID[results[i].OrderID] = &results[i]
	}
	for _, o := range open {
		if o.State == floor.StateQueued {
			clocks = append(clocks, r.cfg.QueuedClock(now, o, byID[o.ID]))
		}
	}
	slices.SortFunc(clocks, func(a, b floor.OrderClock) int { return cmp.Compare(a.OrderID, b.OrderID) })

	isOpen := map[string]bool{}
	for _, c := range clocks {
		isOpen[c.OrderID] = true
		if old, ok := r.told[c.OrderID]; !ok || changed(old, c) {
			r.told[c.OrderID] = c
			v.told["o/"+c.OrderID] = c
		}
		v.picture["o/"+c.OrderID] = r.told[c.OrderID]
	}
	for id := range r.told {
		if !isOpen[id] {
			delete(r.told, id)
			v.told["o/"+id] = r.cfg.Clock(now, src.orders[id], nil)
		}
	}
	for _, ps := range statuses {
		if old, ok := r.pickers[ps.Picker]; !ok || pickerChanged(old, ps) {
			r.pickers[ps.Picker] = ps
			v.told["p/"+ps.Picker] = ps
		}
		v.picture["p/"+ps.Picker] = r.pickers[ps.Picker]
	}

	// Alerts: a condition newly standing is told; one standing gets the
	// look's message and time.
	staff := floor.Staffing{}
	late := 0
	for _, res := range results {
		if res.Late {
			late++
		}
	}
	if len(onShift) == 0 {
		late = len(queued)
	}
	if late > 0 {
		staff = r.cfg.Queue.Staff(now, onShift, queued)
		staff.Late, staff.Lost = late, min(staff.Lost, late)
	}
	alerts := r.cfg.Alerts(now, clocks, statuses)
	if a, ok := r.cfg.QueueAlert(now, len(onShift), staff); ok {
		alerts = append(alerts, a)
	}
	standing := map[string]floor.Alert{}
	for _, a := range alerts {
		k := alertKey(a)
		standing[k] = a
		if _, was := r.alerts[k]; !was {
			v.told[k] = a
		}
		v.picture[k] = a
	}
	r.alerts = standing

	// The figures, summed over every clock.
	s := floor.FloorSummary{At: now, ShiftStart: start, ShiftEnd: end, ShiftLabel: r.cfg.Shifts.Label(start, end),
		QueuedByChannel: map[string]int{}, PickersOnShift: len(onShift), PickersNeeded: staff.Needed}
	figs := map[string]*floor.PickerFigures{}
	fig := func(name string) *floor.PickerFigures {
		if figs[name] == nil {
			figs[name] = &floor.PickerFigures{Picker: name}
		}
		return figs[name]
	}
	for _, o := range src.orders {
		if o.State != floor.StateHandedOff || o.DueAt.Before(start) || !o.DueAt.Before(end) {
			continue
		}
		if !o.HandedOffAt.After(o.DueAt) {
			s.HandedOnTime++
			fig(o.Picker).HandedOnTime++
		} else {
			s.HandedLate++
			fig(o.Picker).HandedLate++
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
			s.QueuedByChannel[src.orders[c.OrderID].Channel]++
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
		fig(p.Picker).LastHourPicks = p.PicksLastHour
	}
	for _, name := range slices.Sorted(maps.Keys(figs)) {
		s.LastHourPicks += figs[name].LastHourPicks
		s.Pickers = append(s.Pickers, *figs[name])
	}
	if !s.Same(r.summary) {
		v.told["s/floor"] = s
	}
	r.summary = s
	v.picture["s/floor"] = s
	return v
}

// viewOf reads events as the reference names them.
func viewOf(events []Event) map[string]any {
	out := map[string]any{}
	for _, e := range events {
		switch {
		case e.Order != nil:
			out["o/"+e.Order.OrderID] = *e.Order
		case e.Picker != nil:
			out["p/"+e.Picker.Picker] = *e.Picker
		case e.Alert != nil:
			out[alertKey(*e.Alert)] = *e.Alert
		case e.Summary != nil:
			out["s/floor"] = *e.Summary
		}
	}
	return out
}

// readAll takes a watcher's events until it is up to date.
func readAll(t *testing.T, w *Watch) []Event {
	t.Helper()
	var out []Event
	for {
		events, pictured := w.Next(100)
		out = append(out, events...)
		if len(events) == 0 && pictured {
			return out
		}
	}
}

// floorSim writes a floor's changes into a memSource: orders released,
// assigned, picked stop by stop, packed, handed off, cancelled, raised,
// their due times moved, tasks replanned.
type floorSim struct {
	t      *testing.T
	rng    *rand.Rand
	src    *memSource
	clock  *fixedClock
	orders int
	tasks  int
	fulls  int // whole reads asked for
	backs  int // clocks set back
}

func (f *floorSim) now() time.Time { return f.clock.t }

func (f *floorSim) open(states ...floor.OrderState) []floor.Order {
	var out []floor.Order
	for _, id := range slices.Sorted(maps.Keys(f.src.orders)) {
		if o := f.src.orders[id]; slices.Contains(states, o.State) {
			out = append(out, o)
		}
	}
	return out
}

func (f *floorSim) pick(orders []floor.Order) (floor.Order, bool) {
	if len(orders) == 0 {
		return floor.Order{}, false
	}
	return orders[f.rng.IntN(len(orders))], true
}

func (f *floorSim) seconds(lo, hi int) time.Duration {
	return time.Duration(lo+f.rng.IntN(hi-lo+1)) * time.Second
}

// release queues a new order, due between 5 minutes ago and 25 from now.
func (f *floorSim) release() {
	f.orders++
	o := floor.Order{ID: fmt.Sprintf("O%03d", f.orders), Channel: []string{"shop", "b2b", ""}[f.rng.IntN(3)], State: floor.StateQueued,
		ReleasedAt: f.now().Add(-f.seconds(0, 300)), DueAt: f.now().Add(f.seconds(-300, 1500))}
	for i := range 1 + f.rng.IntN(3) {
		o.Lines = append(o.Lines, floor.OrderLine{SKU: fmt.Sprintf("SKU-%d", i), Quantity: 1 + int64(f.rng.IntN(3))})
	}
	f.src.putOrder(o)
}

// assign gives a free picker up to three queued orders on a new task.
func (f *floorSim) assign() {
	busy := map[string]bool{}
	for _, t := range f.src.tasks {
		if !t.Done {
			busy[t.Picker] = true
		}
	}
	var free []string
	for _, p := range f.src.pickers {
		if !busy[p] {
			free = append(free, p)
		}
	}
	queued := f.open(floor.StateQueued)
	if len(free) == 0 || len(queued) == 0 {
		return
	}
	f.tasks++
	t := floor.Task{ID: fmt.Sprintf("T%03d", f.tasks), Picker: free[f.rng.IntN(len(free))], CreatedAt: f.now(),
		PredictedPickedAt: f.now().Add(f.seconds(60, 600))}
	var elapsed time.Duration
	for _, i := range f.rng.Perm(len(queued))[:min(len(queued), 1+f.rng.IntN(3))] {
		o := queued[i]
		o.State, o.Picker, o.TaskID, o.PredictedHandoffAt = floor.StateAssigned, t.Picker, t.ID, t.PredictedPickedAt.Add(3*time.Minute)
		f.src.putOrder(o)
		for _, l := range o.Lines {
			elapsed += f.seconds(10, 60)
			t.Stops = append(t.Stops, floor.Stop{Bin: "A-01", SKU: l.SKU, Quantity: l.Quantity, OrderID: o.ID, PredictedElapsed: elapsed})
		}
	}
	f.src.putTask(t)
}

// progress picks the next stop of an undone task; the last one done, the
// task's orders are picked.
func (f *floorSim) progress() {
	var undone []floor.Task
	for _, id := range slices.Sorted(maps.Keys(f.src.tasks)) {
		if t := f.src.tasks[id]; !t.Done {
			undone = append(undone, t)
		}
	}
	if len(undone) == 0 {
		return
	}
	t := undone[f.rng.IntN(len(undone))]
	t.Stops = slices.Clone(t.Stops)
	for i := range t.Stops {
		if t.Stops[i].Remaining() > 0 {
			t.Stops[i].Picked = t.Stops[i].Quantity
			t.ArrivedAt, t.LeftAt = f.now(), f.now()
			f.src.putTask(t)
			return
		}
	}
	t.Done, t.DroppedAt = true, f.now()
	f.src.putTask(t)
	for _, o := range f.src.orders {
		if o.TaskID == t.ID && o.State == floor.StateAssigned {
			o.State = floor.StatePicked
			f.src.putOrder(o)
		}
	}
}

// step makes one random change on the floor.
func (f *floorSim) step() {
	switch n := f.rng.IntN(100); {
	case n < 20:
		f.release()
	case n < 35:
		f.assign()
	case n < 60:
		f.progress()
	case n < 68:
		if o, ok := f.pick(f.open(floor.StatePicked)); ok {
			o.State = floor.StatePacked
			f.src.putOrder(o)
		}
	case n < 76:
		if o, ok := f.pick(f.open(floor.StatePacked, floor.StatePicked)); ok {
			o.State, o.HandedOffAt = floor.StateHandedOff, f.now()
			f.src.putOrder(o)
		}
	case n < 80:
		if o, ok := f.pick(f.open(floor.StateQueued, floor.StatePicked, floor.StatePacked)); ok {
			o.State = floor.StateCancelled
			f.src.putOrder(o)
		}
	case n < 85:
		if o, ok := f.pick(f.open(floor.StateQueued)); ok {
			o.RaisedAt = f.now()
			f.src.putOrder(o)
		}
	case n < 90:
		// A due time moved: the clock told keeps the old one until it
		// changes enough to be told again.
		if o, ok := f.pick(f.open(floor.StateQueued, floor.StateAssigned, floor.StatePicked, floor.StatePacked)); ok {
			o.DueAt = o.DueAt.Add(f.seconds(-120, 120))
			o.ReleasedAt = o.ReleasedAt.Add(-time.Second)
			f.src.putOrder(o)
		}
	case n < 95:
		// A closed order written again (a label printed again, say):
		// counted once in the figures all the same.
		if o, ok := f.pick(f.open(floor.StateHandedOff, floor.StateCancelled)); ok {
			f.src.putOrder(o)
		}
	case n < 98:
		var undone []floor.Task
		for _, id := range slices.Sorted(maps.Keys(f.src.tasks)) {
			if t := f.src.tasks[id]; !t.Done {
				undone = append(undone, t)
			}
		}
		if len(undone) > 0 {
			t := undone[f.rng.IntN(len(undone))]
			t.PredictedPickedAt = t.PredictedPickedAt.Add(f.seconds(-60, 120))
			f.src.putTask(t)
		}
	default:
		f.src.full = true // a read of everything, as after too many changes to track
		f.fulls++
	}
}

// advance moves the clock as the feed's ticker and the odd stall would:
// mostly seconds, sometimes minutes, and rarely back (a wall clock set).
func (f *floorSim) advance() {
	switch n := f.rng.IntN(100); {
	case n < 2:
		f.clock.t = f.clock.t.Add(-f.seconds(1, 30))
		f.backs++
	case n < 7:
		f.clock.t = f.clock.t.Add(f.seconds(60, 600))
	default:
		f.clock.t = f.clock.t.Add(f.seconds(1, 20))
		if f.rng.IntN(2) == 0 {
			f.clock.t = f.clock.t.Add(time.Duration(f.rng.IntN(1000)) * time.Millisecond)
		} else {
			f.clock.t = f.clock.t.Truncate(time.Second) // looks on the second, as due times are: thresholds met exactly
		}
	}
}

// The hub looks at a clock only when its order or task changed or its
// time to change by itself came, and keeps the figures as counts; what
// watchers get must be what a computation from scratch over every open
// order gives, look after look: what a watcher is told, the picture a
// new watcher reads, the figures.
func TestIncrementalMatchesRecompute(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			cfg := floor.DefaultFeedConfig
			cfg.StaffEvery = math.MinInt64                                           // the reference searches on every look, even when the clock went back
			clock := &fixedClock{t: time.Date(2026, 11, 24, 13, 20, 0, 0, time.UTC)} // the 14:00 shift comes
			src := newMemSource()
			src.pickers = []string{"ann", "bob", "cat", "dan", "eve"}
			src.models["bob"] = floor.PickerModel{WalkSpeed: 0.7, StopFamiliar: 5 * time.Second, StopUnfamiliar: 20 * time.Second, PerUnit: 4 * time.Second, Samples: 50}
			sim := &floorSim{t: t, rng: rand.New(rand.NewPCG(seed, 16)), src: src, clock: clock}
			for range 30 {
				sim.release()
			}
			h := NewHub(src, cfg, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
			h.KeepClosed = time.Hour // no watcher here falls behind
			w := h.Watch(context.Background())
			defer w.Stop()
			ref := newReference(cfg)
			seen := map[string]int{} // what the run told, so that a run that tells little fails
			for look := range 300 {
				if err := h.Tick(); err != nil {
					t.Fatal(err)
				}
				want := ref.look(src, clock.t)
				at := fmt.Sprintf("look %d at %s", look, clock.t.Format(time.TimeOnly))
				compareViews(t, at+": told", viewOf(readAll(t, w)), want.told)
				fresh := h.Watch(context.Background())
				compareViews(t, at+": picture", viewOf(readAll(t, fresh)), want.picture)
				fresh.Stop()
				if got := h.Summary(); !reflect.DeepEqual(got, ref.summary) {
					t.Fatalf("%s: Summary()\n got %+v\nwant %+v", at, got, ref.summary)
				}
				if t.Failed() {
					return
				}
				for _, v := range want.told {
					switch v := v.(type) {
					case floor.OrderClock:
						seen[fmt.Sprintf("clock %v open %v", v.Risk, v.State.Open())]++
					case floor.Alert:
						seen[fmt.Sprintf("alert %d", v.Kind)]++
					case floor.FloorSummary:
						seen["summary"]++
					}
				}
				for range sim.rng.IntN(6) {
					sim.step()
				}
				sim.advance()
			}
			for _, want := range []string{
				fmt.Sprintf("clock %v open true", floor.RiskOnTime), fmt.Sprintf("clock %v open true", floor.RiskAtRisk),
				fmt.Sprintf("clock %v open true", floor.RiskLate), fmt.Sprintf("clock %v open false", floor.RiskUnspecified),
				fmt.Sprintf("alert %d", floor.AlertPredictedLate), fmt.Sprintf("alert %d", floor.AlertNoPickerFree),
				fmt.Sprintf("alert %d", floor.AlertQueueLate), "summary",
			} {
				if seen[want] == 0 {
					t.Errorf("the run told no %s: %v", want, seen)
				}
			}
			if sim.fulls == 0 || sim.backs == 0 || !clock.t.After(time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)) {
				t.Errorf("the run had %d whole reads and %d clocks set back, and ended at %v: want both and a new shift", sim.fulls, sim.backs, clock.t)
			}
		})
	}
}

func compareViews(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: missing %s: %+v", what, k, want[k])
		} else if !reflect.DeepEqual(g, want[k]) {
			t.Errorf("%s: %s\n got %+v\nwant %+v", what, k, g, want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %s: %+v", what, k, got[k])
		}
	}
}

// The wake heap keeps every order at its place and the soonest on top
// through puts, moves and removals in any order.
func TestWakeHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h, _ := newTestHub()
	in := map[int32]int64{}
	var all []int32
	for n := range 2000 {
		switch k := rng.IntN(10); {
		case k < 5 || len(all) == 0:
			i := h.newOrd(fmt.Sprint("O", n))
			all = append(all, i)
			in[i] = rng.Int64N(1000)
			h.wake(i, in[i])
		case k < 8:
			i := all[rng.IntN(len(all))]
			in[i] = rng.Int64N(1000)
			h.wake(i, in[i])
		default:
			i := all[rng.IntN(len(all))]
			h.unwake(i)
			delete(in, i)
		}
		for p, w := range h.wakes {
			if int(h.o(w.o).hi) != p || in[w.o] != w.at || p > 0 && h.wakes[(p-1)/2].at > w.at {
				t.Fatalf("entry %d (order %d at %d) out of place", p, w.o, w.at)
			}
		}
		if len(h.wakes) != len(in) {
			t.Fatalf("%d in the heap, want %d", len(h.wakes), len(in))
		}
	}
}
