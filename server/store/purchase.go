package store

import (
	"context"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// SetSupply is SetSupplyContext with a context that never ends.
func (s *Store) SetSupply(supply []floor.Supply, dry bool) error {
	return s.SetSupplyContext(context.Background(), supply, dry)
}

// SetSupplyContext adds or replaces the supply data of SKUs, all or none.
// With dry, it only checks, in a read transaction.
func (s *Store) SetSupplyContext(ctx context.Context, supply []floor.Supply, dry bool) error {
	const op = "set supply"
	check := func(tx *txn) error {
		skus := tx.Bucket(bucketSKUs)
		var vs floor.Violations
		for i, sup := range supply {
			if err := checkpoint(ctx, op, i); err != nil {
				return err
			}
			sup.Validate(entryName(sup.At, "supply", i), func(id string) bool { return skus.Get([]byte(id)) != nil }, &vs)
		}
		return vs.Err(op)
	}
	write := func(tx *txn) error {
		kvs := make([]keyValue, len(supply))
		for i, sup := range supply {
			raw, err := encodeJSON(sup)
			if err != nil {
				return err
			}
			kvs[i] = keyValue{[]byte(sup.SKU), raw}
		}
		return putSorted(tx.Bucket(bucketSupply), kvs)
	}
	return s.importWith(ctx, op, dry, check, write)
}

// PurchaseSuggestions advises, for every SKU, what to buy now under pol
// (see floor.SuggestPurchase), as of the store's clock. Sales are the
// units shipped in the pol.SalesDays whole days (UTC) before today; on-hand stock counts bins
// and the dock; on order is what open deliveries still bring.
func (s *Store) PurchaseSuggestions(pol floor.PurchasePolicy) ([]floor.PurchaseSuggestion, time.Time, error) {
	now := s.now()
	var out []floor.PurchaseSuggestion
	err := s.view("purchase suggestions", func(tx *txn) error {
		pos := map[string]*floor.StockPosition{}
		at := func(sku string) *floor.StockPosition {
			if pos[sku] == nil {
				pos[sku] = &floor.StockPosition{SKU: sku}
			}
			return pos[sku]
		}
		err := tx.Bucket(bucketStock).ForEach(func(k, v []byte) error {
			bin, sku := splitStockKey(k)
			l, err := decodeLevel(bin, sku, v)
			at(sku).OnHand += l.OnHand
			at(sku).Reserved += l.Reserved
			return err
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketDock).ForEach(func(k, v []byte) error {
			n, err := counter(bucketDock, k, v)
			at(string(k)).OnHand += n
			return err
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketDeliveries).ForEach(func(_, v []byte) error {
			d, err := decodeJSON[floor.Delivery](v)
			for sku, n := range d.OnOrder() {
				at(sku).OnOrder += n
			}
			return err
		})
		if err != nil {
			return err
		}
		sold, err := unitsShipped(tx, pol.SalesDays, now)
		if err != nil {
			return err
		}
		for sku, n := range sold {
			at(sku).Sold = n
		}
		return tx.Bucket(bucketSKUs).ForEach(func(k, _ []byte) error {
			sku := string(k)
			sup, ok, err := get[floor.Supply](tx.Bucket(bucketSupply), sku)
			if err != nil {
				return err
			}
			out = append(out, floor.SuggestPurchase(*at(sku), sup, ok, pol, now))
			return nil
		})
	})
	return out, now, err
}
