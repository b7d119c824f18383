package floor

import (
	"fmt"
	"strings"
	"time"
)

// The pick flow of a handheld task around its stops: the totes are
// scanned before the first pick, the cart is dropped off at a pack
// station (its drop-off code scanned) before the picker gets more work,
// and a task can be taken back (released or reassigned) on the way.

// Tote and drop-off codes. A tote's label encodes "TOTE-" and 1 to 10
// digits; a pack station's drop-off label "DROP-" and the station's name.
// The prefixes keep them apart from bins, items and orders.
const (
	TotePrefix       = "TOTE-"
	DropOffPrefix    = "DROP-"
	maxToteDigits    = 10
	maxStationLength = 32
)

// IsToteCode reports whether code claims to be a tote (it may still be a
// malformed one: ParseToteCode says).
func IsToteCode(code string) bool { return strings.HasPrefix(code, TotePrefix) }

// ParseToteCode checks a tote code: "TOTE-" and 1 to 10 ASCII digits.
func ParseToteCode(code string) error {
	digits, ok := strings.CutPrefix(code, TotePrefix)
	if !ok || digits == "" || len(digits) > maxToteDigits {
		return fmt.Errorf("%s is no tote code: a tote label reads %s and 1 to %d digits", Quote(code), TotePrefix, maxToteDigits)
	}
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return fmt.Errorf("%s is no tote code: a tote label reads %s and 1 to %d digits", Quote(code), TotePrefix, maxToteDigits)
		}
	}
	return nil
}

// ParseDropOff returns the pack station a drop-off code names: "DROP-"
// and 1 to 32 ASCII letters, digits or hyphens. ok is false when code is
// not a drop-off code.
func ParseDropOff(code string) (station string, ok bool) {
	station, ok = strings.CutPrefix(code, DropOffPrefix)
	if !ok || station == "" || len(station) > maxStationLength {
		return "", false
	}
	for _, c := range []byte(station) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "", false
		}
	}
	return station, true
}

// TaskState says where a task is in the pick flow.
type TaskState int

// Task states; see the proto's TaskState.
const (
	TaskStateUnspecified TaskState = iota
	TaskTotes                      // a tote to scan for some order before the first pick
	TaskPicking                    // stops left
	TaskDropOff                    // picked: the totes go to the pack station
	TaskDone                       // dropped off, or a paper sheet returned
	TaskReleased                   // ended by a release before it was done
)

var taskStateNames = []string{"unspecified", "totes", "picking", "drop-off", "done", "released"}

func (s TaskState) String() string { return nameOf(taskStateNames, s) }

// State says where t is in the pick flow. Paper tasks scan no totes and
// are not dropped off: the pack station's scan of their sheet ends them.
func (t *Task) State() TaskState {
	switch {
	case t.Released:
		return TaskReleased
	case t.Done:
		return TaskDone
	case t.Paper:
		return TaskPicking
	case t.needsTote() >= 0:
		return TaskTotes
	case t.current() < 0:
		return TaskDropOff
	}
	return TaskPicking
}

// needsTote returns the index of the first order without a tote, -1 if
// every order has one.
func (t *Task) needsTote() int {
	for i, o := range t.Orders {
		if o.ToteCode == "" {
			return i
		}
	}
	return -1
}

// ToteOf returns the tote code of order in t ("" if none or not in t).
func (t *Task) ToteOf(order string) string {
	for _, o := range t.Orders {
		if o.OrderID == order {
			return o.ToteCode
		}
	}
	return ""
}

// toteInstruction asks for the tote of the i-th order.
func (t *Task) toteInstruction(in Instruction, i int) Instruction {
	o := t.Orders[i]
	in.Expect, in.OrderID, in.Tote, in.DueAt = ExpectTote, o.OrderID, o.Tote, o.DueAt
	return in
}

// scanTote takes a tote code for the next order without one.
func (t *Task) scanTote(sc Scan, env PickEnv) PickOutcome {
	var out PickOutcome
	i := t.needsTote()
	o := &t.Orders[i]
	if err := ParseToteCode(sc.Code); err != nil {
		out.Answer = t.answer(sc, VerdictWrongTote, "BAD_TOTE_CODE", err.Error()+": scan the tote's label")
		return out
	}
	for _, other := range t.Orders {
		if other.ToteCode == sc.Code {
			out.Answer = t.answer(sc, VerdictWrongTote, "TOTE_IN_TASK",
				fmt.Sprintf("%s holds order %s already: take another empty tote for order %s", sc.Code, other.OrderID, o.OrderID))
			return out
		}
	}
	if holder := env.ToteHolder(sc.Code); holder != "" {
		out.Answer = t.answer(sc, VerdictWrongTote, "TOTE_IN_USE",
			fmt.Sprintf("%s is in use: it holds %s; take an empty tote for order %s", sc.Code, holder, o.OrderID))
		return out
	}
	o.ToteCode = sc.Code
	for k := range t.Stops {
		if t.Stops[k].OrderID == o.OrderID {
			t.Stops[k].ToteCode = sc.Code
		}
	}
	out.Replanned, out.Tote = true, &ToteBinding{Code: sc.Code, OrderID: o.OrderID}
	what := fmt.Sprintf("%s for order %s (cart position %d)", sc.Code, o.OrderID, o.Tote)
	if j := t.needsTote(); j >= 0 {
		out.Answer = t.answer(sc, VerdictRight, "TOTE_SET",
			fmt.Sprintf("%s; next: a tote for order %s (cart position %d)", what, t.Orders[j].OrderID, t.Orders[j].Tote))
		return out
	}
	// The totes are ready at the pack station: the walk to the first stop
	// starts now, and is learned from here.
	t.LeftAt = sc.When()
	msg := what + "; totes ready"
	if c := t.current(); c >= 0 {
		s := t.Stops[c]
		msg += fmt.Sprintf(": go to %s, %d × %s", s.Bin, s.Remaining(), s.SKU)
	}
	out.Answer = t.answer(sc, VerdictRight, "TOTE_SET", msg)
	return out
}

// beforeTotes answers any other scan while totes are wanted.
func (t *Task) beforeTotes(sc Scan) Answer {
	o := t.Orders[t.needsTote()]
	return t.answer(sc, VerdictOutOfSequence, "SCAN_TOTE_FIRST",
		fmt.Sprintf("scan an empty tote (%sNNNN) for order %s, cart position %d, before the first pick", TotePrefix, o.OrderID, o.Tote))
}

// dropOff takes the scan at the pack station that ends a picked task.
func (t *Task) dropOff(sc Scan) PickOutcome {
	var out PickOutcome
	station, ok := ParseDropOff(sc.Code)
	if sc.Action != ActionCode || !ok {
		out.Answer = t.answer(sc, VerdictOutOfSequence, "DROP_OFF_FIRST",
			fmt.Sprintf("task %s is picked: take the totes to the pack station and scan its drop-off code (%sstation)", t.ID, DropOffPrefix))
		return out
	}
	t.Done, t.DroppedAt, t.DropStation = true, sc.At, station
	out.DroppedOff = true
	out.Answer = t.answer(sc, VerdictRight, "DROPPED_OFF",
		fmt.Sprintf("totes of task %s dropped off at %s: %s; ask for the next task", t.ID, station, t.toteList()))
	return out
}

// toteList names the task's orders with their totes.
func (t *Task) toteList() string {
	parts := make([]string, len(t.Orders))
	for i, o := range t.Orders {
		parts[i] = fmt.Sprintf("%s in %s", o.OrderID, o.toteName())
	}
	return strings.Join(parts, ", ")
}

// toteName is the tote's code, or its cart position before one is scanned.
func (o TaskOrder) toteName() string {
	if o.ToteCode != "" {
		return o.ToteCode
	}
	return fmt.Sprintf("tote %d", o.Tote)
}

// into says which tote a stop's units go into.
func (s Stop) into() string {
	if s.ToteCode != "" {
		return " into " + s.ToteCode
	}
	return fmt.Sprintf(" into tote %d", s.Tote)
}

// postpone moves the current stop to the end of the route.
func (t *Task) postpone(sc Scan, i int) PickOutcome {
	var out PickOutcome
	cur := t.Stops[i]
	last := true
	for k, s := range t.Stops {
		if k != i && s.Remaining() > 0 {
			last = false
		}
	}
	if last {
		out.Answer = t.answer(sc, VerdictOutOfSequence, "LAST_STOP",
			fmt.Sprintf("%s is the last stop: take %d × %s, or report a short", cur.Bin, cur.Remaining(), cur.SKU))
		return out
	}
	t.Stops = append(append(t.Stops[:i:i], t.Stops[i+1:]...), cur)
	t.AtBin, t.ItemAt = "", ""
	out.Replanned = true
	next := t.Stops[t.current()]
	out.Answer = t.answer(sc, VerdictRight, "POSTPONED",
		fmt.Sprintf("%s at %s moved to the end of the route: go to %s, %d × %s", cur.SKU, cur.Bin, next.Bin, next.Remaining(), next.SKU))
	return out
}

// ToteBinding says a tote now holds an order.
type ToteBinding struct{ Code, OrderID string }

// PutBack is picked units of a released order going back to their bin.
type PutBack struct {
	Bin, SKU, Name, OrderID, ToteCode string
	Units                             int64
}

// ReleaseOutcome is what releasing a task does: the store applies its
// stock moves, requeues and keeps the orders it names.
type ReleaseOutcome struct {
	Requeued, Kept []string // order ids
	PutBack        []PutBack
	Moves          []StockMove
	Message        string
}

// Release ends t before it is done. An order whose stops are all picked
// or short stays with its tote for the pack station: nothing more is to be
// taken for it. Any other order goes back to the queue: its stops'
// reservations are released and its picked units return to their bins,
// so it is picked again whole by whoever gets it (an order split over two
// carts would be packed from two totes, which a pack station cannot
// tell). The put-back list says what to take out of the totes.
func (t *Task) Release() (ReleaseOutcome, error) {
	var out ReleaseOutcome
	if t.Done {
		return out, &Error{Op: "release task", Kind: KindConflict, Reason: "TASK_ENDED",
			Msg: fmt.Sprintf("task %s is %s already", t.ID, t.State())}
	}
	for _, o := range t.Orders {
		complete := true
		for _, s := range t.Stops {
			if s.OrderID == o.OrderID && s.Remaining() > 0 {
				complete = false
			}
		}
		if complete {
			out.Kept = append(out.Kept, o.OrderID)
			continue
		}
		out.Requeued = append(out.Requeued, o.OrderID)
		for _, s := range t.Stops {
			if s.OrderID != o.OrderID {
				continue
			}
			if s.Remaining() > 0 {
				out.Moves = append(out.Moves, StockMove{Kind: MoveRelease, Bin: s.Bin, SKU: s.SKU, Reserved: -s.Remaining()})
			}
			if s.Picked > 0 {
				out.Moves = append(out.Moves, StockMove{Kind: MoveReturn, Bin: s.Bin, SKU: s.SKU, OnHand: s.Picked})
				out.PutBack = append(out.PutBack, PutBack{Bin: s.Bin, SKU: s.SKU, Name: s.Name, OrderID: s.OrderID, ToteCode: s.ToteCode, Units: s.Picked})
			}
		}
	}
	t.Done, t.Released, t.AtBin, t.ItemAt = true, true, "", ""
	var msg []string
	if len(out.Kept) > 0 {
		msg = append(msg, fmt.Sprintf("picked, to the pack station in their totes: %s", t.ordersIn(out.Kept)))
	}
	if len(out.PutBack) > 0 {
		parts := make([]string, len(out.PutBack))
		for i, p := range out.PutBack {
			parts[i] = fmt.Sprintf("%d × %s to %s", p.Units, p.SKU, p.Bin)
		}
		msg = append(msg, "put back: "+strings.Join(parts, ", "))
	}
	if len(out.Requeued) > 0 {
		msg = append(msg, fmt.Sprintf("back in the queue: %s", strings.Join(out.Requeued, ", ")))
	}
	out.Message = fmt.Sprintf("task %s released; %s", t.ID, strings.Join(msg, "; "))
	return out, nil
}

// ordersIn names orders of t with their totes.
func (t *Task) ordersIn(ids []string) string {
	parts := make([]string, 0, len(ids))
	for _, o := range t.Orders {
		for _, id := range ids {
			if o.OrderID == id {
				parts = append(parts, fmt.Sprintf("%s in %s", id, o.toteName()))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// Reassign hands t, with its cart, to picker to: what is picked and
// reserved stays, and to scans the current bin again before the next
// pick (they walk up to the cart; the old picker's place proves nothing).
// The walk timing restarts at, so learning does not count the handover.
func (t *Task) Reassign(to string, at time.Time) error {
	if t.Done {
		return &Error{Op: "reassign task", Kind: KindConflict, Reason: "TASK_ENDED",
			Msg: fmt.Sprintf("task %s is %s already", t.ID, t.State())}
	}
	if to == t.Picker {
		return &Error{Op: "reassign task", Kind: KindConflict, Reason: "SAME_PICKER",
			Msg: fmt.Sprintf("task %s is %s's already", t.ID, to)}
	}
	t.Picker, t.AtBin, t.ItemAt = to, "", ""
	t.ArrivedAt, t.FirstUnitAt, t.LeftAt = time.Time{}, time.Time{}, at
	return nil
}
