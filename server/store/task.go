package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// NextTask gives picker work. A picker with an open task gets it back
// (assigned false), so a handheld that lost the answer can ask again.
// Otherwise the queued order with the earliest due time whose stock is
// available is assigned to picker and its stock reserved, in one write
// transaction: bbolt runs one writer at a time, so no order is ever given
// to two pickers. With nothing to do it returns a nil task.
func (s *Store) NextTask(picker string) (*floor.Task, bool, error) {
	const op = "next task"
	var task *floor.Task
	assigned := false
	err := s.update(op, func(tx *bolt.Tx) error {
		if id := tx.Bucket(bucketPickerTasks).Get([]byte(picker)); id != nil {
			t, err := taskByID(tx, op, string(id))
			task = &t
			return err
		}
		c := tx.Bucket(bucketQueue).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			o, err := orderByID(tx, op, string(k[8:]))
			if err != nil {
				return err
			}
			res, names, ok, err := allocate(tx, o)
			if err != nil {
				return err
			}
			if !ok {
				continue // waits for stock; later orders may still be served
			}
			t, err := s.assign(tx, picker, o, res, names)
			if err != nil {
				return err
			}
			task, assigned = &t, true
			return nil
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return task, assigned, nil
}

// allocate reads the stock of an order's SKUs and asks the domain where to
// pick each line from.
func allocate(tx *bolt.Tx, o floor.Order) ([]floor.Reservation, map[string]string, bool, error) {
	stock := map[string][]floor.StockLevel{}
	names := map[string]string{}
	for _, l := range o.Lines {
		if _, seen := stock[l.SKU]; seen {
			continue
		}
		levels, err := levelsOfSKU(tx, l.SKU)
		if err != nil {
			return nil, nil, false, err
		}
		stock[l.SKU] = levels
		sku, err := skuByID(tx, "allocate", l.SKU)
		if err != nil {
			return nil, nil, false, err
		}
		names[l.SKU] = sku.Name
	}
	res, _, ok := floor.Allocate(o.Lines, stock)
	return res, names, ok, nil
}

func (s *Store) assign(tx *bolt.Tx, picker string, o floor.Order, res []floor.Reservation, names map[string]string) (floor.Task, error) {
	seq, err := tx.Bucket(bucketTasks).NextSequence()
	if err != nil {
		return floor.Task{}, err
	}
	now := s.now()
	t := floor.Task{
		ID:        fmt.Sprintf("T%06d", seq),
		Picker:    picker,
		Orders:    []floor.TaskOrder{{OrderID: o.ID, Tote: 1, DueAt: o.DueAt}},
		Stops:     floor.StopsInBinOrder(o.ID, 1, res, names),
		CreatedAt: now,
	}
	for _, r := range res {
		l, err := level(tx, r.Bin, r.SKU)
		if err != nil {
			return t, err
		}
		l.Reserved += r.Quantity
		if err := putLevel(tx, l); err != nil {
			return t, err
		}
	}
	if err := tx.Bucket(bucketQueue).Delete(queueKey(o)); err != nil {
		return t, err
	}
	o.State, o.TaskID, o.Picker, o.UpdatedAt = floor.StateAssigned, t.ID, picker, now
	if err := put(tx.Bucket(bucketOrders), o.ID, o); err != nil {
		return t, err
	}
	if err := put(tx.Bucket(bucketTasks), t.ID, t); err != nil {
		return t, err
	}
	return t, tx.Bucket(bucketPickerTasks).Put([]byte(picker), []byte(t.ID))
}

// Task returns the task with the given id.
func (s *Store) Task(id string) (floor.Task, error) {
	const op = "get task"
	var t floor.Task
	err := s.view(op, func(tx *bolt.Tx) error {
		var err error
		t, err = taskByID(tx, op, id)
		return err
	})
	return t, err
}

func taskByID(tx *bolt.Tx, op, id string) (floor.Task, error) {
	t, ok, err := get[floor.Task](tx.Bucket(bucketTasks), id)
	if err == nil && !ok {
		err = &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_TASK", Msg: fmt.Sprintf("no task %q", id)}
	}
	return t, err
}

// dropFromTask removes an order from its task, releasing the stock its
// stops reserved; a task left without orders is done and frees its picker.
func dropFromTask(tx *bolt.Tx, taskID, orderID string) error {
	t, err := taskByID(tx, "drop order from task", taskID)
	if err != nil {
		return err
	}
	kept := t.Stops[:0]
	for _, st := range t.Stops {
		if st.OrderID != orderID {
			kept = append(kept, st)
			continue
		}
		l, err := level(tx, st.Bin, st.SKU)
		if err != nil {
			return err
		}
		l.Reserved -= st.Quantity
		if err := putLevel(tx, l); err != nil {
			return err
		}
	}
	t.Stops = kept
	orders := t.Orders[:0]
	for _, to := range t.Orders {
		if to.OrderID != orderID {
			orders = append(orders, to)
		}
	}
	t.Orders = orders
	if len(t.Orders) == 0 {
		t.Done = true
		if err := tx.Bucket(bucketPickerTasks).Delete([]byte(t.Picker)); err != nil {
			return err
		}
	}
	return put(tx.Bucket(bucketTasks), t.ID, t)
}
