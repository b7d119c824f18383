package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

// newTestHub is a hub whose view the tests set directly: what Tick reads
// from the store is tested through the transports.
func newTestHub() (*Hub, *fixedClock) {
	clock := &fixedClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	return NewHub(nil, floor.DefaultFeedConfig, clock, slog.New(slog.NewTextHandler(io.Discard, nil))), clock
}

// setOrder stands for an order's clock: an open one as an entry, a
// closed one as the hub closes it, its open clock gone and its final
// state told.
func (h *Hub) setOrder(id string, state floor.OrderState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	oc := floor.OrderClock{OrderID: id, State: state}
	if state.Open() {
		h.set("o/"+id, Event{Order: &oc})
	} else {
		h.drop("o/" + id)
		h.shutOrder(id, oc)
	}
	h.settle(h.clock.Now())
}

// take reads a watcher until it is up to date and returns the orders it
// got as "id:state", and whether its picture was complete.
func take(w *Watch) (got []string, pictured bool) {
	for {
		events, done := w.Next(3) // small batches cross the picture's end
		pictured = pictured || done
		for _, e := range events {
			got = append(got, e.Order.OrderID+":"+e.Order.State.String())
		}
		if len(events) == 0 && done {
			return got, pictured
		}
	}
}

// A watcher that does not read costs nothing per change: when it reads,
// it gets each order once, in its latest state, however often it changed;
// the hub's list of changes stays within twice the orders it knows.
func TestAbuseSlowWatcherCoalesces(t *testing.T) {
	tests := []struct {
		orders, rounds int
	}{
		{1, 10000},
		{100, 100},
		{1000, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d orders changed %d times", tt.orders, tt.rounds), func(t *testing.T) {
			h, _ := newTestHub()
			w := h.Watch(context.Background())
			defer w.Stop()
			for r := range tt.rounds {
				for i := range tt.orders {
					st := floor.StateQueued
					if r == tt.rounds-1 {
						st = floor.StateAssigned
					}
					h.setOrder(fmt.Sprintf("O%d", i), st)
				}
			}
			if n, max := len(h.changes), 2*len(h.latest)+1; n > max {
				t.Errorf("%d changes kept for %d orders, want at most %d", n, len(h.latest), max)
			}
			got, _ := take(w)
			if len(got) != tt.orders {
				t.Fatalf("the slow watcher got %d events, want %d (one per order)", len(got), tt.orders)
			}
			for _, g := range got {
				if g[len(g)-len("assigned"):] != "assigned" {
					t.Errorf("got %s, want the latest state", g)
				}
			}
		})
	}
}

// A new watcher's picture holds the open orders only; then it hears of
// changes, a closed order included, once each.
func TestAbuseWatcherPicture(t *testing.T) {
	h, _ := newTestHub()
	for i := range 5 {
		h.setOrder(fmt.Sprintf("O%d", i), floor.StateQueued)
	}
	h.setOrder("O0", floor.StateHandedOff)
	w := h.Watch(context.Background())
	defer w.Stop()
	got, pictured := take(w)
	if want := []string{"O1:queued", "O2:queued", "O3:queued", "O4:queued"}; fmt.Sprint(got) != fmt.Sprint(want) || !pictured {
		t.Fatalf("picture %v (complete %v), want %v", got, pictured, want)
	}
	h.setOrder("O1", floor.StateHandedOff)
	h.setOrder("O5", floor.StateQueued)
	select {
	case <-w.Ready():
	default:
		t.Fatal("no wake-up after a change")
	}
	if got, _ := take(w); fmt.Sprint(got) != fmt.Sprint([]string{"O1:handed off", "O5:queued"}) {
		t.Errorf("changes %v", got)
	}
}

// A watcher that had not taken a closed order's end when the hub forgot
// it ends with ErrFellBehind; one that had, or that came after, goes on.
func TestAbuseWatcherFallsBehind(t *testing.T) {
	tests := []struct {
		name  string
		reads bool // takes the changes before the order is forgotten
		want  error
	}{
		{"stalled", false, ErrFellBehind},
		{"reading", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, clock := newTestHub()
			h.setOrder("O1", floor.StateQueued)
			w := h.Watch(context.Background())
			defer w.Stop()
			take(w)
			h.setOrder("O1", floor.StateHandedOff)
			if tt.reads {
				take(w)
			}
			clock.t = clock.t.Add(DefaultKeepClosed)
			h.setOrder("O2", floor.StateQueued) // a change, and the look that forgets O1
			if got := context.Cause(w.Context()); !errors.Is(got, tt.want) && !(tt.want == nil && got == nil) {
				t.Errorf("watch ended with %v, want %v", got, tt.want)
			}
			if _, ok := h.shutIDs.find("O1"); ok {
				t.Error("the closed order is still kept")
			}
		})
	}
}

// Closing the hub ends every watcher with ErrClosed, and a watch started
// after that ends at once.
func TestAbuseHubClose(t *testing.T) {
	h, _ := newTestHub()
	w := h.Watch(context.Background())
	h.Close()
	late := h.Watch(context.Background())
	for _, w := range []*Watch{w, late} {
		if got := context.Cause(w.Context()); !errors.Is(got, ErrClosed) {
			t.Errorf("watch ended with %v, want ErrClosed", got)
		}
	}
}

// An open order's clock and late alert are made when read: the watchers
// reading them in the same looks share one event, so a transport encodes
// it once for all of them.
func TestMadeEventsShared(t *testing.T) {
	clock := &fixedClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	src := newMemSource()
	src.putOrder(floor.Order{ID: "O1", State: floor.StatePicked, Picker: "ann", TaskID: "T1",
		ReleasedAt: clock.t.Add(-20 * time.Minute), DueAt: clock.t.Add(-time.Minute)}) // late: an alert stands
	h := NewHub(src, floor.DefaultFeedConfig, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := h.Tick(); err != nil {
		t.Fatal(err)
	}
	builds := map[string]int{}
	read := func(w *Watch) {
		for {
			events, pictured := w.Next(10)
			for _, e := range events {
				kind := "summary"
				switch {
				case e.Order != nil:
					kind = "order"
				case e.Alert != nil:
					kind = "alert"
				}
				e.Memo("bytes", func() any { builds[kind]++; return kind })
			}
			if len(events) == 0 && pictured {
				return
			}
		}
	}
	for range 3 {
		w := h.Watch(context.Background())
		read(w)
		w.Stop()
	}
	if want := map[string]int{"order": 1, "alert": 1, "summary": 1}; fmt.Sprint(builds) != fmt.Sprint(want) {
		t.Errorf("three watchers built %v, want each event once: %v", builds, want)
	}
}
