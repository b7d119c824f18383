package store

import (
	"fmt"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// The handheld pick flow around the scans (floor/pickflow.go): which tote
// holds which order, how a picker's last task ended, and taking a task
// back from its picker.

var (
	// tote code -> the order last picked into it. A tote holds the order
	// while the order is assigned or picked and its task names this tote;
	// once the order is packed, cancelled or back in the queue the entry
	// is stale and the tote free, so no entry ever needs removing.
	bucketTotes = []byte("totes")
	// picker -> pickerNote: how their last task ended when someone else
	// ended it, for the scans their handheld still sends.
	bucketPickerNotes = []byte("picker_notes")
)

// pickerNote says who ended a picker's task, and how.
type pickerNote struct {
	Task   string
	Reason string // TASK_RELEASED, TASK_REASSIGNED or DROPPED_OFF
	Msg    string
}

// ToteHolder names the open order of another task that tote code holds,
// "" if it is free.
func (e pickEnv) ToteHolder(code string) string {
	id := e.tx.Bucket(bucketTotes).Get([]byte(code))
	if id == nil {
		return ""
	}
	o, ok, err := getOrder(e.tx.Bucket(bucketOrders), string(id))
	if err != nil || !ok || (o.State != floor.StateAssigned && o.State != floor.StatePicked) {
		return ""
	}
	t, ok, err := readTask(e.tx, o.TaskID)
	if err != nil || !ok || t.ToteOf(o.ID) != code {
		return ""
	}
	return fmt.Sprintf("order %s (%s) of task %s, picker %s", o.ID, o.State, t.ID, t.Picker)
}

// orderOfTote returns the order tote code holds ("" if none): the pack
// station opens an order by its tote.
func orderOfTote(tx *txn, code string) string {
	id := tx.Bucket(bucketTotes).Get([]byte(code))
	if id == nil {
		return ""
	}
	if (pickEnv{tx: tx}).ToteHolder(code) == "" {
		return ""
	}
	return string(id)
}

// endPickerTask frees t's picker if t is their open task, leaving a note
// for their handheld when note is set.
func endPickerTask(tx *txn, t floor.Task, note *pickerNote) error {
	pickers := tx.Bucket(bucketPickerTasks)
	if string(pickers.Get([]byte(t.Picker))) != t.ID {
		return nil
	}
	if err := pickers.Delete([]byte(t.Picker)); err != nil {
		return err
	}
	if note == nil {
		return nil
	}
	return put(tx.Bucket(bucketPickerNotes), t.Picker, note)
}

// noTask answers a scan of a picker without an open task, saying how their
// last task ended if someone else ended it.
func noTask(tx *txn, picker string, sc floor.Scan) (floor.Answer, error) {
	a := floor.Answer{ScanID: sc.ID, Verdict: floor.VerdictNothingOpen, Reason: "NO_TASK",
		Message: "no open task: ask for the next one", Next: floor.Instruction{Expect: floor.ExpectNothing}}
	n, ok, err := get[pickerNote](tx.Bucket(bucketPickerNotes), picker)
	if ok {
		a.Reason, a.Message, a.Next.TaskID = n.Reason, n.Msg, n.Task
		if _, drop := floor.ParseDropOff(sc.Code); drop && n.Reason == "DROPPED_OFF" {
			// The picker at the pack station scans what a packer's scan
			// already confirmed: right, not an error.
			a.Verdict = floor.VerdictRight
		}
	}
	return a, err
}

// confirmDropOffByPacker ends the task of order when it waits for its
// drop-off: a packer opened the order, so its totes are at the pack
// station though the picker did not scan the drop-off code.
func confirmDropOffByPacker(tx *txn, order, packer string, at time.Time) error {
	const op = "confirm drop-off"
	o, err := orderByID(tx, op, order)
	if err != nil || o.State != floor.StatePicked || o.TaskID == "" {
		return err
	}
	t, err := taskByID(tx, op, o.TaskID)
	if err != nil || t.State() != floor.TaskDropOff {
		return err
	}
	t.Done, t.DroppedAt, t.DropStation = true, at, "pack station"
	note := &pickerNote{Task: t.ID, Reason: "DROPPED_OFF",
		Msg: fmt.Sprintf("task %s: packer %s opened order %s at the pack station, so its totes are dropped off; ask for the next task", t.ID, packer, order)}
	if err := endPickerTask(tx, t, note); err != nil {
		return err
	}
	return putTask(tx, &t)
}

// Released is what ReleaseTask did.
type Released struct {
	Task     floor.Task           // the task as released
	Outcome  floor.ReleaseOutcome // the orders requeued and kept, the units to put back
	OldOwner string               // the picker who held it
}

// ReleaseTask ends a task before it is done (floor.Task.Release): orders
// left to pick go back to the queue with their due times, their
// reservations released and their picked units returned to the bins;
// orders fully picked stay picked in their totes. by is the caller: a
// picker may release only their own task. Every reservation given back
// and every unit returned is recorded in the history under the task, with
// who and why.
func (s *Store) ReleaseTask(by floor.User, taskID, reason string) (Released, error) {
	const op = "release task"
	var res Released
	err := s.update(op, func(tx *txn) error {
		t, err := taskByID(tx, op, taskID)
		if err != nil {
			return err
		}
		if err := mayTakeBack(op, by, t); err != nil {
			return err
		}
		now := s.now()
		out, err := t.Release()
		if err != nil {
			return err
		}
		note := fmt.Sprintf("task %s released by %s", t.ID, by.Name)
		if reason != "" {
			note += ": " + reason
		}
		base := floor.Movement{At: now, User: by.Name, Ref: t.ID, Note: note}
		for _, m := range out.Moves {
			if err := applyMoves(tx, []floor.StockMove{m}, base); err != nil {
				return err
			}
			if m.Kind != floor.MoveRelease {
				continue
			}
			// A reservation given back moves no units, so applyMoves
			// records nothing; the history still says it was let go.
			mv := base
			mv.Kind, mv.Bin, mv.SKU, mv.Units = floor.MoveRelease, m.Bin, m.SKU, -m.Reserved
			if err := recordMovement(tx, mv); err != nil {
				return err
			}
		}
		for _, id := range out.Requeued {
			o, err := orderByID(tx, op, id)
			if err != nil {
				return err
			}
			o.State, o.TaskID, o.Picker, o.UpdatedAt = floor.StateQueued, "", "", now
			if err := putOrder(tx, o); err != nil {
				return err
			}
			if err := enqueue(tx, o); err != nil { // a raised order keeps its place
				return err
			}
		}
		for _, id := range out.Kept {
			if err := setOrderState(tx, id, floor.StatePicked, now); err != nil {
				return err
			}
		}
		var pn *pickerNote
		if by.Name != t.Picker {
			pn = &pickerNote{Task: t.ID, Reason: "TASK_RELEASED", Msg: fmt.Sprintf("%s; ask for the next task", note)}
		}
		if err := endPickerTask(tx, t, pn); err != nil {
			return err
		}
		res = Released{Task: t, Outcome: out, OldOwner: t.Picker}
		return putTask(tx, &t)
	})
	return res, err
}

// ReassignTask hands a task with its cart to picker to, who has no open
// task (floor.Task.Reassign); the old picker's handheld is told. The
// handover is recorded in the history under the task.
func (s *Store) ReassignTask(by floor.User, taskID, to, reason string) (floor.Task, string, error) {
	const op = "reassign task"
	var t floor.Task
	var from string
	err := s.update(op, func(tx *txn) error {
		var err error
		if t, err = taskByID(tx, op, taskID); err != nil {
			return err
		}
		if err := mayTakeBack(op, by, t); err != nil {
			return err
		}
		u, ok, err := get[floor.User](tx.Bucket(bucketUsers), to)
		if err != nil {
			return err
		}
		if !ok || u.Role != floor.RolePicker {
			return &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_PICKER", Msg: fmt.Sprintf("no picker %s", floor.Quote(to))}
		}
		if to == t.Picker {
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "SAME_PICKER",
				Msg: fmt.Sprintf("task %s is %s's already", t.ID, to)}
		}
		if id := tx.Bucket(bucketPickerTasks).Get([]byte(to)); id != nil {
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "PICKER_BUSY",
				Msg: fmt.Sprintf("%s has task %s open: release or finish it first", to, id)}
		}
		from = t.Picker
		now := s.now()
		if err := t.Reassign(to, now); err != nil {
			return err
		}
		note := fmt.Sprintf("task %s reassigned from %s to %s by %s", t.ID, from, to, by.Name)
		if reason != "" {
			note += ": " + reason
		}
		old := floor.Task{ID: t.ID, Picker: from}
		if err := endPickerTask(tx, old, &pickerNote{Task: t.ID, Reason: "TASK_REASSIGNED", Msg: note}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPickerTasks).Put([]byte(to), []byte(t.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPickerNotes).Delete([]byte(to)); err != nil {
			return err
		}
		for _, ord := range t.Orders {
			o, err := orderByID(tx, op, ord.OrderID)
			if err != nil {
				return err
			}
			o.Picker, o.UpdatedAt = t.Picker, now
			if err := putOrder(tx, o); err != nil {
				return err
			}
		}
		if err := recordMovement(tx, floor.Movement{At: now, User: by.Name, Kind: floor.MoveReassign, Ref: t.ID, Note: note}); err != nil {
			return err
		}
		return putTaskPlan(tx, &t)
	})
	return t, from, err
}

// mayTakeBack checks that by may release or reassign t: supervisors and
// admins any task, a picker only their own, and nobody a task that ended.
func mayTakeBack(op string, by floor.User, t floor.Task) error {
	switch by.Role {
	case floor.RoleSupervisor, floor.RoleAdmin:
	case floor.RolePicker:
		if t.Picker != by.Name {
			return &floor.Error{Op: op, Kind: floor.KindPermission, Reason: "NOT_YOUR_TASK",
				Msg: fmt.Sprintf("task %s belongs to another picker: a supervisor can release it", t.ID)}
		}
	default:
		return &floor.Error{Op: op, Kind: floor.KindPermission, Reason: "NOT_YOUR_TASK",
			Msg: fmt.Sprintf("role %s may not take tasks back", by.Role)}
	}
	if t.Done {
		return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "TASK_ENDED",
			Msg: fmt.Sprintf("task %s is %s already", t.ID, t.State())}
	}
	return nil
}
