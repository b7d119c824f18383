package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
)

// toteCode is the tote the tests put the i-th order of a task in: made
// from the task id, so no two open tasks share one.
func toteCode(task *floor.Task, i int) string {
	return fmt.Sprintf("TOTE-%s%d", strings.TrimPrefix(task.ID, "T"), i)
}

// scanTotes scans a tote for every order of picker's open task.
func scanTotes(t testing.TB, s *Store, picker string, task *floor.Task) {
	t.Helper()
	for i, o := range task.Orders {
		a, err := s.PickScan(picker, floor.Scan{ID: "tote-" + task.ID + "-" + o.OrderID, Code: toteCode(task, i)})
		if err != nil || a.Reason != "TOTE_SET" {
			t.Fatalf("tote for %s: %+v, %v", o.OrderID, a, err)
		}
	}
}

// dropOff scans the pack station's drop-off code for picker's task.
func dropOff(t testing.TB, s *Store, picker, taskID string) {
	t.Helper()
	a, err := s.PickScan(picker, floor.Scan{ID: "drop-" + taskID, Code: "DROP-PS1"})
	if err != nil || a.Reason != "DROPPED_OFF" {
		t.Fatalf("drop-off of %s: %+v, %v", taskID, a, err)
	}
}

// giveWaybill stands in for a carrier's tracking number on an order
// submitted without shipping set up, so that it can be handed off.
func giveWaybill(t testing.TB, s *Store, id, tracking string) {
	t.Helper()
	err := updateDB(s.db, func(tx *txn) error {
		o, err := orderByID(tx, "test", id)
		if err != nil {
			return err
		}
		o.Tracking = tracking
		if err := putOrder(tx, o); err != nil {
			return err
		}
		return tx.Bucket(bucketWaybills).Put([]byte(tracking), []byte(id))
	})
	if err != nil {
		t.Fatal(err)
	}
}
