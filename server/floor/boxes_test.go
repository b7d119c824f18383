package floor

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// An order split into boxes: each box is filled, closed, weighed against
// its own contents, then the next opens; the scans that do not fit are
// refused and change nothing; the packed session lists every box.
func TestPackInBoxes(t *testing.T) {
	cfg := DefaultPackConfig
	env := packEnv{open: func() *PackSession {
		return NewPackSession("O1", map[string]int64{"S1": 2, "S2": 1}, nil, map[string]int64{"S1": 350, "S2": 40}, cfg)
	}}
	const flask, cable = "4006381333931", "5901234123457"
	newBox := Scan{Action: ActionNewBox}
	weigh := func(g int64) Scan { return Scan{Action: ActionWeight, WeightG: g} }
	steps := []struct {
		scan       Scan
		wantReason string
		wantNext   Expect
		wantBox    int
		wantLines  string // SKU quantity/verified, as the instruction lists them
	}{
		{Scan{Code: "O1"}, "ORDER_OPEN", ExpectItem, 1, "S1 2/0, S2 1/0"},
		{newBox, "EMPTY_BOX", ExpectItem, 1, "S1 2/0, S2 1/0"},
		{Scan{Code: flask}, "VERIFIED", ExpectItem, 1, "S1 2/1, S2 1/0"},
		{newBox, "BOX_CLOSED", ExpectWeight, 1, "S1 2/1, S2 1/0"},
		{Scan{Code: cable}, "NO_OPEN_BOX", ExpectWeight, 1, "S1 2/1, S2 1/0"},
		{Scan{Action: ActionQuantity, Quantity: 1}, "NO_OPEN_BOX", ExpectWeight, 1, "S1 2/1, S2 1/0"},
		{newBox, "WEIGH_BOX_FIRST", ExpectWeight, 1, "S1 2/1, S2 1/0"},
		{weigh(700), "WEIGHT_MISMATCH", ExpectWeight, 1, "S1 2/1, S2 1/0"}, // a flask and the box: 410 ± 20 g
		{weigh(405), "BOX_WEIGHED", ExpectItem, 2, "S1 2/1, S2 1/0"},
		{newBox, "EMPTY_BOX", ExpectItem, 2, "S1 2/1, S2 1/0"},
		{Scan{Code: flask}, "VERIFIED", ExpectItem, 2, "S1 2/2, S2 1/0"},
		{weigh(410), "VERIFY_ITEMS_FIRST", ExpectItem, 2, "S1 2/2, S2 1/0"},
		{newBox, "BOX_CLOSED", ExpectWeight, 2, "S1 2/2, S2 1/0"},
		{weigh(416), "BOX_WEIGHED", ExpectItem, 3, "S1 2/2, S2 1/0"},
		{Scan{Code: cable}, "ITEMS_VERIFIED", ExpectWeight, 3, "S1 2/2, S2 1/1"},
		{newBox, "NOTHING_LEFT", ExpectWeight, 3, "S1 2/2, S2 1/1"},
		{weigh(200), "WEIGHT_MISMATCH", ExpectWeight, 3, "S1 2/2, S2 1/1"}, // a cable and the box: 100 ± 20 g
		{weigh(98), "PACKED", ExpectOrder, 0, ""},
	}
	var sess *PackSession
	for i, s := range steps {
		out := ApplyPackScan(sess, s.scan, env, cfg)
		sess = out.Session
		if got := out.Answer; got.Reason != s.wantReason || got.Next.Expect != s.wantNext || got.Next.Box != s.wantBox {
			t.Errorf("step %d: %s (%q), next %v box %d; want %s, %v box %d", i, got.Reason, got.Message, got.Next.Expect, got.Next.Box,
				s.wantReason, s.wantNext, s.wantBox)
		}
		var lines []string
		for _, l := range out.Answer.Next.Lines {
			lines = append(lines, fmt.Sprintf("%s %d/%d", l.SKU, l.Quantity, l.Verified))
		}
		if got := strings.Join(lines, ", "); got != s.wantLines {
			t.Errorf("step %d: lines %q, want %q", i, got, s.wantLines)
		}
	}
	want := []PackBox{{Units: map[string]int64{"S1": 1}, WeightG: 405}, {Units: map[string]int64{"S1": 1}, WeightG: 416},
		{Units: map[string]int64{"S2": 1}, WeightG: 98}}
	if !sess.Packed || !reflect.DeepEqual(sess.Boxes, want) || !sess.PrintsAtPacking() {
		t.Errorf("packed %v, boxes %+v; want %+v", sess.Packed, sess.Boxes, want)
	}
}

// A waybill printed with a paper task's sheet says 1/1: an order packed in
// one box prints nothing more, one in several prints a label per box.
func TestPrintsAtPacking(t *testing.T) {
	tests := []struct {
		printed bool
		boxes   int
		want    bool
	}{{false, 0, true}, {true, 0, false}, {true, 2, true}, {false, 3, true}}
	for _, tt := range tests {
		p := &PackSession{Printed: tt.printed, Boxes: make([]PackBox, tt.boxes)}
		if got := p.PrintsAtPacking(); got != tt.want {
			t.Errorf("printed %v, %d boxes: %v, want %v", tt.printed, tt.boxes, got, tt.want)
		}
	}
}

func TestPieceNumber(t *testing.T) {
	if got, want := PieceNumber("88000000000015", 2, 3), "88000000000015-2-3"; got != want {
		t.Errorf("PieceNumber = %q, want %q", got, want)
	}
}
