package rpc

import (
	"context"
	"fmt"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/session"
)

type taskService struct {
	*Server
	pb.UnimplementedTaskServiceServer
}

// ReleaseTask ends a task before it is done: a picker's own, or anyone's
// for a supervisor.
func (s taskService) ReleaseTask(ctx context.Context, req *pb.ReleaseTaskRequest) (*pb.ReleaseTaskResponse, error) {
	const op = "release task"
	var vs floor.Violations
	floor.IDTask.Check(&vs, "task_id", req.GetTaskId())
	floor.CheckText(&vs, "reason", req.GetReason(), floor.MaxReasonLen)
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	by := caller(ctx)
	res, err := s.store.ReleaseTask(by, req.GetTaskId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	if res.OldOwner != by.Name {
		s.endScans(res.OldOwner, "TASK_RELEASED", fmt.Sprintf("task %s was released by %s: ask for the next task", res.Task.ID, by.Name))
	}
	out := res.Outcome
	resp := &pb.ReleaseTaskResponse{Task: taskToProto(res.Task), RequeuedOrderIds: out.Requeued, KeptOrderIds: out.Kept, Message: out.Message}
	for _, p := range out.PutBack {
		resp.PutBack = append(resp.PutBack, &pb.PutBack{Bin: p.Bin, Sku: p.SKU, Name: p.Name, Units: p.Units, OrderId: p.OrderID, ToteCode: p.ToteCode})
	}
	return resp, nil
}

// ReassignTask hands a task with its cart to another picker.
func (s taskService) ReassignTask(ctx context.Context, req *pb.ReassignTaskRequest) (*pb.ReassignTaskResponse, error) {
	const op = "reassign task"
	var vs floor.Violations
	floor.IDTask.Check(&vs, "task_id", req.GetTaskId())
	floor.IDUser.Check(&vs, "picker", req.GetPicker())
	floor.CheckText(&vs, "reason", req.GetReason(), floor.MaxReasonLen)
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	by := caller(ctx)
	t, from, err := s.store.ReassignTask(by, req.GetTaskId(), req.GetPicker(), req.GetReason())
	if err != nil {
		return nil, err
	}
	s.endScans(from, "TASK_REASSIGNED", "task "+t.ID+" was reassigned to "+t.Picker+" by "+by.Name)
	return &pb.ReassignTaskResponse{Task: taskToProto(t), Next: instructionToProto(t.Instruction())}, nil
}

// endScans ends the open Scan streams of a picker whose task was taken
// back: their handheld learns it at once, with a reason to switch on,
// instead of at its next scan. A reconnected handheld's scans are told
// the same by their answers (NOTHING_OPEN with the reason).
func (s taskService) endScans(picker, reason, msg string) {
	s.Streams.End(session.KindScan, picker, &floor.Error{Op: "scan", Kind: floor.KindConflict, Reason: reason, Msg: msg})
}
