package store

import (
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

const keyShipping = "shipping"

// SetShipping stores the carrier set-up used for orders released from now
// on (valid, as from floor.ParseShipping).
func (s *Store) SetShipping(sh *floor.Shipping) error {
	return s.update("import shipping", func(tx *bolt.Tx) error {
		return put(tx.Bucket(bucketConfig), keyShipping, sh)
	})
}

// Shipping returns the carrier set-up, or KindNotFound before one is set.
func (s *Store) Shipping() (*floor.Shipping, error) {
	var sh *floor.Shipping
	err := s.view("get shipping", func(tx *bolt.Tx) error {
		var err error
		sh, err = shipping(tx)
		if err == nil && sh == nil {
			return floor.E("get shipping", floor.KindNotFound, "no shipping set-up has been imported")
		}
		return err
	})
	return sh, err
}

func shipping(tx *bolt.Tx) (*floor.Shipping, error) {
	sh, ok, err := get[floor.Shipping](tx.Bucket(bucketConfig), keyShipping)
	if err != nil || !ok {
		return nil, err
	}
	return &sh, nil
}

// ship chooses the carrier of a newly released order and gives it the
// carrier's next tracking number, or records why no carrier can take it.
func (s *Store) ship(tx *bolt.Tx, sh *floor.Shipping, o *floor.Order) error {
	if sh == nil {
		o.ShippingProblem = "no shipping set-up: import carriers and rules"
		return nil
	}
	p := floor.Parcel{Country: o.Recipient.Country, Channel: o.Channel, WeightG: s.pack.PackagingG}
	for _, l := range o.Lines {
		sku, err := skuByID(tx, "ship", l.SKU)
		if err != nil {
			return err
		}
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
	choice, err := sh.Choose(p)
	if err != nil {
		o.ShippingProblem = err.Error()
		return nil
	}
	c, _ := sh.Carrier(choice.Carrier)
	serials, err := tx.Bucket(bucketSerials).CreateBucketIfNotExists([]byte(c.Name))
	if err != nil {
		return err
	}
	for {
		n, err := serials.NextSequence()
		if err != nil {
			return err
		}
		tracking, err := c.Tracking.Make(n)
		if err != nil {
			o.ShippingProblem = err.Error()
			return nil
		}
		waybills := tx.Bucket(bucketWaybills)
		if waybills.Get([]byte(tracking)) != nil {
			continue // issued before under another set-up: never reuse
		}
		o.Carrier, o.Service, o.Tracking = c.Name, choice.Service, tracking
		return waybills.Put([]byte(tracking), []byte(o.ID))
	}
}
