package rpc

import (
	"context"
	"testing"
	"time"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// watcher reads a supervisor's WatchFloor stream.
type watcher struct {
	t      *testing.T
	stream pb.FloorService_WatchFloorClient
}

func (e *env) watch(t *testing.T) *watcher {
	ctx, cancel := context.WithTimeout(e.as(floor.RoleSupervisor), 30*time.Second) // a guard, not a wait
	t.Cleanup(cancel)
	st, err := pb.NewFloorServiceClient(e.conn).WatchFloor(ctx, &pb.WatchFloorRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return &watcher{t: t, stream: st}
}

// until reads events until one satisfies ok, and returns those before it.
func (w *watcher) until(ok func(*pb.WatchFloorResponse) bool) []*pb.WatchFloorResponse {
	w.t.Helper()
	var before []*pb.WatchFloorResponse
	for {
		ev, err := w.stream.Recv()
		if err != nil {
			w.t.Fatalf("watch: %v (after %v)", err, before)
		}
		if ok(ev) {
			return before
		}
		before = append(before, ev)
	}
}

func alertOf(kind pb.AlertKind, order string) func(*pb.WatchFloorResponse) bool {
	return func(ev *pb.WatchFloorResponse) bool {
		a := ev.GetAlert()
		return a.GetKind() == kind && (order == "" || a.GetOrderId() == order)
	}
}

func clockOf(order string, state pb.OrderState) func(*pb.WatchFloorResponse) bool {
	return func(ev *pb.WatchFloorResponse) bool {
		return ev.GetOrder().GetOrderId() == order && ev.GetOrder().GetState() == state
	}
}

// The feed, on a fixed clock through real gRPC: the full picture first,
// then changes, and each alert when its condition starts to hold.
func TestFloorFeedAlerts(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O1", &pb.OrderLine{Sku: "S2", Quantity: 2})
	if err := e.hub.Tick(); err != nil {
		t.Fatal(err)
	}

	w := e.watch(t)
	snapshot := w.until(func(ev *pb.WatchFloorResponse) bool { return ev.GetSnapshotDone() != nil })
	// Nobody has scanned or taken a task: no picker is on shift, so O1
	// has no prediction, and the queue needs one picker.
	var sawO1, sawPicker, sawQueue bool
	for _, ev := range snapshot {
		if o := ev.GetOrder(); o.GetOrderId() == "O1" {
			sawO1 = o.GetState() == pb.OrderState_ORDER_STATE_QUEUED && o.GetRisk() == pb.Risk_RISK_AT_RISK &&
				o.GetReason() == "no picker on shift" && o.GetPredictedHandoffAt() == nil && o.GetSlack() == nil
		}
		if p := ev.GetPicker(); p.GetPicker() == "picker-1" {
			sawPicker = !p.GetOnShift()
		}
		if a := ev.GetAlert(); a.GetKind() == pb.AlertKind_ALERT_KIND_QUEUE_LATE {
			sawQueue = a.GetPickersNeeded() == 1 && a.GetCount() == 1
		}
	}
	if !sawO1 || !sawPicker || !sawQueue {
		t.Fatalf("snapshot %v: want O1 queued with no picker on shift, picker-1 off shift, and a queue alert for 1 picker", snapshot)
	}

	// picker-1 takes O1; O2 then waits with no picker free.
	task, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil {
		t.Fatal(err)
	}
	e.submit(t, "O2", &pb.OrderLine{Sku: "S1", Quantity: 1})
	e.hub.Tick()
	w.until(clockOf("O1", pb.OrderState_ORDER_STATE_ASSIGNED))
	for _, ev := range w.until(alertOf(pb.AlertKind_ALERT_KIND_NO_PICKER_FREE, "O2")) {
		if alertOf(pb.AlertKind_ALERT_KIND_PREDICTED_LATE, "O2")(ev) {
			t.Error("O2 alerted late with 10 minutes of slack")
		}
	}

	// Eleven minutes on without a scan: picker-1 is as far from done as
	// before, so O2, queued behind her, can no longer make its due time;
	// and picker-1 has been at the first stop too long.
	e.clock.t = e.clock.t.Add(11 * time.Minute)
	e.hub.Tick()
	w.until(alertOf(pb.AlertKind_ALERT_KIND_PREDICTED_LATE, "O2"))
	w.until(alertOf(pb.AlertKind_ALERT_KIND_PICKER_STUCK, ""))
	w.until(alertOf(pb.AlertKind_ALERT_KIND_QUEUE_LATE, ""))

	// A standing condition does not alert again: the next event after a
	// quiet look is the next real change.
	e.hub.Tick()
	e.submit(t, "O3", &pb.OrderLine{Sku: "S1", Quantity: 1})
	e.hub.Tick()
	for _, ev := range w.until(clockOf("O3", pb.OrderState_ORDER_STATE_QUEUED)) {
		if ev.GetAlert() != nil {
			t.Errorf("repeated alert %v", ev.GetAlert())
		}
	}

	// A short pick alerts at once.
	p := picker(t, e.as(floor.RolePicker), e.conn, "hh1")
	p.totes(task.GetTask())
	p.code("A-03-009-1")
	p.expect(p.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_SHORT, ShortReason: pb.ShortReason_SHORT_REASON_DAMAGED}),
		pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE")
	e.hub.Tick()
	w.until(alertOf(pb.AlertKind_ALERT_KIND_SHORT_PICK, ""))

	// picker-1 is done and has no task: idle after three minutes.
	e.clock.t = e.clock.t.Add(3 * time.Minute)
	e.hub.Tick()
	w.until(alertOf(pb.AlertKind_ALERT_KIND_PICKER_IDLE, ""))
}
