package rpc

import (
	"strings"
	"testing"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// The pick list's QR code is its task id. The pack station answered
// "[UNKNOWN BARCODE] T000001" to it; now a task code names the task's
// orders, a task still being picked says by whom, and only a code that is
// no task, order or item is unknown.
func TestAbusePackTaskCodes(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "HH-1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	next, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil || !next.GetAssigned() {
		t.Fatalf("next task: %v, %v", next, err)
	}
	taskID := next.GetTask().GetId()
	pk := packer(t, e.as(floor.RolePacker), e.conn, "pk")
	pick := picker(t, e.as(floor.RolePicker), e.conn, "ann")

	tests := []struct {
		name     string
		before   func() // what happens on the floor first
		code     string
		verdict  pb.Verdict
		reason   string
		contains string
	}{
		{"no such task", nil, "T999999", pb.Verdict_VERDICT_UNKNOWN_BARCODE, "UNKNOWN_BARCODE", "no order and no item"},
		{"task still being picked", nil, taskID, pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "ORDER_NOT_READY", "picker-1 is still picking"},
		{"picked task", func() {
			pick.totes(next.GetTask())
			pick.code("A-01-001-1")
			pick.code("4006381333931")
		}, taskID, pb.Verdict_VERDICT_RIGHT, "ORDER_OPEN", "task " + taskID + ", 1 order: HH-1 tote 1; order HH-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before != nil {
				tc.before()
			}
			a := pk.code(tc.code)
			if a.GetVerdict() != tc.verdict || a.GetReason() != tc.reason || !strings.Contains(a.GetMessage(), tc.contains) {
				t.Errorf("%s: got %v %s %q, want %v %s containing %q", tc.code, a.GetVerdict(), a.GetReason(), a.GetMessage(),
					tc.verdict, tc.reason, tc.contains)
			}
		})
	}
}
