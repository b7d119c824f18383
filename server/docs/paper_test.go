package docs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/printing"
	"github.com/pickpack/pickpack/server/route"
	"github.com/pickpack/pickpack/server/store"
)

// fixedClock is a clock that moves only when a test sets t.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

// paperFloor is the rpc test warehouse with a route planner, a fixed
// clock, and ann, a picker who knows bin A-03-009-1 (S1) well and picks
// from paper. Three small orders wait: P-1 (S1 + S2, to Shanghai), P-2
// (2 × S2) and P-3 (1 × S1, one unit).
func paperFloor(t *testing.T) (*store.Store, *fixedClock) {
	t.Helper()
	clock := &fixedClock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	paper := map[string]bool{"ann": true}
	st := must(store.Open(filepath.Join(t.TempDir(), "pickpack.db"), store.Options{Clock: clock,
		Planner: route.NewPlanner(route.PlannerConfig{}), Paper: func(p string) bool { return paper[p] }}))(t)
	t.Cleanup(func() {
		if err := st.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		if _, err := st.Audit(); err != nil {
			t.Errorf("stock audit: %v", err)
		}
		st.Close()
	})
	read := func(name string) []byte { return must(os.ReadFile(filepath.Join("../rpc/testdata", name)))(t) }
	must(st.ImportBinMap(must(floor.ParseBinMap(read("binmap.json")))(t), false))(t)
	if err := st.PutSKUs(must(floor.ParseSKUs(read("skus.csv"), floor.ImportCSV))(t), false); err != nil {
		t.Fatal(err)
	}
	if err := st.SetShipping(must(floor.ParseShipping(read("shipping.json")))(t)); err != nil {
		t.Fatal(err)
	}
	must(st.AdjustStock(store.StockAdjustment{Bin: "A-03-009-1", SKU: "S1", Delta: 10},
		store.StockAdjustment{Bin: "A-01-001-1", SKU: "S2", Delta: 10}))(t)
	for i := range 4 {
		at := clock.t.Add(time.Duration(i-4) * time.Minute)
		if err := st.LearnPicks("ann", floor.PickEvent{Bin: "A-03-009-1", SKU: "S1", At: at, Familiar: true, AtFace: time.Second, Units: 1}); err != nil {
			t.Fatal(err)
		}
	}
	gb := floor.Address{Name: "Jane Smith", Lines: []string{"2 Mill Lane"}, City: "Ipswich", PostalCode: "IP1 1AA", Country: "GB"}
	must(st.SubmitOrders([]floor.Order{
		{ID: "P-1", Channel: "shop", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}, {SKU: "S2", Quantity: 1}},
			Recipient: floor.Address{Name: "王小明", Lines: []string{"浦东新区世纪大道100号"}, City: "上海市", Region: "上海市", PostalCode: "200120", Country: "CN"}},
		{ID: "P-2", Channel: "shop", Lines: []floor.OrderLine{{SKU: "S2", Quantity: 2}}, Recipient: gb},
		{ID: "P-3", Channel: "shop", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}, Recipient: gb},
	}, false))(t)
	return st, clock
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}

// A paper picker's NextTask queues, in the same commit, one print job:
// the whole batch's pick list (every order, familiar stop first, the task
// id in the QR code) followed by the waybills of the orders of more than
// one unit; it prints once. The one-unit order's waybill is left to the
// pack station, and the sheet says so.
func TestPaperTaskPrintsPickListAndWaybills(t *testing.T) {
	need(t, "pdftoppm", "zbarimg", "pdftotext")
	st, clock := paperFloor(t)
	task, assigned := func() (*floor.Task, bool) {
		tk, ok, err := st.NextTask("ann")
		if err != nil || tk == nil {
			t.Fatalf("next task: %v, %v", tk, err)
		}
		return tk, ok
	}()
	var ids []string
	for _, o := range task.Orders {
		ids = append(ids, o.OrderID)
	}
	if !assigned || !task.Paper || !slices.Equal(ids, []string{"P-1", "P-2", "P-3"}) {
		t.Fatalf("task %s: assigned %v, paper %v, orders %v; want a new paper task of P-1, P-2, P-3", task.ID, assigned, task.Paper, ids)
	}
	if task.Stops[0].Bin != "A-03-009-1" || !task.Stops[0].Familiar {
		t.Fatalf("first stop %+v: want the familiar bin A-03-009-1", task.Stops[0])
	}
	jobs := must(st.PrintJobs(true))(t)
	if len(jobs) != 1 || jobs[0].TaskID != task.ID || jobs[0].OrderID != "" || jobs[0].Station != "ann" {
		t.Fatalf("print jobs after NextTask: %+v; want one job of task %s at ann", jobs, task.ID)
	}
	if again, assigned, err := st.NextTask("ann"); err != nil || assigned || again.ID != task.ID {
		t.Fatalf("asking again: %v %v %v; want the same task back", again, assigned, err)
	}
	if n := len(must(st.PrintJobs(false))(t)); n != 1 {
		t.Fatalf("asking again queued another sheet: %d jobs", n)
	}

	spool := t.TempDir()
	d := (&printing.Dispatcher{Jobs: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Config: printing.Config{Default: printing.Printer{Kind: "spool", Dir: spool}},
		Render: func(ctx context.Context, id, format string) ([]byte, error) {
			d, err := Render(ctx, st, id, format, clock.Now())
			return d.Data, err
		},
		RenderTask: func(ctx context.Context, id, format string) ([]byte, error) {
			return RenderTask(ctx, st, id, format, clock.Now())
		}}).Init()
	d.Drain(context.Background())
	d.Drain(context.Background())
	files, _ := filepath.Glob(filepath.Join(spool, "*.pdf"))
	if len(files) != 1 {
		t.Fatalf("spooled %v; want one sheet, sent once", files)
	}
	if j := must(st.PrintJobs(false))(t)[0]; j.State != floor.PrintSent {
		t.Fatalf("job %+v not sent", j)
	}

	if *outDir != "" {
		if err := os.WriteFile(filepath.Join(*outDir, "paper-batch.pdf"), must(os.ReadFile(files[0]))(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := run(t, "pdftotext", "-layout", files[0], "-")
	golden(t, "paper_batch.txt", []byte(text))
	p1, p2, p3 := must(st.Order("P-1"))(t), must(st.Order("P-2"))(t), must(st.Order("P-3"))(t)
	for _, want := range []string{"PICK LIST · " + task.ID, "P-1 (tote 1)", "P-2 (tote 2)", "P-3 (tote 3)",
		"Waybill printed at packing (one item): P-3", p1.Tracking, p2.Tracking, "王小明"} {
		if !strings.Contains(text, want) {
			t.Errorf("the sheet lacks %q", want)
		}
	}
	if strings.Contains(text, p3.Tracking) {
		t.Errorf("the sheet has P-3's waybill %s: a one-unit order's waybill prints at the pack station", p3.Tracking)
	}
	// A paper station with a label printer gets the same sheet in ZPL:
	// one label per page, the pick list first.
	zpl := must(RenderTask(context.Background(), st, task.ID, ZPL, clock.Now()))(t)
	golden(t, "paper_batch.zpl", zpl)
	labelsOf := strings.Split(string(zpl), "^XZ")
	if n := len(labelsOf) - 1; n != strings.Count(text, "\f") {
		t.Errorf("ZPL has %d labels, the PDF %d pages", n, strings.Count(text, "\f"))
	}
	for _, want := range []string{"PICK LIST · " + task.ID, p1.Tracking, p2.Tracking} {
		if !strings.Contains(string(zpl), want) {
			t.Errorf("the ZPL sheet lacks %q", want)
		}
	}
	if i, j := strings.Index(string(zpl), "PICK LIST"), strings.Index(string(zpl), p1.Tracking); i > j {
		t.Errorf("the ZPL sheet prints the waybills before the pick list")
	}
	// Route order: the pick list's bins in the task's stop order, the
	// pick list before the waybills.
	at := 0
	for _, s := range task.Stops {
		i := strings.Index(text[at:], s.Bin)
		if i < 0 {
			t.Fatalf("stop %s (%s) missing or out of route order in the sheet", s.Bin, s.OrderID)
		}
		at += i + len(s.Bin)
	}
	if i := strings.Index(text, p1.Tracking); i < at {
		t.Errorf("a waybill comes before the end of the pick list")
	}

	dir := t.TempDir()
	run(t, "pdftoppm", "-r", "203", "-png", files[0], filepath.Join(dir, "page"))
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	slices.Sort(pages)
	first, _ := exec.Command("zbarimg", "--raw", "-q", pages[0]).Output()
	if codes := strings.Fields(string(first)); !slices.Contains(codes, task.ID) {
		t.Errorf("page 1 codes %q: the QR code should carry the task id %s", codes, task.ID)
	}
	var codes []string
	for _, p := range pages {
		out, _ := exec.Command("zbarimg", "--raw", "-q", p).Output() // exit 4 on a page without codes
		codes = append(codes, strings.Fields(string(out))...)
	}
	for _, want := range []string{task.ID, p1.Tracking, p2.Tracking, "P-1", "P-2", "A-03-009-1", "A-01-001-1"} {
		if !slices.Contains(codes, want) {
			t.Errorf("barcodes %q: %s missing", codes, want)
		}
	}
	if os.Getenv("PAPER_SHEET_OUT") != "" { // for a person to look at: PAPER_SHEET_OUT=/tmp/sheet.pdf
		os.WriteFile(os.Getenv("PAPER_SHEET_OUT"), must(os.ReadFile(files[0]))(t), 0o644)
	}
}

// A handheld picker's NextTask prints nothing: documents print at the pack
// station as they always did.
func TestHandheldTaskPrintsNothing(t *testing.T) {
	st, _ := paperFloor(t)
	task, assigned, err := st.NextTask("bob")
	if err != nil || !assigned || task.Paper {
		t.Fatalf("next task: %+v %v %v; want a handheld task", task, assigned, err)
	}
	if jobs := must(st.PrintJobs(false))(t); len(jobs) != 0 {
		t.Fatalf("a handheld picker's task queued %+v", jobs)
	}
}

// The pack station takes the sheet's code: the task id opens its first
// order and lists the others, ends the paper picking (stock leaves the
// bins, the picker is free), and each scan of it opens the next order.
// Orders whose waybill came with the sheet print nothing when packed; the
// one-unit order prints its waybill on its item scan.
func TestPackStationTakesPaperTaskCode(t *testing.T) {
	st, clock := paperFloor(t)
	task := must2(st.NextTask("ann"))(t)
	clock.t = clock.t.Add(6 * time.Minute)
	n := 0
	scan := func(sc floor.Scan) floor.Answer {
		t.Helper()
		n++
		sc.ID = fmt.Sprint("pk", n)
		return must(st.PackScan("pk1", sc))(t)
	}
	type step struct {
		sc          floor.Scan
		reason, msg string
	}
	steps := []step{
		{floor.Scan{Code: task.ID}, "ORDER_OPEN", "task " + task.ID + ", 3 orders: P-1 tote 1, P-2 tote 2, P-3 tote 3; order P-1: scan each of its 2 items"},
		{floor.Scan{Code: "4006381333931"}, "VERIFIED", ""},
		{floor.Scan{Code: "5901234123457"}, "ITEMS_VERIFIED", ""},
		{floor.Scan{Action: floor.ActionWeight, WeightG: 450}, "PACKED", "packed: 450 g as expected; put on its waybill printed with the pick list"},
		{floor.Scan{Code: task.ID}, "ORDER_OPEN", "task " + task.ID + ", 3 orders: P-1 tote 1 (packed), P-2 tote 2, P-3 tote 3; order P-2: scan each of its 2 items"},
		{floor.Scan{Code: "5901234123457", Quantity: 2}, "ITEMS_VERIFIED", ""},
		{floor.Scan{Action: floor.ActionWeight, WeightG: 140}, "PACKED", ""},
		{floor.Scan{Code: "P-3"}, "ORDER_OPEN", "order P-3: scan each of its 1 items"},
		{floor.Scan{Code: "4006381333931"}, "PACKED", "packed: documents are printing"},
		{floor.Scan{Code: task.ID}, "ORDER_NOT_READY", "task " + task.ID + " has no order to pack: order P-1 is packed, not picked; order P-2 is packed, not picked; order P-3 is packed, not picked"},
	}
	for i, s := range steps {
		got := scan(s.sc)
		if got.Reason != s.reason || s.msg != "" && got.Message != s.msg {
			t.Fatalf("step %d %+v: got %s %q, want %s %q", i+1, s.sc, got.Reason, got.Message, s.reason, s.msg)
		}
		if i == 0 {
			if got.Next.TaskID != task.ID || got.Next.OrderID != "P-1" {
				t.Errorf("next after the task code: %+v", got.Next)
			}
			done := must(st.Task(task.ID))(t)
			if !done.Done {
				t.Error("the paper task is not done once its sheet is at the pack station")
			}
			for _, id := range []string{"P-1", "P-2", "P-3"} {
				if o := must(st.Order(id))(t); o.State != floor.StatePicked {
					t.Errorf("order %s is %s, want picked", id, o.State)
				}
			}
			levels := must2(st.ListStock(store.StockFilter{SKU: "S1"}, "", 10))(t)
			if len(levels) != 1 || levels[0].OnHand != 8 || levels[0].Reserved != 0 {
				t.Errorf("S1 stock after the sheet came back: %+v, want 8 on hand, none reserved", levels)
			}
		}
	}
	jobs := must(st.PrintJobs(false))(t)
	var printed []string
	for _, j := range jobs {
		printed = append(printed, j.TaskID+j.OrderID+"@"+j.Station)
	}
	if want := []string{task.ID + "@ann", "P-3@pk1"}; !slices.Equal(printed, want) {
		t.Errorf("print jobs %q, want %q: the sheet at hand-out, the one-unit waybill at packing", printed, want)
	}
	next, assigned, err := st.NextTask("ann")
	if err != nil || assigned || next != nil {
		t.Errorf("ann after the sheet came back: %v %v %v; want free with nothing queued", next, assigned, err)
	}
}

// must2 is must for functions with two results besides the error.
func must2[A, B any](a A, _ B, err error) func(*testing.T) A {
	return must(a, err)
}
