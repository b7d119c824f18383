package floor

import "time"

// Task is the work given to one picker for one trip.
type Task struct {
	ID        string
	Picker    string
	Orders    []TaskOrder
	Stops     []Stop // in walking order
	CreatedAt time.Time
	Done      bool
	// Paper marks a task picked from a printed sheet: its documents were
	// queued with the assignment, nobody scans its stops, and the pack
	// station's scan of the sheet's code (task or order) ends the picking.
	Paper bool

	Route             RouteInfo
	PredictedPickedAt time.Time // back at the pack station

	// Progress of the scans, kept so that every scan is judged against
	// what came before, across reconnects and restarts.
	AtBin       string    // the bin scanned last: where the picker stands
	ItemAt      string    // the SKU verified at AtBin, so quantities may be typed
	ArrivedAt   time.Time // the bin scan at the current stop
	FirstUnitAt time.Time // the first unit at the current stop
	LeftAt      time.Time // the last unit at the previous stop, or the task's start
	LeftMeters  float64   // cumulative metres of the previous stop
	DoneAt      time.Time // the last stop picked (or short): the cart heads back

	// The end of a handheld task: its totes dropped off at a pack station
	// (DroppedAt, DropStation), or the task released before that
	// (Released). Either sets Done and frees the picker.
	DroppedAt   time.Time
	DropStation string
	Released    bool
}

// RouteStrategy says how a task's stops were ordered.
type RouteStrategy int

// Route strategies.
const (
	RouteUnspecified        RouteStrategy = iota
	RouteShortest                         // no familiar stops, or no unfamiliar ones
	RouteFamiliarFirst                    // familiar stops first, each group shortest
	RouteShortestForDueTime               // familiar-first would miss a due time
)

// RouteInfo describes the walk of a task.
type RouteInfo struct {
	Strategy       RouteStrategy
	Reason         string  // for a person
	Meters         float64 // the walk as ordered
	ShortestMeters float64 // the plain shortest walk through the same stops
	Optimal        bool    // Meters is proved shortest for the strategy
}

// TaskOrder is one order in a task with the tote its items go into.
type TaskOrder struct {
	OrderID            string
	Tote               int
	DueAt              time.Time
	PredictedHandoffAt time.Time
	AtRisk             bool // predicted handoff after the due time
	// ToteCode is the physical tote scanned for the order at the start of
	// a handheld task (ParseToteCode); "" until then, and on paper.
	ToteCode string
}

// Stop is one line of a task: take Quantity of SKU from Bin into Tote.
type Stop struct {
	Bin      string
	SKU      string
	Name     string
	Quantity int64
	OrderID  string
	Tote     int
	ToteCode string // the order's physical tote, once scanned

	Familiar         bool
	CumulativeMeters float64       // from the pack station along the route
	PredictedElapsed time.Duration // from the task's start to this stop picked

	Picked int64 // units taken so far
	Short  int64 // units that could not be taken here
}

// Remaining is what is still to take at the stop.
func (s Stop) Remaining() int64 { return s.Quantity - s.Picked - s.Short }

// PickedUnits is what t took for order, by SKU (short lines count what was
// found).
func PickedUnits(t Task, order string) map[string]int64 {
	out := map[string]int64{}
	for _, st := range t.Stops {
		if st.OrderID == order && st.Picked > 0 {
			out[st.SKU] += st.Picked
		}
	}
	return out
}

// WaybillOnSheet reports whether order's waybill prints with t's pick list
// when t is handed out: on paper tasks, for orders of more than one unit.
// A one-unit order's waybill prints when its item is scanned at the pack
// station, so the label comes out for the parcel in hand.
func (t Task) WaybillOnSheet(order string) bool {
	if !t.Paper {
		return false
	}
	var units int64
	for _, s := range t.Stops {
		if s.OrderID == order {
			units += s.Quantity
		}
	}
	return units > 1
}
