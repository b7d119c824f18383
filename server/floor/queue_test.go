package floor

import (
	"reflect"
	"testing"
)

func TestAllocate(t *testing.T) {
	stock := map[string][]StockLevel{
		"S1": {{Bin: "A-01-001-1", SKU: "S1", OnHand: 5}, {Bin: "A-02-001-1", SKU: "S1", OnHand: 10, Reserved: 2}},
		"S2": {{Bin: "A-03-001-1", SKU: "S2", OnHand: 3}},
	}
	tests := []struct {
		name   string
		lines  []OrderLine
		want   []Reservation
		wantOK bool
	}{
		{"smallest bin that covers the line", []OrderLine{{SKU: "S1", Quantity: 4}},
			[]Reservation{{Bin: "A-01-001-1", SKU: "S1", Quantity: 4}}, true},
		{"larger line goes to the larger bin", []OrderLine{{SKU: "S1", Quantity: 7}},
			[]Reservation{{Bin: "A-02-001-1", SKU: "S1", Quantity: 7}}, true},
		{"split when no bin covers it", []OrderLine{{SKU: "S1", Quantity: 12}},
			[]Reservation{{Bin: "A-02-001-1", SKU: "S1", Quantity: 8}, {Bin: "A-01-001-1", SKU: "S1", Quantity: 4}}, true},
		{"reserved units are not available", []OrderLine{{SKU: "S1", Quantity: 14}}, nil, false},
		{"unknown sku is short", []OrderLine{{SKU: "S9", Quantity: 1}}, nil, false},
		{"two lines", []OrderLine{{SKU: "S1", Quantity: 1}, {SKU: "S2", Quantity: 3}},
			[]Reservation{{Bin: "A-01-001-1", SKU: "S1", Quantity: 1}, {Bin: "A-03-001-1", SKU: "S2", Quantity: 3}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Allocator{Stock: stock}
			got, _, ok := a.Allocate(tt.lines)
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Allocate = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestAllocatorSharesStockAcrossOrders(t *testing.T) {
	a := &Allocator{Stock: map[string][]StockLevel{"S1": {{Bin: "A-01-001-1", SKU: "S1", OnHand: 5}}}}
	if _, _, ok := a.Allocate([]OrderLine{{SKU: "S1", Quantity: 4}}); !ok {
		t.Fatal("first order not allocated")
	}
	if res, short, ok := a.Allocate([]OrderLine{{SKU: "S1", Quantity: 2}}); ok || short.SKU != "S1" {
		t.Errorf("second order got %v; want short of S1 (1 left)", res)
	}
	if _, _, ok := a.Allocate([]OrderLine{{SKU: "S1", Quantity: 1}}); !ok {
		t.Error("the unit left after a failed allocation is gone")
	}
}
