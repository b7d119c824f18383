package floor

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDeliveryValidate(t *testing.T) {
	known := func(sku string) bool { return sku == "A" || sku == "B" || sku == "C" }
	valid := func() Delivery {
		return Delivery{ID: "PO-1", Kind: DeliveryPurchaseOrder, Supplier: "Acme",
			Lines: []DeliveryLine{{SKU: "A", Expected: 10}, {SKU: "B", Expected: 1}}}
	}
	tests := []struct {
		name   string
		change func(*Delivery)
		want   []Violation // exactly these, in any order
	}{
		{"valid purchase order", func(*Delivery) {}, nil},
		{"valid advance notice", func(d *Delivery) { d.Kind = DeliveryAdvanceNotice }, nil},
		{"no id", func(d *Delivery) { d.ID = "" }, []Violation{{"id", "required"}}},
		{"no kind", func(d *Delivery) { d.Kind = DeliveryUnspecified }, []Violation{{"kind", "purchase order or an advance notice"}}},
		{"unknown kind", func(d *Delivery) { d.Kind = 9 }, []Violation{{"kind", "purchase order or an advance notice"}}},
		{"no lines", func(d *Delivery) { d.Lines = nil }, []Violation{{"lines", "at least one line"}}},
		{"empty SKU", func(d *Delivery) { d.Lines[1].SKU = "" }, []Violation{{"lines[1].sku", "required"}}},
		{"unknown SKU", func(d *Delivery) { d.Lines[0].SKU = "X" }, []Violation{{"lines[0].sku", `unknown SKU "X"`}}},
		{"SKU twice", func(d *Delivery) { d.Lines = append(d.Lines, DeliveryLine{SKU: "A", Expected: 3}) },
			[]Violation{{"lines[2].sku", `SKU "A" is on an earlier line`}}},
		{"nothing expected", func(d *Delivery) { d.Lines[1].Expected = 0 }, []Violation{{"lines[1].expected", "must be positive, got 0"}}},
		{"negative expected", func(d *Delivery) { d.Lines[0].Expected = -3 }, []Violation{{"lines[0].expected", "must be positive, got -3"}}},
		{"every problem at once", func(d *Delivery) {
			d.ID, d.Kind = "", DeliveryUnspecified
			d.Lines = []DeliveryLine{{SKU: "", Expected: 1}, {SKU: "X", Expected: 0}, {SKU: "C", Expected: 2}, {SKU: "C", Expected: -1}}
		}, []Violation{
			{"id", "required"}, {"kind", "want"},
			{"lines[0].sku", "required"},
			{"lines[1].sku", "unknown"}, {"lines[1].expected", "got 0"},
			{"lines[3].sku", "earlier line"}, {"lines[3].expected", "got -1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := valid()
			tt.change(&d)
			err := d.Validate(known)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			checkViolations(t, err, tt.want...)
			if fe := invalidError(t, err); len(fe.Violations) != len(tt.want) {
				t.Errorf("got %d violations %q, want %d", len(fe.Violations), fe.Violations, len(tt.want))
			}
		})
	}
}

func TestDeliveryReceive(t *testing.T) {
	type step struct {
		sku           string
		good, damaged int64
		verdict       Verdict
		reason        string
		line          DeliveryLine // after the receipt
		msg           []string     // substrings of the message
	}
	tests := []struct {
		name   string
		closed bool
		steps  []step
		after  []DeliveryLine
	}{
		{"received in parts, then over", false, []step{
			{"A", 4, 0, VerdictRight, "RECEIVED", DeliveryLine{"A", 10, 4, 0}, []string{"4 of 10 of A received"}},
			// 4 + 6 = 10: all
			{"A", 6, 0, VerdictRight, "RECEIVED", DeliveryLine{"A", 10, 10, 0}, []string{"10 of 10 of A received"}},
			// 10 + 1 = 11 > 10: 1 over, still taken in
			{"A", 1, 0, VerdictDiscrepancy, "OVER_RECEIVED", DeliveryLine{"A", 10, 11, 0}, []string{"11 of A received, 10 expected: 1 over"}},
			{"A", 2, 0, VerdictDiscrepancy, "OVER_RECEIVED", DeliveryLine{"A", 10, 13, 0}, []string{"3 over"}},
		}, []DeliveryLine{{"A", 10, 13, 0}, {"B", 5, 0, 0}}},
		{"damaged", false, []step{
			{"B", 2, 1, VerdictDiscrepancy, "DAMAGED", DeliveryLine{"B", 5, 2, 1}, []string{"2 of 5 of B received", "1 damaged set aside"}},
			// damaged only: 1 + 2 = 3 damaged, 2 good
			{"B", 0, 2, VerdictDiscrepancy, "DAMAGED", DeliveryLine{"B", 5, 2, 3}, []string{"2 damaged set aside"}},
			// later good units are received as usual: the damage is not reported again
			{"B", 1, 0, VerdictRight, "RECEIVED", DeliveryLine{"B", 5, 3, 3}, []string{"3 of 5 of B received"}},
		}, []DeliveryLine{{"A", 10, 0, 0}, {"B", 5, 3, 3}}},
		{"over and damaged at once: damaged is the reason, the message says both", false, []step{
			{"B", 6, 1, VerdictDiscrepancy, "DAMAGED", DeliveryLine{"B", 5, 6, 1}, []string{"1 over", "1 damaged set aside"}},
		}, []DeliveryLine{{"A", 10, 0, 0}, {"B", 5, 6, 1}}},
		{"a SKU not on the delivery changes nothing", false, []step{
			{"C", 3, 1, VerdictWrongItem, "NOT_ON_DELIVERY", DeliveryLine{}, []string{"C is not on delivery PO-1", "set it aside"}},
		}, []DeliveryLine{{"A", 10, 0, 0}, {"B", 5, 0, 0}}},
		{"closed", true, []step{
			{"A", 1, 0, VerdictNothingOpen, "DELIVERY_CLOSED", DeliveryLine{}, []string{"delivery PO-1 was closed on 2026-03-11 17:00:00"}},
			{"C", 1, 0, VerdictNothingOpen, "DELIVERY_CLOSED", DeliveryLine{}, nil},
		}, []DeliveryLine{{"A", 10, 0, 0}, {"B", 5, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Delivery{ID: "PO-1", Kind: DeliveryPurchaseOrder, Lines: []DeliveryLine{{SKU: "A", Expected: 10}, {SKU: "B", Expected: 5}}}
			if tt.closed {
				d.Closed = time.Date(2026, 3, 11, 17, 0, 0, 0, time.UTC)
			}
			for i, s := range tt.steps {
				got := d.Receive(s.sku, s.good, s.damaged)
				if got.Verdict != s.verdict || got.Reason != s.reason || got.Line != s.line {
					t.Errorf("step %d: got %v %s %+v, want %v %s %+v", i, got.Verdict, got.Reason, got.Line, s.verdict, s.reason, s.line)
				}
				for _, m := range s.msg {
					if !strings.Contains(got.Message, m) {
						t.Errorf("step %d: message %q, want it to contain %q", i, got.Message, m)
					}
				}
			}
			if !reflect.DeepEqual(d.Lines, tt.after) {
				t.Errorf("lines after %+v, want %+v", d.Lines, tt.after)
			}
		})
	}
}

func TestDeliveryOnOrder(t *testing.T) {
	d := &Delivery{ID: "ASN-1", Kind: DeliveryAdvanceNotice, Lines: []DeliveryLine{
		{SKU: "A", Expected: 10, Received: 4},            // 10 - 4 = 6 still to come
		{SKU: "B", Expected: 5, Received: 7},             // over: nothing
		{SKU: "C", Expected: 3, Received: 3},             // complete: nothing
		{SKU: "D", Expected: 8, Received: 2, Damaged: 6}, // damaged units do not count as received: 8 - 2 = 6
	}}
	if !d.Open() {
		t.Fatal("a delivery without a close time is not open")
	}
	if got, want := d.OnOrder(), map[string]int64{"A": 6, "D": 6}; !reflect.DeepEqual(got, want) {
		t.Errorf("open: on order %v, want %v", got, want)
	}
	d.Closed = time.Date(2026, 3, 11, 17, 0, 0, 0, time.UTC)
	if d.Open() {
		t.Error("a closed delivery is open")
	}
	if got := d.OnOrder(); got == nil || len(got) != 0 {
		t.Errorf("closed: on order %v, want an empty map", got)
	}
}

func TestDeliveryLineDiscrepancy(t *testing.T) {
	for _, tt := range []struct {
		l    DeliveryLine
		want int64
	}{
		{DeliveryLine{Expected: 10, Received: 4}, -6},
		{DeliveryLine{Expected: 5, Received: 7}, 2},
		{DeliveryLine{Expected: 3, Received: 3, Damaged: 1}, 0},
	} {
		if got := tt.l.Discrepancy(); got != tt.want {
			t.Errorf("%+v.Discrepancy() = %d, want %d", tt.l, got, tt.want)
		}
	}
}
