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
}

// loadDemo fills an empty data file with the demo warehouse through the
// same parsers an admin's import uses, prints a token per role, and keeps a
// trickle of new orders coming every `every` until ctx ends.
func loadDemo(ctx context.Context, st *store.Store, log *slog.Logger, stdout io.Writer, every time.Duration) error {
	var skuIDs []string
	if _, err := st.BinMap(); floor.KindOf(err) == floor.KindNotFound {
		m, err := floor.ParseBinMap(demo.BinMapJSON(demoSeed))
		if err != nil {
			return fmt.Errorf("demo bin map: %w", err)
		}
		if _, err := st.ImportBinMap(m, false); err != nil {
			return err
		}
		skus, err := floor.ParseSKUs(demo.SKUsJSON(demoSeed), floor.ImportJSON)
		if err != nil {
			return fmt.Errorf("demo SKUs: %w", err)
		}
		if err := st.PutSKUs(skus, false); err != nil {
			return err
		}
		var bins []string
		for _, b := range m.Bins {
			bins = append(bins, b.Code)
		}
		for _, s := range skus {
			skuIDs = append(skuIDs, s.ID)
		}
		var adjs []store.StockAdjustment
		for _, l := range demo.Stock(demoSeed, bins, skuIDs) {
			adjs = append(adjs, store.StockAdjustment{Bin: l.Bin, SKU: l.SKU, Delta: l.OnHand, Reason: "demo"})
		}
		if _, err := st.AdjustStock(adjs...); err != nil {
			return err
		}
		sh, err := floor.ParseShipping(demo.ShippingJSON())
		if err != nil {
			return fmt.Errorf("demo shipping: %w", err)
		}
		if err := st.SetShipping(sh); err != nil {
			return err
		}
		log.Info("demo warehouse loaded", "bins", len(bins), "skus", len(skus), "carriers", len(sh.Carriers))
	} else if err != nil {
		return err
	} else {
		skus, err := floor.ParseSKUs(demo.SKUsJSON(demoSeed), floor.ImportJSON)
		if err != nil {
			return err
		}
		for _, s := range skus {
			skuIDs = append(skuIDs, s.ID)
		}
	}

	orders := demo.NewOrders(demoSeed, skuIDs)
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

	if every > 0 {
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if err := next(); err != nil {
						log.Warn("demo order", "err", err)
					}
				}
			}
		}()
	}
	return nil
}
