package demo

import (
	"fmt"

	"github.com/pickpack/pickpack/server/floor"
)

// Warehouse is the demo warehouse read through the same importers an
// admin's files go through.
type Warehouse struct {
	Map      *floor.BinMap
	SKUs     []floor.SKU
	Stock    []floor.StockLevel
	Shipping *floor.Shipping
}

// Load builds the demo warehouse of seed.
func Load(seed uint64) (Warehouse, error) {
	var w Warehouse
	var err error
	if w.Map, err = floor.ParseBinMap(BinMapJSON(seed)); err != nil {
		return w, fmt.Errorf("demo bin map: %w", err)
	}
	if w.SKUs, err = floor.ParseSKUs(SKUsJSON(seed), floor.ImportJSON); err != nil {
		return w, fmt.Errorf("demo SKUs: %w", err)
	}
	if w.Shipping, err = floor.ParseShipping(ShippingJSON()); err != nil {
		return w, fmt.Errorf("demo shipping: %w", err)
	}
	var bins []string
	for _, b := range w.Map.Bins {
		bins = append(bins, b.Code)
	}
	w.Stock = Stock(seed, bins, w.SKUIDs())
	return w, nil
}

// SKUIDs lists the warehouse's SKU ids in catalogue order.
func (w Warehouse) SKUIDs() []string {
	ids := make([]string, len(w.SKUs))
	for i, s := range w.SKUs {
		ids[i] = s.ID
	}
	return ids
}
