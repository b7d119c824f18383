package floor

import (
	"errors"
	"strings"
	"testing"
)

// putAwayMap has the depot at (0, 0), aisle A1 at x 0 and aisle A2 at x 10.
// Pick faces and their distance from the depot:
//
//	A1-01 (0, 2)   2
//	A1-02 (0, 10)  10
//	A2-01 (10, 2)  12
//	A2-02 (10, 10) 20
func putAwayMap() *BinMap {
	return &BinMap{
		Warehouse:   "W1",
		Depot:       Point{0, 0},
		CrossAisles: []float64{0, 20},
		Aisles:      []Aisle{{ID: "A1", X: 0}, {ID: "A2", X: 10}},
		Bins: []Bin{
			{Code: "A1-01", Aisle: "A1", Y: 2},
			{Code: "A1-02", Aisle: "A1", Y: 10},
			{Code: "A2-01", Aisle: "A2", Y: 2},
			{Code: "A2-02", Aisle: "A2", Y: 10},
		},
	}
}

func TestSuggestBin(t *testing.T) {
	taken := func(codes ...string) map[string]bool {
		m := map[string]bool{}
		for _, c := range codes {
			m[c] = true
		}
		return m
	}
	tests := []struct {
		name      string
		in        PutAwayInput
		want      string
		reasonHas string
	}{
		{"the pick bin wins over bins holding the SKU", PutAwayInput{SKU: "A", Slot: "A2-02",
			Holding: []StockLevel{{Bin: "A1-01", SKU: "A", OnHand: 50}}, Taken: taken("A1-01", "A2-02"), Fast: true},
			"A2-02", "pick bin"},
		{"the fullest bin holding the SKU", PutAwayInput{SKU: "A",
			Holding: []StockLevel{{Bin: "A1-01", OnHand: 5}, {Bin: "A2-01", OnHand: 9}, {Bin: "A1-02", OnHand: 7}}},
			"A2-01", "already holds 9"},
		{"the first of equally full bins", PutAwayInput{SKU: "A",
			Holding: []StockLevel{{Bin: "A1-02", OnHand: 9}, {Bin: "A2-01", OnHand: 9}}},
			"A1-02", "already holds 9"},
		{"a bin holding the SKU wins over a near free bin for a fast mover", PutAwayInput{SKU: "A", Fast: true,
			Holding: []StockLevel{{Bin: "A2-02", OnHand: 1}}, Taken: taken("A2-02")},
			"A2-02", "already holds 1"},
		{"fast mover, no fast movers yet: nearest the depot", PutAwayInput{SKU: "A", Fast: true},
			"A1-01", "nearest the fast movers"},
		{"fast mover: taken bins are skipped", PutAwayInput{SKU: "A", Fast: true, Taken: taken("A1-01")},
			// A1-02 at 10 < A2-01 at 12
			"A1-02", "nearest the fast movers"},
		{"fast mover: nearest the fast movers", PutAwayInput{SKU: "A", Fast: true,
			FastAt: []string{"A2-02"}, Taken: taken("A2-02")},
			// from (10, 10): A2-01 8, A1-02 10, A1-01 18
			"A2-01", "nearest the fast movers"},
		{"fast mover: unknown fast mover bins are ignored", PutAwayInput{SKU: "A", Fast: true,
			FastAt: []string{"ZZ-99", "A2-02"}, Taken: taken("A2-02")},
			// from (10, 10) only: A2-01 8
			"A2-01", "nearest the fast movers"},
		{"fast mover: equally near, the first bin of the map", PutAwayInput{SKU: "A", Fast: true,
			FastAt: []string{"A2-02", "A1-01"}, Taken: taken("A2-02", "A1-01")},
			// A1-02: min(10 to A2-02, 8 to A1-01) = 8; A2-01: min(8, 10) = 8
			"A1-02", "nearest the fast movers"},
		{"fast mover: unknown fast mover bins fall back to the depot", PutAwayInput{SKU: "A", Fast: true,
			FastAt: []string{"ZZ-99"}},
			"A1-01", "nearest the fast movers"},
		{"slow mover: farthest from the depot", PutAwayInput{SKU: "A"},
			"A2-02", "away from the depot"},
		{"slow mover: taken bins are skipped", PutAwayInput{SKU: "A", Taken: taken("A2-02")},
			// A2-01 at 12 > A1-02 at 10
			"A2-01", "away from the depot"},
		{"slow mover: fast movers do not matter", PutAwayInput{SKU: "A", FastAt: []string{"A1-01"}, Taken: taken("A1-01", "A2-02", "A2-01")},
			"A1-02", "away from the depot"},
		{"a bin taken as false is free", PutAwayInput{SKU: "A", Taken: map[string]bool{"A2-02": false}},
			"A2-02", "away from the depot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Map = putAwayMap()
			got, err := SuggestBin(in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Bin != tt.want || !strings.Contains(got.Reason, tt.reasonHas) {
				t.Errorf("got %+v, want bin %s with a reason containing %q", got, tt.want, tt.reasonHas)
			}
		})
	}
}

func TestSuggestBinNoFreeBin(t *testing.T) {
	all := map[string]bool{"A1-01": true, "A1-02": true, "A2-01": true, "A2-02": true}
	for _, fast := range []bool{false, true} {
		got, err := SuggestBin(PutAwayInput{Map: putAwayMap(), SKU: "PEN-1", Taken: all, Fast: fast})
		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != KindExhausted || fe.Reason != "NO_FREE_BIN" {
			t.Fatalf("fast %v: got %+v, %v; want a KindExhausted error with reason NO_FREE_BIN", fast, got, err)
		}
		if got != (PutAwaySuggestion{}) || !strings.Contains(err.Error(), "PEN-1") {
			t.Errorf("fast %v: got %+v, error %q; want no suggestion and an error naming the SKU", fast, got, err)
		}
	}
	// A map without bins has no free bin either.
	_, err := SuggestBin(PutAwayInput{Map: &BinMap{}, SKU: "A"})
	if KindOf(err) != KindExhausted {
		t.Errorf("empty map: got %v, want KindExhausted", err)
	}
}
