package feed

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// BenchmarkTick is one look of the feed, every 2 seconds of floor time,
// at a floor holding open picked-but-unpacked orders as the load tool
// leaves them (nobody packs): quiet (nothing changes), busy (500 orders
// a second picked, as many handed off) and late (busy, every order past
// its due time, so each has a standing alert). It reports the live heap
// per open order after the first look (built-B/order) and after the last
// (live-B/order, the heap the hub holds), and of each the part the
// collector scans on every cycle, up to an object's last pointer
// (built-scan-B/order, live-scan-B/order). Run with a fixed count, as
// floor time moves 2 s a look:
//
//	go test ./server/feed -run '^$' -bench BenchmarkTick -benchtime 100x -benchmem
func BenchmarkTick(b *testing.B) {
	for _, open := range []int{20_000, 100_000} {
		for _, c := range []struct {
			name  string
			churn int  // orders picked and as many handed off per look
			late  bool // every order past its due time
		}{{"quiet", 0, false}, {"busy", 1000, false}, {"late", 1000, true}} {
			b.Run(fmt.Sprintf("open=%d/%s", open, c.name), func(b *testing.B) { benchTick(b, open, c.churn, c.late) })
		}
	}
}

func benchTick(b *testing.B, open, churn int, late bool) {
	clock := &fixedClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	src := newMemSource()
	for i := range 1000 {
		src.pickers = append(src.pickers, fmt.Sprintf("bench-p%04d", i))
	}
	due := 4 * time.Hour // nothing turns at risk within the run
	if late {
		due = -time.Hour
	}
	next := 0
	pick := func() {
		i := next
		next++
		id, task := fmt.Sprintf("BENCH-r1-%07d", i), fmt.Sprintf("T-%07d", i/4)
		released := clock.t.Add(-time.Duration(i%600) * time.Second)
		if i%4 == 0 {
			src.putTask(floor.Task{ID: task, Picker: src.pickers[(i/4)%len(src.pickers)], CreatedAt: released,
				PredictedPickedAt: released.Add(5 * time.Minute), Done: true})
		}
		src.putOrder(floor.Order{ID: id, Channel: "shop", State: floor.StatePicked, Picker: src.pickers[(i/4)%len(src.pickers)],
			TaskID: task, ReleasedAt: released, DueAt: released.Add(due), PredictedHandoffAt: released.Add(8 * time.Minute),
			Lines: []floor.OrderLine{{SKU: "SKU-1", Quantity: 1 + int64(i%2)}}})
	}
	oldest := 0
	handOff := func() {
		o := src.orders[fmt.Sprintf("BENCH-r1-%07d", oldest)]
		oldest++
		o.State, o.HandedOffAt = floor.StateHandedOff, clock.t
		src.putOrder(o)
	}
	for range open {
		pick()
	}
	h := NewHub(src, floor.DefaultFeedConfig, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	before, beforeScan := liveHeap()
	if err := h.Tick(); err != nil {
		b.Fatal(err)
	}
	built, builtScan := liveHeap()
	built, builtScan = built-before, builtScan-beforeScan

	for b.Loop() {
		b.StopTimer() // the floor's writes are not the hub's work
		clock.t = clock.t.Add(2 * time.Second)
		for range churn {
			handOff()
			pick()
		}
		b.StartTimer()
		if err := h.Tick(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	withHub, withHubScan := liveHeap()
	runtime.KeepAlive(h)
	h = nil // what the source holds grew with the run: the hub's share is what goes with it
	without, withoutScan := liveHeap()
	b.ReportMetric(float64(built)/float64(open), "built-B/order")
	b.ReportMetric(float64(builtScan)/float64(open), "built-scan-B/order")
	b.ReportMetric(float64(withHub-without)/float64(open), "live-B/order")
	b.ReportMetric(float64(withHubScan-withoutScan)/float64(open), "live-scan-B/order")
	runtime.KeepAlive(src) // the source stays out of both measurements
}

// liveHeap is the heap in use after a collection, and how much of it the
// collector scans.
func liveHeap() (live, scan int64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s := []metrics.Sample{{Name: "/gc/scan/heap:bytes"}}
	metrics.Read(s)
	return int64(m.HeapAlloc), int64(s[0].Value.Uint64())
}
