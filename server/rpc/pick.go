package rpc

import (
	"context"
	"fmt"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

type pickService struct {
	*Server
	pb.UnimplementedPickServiceServer
}

func (s pickService) NextTask(ctx context.Context, _ *pb.NextTaskRequest) (*pb.NextTaskResponse, error) {
	t, assigned, err := s.store.NextTask(caller(ctx).Name)
	if err != nil || t == nil {
		return &pb.NextTaskResponse{}, err
	}
	if assigned && t.Paper {
		s.printed() // its sheet was queued with the assignment
	}
	return &pb.NextTaskResponse{Task: taskToProto(*t), Assigned: assigned, Next: instructionToProto(t.Instruction())}, nil
}

func (s pickService) GetTask(ctx context.Context, req *pb.GetTaskRequest) (*pb.GetTaskResponse, error) {
	const op = "get task"
	var vs floor.Violations
	floor.IDTask.Check(&vs, "id", req.GetId())
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	t, err := s.store.Task(req.GetId())
	if err != nil {
		return nil, err
	}
	if u := caller(ctx); u.Role == floor.RolePicker && t.Picker != u.Name {
		return nil, &floor.Error{Op: op, Kind: floor.KindPermission, Reason: "NOT_YOUR_TASK",
			Msg: fmt.Sprintf("task %s belongs to another picker", t.ID)}
	}
	return &pb.GetTaskResponse{Task: taskToProto(t), Next: instructionToProto(t.Instruction())}, nil
}
