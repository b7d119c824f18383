package rpc

import (
	"context"

	"google.golang.org/grpc/metadata"

	"strings"
	"sync/atomic"
	"testing"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/route"
	"github.com/pickpack/pickpack/server/store"
)

// Over gRPC: a paper picker's NextTask queues its sheet at once (one job,
// the task's, and the dispatcher is woken); a handheld picker's queues
// nothing; the pack station answers a task code with the task's orders
// (the "[UNKNOWN BARCODE] T000001"), or says who is still picking.
func TestPaperPickerNextTaskPrintsAndPackTakesTaskCode(t *testing.T) {
	var woken atomic.Int32
	e := newEnvWith(t, store.Options{Planner: route.NewPlanner(route.PlannerConfig{}),
		Paper: func(p string) bool { return p == "picker-1" }}, func() { woken.Add(1) })
	e.load(t)
	hand, err := e.store.CreateToken("picker-2", floor.RolePicker)
	if err != nil {
		t.Fatal(err)
	}
	pick := pb.NewPickServiceClient(e.conn)
	packSvc := pb.NewPackServiceClient(e.conn)
	jobs := func() []*pb.PrintJob {
		t.Helper()
		r, err := packSvc.ListPrintJobs(e.as(floor.RoleAdmin), &pb.ListPrintJobsRequest{IncludeSent: true})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetJobs()
	}

	e.submit(t, "PA-1", &pb.OrderLine{Sku: "S1", Quantity: 1}, &pb.OrderLine{Sku: "S2", Quantity: 1})
	e.submit(t, "PA-2", &pb.OrderLine{Sku: "S2", Quantity: 2})
	paper, err := pick.NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil || !paper.GetAssigned() || !paper.GetTask().GetPaper() || len(paper.GetTask().GetOrders()) != 2 {
		t.Fatalf("paper picker's next task: %v, %v; want a new paper task of both orders", paper, err)
	}
	taskID := paper.GetTask().GetId()
	if j := jobs(); len(j) != 1 || j[0].GetTaskId() != taskID || j[0].GetOrderId() != "" || j[0].GetStation() != "picker-1" {
		t.Fatalf("print jobs after the paper picker's NextTask: %v; want one sheet of %s at picker-1", j, taskID)
	}
	if woken.Load() != 1 {
		t.Errorf("the printer was woken %d times, want once", woken.Load())
	}

	e.submit(t, "HH-1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	ctx2 := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+hand)
	handheld, err := pick.NextTask(ctx2, &pb.NextTaskRequest{})
	if err != nil || !handheld.GetAssigned() || handheld.GetTask().GetPaper() {
		t.Fatalf("handheld picker's next task: %v, %v", handheld, err)
	}
	if j := jobs(); len(j) != 1 || woken.Load() != 1 {
		t.Fatalf("a handheld picker's NextTask queued a print job: %v", j)
	}

	pk := packer(t, e.as(floor.RolePacker), e.conn, "pk")
	a := pk.code(handheld.GetTask().GetId())
	pk.expect(a, pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "ORDER_NOT_READY")
	if !strings.Contains(a.GetMessage(), "picker-2 is still picking") {
		t.Errorf("handheld task code while picking: %q", a.GetMessage())
	}
	a = pk.code(taskID)
	pk.expect(a, pb.Verdict_VERDICT_RIGHT, "ORDER_OPEN")
	for _, want := range []string{"task " + taskID, "PA-1", "PA-2"} {
		if !strings.Contains(a.GetMessage(), want) {
			t.Errorf("task code answer %q lacks %q", a.GetMessage(), want)
		}
	}
	if a.GetNext().GetTaskId() != taskID || a.GetNext().GetExpect() != pb.Expect_EXPECT_ITEM {
		t.Errorf("next after the task code: %v", a.GetNext())
	}
	if got, err := pick.GetTask(e.as(floor.RoleAdmin), &pb.GetTaskRequest{Id: taskID}); err != nil || got.GetNext().GetExpect() != pb.Expect_EXPECT_NOTHING {
		t.Errorf("the paper task after its sheet came back: %v, %v; want nothing left to pick", got, err)
	}
}
