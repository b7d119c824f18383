package rpc

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// The supervisors' actions through gRPC: raise an order's priority, take
// a picker off shift and back, cancel an order; and who may reprint where.
func TestSupervisorActionsThroughGRPC(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	e.submit(t, "O2", &pb.OrderLine{Sku: "S1", Quantity: 1})
	sup := e.as(floor.RoleSupervisor)
	fl := pb.NewFloorServiceClient(e.conn)

	raised, err := fl.RaisePriority(sup, &pb.RaisePriorityRequest{OrderId: "O2", Reason: "VIP"})
	if err != nil || raised.GetOrder().GetPriorityRaisedAt() == nil {
		t.Fatalf("raise O2: %v %v", raised, err)
	}
	_, err = fl.RaisePriority(sup, &pb.RaisePriorityRequest{OrderId: "O2", Reason: "VIP"})
	if status.Code(err) != codes.FailedPrecondition || reason(err) != "ALREADY_RAISED" {
		t.Errorf("raise O2 twice: %v", err)
	}
	task, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil || task.GetTask().GetOrders()[0].GetOrderId() != "O2" {
		t.Fatalf("the picker's next task: %v %v, want O2 first", task, err)
	}

	_, err = fl.TakeOffShift(sup, &pb.TakeOffShiftRequest{Picker: "picker-1", Reason: "home"})
	if status.Code(err) != codes.FailedPrecondition || reason(err) != "PICKER_BUSY" {
		t.Errorf("off shift with a task: %v", err)
	}
	if _, err := pb.NewTaskServiceClient(e.conn).ReleaseTask(sup, &pb.ReleaseTaskRequest{TaskId: task.GetTask().GetId(), Reason: "home"}); err != nil {
		t.Fatal(err)
	}
	off, err := fl.TakeOffShift(sup, &pb.TakeOffShiftRequest{Picker: "picker-1", Reason: "home"})
	if err != nil || off.GetOffShift().GetBy() != "supervisor-1" || off.GetOffShift().GetReason() != "home" {
		t.Fatalf("off shift: %v %v", off, err)
	}
	if _, err := fl.PutOnShift(sup, &pb.PutOnShiftRequest{Picker: "picker-1", Reason: "back"}); err != nil {
		t.Fatal(err)
	}
	_, err = fl.PutOnShift(sup, &pb.PutOnShiftRequest{Picker: "picker-1", Reason: "back"})
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("on shift twice: %v", err)
	}

	// Supervisors may cancel, as admins may.
	if _, err := pb.NewOrderServiceClient(e.conn).CancelOrder(sup, &pb.CancelOrderRequest{Id: "O1", Reason: "customer called"}); err != nil {
		t.Errorf("a supervisor cancels: %v", err)
	}
	// A packer reprints at their own station only; a supervisor anywhere.
	pack := pb.NewPackServiceClient(e.conn)
	_, err = pack.Reprint(e.as(floor.RolePacker), &pb.ReprintRequest{OrderId: "O2", Station: "packer-9"})
	if status.Code(err) != codes.PermissionDenied || reason(err) != "NOT_YOUR_STATION" {
		t.Errorf("a packer reprints elsewhere: %v", err)
	}
	_, err = pack.Reprint(sup, &pb.ReprintRequest{OrderId: "O2", Station: "../x", Reason: "smudged"})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("a station that is no name: %v", err)
	}
	_, err = pack.Reprint(sup, &pb.ReprintRequest{OrderId: "O2", Reason: "smudged"})
	if status.Code(err) != codes.FailedPrecondition || reason(err) != "NOT_PACKED" {
		t.Errorf("a supervisor reprints an order not packed: %v", err)
	}

	kinds := map[string]int{}
	hist, err := pb.NewInventoryServiceClient(e.conn).History(sup, &pb.HistoryRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range hist.GetMovements() {
		if m.GetUser() == "supervisor-1" {
			kinds[m.GetKind()]++
		}
	}
	for _, k := range []string{"priority", "off-shift", "on-shift", "cancel", "release"} {
		if kinds[k] == 0 {
			t.Errorf("no %q by supervisor-1 in the history: %v", k, kinds)
		}
	}
}
