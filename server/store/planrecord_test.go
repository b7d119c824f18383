package store

import (
	"errors"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

func TestPlanRecordRoundTrip(t *testing.T) {
	plan := taskPlan{Version: 1<<62 + 3, Task: floor.Task{ID: "T000001", Picker: "ann", CreatedAt: t0,
		Orders: []floor.TaskOrder{{OrderID: "O1", Tote: 1, DueAt: t0.Add(time.Minute), PredictedHandoffAt: t0.Add(9 * time.Minute), AtRisk: true, ToteCode: "TOTE-0042"},
			{OrderID: "O2", Tote: 2, DueAt: t0.Add(15 * time.Minute), PredictedHandoffAt: t0.Add(9 * time.Minute)}},
		Stops: []floor.Stop{{Bin: "A-01-001-1", SKU: "S1", Name: "Kettle", Quantity: 2, OrderID: "O1", Tote: 1, ToteCode: "TOTE-0042", Familiar: true,
			CumulativeMeters: 12.5, PredictedElapsed: 40 * time.Second}, {Bin: "A-02-001-1", SKU: "S2", Quantity: 1, OrderID: "O2", Tote: 2}},
		Route: floor.RouteInfo{Strategy: floor.RouteFamiliarFirst, Reason: "familiar first", Meters: 40.25, ShortestMeters: 38,
			Optimal: true}, PredictedPickedAt: t0.Add(5 * time.Minute), Paper: true}}
	// A plan leaves out what the progress record keeps (progress_test.go).
	progress := []string{".Task.Stops[0].Picked", ".Task.Stops[0].Short", ".Task.Done", ".Task.AtBin", ".Task.ItemAt",
		".Task.ArrivedAt", ".Task.FirstUnitAt", ".Task.LeftAt", ".Task.LeftMeters", ".Task.DoneAt", ".Task.DroppedAt",
		".Task.DropStation", ".Task.Released"}
	if zero := zeroFields(plan); !reflect.DeepEqual(zero, progress) {
		t.Errorf("the fixture leaves %v unset, want only the progress fields %v: set the others, so that the round trip covers them", zero, progress)
	}
	for _, p := range []taskPlan{plan, {Version: 1, Task: floor.Task{ID: "T2"}}} {
		raw, err := encodePlan(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodePlan(raw)
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Errorf("round trip of %s:\n got %+v, %v\nwant %+v", raw, got, err, p)
		}
	}
	old, _ := encodeJSON(plan)
	if _, err := decodePlan(old); !errors.Is(err, errOldPlan) {
		t.Errorf("a whole plan of schema 8 read as short: %v", err)
	}
}

// A file of schema 8 keeps whole plans; opening it rewrites them short
// without changing any task.
func TestMigrateSchema8Plans(t *testing.T) {
	want, got, err := migratedTask(t, 8, func(tx *bolt.Tx, want floor.Task) error { // the schema 8 layout
		b := tx.Bucket(bucketTasks)
		p, err := decodePlan(b.Get([]byte(want.ID)))
		if err != nil {
			return err
		}
		return put(b, want.ID, p)
	})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("task after migration:\n got %+v, %v\nwant %+v", got, err, want)
	}
	if len(got.Stops) == 0 || got.Stops[0].Bin == "" {
		t.Errorf("task after migration lost its stops: %+v", got)
	}
}
