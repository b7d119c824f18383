package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// Paper picking (print, then pick): a paper picker's task prints its pick
// list and waybills when assigned (assign), nobody scans its stops, and
// the pack station's scan of the sheet's code ends the picking
// (returnPaperTask) and opens the task's orders one by one (startTask).

// sheetUnits is what a paper task's sheet asks for order, by SKU: every
// unit of its stops, since nobody reported a short while picking.
func sheetUnits(t floor.Task, order string) map[string]int64 {
	out := map[string]int64{}
	for _, st := range t.Stops {
		if st.OrderID == order && st.Picked+st.Remaining() > 0 {
			out[st.SKU] += st.Picked + st.Remaining()
		}
	}
	return out
}

// startTask opens a pack session for the first order of task id that is
// waiting for the pack station, telling the packer all the task's orders.
// ok is false when id is no task.
func (e packEnv) startTask(id string) (*floor.PackSession, bool, string) {
	t, ok, err := readTask(e.tx, id)
	if err != nil || !ok {
		return nil, false, ""
	}
	var list []floor.PackTaskOrder
	var open *floor.PackSession
	var why []string
	for _, to := range t.Orders {
		o, err := orderByID(e.tx, "start packing", to.OrderID)
		if err != nil {
			return nil, true, err.Error()
		}
		state := o.State
		if t.Paper && !t.Done && state == floor.StateAssigned {
			state = floor.StatePicked // the sheet's return picks them all
		}
		list = append(list, floor.PackTaskOrder{OrderID: o.ID, Tote: to.Tote, State: state})
		if open != nil {
			continue
		}
		s, _, reason := e.StartOrder(o.ID)
		if s != nil {
			open = s
		} else if reason != "" {
			why = append(why, reason)
		}
	}
	if open == nil {
		msg := fmt.Sprintf("task %s has no order to pack", t.ID)
		if len(why) > 0 {
			msg += ": " + strings.Join(why, "; ")
		}
		return nil, true, msg
	}
	open.TaskID, open.TaskOrders = t.ID, list
	return open, true, ""
}

// returnPaperTask ends the picking of order's task if it is a paper task
// still out: its sheet is at the pack station, so every unit it listed was
// taken (the packer's scan of each item verifies it), the stock moves from
// the bins, the task is done and its picker free for the next one. Paper
// picks teach no familiarity: nothing timed them.
func returnPaperTask(tx *txn, order, packer string, at time.Time) error {
	const op = "return paper task"
	o, err := orderByID(tx, op, order)
	if err != nil || o.State != floor.StateAssigned {
		return err
	}
	t, err := taskByID(tx, op, o.TaskID)
	if err != nil || !t.Paper || t.Done {
		return err
	}
	var moves []floor.StockMove
	for i := range t.Stops {
		st := &t.Stops[i]
		if n := st.Remaining(); n > 0 {
			st.Picked += n
			moves = append(moves, floor.StockMove{Kind: floor.MovePick, Bin: st.Bin, SKU: st.SKU, OnHand: -n, Reserved: -n})
		}
	}
	base := floor.Movement{At: at, User: t.Picker, Ref: t.ID, Note: "picked from paper; sheet returned at " + packer}
	if err := applyMoves(tx, moves, base); err != nil {
		return err
	}
	t.Done, t.DoneAt = true, at
	if string(tx.Bucket(bucketPickerTasks).Get([]byte(t.Picker))) == t.ID {
		if err := tx.Bucket(bucketPickerTasks).Delete([]byte(t.Picker)); err != nil {
			return err
		}
	}
	for _, to := range t.Orders {
		if err := setOrderState(tx, to.OrderID, floor.StatePicked, at); err != nil {
			return err
		}
	}
	return putTask(tx, &t)
}
