package store

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

func TestProgressRoundTripAndCorruptRecords(t *testing.T) {
	for _, p := range []taskProgress{
		{Plan: 1, Picked: []int64{}, Short: []int64{}},
		{Plan: 1<<63 + 5, Picked: []int64{3, 0, 12}, Short: []int64{0, 2, 0}, Done: true, AtBin: "A-01-001-1",
			ItemAt: "B-02-003-4", ArrivedAt: t0, FirstUnitAt: t0.Add(time.Second), LeftAt: t0.Add(-time.Minute),
			LeftMeters: 12.75, DoneAt: t0.Add(time.Hour)},
	} {
		raw := encodeProgress(p)
		got, err := decodeProgress(raw)
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Errorf("round trip:\n got %+v, %v\nwant %+v", got, err, p)
		}
		if plan, stops, err := progressHeader(raw); err != nil || plan != p.Plan || stops != len(p.Picked) {
			t.Errorf("header: %d, %d, %v; want %d, %d", plan, stops, err, p.Plan, len(p.Picked))
		}
		for n := range raw { // every truncation is refused, none panics
			if _, err := decodeProgress(raw[:n]); !errors.Is(err, errCorruptProgress) {
				t.Errorf("%d of %d bytes: %v", n, len(raw), err)
			}
		}
		if _, err := decodeProgress(append(raw, 0)); !errors.Is(err, errCorruptProgress) {
			t.Errorf("a byte too many: %v", err)
		}
	}
	huge := append(u64(1), 0xff, 0xff, 0xff, 0xff, 0x0f) // claims billions of stops
	if _, err := decodeProgress(huge); !errors.Is(err, errCorruptProgress) {
		t.Errorf("huge stop count: %v", err)
	}
}

// A file of schema 6 keeps task progress as JSON; opening it rewrites the
// records in binary without changing any task.
func TestMigrateSchema6Progress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	if _, err := s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}}}}, false); err != nil {
		t.Fatal(err)
	}
	task, _, err := s.NextTask("ann")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PickScan("ann", floor.Scan{ID: "s1", Code: task.Stops[0].Bin}); err != nil {
		t.Fatal(err)
	}
	want, _ := s.Task(task.ID)
	err = s.db.Update(func(tx *bolt.Tx) error { // the schema 6 layout
		b := tx.Bucket(bucketTaskProgress)
		p, err := decodeProgress(b.Get([]byte(task.ID)))
		if err != nil {
			return err
		}
		if err := put(b, task.ID, p); err != nil {
			return err
		}
		return asSchema(tx, 6)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	clear(plans.byTask) // a new process

	s2, _ := openTestStore(t, path)
	got, err := s2.Task(task.ID)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("task after migration:\n got %+v, %v\nwant %+v", got, err, want)
	}
	if got.AtBin == "" {
		t.Errorf("the bin scan's progress is lost: %+v", got)
	}
}
