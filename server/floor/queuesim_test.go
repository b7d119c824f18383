package floor

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

var simNow = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// handModel is a pace whose trip over 60 m with stops and units is easy to
// add up by hand: 60 s of walking, 10 s a stop, 2 s a unit.
var handModel = PickerModel{WalkSpeed: 1, StopFamiliar: 5 * time.Second, StopUnfamiliar: 10 * time.Second, PerUnit: 2 * time.Second}

var handQueue = QueueModel{PackAndHandoff: time.Minute, TripMeters: 60, MaxBatch: 2, SmallOrderUnits: 2, Candidates: 3}

func TestTripWeighsFamiliarStops(t *testing.T) {
	tests := []struct {
		familiar float64
		want     time.Duration
	}{
		{0, 60*time.Second + 2*10*time.Second + 3*2*time.Second},
		{1, 60*time.Second + 2*5*time.Second + 3*2*time.Second},
		{0.5, 60*time.Second + 2*7500*time.Millisecond + 3*2*time.Second},
		{7, 60*time.Second + 2*5*time.Second + 3*2*time.Second}, // out of range: clamped
	}
	for _, tt := range tests {
		if got := handQueue.Trip(SimPicker{Model: handModel, Familiar: tt.familiar}, 2, 3); got != tt.want {
			t.Errorf("Trip(familiar %v) = %v, want %v", tt.familiar, got, tt.want)
		}
	}
}

// One picker, free at 09:01, and four orders: the two small ones due
// first share a trip; the large one goes alone; the last small one rides
// alone because the batch is full (MaxBatch 2).
//
//	A (1 unit, due 09:05) + B (2 units, due 09:05): 60+2*10+3*2 = 86 s from 09:01 -> back 09:02:26, handoff 09:03:26
//	C (5 units, due 09:06): 60+10+10 = 80 s from 09:02:26 -> back 09:03:46, handoff 09:04:46
//	D (1 unit, due 09:06): 60+10+2 = 72 s from 09:03:46 -> back 09:04:58, handoff 09:05:58
func TestSimulateHandChecked(t *testing.T) {
	p := SimPicker{Name: "ann", FreeAt: simNow.Add(time.Minute), Model: handModel}
	queue := []SimOrder{
		{ID: "D", DueAt: simNow.Add(6 * time.Minute), Lines: 1, Units: 1},
		{ID: "C", DueAt: simNow.Add(6 * time.Minute), Lines: 1, Units: 5},
		{ID: "B", DueAt: simNow.Add(5 * time.Minute), Lines: 1, Units: 2},
		{ID: "A", DueAt: simNow.Add(5 * time.Minute), Lines: 1, Units: 1},
	}
	got := handQueue.Simulate(simNow, []SimPicker{p}, queue)
	at := func(m, s int) time.Time {
		return simNow.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	want := []SimResult{
		{OrderID: "A", Picker: "ann", StartAt: at(1, 0), HandoffAt: at(3, 26), Waits: true},
		{OrderID: "B", Picker: "ann", StartAt: at(1, 0), HandoffAt: at(3, 26), Waits: true},
		{OrderID: "C", Picker: "ann", StartAt: at(2, 26), HandoffAt: at(4, 46), Waits: true},
		{OrderID: "D", Picker: "ann", StartAt: at(3, 46), HandoffAt: at(5, 58), Waits: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// An order joins a batch only if the joined trip keeps every order in it
// on time, as the planner does.
func TestSimulateBatchKeepsDueTimes(t *testing.T) {
	p := SimPicker{Name: "ann", FreeAt: simNow, Model: handModel}
	queue := []SimOrder{
		// Alone: 60+10+2 = 72 s, handoff 09:02:12; joined with B 84 s, 09:02:24: past A's due time.
		{ID: "A", DueAt: simNow.Add(2*time.Minute + 20*time.Second), Lines: 1, Units: 1},
		{ID: "B", DueAt: simNow.Add(10 * time.Minute), Lines: 1, Units: 1},
	}
	got := handQueue.Simulate(simNow, []SimPicker{p}, queue)
	if got[0].Late || !got[1].StartAt.After(simNow) {
		t.Errorf("got %+v: want A alone and on time, B on a later trip", got)
	}
}

func TestSimulateWithoutPickersPredictsNothing(t *testing.T) {
	if got := handQueue.Simulate(simNow, nil, []SimOrder{{ID: "A", DueAt: simNow}}); got != nil {
		t.Errorf("Simulate with no picker = %+v, want nil", got)
	}
}

// Staffing: ten one-line orders of 5 units (80 s a trip, handoff 140 s
// after the start) due at 09:05 for one picker free now: trips end at
// 80 s, 160 s, ... so handoffs at 140, 220, 300, 380 s... Three make it
// (the third at exactly 300 s, on time); seven are late. With k pickers
// each takes ceil(10/k) trips: the last handoff is 80*ceil(10/k)+60 s,
// within 300 s for ceil(10/k) <= 3, so k = 4.
func TestStaff(t *testing.T) {
	var queue []SimOrder
	for _, id := range []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"} {
		queue = append(queue, SimOrder{ID: id, DueAt: simNow.Add(5 * time.Minute), Lines: 1, Units: 5})
	}
	one := []SimPicker{{Name: "ann", FreeAt: simNow, Model: handModel}}
	tests := []struct {
		name    string
		pickers []SimPicker
		queue   []SimOrder
		want    Staffing
	}{
		{"one picker, ten orders", one, queue, Staffing{Late: 7, Needed: 4}},
		// Nobody on shift: extra pickers go at the default pace, 95 s a
		// trip (60+20+15), so two trips each (250 s) make it: five.
		{"nobody on shift", nil, queue, Staffing{Late: 10, Needed: 5}},
		{"on time", one, queue[:3], Staffing{}},
		{"more than the search goes", one, many(300, simNow.Add(150*time.Second)), Staffing{Late: 299, Needed: 1 + MaxExtraPickers, AtLeast: true}},
		{"too late for anyone", one, []SimOrder{{ID: "X", DueAt: simNow.Add(time.Minute), Lines: 1, Units: 1}},
			Staffing{Late: 1, Needed: 1, Lost: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := handQueue
			q.MaxBatch = 1
			if got := q.Staff(simNow, tt.pickers, tt.queue); got != tt.want {
				t.Errorf("Staff = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseShifts(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database")
	}
	s, err := ParseShifts("22:00, 06:00,14:00", berlin)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		now        time.Time
		start, end time.Time
	}{
		{time.Date(2026, 11, 24, 9, 0, 0, 0, berlin), time.Date(2026, 11, 24, 6, 0, 0, 0, berlin), time.Date(2026, 11, 24, 14, 0, 0, 0, berlin)},
		{time.Date(2026, 11, 24, 6, 0, 0, 0, berlin), time.Date(2026, 11, 24, 6, 0, 0, 0, berlin), time.Date(2026, 11, 24, 14, 0, 0, 0, berlin)},
		// Past midnight: the night shift began yesterday.
		{time.Date(2026, 11, 25, 1, 30, 0, 0, berlin), time.Date(2026, 11, 24, 22, 0, 0, 0, berlin), time.Date(2026, 11, 25, 6, 0, 0, 0, berlin)},
		{time.Date(2026, 11, 24, 23, 0, 0, 0, berlin), time.Date(2026, 11, 24, 22, 0, 0, 0, berlin), time.Date(2026, 11, 25, 6, 0, 0, 0, berlin)},
		// The night the clocks go back: the night shift lasts 9 hours and
		// the morning shift still starts at 06:00 local time.
		{time.Date(2026, 10, 25, 3, 0, 0, 0, berlin), time.Date(2026, 10, 24, 22, 0, 0, 0, berlin), time.Date(2026, 10, 25, 6, 0, 0, 0, berlin)},
		// Given in another zone: the same instant, the same shift.
		{time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 6, 0, 0, 0, berlin), time.Date(2026, 11, 24, 14, 0, 0, 0, berlin)},
	}
	for _, tt := range tests {
		start, end := s.At(tt.now)
		if !start.Equal(tt.start) || !end.Equal(tt.end) {
			t.Errorf("At(%v) = %v–%v, want %v–%v", tt.now, start, end, tt.start, tt.end)
		}
	}
	if d := time.Date(2026, 10, 25, 6, 0, 0, 0, berlin).Sub(time.Date(2026, 10, 24, 22, 0, 0, 0, berlin)); d != 9*time.Hour {
		t.Errorf("night of the clock change lasts %v, want 9h", d)
	}
	if got := s.Label(s.At(tests[0].now)); got != "06:00–14:00" {
		t.Errorf("Label = %q", got)
	}
	one, err := ParseShifts("07:30", nil)
	if err != nil {
		t.Fatal(err)
	}
	if start, end := one.At(time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)); !start.Equal(time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC)) || end.Sub(start) != 24*time.Hour {
		t.Errorf("one shift a day: %v–%v", start, end)
	}
}

func TestParseShiftsRefuses(t *testing.T) {
	tests := []struct {
		in, field string
	}{
		{"", "shifts[0]"},
		{"6", "shifts[0]"},
		{"06:00,24:00", "shifts[1]"},
		{"06:00,25:61", "shifts[1]"},
		{"06:00,,14:00", "shifts[1]"},
		{"06:00,06:00", "shifts[1]"},
		{"06:00,14:00:00", "shifts[1]"},
	}
	for _, tt := range tests {
		_, err := ParseShifts(tt.in, nil)
		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != KindInvalid || len(fe.Violations) == 0 || fe.Violations[0].Field != tt.field {
			t.Errorf("ParseShifts(%q) = %v, want invalid at %s", tt.in, err, tt.field)
		}
	}
}

// The on-time figure counts open past-due orders as late; the outlook
// adds the open orders due later by their prediction.
func TestSummaryPercentages(t *testing.T) {
	tests := []struct {
		s               FloorSummary
		onTime, outlook float64
		okOn, okOut     bool
	}{
		{FloorSummary{}, 0, 0, false, false},
		{FloorSummary{HandedOnTime: 1, OpenPastDue: 2}, 100.0 / 3, 100.0 / 3, true, true},
		{FloorSummary{HandedOnTime: 3, HandedLate: 1, PredictedOnTime: 3, PredictedLate: 3}, 75, 60, true, true},
		{FloorSummary{PredictedOnTime: 1, PredictedLate: 1}, 0, 50, false, true},
	}
	for _, tt := range tests {
		on, okOn := tt.s.OnTimePercent()
		out, okOut := tt.s.OutlookPercent()
		if on != tt.onTime || okOn != tt.okOn || out != tt.outlook || okOut != tt.okOut {
			t.Errorf("%+v: on time %v %v, outlook %v %v; want %v %v, %v %v", tt.s, on, okOn, out, okOut, tt.onTime, tt.okOn, tt.outlook, tt.okOut)
		}
	}
	s := FloorSummary{ShiftStart: simNow, At: simNow.Add(30 * time.Minute)}
	if got := s.PerHour(40); got != 80 {
		t.Errorf("40 picks in half an hour = %v/h, want 80", got)
	}
}

// many is n one-line orders of 5 units due at due.
func many(n int, due time.Time) []SimOrder {
	out := make([]SimOrder, n)
	for i := range out {
		out[i] = SimOrder{ID: fmt.Sprintf("M%04d", i), DueAt: due, Lines: 1, Units: 5}
	}
	return out
}
