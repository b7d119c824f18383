package floor

import (
	"fmt"
	"time"
)

// DeliveryKind says what a delivery is received against.
type DeliveryKind int

// Delivery kinds.
const (
	DeliveryUnspecified   DeliveryKind = iota
	DeliveryPurchaseOrder              // what we ordered from the supplier
	DeliveryAdvanceNotice              // what the supplier says is on the truck (ASN)
)

// DeliveryLine is what is expected of one SKU and what came.
type DeliveryLine struct {
	SKU      string
	Expected int64
	Received int64 // good units, now at the dock or put away
	Damaged  int64 // units that came broken: recorded, not stocked
}

// Discrepancy says how a line's good units differ from what was expected:
// negative is under, positive over.
func (l DeliveryLine) Discrepancy() int64 { return l.Received - l.Expected }

// Delivery is a purchase order or an advance notice being received. Units
// are counted in at the dock one scan at a time, then put away.
type Delivery struct {
	ID         string
	Kind       DeliveryKind
	Supplier   string
	ExpectedAt time.Time
	Lines      []DeliveryLine
	Created    time.Time
	Closed     time.Time // zero while receiving
}

// Open says whether units may still be received.
func (d *Delivery) Open() bool { return d.Closed.IsZero() }

// MaxDeliveryLines bounds the lines of one delivery: a truck of a
// thousand different SKUs is several deliveries.
const MaxDeliveryLines = 1000

// Validate checks a new delivery: an id, at least one line, known SKUs
// (known says which are), positive quantities and no SKU twice.
func (d *Delivery) Validate(known func(sku string) bool) error {
	var vs Violations
	if d.ID == "" {
		vs.Add("id", "required")
	} else {
		IDDelivery.Check(&vs, "id", d.ID)
	}
	checkText(&vs, "supplier", d.Supplier, MaxSupplierLen)
	if d.Kind != DeliveryPurchaseOrder && d.Kind != DeliveryAdvanceNotice {
		vs.Add("kind", "want a purchase order or an advance notice")
	}
	switch n := len(d.Lines); {
	case n == 0:
		vs.Add("lines", "a delivery needs at least one line")
	case n > MaxDeliveryLines:
		vs.Add("lines", "%d lines, at most %d", n, MaxDeliveryLines)
	}
	seen := map[string]bool{}
	for i, l := range d.Lines[:min(len(d.Lines), MaxDeliveryLines)] { // past the limit, lines are not worth checking
		field := fmt.Sprintf("lines[%d]", i)
		switch {
		case l.SKU == "":
			vs.Add(field+".sku", "required")
		case IDSKU.Problem(l.SKU) != "":
			vs.Add(field+".sku", "%s", IDSKU.Problem(l.SKU))
		case !known(l.SKU):
			vs.Add(field+".sku", "unknown SKU %q", l.SKU)
		case seen[l.SKU]:
			vs.Add(field+".sku", "SKU %q is on an earlier line: one line per SKU", l.SKU)
		}
		seen[l.SKU] = true
		if l.Expected <= 0 {
			vs.Add(field+".expected", "must be positive, got %d", l.Expected)
		}
	}
	return vs.Err("validate delivery")
}

// ReceiveOutcome is the answer to units counted in at the dock.
type ReceiveOutcome struct {
	Verdict Verdict
	Reason  string
	Message string
	Line    DeliveryLine // after the receipt
}

// Receive counts good and damaged units of sku in. A SKU not on the
// delivery is refused (set it aside: it changes nothing); more than
// expected is taken in and flagged, so the discrepancy report shows it.
func (d *Delivery) Receive(sku string, good, damaged int64) ReceiveOutcome {
	if !d.Open() {
		return ReceiveOutcome{Verdict: VerdictNothingOpen, Reason: "DELIVERY_CLOSED",
			Message: fmt.Sprintf("delivery %s was closed on %s: open a new one", d.ID, d.Closed.Format(time.DateTime))}
	}
	i := d.line(sku)
	if i < 0 {
		return ReceiveOutcome{Verdict: VerdictWrongItem, Reason: "NOT_ON_DELIVERY",
			Message: fmt.Sprintf("%s is not on delivery %s: set it aside and tell the supervisor", sku, d.ID)}
	}
	l := &d.Lines[i]
	l.Received += good
	l.Damaged += damaged
	out := ReceiveOutcome{Verdict: VerdictRight, Reason: "RECEIVED", Line: *l}
	switch {
	case l.Received > l.Expected:
		out.Verdict, out.Reason = VerdictDiscrepancy, "OVER_RECEIVED"
		out.Message = fmt.Sprintf("%d of %s received, %d expected: %d over", l.Received, sku, l.Expected, l.Received-l.Expected)
	default:
		out.Message = fmt.Sprintf("%d of %d of %s received", l.Received, l.Expected, sku)
	}
	if damaged > 0 {
		out.Verdict, out.Reason = VerdictDiscrepancy, "DAMAGED"
		out.Message += fmt.Sprintf("; %d damaged set aside", damaged)
	}
	return out
}

func (d *Delivery) line(sku string) int {
	for i, l := range d.Lines {
		if l.SKU == sku {
			return i
		}
	}
	return -1
}

// OnOrder is what a delivery still brings of each SKU: expected units not
// yet received. A closed delivery brings nothing more.
func (d *Delivery) OnOrder() map[string]int64 {
	out := map[string]int64{}
	if !d.Open() {
		return out
	}
	for _, l := range d.Lines {
		if n := l.Expected - l.Received; n > 0 {
			out[l.SKU] = n
		}
	}
	return out
}
