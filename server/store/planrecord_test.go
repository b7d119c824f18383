package store

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// fullPlan sets every field of a plan but the progress, so that a round
// trip covers them all (TestPlanRecordRoundTrip checks which are unset).
func fullPlan() taskPlan {
	return taskPlan{Version: 1<<62 + 3, Task: floor.Task{ID: "T000001", Picker: "ann", CreatedAt: t0,
		Orders: []floor.TaskOrder{{OrderID: "O1", Tote: 1, DueAt: t0.Add(time.Minute), PredictedHandoffAt: t0.Add(9 * time.Minute), AtRisk: true, ToteCode: "TOTE-0042"},
			{OrderID: "O2", Tote: 2, DueAt: t0.Add(15 * time.Minute), PredictedHandoffAt: t0.Add(9 * time.Minute)}},
		Stops: []floor.Stop{{Bin: "A-01-001-1", SKU: "S1", Name: "Kettle", Quantity: 2, OrderID: "O1", Tote: 1, ToteCode: "TOTE-0042", Familiar: true,
			CumulativeMeters: 12.5, PredictedElapsed: 40 * time.Second}, {Bin: "A-02-001-1", SKU: "S2", Quantity: 1, OrderID: "O2", Tote: 2}},
		Route: floor.RouteInfo{Strategy: floor.RouteFamiliarFirst, Reason: "familiar first", Meters: 40.25, ShortestMeters: 38,
			Optimal: true}, PredictedPickedAt: t0.Add(5 * time.Minute), Paper: true}}
}

// shortPlanJSON is fullPlan as schema 14's encodePlan wrote it (taken
// from that build's output).
const shortPlanJSON = `{"v":4611686018427387907,"id":"T000001","p":"ann","o":[{"o":"O1","t":1,"d":1795510860000000000,"ph":1795511340000000000,"r":true,"tc":"TOTE-0042"},{"o":"O2","t":2,"d":1795511700000000000,"ph":1795511340000000000}],"s":[{"b":"A-01-001-1","s":"S1","n":"Kettle","q":2,"o":"O1","t":1,"tc":"TOTE-0042","f":true,"m":12.5,"pe":40000000000},{"b":"A-02-001-1","s":"S2","q":1,"o":"O2","t":2}],"ca":1795510800000000000,"r":{"s":2,"r":"familiar first","m":40.25,"sm":38,"o":true},"pp":1795511100000000000,"pa":true}`

func TestPlanRecordRoundTrip(t *testing.T) {
	plan := fullPlan()
	// A plan leaves out what the progress record keeps (progress_test.go).
	progress := []string{".Task.Stops[0].Picked", ".Task.Stops[0].Short", ".Task.Done", ".Task.AtBin", ".Task.ItemAt",
		".Task.ArrivedAt", ".Task.FirstUnitAt", ".Task.LeftAt", ".Task.LeftMeters", ".Task.DoneAt", ".Task.DroppedAt",
		".Task.DropStation", ".Task.Released"}
	if zero := zeroFields(plan); !reflect.DeepEqual(zero, progress) {
		t.Errorf("the fixture leaves %v unset, want only the progress fields %v: set the others, so that the round trip covers them", zero, progress)
	}
	// Stops that name their order and tote in full: an order not in the
	// task, a tote other than the order's, an order listed twice (the
	// first is the one named), and negative numbers.
	odd := fullPlan()
	odd.Task.Orders = append(odd.Task.Orders, floor.TaskOrder{OrderID: "O1", Tote: 3})
	odd.Task.Stops = append(odd.Task.Stops,
		floor.Stop{Bin: "B", SKU: "S3", OrderID: "O9", Tote: 4, ToteCode: "TOTE-0009", CumulativeMeters: -1.5},
		floor.Stop{Bin: "B", SKU: "S4", OrderID: "O2", Tote: 2, ToteCode: "TOTE-0099", PredictedElapsed: -time.Second},
		floor.Stop{Bin: "B", SKU: "S5", OrderID: "O2", Tote: 5},
		floor.Stop{Bin: "B", SKU: "S6", OrderID: "O1", Tote: 3, Quantity: -2},
		floor.Stop{Bin: "B", SKU: "S7"})
	odd.Task.Route.Meters, odd.Task.Route.ShortestMeters, odd.Task.Route.Strategy = math.Inf(1), math.MaxFloat64, -1
	odd.Task.Stops[0].CumulativeMeters = math.SmallestNonzeroFloat64
	for _, p := range []taskPlan{plan, odd, {Version: 1, Task: floor.Task{ID: "T2"}}, {}} {
		raw, err := encodePlan(p)
		if err != nil {
			t.Fatal(err)
		}
		if raw[0] != planFormat {
			t.Errorf("record of %s starts with %#x, want the format byte %#x", p.Task.ID, raw[0], planFormat)
		}
		got, err := decodePlan(raw)
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Errorf("round trip of %q:\n got %+v, %v\nwant %+v", raw, got, err, p)
		}
	}
	// A record of schemas 9-14 still reads (an archive file not opened yet).
	if got, err := decodePlan([]byte(shortPlanJSON)); err != nil || !reflect.DeepEqual(got, plan) {
		t.Errorf("short JSON record:\n got %+v, %v\nwant %+v", got, err, plan)
	}
	old, _ := encodeJSON(plan)
	if _, err := decodePlan(old); !errors.Is(err, errOldPlan) {
		t.Errorf("a whole plan of schema 8 read as short: %v", err)
	}
}

// TestPlanRecordSize: the binary record of a plan is less than half its
// short JSON record.
func TestPlanRecordSize(t *testing.T) {
	raw, err := encodePlan(fullPlan())
	if err != nil {
		t.Fatal(err)
	}
	if got, limit := len(raw), len(shortPlanJSON)/2; got > limit {
		t.Errorf("record of %d bytes, want at most %d (half of its %d bytes of JSON)", got, limit, len(shortPlanJSON))
	}
}

// TestPlanRecordRefusesDamage: a record cut short, with bytes left over,
// with unknown flags, or naming a stop's order or tote in a form the
// encoder would not write, does not decode.
func TestPlanRecordRefusesDamage(t *testing.T) {
	p := taskPlan{Version: 7, Task: floor.Task{ID: "T", Orders: []floor.TaskOrder{{OrderID: "O", Tote: 1}},
		Stops: []floor.Stop{{Bin: "B", SKU: "S", OrderID: "O", Tote: 1}}}}
	raw, err := encodePlan(p)
	if err != nil {
		t.Fatal(err)
	}
	// The record ends with the stop: flags, "B", "S", "", quantity,
	// order index, metres, elapsed.
	stop := len(raw) - (1 + 2 + 2 + 1 + 1 + 1 + 1 + 1)
	rest := raw[stop+1+2+2+1+1:]
	flagsAt := 1 + 8 + 2 + 1
	cases := []struct {
		name string
		raw  []byte
	}{
		{"cut", raw[:len(raw)-1]},
		{"byte left over", append(bytes.Clone(raw), 0)},
		{"unknown plan flag", slices.Concat(raw[:flagsAt], []byte{0x80}, raw[flagsAt+1:])},
		{"unknown stop flag", slices.Concat(raw[:stop], []byte{0x80 | raw[stop]}, raw[stop+1:])},
		{"tote without order", slices.Concat(raw[:stop], []byte{stopOrderTote}, raw[stop+1:])},
		{"order index out of range", slices.Concat(raw[:len(raw)-len(rest)], []byte{1}, rest[1:])},
		{"order spelled out", slices.Concat(raw[:stop], []byte{0}, raw[stop+1:len(raw)-len(rest)], []byte{1, 'O', 2, 0}, rest[1:])},
		{"order's tote spelled out", slices.Concat(raw[:stop], []byte{stopOrderAt}, raw[stop+1:len(raw)-len(rest)+1], []byte{2, 0}, rest[1:])},
	}
	for _, c := range cases {
		if got, err := decodePlan(c.raw); !errors.Is(err, errCorruptPlan) {
			t.Errorf("%s: %q decoded to %+v, %v; want %v", c.name, c.raw, got, err, errCorruptPlan)
		}
	}
	// The same stop with another order's id spelled out is a record.
	other := slices.Concat(raw[:stop], []byte{0}, raw[stop+1:len(raw)-len(rest)], []byte{1, 'P', 2, 0}, rest[1:])
	if got, err := decodePlan(other); err != nil || got.Task.Stops[0].OrderID != "P" || got.Task.Stops[0].Tote != 1 {
		t.Errorf("a stop of an order not in the task: %+v, %v", got, err)
	}
	if got, err := decodePlan(raw); err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("the undamaged record: %+v, %v", got, err)
	}
}

func FuzzDecodePlan(f *testing.F) {
	odd := fullPlan()
	odd.Task.Stops[1].OrderID, odd.Task.Stops[0].Tote = "O9", 7
	for _, p := range []taskPlan{fullPlan(), odd} {
		raw, _ := encodePlan(p)
		f.Add(raw)
	}
	f.Add([]byte(shortPlanJSON))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := decodePlan(raw)
		if err != nil {
			return
		}
		again, err := encodePlan(p)
		if err != nil {
			t.Fatalf("decoded %q into %+v, which does not encode: %v", raw, p, err)
		}
		// A binary record is the one its plan encodes to; a JSON one
		// converts to a binary record that is (bytes compared: a NaN
		// metre count is not equal to itself).
		if raw[0] == planFormat && !bytes.Equal(again, raw) {
			t.Fatalf("%q decodes to %+v, which encodes to %q", raw, p, again)
		}
		back, err := decodePlan(again)
		if err != nil {
			t.Fatalf("%+v encodes to %q, which does not decode: %v", p, again, err)
		}
		if third, _ := encodePlan(back); !bytes.Equal(third, again) {
			t.Fatalf("%+v encodes to %q, which decodes to %+v, encoded %q", p, again, back, third)
		}
	})
}

// A file of schema 8 keeps whole plans; opening it rewrites them short
// without changing any task.
func TestMigrateSchema8Plans(t *testing.T) {
	want, got, err := migratedTask(t, 8, func(tx *txn, want floor.Task) error { // the schema 8 layout
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
