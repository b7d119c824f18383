package main

import (
	"fmt"
	"strings"
	"time"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// Everything here is a pure function from server messages (and the time)
// to text, so what a picker reads can be checked line by line in tests.

// bell rings the terminal: a picker hears a wrong scan before reading it.
const bell = "\a"

// wrong reports whether a verdict means the scan was refused and the person
// must do something else: those ring the bell.
func wrong(v pb.Verdict) bool {
	switch v {
	case pb.Verdict_VERDICT_WRONG_BIN, pb.Verdict_VERDICT_WRONG_ITEM, pb.Verdict_VERDICT_UNKNOWN_BARCODE,
		pb.Verdict_VERDICT_OVER_PICK, pb.Verdict_VERDICT_OUT_OF_SEQUENCE, pb.Verdict_VERDICT_WEIGHT_MISMATCH,
		pb.Verdict_VERDICT_RECOUNT, pb.Verdict_VERDICT_WRONG_TOTE:
		return true
	}
	return false
}

// verdictWords names a verdict in plain words, as a person says it.
func verdictWords(mode Mode, v pb.Verdict) string {
	switch v {
	case pb.Verdict_VERDICT_RIGHT:
		return "OK"
	case pb.Verdict_VERDICT_WRONG_BIN:
		return "WRONG BIN"
	case pb.Verdict_VERDICT_WRONG_ITEM:
		return "WRONG ITEM"
	case pb.Verdict_VERDICT_UNKNOWN_BARCODE:
		return "UNKNOWN BARCODE"
	case pb.Verdict_VERDICT_OVER_PICK:
		return "TOO MANY"
	case pb.Verdict_VERDICT_LINE_DONE:
		if mode == ModePack {
			return "ALL ITEMS VERIFIED"
		}
		return "LINE DONE"
	case pb.Verdict_VERDICT_TASK_DONE:
		switch mode {
		case ModePack:
			return "PACKED"
		case ModeHandoff:
			return "HANDED OFF"
		}
		return "TASK DONE"
	case pb.Verdict_VERDICT_SHORT_RECORDED:
		return "SHORT RECORDED"
	case pb.Verdict_VERDICT_WRONG_TOTE:
		return "WRONG TOTE"
	case pb.Verdict_VERDICT_OUT_OF_SEQUENCE:
		return "NOT NOW"
	case pb.Verdict_VERDICT_WEIGHT_MISMATCH:
		return "WRONG WEIGHT"
	case pb.Verdict_VERDICT_NOTHING_OPEN:
		return "NOTHING OPEN"
	case pb.Verdict_VERDICT_DISCREPANCY:
		return "NOT AS EXPECTED"
	case pb.Verdict_VERDICT_RECOUNT:
		return "COUNT AGAIN"
	}
	return "ANSWER " + v.String()
}

// fmtDur writes a duration the way a clock on a wall is read: 14m05s,
// 1h02m, 45s.
func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		d = -d
	}
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// fmtClock is the order's clock: the time left until due, or how late it
// is. Empty when the due time is unknown.
func fmtClock(due, now time.Time) string {
	if due.IsZero() {
		return ""
	}
	left := due.Sub(now).Round(time.Second)
	if left <= 0 {
		return "LATE by " + fmtDur(left)
	}
	return fmtDur(left) + " left"
}

// describeScan says what was scanned or typed, to echo it beside its
// answer or while it is pending.
func describeScan(s *pb.Scan) string {
	switch s.GetAction() {
	case pb.ScanAction_SCAN_ACTION_QUANTITY:
		return fmt.Sprintf("quantity %d", s.GetQuantity())
	case pb.ScanAction_SCAN_ACTION_SHORT:
		return "short pick: " + shortWords(s.GetShortReason())
	case pb.ScanAction_SCAN_ACTION_WEIGHT:
		return fmt.Sprintf("weight %d g", s.GetWeightG())
	case pb.ScanAction_SCAN_ACTION_POSTPONE:
		return "postpone"
	case pb.ScanAction_SCAN_ACTION_NEW_BOX:
		return "new box"
	}
	if s.GetQuantity() > 1 {
		return fmt.Sprintf("%s × %d", s.GetCode(), s.GetQuantity())
	}
	return s.GetCode()
}

func shortWords(r pb.ShortReason) string {
	switch r {
	case pb.ShortReason_SHORT_REASON_EMPTY_BIN:
		return "empty bin"
	case pb.ShortReason_SHORT_REASON_DAMAGED:
		return "damaged"
	case pb.ShortReason_SHORT_REASON_CANNOT_FIND:
		return "cannot find"
	}
	return "no reason"
}

// renderAnswer is the text for one answered scan: the verdict in plain
// words with the server's message, then what to do next. due is the order's
// due time when the instruction does not carry it (pack station).
func renderAnswer(mode Mode, scanned string, a *pb.ScanAnswer, due, now time.Time) string {
	var b strings.Builder
	b.WriteString(answerHead(verdictWords(mode, a.GetVerdict()), wrong(a.GetVerdict()), scanned, a.GetMessage(), a.GetReplayed()))
	if a.GetVerdict() == pb.Verdict_VERDICT_NOTHING_OPEN && a.GetNext().GetExpect() == pb.Expect_EXPECT_UNSPECIFIED {
		return b.String() // no task or order: the caller asks for work
	}
	b.WriteString(renderInstruction(mode, a.GetNext(), due, now))
	return b.String()
}

// answerHead is the first line of an answer, the same in every mode: the
// bell when the person must do something else, the verdict in words, what
// was scanned and the server's message.
func answerHead(words string, ring bool, scanned, message string, replayed bool) string {
	var b strings.Builder
	if ring {
		b.WriteString(bell)
	}
	fmt.Fprintf(&b, "[%s] %s: %s", words, scanned, message)
	if replayed {
		b.WriteString(" (sent again after a lost answer; applied once)")
	}
	b.WriteString("\n")
	return b.String()
}

// intoBox names the box being filled once the order is in several.
func intoBox(n *pb.Instruction) string {
	if n.GetBox() > 1 {
		return fmt.Sprintf(" into box %d", n.GetBox())
	}
	return ""
}

// renderInstruction says what to do next, then the progress and the clock.
func renderInstruction(mode Mode, n *pb.Instruction, due, now time.Time) string {
	var b strings.Builder
	st := n.GetStop()
	switch n.GetExpect() {
	case pb.Expect_EXPECT_BIN:
		fmt.Fprintf(&b, "  next: go to bin %s and scan its label: %d × %s %s into %s\n",
			st.GetBin(), n.GetRemaining(), st.GetSku(), st.GetName(), toteName(st))
	case pb.Expect_EXPECT_TOTE:
		fmt.Fprintf(&b, "  next: scan an empty tote (TOTE-…) for order %s, cart position %d\n", n.GetOrderId(), n.GetTote())
	case pb.Expect_EXPECT_DROP_OFF:
		b.WriteString("  next: take the totes to the pack station and scan its drop-off code (DROP-…)\n")
	case pb.Expect_EXPECT_ITEM:
		if mode == ModePick {
			fmt.Fprintf(&b, "  next: scan %s %s at %s: %d to take (each unit, or one then *N)\n",
				st.GetSku(), st.GetName(), st.GetBin(), n.GetRemaining())
		} else {
			fmt.Fprintf(&b, "  next: scan the items of order %s%s: %d to verify (each unit, or one then *N)\n",
				n.GetOrderId(), intoBox(n), n.GetRemaining())
		}
	case pb.Expect_EXPECT_WEIGHT:
		if n.GetBox() > 1 || n.GetRemaining() > 0 { // a box of several: the order goes on after it
			fmt.Fprintf(&b, "  next: weigh box %d of order %s and type =GRAMS (or let the scale send it)\n", n.GetBox(), n.GetOrderId())
		} else {
			fmt.Fprintf(&b, "  next: weigh the parcel of order %s and type =GRAMS (or let the scale send it)\n", n.GetOrderId())
		}
	case pb.Expect_EXPECT_ORDER:
		if mode == ModeHandoff {
			b.WriteString("  next: scan the waybill of the parcel the courier takes\n")
		} else {
			b.WriteString("  next: scan the order barcode on the pick list\n")
		}
	case pb.Expect_EXPECT_NOTHING:
		if mode == ModePick {
			b.WriteString("  next: the next task comes (press Enter to ask again)\n")
		} else {
			b.WriteString("  next: nothing to do\n")
		}
	}
	var status []string
	if n.GetTotal() > 0 {
		unit := "lines"
		if mode != ModePick {
			unit = "items"
		}
		status = append(status, fmt.Sprintf("%d/%d %s done", n.GetDone(), n.GetTotal(), unit))
	}
	if n.GetOrderId() != "" {
		o := "order " + n.GetOrderId()
		if st.GetTote() > 0 {
			o += " " + toteName(st)
		}
		status = append(status, o)
	}
	if n.GetDueAt() != nil {
		due = n.GetDueAt().AsTime()
	}
	if c := fmtClock(due, now); c != "" {
		status = append(status, c)
	}
	if len(status) > 0 {
		fmt.Fprintf(&b, "  %s\n", strings.Join(status, " · "))
	}
	return b.String()
}

// renderTask shows a new pick task: its orders with their clocks and the
// route, stop by stop in walking order.
func renderTask(t *pb.Task, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "TASK %s: %d stops, %.0f m walk", t.GetId(), len(t.GetStops()), t.GetMeters())
	switch t.GetStrategy() {
	case pb.RouteStrategy_ROUTE_STRATEGY_FAMILIAR_FIRST:
		fmt.Fprintf(&b, ", familiar bins first (shortest %.0f m)", t.GetShortestMeters())
	case pb.RouteStrategy_ROUTE_STRATEGY_SHORTEST_FOR_DUE_TIME:
		b.WriteString(", shortest walk to make the due time")
	}
	b.WriteString("\n")
	if r := t.GetRouteReason(); r != "" {
		fmt.Fprintf(&b, "  (%s)\n", r)
	}
	if t.GetPaper() {
		b.WriteString("  PAPER: the pick list and waybills are printing; pick from the sheet, then scan its code at the pack station\n")
	}
	switch t.GetState() {
	case pb.TaskState_TASK_STATE_TOTES:
		b.WriteString("  first scan an empty tote for each order, in cart order\n")
	case pb.TaskState_TASK_STATE_DROP_OFF:
		b.WriteString("  PICKED: take the totes to the pack station and scan its drop-off code\n")
	}
	for _, o := range t.GetOrders() {
		fmt.Fprintf(&b, "  order %s → tote %d", o.GetOrderId(), o.GetTote())
		if c := o.GetToteCode(); c != "" {
			fmt.Fprintf(&b, " (%s)", c)
		}
		if o.GetDueAt() != nil {
			due := o.GetDueAt().AsTime()
			fmt.Fprintf(&b, ", due %s, %s", due.Local().Format("15:04"), fmtClock(due, now))
		}
		if o.GetAtRisk() {
			b.WriteString(", AT RISK")
		}
		b.WriteString("\n")
	}
	for i, s := range t.GetStops() {
		mark := " "
		if s.GetFamiliar() {
			mark = "*"
		}
		fmt.Fprintf(&b, "  %2d. %s %-12s %-8s %-24s ×%d  tote %d  %4.0f m", i+1, mark, s.GetBin(), s.GetSku(), s.GetName(),
			s.GetQuantity(), s.GetTote(), s.GetCumulativeMeters())
		if s.GetPicked() > 0 || s.GetShort() > 0 {
			fmt.Fprintf(&b, "  (picked %d, short %d)", s.GetPicked(), s.GetShort())
		}
		b.WriteString("\n")
	}
	if len(t.GetStops()) > 0 {
		b.WriteString("  (* = a bin you know)\n")
	}
	return b.String()
}

// toteName is the tote a stop's units go into: its code once scanned, else
// its cart position.
func toteName(st *pb.Stop) string {
	if c := st.GetToteCode(); c != "" {
		return c
	}
	return fmt.Sprintf("tote %d", st.GetTote())
}

// taskInstruction is what to do first on a task just received when the
// server sent no instruction with it: a tote for the first order without
// one, the drop-off of a picked task, or the first stop with units left
// (asking for its bin: only the server knows where the picker stands).
func taskInstruction(t *pb.Task) *pb.Instruction {
	n := &pb.Instruction{TaskId: t.GetId(), Total: int32(len(t.GetStops())), Expect: pb.Expect_EXPECT_NOTHING}
	switch t.GetState() {
	case pb.TaskState_TASK_STATE_TOTES:
		for _, o := range t.GetOrders() {
			if o.GetToteCode() == "" {
				n.Expect, n.OrderId, n.Tote, n.DueAt = pb.Expect_EXPECT_TOTE, o.GetOrderId(), o.GetTote(), o.GetDueAt()
				return n
			}
		}
	case pb.TaskState_TASK_STATE_DROP_OFF:
		n.Expect, n.Done = pb.Expect_EXPECT_DROP_OFF, n.Total
		return n
	}
	for _, s := range t.GetStops() {
		left := s.GetQuantity() - s.GetPicked() - s.GetShort()
		if left <= 0 {
			n.Done++
			continue
		}
		if n.Stop != nil {
			continue
		}
		n.Stop, n.Remaining, n.OrderId, n.Expect = s, left, s.GetOrderId(), pb.Expect_EXPECT_BIN
		for _, o := range t.GetOrders() {
			if o.GetOrderId() == s.GetOrderId() {
				n.DueAt = o.GetDueAt()
			}
		}
	}
	return n
}

// renderPending tells that a scan made offline is kept on the device and
// not yet answered.
func renderPending(scanned string, pending int) string {
	return fmt.Sprintf("… %s: PENDING, offline: kept on this device, sent when the link returns (%d pending)\n", scanned, pending)
}

// renderHelp lists the keys of a mode.
func renderHelp(mode Mode) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scanner-client %s: scan a code (the scanner presses Enter), or type:\n", mode)
	switch mode {
	case ModePick:
		b.WriteString("  TOTE-N          an empty tote for each order, before the first pick\n")
		b.WriteString("  BIN or BARCODE  scan the bin label, then the item (one scan per unit)\n")
		b.WriteString("  *N              N more units of the item just scanned (e.g. *3)\n")
		b.WriteString("  !p              postpone this stop: it moves to the end of the route\n")
		b.WriteString("  DROP-STATION    the pack station's drop-off code, once the task is picked\n")
		b.WriteString("  !e              short pick: the bin is empty\n")
		b.WriteString("  !d              short pick: the goods are damaged\n")
		b.WriteString("  !f              short pick: cannot find the item\n")
	case ModePack:
		b.WriteString("  ORDER or ITEM   scan the order barcode on the pick list, then every item\n")
		b.WriteString("  *N              N more units of the item just scanned (e.g. *3)\n")
		b.WriteString("  =G              parcel weight in grams (e.g. =1170); a scale may type it\n")
		b.WriteString("  !b              this box is full: close it, weigh it (=G), go on in a new box\n")
	case ModeHandoff:
		b.WriteString("  WAYBILL         scan the waybill barcode as the courier takes the parcel\n")
	default:
		m := invModes[mode]
		for _, k := range append(m.codes, m.keys...) {
			fmt.Fprintf(&b, "  %-15s %s\n", k.key+k.arg, k.help)
		}
	}
	b.WriteString("  Enter           show the status again (pick: ask for work when idle)\n")
	b.WriteString("  ?               this help\n")
	b.WriteString("  q               quit (unanswered scans are kept and sent next time)\n")
	return b.String()
}
