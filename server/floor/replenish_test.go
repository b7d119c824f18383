package floor

import (
	"reflect"
	"strings"
	"testing"
)

func TestReplenishments(t *testing.T) {
	lv := func(bin, sku string, onHand, reserved int64) StockLevel {
		return StockLevel{Bin: bin, SKU: sku, OnHand: onHand, Reserved: reserved}
	}
	task := func(sku, from, to string, n int64) MoveTask { return MoveTask{SKU: sku, From: from, To: to, Units: n} }
	// P1 is the pick bin of A: below 5 available it is filled to 20.
	p1 := Slot{Bin: "P1", SKU: "A", Min: 5, Max: 20}
	tests := []struct {
		name   string
		slots  []Slot
		levels map[string][]StockLevel
		want   []MoveTask
	}{
		{"below min: from the reserve bin with most available", []Slot{p1}, map[string][]StockLevel{
			// need 20 - 3 = 17; R2 has 30 > R1's 10: all 17 from R2
			"A": {lv("R1", "A", 10, 0), lv("P1", "A", 3, 0), lv("R2", "A", 30, 0)},
		}, []MoveTask{task("A", "R2", "P1", 17)}},
		{"several reserve bins when one is not enough", []Slot{p1}, map[string][]StockLevel{
			// need 17: R1 10 (most), then R2 7 of its 8
			"A": {lv("P1", "A", 3, 0), lv("R2", "A", 8, 0), lv("R1", "A", 10, 0)},
		}, []MoveTask{task("A", "R1", "P1", 10), task("A", "R2", "P1", 7)}},
		{"equal reserve bins by code", []Slot{p1}, map[string][]StockLevel{
			// need 20 - 0 = 20: R1 and R2 both 12: R1 12, R2 8
			"A": {lv("R2", "A", 12, 0), lv("R1", "A", 12, 0), lv("P1", "A", 0, 0)},
		}, []MoveTask{task("A", "R1", "P1", 12), task("A", "R2", "P1", 8)}},
		{"not enough reserve: what there is", []Slot{p1}, map[string][]StockLevel{
			// need 17, only 4 anywhere
			"A": {lv("P1", "A", 3, 0), lv("R1", "A", 4, 0)},
		}, []MoveTask{task("A", "R1", "P1", 4)}},
		{"no reserve: nothing", []Slot{p1}, map[string][]StockLevel{
			"A": {lv("P1", "A", 0, 0)},
		}, nil},
		{"a pick bin with no stock record is empty", []Slot{p1}, map[string][]StockLevel{
			// need 20 - 0 = 20
			"A": {lv("R1", "A", 50, 0)},
		}, []MoveTask{task("A", "R1", "P1", 20)}},
		{"another pick bin of the SKU is not a source", []Slot{p1, {Bin: "P2", SKU: "A", Min: 5, Max: 60}}, map[string][]StockLevel{
			// P1 needs 17; P2 holds 50 (at or above its min: no task) but is a pick bin; R1 has 5
			"A": {lv("P1", "A", 3, 0), lv("P2", "A", 50, 0), lv("R1", "A", 5, 0)},
		}, []MoveTask{task("A", "R1", "P1", 5)}},
		{"the pick bin of another SKU is a source", []Slot{p1, {Bin: "P9", SKU: "B", Min: 1, Max: 5}}, map[string][]StockLevel{
			// P9 is B's pick bin, it also holds 30 of A: for A it is reserve storage
			"A": {lv("P1", "A", 3, 0), lv("P9", "A", 30, 0)},
			"B": {lv("P9", "B", 2, 0)},
		}, []MoveTask{task("A", "P9", "P1", 17)}},
		{"reserved units are not available", []Slot{p1}, map[string][]StockLevel{
			// need 17; available: R1 30 - 25 = 5, R2 12 - 0 = 12, R3 5 - 5 = 0: R2 12, R1 5
			"A": {lv("P1", "A", 3, 0), lv("R1", "A", 30, 25), lv("R2", "A", 12, 0), lv("R3", "A", 5, 5)},
		}, []MoveTask{task("A", "R2", "P1", 12), task("A", "R1", "P1", 5)}},
		{"reserved units in the pick bin count against its minimum", []Slot{p1}, map[string][]StockLevel{
			// available 8 - 4 = 4 < 5; fill the shelf: 20 - 8 on hand = 12
			"A": {lv("P1", "A", 8, 4), lv("R1", "A", 30, 0)},
		}, []MoveTask{task("A", "R1", "P1", 12)}},
		{"at the minimum: nothing", []Slot{p1}, map[string][]StockLevel{
			"A": {lv("P1", "A", 5, 0), lv("R1", "A", 30, 0)},
		}, nil},
		{"above the minimum: nothing", []Slot{p1}, map[string][]StockLevel{
			"A": {lv("P1", "A", 9, 3), lv("R1", "A", 30, 0)},
		}, nil},
		{"below min but the shelf is full of reserved units: nothing", []Slot{p1}, map[string][]StockLevel{
			// available 20 - 18 = 2 < 5, but 20 on hand = max: no room
			"A": {lv("P1", "A", 20, 18), lv("R1", "A", 30, 0)},
		}, nil},
		{"tasks by pick bin", []Slot{
			{Bin: "P3", SKU: "C", Min: 2, Max: 10},
			{Bin: "P1", SKU: "A", Min: 5, Max: 20},
			{Bin: "P2", SKU: "B", Min: 1, Max: 4},
		}, map[string][]StockLevel{
			// C: 10 - 0 = 10 from RC1 6 then RC2 4; A: 20 - 1 = 19 from RA 19; B: 4 - 0 = 4 from RB 4
			"C": {lv("RC2", "C", 5, 0), lv("RC1", "C", 6, 0)},
			"A": {lv("P1", "A", 1, 0), lv("RA", "A", 40, 0)},
			"B": {lv("P2", "B", 0, 0), lv("RB", "B", 9, 0)},
		}, []MoveTask{task("A", "RA", "P1", 19), task("B", "RB", "P2", 4), task("C", "RC1", "P3", 6), task("C", "RC2", "P3", 4)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Replenishments(tt.slots, tt.levels)
			reasons := make([]string, len(got))
			for i := range got {
				reasons[i], got[i].Reason = got[i].Reason, ""
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			for _, r := range reasons {
				if !strings.Contains(r, "below its minimum") {
					t.Errorf("reason %q does not say why", r)
				}
			}
		})
	}
}

func TestReplenishmentReason(t *testing.T) {
	got := Replenishments([]Slot{{Bin: "P1", SKU: "A", Min: 5, Max: 20}},
		map[string][]StockLevel{"A": {{Bin: "P1", SKU: "A", OnHand: 8, Reserved: 4}, {Bin: "R1", SKU: "A", OnHand: 30}}})
	if len(got) != 1 || got[0].Reason != "P1 has 4 available, below its minimum 5: fill to 20" {
		t.Errorf("got %+v, want one task saying P1 has 4 available, below its minimum 5: fill to 20", got)
	}
}

// TestReplenishmentsShareReserve: two pick bins of one SKU draw on the same
// reserve bin, and together they never take more than it holds.
func TestReplenishmentsShareReserve(t *testing.T) {
	slots := []Slot{{Bin: "P1", SKU: "A", Min: 5, Max: 20}, {Bin: "P2", SKU: "A", Min: 5, Max: 20}}
	levels := map[string][]StockLevel{"A": {{Bin: "P1", SKU: "A"}, {Bin: "P2", SKU: "A"}, {Bin: "R1", SKU: "A", OnHand: 10}}}
	var fromR1 int64
	for _, m := range Replenishments(slots, levels) {
		if m.From == "R1" {
			fromR1 += m.Units
		}
	}
	// P1 and P2 each need 20; R1 has 10 in all, and P1 (first) takes them.
	if fromR1 > 10 {
		t.Errorf("tasks take %d from R1, which holds 10", fromR1)
	}
	if got := Replenishments(slots, levels); len(got) != 1 || got[0] != (MoveTask{SKU: "A", From: "R1", To: "P1", Units: 10, Reason: got[0].Reason}) {
		t.Errorf("got %+v, want one task of all 10 from R1 to P1", got)
	}
}
