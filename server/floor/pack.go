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
	// list, so packing it prints nothing more.
	Printed bool `json:",omitempty"`
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
	if p.Printed {
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
	in := Instruction{OrderID: p.OrderID, TaskID: p.TaskID, DueAt: p.DueAt, Done: int(got), Total: int(want), Remaining: want - got, Expect: ExpectItem}
	if got == want {
		in.Expect = ExpectWeight
	}
	return in
}

// PackOutcome is what a pack scan did.
type PackOutcome struct {
	Answer  Answer
	Session *PackSession // the station's session after the scan (nil: none open)
	Packed  bool         // the order passed verification now
}

// ApplyPackScan judges one pack-station scan. sess is the station's open
// session, nil if none. Nothing is packed until every picked unit was
// scanned again and, for more than one unit, the weight matched.
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
	case ActionWeight:
		want, got := sess.units()
		if got < want {
			return answer(VerdictOutOfSequence, "VERIFY_ITEMS_FIRST", "%d items still to scan before weighing: %s", want-got, sess.missing())
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
		if sess.LastSKU == "" {
			return answer(VerdictOutOfSequence, "SCAN_ITEM_FIRST", "scan one item before typing a quantity")
		}
		return sess.verify(sc, sess.LastSKU, sc.Quantity, answer, &out)
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
	}
	return sess.verify(sc, sku, max(sc.Quantity, 1), answer, &out)
}

func (p *PackSession) verify(sc Scan, sku string, n int64, answer func(Verdict, string, string, ...any) PackOutcome, out *PackOutcome) PackOutcome {
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
