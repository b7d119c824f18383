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
}

// TaskOrder is one order in a task with the tote its items go into.
type TaskOrder struct {
	OrderID string
	Tote    int
	DueAt   time.Time
}

// Stop is one line of a task: take Quantity of SKU from Bin into Tote.
type Stop struct {
	Bin      string
	SKU      string
	Name     string
	Quantity int64
	OrderID  string
	Tote     int
}
