package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// A picker's task on a phone-sized Chromium, every scan typed as the
// scanner types it: the totes, a wrong bin and a wrong item named in
// words, a short pick, the link cut for several scans and restored (each
// reaching the server once), a reload mid-task, the drop-off and the next
// task.
func TestHandheldPickInChromium(t *testing.T) {
	s := startDemo(t)
	conn := s.dial(t)
	codes := &barcodes{t: t, ws: pb.NewWarehouseServiceClient(conn), admin: s.tokens["admin"], of: map[string]string{}}
	picks := pb.NewPickServiceClient(conn)
	p := newPhone(t, s)
	p.open(s.tokens["picker"])
	p.wait("a task", `['TOTE', 'BIN'].includes(document.getElementById('work').dataset.expect)`)
	p.shot("handheld-pick-start.png")

	// Totes: one scanned for each order, before the first pick.
	for n := 1; p.work()["expect"] == "TOTE"; n++ {
		if v := p.scan(fmt.Sprintf("TOTE-%04d", n)); v.tone != "right" {
			t.Fatalf("tote %d: %+v", n, v)
		}
	}
	w := p.work()
	if w["expect"] != "BIN" {
		t.Fatalf("after the totes: %v", w)
	}
	taskID := w["task"]
	p.wait("the order's clock counting down", `/^\d+:\d\d left$/.test(document.getElementById('clock').textContent)`)
	p.shot("handheld-pick.png")

	// A wrong bin, then a wrong item: each named in plain words, red.
	task, err := picks.GetTask(bearer(s.tokens["picker"]), &pb.GetTaskRequest{Id: taskID})
	if err != nil {
		t.Fatal(err)
	}
	otherBin, otherSKU := "", ""
	for _, st := range task.GetTask().GetStops() {
		if st.GetBin() != w["bin"] && otherBin == "" {
			otherBin = st.GetBin()
		}
		if st.GetSku() != w["sku"] && otherSKU == "" {
			otherSKU = st.GetSku()
		}
	}
	if otherBin == "" || otherSKU == "" {
		t.Fatalf("the demo task has one stop only: %v", task.GetTask().GetStops())
	}
	if v := p.scan(otherBin); !hasWord(v, "wrong", "wrong bin "+strings.ToLower(otherBin)) && !hasWord(v, "wrong", "later on the route") {
		t.Errorf("wrong bin %s: %+v", otherBin, v)
	}
	p.shot("handheld-pick-wrong-bin.png")
	if v := p.scan(w["bin"]); v.tone != "right" {
		t.Fatalf("bin %s: %+v", w["bin"], v)
	}
	if v := p.scan(codes.code(otherSKU)); !hasWord(v, "wrong", "that is "+strings.ToLower(otherSKU)) {
		t.Errorf("wrong item %s: %+v", otherSKU, v)
	}

	// units counts the units the server took, to compare with what it
	// holds at the end.
	scanned := 0
	// step scans what the screen asks for next, as Android or as a
	// keystroke scanner delivers it.
	step := func(android bool) verdict {
		t.Helper()
		w := p.work()
		code := w["bin"]
		if w["expect"] == "ITEM" {
			code = codes.code(w["sku"])
		}
		before := p.verdictSeq()
		if android {
			p.scanAndroid(code)
		} else {
			p.scanKeys(code)
		}
		v := p.nextVerdict(before, code)
		if v.tone == "wrong" {
			t.Fatalf("scan %s at %v: %+v", code, w, v)
		}
		if w["expect"] == "ITEM" {
			scanned++
		}
		return v
	}
	for p.work()["expect"] == "ITEM" {
		step(scanned%2 == 1)
	}

	// A short pick on the next line: at its bin, the Short button and a
	// reason.
	if p.work()["expect"] != "BIN" {
		t.Fatalf("after the first line: %v", p.work())
	}
	step(false)
	shortSKU := p.work()["sku"]
	before := p.verdictSeq()
	p.do(chromedp.Click("#act-short"), chromedp.Click(`#choices button[data-value="1"]`))
	if v := p.nextVerdict(before, "short"); v.tone != "held" || !strings.Contains(v.text, shortSKU+" short") {
		t.Errorf("short pick of %s: %+v", shortSKU, v)
	}
	p.shot("handheld-pick-short.png")

	// The link cut: the next scans wait on the device, counted, and go
	// out in order when it returns.
	if e := p.work()["expect"]; e != "BIN" && e != "ITEM" {
		t.Fatalf("nothing left to pick offline: %v", p.work())
	}
	seq := []string{}
	w = p.work()
	stops := mustTask(t, picks, s, taskID).GetStops()
	for _, st := range stops {
		if st.GetPicked()+st.GetShort() >= st.GetQuantity() || len(seq) >= 4 {
			continue
		}
		if len(seq) > 0 || w["expect"] == "BIN" {
			seq = append(seq, st.GetBin())
		}
		for range st.GetQuantity() - st.GetPicked() - st.GetShort() {
			if len(seq) < 4 {
				seq = append(seq, codes.code(st.GetSku()))
			}
		}
	}
	p.setOffline(true)
	for i, code := range seq {
		before := p.verdictSeq()
		p.scanKeys(code)
		p.nextVerdict(before, code)
		p.wait("pending counted", fmt.Sprintf(`document.getElementById('pending').textContent === '%d waiting'`, i+1))
	}
	p.shot("handheld-pick-offline.png")
	p.setOffline(false)
	p.wait("the outbox emptied", `document.getElementById('pending').hidden && document.getElementById('link').dataset.up === 'true'`)
	for _, code := range seq {
		if !strings.HasPrefix(code, "A") && !strings.HasPrefix(code, "B") {
			scanned++
		}
	}

	// A reload mid-task keeps the session and the place in the task.
	p.wait("settled", `!['LOADING'].includes(document.getElementById('work').dataset.expect)`)
	w = p.work()
	p.do(chromedp.Reload())
	p.wait("back at the same step", fmt.Sprintf(`document.getElementById('work').dataset.expect === %q && document.getElementById('work').dataset.remaining === %q`, w["expect"], w["remaining"]))

	// Turned sideways: the same step, laid out for the wide screen.
	w = p.work()
	p.do(chromedp.EmulateViewport(640, 360, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateLandscape))
	p.wait("landscape", `innerWidth === 640`)
	if got := p.work(); got["expect"] != w["expect"] || got["remaining"] != w["remaining"] {
		t.Errorf("after rotation: %v, want %v", got, w)
	}
	p.shot("handheld-pick-landscape.png")
	p.do(chromedp.EmulateViewport(360, 640, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	p.wait("portrait", `innerWidth === 360`)

	// Offline from the first load on: the service worker serves the app,
	// the session and the task are kept on the device, and a scan made
	// then waits in the outbox until the link returns.
	p.wait("the service worker controls the page", `navigator.serviceWorker.controller !== null`)
	w = p.work()
	p.setOffline(true)
	p.do(chromedp.Reload())
	p.wait("the kept task shown offline", fmt.Sprintf(`document.getElementById('work').dataset.expect === %q && document.getElementById('work').dataset.remaining === %q`, w["expect"], w["remaining"]))
	step(false)
	p.wait("one waiting", `document.getElementById('pending').textContent === '1 waiting'`)
	p.shot("handheld-pick-offline-reload.png")
	p.setOffline(false)
	p.wait("the outbox emptied", `document.getElementById('pending').hidden`)

	// The rest of the task, then the drop-off and the next task.
	for e := p.work()["expect"]; e == "BIN" || e == "ITEM"; e = p.work()["expect"] {
		step(false)
	}
	if p.work()["expect"] == "DROP_OFF" {
		p.shot("handheld-pick-drop-off.png")
		if v := p.scan("DROP-PACK1"); v.tone != "right" {
			t.Fatalf("drop-off: %+v", v)
		}
	} else {
		p.do(chromedp.Click("#act-next-task"))
	}
	p.wait("the next task", fmt.Sprintf(`['TOTE', 'BIN'].includes(document.getElementById('work').dataset.expect) && document.getElementById('work').dataset.task !== %q`, taskID))

	// The server holds every unit scanned once: picked counts, and one
	// pick movement per unit in the history.
	var picked int64
	for _, st := range mustTask(t, picks, s, taskID).GetStops() {
		picked += st.GetPicked()
	}
	if picked != int64(scanned) {
		t.Errorf("server holds %d units picked, the phone scanned %d", picked, scanned)
	}
}

func mustTask(t *testing.T, picks pb.PickServiceClient, s *server, id string) *pb.Task {
	t.Helper()
	r, err := picks.GetTask(bearer(s.tokens["picker"]), &pb.GetTaskRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetTask()
}
