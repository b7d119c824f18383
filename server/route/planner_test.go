package route

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

var planNow = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func exampleMap(t *testing.T) *floor.BinMap {
	t.Helper()
	data, err := os.ReadFile("testdata/example-binmap.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := floor.ParseBinMap(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// candidate is an order due in 15 minutes taking one unit from each bin.
func candidate(id string, bins ...string) floor.PlanOrder {
	c := floor.PlanOrder{Order: floor.Order{ID: id, DueAt: planNow.Add(15 * time.Minute)}}
	for _, b := range bins {
		sku := "SKU@" + b
		c.Order.Lines = append(c.Order.Lines, floor.OrderLine{SKU: sku, Quantity: 1})
		c.Reservations = append(c.Reservations, floor.Reservation{Bin: b, SKU: sku, Quantity: 1})
	}
	return c
}

// familiarWith gives a picker a history of picks at bins, enough to count.
func familiarWith(bins ...string) map[string]floor.Familiarity {
	out := map[string]floor.Familiarity{}
	for _, b := range bins {
		out[floor.FamiliarityKey(b, "SKU@"+b)] = floor.Familiarity{Score: 10, At: planNow.Add(-time.Hour)}
	}
	return out
}

func binsOf(t floor.Task) []string {
	var out []string
	for _, s := range t.Stops {
		out = append(out, s.Bin)
	}
	return out
}

func TestPlannerRoutes(t *testing.T) {
	m := exampleMap(t)
	all := []string{"A-01-001-1", "A-01-008-1", "A-02-004-1", "A-02-004-2", "A-02-006-1", "A-03-002-1", "A-03-009-1"}
	tests := []struct {
		name         string
		order        floor.PlanOrder
		familiar     map[string]floor.Familiarity
		model        floor.PickerModel
		wantStrategy floor.RouteStrategy
		wantMeters   float64
		wantFirst    []string // the first stops, in order (either direction of a tie is checked by meters)
		wantReason   string
		wantAtRisk   bool
	}{
		{name: "no history: plain shortest", order: candidate("O1", all...),
			model: floor.DefaultPickerModel, wantStrategy: floor.RouteShortest, wantMeters: 64, wantReason: "no familiar bins"},
		{name: "familiar bins first", order: candidate("O1", "A-01-008-1", "A-03-009-1", "A-03-002-1"),
			familiar: familiarWith("A-03-002-1"), model: floor.DefaultPickerModel,
			wantStrategy: floor.RouteFamiliarFirst, wantFirst: []string{"A-03-002-1"}, wantReason: "1 familiar, then 2 unfamiliar"},
		{name: "all familiar: shortest", order: candidate("O1", "A-02-004-1", "A-03-002-1"),
			familiar: familiarWith("A-02-004-1", "A-03-002-1"), model: floor.DefaultPickerModel,
			wantStrategy: floor.RouteShortest, wantMeters: 32, wantReason: "every bin on it is familiar"},
		// Familiar-first walks 52 m, shortest 48 m; 900 s due minus 117 s of
		// stops and packing leaves 783 s of walking: 48 m fits at 0.064 m/s,
		// 52 m does not.
		{name: "familiar-first would miss the due time", order: candidate("O1", "A-01-001-1", "A-01-008-1", "A-03-002-1"),
			familiar: familiarWith("A-01-008-1"), model: slowWalker(0.064), wantMeters: 48,
			wantStrategy: floor.RouteShortestForDueTime, wantReason: "would miss the due time of O1"},
		{name: "late even on the shortest route", order: candidate("O1", all...),
			model: slowWalker(0.05), wantStrategy: floor.RouteShortest, wantMeters: 64, wantAtRisk: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlanner(PlannerConfig{MaxBatch: 1, PackAndHandoff: time.Minute})
			got, err := p.PlanTask(floor.PlanInput{Picker: "ann", Now: planNow, Map: m, Model: tt.model,
				Candidates: []floor.PlanOrder{tt.order}, Familiarity: tt.familiar})
			if err != nil {
				t.Fatal(err)
			}
			if got.Route.Strategy != tt.wantStrategy {
				t.Errorf("strategy = %v (%s), want %v", got.Route.Strategy, got.Route.Reason, tt.wantStrategy)
			}
			if tt.wantMeters != 0 && got.Route.Meters != tt.wantMeters {
				t.Errorf("meters = %v, want %v", got.Route.Meters, tt.wantMeters)
			}
			if bins := binsOf(got); len(tt.wantFirst) > 0 && strings.Join(bins[:len(tt.wantFirst)], ",") != strings.Join(tt.wantFirst, ",") {
				t.Errorf("stops = %v, want them to start with %v", bins, tt.wantFirst)
			}
			if !strings.Contains(got.Route.Reason, tt.wantReason) {
				t.Errorf("reason = %q, want it to say %q", got.Route.Reason, tt.wantReason)
			}
			if got.Orders[0].AtRisk != tt.wantAtRisk {
				t.Errorf("at risk = %v, want %v (handoff %v, due %v)", got.Orders[0].AtRisk, tt.wantAtRisk, got.Orders[0].PredictedHandoffAt, got.Orders[0].DueAt)
			}
			checkPredictions(t, l(t, m), got)
		})
	}
}

func slowWalker(speed float64) floor.PickerModel {
	m := floor.DefaultPickerModel
	m.WalkSpeed = speed
	return m
}

func l(t *testing.T, m *floor.BinMap) *Layout {
	lay, err := NewLayout(m)
	if err != nil {
		t.Fatal(err)
	}
	return lay
}

// checkPredictions recomputes cumulative metres along the stops and checks
// that predicted times never go backwards.
func checkPredictions(t *testing.T, lay *Layout, task floor.Task) {
	t.Helper()
	prev, metres, elapsed := lay.Depot(), 0.0, time.Duration(0)
	for _, s := range task.Stops {
		at, _ := lay.Face(s.Bin)
		metres += lay.Distance(prev, at)
		prev = at
		if s.CumulativeMeters != metres || s.PredictedElapsed < elapsed {
			t.Errorf("stop %s: %v m at %v, want %v m after %v", s.Bin, s.CumulativeMeters, s.PredictedElapsed, metres, elapsed)
		}
		elapsed = s.PredictedElapsed
	}
	if back := metres + lay.Distance(prev, lay.Depot()); back != task.Route.Meters {
		t.Errorf("route meters %v, stops add up to %v", task.Route.Meters, back)
	}
}

func TestPlannerBatchesSmallOrdersThatSaveWalking(t *testing.T) {
	m := exampleMap(t)
	p := NewPlanner(PlannerConfig{PackAndHandoff: time.Minute})
	in := floor.PlanInput{Picker: "ann", Now: planNow, Map: m, Model: floor.DefaultPickerModel,
		Candidates: []floor.PlanOrder{
			candidate("FIRST", "A-03-009-1"),
			candidate("NEAR", "A-03-002-1"), // on the way: joins
			candidate("BIG", "A-01-001-1", "A-01-008-1", "A-02-004-1", "A-02-006-1", "A-03-002-1"), // too many units
			candidate("LATE", "A-02-006-1"),
		}}
	in.Candidates[3].Order.DueAt = planNow.Add(time.Minute) // cannot make it in a batch
	got, err := p.PlanTask(in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range got.Orders {
		ids = append(ids, o.OrderID)
	}
	if strings.Join(ids, ",") != "FIRST,NEAR" {
		t.Errorf("batch = %v, want FIRST,NEAR", ids)
	}
	for _, s := range got.Stops {
		if want := map[string]int{"FIRST": 1, "NEAR": 2}[s.OrderID]; s.Tote != want {
			t.Errorf("stop %s of %s in tote %d, want %d", s.Bin, s.OrderID, s.Tote, want)
		}
	}
	checkPredictions(t, l(t, m), got)
}

// A route whose search hits the time cap says so.
func TestPlannerSaysWhenTheTimeCapCutTheSearch(t *testing.T) {
	m := Generate(7, 30, 4, 40)
	var bins []string
	for i := 0; i < len(m.Bins) && len(bins) < 40; i += len(m.Bins) / 40 {
		bins = append(bins, m.Bins[i].Code)
	}
	p := NewPlanner(PlannerConfig{MaxBatch: 1, Route: Options{TimeCap: time.Nanosecond, Kicks: 1 << 30}})
	got, err := p.PlanTask(floor.PlanInput{Picker: "ann", Now: planNow, Map: m, Model: floor.DefaultPickerModel,
		Candidates: []floor.PlanOrder{candidate("BIG", bins...)}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Route.Optimal || !strings.Contains(got.Route.Reason, "time cap") {
		t.Errorf("route %+v: want it marked as cut by the time cap", got.Route)
	}
	checkPredictions(t, l(t, m), got)
}
