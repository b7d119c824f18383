package rpc

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// TestAbuseToteAndDropOffScans sends the pick flow's codes where they do
// not belong: malformed totes, a tote twice, a tote another cart holds, a
// bin before the totes, a drop-off before the picking is done, and a
// typed order id at handoff. Each gets its verdict and changes nothing.
func TestAbuseToteAndDropOffScans(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	e.submit(t, "O2", &pb.OrderLine{Sku: "S2", Quantity: 1})
	first := e.nextTask(t, e.as(floor.RolePicker)).GetTask()
	ann := picker(t, e.as(floor.RolePicker), e.conn, "ann")
	ann.totes(first)
	bobCtx := e.pickerAs(t, "bob")
	e.nextTask(t, bobCtx)
	bob := picker(t, bobCtx, e.conn, "bob")

	tests := []struct {
		name    string
		dev     *device
		code    string
		verdict pb.Verdict
		reason  string
		says    string
	}{
		{"a bin before the totes", bob, "A-03-009-1", pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "SCAN_TOTE_FIRST", "order O2"},
		{"an item before the totes", bob, eanS2, pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "SCAN_TOTE_FIRST", "cart position 1"},
		{"a drop-off before the totes", bob, "DROP-PS1", pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "SCAN_TOTE_FIRST", "tote"},
		{"tote without digits", bob, "TOTE-", pb.Verdict_VERDICT_WRONG_TOTE, "BAD_TOTE_CODE", "1 to 10 digits"},
		{"tote with letters", bob, "TOTE-12A", pb.Verdict_VERDICT_WRONG_TOTE, "BAD_TOTE_CODE", "no tote code"},
		{"tote too long", bob, "TOTE-" + strings.Repeat("9", 11), pb.Verdict_VERDICT_WRONG_TOTE, "BAD_TOTE_CODE", "no tote code"},
		{"tote with control characters", bob, "TOTE-1\x7f", pb.Verdict_VERDICT_WRONG_TOTE, "BAD_TOTE_CODE", "no tote code"},
		{"another cart's tote", bob, toteFor(first, 0), pb.Verdict_VERDICT_WRONG_TOTE, "TOTE_IN_USE", "order O1 (assigned) of task " + first.GetId() + ", picker picker-1"},
		{"a tote once the totes are set", ann, "TOTE-77", pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "TOTES_SET", "O1 in " + toteFor(first, 0)},
		{"a drop-off while stops are left", ann, "DROP-PS1", pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "NOT_PICKED", "1 of 1 stops still to pick"},
		{"a drop-off code that is none", ann, "DROP-PS 1", pb.Verdict_VERDICT_UNKNOWN_BARCODE, "UNKNOWN_BARCODE", "no bin and no item"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.dev.t = t
			a := tc.dev.code(tc.code)
			if a.GetVerdict() != tc.verdict || a.GetReason() != tc.reason || !strings.Contains(a.GetMessage(), tc.says) {
				t.Errorf("%q: %v %s %q; want %v %s saying %q", tc.code, a.GetVerdict(), a.GetReason(), a.GetMessage(), tc.verdict, tc.reason, tc.says)
			}
		})
	}
	// Nothing refused was taken: bob's order still wants a tote, and a
	// tote of his own is taken.
	bob.t = t
	bob.expect(bob.code("TOTE-42"), pb.Verdict_VERDICT_RIGHT, "TOTE_SET")

	// The same tote twice on one cart.
	pair := newEnvWith(t, store.Options{Planner: pairPlanner{}}, nil)
	pair.load(t)
	pair.submit(t, "P1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	pair.submit(t, "P2", &pb.OrderLine{Sku: "S2", Quantity: 1})
	pair.nextTask(t, pair.as(floor.RolePicker))
	cy := picker(t, pair.as(floor.RolePicker), pair.conn, "cy")
	cy.expect(cy.code("TOTE-5"), pb.Verdict_VERDICT_RIGHT, "TOTE_SET")
	cy.expect(cy.code("TOTE-5"), pb.Verdict_VERDICT_WRONG_TOTE, "TOTE_IN_TASK")
	if next := cy.code("A-01-001-1").GetNext(); next.GetExpect() != pb.Expect_EXPECT_TOTE || next.GetOrderId() != "P2" {
		t.Errorf("after a refused tote: next %v, want a tote for P2 still", next)
	}

	// Handoff takes the waybill, not the order id typed or read off a
	// pick list, nor a tote.
	ann.expect(ann.code("A-01-001-1"), pb.Verdict_VERDICT_RIGHT, "AT_BIN")
	ann.expect(ann.code(eanS1), pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE")
	k := packer(t, e.as(floor.RolePacker), e.conn, "pk")
	k.expect(k.code("O1"), pb.Verdict_VERDICT_RIGHT, "ORDER_OPEN") // one item: packed on its scan
	k.expect(k.code(eanS1), pb.Verdict_VERDICT_TASK_DONE, "PACKED")
	h := handoff(t, e.as(floor.RolePacker), e.conn, "ho")
	for _, code := range []string{"O1", " O1", toteFor(first, 0), first.GetId()} {
		if a := h.code(code); a.GetVerdict() != pb.Verdict_VERDICT_UNKNOWN_BARCODE {
			t.Errorf("handoff of %q: %v %s, want it refused", code, a.GetVerdict(), a.GetReason())
		}
	}
	if got := e.state(t, "O1"); got != pb.OrderState_ORDER_STATE_PACKED {
		t.Fatalf("O1 after refused handoffs: %v, want packed", got)
	}
	h.expect(h.code(e.waybill(t, "O1")), pb.Verdict_VERDICT_TASK_DONE, "HANDED_OFF")
}

// TestAbuseTakingTasksBack calls ReleaseTask and ReassignTask as users
// who may not, on tasks that cannot be, and with bad requests: each is
// refused with its code and reason, and the task stays as it was.
func TestAbuseTakingTasksBack(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	e.submit(t, "O2", &pb.OrderLine{Sku: "S2", Quantity: 1})
	annTask := e.nextTask(t, e.as(floor.RolePicker)).GetTask().GetId()
	bob := e.pickerAs(t, "bob")
	bobTask := e.nextTask(t, bob).GetTask().GetId()
	e.pickerAs(t, "cy") // a picker with no task
	tasks := pb.NewTaskServiceClient(e.conn)
	release := func(ctx context.Context, id, why string) error {
		_, err := tasks.ReleaseTask(ctx, &pb.ReleaseTaskRequest{TaskId: id, Reason: why})
		return err
	}
	reassign := func(ctx context.Context, id, to string) error {
		_, err := tasks.ReassignTask(ctx, &pb.ReassignTaskRequest{TaskId: id, Picker: to})
		return err
	}
	tests := []struct {
		name   string
		call   func() error
		code   codes.Code
		reason string
	}{
		{"a picker releases another picker's task", func() error { return release(bob, annTask, "") }, codes.PermissionDenied, "NOT_YOUR_TASK"},
		{"a picker reassigns", func() error { return reassign(bob, bobTask, "cy") }, codes.PermissionDenied, ""},
		{"a packer releases", func() error { return release(e.as(floor.RolePacker), annTask, "") }, codes.PermissionDenied, ""},
		{"no such task", func() error { return release(e.as(floor.RoleSupervisor), "T999999", "") }, codes.NotFound, "UNKNOWN_TASK"},
		{"a task id that is none", func() error { return release(e.as(floor.RoleSupervisor), "../T1", "") }, codes.InvalidArgument, ""},
		{"a reason too long", func() error { return release(e.as(floor.RoleSupervisor), annTask, strings.Repeat("x", 201)) }, codes.InvalidArgument, ""},
		{"to a picker with a task", func() error { return reassign(e.as(floor.RoleSupervisor), annTask, "bob") }, codes.FailedPrecondition, "PICKER_BUSY"},
		{"to the same picker", func() error { return reassign(e.as(floor.RoleSupervisor), annTask, "picker-1") }, codes.FailedPrecondition, "SAME_PICKER"},
		{"to a packer", func() error { return reassign(e.as(floor.RoleSupervisor), annTask, "packer-1") }, codes.NotFound, "UNKNOWN_PICKER"},
		{"to nobody known", func() error { return reassign(e.as(floor.RoleSupervisor), annTask, "zed") }, codes.NotFound, "UNKNOWN_PICKER"},
		{"to a name that is none", func() error { return reassign(e.as(floor.RoleSupervisor), annTask, "Ann Smith") }, codes.InvalidArgument, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if status.Code(err) != tc.code || (tc.reason != "" && reason(err) != tc.reason) {
				t.Errorf("got %v (%s), want %v %s", err, reason(err), tc.code, tc.reason)
			}
		})
	}
	got, err := e.store.Task(annTask)
	if err != nil || got.Picker != "picker-1" || got.Done || got.State() != floor.TaskTotes {
		t.Fatalf("ann's task after the refusals: %+v, %v", got, err)
	}
	// Released once; a second release or a reassign finds it ended.
	if err := release(e.as(floor.RolePicker), annTask, "end of shift"); err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error { return release(e.as(floor.RoleSupervisor), annTask, "") },
		func() error { return reassign(e.as(floor.RoleSupervisor), annTask, "cy") },
	} {
		if err := call(); status.Code(err) != codes.FailedPrecondition || reason(err) != "TASK_ENDED" {
			t.Errorf("after the release: %v (%s), want FAILED_PRECONDITION TASK_ENDED", err, reason(err))
		}
	}
}
