package floor

import (
	"fmt"
	"slices"
	"time"
)

// Risk is how an order's clock stands against its due time.
type Risk int

// Risks, worst last.
const (
	RiskUnspecified Risk = iota
	RiskOnTime           // predicted handoff leaves slack
	RiskAtRisk           // predicted handoff after the due time
	RiskLate             // the due time has passed
)

// OrderClock is one open order as supervisors see it.
type OrderClock struct {
	OrderID            string
	State              OrderState
	Picker, TaskID     string
	ReleasedAt, DueAt  time.Time
	PredictedHandoffAt time.Time
	HandedOffAt        time.Time // set when the order closed by handoff
	Risk               Risk
}

// Slack is the time between the predicted handoff and the due time;
// negative when the order will be late.
func (c OrderClock) Slack() time.Duration { return c.DueAt.Sub(c.PredictedHandoffAt) }

// PickerActivity is what the scans tell about one picker.
type PickerActivity struct {
	Picker     string
	LastScanAt time.Time
	LastBin    string
	StopSince  time.Time   // when the picker arrived at the stop they are on
	Picks      []time.Time // accepted picks, for picks per hour
}

// PickerStatus is one picker as supervisors see them.
type PickerStatus struct {
	Picker        string
	TaskID        string
	LastBin       string
	LastScanAt    time.Time
	PicksLastHour int
	Idle          time.Duration // without a task since
	AtStop        time.Duration // at the current stop since (with a task)
}

// AlertKind says what an alert is about.
type AlertKind int

// Alert kinds.
const (
	AlertUnspecified   AlertKind = iota
	AlertPredictedLate           // predicted handoff passes the due time
	AlertNoPickerFree            // an order waits and every picker is busy
	AlertPickerIdle              // a picker has had no task for a while
	AlertPickerStuck             // a picker has been at one stop for a while
	AlertShortPick               // a line could not be picked in full
)

// Alert is something a supervisor should look at now.
type Alert struct {
	Kind    AlertKind
	OrderID string
	Picker  string
	Bin     string
	Message string
	At      time.Time
}

// Key identifies the condition an alert reports, so a standing condition
// alerts once, not on every look.
func (a Alert) Key() string { return fmt.Sprintf("%d/%s/%s/%s", a.Kind, a.OrderID, a.Picker, a.Bin) }

// FeedConfig sets the supervisor thresholds.
type FeedConfig struct {
	PackAndHandoff time.Duration // after picking
	QueuedTask     time.Duration // a typical trip, for orders not assigned yet
	Idle           time.Duration // a picker without a task this long is idle
	Stuck          time.Duration // a picker at one stop this long is stuck
}

// DefaultFeedConfig suits a 15-minute target.
var DefaultFeedConfig = FeedConfig{PackAndHandoff: DefaultPackAndHandoff, QueuedTask: 6 * time.Minute,
	Idle: 3 * time.Minute, Stuck: 4 * time.Minute}

// Clock predicts an open order's handoff: the rest of its task's predicted
// walk, or a typical trip if it waits, plus packing and handoff.
func (c FeedConfig) Clock(now time.Time, o Order, t *Task) OrderClock {
	oc := OrderClock{OrderID: o.ID, State: o.State, Picker: o.Picker, TaskID: o.TaskID,
		ReleasedAt: o.ReleasedAt, DueAt: o.DueAt, HandedOffAt: o.HandedOffAt}
	var rest time.Duration
	switch o.State {
	case StateQueued:
		rest = c.QueuedTask + c.PackAndHandoff
	case StateAssigned:
		rest = c.PackAndHandoff
		if t != nil {
			rest += t.remaining()
		}
	case StatePicked:
		rest = c.PackAndHandoff
	case StatePacked:
		rest = c.PackAndHandoff / 3 // the label is on; the courier is next
	}
	oc.PredictedHandoffAt = now.Add(rest)
	switch {
	case !o.State.Open():
		oc.PredictedHandoffAt = o.HandedOffAt
	case now.After(o.DueAt):
		oc.Risk = RiskLate
	case oc.PredictedHandoffAt.After(o.DueAt):
		oc.Risk = RiskAtRisk
	default:
		oc.Risk = RiskOnTime
	}
	return oc
}

// remaining is the predicted time left on a task: the whole predicted trip
// less what the stops done so far were predicted to take.
func (t *Task) remaining() time.Duration {
	total := t.PredictedPickedAt.Sub(t.CreatedAt)
	var done time.Duration
	for _, s := range t.Stops {
		if s.Remaining() == 0 {
			done = max(done, s.PredictedElapsed)
		}
	}
	return max(total-done, 0)
}

// Status summarises one picker at now.
func (c FeedConfig) Status(now time.Time, a PickerActivity, taskID string) PickerStatus {
	ps := PickerStatus{Picker: a.Picker, TaskID: taskID, LastBin: a.LastBin, LastScanAt: a.LastScanAt}
	// Picks are in time order: count those within the hour from the end.
	first, _ := slices.BinarySearchFunc(a.Picks, now.Add(-time.Hour), func(p, t time.Time) int { return p.Compare(t) })
	ps.PicksLastHour = len(a.Picks) - first
	switch {
	case taskID == "" && !a.LastScanAt.IsZero():
		ps.Idle = now.Sub(a.LastScanAt)
	case taskID != "" && !a.StopSince.IsZero():
		ps.AtStop = now.Sub(a.StopSince)
	}
	return ps
}

// Alerts lists the conditions standing at now over the floor's clocks and
// pickers (short picks are alerted as they happen, elsewhere).
func (c FeedConfig) Alerts(now time.Time, clocks []OrderClock, pickers []PickerStatus) []Alert {
	var out []Alert
	free := slices.ContainsFunc(pickers, func(p PickerStatus) bool { return p.TaskID == "" })
	waiting, first := 0, OrderClock{}
	for _, oc := range clocks {
		if oc.Risk == RiskAtRisk || oc.Risk == RiskLate {
			out = append(out, Alert{Kind: AlertPredictedLate, OrderID: oc.OrderID, Picker: oc.Picker, At: now,
				Message: fmt.Sprintf("%s is predicted at %s, due %s", oc.OrderID, oc.PredictedHandoffAt.Format(time.TimeOnly), oc.DueAt.Format(time.TimeOnly))})
		}
		if oc.State == StateQueued {
			if waiting == 0 || oc.DueAt.Before(first.DueAt) {
				first = oc
			}
			waiting++
		}
	}
	// One alert for the queue, named by its most urgent order: a line per
	// waiting order would bury the board when the floor is busy.
	if waiting > 0 && !free {
		out = append(out, Alert{Kind: AlertNoPickerFree, OrderID: first.OrderID, At: now,
			Message: fmt.Sprintf("%d orders wait and no picker is free; the most urgent is %s, due %s", waiting, first.OrderID, first.DueAt.Format(time.TimeOnly))})
	}
	for _, p := range pickers {
		switch {
		case p.TaskID == "" && p.Idle >= c.Idle:
			out = append(out, Alert{Kind: AlertPickerIdle, Picker: p.Picker, At: now,
				Message: fmt.Sprintf("%s has had no task for %s", p.Picker, p.Idle.Round(time.Second))})
		case p.TaskID != "" && p.AtStop >= c.Stuck:
			where := "at " + p.LastBin
			if p.LastBin == "" {
				where = "without scanning a bin"
			}
			out = append(out, Alert{Kind: AlertPickerStuck, Picker: p.Picker, Bin: p.LastBin, At: now,
				Message: fmt.Sprintf("%s has been %s for %s on one stop", p.Picker, where, p.AtStop.Round(time.Second))})
		}
	}
	return out
}
