package route

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

var printTable = flag.Bool("table", false, "print the solver comparison table (TestPrintGapTable)")

// benchLayouts are the generated floors of the benchmarks and the table.
var benchLayouts = []struct {
	name                string
	aisles, crossAisles int
}{
	{"single-block 20 aisles", 20, 2},
	{"multi-block 30 aisles x 4 cross aisles", 30, 4},
}

var benchSizes = []int{5, 10, 15, 30, 60}

// benchOrders draws count orders of size distinct bins each, repeatably.
func benchOrders(m *floor.BinMap, size, count int, seed uint64) [][]floor.Point {
	rng := rand.New(rand.NewPCG(seed, uint64(size)))
	orders := make([][]floor.Point, count)
	for i := range orders {
		for _, b := range rng.Perm(len(m.Bins))[:size] {
			orders[i] = append(orders[i], m.PickFace(m.Bins[b]))
		}
	}
	return orders
}

func BenchmarkShortest(b *testing.B) {
	for _, bl := range benchLayouts {
		m := Generate(1, bl.aisles, bl.crossAisles, 40)
		l := mustLayout(b, m)
		for _, size := range benchSizes {
			orders := benchOrders(m, size, 64, 1)
			b.Run(fmt.Sprintf("%s/%d-stops", strings.Fields(bl.name)[0], size), func(b *testing.B) {
				i := 0
				for b.Loop() {
					l.Shortest(orders[i%len(orders)], Options{})
					i++
				}
			})
		}
	}
}

// TestPrintGapTable prints, for generated floors and order sizes, how far
// each method is from the optimum (proved where the solver proves it, else
// the best of long searches from several seeds) and how long Shortest takes.
// Run: go test ./server/route -run TestPrintGapTable -v -args -table
func TestPrintGapTable(t *testing.T) {
	if !*printTable && os.Getenv("PICKPACK_ROUTE_TABLE") != "1" {
		t.Skip("pass -args -table or set PICKPACK_ROUTE_TABLE=1")
	}
	const orders = 100
	var out strings.Builder
	out.WriteString("| floor | stops | reference | gap mean / max | time p50 / p99 | S-shape gap mean / max | largest gap: gap mean / max |\n")
	out.WriteString("| --- | ---: | --- | ---: | ---: | ---: | ---: |\n")
	for _, bl := range benchLayouts {
		m := Generate(1, bl.aisles, bl.crossAisles, 40)
		l := mustLayout(t, m)
		for _, size := range benchSizes {
			var gaps [3][]float64
			var times []time.Duration
			proved := true
			for _, stops := range benchOrders(m, size, orders, 2) {
				start := time.Now()
				r := l.Shortest(stops, Options{})
				times = append(times, time.Since(start))
				ref := r.Meters
				if !r.Optimal {
					proved = false
					for seed := range uint64(4) {
						long := l.Shortest(stops, Options{TimeCap: -1, Kicks: 20 * (kickBase + kickPer*len(stops)), Seed: 100 + seed})
						ref = min(ref, long.Meters)
					}
				}
				for k, v := range []float64{r.Meters, l.SShape(stops).Meters, l.LargestGap(stops).Meters} {
					gaps[k] = append(gaps[k], 100*(v/ref-1))
				}
			}
			refName := "optimum (proved)"
			if !proved {
				refName = "best known"
			}
			slices.Sort(times)
			fmt.Fprintf(&out, "| %s | %d | %s | %s | %v / %v | %s | %s |\n", bl.name, size, refName,
				meanMax(gaps[0]), times[len(times)/2].Round(time.Microsecond), times[len(times)*99/100].Round(time.Microsecond),
				meanMax(gaps[1]), meanMax(gaps[2]))
		}
	}
	t.Log("\n" + out.String())
}

func meanMax(xs []float64) string {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return fmt.Sprintf("%.2f%% / %.2f%%", sum/float64(len(xs)), slices.Max(xs))
}
