//go:build unix

package store

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/route"
)

// BenchmarkNextTaskStartOfShift is the start of a shift: 1,000 pickers
// ask for their first task at the same moment, on the demo warehouse with
// the load tool's backlog (8,100 small orders) and the route planner the
// server uses. Each iteration is one whole start on a fresh copy of the
// same file; it reports how long the last picker waited (ms/shift), the
// p50 and p99 of one NextTask call, and the CPU the process spent per
// task (user and system, so it holds on a busy machine better than the
// wall clock does).
//
//	go test -run '^$' -bench NextTaskStartOfShift -benchtime 3x ./server/store
func BenchmarkNextTaskStartOfShift(b *testing.B) {
	const pickers, orders = 1000, 8100
	src := filepath.Join(b.TempDir(), "shift.db")
	prepareShift(b, src, orders)
	var lat []time.Duration
	var cpu time.Duration
	var wall time.Duration
	tasks := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "pickpack.db")
		copyFile(b, src, path)
		s, err := Open(path, Options{Clock: &fixedClock{t: t0}, Planner: route.NewPlanner(route.PlannerConfig{})})
		if err != nil {
			b.Fatal(err)
		}
		times := make([]time.Duration, pickers)
		got := make([]bool, pickers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for p := range pickers {
			wg.Go(func() {
				<-start
				t0 := time.Now()
				task, _, err := s.NextTask(fmt.Sprintf("picker-%d", p))
				times[p] = time.Since(t0)
				if err != nil {
					b.Error(err)
				}
				got[p] = task != nil
			})
		}
		b.StartTimer()
		before := cpuTime()
		began := time.Now()
		close(start)
		wg.Wait()
		wall += time.Since(began)
		cpu += cpuTime() - before
		b.StopTimer()
		for _, ok := range got {
			if ok {
				tasks++
			}
		}
		lat = append(lat, times...)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if tasks != pickers*b.N {
		b.Fatalf("%d tasks for %d pickers in %d shifts", tasks, pickers, b.N)
	}
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "ms/shift")
	b.ReportMetric(q(0.50), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(tasks), "cpu_us/task")
}

// prepareShift writes the demo warehouse with orders small orders of one
// to three lines of one or two units, as the load tool submits, and stock
// enough for all of them, into a data file at path.
func prepareShift(b *testing.B, path string, orders int) {
	b.Helper()
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	w, err := demo.Load(1)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.ImportBinMap(w.Map, false); err != nil {
		b.Fatal(err)
	}
	if err := s.PutSKUs(w.SKUs, false); err != nil {
		b.Fatal(err)
	}
	var adjs []StockAdjustment
	for _, l := range w.Stock {
		adjs = append(adjs, StockAdjustment{Bin: l.Bin, SKU: l.SKU, Delta: l.OnHand + 100})
	}
	if _, err := s.AdjustStock(adjs...); err != nil {
		b.Fatal(err)
	}
	skus := w.SKUIDs()
	rng := rand.New(rand.NewPCG(1, 2))
	batch := make([]floor.Order, 0, 500)
	for i := range orders {
		o := floor.Order{ID: fmt.Sprintf("BENCH-%d", i+1), Channel: "shop",
			Recipient: floor.Address{Name: "Load Test", Lines: []string{"1 Bench Street"}, City: "London", Country: "GB"}}
		lines := 1
		if n := rng.IntN(10); n >= 9 {
			lines = 3
		} else if n >= 6 {
			lines = 2
		}
		used := map[string]bool{}
		for range lines {
			sku := skus[rng.IntN(len(skus))]
			if !used[sku] {
				used[sku] = true
				o.Lines = append(o.Lines, floor.OrderLine{SKU: sku, Quantity: int64(1 + rng.IntN(2))})
			}
		}
		if batch = append(batch, o); len(batch) == cap(batch) || i == orders-1 {
			if _, err := s.SubmitOrders(batch, false); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

func copyFile(b *testing.B, from, to string) {
	b.Helper()
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
