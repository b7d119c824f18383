package rpc

import (
	"context"
	"sync/atomic"

	"google.golang.org/grpc"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/feed"
	"github.com/pickpack/pickpack/server/floor"
)

// Watcher is the live floor view the FloorService streams (a *feed.Hub).
type Watcher interface {
	Watch(ctx context.Context) *feed.Watch
}

// watchBatch is how many events a watcher takes from the feed at a time:
// a stalled watcher holds one batch (shared events) while it waits to send.
const watchBatch = 32

type floorService struct {
	*Server
	pb.UnimplementedFloorServiceServer
}

var risks = map[floor.Risk]pb.Risk{
	floor.RiskOnTime: pb.Risk_RISK_ON_TIME,
	floor.RiskAtRisk: pb.Risk_RISK_AT_RISK,
	floor.RiskLate:   pb.Risk_RISK_LATE,
}

var alertKinds = map[floor.AlertKind]pb.AlertKind{
	floor.AlertPredictedLate: pb.AlertKind_ALERT_KIND_PREDICTED_LATE,
	floor.AlertNoPickerFree:  pb.AlertKind_ALERT_KIND_NO_PICKER_FREE,
	floor.AlertPickerIdle:    pb.AlertKind_ALERT_KIND_PICKER_IDLE,
	floor.AlertPickerStuck:   pb.AlertKind_ALERT_KIND_PICKER_STUCK,
	floor.AlertShortPick:     pb.AlertKind_ALERT_KIND_SHORT_PICK,
	floor.AlertQueueLate:     pb.AlertKind_ALERT_KIND_QUEUE_LATE,
}

func eventToProto(e feed.Event) *pb.WatchFloorResponse {
	switch {
	case e.Order != nil:
		c := e.Order
		oc := &pb.OrderClock{OrderId: c.OrderID,
			State: orderStates[c.State], Picker: c.Picker, TaskId: c.TaskID, ReleasedAt: ts(c.ReleasedAt), DueAt: ts(c.DueAt),
			PredictedHandoffAt: ts(c.PredictedHandoffAt), Risk: risks[c.Risk],
			HandedOffAt: ts(c.HandedOffAt), Reason: c.Reason, PredictedAtAssignment: ts(c.PredictedAtAssignment)}
		if !c.PredictedHandoffAt.IsZero() { // no prediction (no picker on shift): no slack either
			oc.Slack = durationpb.New(c.Slack())
		}
		return &pb.WatchFloorResponse{Event: &pb.WatchFloorResponse_Order{Order: oc}}
	case e.Picker != nil:
		p := e.Picker
		return &pb.WatchFloorResponse{Event: &pb.WatchFloorResponse_Picker{Picker: &pb.PickerStatus{Picker: p.Picker,
			TaskId: p.TaskID, LastBin: p.LastBin, LastScanAt: ts(p.LastScanAt), PicksLastHour: int32(p.PicksLastHour),
			Idle: durationpb.New(p.Idle), AtStop: durationpb.New(p.AtStop), OnShift: p.OnShift}}}
	case e.Summary != nil:
		return &pb.WatchFloorResponse{Event: &pb.WatchFloorResponse_Summary{Summary: summaryToProto(*e.Summary)}}
	default:
		a := e.Alert
		return &pb.WatchFloorResponse{Event: &pb.WatchFloorResponse_Alert{Alert: &pb.Alert{Kind: alertKinds[a.Kind],
			OrderId: a.OrderID, Picker: a.Picker, Bin: a.Bin, Message: a.Message, At: ts(a.At),
			PickersNeeded: int32(a.PickersNeeded), Count: int32(a.Count)}}}
	}
}

// summaryToProto is the shift's figures on the wire; the percentages are
// absent when nothing they count exists yet (no figure, not 0 %).
func summaryToProto(s floor.FloorSummary) *pb.FloorSummary {
	out := &pb.FloorSummary{At: ts(s.At), ShiftStart: ts(s.ShiftStart), ShiftEnd: ts(s.ShiftEnd), ShiftLabel: s.ShiftLabel,
		HandedOnTime: int32(s.HandedOnTime), HandedLate: int32(s.HandedLate), OpenPastDue: int32(s.OpenPastDue),
		PredictedOnTime: int32(s.PredictedOnTime), PredictedLate: int32(s.PredictedLate),
		OpenOnTime: int32(s.OpenOnTime), OpenAtRisk: int32(s.OpenAtRisk), OpenLate: int32(s.OpenLate),
		Queued: int32(s.Queued), QueuedByChannel: map[string]int32{}, PickersOnShift: int32(s.PickersOnShift),
		PickersNeeded: int32(s.PickersNeeded), ShiftPicks: int32(s.ShiftPicks), ShiftPicksPerHour: s.PerHour(s.ShiftPicks),
		LastHourPicks: int32(s.LastHourPicks)}
	if p, ok := s.OnTimePercent(); ok {
		out.OnTimePercent = &p
	}
	if p, ok := s.OutlookPercent(); ok {
		out.OutlookPercent = &p
	}
	for ch, n := range s.QueuedByChannel {
		out.QueuedByChannel[ch] = int32(n)
	}
	for _, p := range s.Pickers {
		out.Pickers = append(out.Pickers, &pb.PickerFigures{Picker: p.Picker, ShiftPicks: int32(p.ShiftPicks),
			ShiftPicksPerHour: s.PerHour(p.ShiftPicks), LastHourPicks: int32(p.LastHourPicks),
			HandedOnTime: int32(p.HandedOnTime), HandedLate: int32(p.HandedLate)})
	}
	return out
}

// WatchFloor streams the floor to a supervisor. A watcher that reads
// slowly gets the latest state of what changed, not every state in
// between, and holds at most inFlight messages in the server however
// long it stalls. The stream ends with the watch's cause: the token was
// revoked (Unauthenticated), a newer stream of the user took its place or
// it fell behind (ResourceExhausted), the server is stopping
// (Unavailable).
func (s floorService) WatchFloor(_ *pb.WatchFloorRequest, stream pb.FloorService_WatchFloorServer) error {
	if s.floor == nil {
		return status.Error(codes.Unavailable, "the floor feed is not running")
	}
	w := s.floor.Watch(stream.Context())
	defer w.Stop()
	f := newFlight(w.Context(), s.watchStalled)
	pictured := false
	for {
		events, done := w.Next(watchBatch)
		for _, e := range events {
			if err := f.send(stream, e.Memo(encodedKey{}, func() any { return marshal(eventToProto(e)) }).(mem.Buffer)); err != nil {
				return err
			}
		}
		if done && !pictured {
			pictured = true
			snap := marshal(&pb.WatchFloorResponse{Event: &pb.WatchFloorResponse_SnapshotDone{SnapshotDone: &pb.SnapshotDone{At: timestamppb.Now()}}})
			if err := f.send(stream, snap); err != nil {
				return err
			}
		}
		if len(events) == watchBatch || !done {
			continue
		}
		select {
		case <-w.Context().Done():
			return context.Cause(w.Context())
		case <-w.Ready():
		}
	}
}

// inFlight is how many messages of one watcher may wait in gRPC's send
// queue. Without a limit grpc-go takes messages until 64 KiB of them wait
// for a stalled reader, some 500 floor events with a frame each per
// stream; with it, the watcher leaves the next events in the feed until
// a message has gone out, and a reader that resumes gets their latest
// state. A few in flight keep a reading watcher's picture streaming.
const inFlight = 8

// flight limits one stream's messages in gRPC's send queue to inFlight.
type flight struct {
	ctx context.Context // the watch's: waiting ends with it
	// free holds the sends not in gRPC's queue; when it is empty, inFlight
	// messages wait for the reader. They are reused, so sending makes no
	// garbage.
	free chan *sending
	// stalled, if set, is called when a send must wait for the reader.
	stalled func()
}

func newFlight(ctx context.Context, stalled func()) *flight {
	f := &flight{ctx: ctx, free: make(chan *sending, inFlight), stalled: stalled}
	for range inFlight {
		b := &sending{free: f.free}
		b.self[0] = b
		b.msg.data = b.self[:]
		f.free <- b
	}
	return f
}

// send sends a marshalled WatchFloorResponse once fewer than inFlight
// messages of the stream wait in gRPC's queue. The bytes are sent as they
// are (shared by every watcher) behind a buffer of this send whose last
// release, when gRPC has written them to the connection or dropped them,
// frees the send for the next message.
func (f *flight) send(stream grpc.ServerStream, data mem.Buffer) error {
	var b *sending
	select {
	case b = <-f.free:
	default:
		if f.stalled != nil {
			f.stalled()
		}
		select {
		case b = <-f.free:
		case <-f.ctx.Done():
			return context.Cause(f.ctx)
		}
	}
	b.Buffer = data
	b.refs.Store(1) // the codec hands this reference to gRPC
	return stream.SendMsg(&b.msg)
}

// sending is one message in gRPC's queue. gRPC counts its references to
// the buffers it sends (mem.Buffer) and frees them when done with them;
// the last Free makes the send free again.
type sending struct {
	mem.Buffer // the message's bytes, shared by every watcher
	refs       atomic.Int32
	free       chan<- *sending
	self       [1]mem.Buffer // the send itself, as the message's only buffer
	msg        encoded
}

// Ref adds a reference.
func (b *sending) Ref() { b.refs.Add(1) }

// Free drops a reference; the last one makes the send free again.
func (b *sending) Free() {
	if b.refs.Add(-1) == 0 {
		b.Buffer = nil
		b.free <- b
	}
}

type encodedKey struct{}

// encoded is a message marshalled beforehand, which the codec sends as it
// is.
type encoded struct{ data mem.BufferSlice }

// marshal encodes a floor message once for every watcher. It cannot fail
// for the feed's messages (no required fields, no invalid UTF-8 from
// validated identifiers); if it did, the message would be sent empty.
func marshal(m proto.Message) mem.Buffer {
	b, _ := proto.Marshal(m)
	return mem.SliceBuffer(b)
}

// RaisePriority puts a queued order first in the queue.
func (s floorService) RaisePriority(ctx context.Context, req *pb.RaisePriorityRequest) (*pb.RaisePriorityResponse, error) {
	var vs floor.Violations
	floor.IDOrder.Check(&vs, "order_id", req.GetOrderId())
	floor.CheckReason(&vs, "reason", req.GetReason())
	if err := vs.Err("raise priority"); err != nil {
		return nil, err
	}
	o, err := s.store.RaisePriority(caller(ctx), req.GetOrderId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &pb.RaisePriorityResponse{Order: orderToProto(o)}, nil
}

// TakeOffShift stops counting a picker on the floor.
func (s floorService) TakeOffShift(ctx context.Context, req *pb.TakeOffShiftRequest) (*pb.TakeOffShiftResponse, error) {
	var vs floor.Violations
	floor.IDUser.Check(&vs, "picker", req.GetPicker())
	floor.CheckReason(&vs, "reason", req.GetReason())
	if err := vs.Err("take off shift"); err != nil {
		return nil, err
	}
	off, err := s.store.TakeOffShift(caller(ctx), req.GetPicker(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &pb.TakeOffShiftResponse{OffShift: &pb.OffShift{Picker: off.Picker, At: ts(off.At), By: off.By, Reason: off.Reason}}, nil
}

// PutOnShift counts a picker taken off shift again.
func (s floorService) PutOnShift(ctx context.Context, req *pb.PutOnShiftRequest) (*pb.PutOnShiftResponse, error) {
	var vs floor.Violations
	floor.IDUser.Check(&vs, "picker", req.GetPicker())
	floor.CheckReason(&vs, "reason", req.GetReason())
	if err := vs.Err("put on shift"); err != nil {
		return nil, err
	}
	if err := s.store.PutOnShift(caller(ctx), req.GetPicker(), req.GetReason()); err != nil {
		return nil, err
	}
	return &pb.PutOnShiftResponse{}, nil
}
