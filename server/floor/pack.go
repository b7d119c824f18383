package floor

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// PackConfig sets the weight check at the pack station.
type PackConfig struct {
	PackagingG    int64   // added to the SKU weights: box, fill, label
	TolerancePct  float64 // allowed deviation, in percent of the expected weight
	ToleranceMinG int64   // but never less than this many grams
}

// DefaultPackConfig is a small box with a 5% (at least 20 g) tolerance.
var DefaultPackConfig = PackConfig{PackagingG: 60, TolerancePct: 5, ToleranceMinG: 20}

// Tolerance is the allowed deviation from expected grams.
func (c PackConfig) Tolerance(expected int64) int64 {
	return max(c.ToleranceMinG, int64(float64(expected)*c.TolerancePct/100))
}

// PackSession is one pack station's verification of one order: every
// picked unit is scanned again, then the parcel is weighed.
type PackSession struct {
	OrderID   string
	DueAt     time.Time
	Expected  map[string]int64 // SKU -> units picked into the tote
	Verified  map[string]int64
	Names     map[string]string
	WeightsG  map[string]int64 // SKU -> unit weight; absent when the SKU data lacks it
	LastSKU   string           // the item just scanned, so a quantity may be typed
	Packed    bool
	WeightG   int64 // measured
	ExpectedG int64 // expected, 0 if some SKU has no weight

	// TaskID is set when the code of a pick sheet (its task) opened the
	// session; TaskOrders then lists the task's orders for the packer.
	TaskID     string          `json:",omitempty"`
	TaskOrders []PackTaskOrder `json:",omitempty"`
	// Printed says the order's waybill printed with its paper task's pick
	// list, so packing it prints nothing more (unless it went in several
	// boxes: that waybill says 1/1).
	Printed bool `json:",omitempty"`

	// Boxes are the boxes closed so far (ActionNewBox) of an order packed
	// in several; the open box holds what was verified beyond them. When
	// the order is packed the last box joins them, so a packed session of
	// several boxes lists every one; an order in one box has none.
	Boxes []PackBox `json:",omitempty"`
}

// PackBox is one closed box of an order packed in several: the units
// verified into it, and its weight (0 until weighed).
type PackBox struct {
	Units   map[string]int64
	WeightG int64 `json:",omitempty"`
}

// weighing reports whether the last closed box waits for its weight: no
// box is open then.
func (p *PackSession) weighing() bool {
	return !p.Packed && len(p.Boxes) > 0 && p.Boxes[len(p.Boxes)-1].WeightG == 0
}

// box is the number of the box being filled, or weighed.
func (p *PackSession) box() int {
	if p.weighing() || p.Packed && len(p.Boxes) > 0 {
		return len(p.Boxes)
	}
	return len(p.Boxes) + 1
}

// openUnits is what was verified into the open box: everything verified
// beyond the closed boxes.
func (p *PackSession) openUnits() map[string]int64 {
	open := map[string]int64{}
	for sku, n := range p.Verified {
		open[sku] = n
	}
	for _, b := range p.Boxes {
		for sku, n := range b.Units {
			open[sku] -= n
		}
	}
	for sku, n := range open {
		if n == 0 {
			delete(open, sku)
		}
	}
	return open
}

// expectedG is what a box holding units should weigh with its packaging,
// 0 when a SKU's weight is unknown.
func (p *PackSession) expectedG(units map[string]int64, cfg PackConfig) int64 {
	g := cfg.PackagingG
	for sku, n := range units {
		w, ok := p.WeightsG[sku]
		if !ok {
			return 0
		}
		g += w * n
	}
	return g
}

// PrintsAtPacking reports whether packing the order queues its documents:
// not when its waybill came with the paper task's sheet, unless the order
// went in several boxes, each of which needs its own label.
func (p *PackSession) PrintsAtPacking() bool {
	return !p.Printed || len(p.Boxes) > 1
}

// PackTaskOrder is one order of a task as the pack station lists it.
type PackTaskOrder struct {
	OrderID string
	Tote    int
	State   OrderState
}

// taskIntro lists the orders of the task whose sheet opened the session.
func (p *PackSession) taskIntro() string {
	if p.TaskID == "" {
		return ""
	}
	parts := make([]string, len(p.TaskOrders))
	for i, o := range p.TaskOrders {
		parts[i] = fmt.Sprintf("%s tote %d", o.OrderID, o.Tote)
		if o.State != StatePicked && o.OrderID != p.OrderID {
			parts[i] += " (" + o.State.String() + ")"
		}
	}
	n := fmt.Sprintf("%d orders", len(parts))
	if len(parts) == 1 {
		n = "1 order"
	}
	return fmt.Sprintf("task %s, %s: %s; ", p.TaskID, n, strings.Join(parts, ", "))
}

// printNote says what happens with the documents once packed.
func (p *PackSession) printNote() string {
	switch {
	case len(p.Boxes) > 1 && p.Printed:
		return fmt.Sprintf("%d labels are printing, one per box: throw away the waybill printed with the pick list (it says 1/1)", len(p.Boxes))
	case len(p.Boxes) > 1:
		return fmt.Sprintf("documents are printing: %d labels, one per box", len(p.Boxes))
	case p.Printed:
		return "put on its waybill printed with the pick list"
	}
	return "documents are printing"
}

// PackEnv is what judging a pack scan needs beyond the session.
type PackEnv interface {
	// SKUOf returns the SKU a barcode identifies.
	SKUOf(barcode string) (sku string, ok bool)
	// StartOrder opens a session for the order a scanned code names, or
	// explains why it cannot be packed now (ok false, with a message).
	StartOrder(code string) (s *PackSession, isOrder bool, why string)
}

// units is the total number of units expected.
func (p *PackSession) units() (want, got int64) {
	for sku, n := range p.Expected {
		want += n
		got += p.Verified[sku]
	}
	return want, got
}

// Instruction says what the pack station does next.
func (p *PackSession) Instruction() Instruction {
	if p == nil || p.Packed {
		return Instruction{Expect: ExpectOrder}
	}
	want, got := p.units()
	in := Instruction{OrderID: p.OrderID, TaskID: p.TaskID, DueAt: p.DueAt, Done: int(got), Total: int(want), Remaining: want - got, Expect: ExpectItem, Box: p.box()}
	if got == want || p.weighing() {
		in.Expect = ExpectWeight
	}
	in.Lines = p.lines()
	return in
}

// lines lists the session's SKUs with what was verified, sorted by SKU.
func (p *PackSession) lines() []PackLine {
	out := make([]PackLine, 0, len(p.Expected))
	for sku, n := range p.Expected {
		if n > 0 {
			out = append(out, PackLine{SKU: sku, Name: p.Names[sku], Quantity: n, Verified: p.Verified[sku]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out
}

// PackOutcome is what a pack scan did.
type PackOutcome struct {
	Answer  Answer
	Session *PackSession // the station's session after the scan (nil: none open)
	Packed  bool         // the order passed verification now
}

// ApplyPackScan judges one pack-station scan. sess is the station's open
// session, nil if none. Nothing is packed until every picked unit was
// scanned again and, for more than one unit, the weight matched. An order
// may go in several boxes: ActionNewBox closes the box being filled, which
// is weighed on its own before the next opens; the last box is weighed as
// a one-box order is. A refused scan leaves the session as it was.
func ApplyPackScan(sess *PackSession, sc Scan, env PackEnv, cfg PackConfig) PackOutcome {
	out := PackOutcome{Session: sess}
	answer := func(v Verdict, reason, format string, args ...any) PackOutcome {
		out.Answer = Answer{ScanID: sc.ID, Verdict: v, Reason: reason, Message: fmt.Sprintf(format, args...), Next: out.Session.Instruction()}
		return out
	}
	if sess != nil && sess.Packed {
		sess, out.Session = nil, nil
	}
	if sess == nil {
		if sc.Action != ActionCode {
			return answer(VerdictOutOfSequence, "SCAN_ORDER_FIRST", "scan the order barcode on the pick list first")
		}
		s, isOrder, why := env.StartOrder(sc.Code)
		switch {
		case s != nil:
			out.Session = s
			want, _ := s.units()
			return answer(VerdictRight, "ORDER_OPEN", "%sorder %s: scan each of its %d items", s.taskIntro(), s.OrderID, want)
		case isOrder:
			return answer(VerdictOutOfSequence, "ORDER_NOT_READY", "%s", why)
		}
		if _, ok := env.SKUOf(sc.Code); ok {
			return answer(VerdictOutOfSequence, "SCAN_ORDER_FIRST", "scan the order barcode on the pick list before its items")
		}
		return answer(VerdictUnknownBarcode, "UNKNOWN_BARCODE", "%s is no order and no item we know", Quote(sc.Code))
	}

	switch sc.Action {
	case ActionShort:
		return answer(VerdictOutOfSequence, "NOT_PICKING", "short picks are reported while picking")
	case ActionNewBox:
		return sess.newBox(cfg, answer)
	case ActionWeight:
		if sess.weighing() {
			return sess.weighBox(sc.WeightG, cfg, answer)
		}
		want, got := sess.units()
		if got < want {
			return answer(VerdictOutOfSequence, "VERIFY_ITEMS_FIRST", "%d items still to scan before weighing: %s (a full box is closed with NEW BOX, then weighed)",
				want-got, sess.missing())
		}
		if len(sess.Boxes) > 0 {
			return sess.weighLastBox(sc.WeightG, cfg, answer, &out)
		}
		sess.WeightG = sc.WeightG
		if sess.ExpectedG == 0 {
			sess.Packed, out.Packed = true, true
			return answer(VerdictTaskDone, "WEIGHT_UNCHECKED", "packed; weight %d g not checked: %s", sc.WeightG, sess.noWeight())
		}
		if tol := cfg.Tolerance(sess.ExpectedG); abs(sc.WeightG-sess.ExpectedG) > tol {
			return answer(VerdictWeightMismatch, "WEIGHT_MISMATCH", "parcel weighs %d g, expected %d g ± %d g: check the contents and weigh again",
				sc.WeightG, sess.ExpectedG, tol)
		}
		sess.Packed, out.Packed = true, true
		return answer(VerdictTaskDone, "PACKED", "packed: %d g as expected; %s", sc.WeightG, sess.printNote())
	case ActionQuantity:
		if sess.weighing() {
			return sess.noOpenBox(answer)
		}
		if sess.LastSKU == "" {
			return answer(VerdictOutOfSequence, "SCAN_ITEM_FIRST", "scan one item before typing a quantity")
		}
		return sess.verify(sess.LastSKU, sc.Quantity, cfg, answer, &out)
	}
	if sc.Code == sess.OrderID {
		return answer(VerdictRight, "ORDER_OPEN", "order %s is open: scan its items", sess.OrderID)
	}
	sku, ok := env.SKUOf(sc.Code)
	switch {
	case !ok:
		if s, isOrder, _ := env.StartOrder(sc.Code); s != nil || isOrder {
			return answer(VerdictOutOfSequence, "FINISH_ORDER_FIRST", "finish order %s first: %s", sess.OrderID, sess.missing())
		}
		return answer(VerdictUnknownBarcode, "UNKNOWN_BARCODE", "%s is no item we know", Quote(sc.Code))
	case sess.Expected[sku] == 0:
		return answer(VerdictWrongItem, "WRONG_ITEM", "%s is not in order %s: put it aside", sku, sess.OrderID)
	case sess.weighing():
		return sess.noOpenBox(answer)
	}
	return sess.verify(sku, max(sc.Quantity, 1), cfg, answer, &out)
}

type answerFunc = func(Verdict, string, string, ...any) PackOutcome

// newBox closes the box being filled: it must hold something, and
// something must be left for the next.
func (p *PackSession) newBox(cfg PackConfig, answer answerFunc) PackOutcome {
	if p.weighing() {
		return answer(VerdictOutOfSequence, "WEIGH_BOX_FIRST", "box %d is closed: weigh it before starting box %d", p.box(), p.box()+1)
	}
	open := p.openUnits()
	if len(open) == 0 {
		return answer(VerdictOutOfSequence, "EMPTY_BOX", "box %d is empty: scan the items that go in it before starting another box", p.box())
	}
	if want, got := p.units(); got == want {
		return answer(VerdictOutOfSequence, "NOTHING_LEFT", "every item is verified, nothing is left for another box: weigh box %d, the last", p.box())
	}
	p.Boxes = append(p.Boxes, PackBox{Units: open})
	p.LastSKU = "" // a typed quantity goes with an item scanned into the same box
	n := int64(0)
	for _, u := range open {
		n += u
	}
	items := fmt.Sprintf("%d items", n)
	if n == 1 {
		items = "1 item"
	}
	if g := p.expectedG(open, cfg); g > 0 {
		return answer(VerdictRight, "BOX_CLOSED", "box %d closed with %s: weigh it (expected %d g)", len(p.Boxes), items, g)
	}
	return answer(VerdictRight, "BOX_CLOSED", "box %d closed with %s: weigh it (not checked: %s)", len(p.Boxes), items, p.noWeight())
}

// noOpenBox refuses an item while the closed box waits for its weight:
// it would go in no box.
func (p *PackSession) noOpenBox(answer answerFunc) PackOutcome {
	return answer(VerdictOutOfSequence, "NO_OPEN_BOX", "no box is open: weigh box %d, then scan the items of box %d", p.box(), p.box()+1)
}

// checkBox judges the weight of a box holding units: "" when it is right
// (or cannot be checked, said in note), else why not.
func (p *PackSession) checkBox(units map[string]int64, g int64, cfg PackConfig) (note, wrong string) {
	want := p.expectedG(units, cfg)
	if want == 0 {
		return fmt.Sprintf("%d g, not checked (%s)", g, p.noWeight()), ""
	}
	if tol := cfg.Tolerance(want); abs(g-want) > tol {
		return "", fmt.Sprintf("box %d weighs %d g, expected %d g ± %d g: check its contents and weigh again", p.box(), g, want, tol)
	}
	return fmt.Sprintf("%d g as expected", g), ""
}

// weighBox weighs the closed box; the next box opens.
func (p *PackSession) weighBox(g int64, cfg PackConfig, answer answerFunc) PackOutcome {
	b := &p.Boxes[len(p.Boxes)-1]
	note, wrong := p.checkBox(b.Units, g, cfg)
	if wrong != "" {
		return answer(VerdictWeightMismatch, "WEIGHT_MISMATCH", "%s", wrong)
	}
	b.WeightG = g
	want, got := p.units()
	return answer(VerdictRight, "BOX_WEIGHED", "box %d: %s; box %d is open: scan its items (%d left to verify)", len(p.Boxes), note, len(p.Boxes)+1, want-got)
}

// weighLastBox weighs the box holding the last items: the order is packed.
func (p *PackSession) weighLastBox(g int64, cfg PackConfig, answer answerFunc, out *PackOutcome) PackOutcome {
	open := p.openUnits()
	note, wrong := p.checkBox(open, g, cfg)
	if wrong != "" {
		return answer(VerdictWeightMismatch, "WEIGHT_MISMATCH", "%s", wrong)
	}
	p.Boxes = append(p.Boxes, PackBox{Units: open, WeightG: g})
	p.WeightG = g
	p.Packed, out.Packed = true, true
	return answer(VerdictTaskDone, "PACKED", "packed in %d boxes: box %d %s; %s", len(p.Boxes), len(p.Boxes), note, p.printNote())
}

func (p *PackSession) verify(sku string, n int64, cfg PackConfig, answer answerFunc, out *PackOutcome) PackOutcome {
	if left := p.Expected[sku] - p.Verified[sku]; n > left {
		return answer(VerdictOverPick, "OVER_PICK", "too many %s: order %s has %d more", sku, p.OrderID, left)
	}
	p.Verified[sku] += n
	p.LastSKU = sku
	want, got := p.units()
	switch {
	case got < want:
		return answer(VerdictRight, "VERIFIED", "%s verified: %d of %d items", sku, got, want)
	case want == 1: // a single item needs no weighing: it prints on its scan
		p.Packed, out.Packed = true, true
		return answer(VerdictTaskDone, "PACKED", "packed: %s", p.printNote())
	case len(p.Boxes) > 0:
		return answer(VerdictLineDone, "ITEMS_VERIFIED", "all %d items verified: weigh box %d, the last (expected %d g)", want, p.box(), p.expectedG(p.openUnits(), cfg))
	}
	return answer(VerdictLineDone, "ITEMS_VERIFIED", "all %d items verified: weigh the parcel (expected %d g)", want, p.ExpectedG)
}

// missing lists the units still to verify, for messages.
func (p *PackSession) missing() string {
	var parts []string
	for sku, n := range p.Expected {
		if left := n - p.Verified[sku]; left > 0 {
			parts = append(parts, fmt.Sprintf("%d × %s %s", left, sku, p.Names[sku]))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// noWeight names the SKUs whose weight is unknown.
func (p *PackSession) noWeight() string {
	var skus []string
	for sku := range p.Expected {
		if _, ok := p.WeightsG[sku]; !ok {
			skus = append(skus, sku)
		}
	}
	sort.Strings(skus)
	return "no weight on record for " + strings.Join(skus, ", ")
}

// NewPackSession opens a session for an order with the units picked into
// its tote, from the SKUs' unit weights (absent: unknown).
func NewPackSession(orderID string, picked map[string]int64, names map[string]string, weights map[string]int64, cfg PackConfig) *PackSession {
	s := &PackSession{OrderID: orderID, Expected: picked, Verified: map[string]int64{}, Names: names, WeightsG: weights}
	s.ExpectedG = cfg.PackagingG
	for sku, n := range picked {
		w, ok := weights[sku]
		if !ok {
			s.ExpectedG = 0
			break
		}
		s.ExpectedG += w * n
	}
	return s
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
