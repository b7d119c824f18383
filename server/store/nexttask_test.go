package store

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// planFunc is a floor.TaskPlanner made of a function.
type planFunc func(floor.PlanInput) (floor.Task, error)

func (f planFunc) PlanTask(in floor.PlanInput) (floor.Task, error) { return f(in) }

// reserved is the units of sku reserved over all its bins.
func reserved(t *testing.T, s *Store, sku string) int64 {
	t.Helper()
	levels, _, err := s.ListStock(StockFilter{SKU: sku}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, l := range levels {
		n += l.Reserved
	}
	return n
}

func submitOne(t *testing.T, s *Store, clock *fixedClock, id, sku string, qty int64) {
	t.Helper()
	if _, err := s.SubmitOrders([]floor.Order{{ID: id, Lines: []floor.OrderLine{{SKU: sku, Quantity: qty}}}}, false); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second) // due times in submission order
}

// Stock taken between a plan and its commit makes the plan stale: its
// commit writes nothing, and NextTask plans again with what is left, here
// the second order (the first lacks stock now).
func TestNextTaskPlansAgainWhenStockMovedMeanwhile(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s) // S1: 5 units in A-01-001-1
	submitOne(t, s, clock, "O1", "S1", 2)
	submitOne(t, s, clock, "O2", "S1", 1)
	var planned []string
	s.planner = planFunc(func(in floor.PlanInput) (floor.Task, error) {
		task, err := floor.BinOrderPlanner{}.PlanTask(in)
		planned = append(planned, task.Orders[0].OrderID)
		if len(planned) == 1 {
			// A count finds 4 units fewer while the first plan is made.
			if _, err := s.AdjustStock(StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: -4}); err != nil {
				t.Error(err)
			}
		}
		return task, err
	})
	task, assigned, err := s.NextTask("ann")
	if err != nil || !assigned {
		t.Fatalf("NextTask: %+v, %v, %v", task, assigned, err)
	}
	if got, want := strings.Join(planned, ","), "O1,O2"; got != want {
		t.Errorf("planned %s, want %s", got, want)
	}
	if len(task.Orders) != 1 || task.Orders[0].OrderID != "O2" {
		t.Errorf("task orders %+v, want O2 alone", task.Orders)
	}
	if got := reserved(t, s, "S1"); got != 1 {
		t.Errorf("reserved %d units of S1, want the 1 of O2", got)
	}
	if o, err := s.Order("O1"); err != nil || o.State != floor.StateQueued {
		t.Errorf("O1 after its stale plan: %v, %v; want it still queued", o.State, err)
	}
}

// A plan whose stock keeps moving is planned again by the planner
// planAttempts times, then as the most urgent order alone in bin order.
// The test's planner moves the units it planned with to the other bin
// while it plans, so each of its plans is stale at its commit while the
// order can still be served.
func TestNextTaskFallsBackToBinOrderWhenStockKeepsMoving(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	if _, err := s.AdjustStock(StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: -5}, StockAdjustment{Bin: "A-01-002-1", SKU: "S1", Delta: 2}); err != nil {
		t.Fatal(err)
	}
	submitOne(t, s, clock, "O1", "S1", 2)
	other := map[string]string{"A-01-001-1": "A-01-002-1", "A-01-002-1": "A-01-001-1"}
	plans := 0
	s.planner = planFunc(func(in floor.PlanInput) (floor.Task, error) {
		plans++
		r := in.Candidates[0].Reservations[0]
		if _, err := s.AdjustStock(StockAdjustment{Bin: r.Bin, SKU: r.SKU, Delta: -2}, StockAdjustment{Bin: other[r.Bin], SKU: r.SKU, Delta: 2}); err != nil {
			t.Error(err)
		}
		task, err := floor.BinOrderPlanner{}.PlanTask(in)
		task.Route.Reason = "the test's planner"
		return task, err
	})
	task, assigned, err := s.NextTask("ann")
	if err != nil || !assigned {
		t.Fatalf("NextTask: %+v, %v, %v", task, assigned, err)
	}
	if plans != planAttempts {
		t.Errorf("the planner planned %d times, want %d", plans, planAttempts)
	}
	if task.Route.Reason != "" || len(task.Orders) != 1 || task.Orders[0].OrderID != "O1" {
		t.Errorf("task %+v: want O1 planned in bin order, not by the planner", task)
	}
	if got := reserved(t, s, "S1"); got != 2 {
		t.Errorf("reserved %d units of S1, want 2", got)
	}
}

// The assignment command carries its clock reading and the paper choice:
// applying it uses those, not the store's clock or configuration, and
// applying it again gives the picker's task back instead of a second one.
func TestAssignmentAppliesWhatItCarries(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	submitOne(t, s, clock, "O1", "S1", 2)
	in, existing, ids, err := s.claim("ann")
	if err != nil || existing != nil || len(in.Candidates) != 1 {
		t.Fatalf("claim: %+v, %v, %v", in, existing, err)
	}
	defer s.unclaim(ids, nil)
	plan, err := floor.BinOrderPlanner{}.PlanTask(in)
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(3 * time.Hour) // not the store's clock
	cmd := &assignment{Picker: "ann", At: at, Paper: true, Task: plan}
	task, assigned, stale, err := s.commitAssignment(cmd)
	if err != nil || !assigned || stale {
		t.Fatalf("apply: %+v, assigned %v, stale %v, %v", task, assigned, stale, err)
	}
	if !task.CreatedAt.Equal(at) || !task.Paper || task.Picker != "ann" {
		t.Errorf("task created %v, paper %v, picker %q; want %v, true, ann", task.CreatedAt, task.Paper, task.Picker, at)
	}
	o, err := s.Order("O1")
	if err != nil || o.State != floor.StateAssigned || !o.AssignedAt.Equal(at) || o.TaskID != task.ID {
		t.Errorf("O1: %+v, %v", o, err)
	}
	jobs, err := s.PrintJobs(true)
	if err != nil || len(jobs) != 1 || jobs[0].TaskID != task.ID || !jobs[0].CreatedAt.Equal(at) {
		t.Errorf("print jobs %+v, %v; want the paper task's sheet, queued at %v", jobs, err, at)
	}
	again, assigned, stale, err := s.commitAssignment(cmd)
	if err != nil || assigned || stale || again.ID != task.ID {
		t.Errorf("applied again: %+v, assigned %v, stale %v, %v; want the same task back", again, assigned, stale, err)
	}
	if got := reserved(t, s, "S1"); got != 2 {
		t.Errorf("reserved %d units of S1, want 2", got)
	}
}

// checkPlan refuses a plan that does not keep to its candidates.
func TestCheckPlan(t *testing.T) {
	cands := []floor.PlanOrder{
		{Order: floor.Order{ID: "O1"}, Reservations: []floor.Reservation{{Bin: "B1", SKU: "S1", Quantity: 2}}},
		{Order: floor.Order{ID: "O2"}, Reservations: []floor.Reservation{{Bin: "B2", SKU: "S2", Quantity: 1}}},
	}
	stop := func(order, bin, sku string, q int64) floor.Stop {
		return floor.Stop{OrderID: order, Bin: bin, SKU: sku, Quantity: q}
	}
	orders := func(ids ...string) []floor.TaskOrder {
		var out []floor.TaskOrder
		for _, id := range ids {
			out = append(out, floor.TaskOrder{OrderID: id})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		task floor.Task
		want string // part of the error; "" for none
	}{
		{"first alone", floor.Task{Orders: orders("O1"), Stops: []floor.Stop{stop("O1", "B1", "S1", 2)}}, ""},
		{"batch", floor.Task{Orders: orders("O1", "O2"), Stops: []floor.Stop{stop("O2", "B2", "S2", 1), stop("O1", "B1", "S1", 2)}}, ""},
		{"split over two stops", floor.Task{Orders: orders("O1"), Stops: []floor.Stop{stop("O1", "B1", "S1", 1), stop("O1", "B1", "S1", 1)}}, ""},
		{"no orders", floor.Task{}, "without orders"},
		{"most urgent left out", floor.Task{Orders: orders("O2"), Stops: []floor.Stop{stop("O2", "B2", "S2", 1)}}, `order "O2" out of place`},
		{"most urgent not first", floor.Task{Orders: orders("O2", "O1"), Stops: []floor.Stop{stop("O1", "B1", "S1", 2), stop("O2", "B2", "S2", 1)}}, `order "O2" out of place`},
		{"not a candidate", floor.Task{Orders: orders("O1", "O9"), Stops: []floor.Stop{stop("O1", "B1", "S1", 2)}}, `order "O9" out of place`},
		{"twice", floor.Task{Orders: orders("O1", "O1"), Stops: []floor.Stop{stop("O1", "B1", "S1", 2)}}, `order "O1" out of place`},
		{"units short", floor.Task{Orders: orders("O1"), Stops: []floor.Stop{stop("O1", "B1", "S1", 1)}}, "off by 1 units"},
		{"units over", floor.Task{Orders: orders("O1"), Stops: []floor.Stop{stop("O1", "B1", "S1", 3)}}, "off by -1 units"},
		{"wrong bin", floor.Task{Orders: orders("O1"), Stops: []floor.Stop{stop("O1", "B2", "S1", 2)}}, "off by"},
		{"stop of an order not in the task", floor.Task{Orders: orders("O1"), Stops: []floor.Stop{stop("O1", "B1", "S1", 2), stop("O2", "B2", "S2", 1)}}, "off by -1 units"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkPlan(tc.task, cands)
			if got := fmt.Sprint(err); (tc.want == "") != (err == nil) || !strings.Contains(got, tc.want) {
				t.Errorf("checkPlan: got %v, want %q", err, tc.want)
			}
		})
	}
}

// A planner's bad plan is an internal error and nothing is stored.
func TestNextTaskRefusesABadPlan(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	submitOne(t, s, clock, "O1", "S1", 2)
	s.planner = planFunc(func(in floor.PlanInput) (floor.Task, error) {
		task, err := floor.BinOrderPlanner{}.PlanTask(in)
		task.Stops[0].Quantity++
		return task, err
	})
	task, assigned, err := s.NextTask("ann")
	wantKind(t, err, floor.KindInternal)
	if task != nil || assigned {
		t.Errorf("got %+v (assigned %v) from a bad plan", task, assigned)
	}
	if got := reserved(t, s, "S1"); got != 0 {
		t.Errorf("reserved %d units of S1 after a refused plan", got)
	}
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	if len(s.claimed) != 0 {
		t.Errorf("claims left after a refused plan: %v", s.claimed)
	}
}

// The decoded records NextTask keeps are used only while the file holds
// the bytes they came from: a renamed SKU shows its new name on the next
// task, and a cancelled order is read as cancelled.
func TestPlanCacheFollowsTheFile(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	submitOne(t, s, clock, "O1", "S1", 1)
	submitOne(t, s, clock, "O2", "S1", 1)
	s.candidates = 1 // one order a task, so that O2 is read only for bob
	ann, _, err := s.NextTask("ann")
	if err != nil || ann == nil || ann.Stops[0].Name != "name of S1" {
		t.Fatalf("ann: %+v, %v", ann, err)
	}
	s.cache.mu.Lock()
	_, kept := s.cache.orders["O1"]
	s.cache.mu.Unlock()
	if kept {
		t.Error("O1 is still kept decoded after its assignment")
	}
	renamed := sku("S1", "4006381333931")
	renamed.Name = "renamed S1"
	if err := s.PutSKUs([]floor.SKU{renamed}, false); err != nil {
		t.Fatal(err)
	}
	bob, _, err := s.NextTask("bob")
	if err != nil || bob == nil || bob.Stops[0].Name != "renamed S1" {
		t.Errorf("bob: %+v, %v; want the SKU's new name", bob, err)
	}

	submitOne(t, s, clock, "O3", "S1", 1)
	read := func() floor.Order {
		var o floor.Order
		if err := viewDB(s.db, func(tx *txn) error {
			var err error
			o, err = s.cache.order(tx, pendingImports(tx), "test", "O3")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return o
	}
	if o := read(); o.State != floor.StateQueued {
		t.Fatalf("O3 read as %v, want queued", o.State)
	}
	if _, err := s.CancelOrder("admin", "O3", "customer"); err != nil {
		t.Fatal(err)
	}
	if o := read(); o.State != floor.StateCancelled {
		t.Errorf("O3 read as %v after its cancel, want cancelled", o.State)
	}
}

// However many pickers ask at once, at most maxAssigning of them hold
// claimed orders: the others wait before claiming, so a planner never
// steps over hundreds of claimed orders at the head of the queue.
func TestNextTaskBoundsTheClaimsUnderWay(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	if _, err := s.AdjustStock(StockAdjustment{Bin: "A-01-002-1", SKU: "S1", Delta: 1000}); err != nil {
		t.Fatal(err)
	}
	const pickers = 100
	batch := make([]floor.Order, 4*pickers)
	for i := range batch {
		batch[i] = floor.Order{ID: fmt.Sprintf("O%03d", i), Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}
	}
	if _, err := s.SubmitOrders(batch, false); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second)
	most := 0
	s.planner = planFunc(func(in floor.PlanInput) (floor.Task, error) {
		s.claimMu.Lock()
		most = max(most, len(s.claimed)) // planners run one at a time here: GOMAXPROCS-1 or 1
		s.claimMu.Unlock()
		return floor.BinOrderPlanner{}.PlanTask(in)
	})
	var wg sync.WaitGroup
	for p := range pickers {
		wg.Go(func() {
			if task, _, err := s.NextTask(fmt.Sprintf("p%03d", p)); err != nil || task == nil {
				t.Errorf("picker %d: %+v, %v", p, task, err)
			}
		})
	}
	wg.Wait()
	if limit := maxAssigning * s.candidates; most > limit || most == 0 {
		t.Errorf("up to %d orders claimed at once, want between 1 and %d", most, limit)
	}
}
