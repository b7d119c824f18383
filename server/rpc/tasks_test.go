package rpc

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// pairPlanner puts the two most urgent candidates on one cart, totes 1
// and 2, each order's stops in bin order: the smallest batch there is.
type pairPlanner struct{}

func (pairPlanner) PlanTask(in floor.PlanInput) (floor.Task, error) {
	t := floor.Task{Picker: in.Picker}
	for i, c := range in.Candidates[:min(2, len(in.Candidates))] {
		t.Orders = append(t.Orders, floor.TaskOrder{OrderID: c.Order.ID, Tote: i + 1, DueAt: c.Order.DueAt})
		t.Stops = append(t.Stops, floor.StopsInBinOrder(c.Order.ID, i+1, c.Reservations, in.Names)...)
	}
	return t, nil
}

// pickerAs is a picker other than the env's picker-1, with their token.
func (e *env) pickerAs(t *testing.T, name string) context.Context {
	t.Helper()
	tok, err := e.store.CreateToken(name, floor.RolePicker)
	if err != nil {
		t.Fatal(err)
	}
	return metadataCtx(tok)
}

// nextTask asks for ctx's picker's task.
func (e *env) nextTask(t *testing.T, ctx context.Context) *pb.NextTaskResponse {
	t.Helper()
	resp, err := pb.NewPickServiceClient(e.conn).NextTask(ctx, &pb.NextTaskRequest{})
	if err != nil || resp.GetTask() == nil {
		t.Fatalf("next task: %v, %v", resp, err)
	}
	return resp
}

// A picked task stays the picker's, waiting for its drop-off: NextTask
// gives it back in the drop-off state until the pack station's code is
// scanned, and only then a new task.
func TestNextTaskWaitsForTheDropOff(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	e.submit(t, "O2", &pb.OrderLine{Sku: "S2", Quantity: 1})
	first := e.nextTask(t, e.as(floor.RolePicker))
	if st := first.GetTask().GetState(); st != pb.TaskState_TASK_STATE_TOTES || first.GetNext().GetExpect() != pb.Expect_EXPECT_TOTE ||
		first.GetNext().GetOrderId() != "O1" || first.GetNext().GetTote() != 1 {
		t.Fatalf("new task: state %v, next %v; want totes, a tote for O1 at position 1", st, first.GetNext())
	}
	p := picker(t, e.as(floor.RolePicker), e.conn, "hh1")
	p.totes(first.GetTask())
	p.code("A-01-001-1")
	done := p.code(eanS1)
	p.expect(done, pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE")
	if !strings.Contains(done.GetMessage(), "O1 in "+toteFor(first.GetTask(), 0)) || done.GetNext().GetExpect() != pb.Expect_EXPECT_DROP_OFF {
		t.Errorf("task done: %q, next %v; want the tote named and the drop-off next", done.GetMessage(), done.GetNext())
	}
	again := e.nextTask(t, e.as(floor.RolePicker))
	if again.GetAssigned() || again.GetTask().GetId() != first.GetTask().GetId() || again.GetTask().GetState() != pb.TaskState_TASK_STATE_DROP_OFF ||
		again.GetNext().GetExpect() != pb.Expect_EXPECT_DROP_OFF {
		t.Fatalf("next task before the drop-off: %v; want %s again, waiting for its drop-off", again, first.GetTask().GetId())
	}
	if got := e.state(t, "O2"); got != pb.OrderState_ORDER_STATE_QUEUED {
		t.Errorf("O2 before the drop-off: %v, want still queued", got)
	}
	p.dropOff()
	second := e.nextTask(t, e.as(floor.RolePicker))
	if !second.GetAssigned() || second.GetTask().GetOrders()[0].GetOrderId() != "O2" {
		t.Fatalf("next task after the drop-off: %v, want O2", second)
	}
	got, err := pb.NewPickServiceClient(e.conn).GetTask(e.as(floor.RoleSupervisor), &pb.GetTaskRequest{Id: first.GetTask().GetId()})
	if err != nil || got.GetTask().GetState() != pb.TaskState_TASK_STATE_DONE || got.GetTask().GetDroppedOffAtStation() != "PS1" ||
		!got.GetTask().GetDroppedOffAt().AsTime().Equal(e.clock.t) {
		t.Errorf("first task after its drop-off: %v, %v", got.GetTask(), err)
	}
}

// A supervisor releases a stuck picker's task: the order picked whole
// stays in its tote for the pack station, the half-picked one goes back to
// the queue with its units put back, the picker's handheld is told, and
// stock and history agree (the env audits them at the end). Another task
// is reassigned with its cart, and a picker releases their own.
func TestReleaseAndReassignTask(t *testing.T) {
	e := newEnvWith(t, store.Options{Planner: pairPlanner{}}, nil)
	e.load(t) // S1: 4 in A-01-001-1; S2: 10 in A-03-009-1
	e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 2})
	e.clock.t = e.clock.t.Add(time.Second)
	e.submit(t, "O2", &pb.OrderLine{Sku: "S2", Quantity: 2})
	tasks := pb.NewTaskServiceClient(e.conn)
	sup := e.as(floor.RoleSupervisor)

	ann := e.nextTask(t, e.as(floor.RolePicker)).GetTask()
	if len(ann.GetOrders()) != 2 {
		t.Fatalf("task of %d orders, want O1 and O2 on one cart", len(ann.GetOrders()))
	}
	annCtx, annStop := context.WithCancel(guard(t, e.as(floor.RolePicker)))
	defer annStop()
	annScan, err := pb.NewPickServiceClient(e.conn).Scan(annCtx)
	if err != nil {
		t.Fatal(err)
	}
	p := &device{t: t, name: "ann", send: func(s *pb.Scan) error { return annScan.Send(&pb.ScanRequest{Scan: s}) },
		recv: func() (*pb.ScanAnswer, error) { r, err := annScan.Recv(); return r.GetAnswer(), err }}
	p.totes(ann)
	p.code("A-01-001-1")
	p.expect(p.do(&pb.Scan{Code: eanS1, Quantity: 2}), pb.Verdict_VERDICT_LINE_DONE, "LINE_DONE")
	p.code("A-03-009-1")
	p.expect(p.code(eanS2), pb.Verdict_VERDICT_RIGHT, "PICKED")

	e.clock.t = e.clock.t.Add(time.Minute)
	rel, err := tasks.ReleaseTask(sup, &pb.ReleaseTaskRequest{TaskId: ann.GetId(), Reason: "picker went home ill"})
	if err != nil {
		t.Fatal(err)
	}
	wantBack := &pb.PutBack{Bin: "A-03-009-1", Sku: "S2", Name: "USB-C cable", Units: 1, OrderId: "O2", ToteCode: toteFor(ann, 1)}
	if !slices.Equal(rel.GetKeptOrderIds(), []string{"O1"}) || !slices.Equal(rel.GetRequeuedOrderIds(), []string{"O2"}) ||
		len(rel.GetPutBack()) != 1 || rel.GetPutBack()[0].String() != wantBack.String() || rel.GetTask().GetState() != pb.TaskState_TASK_STATE_RELEASED {
		t.Errorf("release: %v; want O1 kept, O2 requeued, %v put back", rel, wantBack)
	}
	if _, err := annScan.Recv(); status.Code(err) != codes.FailedPrecondition || reason(err) != "TASK_RELEASED" {
		t.Errorf("ann's stream after the release: %v (%s), want FAILED_PRECONDITION TASK_RELEASED", err, reason(err))
	}
	p2 := picker(t, e.as(floor.RolePicker), e.conn, "ann-2")
	if a := p2.code(eanS2); a.GetVerdict() != pb.Verdict_VERDICT_NOTHING_OPEN || a.GetReason() != "TASK_RELEASED" ||
		!strings.Contains(a.GetMessage(), "supervisor-1: picker went home ill") {
		t.Errorf("ann's next scan: %v", a)
	}
	if l := e.level(t, "A-03-009-1", "S2"); l.OnHand != 10 || l.Reserved != 0 {
		t.Errorf("S2 after the release: %+v, want the unit back and nothing reserved", l)
	}
	if l := e.level(t, "A-01-001-1", "S1"); l.OnHand != 2 || l.Reserved != 0 {
		t.Errorf("S1 after the release: %+v, want O1's 2 units gone with it", l)
	}
	if e.state(t, "O1") != pb.OrderState_ORDER_STATE_PICKED || e.state(t, "O2") != pb.OrderState_ORDER_STATE_QUEUED {
		t.Errorf("orders after the release: O1 %v, O2 %v; want picked, queued", e.state(t, "O1"), e.state(t, "O2"))
	}
	hist, err := pb.NewInventoryServiceClient(e.conn).History(e.as(floor.RoleSupervisor), &pb.HistoryRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range hist.GetMovements() {
		if m.GetRef() == ann.GetId() && strings.Contains(m.GetNote(), "released by supervisor-1: picker went home ill") {
			kinds = append(kinds, m.GetKind())
		}
	}
	if want := []string{"release", "return"}; !slices.Equal(kinds, want) {
		t.Errorf("history of the release: %v, want %v", kinds, want)
	}
	// O1 waits in its tote: the pack station opens it by the tote.
	k := packer(t, e.as(floor.RolePacker), e.conn, "pk")
	k.expect(k.code(toteFor(ann, 0)), pb.Verdict_VERDICT_RIGHT, "ORDER_OPEN")

	// bob takes O2 again, whole; cy takes it over with bob's cart.
	bob := e.pickerAs(t, "bob")
	bobTask := e.nextTask(t, bob).GetTask()
	if bobTask.GetOrders()[0].GetOrderId() != "O2" || bobTask.GetStops()[0].GetQuantity() != 2 {
		t.Fatalf("bob's task: %v, want O2's 2 units again", bobTask)
	}
	b := picker(t, bob, e.conn, "bob")
	b.totes(bobTask)
	b.code("A-03-009-1")
	b.expect(b.code(eanS2), pb.Verdict_VERDICT_RIGHT, "PICKED")
	cy := e.pickerAs(t, "cy")
	re, err := tasks.ReassignTask(sup, &pb.ReassignTaskRequest{TaskId: bobTask.GetId(), Picker: "cy", Reason: "bob on break"})
	if err != nil {
		t.Fatal(err)
	}
	if re.GetTask().GetPicker() != "cy" || re.GetNext().GetExpect() != pb.Expect_EXPECT_BIN || re.GetNext().GetRemaining() != 1 {
		t.Errorf("reassigned: picker %s, next %v; want cy back at the bin for 1 more", re.GetTask().GetPicker(), re.GetNext())
	}
	c := picker(t, cy, e.conn, "cy")
	c.expect(c.code(eanS2), pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "SCAN_BIN_FIRST")
	c.code("A-03-009-1")
	c.expect(c.code(eanS2), pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE")
	if o, _ := e.store.Order("O2"); o.Picker != "cy" {
		t.Errorf("O2's picker after the handover: %s, want cy", o.Picker)
	}
	if a := picker(t, bob, e.conn, "bob-2").code("A-03-009-1"); a.GetReason() != "TASK_REASSIGNED" {
		t.Errorf("bob's scan after the handover: %v", a)
	}
	c.dropOff()

	// A picker ends their shift: their own task, nothing picked yet.
	e.submit(t, "O3", &pb.OrderLine{Sku: "S1", Quantity: 1})
	own := e.nextTask(t, cy).GetTask()
	mine, err := tasks.ReleaseTask(cy, &pb.ReleaseTaskRequest{TaskId: own.GetId(), Reason: "end of shift"})
	if err != nil || !slices.Equal(mine.GetRequeuedOrderIds(), []string{"O3"}) || len(mine.GetPutBack()) != 0 {
		t.Errorf("own release: %v, %v", mine, err)
	}
	if l := e.level(t, "A-01-001-1", "S1"); l.Reserved != 0 {
		t.Errorf("S1 after the own release: %+v, want nothing reserved", l)
	}
}

// A packer who opens an order of a picked task, by its tote, has the
// totes in front of them: the drop-off is confirmed, the picker gets their
// next task, and their late drop-off scan is answered right.
func TestPackerOpeningAToteConfirmsTheDropOff(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	e.submit(t, "O2", &pb.OrderLine{Sku: "S2", Quantity: 1})
	task := e.nextTask(t, e.as(floor.RolePicker)).GetTask()
	p := picker(t, e.as(floor.RolePicker), e.conn, "hh1")
	p.totes(task)
	p.code("A-01-001-1")
	p.expect(p.code(eanS1), pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE")
	k := packer(t, e.as(floor.RolePacker), e.conn, "pk")
	k.expect(k.code("TOTE-999"), pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "ORDER_NOT_READY") // holds nothing
	k.expect(k.code(toteFor(task, 0)), pb.Verdict_VERDICT_RIGHT, "ORDER_OPEN")
	got, err := e.store.Task(task.GetId())
	if err != nil || got.State() != floor.TaskDone || got.DropStation != "pack station" {
		t.Fatalf("task after the packer opened its tote: %v (%q), %v; want done, dropped off at the pack station", got.State(), got.DropStation, err)
	}
	a := p.code("DROP-PS1")
	if a.GetVerdict() != pb.Verdict_VERDICT_RIGHT || a.GetReason() != "DROPPED_OFF" || !strings.Contains(a.GetMessage(), "packer packer-1 opened order O1") {
		t.Errorf("the picker's drop-off scan after the packer's: %v", a)
	}
	if next := e.nextTask(t, e.as(floor.RolePicker)); !next.GetAssigned() || next.GetTask().GetOrders()[0].GetOrderId() != "O2" {
		t.Errorf("next task: %v, want O2", next)
	}
}
