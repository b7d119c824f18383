package store

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

func TestProgressRoundTripAndCorruptRecords(t *testing.T) {
	whole := taskProgress{Plan: 1<<63 + 5, Picked: []int64{3, 0, 12}, Short: []int64{2, 0, 0}, Done: true, AtBin: "A-01-001-1",
		ItemAt: "B-02-003-4", ArrivedAt: t0, FirstUnitAt: t0.Add(time.Second), LeftAt: t0.Add(-time.Minute),
		LeftMeters: 12.75, DoneAt: t0.Add(time.Hour), DroppedAt: t0.Add(2 * time.Hour), DropStation: "PS1", Released: true}
	if zero := zeroFields(whole); len(zero) > 0 {
		t.Errorf("the fixture leaves %v unset: set them, so that the round trip covers them", zero)
	}
	for _, p := range []taskProgress{{Plan: 1, Picked: []int64{}, Short: []int64{}}, whole} {
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
	want, got, err := migratedTask(t, 6, func(tx *txn, want floor.Task) error { // the schema 6 layout
		b := tx.Bucket(bucketTaskProgress)
		p, err := decodeProgress(b.Get([]byte(want.ID)))
		if err != nil {
			return err
		}
		return put(b, want.ID, p)
	})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("task after migration:\n got %+v, %v\nwant %+v", got, err, want)
	}
	if got.AtBin == "" {
		t.Errorf("the bin scan's progress is lost: %+v", got)
	}
}

// A record of schema 10 has no end of the task and no flag saying so: it
// reads as the open task it was.
func TestProgressOfSchema10Reads(t *testing.T) {
	p := taskProgress{Plan: 7, Picked: []int64{}, Short: []int64{}, Done: true, AtBin: "A-01-001-1", LeftMeters: 3}
	raw := encodeProgress(p)
	// Schema 10 wrote the same up to the time fields, with the flags
	// byte (after the 8-byte plan and the stop count) only 0 or 1.
	old := append([]byte(nil), raw[:len(raw)-3]...) // no end: time 0, station "", released 0
	old[9] &^= progressEnd
	got, err := decodeProgress(old)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("schema 10 record:\n got %+v, %v\nwant %+v", got, err, p)
	}
}
