package store

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// storedOrder is a floor.Order as written: short names, no zero values,
// and times as integers (as scan records are). Orders are the largest
// records a busy floor writes after its scans, each written at release,
// at assignment and at every later state, and their pages stay in memory.
type storedOrder struct {
	ID              string         `json:"id"`
	Channel         string         `json:"ch,omitempty"`
	Lines           []storedLine   `json:"l,omitempty"`
	Recipient       storedAddress  `json:"r"`
	State           int            `json:"s,omitempty"`
	ReleasedAt      int64          `json:"ra,omitempty"`
	DueAt           int64          `json:"da,omitempty"`
	TaskID          string         `json:"t,omitempty"`
	Picker          string         `json:"p,omitempty"`
	UpdatedAt       int64          `json:"ua,omitempty"`
	HandedOffAt     int64          `json:"ha,omitempty"`
	RaisedAt        int64          `json:"pr,omitempty"`
	Carrier         string         `json:"c,omitempty"`
	Service         string         `json:"sv,omitempty"`
	Tracking        string         `json:"tr,omitempty"`
	ShippingProblem string         `json:"sp,omitempty"`
	Customs         *storedCustoms `json:"cu,omitempty"`
	ParcelWeightsG  []int64        `json:"w,omitempty"`
	AssignedAt      int64          `json:"aa,omitempty"`
	PredictedAt     int64          `json:"pa,omitempty"` // handoff predicted at assignment
	Boxes           []storedBox    `json:"b,omitempty"`
}

// storedBox is one box of an order packed in several.
type storedBox struct {
	Code        string       `json:"c"`
	Lines       []storedLine `json:"l,omitempty"`
	HandedOffAt int64        `json:"h,omitempty"`
}

// storedCustoms is an order's customs fields; most orders have none, and
// then no record carries them.
type storedCustoms struct {
	Category string `json:"c,omitempty"`
	Importer string `json:"i,omitempty"`
	Invoice  string `json:"n,omitempty"`
}

type storedLine struct {
	SKU      string `json:"s"`
	Quantity int64  `json:"q"`
}

type storedAddress struct {
	Name       string   `json:"n,omitempty"`
	Phone      string   `json:"ph,omitempty"`
	Lines      []string `json:"l,omitempty"`
	City       string   `json:"c,omitempty"`
	Region     string   `json:"rg,omitempty"`
	PostalCode string   `json:"pc,omitempty"`
	Country    string   `json:"cc,omitempty"`
}

// Records start with their first field, so the two forms tell apart by
// their first bytes (JSON field names match case-insensitively, so
// decoding one form as the other would not fail).
var (
	shortOrderStart = []byte(`{"id":`)
	wholeOrderStart = []byte(`{"ID":`)
)

// errOldOrder is returned for an order record not in the short form: the
// file's schema says it was migrated, so the record is damaged.
var errOldOrder = errors.New("order record not in the short form of schema 8")

func encodeOrder(o floor.Order) ([]byte, error) {
	return encodeJSON(storedOrderOf(o))
}

// storedOrderOf is o as written.
func storedOrderOf(o floor.Order) storedOrder {
	s := storedOrder{ID: o.ID, Channel: o.Channel, State: int(o.State), ReleasedAt: unixNano(o.ReleasedAt),
		DueAt: unixNano(o.DueAt), TaskID: o.TaskID, Picker: o.Picker, UpdatedAt: unixNano(o.UpdatedAt),
		HandedOffAt: unixNano(o.HandedOffAt), RaisedAt: unixNano(o.RaisedAt), Carrier: o.Carrier, Service: o.Service, Tracking: o.Tracking,
		ShippingProblem: o.ShippingProblem, AssignedAt: unixNano(o.AssignedAt), PredictedAt: unixNano(o.PredictedHandoffAt)}
	if c := o.Customs; c != (floor.OrderCustoms{}) {
		s.Customs = &storedCustoms{Category: c.Category, Importer: c.ImporterReference, Invoice: c.InvoiceNumber}
	}
	s.ParcelWeightsG = o.ParcelWeightsG
	for _, b := range o.Boxes {
		sb := storedBox{Code: b.Code, HandedOffAt: unixNano(b.HandedOffAt)}
		for _, l := range b.Lines {
			sb.Lines = append(sb.Lines, storedLine{SKU: l.SKU, Quantity: l.Quantity})
		}
		s.Boxes = append(s.Boxes, sb)
	}
	r := o.Recipient
	s.Recipient = storedAddress{Name: r.Name, Phone: r.Phone, Lines: r.Lines, City: r.City, Region: r.Region,
		PostalCode: r.PostalCode, Country: r.Country}
	if len(o.Lines) > 0 {
		s.Lines = make([]storedLine, len(o.Lines))
		for i, l := range o.Lines {
			s.Lines[i] = storedLine{SKU: l.SKU, Quantity: l.Quantity}
		}
	}
	return s
}

func decodeOrder(raw []byte) (floor.Order, error) {
	if !bytes.HasPrefix(raw, shortOrderStart) {
		return floor.Order{}, errOldOrder
	}
	s, err := decodeJSON[storedOrder](raw)
	if err != nil {
		return floor.Order{}, err
	}
	o := floor.Order{ID: s.ID, Channel: s.Channel, State: floor.OrderState(s.State), ReleasedAt: fromUnixNano(s.ReleasedAt),
		DueAt: fromUnixNano(s.DueAt), TaskID: s.TaskID, Picker: s.Picker, UpdatedAt: fromUnixNano(s.UpdatedAt),
		HandedOffAt: fromUnixNano(s.HandedOffAt), RaisedAt: fromUnixNano(s.RaisedAt), Carrier: s.Carrier, Service: s.Service, Tracking: s.Tracking,
		ShippingProblem: s.ShippingProblem, AssignedAt: fromUnixNano(s.AssignedAt), PredictedHandoffAt: fromUnixNano(s.PredictedAt)}
	if c := s.Customs; c != nil {
		o.Customs = floor.OrderCustoms{Category: c.Category, ImporterReference: c.Importer, InvoiceNumber: c.Invoice}
	}
	o.ParcelWeightsG = s.ParcelWeightsG
	for _, sb := range s.Boxes {
		b := floor.Box{Code: sb.Code, HandedOffAt: fromUnixNano(sb.HandedOffAt)}
		for _, l := range sb.Lines {
			b.Lines = append(b.Lines, floor.OrderLine{SKU: l.SKU, Quantity: l.Quantity})
		}
		o.Boxes = append(o.Boxes, b)
	}
	r := s.Recipient
	o.Recipient = floor.Address{Name: r.Name, Phone: r.Phone, Lines: r.Lines, City: r.City, Region: r.Region,
		PostalCode: r.PostalCode, Country: r.Country}
	if len(s.Lines) > 0 {
		o.Lines = make([]floor.OrderLine, len(s.Lines))
		for i, l := range s.Lines {
			o.Lines[i] = floor.OrderLine{SKU: l.SKU, Quantity: l.Quantity}
		}
	}
	return o, nil
}

// getOrder reads an order record from b, the orders bucket; ok is false
// when there is none, or when it belongs to an import staged and not
// shown yet (staged.go).
func getOrder(b *bolt.Bucket, id string) (floor.Order, bool, error) {
	raw := b.Get([]byte(id))
	if raw == nil || pendingImports(b.Tx()).hides([]byte(id)) {
		return floor.Order{}, false, nil
	}
	o, err := decodeOrder(raw)
	if err != nil {
		return o, false, fmt.Errorf("decode order %q: %w", id, err)
	}
	return o, true, nil
}

// migrateOrders rewrites the whole order records of schemas 1-7 short.
func migrateOrders(tx *bolt.Tx) error {
	return rewriteRecords(tx.Bucket(bucketOrders), func(v []byte) ([]byte, error) {
		if !bytes.HasPrefix(v, wholeOrderStart) {
			return nil, nil // short already
		}
		o, err := decodeJSON[floor.Order](v)
		if err != nil {
			return nil, err
		}
		return encodeOrder(o)
	})
}
