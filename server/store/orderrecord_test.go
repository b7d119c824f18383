package store

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// fullOrder sets every field of an order, so that a round trip covers
// them all (TestOrderRecordRoundTrip checks that none is left unset).
func fullOrder() floor.Order {
	return floor.Order{ID: "O1", Channel: "shop", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}, {SKU: "S2", Quantity: 1}},
		Recipient: floor.Address{Name: "Zhang Wei", Phone: "+86 10 1234", Lines: []string{"1 Road", "Flat 2"}, City: "北京",
			Region: "BJ", PostalCode: "100000", Country: "CN"},
		State: floor.StateHandedOff, ReleasedAt: t0, DueAt: t0.Add(15 * 60e9), TaskID: "T000001", Picker: "ann",
		UpdatedAt: t0.Add(60e9), HandedOffAt: t0.Add(120e9), RaisedAt: t0.Add(40e9), AssignedAt: t0.Add(30e9), PredictedHandoffAt: t0.Add(110e9), Carrier: "post", Service: "registered",
		Tracking: "RR473124829CN", ShippingProblem: "none", ParcelWeightsG: []int64{530, 410},
		Boxes: []floor.Box{{Code: "RR473124829CN", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}}, HandedOffAt: t0.Add(90e9)},
			{Code: "RR473124832CN", Lines: []floor.OrderLine{{SKU: "S2", Quantity: 1}}, HandedOffAt: t0.Add(120e9)}},
		Customs: floor.OrderCustoms{Category: floor.CategoryGift, ImporterReference: "DE123456789", InvoiceNumber: "INV-1"}}
}

// shortOrderJSON is fullOrder as schema 14's encodeOrder wrote it (taken
// from that build's output).
const shortOrderJSON = `{"id":"O1","ch":"shop","l":[{"s":"S1","q":2},{"s":"S2","q":1}],"r":{"n":"Zhang Wei","ph":"+86 10 1234","l":["1 Road","Flat 2"],"c":"北京","rg":"BJ","pc":"100000","cc":"CN"},"s":5,"ra":1795510800000000000,"da":1795511700000000000,"t":"T000001","p":"ann","ua":1795510860000000000,"ha":1795510920000000000,"pr":1795510840000000000,"c":"post","sv":"registered","tr":"RR473124829CN","sp":"none","cu":{"c":"gift","i":"DE123456789","n":"INV-1"},"w":[530,410],"aa":1795510830000000000,"pa":1795510910000000000,"b":[{"c":"RR473124829CN","l":[{"s":"S1","q":2}],"h":1795510890000000000},{"c":"RR473124832CN","l":[{"s":"S2","q":1}],"h":1795510920000000000}]}`

func TestOrderRecordRoundTrip(t *testing.T) {
	whole := fullOrder()
	if zero := zeroFields(whole); len(zero) > 0 {
		t.Errorf("the fixture leaves %v unset: set them, so that the round trip covers them", zero)
	}
	far := whole // times far from the release, before 1970, and negative numbers
	far.ReleasedAt, far.DueAt, far.RaisedAt = time.Unix(0, math.MaxInt64).UTC(), time.Unix(0, math.MinInt64).UTC(), time.Unix(-1, 0).UTC()
	far.State, far.Lines = -1, []floor.OrderLine{{SKU: "", Quantity: math.MinInt64}}
	far.Tracking = strings.Repeat("9", 200) // longer than an import leaves room for
	noRelease := whole
	noRelease.ReleasedAt = time.Time{}
	for _, o := range []floor.Order{whole, far, noRelease, {ID: "O2"}, {}} {
		raw, err := encodeOrder(o)
		if err != nil {
			t.Fatal(err)
		}
		if raw[0] != orderFormat {
			t.Errorf("record of %s starts with %#x, want the format byte %#x", o.ID, raw[0], orderFormat)
		}
		got, err := decodeOrder(raw)
		if err != nil || !reflect.DeepEqual(got, o) {
			t.Errorf("round trip of %q:\n got %+v, %v\nwant %+v", raw, got, err, o)
		}
	}
	// A record of schemas 8-14 still reads (an archive file not opened yet).
	if got, err := decodeOrder([]byte(shortOrderJSON)); err != nil || !reflect.DeepEqual(got, whole) {
		t.Errorf("short JSON record:\n got %+v, %v\nwant %+v", got, err, whole)
	}
	old, _ := encodeJSON(whole)
	if _, err := decodeOrder(old); !errors.Is(err, errOldOrder) {
		t.Errorf("a whole record of schema 7 read as short: %v", err)
	}
}

// TestOrderRecordSize: the binary record of an order is less than half
// its short JSON record.
func TestOrderRecordSize(t *testing.T) {
	raw, err := encodeOrder(fullOrder())
	if err != nil {
		t.Fatal(err)
	}
	if got, limit := len(raw), len(shortOrderJSON)/2; got > limit {
		t.Errorf("record of %d bytes, want at most %d (half of its %d bytes of JSON)", got, limit, len(shortOrderJSON))
	}
}

// TestOrderRecordRefusesDamage: a record cut short, with bytes left over,
// with a padded varint, with an unknown time bit or with a time written
// as present and zero, does not decode.
func TestOrderRecordRefusesDamage(t *testing.T) {
	o := floor.Order{ID: "O1", State: floor.StateQueued, ReleasedAt: t0, DueAt: t0.Add(time.Hour)}
	raw, err := encodeOrder(o)
	if err != nil {
		t.Fatal(err)
	}
	// format, "O1", 3 empty strings, state, release mask and time
	timesAt := 1 + 3 + 3 + 1
	cases := []struct {
		name string
		raw  []byte
	}{
		{"format byte only", raw[:1]},
		{"cut", raw[:len(raw)-1]},
		{"byte left over", append(bytes.Clone(raw), 0)},
		{"padded state", slices.Concat(raw[:7], []byte{0x80 | raw[7], 0}, raw[8:])},
		{"unknown time bit", slices.Concat(raw[:timesAt], []byte{raw[timesAt] | 0x80}, raw[timesAt+1:])},
		{"zero time present", slices.Concat(raw[:timesAt], []byte{1, 0}, raw[timesAt+1+9:])},
		{"line count past the end", slices.Concat(raw[:len(raw)-1], []byte{0x7f})},
	}
	for _, c := range cases {
		if got, err := decodeOrder(c.raw); !errors.Is(err, errCorruptOrder) {
			t.Errorf("%s: %q decoded to %+v, %v; want %v", c.name, c.raw, got, err, errCorruptOrder)
		}
	}
	if _, err := decodeOrder(raw); err != nil {
		t.Errorf("the undamaged record: %v", err)
	}
}

func FuzzDecodeOrder(f *testing.F) {
	for _, o := range []floor.Order{fullOrder(), {ID: "O2", State: floor.StateQueued, ReleasedAt: t0}} {
		raw, _ := encodeOrder(o)
		f.Add(raw)
	}
	f.Add([]byte(shortOrderJSON))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := decodeOrder(raw)
		if err != nil {
			return
		}
		again, err := encodeOrder(o)
		if err != nil {
			t.Fatalf("decoded %q into %+v, which does not encode: %v", raw, o, err)
		}
		// A binary record is the one its order encodes to; a JSON one
		// converts to a binary record that is.
		if raw[0] == orderFormat && !bytes.Equal(again, raw) {
			t.Fatalf("%q decodes to %+v, which encodes to %q", raw, o, again)
		}
		// Compared by their records: a JSON order's empty lists come back
		// from binary as none, which is the same order.
		back, err := decodeOrder(again)
		if err != nil {
			t.Fatalf("%+v encodes to %q, which does not decode: %v", o, again, err)
		}
		if twice, _ := encodeOrder(back); !bytes.Equal(twice, again) {
			t.Fatalf("%+v encodes to %q, which decodes to %+v, which encodes to %q", o, again, back, twice)
		}
	})
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
	err = updateDB(s.db, func(tx *txn) error { // the schema 7 layout
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
				t.Errorf("run %d, closeRecord %q:\n got %q\nwant %q", run, tracking, got, want)
			}
		}
		if !bytes.Equal(head, before) {
			t.Errorf("closeRecord %q changed its head", tracking)
		}
	}
}

// shortOrderRecord is o as schemas 8-14 wrote it (their encodeOrder).
func shortOrderRecord(o floor.Order) ([]byte, error) {
	s := storedOrder{ID: o.ID, Channel: o.Channel, State: int(o.State), ReleasedAt: floor.UnixNano(o.ReleasedAt),
		DueAt: floor.UnixNano(o.DueAt), TaskID: o.TaskID, Picker: o.Picker, UpdatedAt: floor.UnixNano(o.UpdatedAt),
		HandedOffAt: floor.UnixNano(o.HandedOffAt), RaisedAt: floor.UnixNano(o.RaisedAt), Carrier: o.Carrier, Service: o.Service, Tracking: o.Tracking,
		ShippingProblem: o.ShippingProblem, AssignedAt: floor.UnixNano(o.AssignedAt), PredictedAt: floor.UnixNano(o.PredictedHandoffAt)}
	if c := o.Customs; c != (floor.OrderCustoms{}) {
		s.Customs = &storedCustoms{Category: c.Category, Importer: c.ImporterReference, Invoice: c.InvoiceNumber}
	}
	s.ParcelWeightsG = o.ParcelWeightsG
	for _, b := range o.Boxes {
		sb := storedBox{Code: b.Code, HandedOffAt: floor.UnixNano(b.HandedOffAt)}
		for _, l := range b.Lines {
			sb.Lines = append(sb.Lines, storedLine{SKU: l.SKU, Quantity: l.Quantity})
		}
		s.Boxes = append(s.Boxes, sb)
	}
	r := o.Recipient
	s.Recipient = storedAddress{Name: r.Name, Phone: r.Phone, Lines: r.Lines, City: r.City, Region: r.Region,
		PostalCode: r.PostalCode, Country: r.Country}
	for _, l := range o.Lines {
		s.Lines = append(s.Lines, storedLine{SKU: l.SKU, Quantity: l.Quantity})
	}
	return encodeJSON(s)
}

// shortPlanRecord is p as schemas 9-14 wrote it (their encodePlan).
func shortPlanRecord(p taskPlan) ([]byte, error) {
	t := p.Task
	s := storedPlan{Version: p.Version, ID: t.ID, Picker: t.Picker, CreatedAt: floor.UnixNano(t.CreatedAt),
		PredictedPickedAt: floor.UnixNano(t.PredictedPickedAt), Paper: t.Paper,
		Route: storedRoute{Strategy: int(t.Route.Strategy), Reason: t.Route.Reason, Meters: t.Route.Meters,
			ShortestMeters: t.Route.ShortestMeters, Optimal: t.Route.Optimal}}
	for _, o := range t.Orders {
		s.Orders = append(s.Orders, storedTaskOrder{OrderID: o.OrderID, Tote: o.Tote, DueAt: floor.UnixNano(o.DueAt),
			PredictedHandoffAt: floor.UnixNano(o.PredictedHandoffAt), AtRisk: o.AtRisk, ToteCode: o.ToteCode})
	}
	for _, st := range t.Stops {
		s.Stops = append(s.Stops, storedStop{Bin: st.Bin, SKU: st.SKU, Name: st.Name, Quantity: st.Quantity,
			OrderID: st.OrderID, Tote: st.Tote, ToteCode: st.ToteCode, Familiar: st.Familiar, CumulativeMeters: st.CumulativeMeters,
			PredictedElapsed: int64(st.PredictedElapsed)})
	}
	return encodeJSON(s)
}

// TestShortRecordsAreSchema14s: the test encoders of the JSON forms write
// what schema 14 wrote, so that the migration test starts from its files.
func TestShortRecordsAreSchema14s(t *testing.T) {
	if got, err := shortOrderRecord(fullOrder()); err != nil || string(got) != shortOrderJSON {
		t.Errorf("order:\n got %s, %v\nwant %s", got, err, shortOrderJSON)
	}
	if got, err := shortPlanRecord(fullPlan()); err != nil || string(got) != shortPlanJSON {
		t.Errorf("plan:\n got %s, %v\nwant %s", got, err, shortPlanJSON)
	}
}

// A file of schema 14 keeps orders and task plans as short JSON; opening
// it rewrites them in binary without changing any order or task, and
// stamps schema 15.
func TestMigrateSchema14Records(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	submitted := []floor.Order{
		{ID: "O1", Channel: "shop", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}, {SKU: "S2", Quantity: 1}},
			Recipient: floor.Address{Name: "Zhang Wei", Phone: "+86 10 1234", Lines: []string{"1 Road", "Flat 2"}, City: "北京",
				Region: "BJ", PostalCode: "100000", Country: "CN"},
			Customs: floor.OrderCustoms{Category: floor.CategoryGift, ImporterReference: "DE123456789", InvoiceNumber: "INV-1"}},
		{ID: "O2", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}, Recipient: floor.Address{Name: "R", Lines: []string{"1 Road"}, City: "Town", Country: "DE"}},
		{ID: "O3", Lines: []floor.OrderLine{{SKU: "S2", Quantity: 1}}, Recipient: floor.Address{Name: "Q", City: "Town", Country: "DE"}},
	}
	if _, err := s.SubmitOrders(submitted, false); err != nil {
		t.Fatal(err)
	}
	task, _, err := s.NextTask("ann")
	if err != nil {
		t.Fatal(err)
	}
	scanTotes(t, s, "ann", task)
	if _, err := s.PickScan("ann", floor.Scan{ID: "s1", Code: task.Stops[0].Bin}); err != nil {
		t.Fatal(err)
	}
	wantTask, err := s.Task(task.ID)
	if err != nil {
		t.Fatal(err)
	}
	var wantOrders []floor.Order
	for _, o := range submitted {
		got, err := s.Order(o.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantOrders = append(wantOrders, got)
	}
	err = updateDB(s.db, func(tx *txn) error { // the schema 14 layout
		for _, o := range wantOrders {
			raw, err := shortOrderRecord(o)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketOrders).Put([]byte(o.ID), raw); err != nil {
				return err
			}
		}
		b := tx.Bucket(bucketTasks)
		p, err := decodePlan(b.Get([]byte(task.ID)))
		if err != nil {
			return err
		}
		raw, err := shortPlanRecord(p)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(task.ID), raw); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte("14")) // 14 kept the history: no asSchema
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	clear(plans.byTask) // a new process

	s2, _ := openTestStore(t, path)
	for _, want := range wantOrders {
		if got, err := s2.Order(want.ID); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("order after migration:\n got %+v, %v\nwant %+v", got, err, want)
		}
	}
	if got, err := s2.Task(task.ID); err != nil || !reflect.DeepEqual(got, wantTask) {
		t.Errorf("task after migration:\n got %+v, %v\nwant %+v", got, err, wantTask)
	}
	err = viewDB(s2.db, func(tx *txn) error {
		if v := string(tx.Bucket(bucketMeta).Get(keySchema)); v != "15" {
			t.Errorf("schema after migration %q, want 15", v)
		}
		for b, format := range map[string]byte{string(bucketOrders): orderFormat, string(bucketTasks): planFormat} {
			tx.Bucket([]byte(b)).ForEach(func(k, v []byte) error {
				if v[0] != format {
					t.Errorf("%s %s after migration: %q, want a binary record", b, k, v)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
