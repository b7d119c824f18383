package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

var sue = floor.User{Name: "sue", Role: floor.RoleSupervisor}

// movementsSince returns the history after the first n movements.
func movementsSince(t *testing.T, s *Store, n int) []floor.Movement {
	t.Helper()
	ms, _, err := s.History(time.Time{}, t0.Add(24*time.Hour), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return ms[n:]
}

func historyLen(t *testing.T, s *Store) int { return len(movementsSince(t, s, 0)) }

// wantEntry checks that ms is one history entry of kind, by who, for ref,
// with the reason in its note.
func wantEntry(t *testing.T, ms []floor.Movement, kind floor.MovementKind, who, ref, reason string) {
	t.Helper()
	if len(ms) != 1 || ms[0].Kind != kind || ms[0].User != who || ms[0].Ref != ref || !strings.Contains(ms[0].Note, reason) || ms[0].Units != 0 {
		t.Errorf("history %+v, want one %v by %s for %s saying %q", ms, kind, who, ref, reason)
	}
}

func TestRaisePriorityPutsAnOrderFirst(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	for _, id := range []string{"A", "B", "C"} {
		if _, err := s.SubmitOrders([]floor.Order{{ID: id, Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Second)
	}
	n := historyLen(t, s)
	// C is due last; raised, it is the next picker's first order, and B,
	// raised after it, the one after.
	c, err := s.RaisePriority(sue, "C", "VIP customer")
	if err != nil || !c.RaisedAt.Equal(clock.Now()) {
		t.Fatalf("raise C: %+v %v", c, err)
	}
	wantEntry(t, movementsSince(t, s, n), floor.MovePriority, "sue", "C", "VIP customer")
	due := c.DueAt
	clock.Add(time.Second)
	if _, err := s.RaisePriority(sue, "B", "next truck"); err != nil {
		t.Fatal(err)
	}
	_, err = s.RaisePriority(sue, "C", "again")
	if fe := asError(err); fe == nil || fe.Reason != "ALREADY_RAISED" {
		t.Errorf("raising C twice: %v, want ALREADY_RAISED", err)
	}
	if got, _ := s.Order("C"); !got.DueAt.Equal(due) {
		t.Errorf("C's due time moved from %v to %v", due, got.DueAt)
	}

	tasks := map[string]string{}
	for _, want := range []struct{ picker, order string }{{"ann", "C"}, {"bob", "B"}, {"cleo", "A"}} {
		task, ok, err := s.NextTask(want.picker)
		if err != nil || !ok || task.Orders[0].OrderID != want.order {
			t.Fatalf("%s: %+v %v %v, want a task starting with %s", want.picker, task, ok, err, want.order)
		}
		tasks[want.picker] = task.ID
	}
	// Assigned, it can no longer be raised; released back to the queue,
	// a raised order keeps its place before the others.
	_, err = s.RaisePriority(sue, "A", "late")
	if fe := asError(err); fe == nil || fe.Reason != "NOT_QUEUED" {
		t.Errorf("raising an assigned order: %v, want NOT_QUEUED", err)
	}
	if _, err := s.ReleaseTask(sue, tasks["ann"], "scanner dead"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitOrders([]floor.Order{{ID: "D", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	if next, ok, err := s.NextTask("dan"); err != nil || !ok || next.Orders[0].OrderID != "C" {
		t.Errorf("dan after the release: %+v %v %v, want C first", next, ok, err)
	}
	_, err = s.RaisePriority(sue, "NOPE", "x")
	wantKind(t, err, floor.KindNotFound)
}

func asError(err error) *floor.Error {
	var fe *floor.Error
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}

func TestOffShiftUntilPutBackOrGivenATask(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	for _, name := range []string{"ann", "bob"} {
		if _, err := s.CreateToken(name, floor.RolePicker); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SubmitOrders([]floor.Order{{ID: "A", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.NextTask("bob"); err != nil {
		t.Fatal(err)
	}
	n := historyLen(t, s)
	_, err := s.TakeOffShift(sue, "bob", "home")
	if fe := asError(err); fe == nil || fe.Reason != "PICKER_BUSY" || !strings.Contains(fe.Msg, "release or reassign") {
		t.Errorf("bob with a task: %v, want PICKER_BUSY", err)
	}
	_, err = s.TakeOffShift(sue, "sue", "x")
	wantKind(t, err, floor.KindNotFound) // not a picker
	if len(movementsSince(t, s, n)) != 0 {
		t.Error("a refused action left history")
	}

	off, err := s.TakeOffShift(sue, "ann", "break")
	if err != nil || off.By != "sue" || off.Reason != "break" || !off.At.Equal(clock.Now()) {
		t.Fatalf("ann off shift: %+v %v", off, err)
	}
	wantEntry(t, movementsSince(t, s, n), floor.MoveOffShift, "sue", "ann", "break")
	if list, err := s.OffShift(); err != nil || len(list) != 1 || list[0] != off {
		t.Errorf("off shift: %+v %v", list, err)
	}
	if st, err := s.Floor(); err != nil || len(st.OffShift) != 1 {
		t.Errorf("floor state off shift: %+v %v", st.OffShift, err)
	}
	_, err = s.TakeOffShift(sue, "ann", "again")
	wantKind(t, err, floor.KindConflict)

	// Put back by a supervisor.
	n = historyLen(t, s)
	if err := s.PutOnShift(sue, "ann", "break over"); err != nil {
		t.Fatal(err)
	}
	wantEntry(t, movementsSince(t, s, n), floor.MoveOnShift, "sue", "ann", "break over")
	wantKind(t, s.PutOnShift(sue, "ann", "again"), floor.KindConflict)

	// Or back by taking work: asking with nothing queued changes nothing,
	// being given a task puts her back.
	if _, err := s.TakeOffShift(sue, "ann", "break"); err != nil {
		t.Fatal(err)
	}
	if task, _, err := s.NextTask("ann"); err != nil || task != nil {
		t.Fatalf("ann with an empty queue: %+v %v", task, err)
	}
	if list, _ := s.OffShift(); len(list) != 1 {
		t.Errorf("ann back on shift without a task: %+v", list)
	}
	if _, err := s.SubmitOrders([]floor.Order{{ID: "B", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	n = historyLen(t, s)
	if _, ok, err := s.NextTask("ann"); err != nil || !ok {
		t.Fatalf("ann's task: %v %v", ok, err)
	}
	if list, _ := s.OffShift(); len(list) != 0 {
		t.Errorf("ann given a task but still off shift: %+v", list)
	}
	var back []floor.Movement
	for _, m := range movementsSince(t, s, n) {
		if m.Kind == floor.MoveOnShift {
			back = append(back, m)
		}
	}
	wantEntry(t, back, floor.MoveOnShift, "ann", "ann", "took task")
}

func TestCancelAndReprintAreInTheHistory(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	if _, err := s.SubmitOrders([]floor.Order{{ID: "A", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	n := historyLen(t, s)
	if _, err := s.CancelOrder("sue", "A", "customer called"); err != nil {
		t.Fatal(err)
	}
	wantEntry(t, movementsSince(t, s, n), floor.MoveCancel, "sue", "A", "customer called")

	// A reprint needs a packed order; a station named or found.
	if _, err := s.SubmitOrders([]floor.Order{{ID: "B", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	_, err := s.Reprint(sue, "B", "", "smudged")
	if fe := asError(err); fe == nil || fe.Reason != "NOT_PACKED" {
		t.Errorf("reprint of a queued order: %v, want NOT_PACKED", err)
	}
	if err := s.update("test", func(tx *txn) error { return setOrderState(tx, "B", floor.StatePacked, t0) }); err != nil {
		t.Fatal(err)
	}
	_, err = s.Reprint(sue, "B", "", "smudged")
	wantKind(t, err, floor.KindInvalid) // never printed: no station to find
	if err := s.update("test", func(tx *txn) error { _, err := enqueuePrint(tx, "B", "pk1", false, t0); return err }); err != nil {
		t.Fatal(err)
	}
	n = historyLen(t, s)
	j, err := s.Reprint(sue, "B", "", "smudged")
	if err != nil || j.Station != "pk1" || !j.Reprint {
		t.Fatalf("reprint at the last station: %+v %v", j, err)
	}
	wantEntry(t, movementsSince(t, s, n), floor.MoveReprint, "sue", "B", "smudged")
	if j, err := s.Reprint(sue, "B", "pk2", "other printer"); err != nil || j.Station != "pk2" {
		t.Errorf("reprint at a named station: %+v %v", j, err)
	}
}
