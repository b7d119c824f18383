package floor

import (
	"reflect"
	"time"
)

// FloorSummary is the floor's figures for the current shift, as the wall
// screen heads them. Every order due in the shift is counted once, in the
// first of these that fits: handed off (on time or late), open past its
// due time, open and predicted late, open and predicted on time.
// Cancelled orders are not counted.
type FloorSummary struct {
	At                   time.Time
	ShiftStart, ShiftEnd time.Time
	ShiftLabel           string // "06:00–14:00" in the site's time zone

	// Orders due in the shift up to At.
	HandedOnTime int // handed off by their due time
	HandedLate   int // handed off after it
	OpenPastDue  int // still open, their due time passed
	// Open orders due later in the shift, by their prediction.
	PredictedOnTime int
	PredictedLate   int

	// Every open order, whatever its due time, by its clock's risk.
	OpenOnTime, OpenAtRisk, OpenLate int
	Queued                           int            // open orders no picker has yet
	QueuedByChannel                  map[string]int // of those, by sales channel

	PickersOnShift int
	// PickersNeeded is how many pickers would bring the queue back on
	// time; 0 when no queued order is predicted late.
	PickersNeeded int

	// Accepted pick scans (one each per unit or typed quantity) since
	// the shift's start and in the last hour before At.
	ShiftPicks, LastHourPicks int
	Pickers                   []PickerFigures // by name
}

// PickerFigures are one picker's figures of the shift.
type PickerFigures struct {
	Picker                    string
	ShiftPicks, LastHourPicks int
	HandedOnTime, HandedLate  int // orders due in the shift, handed off
}

// DueSoFar is how many orders were due in the shift up to At.
func (s FloorSummary) DueSoFar() int { return s.HandedOnTime + s.HandedLate + s.OpenPastDue }

// OnTimePercent is the share of the orders due so far in the shift that
// were handed off by their due time: an order still open past its due
// time counts as late. ok is false when none was due yet.
func (s FloorSummary) OnTimePercent() (pct float64, ok bool) {
	n := s.DueSoFar()
	if n == 0 {
		return 0, false
	}
	return 100 * float64(s.HandedOnTime) / float64(n), true
}

// OutlookPercent is the share of every order due in the whole shift that
// is on time so far or predicted on time: what the shift ends with if the
// predictions hold. ok is false when no order is due in the shift.
func (s FloorSummary) OutlookPercent() (pct float64, ok bool) {
	n := s.DueSoFar() + s.PredictedOnTime + s.PredictedLate
	if n == 0 {
		return 0, false
	}
	return 100 * float64(s.HandedOnTime+s.PredictedOnTime) / float64(n), true
}

// PerHour is picks over the hours of the shift up to At: a shift begun
// ten minutes ago gives six times its picks.
func (s FloorSummary) PerHour(picks int) float64 {
	h := s.At.Sub(s.ShiftStart).Hours()
	if h <= 0 {
		return 0
	}
	return float64(picks) / h
}

// Same reports whether two summaries hold the same figures, whatever
// their time: watchers hear of a summary when a figure changes.
func (s FloorSummary) Same(o FloorSummary) bool {
	s.At, o.At = time.Time{}, time.Time{}
	return reflect.DeepEqual(s, o)
}
