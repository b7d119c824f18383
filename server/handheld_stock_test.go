package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// The stock modes on a phone-sized Chromium, each with the InventoryService
// calls the terminal client makes: receiving the demo purchase order, the
// units put away where the server suggests, one moved on by transfer, and
// the bin counted blind by a counter after the receiver signs out.
func TestHandheldStockModesInChromium(t *testing.T) {
	s := startDemo(t)
	conn := s.dial(t)
	codes := &barcodes{t: t, ws: pb.NewWarehouseServiceClient(conn), admin: s.tokens["admin"], of: map[string]string{}}
	inv := pb.NewInventoryServiceClient(conn)
	po, err := inv.GetDelivery(bearer(s.tokens["receiver"]), &pb.GetDeliveryRequest{Id: "PO-DEMO-1"})
	if err != nil {
		t.Fatal(err)
	}
	sku := po.GetDelivery().GetLines()[0].GetSku()
	item := codes.code(sku)

	p := newPhone(t, s)
	p.open(s.tokens["receiver"])
	mode := func(name, title string) {
		t.Helper()
		if eval[bool](p, `!document.getElementById('work').hidden`) {
			p.do(chromedp.Click("#menu"))
		}
		p.wait("modes", `!document.getElementById('modes').hidden`)
		p.do(chromedp.Click("#mode-" + name))
		p.wait(title, `!document.getElementById('work').hidden && document.getElementById('mode-name').textContent === '`+title+`'`)
	}
	step := func(want string) {
		t.Helper()
		p.wait("step "+want, `document.getElementById('step').textContent.startsWith('`+want+`')`)
	}

	// Receive: the delivery, then two units of its first line.
	mode("receive", "Receive")
	step("Scan the delivery")
	p.scanKeys("PO-DEMO-1")
	p.wait("the delivery's lines", `document.querySelectorAll('#lines li').length === 3`)
	for range 2 {
		if v := p.scan(item); v.tone != "right" {
			t.Fatalf("receive %s: %+v", item, v)
		}
	}
	p.wait("line counted", `document.querySelector('#lines li .n').textContent.startsWith('2/48')`)
	p.shot("handheld-receive.png")

	// Put-away: the item twice (two units), the bin the server suggests.
	sug, err := inv.SuggestBin(bearer(s.tokens["receiver"]), &pb.SuggestBinRequest{Code: item})
	if err != nil || sug.GetBin() == "" {
		t.Fatalf("suggest bin: %v %v", sug, err)
	}
	mode("putaway", "Put away")
	step("Scan an item")
	p.scanKeys(item)
	p.wait("suggestion shown", `document.getElementById('detail').textContent.includes('put it in `+sug.GetBin()+`')`)
	p.scanKeys(item)
	p.wait("two units", `document.getElementById('target').textContent === '2 × `+item+`'`)
	p.shot("handheld-putaway.png")
	if v := p.scan(sug.GetBin()); v.tone != "right" {
		t.Fatalf("put away into %s: %+v", sug.GetBin(), v)
	}

	// Transfer: one unit on from that bin to another bin of the map.
	bm, err := pb.NewWarehouseServiceClient(conn).GetBinMap(bearer(s.tokens["admin"]), &pb.GetBinMapRequest{})
	if err != nil {
		t.Fatal(err)
	}
	to := bm.GetBinMap().GetBins()[0].GetCode()
	if to == sug.GetBin() {
		to = bm.GetBinMap().GetBins()[1].GetCode()
	}
	mode("transfer", "Transfer")
	step("Scan the bin to take from")
	p.scanKeys(sug.GetBin())
	step("Scan the item")
	p.scanKeys(item)
	step("Scan the bin it goes to")
	p.shot("handheld-transfer.png")
	if v := p.scan(to); v.tone != "right" {
		t.Fatalf("transfer to %s: %+v", to, v)
	}

	// Count: the receiver's shift ends; a counter counts the bin blind.
	p.do(chromedp.Click("#menu"))
	p.wait("modes", `!document.getElementById('modes').hidden`)
	p.do(chromedp.Click("#signout"))
	p.signIn(s.tokens["counter"])
	mode("count", "Count")
	step("Scan the bin to count")
	if v := p.scan(sug.GetBin()); v.tone != "right" {
		t.Fatalf("start count of %s: %+v", sug.GetBin(), v)
	}
	for range 3 {
		p.scan(item)
	}
	p.wait("counted so far", `document.querySelector('#lines li .n').textContent === '3'`)
	p.shot("handheld-count.png")
	before := p.verdictSeq()
	p.do(chromedp.Click("#act-counted"))
	v := p.nextVerdict(before, "bin counted")
	if v.tone == "" || strings.Contains(v.text, "internal") {
		t.Fatalf("count of %s: %+v", sug.GetBin(), v)
	}
	t.Logf("count verdict: %+v", v)
}
