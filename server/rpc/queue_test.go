package rpc

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// queueEnv is a server whose feed simulates the queue with a 120 m trip,
// and two pickers: picker-1 at the default pace, picker-2 a faster
// walker. Each holds a task (taken at 08:40, planned in bin order, so
// with no time left predicted on it): both are on shift and free now.
func queueEnv(t *testing.T) (*env, context.Context) {
	t.Helper()
	cfg := floor.DefaultFeedConfig
	cfg.Queue = floor.QueueModel{PackAndHandoff: 3 * time.Minute, TripMeters: 120, MaxBatch: 4, SmallOrderUnits: 4, Candidates: 6}
	e := newEnvFeed(t, store.Options{}, nil, cfg)
	e.load(t)
	tok, err := e.store.CreateToken("picker-2", floor.RolePicker)
	if err != nil {
		t.Fatal(err)
	}
	picker2 := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
	// picker-2 walked 90 m in 30 s once: 3 m/s folded into the default
	// 1 m/s at a tenth gives 1.2 m/s.
	if err := e.store.LearnPicks("picker-2", floor.PickEvent{Bin: "A-01-001-1", SKU: "S1", WalkMeters: 90, Walked: 30 * time.Second,
		At: e.clock.t}); err != nil {
		t.Fatal(err)
	}
	e.clock.t = time.Date(2026, 11, 24, 8, 40, 0, 0, time.UTC)
	e.submit(t, "P1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	e.submit(t, "P2", &pb.OrderLine{Sku: "S2", Quantity: 1})
	pick := pb.NewPickServiceClient(e.conn)
	for _, ctx := range []context.Context{e.as(floor.RolePicker), picker2} {
		if r, err := pick.NextTask(ctx, &pb.NextTaskRequest{}); err != nil || r.GetTask() == nil {
			t.Fatalf("NextTask: %v, %v", r, err)
		}
	}
	return e, picker2
}

// The simulation of the queue through gRPC on a fixed clock, checked by
// hand. At 09:00 five orders are queued (SLA 15 min, so due 15 min after
// their release):
//
//	Q1 due 09:06  1 line  5 units   (released 08:51)
//	Q2 due 09:06  1 line  5 units   (08:51)
//	Q3 due 09:07  1 line  5 units   (08:52)
//	Q4 due 09:15  1 line  1 unit    (09:00)
//	Q5 due 09:15  1 line  2 units   (09:00)
//
// A trip takes the walk (120 m at the picker's speed) + 20 s a stop +
// 3 s a unit; handoff is 3 min after the picker is back. picker-1 walks
// it in 120 s, picker-2 (1.2 m/s) in 100 s. Orders of up to 4 units may
// share a trip if every one of them stays on time.
//
//	picker-1 09:00:00 Q1: 120+20+15 = 155 s, back 09:02:35, handoff 09:05:35, on time (due 09:06)
//	picker-2 09:00:00 Q2: 100+20+15 = 135 s, back 09:02:15, handoff 09:05:15, on time
//	picker-2 09:02:15 Q3: 135 s, back 09:04:30, handoff 09:07:30: LATE (due 09:07), it waits for a picker
//	picker-1 09:02:35 Q4+Q5 batched: 120+2*20+3*3 = 169 s, back 09:05:24, handoff 09:08:24, on time
//
// With a third picker free now (mean pace: 1.1 m/s, 109 s for the walk),
// Q3 starts at 09:00 and is handed off at 09:05:24: three pickers bring
// the queue back on time.
func TestQueuePredictionsHandChecked(t *testing.T) {
	e, _ := queueEnv(t)
	for _, o := range []struct {
		id       string
		released string
		quantity int64
		sku      string
	}{{"Q1", "08:51", 5, "S2"}, {"Q2", "08:51", 5, "S2"}, {"Q3", "08:52", 5, "S2"}, {"Q4", "09:00", 1, "S1"}, {"Q5", "09:00", 2, "S1"}} {
		at, _ := time.Parse("15:04", o.released)
		e.clock.t = time.Date(2026, 11, 24, at.Hour(), at.Minute(), 0, 0, time.UTC)
		e.submit(t, o.id, &pb.OrderLine{Sku: o.sku, Quantity: o.quantity})
	}
	if err := e.hub.Tick(); err != nil {
		t.Fatal(err)
	}
	w := e.watch(t)
	clocks := map[string]*pb.OrderClock{}
	var queue *pb.Alert
	var summary *pb.FloorSummary
	for _, ev := range w.until(func(ev *pb.WatchFloorResponse) bool { return ev.GetSnapshotDone() != nil }) {
		if o := ev.GetOrder(); o != nil {
			clocks[o.GetOrderId()] = o
		}
		if a := ev.GetAlert(); a.GetKind() == pb.AlertKind_ALERT_KIND_QUEUE_LATE {
			queue = a
		}
		if s := ev.GetSummary(); s != nil {
			summary = s
		}
	}
	at := func(hms string) time.Time {
		t, _ := time.Parse(time.TimeOnly, hms)
		return time.Date(2026, 11, 24, t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	}
	tests := []struct {
		id      string
		handoff time.Time
		risk    pb.Risk
		reason  string
	}{
		{"Q1", at("09:05:35"), pb.Risk_RISK_ON_TIME, ""},
		{"Q2", at("09:05:15"), pb.Risk_RISK_ON_TIME, ""},
		{"Q3", at("09:07:30"), pb.Risk_RISK_AT_RISK, "no picker free before 09:02"},
		{"Q4", at("09:08:24"), pb.Risk_RISK_ON_TIME, "no picker free before 09:02"},
		{"Q5", at("09:08:24"), pb.Risk_RISK_ON_TIME, "no picker free before 09:02"},
	}
	for _, tt := range tests {
		c := clocks[tt.id]
		// Walking speeds are floats: the prediction is right to the second.
		got := c.GetPredictedHandoffAt().AsTime().Round(time.Second)
		if c.GetState() != pb.OrderState_ORDER_STATE_QUEUED || !got.Equal(tt.handoff) || c.GetRisk() != tt.risk || c.GetReason() != tt.reason {
			t.Errorf("%s: %v predicted %s, %v, reason %q; want queued, %s, %v, %q", tt.id, c.GetState(), got.Format(time.TimeOnly),
				c.GetRisk(), c.GetReason(), tt.handoff.Format(time.TimeOnly), tt.risk, tt.reason)
		}
	}
	if queue.GetPickersNeeded() != 3 || queue.GetCount() != 1 ||
		queue.GetMessage() != "1 queued order predicted late: it would take 3 pickers (2 on shift) to bring the queue back on time" {
		t.Errorf("queue alert %v: want 3 pickers needed for 1 late order", queue)
	}
	if summary.GetPickersOnShift() != 2 || summary.GetPickersNeeded() != 3 || summary.GetQueued() != 5 {
		t.Errorf("summary %v: want 2 pickers on shift, 3 needed, 5 queued", summary)
	}
}

// A queued order waiting behind others turns late with no scan at all:
// the pickers ahead of it are no nearer to done, so the wait moves with
// the clock.
func TestQueuedOrderTurnsLateWithoutScans(t *testing.T) {
	e, _ := queueEnv(t)
	e.clock.t = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"W1", "W2", "W3"} {
		e.submit(t, id, &pb.OrderLine{Sku: "S2", Quantity: 5}) // due 09:15, too large to batch
	}
	if err := e.hub.Tick(); err != nil {
		t.Fatal(err)
	}
	w := e.watch(t)
	for _, ev := range w.until(func(ev *pb.WatchFloorResponse) bool { return ev.GetSnapshotDone() != nil }) {
		// W3 waits for picker-2, back from W2 at 09:02:15: handoff 09:07:30.
		if o := ev.GetOrder(); o.GetOrderId() == "W3" && (o.GetRisk() != pb.Risk_RISK_ON_TIME || o.GetReason() != "no picker free before 09:02") {
			t.Errorf("W3 at 09:00: %v", o)
		}
	}
	// Eight minutes on, nobody has scanned: W3 now starts at 09:10:15 and
	// is handed off at 09:15:30, past its due time.
	e.clock.t = e.clock.t.Add(8 * time.Minute)
	if err := e.hub.Tick(); err != nil {
		t.Fatal(err)
	}
	w.until(func(ev *pb.WatchFloorResponse) bool {
		return ev.GetOrder().GetOrderId() == "W3" && ev.GetOrder().GetRisk() == pb.Risk_RISK_AT_RISK
	})
	w.until(alertOf(pb.AlertKind_ALERT_KIND_PREDICTED_LATE, "W3"))
}

// The on-time figure counts every order due so far in the shift: one
// handed off on time, and two still open past their due time, make 33 %,
// not the 100 % of the handed-off order alone.
func TestOnTimeFigureCountsOpenLateOrders(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.clock.t = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	for _, id := range []string{"L1", "L2", "H1"} {
		e.submit(t, id, &pb.OrderLine{Sku: "S2", Quantity: 1}) // due 08:15
	}
	// H1 goes through: assigned, picked, packed and handed off by 08:10.
	handOffThrough(t, e, "H1")
	e.clock.t = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) // L1 and L2 are 45 min late
	if err := e.hub.Tick(); err != nil {
		t.Fatal(err)
	}
	w := e.watch(t)
	var summary *pb.FloorSummary
	for _, ev := range w.until(func(ev *pb.WatchFloorResponse) bool { return ev.GetSnapshotDone() != nil }) {
		if s := ev.GetSummary(); s != nil {
			summary = s
		}
	}
	if summary.GetHandedOnTime() != 1 || summary.GetHandedLate() != 0 || summary.GetOpenPastDue() != 2 ||
		summary.OnTimePercent == nil || int(summary.GetOnTimePercent()) != 33 || summary.GetShiftLabel() != "06:00–14:00" ||
		summary.GetShiftPicks() != 1 || len(summary.GetPickers()) != 1 || summary.GetPickers()[0].GetHandedOnTime() != 1 {
		t.Errorf("summary %v: want 1 on time (picker-1's, 1 pick), 2 open past due, 33 %% on time in the 06:00–14:00 shift", summary)
	}

	// The next shift starts at 14:00 with its own figures: L1 and L2 were
	// due in the last one, and the picks were made in it.
	e.clock.t = time.Date(2026, 11, 24, 14, 30, 0, 0, time.UTC)
	if err := e.hub.Tick(); err != nil {
		t.Fatal(err)
	}
	w.until(func(ev *pb.WatchFloorResponse) bool { return ev.GetSummary().GetShiftLabel() == "14:00–22:00" })
	s := e.hub.Summary()
	if s.DueSoFar() != 0 || s.ShiftPicks != 0 || s.OpenLate != 2 || !s.ShiftStart.Equal(time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("next shift %+v: want nothing due or picked yet, the two late orders still open", s)
	}
}

// handOffThrough takes a one-unit order of S2, the most urgent queued,
// through picking (a tote first, the drop-off last), packing and handoff,
// a minute a step.
func handOffThrough(t *testing.T, e *env, id string) {
	t.Helper()
	r, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil || len(r.GetTask().GetOrders()) != 1 || r.GetTask().GetOrders()[0].GetOrderId() != id {
		t.Fatalf("NextTask: %v, %v; want %s", r, err, id)
	}
	e.clock.t = e.clock.t.Add(time.Minute)
	p := picker(t, e.as(floor.RolePicker), e.conn, "hh-"+id)
	p.totes(r.GetTask())
	p.expect(p.code("A-03-009-1"), pb.Verdict_VERDICT_RIGHT, "AT_BIN")
	p.expect(p.code(eanS2), pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE")
	p.dropOff()
	e.clock.t = e.clock.t.Add(time.Minute)
	k := packer(t, e.as(floor.RolePacker), e.conn, "pk-"+id)
	k.expect(k.code(id), pb.Verdict_VERDICT_RIGHT, "ORDER_OPEN")
	k.expect(k.code(eanS2), pb.Verdict_VERDICT_TASK_DONE, "PACKED")
	e.clock.t = e.clock.t.Add(time.Minute)
	o, err := e.store.Order(id)
	if err != nil {
		t.Fatal(err)
	}
	h := handoff(t, e.as(floor.RolePacker), e.conn, "ho-"+id)
	h.expect(h.code(o.Tracking), pb.Verdict_VERDICT_TASK_DONE, "HANDED_OFF")
}
