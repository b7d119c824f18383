package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

const (
	demoSeed          = 1
	demoInitialOrders = 40
)

// demoUsers get one token each per start, printed for the newcomer.
var demoUsers = []struct {
	name string
	role floor.Role
}{
	{"demo-picker", floor.RolePicker},
	{"demo-packer", floor.RolePacker},
	{"demo-supervisor", floor.RoleSupervisor},
	{"demo-admin", floor.RoleAdmin},
	{"demo-receiver", floor.RoleReceiver},
	{"demo-counter", floor.RoleCounter},
}

// loadDemo fills an empty data file with the demo warehouse through the
// same parsers an admin's import uses, prints a token per role, and keeps a
// trickle of new orders coming every orderEvery until ctx ends.
func loadDemo(ctx context.Context, st *store.Store, log *slog.Logger, stdout io.Writer, orderEvery time.Duration) error {
	w, err := demo.Load(demoSeed)
	if err != nil {
		return err
	}
	if _, err := st.BinMap(); floor.KindOf(err) == floor.KindNotFound {
		if err := seedDemo(st, w); err != nil {
			return err
		}
		log.Info("demo warehouse loaded", "bins", len(w.Map.Bins), "skus", len(w.SKUs), "carriers", len(w.Shipping.Carriers))
	} else if err != nil {
		return err
	}
	if err := seedDemoInventory(st, w); err != nil {
		return err
	}

	orders := demo.NewOrders(demoSeed, w.SKUIDs())
	// A restarted demo continues after the orders it already has.
	next := func() error {
		for {
			res, err := st.SubmitOrders([]floor.Order{orders.Next()}, false)
			if err != nil || res[0].Created {
				return err
			}
		}
	}
	queued, _, err := st.ListOrders([]floor.OrderState{floor.StateQueued}, "", demoInitialOrders)
	if err != nil {
		return err
	}
	for range demoInitialOrders - len(queued) {
		if err := next(); err != nil {
			return err
		}
	}

	fmt.Fprintln(stdout, "demo tokens (send as \"authorization: Bearer TOKEN\"):")
	for _, u := range demoUsers {
		token, err := st.CreateToken(u.name, u.role)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  %-11s %-16s %s\n", u.role, u.name, token)
	}

	if orderEvery > 0 {
		go every(ctx, orderEvery, log, "demo order", next)
	}
	return nil
}

// seedDemo stores the demo warehouse in an empty data file.
func seedDemo(st *store.Store, w demo.Warehouse) error {
	if _, err := st.ImportBinMap(w.Map, false); err != nil {
		return err
	}
	if err := st.PutSKUs(w.SKUs, false); err != nil {
		return err
	}
	adjs := make([]store.StockAdjustment, len(w.Stock))
	for i, l := range w.Stock {
		adjs[i] = store.StockAdjustment{Bin: l.Bin, SKU: l.SKU, Delta: l.OnHand, Reason: "demo", User: "demo"}
	}
	if _, err := st.AdjustStock(adjs...); err != nil {
		return err
	}
	return st.SetShipping(w.Shipping)
}

// seedDemoInventory gives the demo its suppliers, refill slots and a
// purchase order at the dock, unless the purchase order is there already:
// a demo file from a build without inventory gets them on its next start.
func seedDemoInventory(st *store.Store, w demo.Warehouse) error {
	inv := demo.NewInventory(demoSeed, w)
	if _, err := st.Delivery(inv.Delivery.ID); floor.KindOf(err) != floor.KindNotFound {
		return err
	}
	if err := st.SetSupply(inv.Supply, false); err != nil {
		return err
	}
	if err := st.SetSlots(inv.Slots, false); err != nil {
		return err
	}
	_, err := st.ExpectDelivery(inv.Delivery)
	return err
}
