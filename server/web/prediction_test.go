package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/route"
	"github.com/pickpack/pickpack/server/store"
)

// A simulated shift on the fixed clock: ann, new to the floor, walks at
// 0.7 m/s (the model starts at 1 m/s) and finds a pick face quicker each
// time she comes back to it (30 s to the unit the first time, 20, 12,
// then 6 s). Each order, one unit of one of three SKUs, is picked alone,
// then packed and handed off exactly the predicted 3 minutes after she is
// back. She sets the tote at the pack station as she takes the task, and
// the walk starts there. As
// the time model learns her pace and the planner her familiar faces, the
// error of the handoff predicted at assignment falls: the shift report
// shows a lower MAPE for the last orders than for the first, and /metrics
// carries the figure.
func TestPredictionErrorFallsAsPaceIsLearned(t *testing.T) {
	e := newEnvWith(t, store.Options{Planner: route.NewPlanner(route.PlannerConfig{MaxBatch: 1})})
	const speed = 0.7 // m/s, ann's true walking speed
	faceTimes := []time.Duration{30 * time.Second, 20 * time.Second, 12 * time.Second, 6 * time.Second}
	visits := map[string]int{}
	const orders = 36
	var boundaries []time.Time // release time of order 0, 12, 24, and the end
	for i := range orders {
		if i%12 == 0 {
			boundaries = append(boundaries, e.clock.Now())
		}
		id := "P" + strconv.Itoa(i)
		// Three SKUs: the same faces come back.
		sku := e.skus[i%3]
		e.submit(t, id, floor.OrderLine{SKU: sku, Quantity: 1})
		task, ok, err := e.st.NextTask("ann")
		if err != nil || !ok || len(task.Orders) != 1 {
			t.Fatalf("order %s: task %+v, %v, %v", id, task, ok, err)
		}
		e.pick(t, "ann", scanOf(fmt.Sprintf("TOTE-%s0", strings.TrimPrefix(task.ID, "T"))), floor.VerdictRight) // the walk starts
		at := 0.0                                                                                               // metres along the route
		for _, stop := range task.Stops {
			e.clock.advance(time.Duration((stop.CumulativeMeters - at) / speed * float64(time.Second)))
			at = stop.CumulativeMeters
			e.pick(t, "ann", scanOf(stop.Bin), floor.VerdictRight)
			key := floor.FamiliarityKey(stop.Bin, stop.SKU)
			e.clock.advance(faceTimes[min(visits[key], len(faceTimes)-1)])
			visits[key]++
			e.pick(t, "ann", scanOf(e.itemCode(t, stop.SKU)), floor.VerdictTaskDone)
		}
		e.clock.advance(time.Duration((task.Route.Meters - at) / speed * float64(time.Second))) // back at the pack station
		e.pick(t, "ann", scanOf("DROP-PS1"), floor.VerdictRight)
		e.clock.advance(floor.DefaultPackAndHandoff)
		e.packAndHandOff(t, id, sku)
		e.clock.advance(time.Second)
	}
	boundaries = append(boundaries, e.clock.Now())

	// The shift report, a third of the shift at a time.
	var mape []float64
	for i := range 3 {
		q := "?from=" + boundaries[i].Format(time.RFC3339) + "&to=" + boundaries[i+1].Format(time.RFC3339)
		_, body := e.get(t, "/reports/shift.csv"+q, floor.RoleSupervisor)
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, c := range recs[0] {
			col[c] = i
		}
		total := recs[len(recs)-1]
		if total[col["predicted_orders"]] != "12" {
			t.Fatalf("part %d: %s orders with a prediction, want 12: %v", i, total[col["predicted_orders"]], recs)
		}
		m, err := strconv.ParseFloat(total[col["prediction_mape_pct"]], 64)
		if err != nil {
			t.Fatalf("part %d: MAPE %q", i, total[col["prediction_mape_pct"]])
		}
		bias, _ := strconv.ParseFloat(total[col["prediction_bias_s"]], 64)
		t.Logf("orders %2d-%2d: MAPE %5.1f %%, bias %+4.0f s", 12*i, 12*i+11, m, bias)
		mape = append(mape, m)
	}
	if !(mape[0] > mape[1] && mape[1] > mape[2]) || mape[2] > mape[0]/2 {
		t.Errorf("MAPE by thirds of the shift %v: want it falling, the last under half the first", mape)
	}

	// /metrics: the error since the start, for ann and for everyone.
	_, body := e.get(t, "/metrics", floor.RoleSupervisor)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pickpack_prediction_mape_ratio", "pickpack_prediction_bias_seconds",
		"pickpack_prediction_error_seconds", "pickpack_prediction_abs_percentage_error_ratio"} {
		pickers := map[string]bool{}
		for _, m := range fams[name].GetMetric() {
			for _, l := range m.GetLabel() {
				pickers[l.GetValue()] = true
			}
			if s := m.GetSummary(); s != nil && s.GetSampleCount() != orders {
				t.Errorf("%s counts %d orders, want %d", name, s.GetSampleCount(), orders)
			}
			if g := m.GetGauge(); name == "pickpack_prediction_mape_ratio" && (g.GetValue() <= 0 || g.GetValue() > mape[0]/100) {
				t.Errorf("%s = %v, want between 0 and the first third's %v", name, g.GetValue(), mape[0]/100)
			}
		}
		if !pickers["ann"] || !pickers["ALL"] || len(pickers) != 2 {
			t.Errorf("%s for %v, want ann and ALL", name, pickers)
		}
	}
}
