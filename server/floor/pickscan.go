package floor

import (
	"fmt"
	"slices"
)

// PickEnv is what judging a pick scan needs to know beyond the task. The
// store provides it inside the scan's transaction.
type PickEnv interface {
	// IsBin reports whether code is a bin of the bin map.
	IsBin(code string) bool
	// SKUOf returns the SKU a barcode identifies.
	SKUOf(barcode string) (sku string, ok bool)
	// Reroute finds another bin than not holding up to units of sku
	// available, and reserves what it finds there.
	Reroute(sku, not string, units int64) (bin string, got int64, err error)
	// ToteHolder names what a tote holds when it holds an open order of
	// another task (picked into it and not packed yet), for the picker:
	// e.g. "order O-9 of task T000002 (bob)". "" when it is free.
	ToteHolder(code string) string
}

// PickOutcome is what a pick scan did: the answer and the effects the store
// must apply in the same transaction.
type PickOutcome struct {
	Answer  Answer
	Moves   []StockMove
	Short   *ShortPick
	Learned []PickEvent
	// AllPicked: the last stop is done, the task's orders are picked; the
	// task waits for its drop-off and stays the picker's.
	AllPicked bool
	// DroppedOff: the drop-off code was scanned; the task is done and the
	// picker free.
	DroppedOff bool
	// Replanned: the stops or orders changed beyond their counts (a tote
	// scanned, a stop postponed), so the whole plan must be written.
	Replanned bool
	// Tote is the tote a tote scan bound to an order.
	Tote *ToteBinding
}

// current returns the index of the first stop with units left, -1 if none.
func (t *Task) current() int {
	for i, s := range t.Stops {
		if s.Remaining() > 0 {
			return i
		}
	}
	return -1
}

// Instruction says what the picker does next on t.
func (t *Task) Instruction() Instruction {
	in := Instruction{TaskID: t.ID, Total: len(t.Stops), Expect: ExpectNothing}
	for _, s := range t.Stops {
		if s.Remaining() == 0 {
			in.Done++
		}
	}
	switch t.State() {
	case TaskTotes:
		return t.toteInstruction(in, t.needsTote())
	case TaskDropOff:
		in.Expect = ExpectDropOff
		return in
	}
	i := t.current()
	if i < 0 || t.Done {
		return in
	}
	s := t.Stops[i]
	in.Stop, in.Remaining, in.OrderID = &s, s.Remaining(), s.OrderID
	for _, o := range t.Orders {
		if o.OrderID == s.OrderID {
			in.DueAt = o.DueAt
		}
	}
	in.Expect = ExpectBin
	if t.AtBin == s.Bin {
		in.Expect = ExpectItem
	}
	return in
}

// ApplyPickScan judges one scan against the task and advances it. Wrong
// scans change nothing but the answer. The item is never inferred from a
// bin scan, nor the bin from an item scan.
func (t *Task) ApplyPickScan(sc Scan, env PickEnv) (PickOutcome, error) {
	var out PickOutcome
	switch t.State() {
	case TaskDone, TaskReleased:
		out.Answer = t.answer(sc, VerdictNothingOpen, "TASK_DONE", "this task is complete: ask for the next one")
		return out, nil
	case TaskTotes:
		if sc.Action == ActionCode && IsToteCode(sc.Code) {
			return t.scanTote(sc, env), nil
		}
		out.Answer = t.beforeTotes(sc)
		return out, nil
	case TaskDropOff:
		return t.dropOff(sc), nil
	}
	i := t.current()
	cur := &t.Stops[i]
	switch sc.Action {
	case ActionWeight:
		out.Answer = t.answer(sc, VerdictOutOfSequence, "NOT_PACKING", "a weight belongs at the pack station")
		return out, nil
	case ActionPostpone:
		return t.postpone(sc, i), nil
	case ActionShort:
		return t.short(sc, env, i)
	case ActionQuantity:
		if t.AtBin != cur.Bin || t.ItemAt != cur.SKU {
			out.Answer = t.answer(sc, VerdictOutOfSequence, "SCAN_ITEM_FIRST",
				fmt.Sprintf("scan one %s at %s before typing a quantity", cur.SKU, cur.Bin))
			return out, nil
		}
		return t.take(sc, cur, sc.Quantity), nil
	}

	if IsToteCode(sc.Code) {
		out.Answer = t.answer(sc, VerdictOutOfSequence, "TOTES_SET",
			fmt.Sprintf("the totes are set (%s): go to %s", t.toteList(), cur.Bin))
		return out, nil
	}
	if _, ok := ParseDropOff(sc.Code); ok {
		out.Answer = t.answer(sc, VerdictOutOfSequence, "NOT_PICKED",
			fmt.Sprintf("%d of %d stops still to pick: go to %s", len(t.Stops)-t.Instruction().Done, len(t.Stops), cur.Bin))
		return out, nil
	}
	if env.IsBin(sc.Code) {
		switch {
		case sc.Code == cur.Bin:
			if t.AtBin != cur.Bin {
				t.AtBin, t.ItemAt, t.ArrivedAt, t.FirstUnitAt = sc.Code, "", sc.When(), sc.When()
			}
			out.Answer = t.answer(sc, VerdictRight, "AT_BIN",
				fmt.Sprintf("at %s: take %d × %s %s%s", cur.Bin, cur.Remaining(), cur.SKU, cur.Name, cur.into()))
		case t.later(sc.Code, i):
			out.Answer = t.answer(sc, VerdictWrongBin, "WRONG_BIN",
				fmt.Sprintf("%s comes later on the route: go to %s first", sc.Code, cur.Bin))
		default:
			out.Answer = t.answer(sc, VerdictWrongBin, "WRONG_BIN",
				fmt.Sprintf("wrong bin %s: go to %s", sc.Code, cur.Bin))
		}
		return out, nil
	}
	sku, ok := env.SKUOf(sc.Code)
	switch {
	case !ok:
		out.Answer = t.answer(sc, VerdictUnknownBarcode, "UNKNOWN_BARCODE",
			fmt.Sprintf("%s is no bin and no item we know: scan again or check the label", Quote(sc.Code)))
	case t.AtBin != cur.Bin:
		out.Answer = t.answer(sc, VerdictOutOfSequence, "SCAN_BIN_FIRST",
			fmt.Sprintf("scan the bin label of %s first", cur.Bin))
	case sku != cur.SKU:
		out.Answer = t.answer(sc, VerdictWrongItem, "WRONG_ITEM",
			fmt.Sprintf("wrong item: that is %s, take %s %s from %s", sku, cur.SKU, cur.Name, cur.Bin))
	default:
		t.ItemAt = sku
		return t.take(sc, cur, max(sc.Quantity, 1)), nil
	}
	return out, nil
}

// later reports whether bin is a stop after index i.
func (t *Task) later(bin string, i int) bool {
	for _, s := range t.Stops[i+1:] {
		if s.Bin == bin && s.Remaining() > 0 {
			return true
		}
	}
	return false
}

// take picks units of the current stop's item.
func (t *Task) take(sc Scan, cur *Stop, units int64) PickOutcome {
	var out PickOutcome
	if units > cur.Remaining() {
		out.Answer = t.answer(sc, VerdictOverPick, "OVER_PICK",
			fmt.Sprintf("too many: only %d more of %s here; put %d back", cur.Remaining(), cur.SKU, units-cur.Remaining()))
		return out
	}
	if cur.Picked == 0 {
		t.FirstUnitAt = sc.When()
	}
	cur.Picked += units
	out.Moves = append(out.Moves, StockMove{Kind: MovePick, Bin: cur.Bin, SKU: cur.SKU, OnHand: -units, Reserved: -units})
	if cur.Remaining() > 0 {
		out.Answer = t.answer(sc, VerdictRight, "PICKED",
			fmt.Sprintf("%d of %d%s: %d more of %s", cur.Picked, cur.Quantity, cur.into(), cur.Remaining(), cur.SKU))
		return out
	}
	left := t.LeftAt
	if left.IsZero() {
		// The first stop of a task that set no totes since LeftAt was
		// kept (a record of an older schema): the walk began when the
		// task was handed out. Measured from year 1, the first leg (the
		// only one of a one-stop task) was never learned.
		left = t.CreatedAt
	}
	out.Learned = append(out.Learned, PickEvent{Bin: cur.Bin, SKU: cur.SKU, At: t.ArrivedAt, Familiar: cur.Familiar,
		WalkMeters: cur.CumulativeMeters - t.LeftMeters, Walked: t.ArrivedAt.Sub(left),
		AtFace: t.FirstUnitAt.Sub(t.ArrivedAt), Units: cur.Picked, UnitsTook: sc.When().Sub(t.FirstUnitAt)})
	t.LeftAt, t.LeftMeters = sc.When(), cur.CumulativeMeters
	return t.lineDone(sc, out, fmt.Sprintf("%s done%s", cur.SKU, cur.into()))
}

// lineDone finishes the answer after a stop is complete.
func (t *Task) lineDone(sc Scan, out PickOutcome, what string) PickOutcome {
	if t.current() < 0 {
		t.DoneAt = sc.At
		out.AllPicked = true
		out.Answer = t.answer(sc, VerdictTaskDone, "TASK_DONE",
			fmt.Sprintf("%s: task picked (%s); take the totes to the pack station and scan its drop-off code", what, t.toteList()))
		return out
	}
	next := t.Stops[t.current()]
	verdict, reason := VerdictLineDone, "LINE_DONE"
	if out.Short != nil {
		verdict, reason = VerdictShortRecorded, "SHORT_RECORDED"
	}
	out.Answer = t.answer(sc, verdict, reason, fmt.Sprintf("%s: next %s, %d × %s", what, next.Bin, next.Remaining(), next.SKU))
	return out
}

// short records that the current stop cannot be picked in full, takes the
// missing units out of the bin's stock (they are not there, or not
// sellable; the bin gets a count), and re-routes to another bin holding the
// SKU, or leaves the line short.
func (t *Task) short(sc Scan, env PickEnv, i int) (PickOutcome, error) {
	var out PickOutcome
	cur := &t.Stops[i]
	if t.AtBin != cur.Bin {
		out.Answer = t.answer(sc, VerdictOutOfSequence, "SCAN_BIN_FIRST",
			fmt.Sprintf("scan the bin label of %s first, so the short is recorded at the right bin", cur.Bin))
		return out, nil
	}
	missing := cur.Remaining()
	cur.Short += missing
	out.Moves = append(out.Moves, StockMove{Kind: MoveShort, Bin: cur.Bin, SKU: cur.SKU, OnHand: -missing, Reserved: -missing})
	out.Short = &ShortPick{TaskID: t.ID, OrderID: cur.OrderID, Bin: cur.Bin, SKU: cur.SKU, Units: missing, Reason: sc.ShortReason}
	bin, got, err := env.Reroute(cur.SKU, cur.Bin, missing)
	if err != nil {
		return out, err
	}
	what := fmt.Sprintf("%s short by %d at %s (%s); the line is short", cur.SKU, missing, cur.Bin, sc.ShortReason)
	if got > 0 {
		out.Short.ReroutedTo, out.Short.ReroutedUnits = bin, got
		extra := *cur
		extra.Bin, extra.Quantity, extra.Picked, extra.Short, extra.Familiar = bin, got, 0, 0, false
		t.Stops = slices.Insert(t.Stops, i+1, extra)
		what = fmt.Sprintf("%s short by %d at %s (%s); re-routed: take %d from %s", cur.SKU, missing, cur.Bin, sc.ShortReason, got, bin)
	}
	return t.lineDone(sc, out, what), nil
}

func (t *Task) answer(sc Scan, v Verdict, reason, msg string) Answer {
	return Answer{ScanID: sc.ID, Verdict: v, Reason: reason, Message: msg, Next: t.Instruction()}
}
