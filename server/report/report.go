// Package report computes a shift's figures, per picker and overall, from
// the orders, tasks and scans of a time range, and writes them as CSV or
// as a PDF with a chart. It does no I/O of its own beyond the writer it is
// given: the caller reads the store, so the numbers are table-tested on
// hand-made fixtures.
package report

import (
	"maps"
	"math"
	"slices"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// Scan is one recorded scan as the report needs it.
type Scan struct {
	Kind    string // "pick", "pack" or "handoff"
	User    string
	At      time.Time
	Action  floor.ScanAction
	Verdict floor.Verdict
}

// Input is a time range and what happened in it: the orders released, the
// tasks started and the scans received in [From, To).
type Input struct {
	From, To time.Time
	Orders   []floor.Order
	Tasks    []floor.Task
	Scans    []Scan
}

// Row is one picker's figures, or everyone's (Picker == Total).
type Row struct {
	Picker     string
	Orders     int   // released in the range and assigned to the picker
	HandedOff  int   // of those, handed off
	OnTime     int   // of those, handed off by their due time
	Lines      int   // order lines of Orders
	Units      int64 // units picked on the picker's tasks
	ShortPicks int   // short picks the picker reported
	WrongScans int   // wrong bin, wrong item, unknown code or over-pick
	Tasks      int   // tasks started
	MeanClock  time.Duration
	P90Clock   time.Duration // release to handoff, 90th percentile
	MeanPick   time.Duration // task start to back at the pack station
	Busy       time.Duration // time on tasks, for picks per hour
	// Prediction is how the handoffs predicted at assignment compared
	// with the actual ones, over the handed-off orders.
	Prediction PredictionError
}

// PredictionError measures the time model: for each handed-off order that
// kept its prediction, the error is the actual time from assignment to
// handoff less the predicted one.
type PredictionError struct {
	Orders int // handed-off orders with a prediction
	// MAPE is the mean of |actual - predicted| / actual, in percent: how
	// far off the predictions are, whichever way.
	MAPE float64
	// Bias is the mean of actual - predicted: positive when handoffs come
	// later than predicted (the model is optimistic), negative when
	// earlier.
	Bias time.Duration
	// BiasPercent is the mean of (actual - predicted) / actual, in percent.
	BiasPercent float64
}

// PredictionSample is one order's predicted and actual durations from
// assignment to handoff; ok is false when the order has none to compare
// (not handed off, or assigned before predictions were kept).
func PredictionSample(o floor.Order) (predicted, actual time.Duration, ok bool) {
	if o.State != floor.StateHandedOff || o.AssignedAt.IsZero() || o.PredictedHandoffAt.IsZero() || o.HandedOffAt.IsZero() {
		return 0, 0, false
	}
	predicted, actual = o.PredictedHandoffAt.Sub(o.AssignedAt), o.HandedOffAt.Sub(o.AssignedAt)
	if actual <= 0 {
		return 0, 0, false // a clock jump: no percentage to speak of
	}
	return predicted, actual, true
}

// predictionAcc sums prediction errors.
type predictionAcc struct {
	n                   int
	absPct, pct, errSum float64 // errSum in seconds
}

func (p *predictionAcc) add(predicted, actual time.Duration) {
	e := (actual - predicted).Seconds()
	p.n++
	p.errSum += e
	p.pct += e / actual.Seconds()
	p.absPct += math.Abs(e) / actual.Seconds()
}

func (p predictionAcc) result() PredictionError {
	if p.n == 0 {
		return PredictionError{}
	}
	n := float64(p.n)
	return PredictionError{Orders: p.n, MAPE: 100 * p.absPct / n, BiasPercent: 100 * p.pct / n,
		Bias: time.Duration(p.errSum / n * float64(time.Second))}
}

// Total names the row of all pickers together.
const Total = "ALL"

// OnTimePercent is the share of handed-off orders that made their due
// time; ok is false when none was handed off (no figure, not 0 %).
func (r Row) OnTimePercent() (pct float64, ok bool) {
	if r.HandedOff == 0 {
		return 0, false
	}
	return 100 * float64(r.OnTime) / float64(r.HandedOff), true
}

// PicksPerHour is units picked per hour on tasks: the rate while picking,
// so a picker who joined late or packed for an hour is not penalised.
func (r Row) PicksPerHour() float64 {
	if r.Busy <= 0 {
		return 0
	}
	return float64(r.Units) / r.Busy.Hours()
}

// Report is a shift's figures.
type Report struct {
	From, To time.Time
	Pickers  []Row // by name
	Total    Row
}

// wrong are the verdicts that mean a picker scanned the wrong thing.
var wrong = map[floor.Verdict]bool{floor.VerdictWrongBin: true, floor.VerdictWrongItem: true,
	floor.VerdictUnknownBarcode: true, floor.VerdictOverPick: true}

// shortAccepted are the verdicts with which a short pick is recorded.
var shortAccepted = map[floor.Verdict]bool{floor.VerdictShortRecorded: true, floor.VerdictLineDone: true,
	floor.VerdictTaskDone: true}

type acc struct {
	row    Row
	clocks []time.Duration
	picks  []time.Duration
	pred   predictionAcc
}

// Build computes the report. Orders never assigned count only in the
// total; open tasks count as busy until To.
func Build(in Input) Report {
	rows := map[string]*acc{}
	total := &acc{row: Row{Picker: Total}}
	of := func(picker string) *acc {
		a, ok := rows[picker]
		if !ok {
			a = &acc{row: Row{Picker: picker}}
			rows[picker] = a
		}
		return a
	}
	each := func(picker string, f func(*acc)) {
		f(total)
		if picker != "" {
			f(of(picker))
		}
	}
	for _, o := range in.Orders {
		each(o.Picker, func(a *acc) {
			a.row.Orders++
			a.row.Lines += len(o.Lines)
			if o.State == floor.StateHandedOff {
				a.row.HandedOff++
				if !o.HandedOffAt.After(o.DueAt) {
					a.row.OnTime++
				}
				a.clocks = append(a.clocks, o.HandedOffAt.Sub(o.ReleasedAt))
			}
			if predicted, actual, ok := PredictionSample(o); ok {
				a.pred.add(predicted, actual)
			}
		})
	}
	for _, t := range in.Tasks {
		end := in.To
		if t.Done && !t.DoneAt.IsZero() {
			end = t.DoneAt
		}
		var units int64
		for _, s := range t.Stops {
			units += s.Picked
		}
		each(t.Picker, func(a *acc) {
			a.row.Tasks++
			a.row.Units += units
			a.row.Busy += max(end.Sub(t.CreatedAt), 0)
			if t.Done && !t.DoneAt.IsZero() {
				a.picks = append(a.picks, t.DoneAt.Sub(t.CreatedAt))
			}
		})
	}
	for _, s := range in.Scans {
		if s.Kind != "pick" {
			continue
		}
		each(s.User, func(a *acc) {
			switch {
			case s.Action == floor.ActionShort && shortAccepted[s.Verdict]:
				a.row.ShortPicks++
			case wrong[s.Verdict]:
				a.row.WrongScans++
			}
		})
	}
	r := Report{From: in.From, To: in.To, Total: total.finish()}
	for _, name := range slices.Sorted(maps.Keys(rows)) {
		r.Pickers = append(r.Pickers, rows[name].finish())
	}
	return r
}

func (a *acc) finish() Row {
	a.row.MeanClock = mean(a.clocks)
	a.row.P90Clock = Percentile(a.clocks, 0.9)
	a.row.MeanPick = mean(a.picks)
	a.row.Prediction = a.pred.result()
	return a.row
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// Percentile is the nearest-rank percentile p (0 < p <= 1) of ds: a time
// some order actually took, never an interpolation; 0 for no data.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}
