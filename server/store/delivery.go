package store

import (
	"fmt"
	"slices"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// ExpectDelivery stores a new purchase order or advance notice to receive
// against. Its lines start with nothing received; an id already used is a
// conflict.
func (s *Store) ExpectDelivery(d floor.Delivery) (floor.Delivery, error) {
	const op = "expect delivery"
	err := s.update(op, func(tx *txn) error {
		skus := tx.Bucket(bucketSKUs)
		if err := d.Validate(func(id string) bool { return skus.Get([]byte(id)) != nil }); err != nil {
			return err
		}
		if tx.Bucket(bucketDeliveries).Get([]byte(d.ID)) != nil {
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "DELIVERY_EXISTS",
				Msg: fmt.Sprintf("delivery %s exists: use another id", d.ID)}
		}
		for i := range d.Lines {
			d.Lines[i].Received, d.Lines[i].Damaged = 0, 0
		}
		d.Created, d.Closed = s.now(), time.Time{}
		return put(tx.Bucket(bucketDeliveries), d.ID, d)
	})
	return d, err
}

func deliveryByID(tx *txn, op, id string) (floor.Delivery, error) {
	d, ok, err := get[floor.Delivery](tx.Bucket(bucketDeliveries), id)
	if err == nil && !ok {
		err = &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_DELIVERY",
			Msg: fmt.Sprintf("no delivery %q: check the purchase order or notice number", id)}
	}
	return d, err
}

// Delivery returns the delivery with id.
func (s *Store) Delivery(id string) (floor.Delivery, error) {
	var d floor.Delivery
	err := s.view("get delivery", func(tx *txn) (err error) {
		d, err = deliveryByID(tx, "get delivery", id)
		return err
	})
	return d, err
}

// Receive counts the scanned item in at the dock against a delivery:
// sc.Quantity good units (1 if zero) and damaged units set aside. The good
// units wait at the dock for put-away.
func (s *Store) Receive(user, deliveryID string, sc floor.Scan, damaged int64) (floor.Answer, floor.DeliveryLine, error) {
	const op = "receive"
	var line floor.DeliveryLine
	ans, err := s.inventoryScan(op, "receive", user, sc, func(tx *txn) (floor.Answer, error) {
		d, err := deliveryByID(tx, op, deliveryID)
		if err != nil {
			return floor.Answer{}, err
		}
		sku, ok := skuOf(tx, sc.Code)
		if !ok {
			return unknownItem(sc.Code), nil
		}
		good := sc.Quantity
		if good == 0 && damaged == 0 {
			good = 1
		}
		out := d.Receive(sku, good, damaged)
		line = out.Line
		ans := floor.Answer{Verdict: out.Verdict, Reason: out.Reason, Message: out.Message}
		if out.Verdict != floor.VerdictRight && out.Verdict != floor.VerdictDiscrepancy {
			return ans, nil
		}
		mv := floor.Movement{At: sc.At, User: user, Kind: floor.MoveReceive, Ref: d.ID}
		if good > 0 {
			if err := changeDock(tx, sku, good, mv); err != nil {
				return floor.Answer{}, err
			}
		}
		if damaged > 0 {
			mv.Kind, mv.Bin, mv.SKU, mv.Units, mv.Note = floor.MoveDamaged, floor.DockBin, sku, damaged, "set aside"
			if err := recordMovement(tx, mv); err != nil {
				return floor.Answer{}, err
			}
		}
		return ans, put(tx.Bucket(bucketDeliveries), d.ID, d)
	})
	if err == nil && ans.Replayed { // the line as it stands now, as for a first answer
		err = s.view(op, func(tx *txn) error {
			d, err := deliveryByID(tx, op, deliveryID)
			sku, _ := skuOf(tx, sc.Code)
			if i := slices.IndexFunc(d.Lines, func(l floor.DeliveryLine) bool { return l.SKU == sku }); i >= 0 {
				line = d.Lines[i]
			}
			return err
		})
	}
	return ans, line, err
}

// CloseDelivery ends receiving: what was not received is no longer on
// order. It returns the delivery and its lines that differ from what was
// expected (under, over or damaged).
func (s *Store) CloseDelivery(id string) (floor.Delivery, []floor.DeliveryLine, error) {
	const op = "close delivery"
	var d floor.Delivery
	err := s.update(op, func(tx *txn) (err error) {
		if d, err = deliveryByID(tx, op, id); err != nil {
			return err
		}
		if !d.Open() {
			return nil // closing twice is no change
		}
		d.Closed = s.now()
		return put(tx.Bucket(bucketDeliveries), d.ID, d)
	})
	var off []floor.DeliveryLine
	for _, l := range d.Lines {
		if l.Discrepancy() != 0 || l.Damaged > 0 {
			off = append(off, l)
		}
	}
	return d, off, err
}
