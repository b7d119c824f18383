package demo

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/pickpack/pickpack/server/floor"
)

// Inventory is the demo's purchasing and replenishment set-up.
type Inventory struct {
	Supply   []floor.Supply
	Slots    []floor.Slot
	Delivery floor.Delivery
}

// NewInventory sets up w for the inventory flows: every SKU bought from one
// of three suppliers (lead times 2 to 14 days, safety stock 10); a SKU
// held in several bins picks from the one nearest the depot, which is
// refilled from the others below 10 units; and a purchase order of the
// three most popular SKUs waits at the dock to be received.
func NewInventory(seed uint64, w Warehouse) Inventory {
	var inv Inventory
	r := newRand(seed, streamSupply)
	for i, id := range w.SKUIDs() {
		inv.Supply = append(inv.Supply, floor.Supply{SKU: id, Supplier: fmt.Sprintf("Supplier %c", 'A'+i%3),
			LeadTimeDays: 2 + r.IntN(13), SafetyStock: 10, MinOrder: 12})
	}
	bins := map[string][]floor.StockLevel{}
	for _, l := range w.Stock {
		bins[l.SKU] = append(bins[l.SKU], l)
	}
	for _, id := range w.SKUIDs() {
		held := bins[id]
		if len(held) < 2 {
			continue
		}
		pick := slices.MinFunc(held, func(a, b floor.StockLevel) int { return cmp.Compare(walk(a.Bin), walk(b.Bin)) })
		inv.Slots = append(inv.Slots, floor.Slot{Bin: pick.Bin, SKU: id, Min: 10, Max: max(pick.OnHand, 11)})
	}
	inv.Delivery = floor.Delivery{ID: "PO-DEMO-1", Kind: floor.DeliveryPurchaseOrder, Supplier: "Supplier A"}
	for _, id := range popularity(seed, w.SKUIDs())[:3] {
		inv.Delivery.Lines = append(inv.Delivery.Lines, floor.DeliveryLine{SKU: id, Expected: 48})
	}
	return inv
}
