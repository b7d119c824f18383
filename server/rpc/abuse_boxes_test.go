package rpc

import (
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// pickWhole has picker-1 pick the order's whole task: its totes, every
// stop, the drop-off.
func (e *env) pickWhole(t *testing.T) {
	t.Helper()
	task, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil {
		t.Fatal(err)
	}
	p := picker(t, e.as(floor.RolePicker), e.conn, "hh1")
	p.totes(task.GetTask())
	for _, s := range task.GetTask().GetStops() {
		p.code(s.GetBin())
		p.do(&pb.Scan{Code: map[string]string{"S1": eanS1, "S2": eanS2}[s.GetSku()], Quantity: s.GetQuantity()})
	}
	p.dropOff()
}

// TestAbuseBoxes: packing in several boxes, each scan that does not fit
// is refused, and nothing of it is stored. A malformed weight ends the
// stream with InvalidArgument naming scan.weight_g (a device bug; the scan
// is not recorded); a scan that breaks the box sequence (an item while no
// box is open, an empty box, a box while another waits for its weight, a
// box with nothing left for it, a wrong weight) is answered with
// VERDICT_OUT_OF_SEQUENCE or VERDICT_WEIGHT_MISMATCH and a reason, the
// stream's FailedPrecondition, and leaves the session as it was: the same
// next step, no box closed or weighed, the order still picked with no
// boxes and no weights. Before NEW_BOX existed an order could not be split
// at all (SCAN_ACTION_NEW_BOX = 5 was an unknown action).
func TestAbuseBoxes(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "OB", &pb.OrderLine{Sku: "S1", Quantity: 2}, &pb.OrderLine{Sku: "S2", Quantity: 1})
	e.pickWhole(t)
	ctx := e.as(floor.RolePacker)
	orders := pb.NewOrderServiceClient(e.conn)
	weight := func(g int64) *pb.Scan { return &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: g} }
	newBox := func() *pb.Scan { return &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_NEW_BOX} }
	k := packer(t, ctx, e.conn, "pk")
	last := k.code("OB")
	// Flask 350 g, cable 40 g, box 60 g: box 1 holds a flask, 410 g ± 20 g.
	steps := []struct {
		name    string
		scan    *pb.Scan
		field   string // InvalidArgument at this field
		verdict pb.Verdict
		reason  string
		refused bool
	}{
		{name: "empty first box", scan: newBox(), verdict: pb.Verdict_VERDICT_OUT_OF_SEQUENCE, reason: "EMPTY_BOX", refused: true},
		{name: "flask", scan: &pb.Scan{Code: eanS1}, verdict: pb.Verdict_VERDICT_RIGHT, reason: "VERIFIED"},
		{name: "close box 1", scan: newBox(), verdict: pb.Verdict_VERDICT_RIGHT, reason: "BOX_CLOSED"},
		{name: "weight missing", scan: weight(0), field: "scan.weight_g"},
		{name: "negative weight", scan: weight(-410), field: "scan.weight_g"},
		{name: "weight over a tonne", scan: weight(maxParcelGrams + 1), field: "scan.weight_g"},
		{name: "item into no box", scan: &pb.Scan{Code: eanS2}, verdict: pb.Verdict_VERDICT_OUT_OF_SEQUENCE, reason: "NO_OPEN_BOX", refused: true},
		{name: "typed quantity into no box", scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Quantity: 1},
			verdict: pb.Verdict_VERDICT_OUT_OF_SEQUENCE, reason: "NO_OPEN_BOX", refused: true},
		{name: "new box before weighing", scan: newBox(), verdict: pb.Verdict_VERDICT_OUT_OF_SEQUENCE, reason: "WEIGH_BOX_FIRST", refused: true},
		{name: "wrong weight", scan: weight(900), verdict: pb.Verdict_VERDICT_WEIGHT_MISMATCH, reason: "WEIGHT_MISMATCH", refused: true},
		{name: "weigh box 1", scan: weight(415), verdict: pb.Verdict_VERDICT_RIGHT, reason: "BOX_WEIGHED"},
		{name: "empty second box", scan: newBox(), verdict: pb.Verdict_VERDICT_OUT_OF_SEQUENCE, reason: "EMPTY_BOX", refused: true},
		{name: "flask and cable", scan: &pb.Scan{Code: eanS1}, verdict: pb.Verdict_VERDICT_RIGHT, reason: "VERIFIED"},
		{name: "cable", scan: &pb.Scan{Code: eanS2}, verdict: pb.Verdict_VERDICT_LINE_DONE, reason: "ITEMS_VERIFIED"},
		{name: "a box with nothing left", scan: newBox(), verdict: pb.Verdict_VERDICT_OUT_OF_SEQUENCE, reason: "NOTHING_LEFT", refused: true},
		{name: "last weight missing", scan: weight(0), field: "scan.weight_g"},
	}
	parent := t
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			k.t = t
			if st.field != "" {
				st.scan.ScanId = "bad-" + strings.ReplaceAll(st.name, " ", "-")
				if err := k.send(st.scan); err != nil {
					t.Fatal(err)
				}
				_, err := k.recv()
				violation(t, err, st.field)
				if s := status.Convert(err); !strings.Contains(s.Message(), "weight_g") {
					t.Errorf("%q does not name the weight", s.Message())
				}
				if _, seen, err := e.store.ScanAnswer("pack", "packer-1", st.scan.ScanId); seen || err != nil {
					t.Errorf("the malformed scan was recorded (%v)", err)
				}
				k = packer(parent, ctx, e.conn, "pk-after-"+st.scan.ScanId) // the stream ended; the station goes on with a new one
				return
			}
			a := k.do(st.scan)
			k.expect(a, st.verdict, st.reason)
			if st.refused && !proto.Equal(a.GetNext(), last.GetNext()) {
				t.Errorf("refused, yet the next step moved from %v to %v", last.GetNext(), a.GetNext())
			}
			last = a
		})
		got, err := orders.GetOrder(e.as(floor.RoleSupervisor), &pb.GetOrderRequest{Id: "OB"})
		if o := got.GetOrder(); err != nil || o.GetState() != pb.OrderState_ORDER_STATE_PICKED || len(o.GetBoxes()) > 0 || len(o.GetParcelWeightsG()) > 0 {
			t.Fatalf("after %s: %v boxes %v weights %v (%v), want picked with none", st.name, o.GetState(), o.GetBoxes(), o.GetParcelWeightsG(), err)
		}
	}
	if n := last.GetNext(); n.GetExpect() != pb.Expect_EXPECT_WEIGHT || n.GetBox() != 2 || n.GetDone() != 3 {
		t.Errorf("at the end: %v, want box 2 to weigh, 3 items done", n)
	}

	// The order's carrier left the set-up while it was on the bench: its
	// second box cannot be numbered, so the last weight is refused and the
	// order stays as it was until the carrier is back.
	wh := pb.NewWarehouseServiceClient(e.conn)
	admin := e.as(floor.RoleAdmin)
	if _, err := wh.ImportShipping(admin, &pb.ImportShippingRequest{Data: []byte(`{
		"sender": {"name": "W", "lines": ["1 Dock Road"], "city": "Felixstowe", "postal_code": "IP11 3SY", "country": "GB"},
		"carriers": [{"name": "Courier", "services": ["s"], "tracking": {"kind": "gs1", "prefix": "12", "digits": 12}}]}`)}); err != nil {
		t.Fatal(err)
	}
	a := k.do(weight(452))
	k.expect(a, pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "NO_BOX_NUMBERS")
	if !strings.Contains(a.GetMessage(), `"Post"`) || !proto.Equal(a.GetNext(), last.GetNext()) {
		t.Errorf("refused numbering: %q, next %v", a.GetMessage(), a.GetNext())
	}
	got, err := orders.GetOrder(e.as(floor.RoleSupervisor), &pb.GetOrderRequest{Id: "OB"})
	if o := got.GetOrder(); err != nil || o.GetState() != pb.OrderState_ORDER_STATE_PICKED || len(o.GetBoxes()) > 0 {
		t.Fatalf("after a refused numbering: %v (%v)", o, err)
	}
	data, _ := os.ReadFile("testdata/shipping.json")
	if _, err := wh.ImportShipping(admin, &pb.ImportShippingRequest{Data: data}); err != nil {
		t.Fatal(err)
	}
	k.expect(k.do(weight(452)), pb.Verdict_VERDICT_TASK_DONE, "PACKED")
}

// TestAbuseBoxNumbering: a shipping set-up naming an unknown way to number
// pieces is refused with the carrier's field, and the stored set-up stays.
func TestAbuseBoxNumbering(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	_, err := pb.NewWarehouseServiceClient(e.conn).ImportShipping(e.as(floor.RoleAdmin), &pb.ImportShippingRequest{Data: []byte(`{
		"sender": {"name": "W", "lines": ["1 Dock Road"], "city": "Felixstowe", "postal_code": "IP11 3SY", "country": "GB"},
		"carriers": [{"name": "P", "services": ["s"], "tracking": {"kind": "s10", "prefix": "RR", "country": "GB"}, "pieces": "mother"}]}`)})
	if d := violation(t, err, "data: carriers[0] (P).pieces"); !strings.Contains(d, `"mother"`) {
		t.Errorf("the violation %q does not quote the value", d)
	}
	if sh, err := e.store.Shipping(); err != nil || len(sh.Carriers) != 3 {
		t.Errorf("the refused set-up replaced the stored one: %v", err)
	}
}

// An order packed in two boxes over gRPC: the instruction names the box,
// GetOrder returns each box with its code, contents and weight, and the
// handoff takes the boxes one by one, the order open until the last.
func TestPackInBoxes(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "OB", &pb.OrderLine{Sku: "S1", Quantity: 2}, &pb.OrderLine{Sku: "S2", Quantity: 1})
	e.pickWhole(t)
	k := packer(t, e.as(floor.RolePacker), e.conn, "pk")
	k.code("OB")
	k.code(eanS1)
	closed := k.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_NEW_BOX})
	if n := closed.GetNext(); n.GetExpect() != pb.Expect_EXPECT_WEIGHT || n.GetBox() != 1 {
		t.Errorf("box 1 closed: next %v, want its weight", n)
	}
	k.expect(k.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 405}), pb.Verdict_VERDICT_RIGHT, "BOX_WEIGHED")
	k.code(eanS1)
	k.code(eanS2)
	k.expect(k.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 452}), pb.Verdict_VERDICT_TASK_DONE, "PACKED")

	get := func() *pb.Order {
		got, err := pb.NewOrderServiceClient(e.conn).GetOrder(e.as(floor.RoleSupervisor), &pb.GetOrderRequest{Id: "OB"})
		if err != nil {
			t.Fatal(err)
		}
		return got.GetOrder()
	}
	o := get()
	boxes := o.GetBoxes()
	if len(boxes) != 2 || boxes[0].GetCode() != o.GetTrackingNumber() || boxes[1].GetCode() == o.GetTrackingNumber() ||
		boxes[0].GetWeightG() != 405 || boxes[1].GetWeightG() != 452 || boxes[1].GetNumber() != 2 ||
		len(boxes[1].GetLines()) != 2 || len(o.GetParcelWeightsG()) != 2 {
		t.Fatalf("GetOrder after packing in 2 boxes: %v", o)
	}
	h := handoff(t, e.as(floor.RolePacker), e.conn, "ho")
	a := h.code(boxes[1].GetCode())
	h.expect(a, pb.Verdict_VERDICT_RIGHT, "BOX_HANDED_OFF")
	if !strings.Contains(a.GetMessage(), "1/2 ("+boxes[0].GetCode()+")") {
		t.Errorf("%q does not name the missing box 1", a.GetMessage())
	}
	if o := get(); o.GetState() != pb.OrderState_ORDER_STATE_PACKED || o.GetBoxes()[1].GetHandedOffAt() == nil || o.GetHandedOffAt() != nil {
		t.Errorf("one of two boxes handed off: %v", o)
	}
	h.expect(h.code(boxes[0].GetCode()), pb.Verdict_VERDICT_TASK_DONE, "HANDED_OFF")
	if o := get(); o.GetState() != pb.OrderState_ORDER_STATE_HANDED_OFF || !o.GetHandedOffAt().AsTime().Equal(e.clock.t) {
		t.Errorf("both boxes handed off: %v", o)
	}
}
