package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// NextTask gives picker work. A picker with an open task gets it back
// (assigned false), so a handheld that lost the answer can ask again.
// Otherwise the queued order with the earliest due time whose stock is
// available, and the next few allocatable ones as batch candidates, go to
// the planner; the orders it puts in the task are assigned to picker and
// their stock reserved in one write transaction. With nothing to do it
// returns a nil task.
//
// Planning may take milliseconds, so it runs outside the write lock, on
// candidates claimed in memory: no other NextTask plans with them, and the
// write re-checks that they are still queued and their stock still
// available before assigning (bbolt runs one writer at a time, so no order
// is ever given to two pickers). When stock moved meanwhile, it plans
// again; after a few tries it plans inside the write.
//
// Only GOMAXPROCS-1 plans run at once (at least one): when a shift starts
// and every picker asks at the same moment, the planners leave a processor
// to the scans, whose answer is a beep the picker waits for.
func (s *Store) NextTask(picker string) (*floor.Task, bool, error) {
	const op = "next task"
	for attempt := 0; attempt < 3; attempt++ {
		s.planSlots <- struct{}{} // before claiming: a waiting planner holds no orders
		in, existing, release, err := s.claim(picker)
		if err != nil || existing != nil || len(in.Candidates) == 0 {
			<-s.planSlots
			release()
			return existing, false, err
		}
		planned, err := s.planner.PlanTask(in)
		<-s.planSlots
		if err != nil {
			release()
			return nil, false, floor.Wrap(op, floor.KindInternal, err)
		}
		var task *floor.Task
		assigned, stale := false, false
		err = s.batchBulk(op, func(tx *bolt.Tx) error {
			task, assigned, stale = nil, false, false
			if id := tx.Bucket(bucketPickerTasks).Get([]byte(picker)); id != nil {
				t, err := taskByID(tx, op, string(id))
				task = &t
				return err
			}
			if ok, err := stillAssignable(tx, planned); err != nil || !ok {
				stale = true
				return err
			}
			t := planned // assign fills in the id; this function may run twice
			if err := s.assign(tx, picker, &t, in.Candidates); err != nil {
				return err
			}
			task, assigned = &t, true
			return nil
		})
		release()
		if err != nil || !stale {
			return task, assigned, err
		}
	}
	return s.nextTaskInWrite(picker)
}

// nextTaskInWrite gathers, plans and assigns in one write transaction: the
// way through when stock keeps moving under the planner.
func (s *Store) nextTaskInWrite(picker string) (*floor.Task, bool, error) {
	const op = "next task"
	var task *floor.Task
	assigned := false
	err := s.update(op, func(tx *bolt.Tx) error {
		if id := tx.Bucket(bucketPickerTasks).Get([]byte(picker)); id != nil {
			t, err := taskByID(tx, op, string(id))
			task = &t
			return err
		}
		s.claimMu.Lock()
		in, err := s.planInput(tx, picker, s.claimed)
		s.claimMu.Unlock()
		if err != nil || len(in.Candidates) == 0 {
			return err
		}
		t, err := s.planner.PlanTask(in)
		if err != nil {
			return floor.Wrap(op, floor.KindInternal, err)
		}
		if err := s.assign(tx, picker, &t, in.Candidates); err != nil {
			return err
		}
		task, assigned = &t, true
		return nil
	})
	return task, assigned, err
}

// claim reads the picker's open task, or gathers and claims candidates
// for a new one. release gives the claims back.
func (s *Store) claim(picker string) (in floor.PlanInput, existing *floor.Task, release func(), err error) {
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	err = s.view("next task", func(tx *bolt.Tx) error {
		if id := tx.Bucket(bucketPickerTasks).Get([]byte(picker)); id != nil {
			t, err := taskByID(tx, "next task", string(id))
			existing = &t
			return err
		}
		in, err = s.planInput(tx, picker, s.claimed)
		return err
	})
	var ids []string
	for _, c := range in.Candidates {
		s.claimed[c.Order.ID] = true
		ids = append(ids, c.Order.ID)
	}
	return in, existing, func() {
		s.claimMu.Lock()
		defer s.claimMu.Unlock()
		for _, id := range ids {
			delete(s.claimed, id)
		}
	}, err
}

// stillAssignable reports whether a planned task's orders are still queued
// and the stock its stops take still available.
func stillAssignable(tx *bolt.Tx, t floor.Task) (bool, error) {
	for _, to := range t.Orders {
		o, err := orderByID(tx, "next task", to.OrderID)
		if err != nil || o.State != floor.StateQueued {
			return false, err
		}
	}
	need := map[string]int64{}
	for _, st := range t.Stops {
		need[floor.FamiliarityKey(st.Bin, st.SKU)] += st.Quantity
	}
	for _, st := range t.Stops {
		l, err := level(tx, st.Bin, st.SKU)
		if err != nil || l.Available() < need[floor.FamiliarityKey(st.Bin, st.SKU)] {
			return false, err
		}
	}
	return true, nil
}

// planInput gathers the candidates for a picker's next task, most urgent
// first, with the picker's familiarity and pace.
func (s *Store) planInput(tx *bolt.Tx, picker string, claimed map[string]bool) (floor.PlanInput, error) {
	in := floor.PlanInput{Picker: picker, Now: s.now(), Names: map[string]string{},
		Familiarity: map[string]floor.Familiarity{}, Model: floor.DefaultPickerModel}
	alloc := &floor.Allocator{Stock: map[string][]floor.StockLevel{}}
	// The orders a supervisor raised come first, the earliest raised
	// first, then the queue by due time (where the raised ones are passed
	// over: they were offered already).
	var ids []string
	raised := map[string]bool{}
	rush := tx.Bucket(bucketRush).Cursor()
	for k, _ := rush.First(); k != nil; k, _ = rush.Next() {
		ids = append(ids, string(k[8:]))
		raised[string(k[8:])] = true
	}
	c, hidden := tx.Bucket(bucketQueue).Cursor(), pendingImports(tx)
	k, _ := c.First()
	next := func() (string, bool) {
		if len(ids) > 0 {
			id := ids[0]
			ids = ids[1:]
			return id, true
		}
		for ; k != nil; k, _ = c.Next() {
			if id := string(k[8:]); !raised[id] {
				k, _ = c.Next()
				return id, true
			}
		}
		return "", false
	}
	for id, ok := next(); ok && len(in.Candidates) < s.candidates; id, ok = next() {
		if claimed[id] || hidden.hides([]byte(id)) {
			continue // another picker's planner holds it, or an import not shown yet
		}
		o, err := orderByID(tx, "next task", id)
		if err != nil {
			return in, err
		}
		for _, l := range o.Lines {
			if _, seen := alloc.Stock[l.SKU]; seen {
				continue
			}
			if alloc.Stock[l.SKU], err = levelsOfSKU(tx, l.SKU); err != nil {
				return in, err
			}
			sku, err := skuByID(tx, "next task", l.SKU)
			if err != nil {
				return in, err
			}
			in.Names[l.SKU] = sku.Name
		}
		res, _, ok := alloc.Allocate(o.Lines)
		if !ok {
			continue // waits for stock; later orders may still be served
		}
		in.Candidates = append(in.Candidates, floor.PlanOrder{Order: o, Reservations: res})
	}
	if len(in.Candidates) == 0 {
		return in, nil
	}
	var err error
	if in.Map, err = s.currentMap(tx); err != nil {
		return in, err
	}
	if model, ok, err := get[floor.PickerModel](tx.Bucket(bucketModels), picker); err != nil {
		return in, err
	} else if ok {
		in.Model = model
	}
	fam := tx.Bucket(bucketFamiliarity)
	for _, cand := range in.Candidates {
		for _, r := range cand.Reservations {
			key := floor.FamiliarityKey(r.Bin, r.SKU)
			f, ok, err := get[floor.Familiarity](fam, picker+"\x00"+key)
			if err != nil {
				return in, err
			}
			if ok {
				in.Familiarity[key] = f
			}
		}
	}
	return in, nil
}

// assign stores a planned task: it checks that the planner kept to the
// candidates (the most urgent one included, every reservation of a chosen
// order on exactly one stop), reserves the stock and marks the orders.
func (s *Store) assign(tx *bolt.Tx, picker string, t *floor.Task, candidates []floor.PlanOrder) error {
	const op = "assign task"
	byID := map[string]floor.PlanOrder{}
	for _, c := range candidates {
		byID[c.Order.ID] = c
	}
	want := map[string]int64{} // order, bin, sku -> units the stops must cover
	for i, to := range t.Orders {
		c, ok := byID[to.OrderID]
		if !ok || (i == 0) != (to.OrderID == candidates[0].Order.ID) {
			return floor.E(op, floor.KindInternal, "planner returned order %q out of place", to.OrderID)
		}
		delete(byID, to.OrderID)
		for _, r := range c.Reservations {
			want[to.OrderID+"\x00"+floor.FamiliarityKey(r.Bin, r.SKU)] += r.Quantity
		}
	}
	for _, st := range t.Stops {
		want[st.OrderID+"\x00"+floor.FamiliarityKey(st.Bin, st.SKU)] -= st.Quantity
	}
	for k, n := range want {
		if n != 0 {
			return floor.E(op, floor.KindInternal, "planner's stops are off by %d units at %q", n, k)
		}
	}

	seq, err := tx.Bucket(bucketTasks).NextSequence()
	if err != nil {
		return err
	}
	now := s.now()
	t.ID, t.Picker, t.CreatedAt = fmt.Sprintf("T%06d", seq), picker, now
	t.Paper = s.paper != nil && s.paper(picker)
	for _, st := range t.Stops {
		l, err := level(tx, st.Bin, st.SKU)
		if err != nil {
			return err
		}
		indexed := l.OnHand != 0 || l.Reserved != 0
		l.Reserved += st.Quantity
		if err := putLevel(tx, l, indexed); err != nil {
			return err
		}
	}
	for _, to := range t.Orders {
		o, err := orderByID(tx, op, to.OrderID)
		if err != nil {
			return err
		}
		if err := dequeue(tx, o); err != nil {
			return err
		}
		o.State, o.TaskID, o.Picker, o.UpdatedAt = floor.StateAssigned, t.ID, picker, now
		// The prediction the picker starts with is kept to the end, to
		// measure the time model by (a re-route does not change it).
		o.AssignedAt, o.PredictedHandoffAt = now, to.PredictedHandoffAt
		if err := putOrder(tx, o); err != nil {
			return err
		}
	}
	if err := putTask(tx, t); err != nil {
		return err
	}
	if err := tx.Bucket(bucketPickerNotes).Delete([]byte(picker)); err != nil {
		return err
	}
	// A picker taken off shift who asks for work and gets it is back.
	if err := backOnShift(tx, picker, now, picker, picker+" back on shift: took task "+t.ID); err != nil {
		return err
	}
	if t.Paper {
		// Print, then pick: the sheet is queued in the commit that hands
		// the work out, so an assigned paper task always gets its job.
		if _, err := enqueueTaskPrint(tx, t.ID, picker, now); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketPickerTasks).Put([]byte(picker), []byte(t.ID))
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
	t, ok, err := readTask(tx, id)
	if err == nil && !ok {
		err = &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_TASK", Msg: fmt.Sprintf("no task %q", id)}
	}
	return t, err
}

// dropFromTask removes a cancelled order from its task: units still
// reserved for it are released, units already picked go back on hand at
// their bins (the tote is put away). A task left without orders is done
// and, if it is the picker's open one, frees the picker.
func dropFromTask(tx *bolt.Tx, taskID, orderID string, base floor.Movement) error {
	t, err := taskByID(tx, "drop order from task", taskID)
	if err != nil {
		return err
	}
	var moves []floor.StockMove
	kept := t.Stops[:0]
	for _, st := range t.Stops {
		if st.OrderID != orderID {
			kept = append(kept, st)
			continue
		}
		moves = append(moves, floor.StockMove{Kind: floor.MoveReturn, Bin: st.Bin, SKU: st.SKU, OnHand: st.Picked, Reserved: -st.Remaining()})
	}
	base.Ref = taskID
	if err := applyMoves(tx, moves, base); err != nil {
		return err
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
		if string(tx.Bucket(bucketPickerTasks).Get([]byte(t.Picker))) == t.ID {
			if err := tx.Bucket(bucketPickerTasks).Delete([]byte(t.Picker)); err != nil {
				return err
			}
		}
	}
	return putTask(tx, &t)
}

// putTask writes a task and notes the change for the supervisors' view.
func putTask(tx *bolt.Tx, t *floor.Task) error {
	noteTask(tx, *t)
	return writeTask(tx, t, false)
}

// putTaskPlan writes a task whose plan changed beyond its number of stops
// (totes, the order of the stops, the picker).
func putTaskPlan(tx *bolt.Tx, t *floor.Task) error {
	noteTask(tx, *t)
	return writeTask(tx, t, true)
}
