package floor

import (
	"testing"
	"time"
)

// A raised order is the first trip the simulation plays, as NextTask
// offers it first: here the one picker takes C, due last, before A and B,
// and of two raised the earlier raised goes first.
func TestSimulateRaisedOrdersFirst(t *testing.T) {
	p := SimPicker{Name: "ann", FreeAt: simNow, Model: handModel}
	queue := []SimOrder{
		{ID: "A", DueAt: simNow.Add(10 * time.Minute), Lines: 1, Units: 1},
		{ID: "B", DueAt: simNow.Add(20 * time.Minute), Lines: 1, Units: 1, RaisedAt: simNow.Add(-time.Minute)},
		{ID: "C", DueAt: simNow.Add(30 * time.Minute), Lines: 1, Units: 1, RaisedAt: simNow.Add(-2 * time.Minute)},
	}
	q := handQueue
	q.MaxBatch = 1 // one order a trip: the order of the trips is the order of the queue
	start := map[string]time.Time{}
	for _, r := range q.Simulate(simNow, []SimPicker{p}, queue) {
		start[r.OrderID] = r.StartAt
	}
	if !start["C"].Equal(simNow) || !start["C"].Before(start["B"]) || !start["B"].Before(start["A"]) {
		t.Errorf("trips start %v, want C now, then B, then A", start)
	}
}
