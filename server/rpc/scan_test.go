package rpc

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// device is one handheld's stream with a counter for scan ids.
type device struct {
	t    *testing.T
	name string
	n    int
	send func(*pb.Scan) error
	recv func() (*pb.ScanAnswer, error)
}

func (d *device) do(sc *pb.Scan) *pb.ScanAnswer {
	d.t.Helper()
	if sc.ScanId == "" {
		d.n++
		sc.ScanId = fmt.Sprintf("%s-%d", d.name, d.n)
	}
	if err := d.send(sc); err != nil {
		d.t.Fatal(err)
	}
	a, err := d.recv()
	if err != nil {
		d.t.Fatal(err)
	}
	if a.GetScanId() != sc.ScanId {
		d.t.Fatalf("answer for %s, want %s", a.GetScanId(), sc.ScanId)
	}
	return a
}

func (d *device) code(c string) *pb.ScanAnswer { return d.do(&pb.Scan{Code: c}) }

// expect checks a verdict and its reason.
func (d *device) expect(a *pb.ScanAnswer, v pb.Verdict, reason string) {
	d.t.Helper()
	if a.GetVerdict() != v || a.GetReason() != reason {
		d.t.Errorf("%s: %v %s (%q), want %v %s", a.GetScanId(), a.GetVerdict(), a.GetReason(), a.GetMessage(), v, reason)
	}
	if a.GetMessage() == "" {
		d.t.Errorf("%s: no message for a person", a.GetScanId())
	}
}

func picker(t *testing.T, ctx context.Context, conn *grpc.ClientConn, name string) *device {
	st, err := pb.NewPickServiceClient(conn).Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.CloseSend() })
	return &device{t: t, name: name, send: func(s *pb.Scan) error { return st.Send(&pb.ScanRequest{Scan: s}) },
		recv: func() (*pb.ScanAnswer, error) { r, err := st.Recv(); return r.GetAnswer(), err }}
}

func packer(t *testing.T, ctx context.Context, conn *grpc.ClientConn, name string) *device {
	st, err := pb.NewPackServiceClient(conn).Pack(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.CloseSend() })
	return &device{t: t, name: name, send: func(s *pb.Scan) error { return st.Send(&pb.PackRequest{Scan: s}) },
		recv: func() (*pb.ScanAnswer, error) { r, err := st.Recv(); return r.GetAnswer(), err }}
}

func handoff(t *testing.T, ctx context.Context, conn *grpc.ClientConn, name string) *device {
	st, err := pb.NewPackServiceClient(conn).Handoff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.CloseSend() })
	return &device{t: t, name: name, send: func(s *pb.Scan) error { return st.Send(&pb.HandoffRequest{Scan: s}) },
		recv: func() (*pb.ScanAnswer, error) { r, err := st.Recv(); return r.GetAnswer(), err }}
}

func (e *env) submit(t *testing.T, id string, lines ...*pb.OrderLine) {
	t.Helper()
	_, err := pb.NewOrderServiceClient(e.conn).SubmitOrder(e.as(floor.RoleAdmin), &pb.SubmitOrderRequest{Order: &pb.Order{
		Id: id, Lines: lines, Recipient: &pb.Address{Name: "Ann", Lines: []string{"1 Main St"}, City: "London", PostalCode: "EC1Y 8SY", Country: "GB"}}})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) level(t *testing.T, bin, sku string) floor.StockLevel {
	t.Helper()
	levels, _, err := e.store.ListStock(store.StockFilter{Bin: bin}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range levels {
		if l.SKU == sku {
			return l
		}
	}
	return floor.StockLevel{Bin: bin, SKU: sku}
}

func (e *env) state(t *testing.T, id string) pb.OrderState {
	o, err := e.store.Order(id)
	if err != nil {
		t.Fatal(err)
	}
	return map[floor.OrderState]pb.OrderState(orderStates)[o.State]
}

const (
	eanS1 = "4006381333931" // S1 Thermos, 350 g, 4 in A-01-001-1
	eanS2 = "5901234123457" // S2 USB-C cable, 40 g, 10 in A-03-009-1
	upcS3 = "036000291452"  // S3 Tea sample, no weight, no stock
)

// A whole order: every wrong-scan verdict on the way, picked, packed and
// handed off, with stock checked at each step.
func TestPickPackHandoffEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 3}, &pb.OrderLine{Sku: "S2", Quantity: 1})
	task, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if l := e.level(t, "A-01-001-1", "S1"); l.OnHand != 4 || l.Reserved != 3 {
		t.Fatalf("S1 after assignment: %+v", l)
	}

	p := picker(t, e.as(floor.RolePicker), e.conn, "hh1")
	p.expect(p.code("A-01-001-1"), pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "SCAN_TOTE_FIRST")
	p.totes(task.GetTask())
	p.expect(p.code(eanS1), pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "SCAN_BIN_FIRST")
	p.expect(p.code("NOPE-123"), pb.Verdict_VERDICT_UNKNOWN_BARCODE, "UNKNOWN_BARCODE")
	wrong := p.code("A-02-004-1")
	p.expect(wrong, pb.Verdict_VERDICT_WRONG_BIN, "WRONG_BIN")
	if wrong.GetNext().GetStop().GetBin() != "A-01-001-1" {
		t.Errorf("wrong bin answer points to %v", wrong.GetNext().GetStop())
	}
	p.expect(p.code("A-03-009-1"), pb.Verdict_VERDICT_WRONG_BIN, "WRONG_BIN") // later on the route
	at := p.code("A-01-001-1")
	p.expect(at, pb.Verdict_VERDICT_RIGHT, "AT_BIN")
	if at.GetNext().GetExpect() != pb.Expect_EXPECT_ITEM || at.GetNext().GetRemaining() != 3 {
		t.Errorf("at bin, next = %v", at.GetNext())
	}
	p.expect(p.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Quantity: 2}), pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "SCAN_ITEM_FIRST")
	p.expect(p.code(eanS2), pb.Verdict_VERDICT_WRONG_ITEM, "WRONG_ITEM")
	p.expect(p.do(&pb.Scan{Code: eanS1, Quantity: 4}), pb.Verdict_VERDICT_OVER_PICK, "OVER_PICK")
	first := &pb.Scan{ScanId: "hh1-unit-1", Code: eanS1}
	p.expect(p.do(first), pb.Verdict_VERDICT_RIGHT, "PICKED")
	again := p.do(&pb.Scan{ScanId: "hh1-unit-1", Code: eanS1})
	if !again.GetReplayed() || again.GetVerdict() != pb.Verdict_VERDICT_RIGHT {
		t.Errorf("re-sent scan: %v", again)
	}
	p.expect(p.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Quantity: 2}), pb.Verdict_VERDICT_LINE_DONE, "LINE_DONE")
	if l := e.level(t, "A-01-001-1", "S1"); l.OnHand != 1 || l.Reserved != 0 {
		t.Errorf("S1 after picking 3 (one scan re-sent): %+v, want 1 on hand", l)
	}
	p.expect(p.code("A-03-009-1"), pb.Verdict_VERDICT_RIGHT, "AT_BIN")
	p.expect(p.code(eanS2), pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE")
	p.expect(p.code("A-03-009-1"), pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "DROP_OFF_FIRST")
	p.dropOff()
	p.expect(p.code("A-03-009-1"), pb.Verdict_VERDICT_NOTHING_OPEN, "NO_TASK")
	if got := e.state(t, "O1"); got != pb.OrderState_ORDER_STATE_PICKED {
		t.Errorf("O1 after picking: %v", got)
	}
	// The picks teach the picker's familiarity and pace.
	learned, err := e.store.Picker("picker-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{floor.FamiliarityKey("A-01-001-1", "S1"), floor.FamiliarityKey("A-03-009-1", "S2")} {
		if f := learned.Familiarity[key]; f.Score <= 0 {
			t.Errorf("familiarity at %q after a pick: %+v", key, f)
		}
	}

	k := packer(t, e.as(floor.RolePacker), e.conn, "pk1")
	k.expect(k.code(eanS1), pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "SCAN_ORDER_FIRST")
	k.expect(k.code("O1"), pb.Verdict_VERDICT_RIGHT, "ORDER_OPEN")
	k.expect(k.code(upcS3), pb.Verdict_VERDICT_WRONG_ITEM, "WRONG_ITEM")
	k.expect(k.code(eanS2), pb.Verdict_VERDICT_RIGHT, "VERIFIED")
	k.expect(k.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 1150}), pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "VERIFY_ITEMS_FIRST")
	k.expect(k.do(&pb.Scan{Code: eanS1, Quantity: 4}), pb.Verdict_VERDICT_OVER_PICK, "OVER_PICK")
	k.expect(k.do(&pb.Scan{Code: eanS1, Quantity: 3}), pb.Verdict_VERDICT_LINE_DONE, "ITEMS_VERIFIED")
	if got := e.state(t, "O1"); got != pb.OrderState_ORDER_STATE_PICKED {
		t.Errorf("O1 packed before its weight: %v", got)
	}
	// 3 × 350 g + 40 g + 60 g packaging = 1150 g, ± 57 g.
	k.expect(k.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 1400}), pb.Verdict_VERDICT_WEIGHT_MISMATCH, "WEIGHT_MISMATCH")
	k.expect(k.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 1170}), pb.Verdict_VERDICT_TASK_DONE, "PACKED")
	if got := e.state(t, "O1"); got != pb.OrderState_ORDER_STATE_PACKED {
		t.Errorf("O1 after packing: %v", got)
	}
	// GetOrder returns what the scale said, not the SKUs' sum.
	got, err := pb.NewOrderServiceClient(e.conn).GetOrder(e.as(floor.RoleSupervisor), &pb.GetOrderRequest{Id: "O1"})
	if err != nil || !slices.Equal(got.GetOrder().GetParcelWeightsG(), []int64{1170}) {
		t.Errorf("GetOrder after weighing 1170 g: weights %v, %v", got.GetOrder().GetParcelWeightsG(), err)
	}

	// 1150 g to GB: the "light post" rule, Post economy, an S10 number.
	o, _ := e.store.Order("O1")
	if o.Carrier != "Post" || o.Service != "economy" || !(floor.TrackingScheme{Kind: floor.SchemeS10, Prefix: "RR", Country: "GB"}).Check(o.Tracking) {
		t.Errorf("O1 ships with %s %s %q (%s)", o.Carrier, o.Service, o.Tracking, o.ShippingProblem)
	}
	h := handoff(t, e.as(floor.RolePacker), e.conn, "ho1")
	h.expect(h.code("NOT-A-WAYBILL"), pb.Verdict_VERDICT_UNKNOWN_BARCODE, "UNKNOWN_WAYBILL")
	h.expect(h.code("O1"), pb.Verdict_VERDICT_UNKNOWN_BARCODE, "NOT_A_WAYBILL") // typed off the pick list
	h.expect(h.code(o.Tracking), pb.Verdict_VERDICT_TASK_DONE, "HANDED_OFF")
	h.expect(h.code(o.Tracking), pb.Verdict_VERDICT_NOTHING_OPEN, "ALREADY_HANDED_OFF")
	o, _ = e.store.Order("O1")
	if o.State != floor.StateHandedOff || !o.HandedOffAt.Equal(e.clock.t) {
		t.Errorf("O1 after handoff: %v at %v", o.State, o.HandedOffAt)
	}
	if l := e.level(t, "A-01-001-1", "S1"); l.OnHand != 1 || l.Reserved != 0 {
		t.Errorf("S1 at the end: %+v", l)
	}
}

// A short pick at an empty bin re-routes to another bin holding the SKU,
// takes the missing units out of the empty bin's stock and flags it for a
// count.
func TestShortPickReroutes(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	if _, err := e.store.AdjustStock(store.StockAdjustment{Bin: "A-02-006-1", SKU: "S2", Delta: 3}); err != nil {
		t.Fatal(err)
	}
	e.submit(t, "O2", &pb.OrderLine{Sku: "S2", Quantity: 5})
	task, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil {
		t.Fatal(err)
	}
	p := picker(t, e.as(floor.RolePicker), e.conn, "hh1")
	p.totes(task.GetTask())
	p.expect(p.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_SHORT, ShortReason: pb.ShortReason_SHORT_REASON_EMPTY_BIN}),
		pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "SCAN_BIN_FIRST")
	p.expect(p.code("A-03-009-1"), pb.Verdict_VERDICT_RIGHT, "AT_BIN")
	p.expect(p.do(&pb.Scan{Code: eanS2, Quantity: 2}), pb.Verdict_VERDICT_RIGHT, "PICKED")
	short := p.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_SHORT, ShortReason: pb.ShortReason_SHORT_REASON_EMPTY_BIN})
	p.expect(short, pb.Verdict_VERDICT_SHORT_RECORDED, "SHORT_RECORDED")
	if next := short.GetNext(); next.GetStop().GetBin() != "A-02-006-1" || next.GetRemaining() != 3 || next.GetExpect() != pb.Expect_EXPECT_BIN {
		t.Errorf("after the short: next %v", next)
	}
	if l := e.level(t, "A-03-009-1", "S2"); l.OnHand != 5 || l.Reserved != 0 {
		t.Errorf("short bin: %+v, want 10-2-3 = 5 on hand, none reserved", l)
	}
	if l := e.level(t, "A-02-006-1", "S2"); l.OnHand != 3 || l.Reserved != 3 {
		t.Errorf("re-routed bin: %+v, want 3 reserved", l)
	}
	counts, _ := e.store.CountTasks()
	if len(counts) != 1 || counts[0].Bin != "A-03-009-1" || !strings.Contains(counts[0].Reason, "empty bin") {
		t.Errorf("count tasks = %+v", counts)
	}
	p.expect(p.code("A-02-006-1"), pb.Verdict_VERDICT_RIGHT, "AT_BIN")
	p.expect(p.do(&pb.Scan{Code: eanS2, Quantity: 3}), pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE")

	// The pack station expects what was picked: 5 units.
	k := packer(t, e.as(floor.RolePacker), e.conn, "pk1")
	k.expect(k.code("O2"), pb.Verdict_VERDICT_RIGHT, "ORDER_OPEN")
	k.expect(k.do(&pb.Scan{Code: eanS2, Quantity: 5}), pb.Verdict_VERDICT_LINE_DONE, "ITEMS_VERIFIED")
}

// A handheld that lost its connection re-sends scans already applied on a
// new stream: each gets its first answer and nothing is applied twice.
func TestReconnectResendsAppliedScans(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O3", &pb.OrderLine{Sku: "S1", Quantity: 2})
	task, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.as(floor.RolePicker))
	p := picker(t, ctx, e.conn, "hh1")
	p.totes(task.GetTask())
	sent := []*pb.Scan{{ScanId: "a", Code: "A-01-001-1"}, {ScanId: "b", Code: eanS1}}
	var first []*pb.ScanAnswer
	for _, sc := range sent {
		first = append(first, p.do(sc))
	}
	cancel() // the link drops

	p2 := picker(t, e.as(floor.RolePicker), e.conn, "hh1-again")
	for i, sc := range sent {
		got := p2.do(&pb.Scan{ScanId: sc.ScanId, Code: sc.Code})
		if !got.GetReplayed() || got.GetVerdict() != first[i].GetVerdict() || got.GetMessage() != first[i].GetMessage() {
			t.Errorf("re-sent %s: %v, first answer %v", sc.ScanId, got, first[i])
		}
	}
	if l := e.level(t, "A-01-001-1", "S1"); l.OnHand != 3 || l.Reserved != 1 {
		t.Errorf("S1 after one unit picked and re-sent: %+v, want 3 on hand, 1 reserved", l)
	}
	p2.expect(p2.code(eanS1), pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE")
}

// Cancelling an order halfway through picking releases what is still
// reserved and puts the units already in the tote back on hand.
func TestCancelWhilePicking(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O4", &pb.OrderLine{Sku: "S1", Quantity: 3})
	task, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil {
		t.Fatal(err)
	}
	p := picker(t, e.as(floor.RolePicker), e.conn, "hh1")
	p.totes(task.GetTask())
	p.code("A-01-001-1")
	p.expect(p.code(eanS1), pb.Verdict_VERDICT_RIGHT, "PICKED")
	if l := e.level(t, "A-01-001-1", "S1"); l.OnHand != 3 || l.Reserved != 2 {
		t.Fatalf("after one unit: %+v", l)
	}
	if _, err := pb.NewOrderServiceClient(e.conn).CancelOrder(e.as(floor.RoleAdmin), &pb.CancelOrderRequest{Id: "O4"}); err != nil {
		t.Fatal(err)
	}
	if l := e.level(t, "A-01-001-1", "S1"); l.OnHand != 4 || l.Reserved != 0 {
		t.Errorf("after cancel: %+v, want all 4 back on hand", l)
	}
	p.expect(p.code(eanS1), pb.Verdict_VERDICT_NOTHING_OPEN, "NO_TASK")
}

// A malformed scan is refused naming every field it breaks, under the scan
// message, and the scan, so that a device can set it aside.
func TestScanFromProtoNamesItsFields(t *testing.T) {
	long := strings.Repeat("x", maxCodeLen+1)
	badTime := &timestamppb.Timestamp{Nanos: -1}
	tests := []struct {
		name string
		scan *pb.Scan
		want []string // the fields of the violations, in order; none for a good scan
	}{
		{"code scan", &pb.Scan{ScanId: "s1", Code: "A-01-001-1", Quantity: 2}, nil},
		{"empty", &pb.Scan{}, []string{"scan.scan_id", "scan.code"}},
		{"code scan, bad fields", &pb.Scan{ScanId: "s\x01", DeviceTime: badTime, Code: long, Quantity: -1},
			[]string{"scan.scan_id", "scan.device_time", "scan.code", "scan.quantity"}},
		{"code not UTF-8", &pb.Scan{ScanId: "s1", Code: "A-\xff"}, []string{"scan.code"}},
		{"quantity needs no code", &pb.Scan{ScanId: "s1", Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Quantity: 3}, nil},
		{"quantity, bad code and none", &pb.Scan{ScanId: "s1", Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Code: long},
			[]string{"scan.code", "scan.quantity"}},
		{"short without a reason", &pb.Scan{ScanId: "s1", Action: pb.ScanAction_SCAN_ACTION_SHORT}, []string{"scan.short_reason"}},
		{"weight out of range", &pb.Scan{ScanId: "s1", Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: maxParcelGrams + 1},
			[]string{"scan.weight_g"}},
		{"unknown action", &pb.Scan{ScanId: "s1", Action: 99, Code: "A-01-001-1"}, []string{"scan.action"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanFromProto(tt.scan)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			fe, ok := err.(*floor.Error)
			if !ok {
				t.Fatalf("got %v, want a *floor.Error", err)
			}
			var got []string
			for _, v := range fe.Violations {
				got = append(got, v.Field)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("violations name %q, want %q", got, tt.want)
			}
			if fe.Reason != "MALFORMED_SCAN" || fe.Meta["scan_id"] != tt.scan.GetScanId() {
				t.Errorf("reason %q, meta %v; want MALFORMED_SCAN naming scan %q", fe.Reason, fe.Meta, tt.scan.GetScanId())
			}
		})
	}
}
