package store

import (
	"testing"
	"time"
)

// The baseline writes one durable record per latency it reports. Its
// timings are the load tool's output and are not checked here.
func TestRawBatchBaseline(t *testing.T) {
	dir := t.TempDir()
	lat, err := RawBatchBaseline(dir, 3, 100, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(lat) < 3 {
		t.Fatalf("%d writes by 3 writers", len(lat))
	}
	b, err := OpenBaseline(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for seq := range uint64(5) {
		if err := b.Write(1, seq); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Write(1, 0); err != nil { // the same key again replaces it
		t.Fatal(err)
	}
	if n, err := b.Count(); err != nil || n != 5 {
		t.Errorf("count %d, %v; want 5", n, err)
	}
	for _, bad := range [][3]float64{{0, 1, 1}, {1, 0, 1}, {1, 1, 0}} {
		if _, err := RawBatchBaseline(dir, int(bad[0]), bad[1], time.Duration(bad[2]*float64(time.Second))); err == nil {
			t.Errorf("RawBatchBaseline%v: no error", bad)
		}
	}
}
