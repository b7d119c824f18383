package docs

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// boxBench drives one order through picking and a pack station that
// splits it into boxes, on a store it can restart.
type boxBench struct {
	t     *testing.T
	path  string
	clock *fixedClock
	st    *store.Store
	codes map[string]string
	n     int
}

func newBoxBench(t *testing.T) *boxBench {
	b := &boxBench{t: t, path: filepath.Join(t.TempDir(), "pickpack.db"), clock: &fixedClock{testNow}}
	b.st, b.codes = openWarehouseAt(t, b.path, b.clock)
	return b
}

// restart closes the data file and opens it again.
func (b *boxBench) restart() {
	b.t.Helper()
	if err := b.st.Close(); err != nil {
		b.t.Fatal(err)
	}
	st := must(store.Open(b.path, store.Options{Clock: b.clock}))(b.t)
	b.t.Cleanup(func() { st.Close() })
	b.st = st
}

// pick submits o and picks its task whole: its tote, every stop, the
// drop-off at the pack station.
func (b *boxBench) pick(o floor.Order) {
	b.t.Helper()
	must(b.st.SubmitOrders([]floor.Order{o}, false))(b.t)
	task, _, err := b.st.NextTask("ann")
	if err != nil {
		b.t.Fatal(err)
	}
	scans := []floor.Scan{{Code: "TOTE-" + strings.TrimPrefix(task.ID, "T")}} // the order's tote first
	for _, s := range task.Stops {
		scans = append(scans, floor.Scan{Code: s.Bin}, floor.Scan{Code: b.codes[s.SKU], Quantity: s.Quantity})
	}
	for _, sc := range append(scans, floor.Scan{Code: "DROP-PS1"}) {
		b.n++
		sc.ID = fmt.Sprintf("pick-%d", b.n)
		must(b.st.PickScan("ann", sc))(b.t)
	}
}

// pack sends one pack-station scan and checks its reason and the box the
// next instruction names (0: not checked).
func (b *boxBench) pack(sc floor.Scan, reason string, box int) floor.Answer {
	b.t.Helper()
	b.n++
	sc.ID = fmt.Sprintf("pack-%d", b.n)
	a := must(b.st.PackScan("pk1", sc))(b.t)
	if a.Reason != reason || box > 0 && a.Next.Box != box {
		b.t.Fatalf("%s %+v: %s %q, next box %d; want %s, box %d", sc.ID, sc, a.Reason, a.Message, a.Next.Box, reason, box)
	}
	return a
}

// handoff scans code at the handoff and checks the reason.
func (b *boxBench) handoff(code, reason string) floor.Answer {
	b.t.Helper()
	b.n++
	a := must(b.st.Handoff("courier", floor.Scan{ID: fmt.Sprintf("handoff-%d", b.n), Code: code}))(b.t)
	if a.Reason != reason {
		b.t.Fatalf("handoff %s: %s %q, want %s", code, a.Reason, a.Message, reason)
	}
	return a
}

func (b *boxBench) item(sku string) floor.Scan { return floor.Scan{Code: b.codes[sku]} }

var (
	newBox   = floor.Scan{Action: floor.ActionNewBox}
	weigh    = func(g int64) floor.Scan { return floor.Scan{Action: floor.ActionWeight, WeightG: g} }
	sanFranc = floor.Address{Name: "Jane Doe", Phone: "+1 415 555 0100", Lines: []string{"500 Howard St"}, City: "San Francisco",
		Region: "CA", PostalCode: "94105", Country: "US"}
)

// A 3-box order to the US goes by post: each box verified and weighed on
// its own (what is refused on the way changes nothing), through a restart;
// each gets its own S10 number, its label n/3 with its weight and a CN22
// of its own contents; the courier must take every box, and the order's
// clock stops with the last.
func TestThreeBoxOrder(t *testing.T) {
	need(t, "pdftotext")
	b := newBoxBench(t)
	o := floor.Order{ID: "BOX-3", Channel: "shop", Recipient: sanFranc,
		Lines: []floor.OrderLine{{SKU: "S1", Quantity: 3}, {SKU: "S2", Quantity: 2}}}
	b.pick(o)

	// Flask 350 g, cable 40 g, box 60 g: box 1 (a flask) 410 g ± 20 g.
	b.pack(floor.Scan{Code: o.ID}, "ORDER_OPEN", 1)
	b.pack(newBox, "EMPTY_BOX", 1)
	b.pack(b.item("S1"), "VERIFIED", 1)
	b.pack(weigh(412), "VERIFY_ITEMS_FIRST", 1)
	b.pack(newBox, "BOX_CLOSED", 1)
	b.pack(b.item("S2"), "NO_OPEN_BOX", 1)
	b.pack(newBox, "WEIGH_BOX_FIRST", 1)
	b.pack(weigh(600), "WEIGHT_MISMATCH", 1)
	b.pack(weigh(412), "BOX_WEIGHED", 2)
	b.pack(newBox, "EMPTY_BOX", 2)
	b.pack(b.item("S1"), "VERIFIED", 2)
	b.pack(b.item("S2"), "VERIFIED", 2)
	b.restart() // the boxes closed and the one being filled survive
	b.pack(newBox, "BOX_CLOSED", 2)
	b.pack(weigh(455), "BOX_WEIGHED", 3)
	b.pack(b.item("S1"), "VERIFIED", 3)
	b.pack(b.item("S2"), "ITEMS_VERIFIED", 3)
	b.pack(newBox, "NOTHING_LEFT", 3)
	if got := must(b.st.Order(o.ID))(t); got.State != floor.StatePicked || len(got.Boxes) > 0 || len(got.ParcelWeightsG) > 0 {
		t.Fatalf("before the last weight: %s, boxes %v, weights %v", got.State, got.Boxes, got.ParcelWeightsG)
	}
	b.pack(weigh(447), "PACKED", 0)

	got := must(b.st.Order(o.ID))(t)
	post := floor.TrackingScheme{Kind: floor.SchemeS10, Prefix: "RR", Country: "CN"}
	if got.State != floor.StatePacked || len(got.Boxes) != 3 || got.Boxes[0].Code != got.Tracking {
		t.Fatalf("packed: %s, boxes %+v, tracking %s", got.State, got.Boxes, got.Tracking)
	}
	codes := map[string]bool{}
	for i, box := range got.Boxes {
		if !post.Check(box.Code) || codes[box.Code] {
			t.Errorf("box %d: code %q, want an S10 number of its own", i+1, box.Code)
		}
		codes[box.Code] = true
	}
	wantLines := [][]floor.OrderLine{{{SKU: "S1", Quantity: 1}}, {{SKU: "S1", Quantity: 1}, {SKU: "S2", Quantity: 1}}, {{SKU: "S1", Quantity: 1}, {SKU: "S2", Quantity: 1}}}
	for i, box := range got.Boxes {
		if !reflect.DeepEqual(box.Lines, wantLines[i]) {
			t.Errorf("box %d holds %v, want %v", i+1, box.Lines, wantLines[i])
		}
	}
	if want := []int64{412, 455, 447}; !slices.Equal(got.ParcelWeightsG, want) {
		t.Errorf("weights %v, want %v", got.ParcelWeightsG, want)
	}
	jobs := must(b.st.PrintJobs(true))(t)
	if len(jobs) != 1 || jobs[0].OrderID != o.ID {
		t.Errorf("print jobs %+v, want one for %s (its three labels)", jobs, o.ID)
	}

	doc := must(Render(context.Background(), b.st, o.ID, PDF, testNow))(t)
	text := pdfText(t, "three-box", doc.Data)
	flat := strings.Join(strings.Fields(text), " ")
	for i, box := range got.Boxes {
		for _, w := range []string{fmt.Sprintf("%d/3", i+1), box.Code, fmt.Sprintf("0.%03d kg", got.ParcelWeightsG[i])} {
			if !strings.Contains(flat, w) {
				t.Errorf("box %d: the documents lack %q", i+1, w)
			}
		}
	}
	// A CN22 per box, each of its own contents: a flask alone, then a
	// flask and a cable twice.
	if n := strings.Count(flat, "CN22 CUSTOMS DECLARATION"); n != 3 {
		t.Errorf("%d CN22 declarations, want one per box", n)
	}
	for _, w := range []string{"Total USD 12.50", "Total USD 15.50", "gross 0.412 kg", "gross 0.455 kg", "gross 0.447 kg"} {
		if !strings.Contains(flat, w) {
			t.Errorf("the declarations lack %q", w)
		}
	}
	golden(t, "three-box.pdf.txt", []byte(text))
	zpl := must(Render(context.Background(), b.st, o.ID, ZPL, testNow))(t)
	for i, box := range got.Boxes {
		for _, w := range []string{fmt.Sprintf("%d/3", i+1), box.Code, fmt.Sprintf("0.%03d kg", got.ParcelWeightsG[i])} {
			if !strings.Contains(string(zpl.Data), w) {
				t.Errorf("box %d: the ZPL lacks %q", i+1, w)
			}
		}
	}
	if n := strings.Count(string(zpl.Data), "^XA"); n != 3 {
		t.Errorf("the ZPL has %d labels, want 3", n)
	}
	golden(t, "three-box.zpl", zpl.Data)

	// The courier takes box 2, then box 1 after a restart: the order stays
	// packed, naming what is missing; box 3 stops its clock.
	a := b.handoff(got.Boxes[1].Code, "BOX_HANDED_OFF")
	if !strings.Contains(a.Message, "1/3 ("+got.Boxes[0].Code+")") || !strings.Contains(a.Message, "3/3 ("+got.Boxes[2].Code+")") {
		t.Errorf("box 2 handed off: %q does not name boxes 1 and 3", a.Message)
	}
	b.handoff(got.Boxes[1].Code, "BOX_ALREADY_HANDED_OFF")
	if _, err := b.st.CancelOrder("sup", o.ID, "changed mind"); floor.KindOf(err) != floor.KindConflict {
		t.Errorf("cancelling an order with a box on its way: %v, want a conflict", err)
	}
	b.handoff(o.ID, "NOT_A_WAYBILL") // an order id is never a label
	b.restart()
	b.clock.t = testNow.Add(5 * time.Minute)
	a = b.handoff(got.Boxes[0].Code, "BOX_HANDED_OFF")
	if _, rest, _ := strings.Cut(a.Message, "the rest: "); rest != "3/3 ("+got.Boxes[2].Code+")" {
		t.Errorf("box 1 handed off: %q, want only box 3 named missing", a.Message)
	}
	open := must(b.st.Order(o.ID))(t)
	if open.State != floor.StatePacked || !open.HandedOffAt.IsZero() || open.Boxes[0].HandedOffAt != b.clock.t || open.Boxes[1].HandedOffAt != testNow {
		t.Errorf("2 of 3 boxes handed off: %s at %v, boxes %+v", open.State, open.HandedOffAt, open.Boxes)
	}
	b.clock.t = testNow.Add(9 * time.Minute)
	b.handoff(got.Boxes[2].Code, "HANDED_OFF")
	done := must(b.st.Order(o.ID))(t)
	if done.State != floor.StateHandedOff || done.HandedOffAt != b.clock.t || done.Boxes[2].HandedOffAt != b.clock.t {
		t.Errorf("after the last box: %s at %v, want handed off at %v", done.State, done.HandedOffAt, b.clock.t)
	}
}

// A courier numbering pieces under a master (Global Express, "pieces":
// "master") labels box n of N with <master>-n-N; the master number names
// no box at the handoff.
func TestBoxesUnderAMasterNumber(t *testing.T) {
	need(t, "pdftotext")
	b := newBoxBench(t)
	o := floor.Order{ID: "BOX-M", Channel: "shop", Recipient: sanFranc, Lines: []floor.OrderLine{{SKU: "S3", Quantity: 2}}}
	b.pick(o)
	b.pack(floor.Scan{Code: o.ID}, "ORDER_OPEN", 1)
	b.pack(b.item("S3"), "VERIFIED", 1)
	b.pack(newBox, "BOX_CLOSED", 1)
	b.pack(weigh(480), "BOX_WEIGHED", 2)
	b.pack(b.item("S3"), "ITEMS_VERIFIED", 2)
	b.pack(weigh(481), "PACKED", 0)
	got := must(b.st.Order(o.ID))(t)
	if got.Carrier != "Global Express" {
		t.Fatalf("carrier %s, want Global Express (batteries alone)", got.Carrier)
	}
	want := []string{got.Tracking + "-1-2", got.Tracking + "-2-2"}
	if len(got.Boxes) != 2 || got.Boxes[0].Code != want[0] || got.Boxes[1].Code != want[1] {
		t.Fatalf("boxes %+v, want codes %v", got.Boxes, want)
	}
	doc := must(Render(context.Background(), b.st, o.ID, PDF, testNow))(t)
	flat := strings.Join(strings.Fields(pdfText(t, "master", doc.Data)), " ")
	for _, w := range append(want, "1/2", "2/2", "0.480 kg", "0.481 kg", "UN3480") {
		if !strings.Contains(flat, w) {
			t.Errorf("the documents lack %q", w)
		}
	}
	b.handoff(got.Tracking, "SCAN_EACH_BOX")
	b.handoff(want[0], "BOX_HANDED_OFF")
	b.handoff(want[1], "HANDED_OFF")
}

// An order whose waybill came with its paper task's sheet (1/1) and that
// goes in two boxes prints a label per box at the pack station, and the
// packer is told to throw the sheet's waybill away; the sheet's number
// stays box 1's.
func TestPaperOrderInBoxesPrintsEveryLabel(t *testing.T) {
	st, _ := paperFloor(t)
	task := must2(st.NextTask("ann"))(t)
	n := 0
	scan := func(sc floor.Scan, reason string) floor.Answer {
		t.Helper()
		n++
		sc.ID = fmt.Sprint("pk", n)
		a := must(st.PackScan("pk1", sc))(t)
		if a.Reason != reason {
			t.Fatalf("%+v: %s %q, want %s", sc, a.Reason, a.Message, reason)
		}
		return a
	}
	scan(floor.Scan{Code: task.ID}, "ORDER_OPEN") // P-1: a flask and a cable
	scan(floor.Scan{Code: "4006381333931"}, "VERIFIED")
	scan(newBox, "BOX_CLOSED")
	scan(weigh(410), "BOX_WEIGHED")
	scan(floor.Scan{Code: "5901234123457"}, "ITEMS_VERIFIED")
	a := scan(weigh(101), "PACKED")
	if want := "2 labels are printing, one per box: throw away the waybill printed with the pick list (it says 1/1)"; !strings.HasSuffix(a.Message, want) {
		t.Errorf("packed: %q, want it to end %q", a.Message, want)
	}
	var printed []string
	for _, j := range must(st.PrintJobs(false))(t) {
		printed = append(printed, j.TaskID+j.OrderID+"@"+j.Station)
	}
	if want := []string{task.ID + "@ann", "P-1@pk1"}; !slices.Equal(printed, want) {
		t.Errorf("print jobs %q, want %q", printed, want)
	}
	if o := must(st.Order("P-1"))(t); len(o.Boxes) != 2 || o.Boxes[0].Code != o.Tracking || o.Boxes[1].Code == o.Tracking {
		t.Errorf("P-1's boxes %+v, tracking %s", o.Boxes, o.Tracking)
	}
}
