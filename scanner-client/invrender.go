package main

import (
	"fmt"
	"strings"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// What the inventory modes print: pure functions of the requests and the
// server's answers, like render.go, so the text is checked in tests.

// answerWords is how an answer reads and whether it rings the bell.
type answerWords struct {
	text string
	ring bool
}

// reasonWords name the inventory answers by their reason where the verdict
// alone would blur them: over-received, damaged and corrected share
// DISCREPANCY, and a count to repeat says why. Reasons not listed are named
// by their verdict. The bell rings when the person must do something about
// it: set goods aside, scan again, count again.
var reasonWords = map[string]answerWords{
	"RECEIVED":             {"OK", false},
	"OVER_RECEIVED":        {"OVER", true},
	"DAMAGED":              {"DAMAGED", false},
	"NOT_ON_DELIVERY":      {"NOT ON DELIVERY", true},
	"DELIVERY_CLOSED":      {"DELIVERY CLOSED", true},
	"UNKNOWN_ITEM":         {"UNKNOWN BARCODE", true},
	"PUT_AWAY":             {"OK", false},
	"NOT_AT_DOCK":          {"NOT AT THE DOCK", true},
	"UNKNOWN_BIN":          {"NOT A BIN", true},
	"TRANSFERRED":          {"MOVED", false},
	"NOT_ENOUGH_STOCK":     {"NOT ENOUGH STOCK", true},
	"SAME_BIN":             {"SAME BIN", true},
	"COUNT_MATCHES":        {"MATCHES", false},
	"COUNT_ADJUSTED":       {"CORRECTED", false},
	"COUNT_DIFFERS":        {"COUNT AGAIN", true},
	"COUNT_DISTURBED":      {"COUNT AGAIN", true},
	"COUNT_BELOW_RESERVED": {"COUNT AGAIN", true},
	"COUNT_NOT_STARTED":    {"NOT NOW", true},
	"NO_COUNT":             {"NO COUNT OPEN", true},
}

// inventoryHead is the first line of an inventory answer; ring adds a
// reason to ring the bell that the reason alone does not give.
func inventoryHead(what string, a *pb.InventoryAnswer, ring bool) string {
	w, ok := reasonWords[a.GetReason()]
	if !ok {
		v := a.GetVerdict()
		w = answerWords{verdictWords("", v), wrong(v) || v == pb.Verdict_VERDICT_NOTHING_OPEN}
	}
	return answerHead(w.text, w.ring || ring, what, a.GetMessage(), a.GetReplayed())
}

// plural is a number of things, in words a person reads without a pause.
func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// units is an item and how many of it.
func units(code string, n int64) string {
	if n > 1 {
		return fmt.Sprintf("%s × %d", code, n)
	}
	return code
}

// describeRequest says what an inventory request does, to echo it beside
// its answer or while it is pending.
func describeRequest(req proto.Message) string {
	switch r := req.(type) {
	case *pb.ReceiveRequest:
		if r.GetDamaged() > 0 && r.GetQuantity() == 0 {
			return fmt.Sprintf("%s, %d damaged", r.GetCode(), r.GetDamaged())
		}
		return units(r.GetCode(), r.GetQuantity())
	case *pb.CloseDeliveryRequest:
		return "close delivery " + r.GetId()
	case *pb.PutAwayRequest:
		return fmt.Sprintf("%s into %s", units(r.GetCode(), r.GetQuantity()), r.GetBin())
	case *pb.TransferRequest:
		return fmt.Sprintf("%s from %s to %s", units(r.GetCode(), r.GetQuantity()), r.GetFromBin(), r.GetToBin())
	case *pb.StartCountRequest:
		return "bin " + r.GetBin()
	case *pb.SubmitCountRequest:
		var n int64
		for _, it := range r.GetItems() {
			n += it.GetQuantity()
		}
		return fmt.Sprintf("count of bin %s (%s of %s)", r.GetBin(), plural(n, "unit"), plural(int64(len(r.GetItems())), "item"))
	}
	return callName(req)
}

// renderRefused is the answer to a request the server refused as a whole
// (an unknown delivery, a code that is no bin): nothing was recorded.
func renderRefused(what string, err error) string {
	return answerHead("REFUSED", true, what, status.Convert(err).Message(), false)
}

// renderInventory is the text for the answer to an inventory request.
func renderInventory(req, resp proto.Message) string {
	what := describeRequest(req)
	var b strings.Builder
	switch r := resp.(type) {
	case *pb.ReceiveResponse:
		l := r.GetLine()
		b.WriteString(inventoryHead(what, r.GetAnswer(), l.GetReceived() > l.GetExpected()))
		if l.GetSku() == "" {
			break // nothing received: no line to show
		}
		fmt.Fprintf(&b, "  %s", lineText(l, false))
		if p := r.GetPutAway(); p.GetBin() != "" {
			fmt.Fprintf(&b, " · put away in %s (%s), %d at the dock", p.GetBin(), p.GetReason(), p.GetAtDock())
		}
		b.WriteString("\n")
	case *pb.CloseDeliveryResponse:
		off := r.GetDiscrepancies()
		msg := fmt.Sprintf("%d of %d lines differ from what was expected", len(off), len(r.GetDelivery().GetLines()))
		if len(off) == 0 {
			msg = "every line as expected"
		}
		b.WriteString(answerHead("CLOSED", false, what, msg, false))
		for _, l := range off {
			fmt.Fprintf(&b, "  %s\n", lineText(l, true))
		}
	case *pb.PutAwayResponse:
		b.WriteString(inventoryHead(what, r.GetAnswer(), false))
	case *pb.TransferResponse:
		b.WriteString(inventoryHead(what, r.GetAnswer(), false))
	case *pb.StartCountResponse:
		t := r.GetTask()
		msg := "count every unit in it, then !c"
		if t.GetReason() != "" {
			msg += " (asked: " + t.GetReason() + ")"
		}
		if n := t.GetAttempts(); n > 0 {
			msg += fmt.Sprintf("; counted %s before", plural(int64(n), "time"))
		}
		b.WriteString(answerHead("COUNTING", false, what, msg, false))
	case *pb.SubmitCountResponse:
		b.WriteString(inventoryHead(what, r.GetAnswer(), false))
		if !r.GetDone() {
			fmt.Fprintf(&b, "  count bin %s again: scan its label, then every unit in it\n", req.(*pb.SubmitCountRequest).GetBin())
		}
		for _, l := range r.GetLines() {
			fmt.Fprintf(&b, "  %s: counted %d, system %d", l.GetSku(), l.GetCounted(), l.GetSystem())
			if d := l.GetCounted() - l.GetSystem(); d != 0 {
				fmt.Fprintf(&b, " (%+d)", d)
			}
			b.WriteString("\n")
		}
	default:
		fmt.Fprintf(&b, "[ANSWER] %s\n", what)
	}
	return b.String()
}

// lineText is a delivery line: received of expected, damaged, and how it
// is off. Under is said only once closed: while receiving it is the
// normal state.
func lineText(l *pb.DeliveryLine, closed bool) string {
	s := fmt.Sprintf("%s: %d/%d received", l.GetSku(), l.GetReceived(), l.GetExpected())
	if l.GetDamaged() > 0 {
		s += fmt.Sprintf(", %d damaged", l.GetDamaged())
	}
	switch d := l.GetReceived() - l.GetExpected(); {
	case d > 0:
		s += fmt.Sprintf(": %d over", d)
	case d < 0 && closed:
		s += fmt.Sprintf(": %d under", -d)
	}
	return s
}

// renderDelivery shows a delivery and its lines.
func renderDelivery(d *pb.Delivery) string {
	var b strings.Builder
	var got, want int64
	for _, l := range d.GetLines() {
		got, want = got+l.GetReceived(), want+l.GetExpected()
	}
	kind := "delivery"
	switch d.GetKind() {
	case pb.DeliveryKind_DELIVERY_KIND_PURCHASE_ORDER:
		kind = "purchase order"
	case pb.DeliveryKind_DELIVERY_KIND_ADVANCE_NOTICE:
		kind = "advance notice"
	}
	fmt.Fprintf(&b, "DELIVERY %s, %s", d.GetId(), kind)
	if d.GetSupplier() != "" {
		fmt.Fprintf(&b, " from %s", d.GetSupplier())
	}
	fmt.Fprintf(&b, ": %d lines, %d/%d units received", len(d.GetLines()), got, want)
	if d.GetClosedAt() != nil {
		b.WriteString(", CLOSED")
	}
	b.WriteString("\n")
	for _, l := range d.GetLines() {
		fmt.Fprintf(&b, "  %s\n", lineText(l, d.GetClosedAt() != nil))
	}
	return b.String()
}

// renderSuggestion says where an item scanned for put-away should go.
func renderSuggestion(r *pb.SuggestBinResponse) string {
	return fmt.Sprintf("  suggested bin for %s: %s (%s) · %d at the dock\n", r.GetSku(), r.GetBin(), r.GetReason(), r.GetAtDock())
}

// renderMoveTasks lists the replenishment moves, to be worked as
// transfers.
func renderMoveTasks(tasks []*pb.MoveTask) string {
	if len(tasks) == 0 {
		return "no replenishment moves needed now\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "REPLENISHMENT MOVES: %d\n", len(tasks))
	for i, t := range tasks {
		fmt.Fprintf(&b, "  %d. %d × %s from %s to %s (%s)\n", i+1, t.GetUnits(), t.GetSku(), t.GetFromBin(), t.GetToBin(), t.GetReason())
	}
	b.WriteString("  (a move: scan the from-bin, the item, *N, then the to-bin)\n")
	return b.String()
}

// renderCountTasks lists the bins waiting for a count. Blind: a task says
// where and why, never what the system holds.
func renderCountTasks(tasks []*pb.CountTask) string {
	if len(tasks) == 0 {
		return "no bins waiting for a count (any bin may be counted: scan its label)\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "COUNT TASKS: %s\n", plural(int64(len(tasks)), "bin"))
	for _, t := range tasks {
		fmt.Fprintf(&b, "  %-12s %s", t.GetBin(), t.GetReason())
		if t.GetStartedAt() != nil {
			b.WriteString(" · started")
		}
		if n := t.GetAttempts(); n > 0 {
			fmt.Fprintf(&b, " · counted %s", plural(int64(n), "time"))
		}
		b.WriteString("\n")
	}
	return b.String()
}
