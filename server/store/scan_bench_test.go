package store

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
)

// benchParallelism times GOMAXPROCS is how many goroutines scan at once:
// many handhelds waiting on one commit is what group commit is for.
const benchParallelism = 64

// BenchmarkGroupCommit compares, in one run, a picker's item scan through
// the store (its task, stock, scan record and learning, in a shared
// batch) with a bare bbolt batch write of a small record: the gap is the
// store's own work per scan. Both report p50 and p99 latency per scan
// besides the throughput in ns/op.
//
//	go test -run '^$' -bench GroupCommit ./server/store
func BenchmarkGroupCommit(b *testing.B) {
	b.Run("store-pickscan", func(b *testing.B) {
		s, err := Open(filepath.Join(b.TempDir(), "pickpack.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		benchmarkPickScan(b, s)
	})
	// Each group's writes recorded, rolled back and applied from the
	// write set to the file (a log of one node, without Raft): what
	// replication costs on the leader beyond the consensus round trip.
	b.Run("store-pickscan-recorded", func(b *testing.B) {
		r, err := OpenReplica(filepath.Join(b.TempDir(), "pickpack.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		s, err := OpenOn(r, Options{Replicator: &fakeLog{replicas: []*Replica{r}, keep: -1}})
		if err != nil {
			b.Fatal(err)
		}
		benchmarkPickScan(b, s)
	})
	b.Run("raw-batch", benchmarkRawBatch)
}

// benchmarkPickScan gives each goroutine a picker with an open task of one
// line of MaxLineQuantity units, so every scan is an accepted pick that
// moves stock, as most scans on a shift are.
func benchmarkPickScan(b *testing.B, s *Store) {
	defer s.Close()
	m, err := floor.ParseBinMap(demo.BinMapJSON(1))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.ImportBinMap(m, false); err != nil {
		b.Fatal(err)
	}
	skus, err := floor.ParseSKUs(demo.SKUsJSON(1), floor.ImportJSON)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.PutSKUs(skus, false); err != nil {
		b.Fatal(err)
	}
	workers := benchParallelism * runtime.GOMAXPROCS(0)
	type worker struct {
		picker, bin, barcode string
	}
	ws := make([]worker, workers)
	var adjs []StockAdjustment
	for i := range ws {
		sku := skus[i%len(skus)]
		ws[i] = worker{picker: fmt.Sprintf("bench-%d", i), bin: m.Bins[i].Code, barcode: sku.Barcodes[0].Code}
		adjs = append(adjs, StockAdjustment{Bin: ws[i].bin, SKU: sku.ID, Delta: floor.MaxLineQuantity})
	}
	if _, err := s.AdjustStock(adjs...); err != nil {
		b.Fatal(err)
	}
	for i, w := range ws {
		o := floor.Order{ID: fmt.Sprintf("B-%d", i), Channel: "shop",
			Lines:     []floor.OrderLine{{SKU: skus[i%len(skus)].ID, Quantity: floor.MaxLineQuantity}},
			Recipient: floor.Address{Name: "Bench", Lines: []string{"1 Main St"}, Country: "GB"}}
		if _, err := s.SubmitOrders([]floor.Order{o}, false); err != nil {
			b.Fatal(err)
		}
		// One order at a time, so that each picker's task is its own order.
		t, _, err := s.NextTask(w.picker)
		if err != nil || t == nil {
			b.Fatalf("task for %s: %v, %v", w.picker, t, err)
		}
		scanTotes(b, s, w.picker, t)
		if a, err := s.PickScan(w.picker, floor.Scan{ID: "bin", Code: w.bin}); err != nil || a.Verdict != floor.VerdictRight {
			b.Fatalf("bin scan of %s: %+v, %v", w.picker, a, err)
		}
	}
	var next atomic.Int64
	lat := newLatencies()
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := ws[next.Add(1)-1]
		var mine []time.Duration
		for n := 0; pb.Next(); n++ {
			start := time.Now()
			a, err := s.PickScan(w.picker, floor.Scan{ID: fmt.Sprint(n), Code: w.barcode})
			mine = append(mine, time.Since(start))
			if err != nil {
				b.Error(err)
				return
			}
			if a.Verdict != floor.VerdictRight && a.Verdict != floor.VerdictNothingOpen && a.Verdict != floor.VerdictTaskDone {
				b.Errorf("scan %d of %s: %v %s", n, w.picker, a.Verdict, a.Message)
				return
			}
		}
		lat.add(mine)
	})
	b.StopTimer()
	lat.report(b)
}

// benchmarkRawBatch is the same concurrency writing bare records.
func benchmarkRawBatch(b *testing.B) {
	bl, err := OpenBaseline(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer bl.Close()
	var next atomic.Int64
	lat := newLatencies()
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := int(next.Add(1))
		var mine []time.Duration
		for n := uint64(0); pb.Next(); n++ {
			start := time.Now()
			if err := bl.Write(w, n); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		lat.add(mine)
	})
	b.StopTimer()
	lat.report(b)
}

// latencies gathers the goroutines' per-scan latencies.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func newLatencies() *latencies { return &latencies{} }

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	if len(l.all) == 0 {
		return
	}
	slices.Sort(l.all)
	q := func(p float64) float64 {
		return float64(l.all[min(int(p*float64(len(l.all))), len(l.all)-1)].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
