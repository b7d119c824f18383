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
	keypad := p.weigh
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

// weigh enters g grams on the pack mode's weight keypad and returns the
// verdict.
func (p *phone) weigh(g string) verdict {
	p.t.Helper()
	before := p.verdictSeq()
	p.do(chromedp.Click("#act-weight"))
	p.wait("keypad open", `document.getElementById('keypad').open`)
	for _, d := range g {
		p.do(chromedp.Click(fmt.Sprintf(`#keys button[data-key="%c"]`, d)))
	}
	p.do(chromedp.Click(`#keys button[data-key="OK"]`))
	return p.nextVerdict(before, g+" g")
}

// click presses a button of the work screen and returns the verdict.
func (p *phone) click(sel string) verdict {
	p.t.Helper()
	before := p.verdictSeq()
	p.do(chromedp.Click(sel))
	return p.nextVerdict(before, sel)
}

// expectedG reads the grams a pack answer expects ("expected 410 g").
func expectedG(t *testing.T, v verdict) string {
	t.Helper()
	m := regexp.MustCompile(`expected (\d+) g`).FindStringSubmatch(v.text)
	if m == nil {
		t.Fatalf("no expected weight in %+v", v)
	}
	return m[1]
}

// An order packed in two boxes on a phone-sized screen: the first line
// goes in box 1, which is closed with New box and weighed on its own; an
// empty box 2 is refused in words; the rest goes in box 2, weighed as the
// last. Every scan counts its own line down on the screen. At handoff
// both boxes' labels are scanned: the first leaves the order packed, the
// second hands it off.
func TestHandheldPackInBoxesInChromium(t *testing.T) {
	s := startDemo(t)
	conn := s.dial(t)
	codes := &barcodes{t: t, ws: pb.NewWarehouseServiceClient(conn), admin: s.tokens["admin"], of: map[string]string{}}
	task := pickByAPI(t, conn, s, codes)
	orders := pb.NewOrderServiceClient(conn)
	admin := bearer(s.tokens["admin"])
	// The order of the most units, of two lines or more if there is one.
	var order *pb.Order
	var most int64
	for _, o := range task.GetOrders() {
		r, err := orders.GetOrder(admin, &pb.GetOrderRequest{Id: o.GetOrderId()})
		if err != nil {
			t.Fatal(err)
		}
		var units int64
		for _, l := range r.GetOrder().GetLines() {
			units += l.GetQuantity()
		}
		if len(r.GetOrder().GetLines()) > 1 {
			units += 1000
		}
		if units > most {
			order, most = r.GetOrder(), units
		}
	}
	// The units to verify, SKU by SKU as the screen lists them.
	left := map[string]int64{}
	for _, l := range order.GetLines() {
		left[l.GetSku()] += l.GetQuantity()
	}
	var units []string
	for _, l := range order.GetLines() {
		for range l.GetQuantity() {
			units = append(units, l.GetSku())
		}
	}
	if len(units) < 2 {
		t.Fatalf("no order of two units or more in task %s", task.GetId())
	}
	// Box 1 takes the first line, or the first unit of a one-line order.
	inBox1 := int(order.GetLines()[0].GetQuantity())
	if inBox1 == len(units) {
		inBox1 = 1
	}

	p := newPhone(t, s)
	p.open(s.tokens["packer"])
	p.wait("the modes of a packer", `document.getElementById('mode-pack') !== null`)
	p.do(chromedp.Click("#mode-pack"))
	p.wait("pack asks for the order", `document.getElementById('work').dataset.expect === 'ORDER'`)
	if v := p.scan(order.GetId()); v.tone == "wrong" {
		t.Fatalf("order %s: %+v", order.GetId(), v)
	}
	p.wait("a line per SKU", fmt.Sprintf(`document.querySelectorAll('#lines li').length === %d`, len(left)))
	lineLeft := func(sku string) string {
		return eval[string](p, fmt.Sprintf(`(document.querySelector('#lines li[data-sku=%q]') || {dataset: {}}).dataset.left || 'none'`, sku))
	}
	for sku, n := range left {
		if got := lineLeft(sku); got != strconv.FormatInt(n, 10) {
			t.Errorf("%s before any scan: %s left on the screen, want %d", sku, got, n)
		}
	}
	// scanUnit scans one unit and checks that its line, and only its line,
	// counted down and is the one marked.
	scanUnit := func(sku string) verdict {
		t.Helper()
		v := p.scan(codes.code(sku))
		if v.tone == "wrong" {
			t.Fatalf("item %s: %+v", sku, v)
		}
		left[sku]--
		for other, n := range left {
			if got := lineLeft(other); got != strconv.FormatInt(n, 10) {
				t.Errorf("after a scan of %s: %s shows %s left, want %d", sku, other, got, n)
			}
		}
		if hit := eval[string](p, `(document.querySelector('#lines li.hit') || {dataset: {}}).dataset.sku || ''`); hit != sku {
			t.Errorf("after a scan of %s the marked line is %q", sku, hit)
		}
		return v
	}
	for _, sku := range units[:inBox1] {
		scanUnit(sku)
	}
	p.shot("handheld-pack-box1-items.png")

	v := p.click("#act-new-box")
	if v.tone != "right" || !strings.Contains(v.text, "box 1 closed") {
		t.Fatalf("new box: %+v", v)
	}
	box1 := expectedG(t, v)
	if w := p.work(); w["expect"] != "WEIGHT" || w["box"] != "1" {
		t.Fatalf("after closing box 1 the screen asks for %v", w)
	}
	if step := eval[string](p, `document.getElementById('step').textContent`); step != "Box 1 – weigh it" {
		t.Errorf("step %q, want Box 1 – weigh it", step)
	}
	p.shot("handheld-pack-box1-weigh.png")
	// A new box before box 1 is weighed: scanned off the station's card.
	if v := p.scan("NEW-BOX"); v.tone != "wrong" || !strings.Contains(v.text, "weigh it before starting box 2") {
		t.Errorf("NEW-BOX card while box 1 waits for its weight: %+v", v)
	}
	if v := p.weigh(box1); v.tone != "right" || !strings.Contains(v.text, "box 2 is open") {
		t.Fatalf("box 1 at %s g: %+v", box1, v)
	}
	if w := p.work(); w["expect"] != "ITEM" || w["box"] != "2" {
		t.Fatalf("after weighing box 1 the screen asks for %v", w)
	}
	if v := p.click("#act-new-box"); v.tone != "wrong" || !strings.Contains(v.text, "box 2 is empty") {
		t.Errorf("new box on an empty box 2: %+v", v)
	}
	p.shot("handheld-pack-empty-box.png")
	// A reload between the boxes keeps the box and every line's count.
	p.do(chromedp.Reload())
	p.wait("box 2 again after the reload", `document.getElementById('work').dataset.box === '2' && document.getElementById('work').dataset.expect === 'ITEM'`)
	for sku, n := range left {
		if got := lineLeft(sku); got != strconv.FormatInt(n, 10) {
			t.Errorf("%s after the reload: %s left on the screen, want %d", sku, got, n)
		}
	}
	for _, sku := range units[inBox1 : len(units)-1] {
		scanUnit(sku)
	}
	v = scanUnit(units[len(units)-1])
	box2 := expectedG(t, v)
	if w := p.work(); w["expect"] != "WEIGHT" || w["box"] != "2" || w["remaining"] != "0" {
		t.Fatalf("every item verified, the screen asks for %v", w)
	}
	if step := eval[string](p, `document.getElementById('step').textContent`); step != "Box 2 – weigh it" {
		t.Errorf("step %q, want Box 2 – weigh it", step)
	}
	if n := eval[int](p, `document.querySelectorAll('#lines li.done').length`); n != len(left) {
		t.Errorf("%d lines done on the screen, want %d", n, len(left))
	}
	p.shot("handheld-pack-box2-weigh.png")
	if v := p.weigh(box2); v.tone != "done" || !strings.Contains(v.text, "packed in 2 boxes") {
		t.Fatalf("box 2 at %s g: %+v", box2, v)
	}
	p.wait("the next order asked for", `document.getElementById('work').dataset.expect === 'ORDER' && document.querySelectorAll('#lines li').length === 0`)

	packed, err := orders.GetOrder(admin, &pb.GetOrderRequest{Id: order.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	boxes := packed.GetOrder().GetBoxes()
	if len(boxes) != 2 || boxes[0].GetCode() == "" || boxes[1].GetCode() == "" || boxes[0].GetCode() == boxes[1].GetCode() {
		t.Fatalf("boxes of the packed order: %v", boxes)
	}
	for i, want := range []string{box1, box2} {
		if got := strconv.FormatInt(boxes[i].GetWeightG(), 10); got != want {
			t.Errorf("box %d weighs %s g on record, want %s", i+1, got, want)
		}
	}

	// Handoff: each box by its label's barcode.
	p.do(chromedp.Click("#menu"))
	p.wait("modes", `!document.getElementById('modes').hidden`)
	p.do(chromedp.Click("#mode-handoff"))
	p.wait("handoff", `document.getElementById('mode-name').textContent === 'Handoff'`)
	if v := p.scan(boxes[0].GetCode()); v.tone != "right" {
		t.Fatalf("box 1 %s at handoff: %+v", boxes[0].GetCode(), v)
	}
	if r, err := orders.GetOrder(admin, &pb.GetOrderRequest{Id: order.GetId()}); err != nil || r.GetOrder().GetState() != pb.OrderState_ORDER_STATE_PACKED {
		t.Errorf("after box 1 of 2 the order is %v (%v), want still packed", r.GetOrder().GetState(), err)
	}
	if v := p.scan(boxes[1].GetCode()); v.tone != "done" {
		t.Fatalf("box 2 %s at handoff: %+v", boxes[1].GetCode(), v)
	}
	p.shot("handheld-handoff-boxes.png")
	if r, err := orders.GetOrder(admin, &pb.GetOrderRequest{Id: order.GetId()}); err != nil || r.GetOrder().GetState() != pb.OrderState_ORDER_STATE_HANDED_OFF {
		t.Errorf("after both boxes the order is %v (%v), want handed off", r.GetOrder().GetState(), err)
	}
}
