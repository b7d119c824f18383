package store

import (
	"fmt"
	"slices"

	"github.com/pickpack/pickpack/server/floor"
)

const keyShipping = "shipping"

// SetShipping stores the carrier set-up used for orders released from now
// on (valid, as from floor.ParseShipping).
func (s *Store) SetShipping(sh *floor.Shipping) error {
	return s.update("import shipping", func(tx *txn) error {
		return put(tx.Bucket(bucketConfig), keyShipping, sh)
	})
}

// Shipping returns the carrier set-up, or KindNotFound before one is set.
func (s *Store) Shipping() (*floor.Shipping, error) {
	var sh *floor.Shipping
	err := s.view("get shipping", func(tx *txn) error {
		var err error
		sh, err = shipping(tx)
		if err == nil && sh == nil {
			return floor.E("get shipping", floor.KindNotFound, "no shipping set-up has been imported")
		}
		return err
	})
	return sh, err
}

func shipping(tx *txn) (*floor.Shipping, error) {
	raw := tx.Bucket(bucketConfig).Get([]byte(keyShipping))
	if raw == nil {
		return nil, nil
	}
	return decodeShipping(raw)
}

// decodeShipping reads a stored set-up. The record is the set-up's file
// form (sender, price and rate texts), so set-ups stored by older builds
// read the same way; the fields made from the text are made again here.
func decodeShipping(raw []byte) (*floor.Shipping, error) {
	sh, err := decodeJSON[floor.Shipping](raw)
	if err != nil {
		return nil, fmt.Errorf("decode shipping: %w", err)
	}
	sh.Derive()
	return &sh, nil
}

// parcelOf is the parcel an order makes, from the SKUs it names (skus holds
// each of them, decoded).
func (s *Store) parcelOf(o floor.Order, skus map[string]floor.SKU) floor.Parcel {
	p := floor.Parcel{Country: o.Recipient.Country, Channel: o.Channel, WeightG: s.pack.PackagingG}
	for _, l := range o.Lines {
		sku := skus[l.SKU]
		if sku.WeightG == 0 {
			p.NoWeight = append(p.NoWeight, sku.ID)
		}
		p.WeightG += sku.WeightG * l.Quantity
		p.ValueMinor += sku.Customs.DeclaredValue.Minor * l.Quantity
		for _, g := range sku.Goods {
			if !slices.Contains(p.Goods, g) {
				p.Goods = append(p.Goods, g)
			}
		}
	}
	return p
}

// carrierFor chooses the carrier of a parcel under sh, or says why none
// can take it. It reads nothing stored, so an import chooses outside the
// write transaction.
func carrierFor(sh *floor.Shipping, p floor.Parcel) (floor.Choice, string) {
	if sh == nil {
		return floor.Choice{}, "no shipping set-up: import carriers and rules"
	}
	choice, err := sh.Choose(p)
	if err != nil {
		return floor.Choice{}, err.Error()
	}
	return choice, ""
}

// issueTracking issues the carrier's next tracking number, or says
// why it cannot. issued holds the numbers this transaction gave out and has
// not written to the waybill index yet (an import writes the index at its
// end, in key order): they count as taken.
// A domestic parcel is numbered by the carrier's domestic scheme when it
// has one.
func issueTracking(tx *txn, sh *floor.Shipping, carrier string, domestic bool, issued map[string]bool) (tracking, problem string, err error) {
	c, _ := sh.Carrier(carrier)
	scheme, counter := c.TrackingFor(domestic)
	serials, err := tx.Bucket(bucketSerials).CreateBucketIfNotExists([]byte(counter))
	if err != nil {
		return "", "", err
	}
	waybills := tx.Bucket(bucketWaybills)
	for {
		n, err := serials.NextSequence()
		if err != nil {
			return "", "", err
		}
		tracking, err := scheme.Make(n)
		if err != nil {
			return "", err.Error(), nil
		}
		if issued[tracking] || waybills.Get([]byte(tracking)) != nil {
			continue // issued before under another set-up: never reuse
		}
		issued[tracking] = true
		return tracking, "", nil
	}
}
