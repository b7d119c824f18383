package store

import (
	"testing"

	"github.com/pickpack/pickpack/server/floor"
)

// A done task's plan leaves the cache, and reading the task afterwards (as
// packing, reports and audits do) does not bring it back.
func TestDoneTaskPlansLeaveTheCache(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	if _, err := s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	task, _, err := s.NextTask("ann")
	if err != nil || task == nil {
		t.Fatalf("next task: %+v %v", task, err)
	}
	cached := func() bool {
		plans.Lock()
		defer plans.Unlock()
		_, ok := plans.byTask[planKey{s.db, task.ID}]
		return ok
	}
	if _, err := s.Task(task.ID); err != nil || !cached() {
		t.Fatalf("open task read: cached %v, %v", cached(), err)
	}
	scanTotes(t, s, "ann", task)
	s.PickScan("ann", floor.Scan{ID: "p1", Code: task.Stops[0].Bin})
	if a, err := s.PickScan("ann", floor.Scan{ID: "p2", Code: "4006381333931"}); err != nil || a.Reason != "TASK_DONE" {
		t.Fatalf("pick: %+v %v", a, err)
	}
	dropOff(t, s, "ann", task.ID)
	done, err := s.Task(task.ID)
	if err != nil || !done.Done || len(done.Stops) != 1 || done.Stops[0].Picked != 1 {
		t.Fatalf("done task: %+v %v", done, err)
	}
	if cached() {
		t.Error("the done task's plan is cached")
	}
}

// Two files in one process number their plans alike (each in its own
// sequence): a task read from one never gets the other's cached plan.
func TestPlanCacheKeepsFilesApart(t *testing.T) {
	open := func(sku string) (*Store, *floor.Task) {
		s, _ := openTestStore(t, "")
		seed(t, s)
		if _, err := s.SubmitOrders([]floor.Order{{ID: "O-" + sku, Lines: []floor.OrderLine{{SKU: sku, Quantity: 1}}}}, false); err != nil {
			t.Fatal(err)
		}
		task, _, err := s.NextTask("ann")
		if err != nil || task == nil {
			t.Fatalf("next task: %+v, %v", task, err)
		}
		return s, task
	}
	a, ta := open("S1")
	b, tb := open("S2")
	if ta.ID != tb.ID {
		t.Fatalf("task ids %s and %s: the test wants the same id in both files", ta.ID, tb.ID)
	}
	for _, f := range []struct {
		s    *Store
		want string
	}{{a, "O-S1"}, {b, "O-S2"}, {a, "O-S1"}} {
		got, err := f.s.Task(ta.ID)
		if err != nil || len(got.Orders) != 1 || got.Orders[0].OrderID != f.want {
			t.Errorf("task %s: %+v, %v; want the order %s", ta.ID, got.Orders, err, f.want)
		}
	}
}
