package store

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// The supervisors' actions that are not about stock: raising an order's
// priority and taking a picker off shift. Each is recorded in the history
// (the movements, with no units) with who did it and why, in the
// transaction that makes the change.

// rushKey sorts raised orders by when they were raised, then by id.
func rushKey(o floor.Order) []byte {
	k := make([]byte, 8, 8+len(o.ID))
	binary.BigEndian.PutUint64(k, uint64(o.RaisedAt.UnixNano()))
	return append(k, o.ID...)
}

// enqueue puts a queued order in the queue, and in the rush list ahead of
// it when its priority was raised.
func enqueue(tx *txn, o floor.Order) error {
	if err := tx.Bucket(bucketQueue).Put(queueKey(o), nil); err != nil {
		return err
	}
	if o.RaisedAt.IsZero() {
		return nil
	}
	return tx.Bucket(bucketRush).Put(rushKey(o), nil)
}

// dequeue takes an order out of the queue and the rush list.
func dequeue(tx *txn, o floor.Order) error {
	if err := tx.Bucket(bucketQueue).Delete(queueKey(o)); err != nil {
		return err
	}
	if o.RaisedAt.IsZero() {
		return nil
	}
	return tx.Bucket(bucketRush).Delete(rushKey(o))
}

// supervisorNote is the history's note of an action: who and why.
func supervisorNote(what, by, reason string) string {
	return what + " by " + by + ": " + reason
}

// RaisePriority puts a queued order before every other queued order that
// was not raised earlier: the next picker to ask for work gets it (with
// whatever the planner batches with it). Its due time, and so its clock,
// stay as they were. Only a queued order can be raised: an assigned one is
// already in someone's hands. Raising an order twice is a conflict, so a
// second click does not move it behind later raises.
func (s *Store) RaisePriority(by floor.User, orderID, reason string) (floor.Order, error) {
	const op = "raise priority"
	var o floor.Order
	err := s.update(op, func(tx *txn) error {
		var err error
		if o, err = orderByID(tx, op, orderID); err != nil {
			return err
		}
		switch {
		case o.State != floor.StateQueued:
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "NOT_QUEUED",
				Msg: fmt.Sprintf("order %s is %s: only a queued order's priority can be raised", o.ID, o.State)}
		case !o.RaisedAt.IsZero():
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "ALREADY_RAISED",
				Msg: fmt.Sprintf("order %s's priority was raised at %s", o.ID, o.RaisedAt.Format(time.TimeOnly))}
		}
		now := s.now()
		o.RaisedAt, o.UpdatedAt = now, now
		if err := putOrder(tx, o); err != nil {
			return err
		}
		if err := enqueue(tx, o); err != nil {
			return err
		}
		return recordMovement(tx, floor.Movement{At: now, User: by.Name, Kind: floor.MovePriority, Ref: o.ID,
			Note: supervisorNote("priority of order "+o.ID+" raised", by.Name, reason)})
	})
	return o, err
}

// TakeOffShift records that picker is off shift: the floor view and its
// predictions stop counting them. A picker holding a task must hand it
// back first (ReleaseTask or ReassignTask), so no order is left with
// someone who has gone.
func (s *Store) TakeOffShift(by floor.User, picker, reason string) (floor.OffShift, error) {
	const op = "take off shift"
	var off floor.OffShift
	err := s.update(op, func(tx *txn) error {
		if err := isPicker(tx, op, picker); err != nil {
			return err
		}
		if prev, ok, err := get[floor.OffShift](tx.Bucket(bucketOffShift), picker); err != nil {
			return err
		} else if ok {
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "ALREADY_OFF_SHIFT",
				Msg: fmt.Sprintf("%s was taken off shift by %s at %s", picker, prev.By, prev.At.Format(time.TimeOnly))}
		}
		if id := tx.Bucket(bucketPickerTasks).Get([]byte(picker)); id != nil {
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "PICKER_BUSY",
				Msg: fmt.Sprintf("%s holds task %s: release or reassign it first", picker, id)}
		}
		now := s.now()
		off = floor.OffShift{Picker: picker, At: now, By: by.Name, Reason: reason}
		if err := put(tx.Bucket(bucketOffShift), picker, off); err != nil {
			return err
		}
		return recordMovement(tx, floor.Movement{At: now, User: by.Name, Kind: floor.MoveOffShift, Ref: picker,
			Note: supervisorNote(picker+" taken off shift", by.Name, reason)})
	})
	return off, err
}

// PutOnShift puts a picker taken off shift back on it.
func (s *Store) PutOnShift(by floor.User, picker, reason string) error {
	const op = "put on shift"
	return s.update(op, func(tx *txn) error {
		if err := isPicker(tx, op, picker); err != nil {
			return err
		}
		if tx.Bucket(bucketOffShift).Get([]byte(picker)) == nil {
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "ON_SHIFT", Msg: picker + " is on shift"}
		}
		return backOnShift(tx, picker, s.now(), by.Name, supervisorNote(picker+" put back on shift", by.Name, reason))
	})
}

// backOnShift clears a picker's off-shift record, if any, and records it.
func backOnShift(tx *txn, picker string, at time.Time, by, note string) error {
	b := tx.Bucket(bucketOffShift)
	if b.Get([]byte(picker)) == nil {
		return nil
	}
	if err := b.Delete([]byte(picker)); err != nil {
		return err
	}
	return recordMovement(tx, floor.Movement{At: at, User: by, Kind: floor.MoveOnShift, Ref: picker, Note: note})
}

// OffShift lists the pickers taken off shift, by name.
func (s *Store) OffShift() ([]floor.OffShift, error) {
	var out []floor.OffShift
	err := s.view("read off shift", func(tx *txn) error {
		var err error
		out, err = offShift(tx)
		return err
	})
	return out, err
}

func offShift(tx *txn) ([]floor.OffShift, error) {
	out := []floor.OffShift{}
	err := tx.Bucket(bucketOffShift).ForEach(func(k, v []byte) error {
		off, err := decodeJSON[floor.OffShift](v)
		if err != nil {
			return fmt.Errorf("off shift %q: %w", k, err)
		}
		out = append(out, off)
		return nil
	})
	slices.SortFunc(out, func(a, b floor.OffShift) int { return strings.Compare(a.Picker, b.Picker) })
	return out, err
}

// isPicker checks that name is a user with the picker role.
func isPicker(tx *txn, op, name string) error {
	u, ok, err := get[floor.User](tx.Bucket(bucketUsers), name)
	if err != nil {
		return err
	}
	if !ok || u.Role != floor.RolePicker {
		return &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_PICKER", Msg: fmt.Sprintf("no picker %s", floor.Quote(name))}
	}
	return nil
}
