package route

import (
	"fmt"
	"math/rand/v2"

	"github.com/pickpack/pickpack/server/floor"
)

// Generate returns a synthetic, valid bin map for tests and benchmarks:
// aisles 3 m apart, crossAisles cross aisles with blocks 10 to 20 m long
// (whole metres, drawn from seed), binsPerAisle bins per aisle evenly spread
// over the aisle's length, each with its own pick face, and the depot on the
// front cross aisle half way across (between two aisles when their count is
// even, as pack stations often are). Codes follow floor.DefaultCodeScheme,
// so aisles <= 99 and binsPerAisle <= 999.
func Generate(seed uint64, aisles, crossAisles, binsPerAisle int) *floor.BinMap {
	rng := rand.New(rand.NewPCG(seed, 0x1a1e))
	m := &floor.BinMap{Warehouse: "GEN", CodeScheme: floor.DefaultCodeScheme, CrossAisles: []float64{0}}
	for c := 1; c < crossAisles; c++ {
		m.CrossAisles = append(m.CrossAisles, m.CrossAisles[c-1]+float64(10+rng.IntN(11)))
	}
	length := m.CrossAisles[crossAisles-1]
	for a := range aisles {
		id := fmt.Sprintf("%02d", a+1)
		m.Aisles = append(m.Aisles, floor.Aisle{ID: id, X: 3 * float64(a)})
		for b := range binsPerAisle {
			y := length * (float64(b) + 0.5) / float64(binsPerAisle)
			m.Bins = append(m.Bins, floor.Bin{Code: fmt.Sprintf("A-%s-%03d-1", id, b+1), Aisle: id, Y: y})
		}
	}
	m.Depot = floor.Point{X: 1.5 * float64(aisles-1), Y: 0}
	return m
}
