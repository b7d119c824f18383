package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"google.golang.org/grpc"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// pickByAPI has the demo picker take a task and pick it whole through the
// unary scan, following the server's instructions; it returns the task.
func pickByAPI(t testing.TB, conn *grpc.ClientConn, s *server, codes *barcodes) *pb.Task {
	t.Helper()
	picks := pb.NewPickServiceClient(conn)
	ctx := bearer(s.tokens["picker"])
	r, err := picks.NextTask(ctx, &pb.NextTaskRequest{})
	if err != nil || r.GetTask() == nil {
		t.Fatalf("next task: %v", err)
	}
	next := r.GetNext()
	for n := 0; ; n++ {
		var code string
		switch next.GetExpect() {
		case pb.Expect_EXPECT_TOTE:
			code = fmt.Sprintf("TOTE-%04d", 9000+n)
		case pb.Expect_EXPECT_DROP_OFF:
			code = "DROP-PACK1"
		case pb.Expect_EXPECT_BIN:
			code = next.GetStop().GetBin()
		case pb.Expect_EXPECT_ITEM:
			code = codes.code(next.GetStop().GetSku())
		default:
			return r.GetTask()
		}
		a, err := picks.ScanOne(ctx, &pb.ScanOneRequest{Scan: &pb.Scan{ScanId: fmt.Sprintf("api-%d", n), Code: code}})
		if err != nil {
			t.Fatalf("scan %s: %v", code, err)
		}
		next = a.GetAnswer().GetNext()
	}
}

// The pack station on the same phone-sized screen: the order's barcode,
// its items listed and scanned (a wrong one refused), a weight off by far
// and then the right one on the keypad; then handoff, where only the
// waybill's barcode scanned is taken.
func TestHandheldPackAndHandoffInChromium(t *testing.T) {
	s := startDemo(t)
	conn := s.dial(t)
	codes := &barcodes{t: t, ws: pb.NewWarehouseServiceClient(conn), admin: s.tokens["admin"], of: map[string]string{}}
	task := pickByAPI(t, conn, s, codes)
	orders := pb.NewOrderServiceClient(conn)
	// An order of more than one unit: its parcel is weighed.
	var order *pb.Order
	for _, o := range task.GetOrders() {
		r, err := orders.GetOrder(bearer(s.tokens["admin"]), &pb.GetOrderRequest{Id: o.GetOrderId()})
		if err != nil {
			t.Fatal(err)
		}
		var units int64
		for _, l := range r.GetOrder().GetLines() {
			units += l.GetQuantity()
		}
		if units > 1 {
			order = r.GetOrder()
			break
		}
	}
	if order == nil {
		t.Fatalf("no order of more than one unit in task %s", task.GetId())
	}

	p := newPhone(t, s)
	p.open(s.tokens["packer"])
	p.wait("the modes of a packer", `document.getElementById('mode-pack') && document.getElementById('mode-handoff')`)
	p.shot("handheld-modes.png")
	p.do(chromedp.Click("#mode-pack"))
	p.wait("pack asks for the order", `document.getElementById('work').dataset.expect === 'ORDER'`)
	if v := p.scan(order.GetId()); v.tone == "wrong" {
		t.Fatalf("order %s: %+v", order.GetId(), v)
	}
	p.wait("the order's items listed", fmt.Sprintf(`document.querySelectorAll('#lines li').length === %d`, len(order.GetLines())))
	p.shot("handheld-pack.png")

	// An item not in the order is refused and named.
	var inOrder = map[string]bool{}
	for _, l := range order.GetLines() {
		inOrder[l.GetSku()] = true
	}
	for _, st := range task.GetStops() {
		if !inOrder[st.GetSku()] {
			if v := p.scan(codes.code(st.GetSku())); v.tone != "wrong" {
				t.Errorf("item %s of another order: %+v", st.GetSku(), v)
			}
			break
		}
	}
	for _, l := range order.GetLines() {
		for range l.GetQuantity() {
			if v := p.scan(codes.code(l.GetSku())); v.tone == "wrong" {
				t.Fatalf("item %s: %+v", l.GetSku(), v)
			}
		}
	}
	p.wait("weight asked", `document.getElementById('work').dataset.expect === 'WEIGHT'`)

	// The keypad: 1 g is far off, and the answer says what was expected.
	keypad := func(g string) verdict {
		t.Helper()
		before := p.verdictSeq()
		p.do(chromedp.Click("#act-weight"))
		p.wait("keypad open", `document.getElementById('keypad').open`)
		for _, d := range g {
			p.do(chromedp.Click(fmt.Sprintf(`#keys button[data-key="%c"]`, d)))
		}
		p.do(chromedp.Click(`#keys button[data-key="OK"]`))
		return p.nextVerdict(before, g+" g")
	}
	v := keypad("1")
	m := regexp.MustCompile(`expected (\d+) g`).FindStringSubmatch(v.text)
	if v.tone != "wrong" || m == nil {
		t.Fatalf("1 g: %+v", v)
	}
	p.shot("handheld-pack-weight.png")
	// The same screen on a pack station's 1920-wide monitor.
	p.do(chromedp.EmulateViewport(1920, 1080))
	p.wait("relaid out", `innerWidth === 1920`)
	p.shot("handheld-pack-station-1920.png")
	p.do(chromedp.EmulateViewport(360, 640, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	p.wait("a phone again", `innerWidth === 360`)
	if v := keypad(m[1]); v.tone != "done" || !strings.Contains(v.text, "packed") {
		t.Fatalf("%s g: %+v", m[1], v)
	}
	if w, _ := strconv.Atoi(m[1]); w <= 0 {
		t.Fatalf("expected weight %s", m[1])
	}

	// Handoff: the order id typed by hand is refused on the device, the
	// order id scanned off the pick list by the server, the waybill's
	// barcode taken.
	packed, err := orders.GetOrder(bearer(s.tokens["admin"]), &pb.GetOrderRequest{Id: order.GetId()})
	if err != nil || packed.GetOrder().GetTrackingNumber() == "" {
		t.Fatalf("packed order %s: %v, no tracking number", order.GetId(), err)
	}
	p.do(chromedp.Click("#menu"))
	p.wait("modes", `!document.getElementById('modes').hidden`)
	p.do(chromedp.Click("#mode-handoff"))
	p.wait("handoff", `!document.getElementById('work').hidden && document.getElementById('mode-name').textContent === 'Handoff'`)
	before := p.verdictSeq()
	p.do(chromedp.Click("#keyboard"))
	for _, r := range order.GetId() {
		ch := string(r)
		p.do(p.key("keyDown", keyOf(ch)), p.key("keyUp", keyOf(ch)))
	}
	p.enter(time.Now())
	if v := p.nextVerdict(before, "typed order id"); !hasWord(v, "wrong", "typed") {
		t.Errorf("typed order id at handoff: %+v", v)
	}
	// Typed without the keyboard button, a key every 150 ms: typing all
	// the same, told by its pace.
	before = p.verdictSeq()
	at := time.Now()
	for _, r := range order.GetId() {
		at = at.Add(150 * time.Millisecond)
		k := keyOf(string(r))
		k.Timestamp = stamp(at)
		p.do(p.key("keyDown", k), p.key("keyUp", keyOf(string(r))))
	}
	p.enter(at.Add(200 * time.Millisecond))
	if v := p.nextVerdict(before, "slowly typed order id"); !hasWord(v, "wrong", "typed") {
		t.Errorf("slowly typed order id at handoff: %+v", v)
	}
	if v := p.scan(order.GetId()); v.tone != "wrong" || strings.Contains(v.text, "typed") {
		t.Errorf("order id scanned at handoff: %+v, want the server's refusal", v)
	}
	if v := p.scan(packed.GetOrder().GetTrackingNumber()); v.tone == "wrong" {
		t.Fatalf("waybill %s: %+v", packed.GetOrder().GetTrackingNumber(), v)
	}
	p.shot("handheld-handoff.png")
	handed, err := orders.GetOrder(bearer(s.tokens["admin"]), &pb.GetOrderRequest{Id: order.GetId()})
	if err != nil || handed.GetOrder().GetState() != pb.OrderState_ORDER_STATE_HANDED_OFF {
		t.Errorf("order after handoff: %v, %v", handed.GetOrder().GetState(), err)
	}
}
