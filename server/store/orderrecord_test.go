package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

func TestOrderRecordRoundTrip(t *testing.T) {
	whole := floor.Order{ID: "O1", Channel: "shop", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}, {SKU: "S2", Quantity: 1}},
		Recipient: floor.Address{Name: "Zhang Wei", Phone: "+86 10 1234", Lines: []string{"1 Road", "Flat 2"}, City: "北京",
			Region: "BJ", PostalCode: "100000", Country: "CN"},
		State: floor.StateHandedOff, ReleasedAt: t0, DueAt: t0.Add(15 * 60e9), TaskID: "T000001", Picker: "ann",
		UpdatedAt: t0.Add(60e9), HandedOffAt: t0.Add(120e9), RaisedAt: t0.Add(40e9), AssignedAt: t0.Add(30e9), PredictedHandoffAt: t0.Add(110e9), Carrier: "post", Service: "registered",
		Tracking: "RR473124829CN", ShippingProblem: "none", ParcelWeightsG: []int64{530, 410},
		Boxes: []floor.Box{{Code: "RR473124829CN", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}}, HandedOffAt: t0.Add(90e9)},
			{Code: "RR473124832CN", Lines: []floor.OrderLine{{SKU: "S2", Quantity: 1}}, HandedOffAt: t0.Add(120e9)}},
		Customs: floor.OrderCustoms{Category: floor.CategoryGift, ImporterReference: "DE123456789", InvoiceNumber: "INV-1"}}
	if zero := zeroFields(whole); len(zero) > 0 {
		t.Errorf("the fixture leaves %v unset: set them, so that the round trip covers them", zero)
	}
	for _, o := range []floor.Order{whole, {ID: "O2"}} {
		raw, err := encodeOrder(o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeOrder(raw)
		if err != nil || !reflect.DeepEqual(got, o) {
			t.Errorf("round trip of %s:\n got %+v, %v\nwant %+v", raw, got, err, o)
		}
	}
	old, _ := encodeJSON(whole)
	if _, err := decodeOrder(old); !errors.Is(err, errOldOrder) {
		t.Errorf("a whole record of schema 7 read as short: %v", err)
	}
}

// A file of schema 7 keeps whole orders; opening it rewrites them short
// without changing any.
func TestMigrateSchema7Orders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	if _, err := s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}},
		Recipient: floor.Address{Name: "R", Lines: []string{"1 Road"}, City: "Town", Country: "DE"}}}, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.NextTask("ann"); err != nil {
		t.Fatal(err)
	}
	want, err := s.Order("O1")
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error { // the schema 7 layout
		if err := put(tx.Bucket(bucketOrders), want.ID, want); err != nil {
			return err
		}
		return asSchema(tx, 7)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2, _ := openTestStore(t, path)
	got, err := s2.Order("O1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("order after migration:\n got %+v, %v\nwant %+v", got, err, want)
	}
	if got.State != floor.StateAssigned || got.Picker != "ann" {
		t.Errorf("order after migration: %+v", got)
	}
}

// TestCloseRecordMatchesEncodeOrder: an import encodes its orders before it
// takes the writer and adds the tracking number there; the record must be
// the one encodeOrder writes for the order with the number, and the head
// must stay as it was for a write run again.
func TestCloseRecordMatchesEncodeOrder(t *testing.T) {
	base := floor.Order{ID: "O-1", Channel: "shop", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}},
		Recipient: floor.Address{Name: "Ann \"<Lee>\" & Co", Lines: []string{"1 Main St"}, City: "Köln", Country: "DE"},
		State:     floor.StateQueued, ReleasedAt: t0, UpdatedAt: t0, DueAt: t0.Add(time.Hour), Carrier: "Demo <Express>", Service: "express"}
	for _, tracking := range []string{"", "RR000000017CN", "88000000000123", `odd"one\`, strings.Repeat("9", 40)} {
		withNumber := base
		withNumber.Tracking = tracking
		raw, err := encodeOrder(base)
		if err != nil {
			t.Fatal(err)
		}
		want, err := encodeOrder(withNumber)
		if err != nil {
			t.Fatal(err)
		}
		head := slices.Grow(raw[:len(raw)-1], trackingRoom)
		before := bytes.Clone(head)
		for run := range 2 {
			if got := closeRecord(head, tracking); !bytes.Equal(got, want) {
				t.Errorf("run %d, closeRecord %q:\n got %s\nwant %s", run, tracking, got, want)
			}
		}
		if !bytes.Equal(head, before) {
			t.Errorf("closeRecord %q changed its head", tracking)
		}
	}
}
