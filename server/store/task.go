package store

import (
	"fmt"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// NextTask gives picker work. A picker with an open task gets it back
// (assigned false), so a handheld that lost the answer can ask again.
// Otherwise the queued order with the earliest due time whose stock is
// available, and the next few allocatable ones as batch candidates, go to
// the planner; the orders it puts in the task are assigned to picker and
// their stock reserved in one write. With nothing to do it returns a nil
// task.
//
// Planning may take milliseconds, so it runs outside the write, on
// candidates claimed in memory: no other NextTask plans with them, and the
// write re-checks that they are still queued and their stock still
// available before assigning (the committer runs one write at a time, so
// no order is ever given to two pickers). When stock moved meanwhile, it
// plans again; after planAttempts tries it plans the most urgent order
// alone in bin order, which takes microseconds and leaves stock little
// time to move.
//
// Only GOMAXPROCS-1 plans run at once (at least one): when a shift starts
// and every picker asks at the same moment, the planners leave a processor
// to the scans, whose answer is a beep the picker waits for. And only
// maxAssigning calls are between claiming and their commit: see there.
func (s *Store) NextTask(picker string) (*floor.Task, bool, error) {
	const op = "next task"
	s.assigning <- struct{}{}
	defer func() { <-s.assigning }()
	for attempt := 0; attempt < planAttempts+binOrderAttempts; attempt++ {
		planner := s.planner
		if attempt >= planAttempts {
			planner = floor.BinOrderPlanner{}
		}
		cmd, existing, release, err := s.planAssignment(picker, planner)
		if err != nil || existing != nil || cmd == nil {
			return existing, false, err
		}
		task, assigned, stale, err := s.commitAssignment(cmd)
		release()
		if err != nil || !stale {
			return task, assigned, err
		}
	}
	return nil, false, floor.E(op, floor.KindUnavailable, "the stock of %s's next orders kept moving while planning; ask again", picker)
}

const (
	// planAttempts is how often NextTask plans with the planner when the
	// stock it planned with moved before the commit.
	planAttempts = 3
	// binOrderAttempts is how often it then tries the most urgent order
	// alone in bin order.
	binOrderAttempts = 5
	// maxAssigning bounds the NextTask calls between claiming candidates
	// and the commit of their assignment. Planning is quicker than the
	// committer takes assignments (maxBulk a commit, after the scans), so
	// at the start of a shift hundreds of planned tasks waited for their
	// commit, each holding its candidates claimed, and every planInput
	// stepped over all of them at the head of the queue (a tenth of the
	// CPU of BenchmarkNextTaskStartOfShift went to looking them up), and
	// pickers were told there was no work while thousands of queued orders
	// were claimed. Two commits' worth keeps the committer fed.
	maxAssigning = 2 * maxBulk
)

// assignment is the write that gives a planned task to a picker, a
// self-contained command: the plan (orders, totes, stops in walking order,
// predictions, chosen under the planner's time budget), the clock reading
// and whether the picker picks from paper are decided before the commit
// and carried in it, so that applying it depends on the command and the
// data file alone and gives the same result wherever it is applied.
type assignment struct {
	Picker string
	At     time.Time
	Paper  bool
	// Task is the plan, checked against the candidates it was made from
	// (checkPlan); apply gives it its id.
	Task floor.Task
}

// planAssignment claims candidates for picker's next task and plans it
// outside any write. It returns the picker's open task instead if there is
// one, and a nil command if there is nothing to do; release gives the
// claimed orders back once the command is committed or dropped.
func (s *Store) planAssignment(picker string, planner floor.TaskPlanner) (cmd *assignment, existing *floor.Task, release func(), err error) {
	const op = "next task"
	s.planSlots <- struct{}{} // before claiming: a waiting planner holds no orders
	defer func() { <-s.planSlots }()
	in, existing, ids, err := s.claim(picker)
	if err != nil || existing != nil || len(in.Candidates) == 0 {
		s.unclaim(ids, nil)
		return nil, existing, func() {}, err
	}
	planned, err := planner.PlanTask(in)
	if err == nil {
		err = checkPlan(planned, in.Candidates)
	}
	if err != nil {
		s.unclaim(ids, nil)
		return nil, nil, func() {}, floor.Wrap(op, floor.KindInternal, err)
	}
	// The candidates left out of the task are free for the next planner
	// now, not after this commit.
	chosen := make(map[string]bool, len(planned.Orders))
	for _, o := range planned.Orders {
		chosen[o.OrderID] = true
	}
	s.unclaim(ids, func(id string) bool { return !chosen[id] })
	cmd = &assignment{Picker: picker, At: s.now(), Paper: s.paper != nil && s.paper(picker), Task: planned}
	return cmd, nil, func() { s.unclaim(ids, func(id string) bool { return chosen[id] }) }, nil
}

// commitAssignment applies cmd in a shared bulk commit. stale reports that
// its orders or their stock changed since it was planned, and nothing was
// written.
func (s *Store) commitAssignment(cmd *assignment) (task *floor.Task, assigned, stale bool, err error) {
	err = s.batchBulk("next task", func(tx *txn) error {
		var err error
		task, assigned, stale, err = s.applyAssignment(tx, cmd) // this function may run twice
		return err
	})
	return task, assigned, stale, err
}

// applyAssignment applies cmd: the picker's open task if one was assigned
// meanwhile (assigned false), nothing if the plan is stale, else the task
// stored with its orders assigned and their stock reserved.
func (s *Store) applyAssignment(tx *txn, cmd *assignment) (task *floor.Task, assigned, stale bool, err error) {
	const op = "next task"
	if id := tx.Bucket(bucketPickerTasks).Get([]byte(cmd.Picker)); id != nil {
		t, err := taskByID(tx, op, string(id))
		return &t, false, false, err
	}
	if ok, err := s.stillAssignable(tx, cmd.Task); err != nil || !ok {
		return nil, false, true, err
	}
	t := cmd.Task // assign fills in the id and the picker
	if err := s.assign(tx, cmd, &t); err != nil {
		return nil, false, false, err
	}
	return &t, true, false, nil
}

// claim reads the picker's open task, or gathers and claims candidates
// for a new one, whose ids it returns for unclaim.
func (s *Store) claim(picker string) (in floor.PlanInput, existing *floor.Task, ids []string, err error) {
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	err = s.view("next task", func(tx *txn) error {
		if id := tx.Bucket(bucketPickerTasks).Get([]byte(picker)); id != nil {
			t, err := taskByID(tx, "next task", string(id))
			existing = &t
			return err
		}
		in, err = s.planInput(tx, picker, s.claimed)
		return err
	})
	for _, c := range in.Candidates {
		s.claimed[c.Order.ID] = true
		ids = append(ids, c.Order.ID)
	}
	return in, existing, ids, err
}

// unclaim gives back the claims of the ids for which give is true (all
// of them if give is nil).
func (s *Store) unclaim(ids []string, give func(string) bool) {
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	for _, id := range ids {
		if give == nil || give(id) {
			delete(s.claimed, id)
		}
	}
}

// stillAssignable reports whether a planned task's orders are still queued
// and the stock its stops take still available.
func (s *Store) stillAssignable(tx *txn, t floor.Task) (bool, error) {
	hidden := pendingImports(tx)
	for _, to := range t.Orders {
		o, err := s.cache.order(tx, hidden, "next task", to.OrderID)
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
func (s *Store) planInput(tx *txn, picker string, claimed map[string]bool) (floor.PlanInput, error) {
	in := floor.PlanInput{Picker: picker, Now: s.now(), Names: map[string]string{},
		Familiarity: map[string]floor.Familiarity{}, Model: floor.DefaultPickerModel}
	alloc := &floor.Allocator{Stock: map[string][]floor.StockLevel{}}
	// The orders a supervisor raised come first, the earliest raised
	// first, then the queue by due time (where the raised ones are passed
	// over: they were offered already). At the start of a shift the head
	// of the queue is claimed by the plans under way, so passing over an
	// order allocates nothing.
	var ids [][]byte
	raised := map[string]bool{}
	rush := tx.Bucket(bucketRush).Cursor()
	for k, _ := rush.First(); k != nil; k, _ = rush.Next() {
		ids = append(ids, k[8:])
		raised[string(k[8:])] = true
	}
	c, hidden := tx.Bucket(bucketQueue).Cursor(), pendingImports(tx)
	k, _ := c.First()
	next := func() ([]byte, bool) {
		if len(ids) > 0 {
			id := ids[0]
			ids = ids[1:]
			return id, true
		}
		for ; k != nil; k, _ = c.Next() {
			if id := k[8:]; !raised[string(id)] {
				k, _ = c.Next()
				return id, true
			}
		}
		return nil, false
	}
	for key, ok := next(); ok && len(in.Candidates) < s.candidates; key, ok = next() {
		if claimed[string(key)] || hidden.hides(key) {
			continue // another picker's planner holds it, or an import not shown yet
		}
		o, err := s.cache.order(tx, hidden, "next task", string(key))
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
			if in.Names[l.SKU], err = s.cache.skuName(tx, "next task", l.SKU); err != nil {
				return in, err
			}
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

// checkPlan checks that a planner kept to its candidates: the most urgent
// one first in the task, no other order, every reservation of a chosen
// order on exactly one stop. A planner that does not is a bug, and its
// task is not given to anyone.
func checkPlan(t floor.Task, candidates []floor.PlanOrder) error {
	byID := map[string]floor.PlanOrder{}
	for _, c := range candidates {
		byID[c.Order.ID] = c
	}
	want := map[string]int64{} // order, bin, sku -> units the stops must cover
	if len(t.Orders) == 0 {
		return fmt.Errorf("planner returned a task without orders")
	}
	for i, to := range t.Orders {
		c, ok := byID[to.OrderID]
		if !ok || (i == 0) != (to.OrderID == candidates[0].Order.ID) {
			return fmt.Errorf("planner returned order %q out of place", to.OrderID)
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
			return fmt.Errorf("planner's stops are off by %d units at %q", n, k)
		}
	}
	return nil
}

// assign stores a planned task for cmd: it reserves the stock of its
// stops and marks its orders assigned.
func (s *Store) assign(tx *txn, cmd *assignment, t *floor.Task) error {
	const op = "assign task"
	picker, now := cmd.Picker, cmd.At
	seq, err := tx.Bucket(bucketTasks).NextSequence()
	if err != nil {
		return err
	}
	t.ID, t.Picker, t.CreatedAt = fmt.Sprintf("T%06d", seq), picker, now
	t.Paper = cmd.Paper
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
	hidden := pendingImports(tx)
	for _, to := range t.Orders {
		// Read a moment ago by stillAssignable: decoded already. Only
		// its fields are set below, not its shared slices.
		o, err := s.cache.order(tx, hidden, op, to.OrderID)
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
		s.cache.forget(o.ID) // a rolled-back write only costs a decode later
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
	err := s.view(op, func(tx *txn) error {
		var err error
		t, err = taskByID(tx, op, id)
		return err
	})
	return t, err
}

func taskByID(tx *txn, op, id string) (floor.Task, error) {
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
func dropFromTask(tx *txn, taskID, orderID string, base floor.Movement) error {
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
func putTask(tx *txn, t *floor.Task) error {
	noteTask(tx, *t)
	return writeTask(tx, t, false)
}

// putTaskPlan writes a task whose plan changed beyond its number of stops
// (totes, the order of the stops, the picker).
func putTaskPlan(tx *txn, t *floor.Task) error {
	noteTask(tx, *t)
	return writeTask(tx, t, true)
}
