// Package demo is a built-in demo warehouse so a newcomer sees a live floor
// at once: a bin map, a SKU catalogue, stock for every SKU and an endless
// stream of orders. Everything is generated from a seed; the same seed gives
// the same warehouse, byte for byte.
package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// The layout of the demo floor. Aisles are aisleCount walkways aisleSpacing
// metres apart; cross aisles at CrossAisles split them into blocks; within a
// block, bay pick faces lie every bayPitch metres, the first half a pitch in.
const (
	warehouse    = "DEMO"       // the demo warehouse's code
	aisleCount   = 20           // aisles "01".."20"
	aisleSpacing = 3.0          // metres between aisle centre lines
	firstAisleX  = 1.5          // x of aisle 01
	depotAisle   = 10           // the depot lies on the front cross aisle at this aisle's x
	bayPitch     = 2.5          // metres between bay pick faces along an aisle
	blockLength  = 25.0         // metres between cross aisles
	blockCount   = 2            // blocks of shelving, front to back
	codeScheme   = "A-99-999-9" // ZONE-AISLE-BAY-LEVEL, the floor package's default
)

// facesPerBlock is how many bay pick faces one aisle has in one block.
const facesPerBlock = int(blockLength / bayPitch)

// Stream ids that keep the random sequences of the generators independent.
const (
	streamBins uint64 = iota + 0x5eed0001
	streamSKUs
	streamStock
	streamOrders
	streamRank
	streamSupply
)

func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

func aisleX(n int) float64 { return firstAisleX + aisleSpacing*float64(n-1) }

// bayY is the y of a bay's pick face. Bays 2k+1 (left shelf) and 2k+2 (right
// shelf) face each other across the walkway, so bay numbers grow with y.
func bayY(bay int) float64 {
	face := (bay - 1) / 2
	block, k := face/facesPerBlock, face%facesPerBlock
	return blockLength*float64(block) + bayPitch/2 + bayPitch*float64(k)
}

func zone(aisle int) string {
	if aisle <= aisleCount/2 {
		return "A"
	}
	return "B"
}

type point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

type aisleJSON struct {
	ID string  `json:"id"`
	X  float64 `json:"x"`
}

type binJSON struct {
	Code  string  `json:"code"`
	Aisle string  `json:"aisle"`
	Y     float64 `json:"y"`
}

type binMapJSON struct {
	Warehouse   string      `json:"warehouse"`
	CodeScheme  string      `json:"code_scheme"`
	Depot       point       `json:"depot"`
	CrossAisles []float64   `json:"cross_aisles"`
	Aisles      []aisleJSON `json:"aisles"`
	Bins        []binJSON   `json:"bins"`
}

// BinMapJSON returns the demo bin map in the bin map interchange format
// (shared/binmap-format.md): warehouse DEMO, aisles 01..20 with cross aisles
// at the front, middle and back, the depot on the front cross aisle at aisle
// 10, and bins with codes ZONE-AISLE-BAY-LEVEL (zone A for aisles 01-10, B for
// 11-20) on both shelves of every aisle, two to four levels per bay. The seed
// only varies the number of levels per bay.
func BinMapJSON(seed uint64) []byte {
	r := newRand(seed, streamBins)
	m := binMapJSON{
		Warehouse:  warehouse,
		CodeScheme: codeScheme,
		Depot:      point{X: aisleX(depotAisle), Y: 0},
	}
	for b := 0; b <= blockCount; b++ {
		m.CrossAisles = append(m.CrossAisles, blockLength*float64(b))
	}
	for a := 1; a <= aisleCount; a++ {
		id := fmt.Sprintf("%02d", a)
		m.Aisles = append(m.Aisles, aisleJSON{ID: id, X: aisleX(a)})
		for bay := 1; bay <= 2*facesPerBlock*blockCount; bay++ {
			levels := 3
			switch r.IntN(6) {
			case 0:
				levels = 2
			case 1, 2:
				levels = 4
			}
			for l := 1; l <= levels; l++ {
				code := fmt.Sprintf("%s-%s-%03d-%d", zone(a), id, bay, l)
				m.Bins = append(m.Bins, binJSON{Code: code, Aisle: id, Y: bayY(bay)})
			}
		}
	}
	return mustJSON(m)
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic("demo: " + err.Error()) // only plain structs are marshalled
	}
	return append(b, '\n')
}
