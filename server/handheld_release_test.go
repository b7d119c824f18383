package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// The picker's buttons: a stop skipped for now (it moves to the end of
// the route), a quantity typed on the keypad (refused before one unit is
// scanned, taken after), and the task given back at the end of the shift,
// with what was picked listed to put back; the server holds the task
// released.
func TestHandheldSkipKeypadAndReleaseInChromium(t *testing.T) {
	s := startDemo(t)
	conn := s.dial(t)
	codes := &barcodes{t: t, ws: pb.NewWarehouseServiceClient(conn), admin: s.tokens["admin"], of: map[string]string{}}
	p := newPhone(t, s)
	p.open(s.tokens["picker"])
	p.wait("a task", `document.getElementById('work').dataset.expect === 'TOTE'`)
	for n := 1; p.work()["expect"] == "TOTE"; n++ {
		p.scan(fmt.Sprintf("TOTE-%04d", 100+n))
	}
	first := p.work()
	taskID := first["task"]

	before := p.verdictSeq()
	p.do(chromedp.Click("#act-later"))
	p.nextVerdict(before, "skip")
	if w := p.work(); w["bin"] == first["bin"] || w["expect"] != "BIN" {
		t.Fatalf("after skipping %s: %v", first["bin"], w)
	}

	keypad := func(n int) verdict {
		t.Helper()
		before := p.verdictSeq()
		p.do(chromedp.Click("#act-qty"))
		p.wait("keypad open", `document.getElementById('keypad').open`)
		for _, d := range strconv.Itoa(n) {
			p.do(chromedp.Click(fmt.Sprintf(`#keys button[data-key="%c"]`, d)))
		}
		p.do(chromedp.Click(`#keys button[data-key="OK"]`))
		return p.nextVerdict(before, "keypad "+strconv.Itoa(n))
	}
	w := p.work()
	p.scan(w["bin"])
	if v := keypad(1); v.tone != "wrong" || !strings.Contains(v.text, "scan one "+w["sku"]) {
		t.Errorf("a quantity before any unit: %+v", v)
	}
	p.scan(codes.code(w["sku"]))
	if rest, _ := strconv.Atoi(p.work()["remaining"]); p.work()["expect"] == "ITEM" && rest > 0 {
		if v := keypad(rest); v.tone != "right" {
			t.Errorf("the %d left by keypad: %+v", rest, v)
		}
	}

	// End of shift: the task goes back.
	p.do(chromedp.Click("#act-release"))
	p.wait("asked to confirm", `document.getElementById('choose').open`)
	before = p.verdictSeq()
	p.do(chromedp.Click(`#choices button[data-value="release"]`))
	if v := p.nextVerdict(before, "release"); v.tone != "done" {
		t.Fatalf("release: %+v", v)
	}
	p.wait("what to put back listed", `document.querySelectorAll('#lines li').length > 0 && document.getElementById('work').dataset.expect === 'NOTHING'`)
	p.shot("handheld-pick-released.png")
	task, err := pb.NewPickServiceClient(conn).GetTask(bearer(s.tokens["supervisor"]), &pb.GetTaskRequest{Id: taskID})
	if err != nil || task.GetTask().GetState() != pb.TaskState_TASK_STATE_RELEASED {
		t.Errorf("task %s after release: %v, %v", taskID, task.GetTask().GetState(), err)
	}
}
