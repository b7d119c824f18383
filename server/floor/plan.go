package floor

import "time"

// PlanOrder is a queued order that could go into a picker's next task, with
// the bins its lines would be picked from. The store shares Order's slices
// with what it keeps decoded: a planner reads them and never modifies them.
type PlanOrder struct {
	Order        Order
	Reservations []Reservation
}

// PlanInput is what a TaskPlanner knows when a picker asks for work.
type PlanInput struct {
	Picker string
	Now    time.Time
	Map    *BinMap
	Model  PickerModel
	// Candidates are queued orders whose stock is available, most urgent
	// first. The first must be in the task; the others may join it as a
	// batch. Their reservations do not overlap.
	Candidates []PlanOrder
	// Familiarity of this picker, keyed by FamiliarityKey(bin, sku); pairs
	// the picker never picked at are absent.
	Familiarity map[string]Familiarity
	Names       map[string]string // SKU id -> name
}

// FamiliarityKey joins a bin and a SKU into one key.
func FamiliarityKey(bin, sku string) string { return bin + "\x00" + sku }

// TaskPlanner turns candidates into a task: which orders, in which totes,
// and the stops in walking order with their predictions. The store calls it
// outside any write, on candidates no other call is given, and carries the
// task it returns into the write that assigns it: what a planner decides
// under its time budget is never decided again when the write is applied.
// It must be quick (at the start of a shift a thousand pickers ask at once)
// and must not block.
type TaskPlanner interface {
	PlanTask(in PlanInput) (Task, error)
}

// BinOrderPlanner is the planner of last resort: the most urgent order
// alone, its stops sorted by bin code, with no route or time prediction.
type BinOrderPlanner struct{}

// PlanTask plans Candidates[0] alone in bin order.
func (BinOrderPlanner) PlanTask(in PlanInput) (Task, error) {
	c := in.Candidates[0]
	return Task{
		Picker: in.Picker,
		Orders: []TaskOrder{{OrderID: c.Order.ID, Tote: 1, DueAt: c.Order.DueAt}},
		Stops:  StopsInBinOrder(c.Order.ID, 1, c.Reservations, in.Names),
	}, nil
}
