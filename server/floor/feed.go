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
	// Reason says why a queued order's handoff is predicted when it is,
	// as "no picker free before 09:07" or "no picker on shift"; empty when
	// a picker is free for it now or it is assigned.
	Reason string
	// PredictedAtAssignment is the handoff predicted when the order was
	// assigned, kept to measure the time model against the actual.
	PredictedAtAssignment time.Time
	// RaisedAt is when a supervisor raised a queued order's priority.
	RaisedAt time.Time
}

// Slack is the time between the predicted handoff and the due time;
// negative when the order will be late.
func (c OrderClock) Slack() time.Duration { return c.DueAt.Sub(c.PredictedHandoffAt) }

// PickerActivity is what the scans tell about one picker.
type PickerActivity struct {
	Picker     string
	LastScanAt time.Time
	LastBin    string
	StopSince  time.Time // when the picker arrived at the stop they are on
	// Picks are the accepted picks' times (Unix nanoseconds, in order),
	// for picks per hour: a busy floor keeps millions in its last hour,
	// and plain integers are a third of time.Time's size and hold no
	// pointer for the collector to follow.
	Picks []int64
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
	// OnShift says the queue simulation counts on the picker: they hold a
	// task or scanned within FeedConfig.OnShift.
	OnShift bool
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
	AlertQueueLate               // queued orders are predicted late: more pickers are needed
)

// Alert is something a supervisor should look at now.
type Alert struct {
	Kind    AlertKind
	OrderID string
	Picker  string
	Bin     string
	Message string
	At      time.Time
	// PickersNeeded is, for AlertQueueLate, how many pickers (those on
	// shift included) would bring the queue back on time.
	PickersNeeded int
	// Count is how many orders the alert is about when it is about many
	// (AlertQueueLate, AlertNoPickerFree).
	Count int
}

// Key identifies the condition an alert reports, so a standing condition
// alerts once, not on every look; a queue alert whose staffing figure
// changed is a new alert.
func (a Alert) Key() string {
	return fmt.Sprintf("%d/%s/%s/%s/%d", a.Kind, a.OrderID, a.Picker, a.Bin, a.PickersNeeded)
}

// FeedConfig sets the supervisor thresholds.
type FeedConfig struct {
	PackAndHandoff time.Duration // after picking
	Idle           time.Duration // a picker without a task this long is idle
	Stuck          time.Duration // a picker at one stop this long is stuck
	// OnShift is how recently a picker without a task must have scanned
	// to count as on shift for the queue simulation.
	OnShift time.Duration
	// Queue is how the simulation of the queue hands out work.
	Queue QueueModel
	// Shifts define the figures' window and the time zone of the
	// reasons' times.
	Shifts Shifts
	// StaffEvery is how often the feed searches again for the pickers a
	// late queue needs (a search simulates the queue a dozen times or
	// more); between searches the last answer stands. 0: every look.
	StaffEvery time.Duration
}

// DefaultFeedConfig suits a 15-minute target.
var DefaultFeedConfig = FeedConfig{PackAndHandoff: DefaultPackAndHandoff,
	Idle: 3 * time.Minute, Stuck: 4 * time.Minute, OnShift: 30 * time.Minute, Queue: DefaultQueueModel,
	Shifts: DefaultShifts, StaffEvery: 15 * time.Second}

// Clock predicts the handoff of an order a picker has: the rest of its
// task's predicted walk plus packing and handoff (a closed order's clock
// stops at its handoff). Queued orders are predicted by the simulation of
// the queue: QueuedClock.
func (c FeedConfig) Clock(now time.Time, o Order, t *Task) OrderClock {
	oc := OrderClock{OrderID: o.ID, State: o.State, Picker: o.Picker, TaskID: o.TaskID,
		ReleasedAt: o.ReleasedAt, DueAt: o.DueAt, HandedOffAt: o.HandedOffAt, PredictedAtAssignment: o.PredictedHandoffAt}
	var rest time.Duration
	switch o.State {
	case StateAssigned:
		rest = c.PackAndHandoff
		if t != nil {
			rest += t.Remaining()
		}
	case StatePicked:
		rest = c.PackAndHandoff
	case StatePacked:
		rest = c.PackAndHandoff / 3 // the label is on; the courier is next
	}
	oc.PredictedHandoffAt = now.Add(rest)
	return oc.withRisk(now)
}

// QueuedClock is a queued order's clock from the simulation of the queue:
// r is its result, or nil when no picker is on shift and nothing can be
// predicted. loc is the time zone of the reason's time.
func (c FeedConfig) QueuedClock(now time.Time, o Order, r *SimResult) OrderClock {
	oc := OrderClock{OrderID: o.ID, State: o.State, ReleasedAt: o.ReleasedAt, DueAt: o.DueAt, RaisedAt: o.RaisedAt}
	if r == nil {
		oc.Reason = "no picker on shift"
		oc.Risk = RiskAtRisk
		if now.After(o.DueAt) {
			oc.Risk = RiskLate
		}
		return oc
	}
	oc.PredictedHandoffAt = r.HandoffAt
	if r.Waits {
		oc.Reason = "no picker free before " + r.StartAt.In(c.Shifts.loc()).Format("15:04")
	}
	return oc.withRisk(now)
}

// withRisk sets the risk of a clock whose prediction is set.
func (oc OrderClock) withRisk(now time.Time) OrderClock {
	o := oc
	switch {
	case !o.State.Open():
		o.PredictedHandoffAt = o.HandedOffAt
	case now.After(o.DueAt):
		o.Risk = RiskLate
	case o.PredictedHandoffAt.After(o.DueAt):
		o.Risk = RiskAtRisk
	default:
		o.Risk = RiskOnTime
	}
	return o
}

// Remaining is the predicted time left on a task until the picker is back
// at the pack station: the whole predicted trip less what the stops done
// so far were predicted to take.
func (t Task) Remaining() time.Duration {
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
	first, _ := slices.BinarySearch(a.Picks, now.Add(-time.Hour).UnixNano())
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
	free := slices.ContainsFunc(pickers, func(p PickerStatus) bool { return p.TaskID == "" && p.OnShift })
	waiting, first := 0, OrderClock{}
	for _, oc := range clocks {
		if oc.Risk == RiskAtRisk || oc.Risk == RiskLate {
			out = append(out, Alert{Kind: AlertPredictedLate, OrderID: oc.OrderID, Picker: oc.Picker, At: now,
				Message: c.lateMessage(oc)})
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
		out = append(out, Alert{Kind: AlertNoPickerFree, OrderID: first.OrderID, At: now, Count: waiting,
			Message: fmt.Sprintf("%s wait and no picker is free; the most urgent is %s, due %s", plural(waiting, "order"), first.OrderID, c.hhmmss(first.DueAt))})
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

// hhmmss writes a time of day in the site's time zone.
func (c FeedConfig) hhmmss(t time.Time) string { return t.In(c.Shifts.loc()).Format(time.TimeOnly) }

// lateMessage says when a late or at-risk order is predicted, and why.
func (c FeedConfig) lateMessage(oc OrderClock) string {
	var msg string
	if oc.PredictedHandoffAt.IsZero() {
		msg = fmt.Sprintf("%s cannot be predicted, due %s", oc.OrderID, c.hhmmss(oc.DueAt))
	} else {
		msg = fmt.Sprintf("%s is predicted at %s, due %s", oc.OrderID, c.hhmmss(oc.PredictedHandoffAt), c.hhmmss(oc.DueAt))
	}
	if oc.Reason != "" {
		msg += ": " + oc.Reason
	}
	return msg
}

// QueueAlert says how many pickers would bring the queue back on time;
// ok is false when no queued order is predicted late.
func (c FeedConfig) QueueAlert(now time.Time, onShift int, st Staffing) (Alert, bool) {
	if st.Late == 0 {
		return Alert{}, false
	}
	var msg string
	switch {
	case st.Late == st.Lost:
		msg = fmt.Sprintf("%s predicted late, too late to be on time whatever the staffing (%d on shift)",
			plural(st.Late, "queued order"), onShift)
	case st.AtLeast:
		msg = fmt.Sprintf("%s predicted late: it would take more than %s (%d on shift) to bring the queue back on time",
			plural(st.Late, "queued order"), plural(st.Needed, "picker"), onShift)
	default:
		msg = fmt.Sprintf("%s predicted late: it would take %s (%d on shift) to bring the queue back on time",
			plural(st.Late, "queued order"), plural(st.Needed, "picker"), onShift)
		if st.Lost > 0 {
			msg += fmt.Sprintf("; %d cannot be on time whatever the staffing", st.Lost)
		}
	}
	return Alert{Kind: AlertQueueLate, At: now, PickersNeeded: st.Needed, Count: st.Late, Message: msg}, true
}

// plural writes n things, as "1 order" or "3 orders".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
