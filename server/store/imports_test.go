package store

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
)

// TestSubmittedAgainRebuildsLetGoOrders: a large import lets go of the
// orders as submitted; when what it was checked against changes before its
// write, it is checked again from its own records, which must give back
// the orders as submitted.
func TestSubmittedAgainRebuildsLetGoOrders(t *testing.T) {
	s, skus := demoStore(t, filepath.Join(t.TempDir(), "pickpack.db"))
	defer s.Close()
	orders, err := floor.ParseOrders(orderCSV(5, skus), floor.ImportCSV)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitOrders(orders[1:2], false); err != nil { // O-2 is known
		t.Fatal(err)
	}
	orders = append(orders, orders[0]) // and O-1 comes twice
	var imp *orderImport
	err = viewDB(s.db, func(tx *txn) error {
		imp, err = s.checkOrders(context.Background(), tx, "test", orders, true)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	imp.orders = nil
	got, err := imp.submittedAgain()
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range got {
		want := orders[i]
		if o.ID != want.ID || o.Channel != want.Channel || !reflect.DeepEqual(o.Lines, want.Lines) || !reflect.DeepEqual(o.Recipient, want.Recipient) {
			t.Errorf("order %d: got %+v, want %+v", i, o, want)
		}
	}
}

// TestWithProblemDropsTheCarrier: an order whose carrier cannot issue a
// number is stored without the carrier, with the reason.
func TestWithProblemDropsTheCarrier(t *testing.T) {
	o := floor.Order{ID: "O-1", Channel: "shop", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}},
		Recipient: floor.Address{Name: "Ann", Country: "DE"}, State: floor.StateQueued, ReleasedAt: t0,
		Carrier: "China Post", Service: "registered"}
	raw, err := encodeOrder(o)
	if err != nil {
		t.Fatal(err)
	}
	head := slices.Grow(raw[:len(raw)-1], trackingRoom)
	got, err := withProblem(head, "serials used up")
	if err != nil {
		t.Fatal(err)
	}
	o.Carrier, o.Service, o.ShippingProblem = "", "", "serials used up"
	want, err := encodeOrder(o)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestHeadsAreTheRecords: a head from headEncoder, closed with or without
// a tracking number, is the record encodeOrder writes for the order with
// it, byte for byte, whatever the order's text and customs.
func TestHeadsAreTheRecords(t *testing.T) {
	base := floor.Order{ID: "O-1", Channel: "shop", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}, {SKU: "S2", Quantity: 1}},
		Recipient: floor.Address{Name: "Ann", Lines: []string{"1 Main St"}, Country: "DE"}, State: floor.StateQueued,
		ReleasedAt: t0, DueAt: t0, UpdatedAt: t0, Carrier: "China Post", Service: "registered"}
	escaped := base
	escaped.ID, escaped.Recipient.Name = "O-<2>", "Zoë & \"Bo\" <b>\u2028"
	customs := base
	customs.Customs = floor.OrderCustoms{Category: "gift", InvoiceNumber: "INV-1"}
	var h headEncoder
	for _, o := range []floor.Order{base, escaped, customs} {
		for _, tracking := range []string{"", "RR000000028CN"} {
			head, err := h.head(o)
			if err != nil {
				t.Fatal(err)
			}
			if cap(head)-len(head) < trackingRoom {
				t.Errorf("%s: %d bytes to spare, want %d", o.ID, cap(head)-len(head), trackingRoom)
			}
			got := closeRecord(head, tracking)
			o.Tracking = tracking
			want, err := encodeOrder(o)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("got  %q\nwant %q", got, want)
			}
			if g, err := decodeOrder(got); err != nil || !reflect.DeepEqual(g, o) {
				t.Errorf("decoded %+v, %v\nwant %+v", g, err, o)
			}
		}
	}
}
