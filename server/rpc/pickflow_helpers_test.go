package rpc

import (
	"fmt"
	"strings"
	"testing"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// toteFor is the tote the tests put the i-th order of a task in: made from
// the task id, so no two open tasks share one.
func toteFor(task *pb.Task, i int) string {
	return fmt.Sprintf("TOTE-%s%d", strings.TrimPrefix(task.GetId(), "T"), i)
}

// totes scans a tote for every order of the task before its first pick.
func (d *device) totes(task *pb.Task) {
	d.t.Helper()
	for i := range task.GetOrders() {
		d.expect(d.code(toteFor(task, i)), pb.Verdict_VERDICT_RIGHT, "TOTE_SET")
	}
}

// dropOff scans the pack station's drop-off code at the end of a task.
func (d *device) dropOff() {
	d.t.Helper()
	d.expect(d.code("DROP-PS1"), pb.Verdict_VERDICT_RIGHT, "DROPPED_OFF")
}

// waybill is the tracking number on an order's label, which handoff takes.
func (e *env) waybill(t *testing.T, id string) string {
	t.Helper()
	o, err := e.store.Order(id)
	if err != nil || o.Tracking == "" {
		t.Fatalf("waybill of %s: %q, %v", id, o.Tracking, err)
	}
	return o.Tracking
}
