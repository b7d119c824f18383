package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// An order record is binary since schema 15: orders are the largest
// records a busy floor writes after its scans, each written at release,
// at assignment and at every later state, and decoding them as JSON was
// a visible part of a scan's CPU. The record is a format byte
// (orderFormat; a JSON record starts with '{'), then every field in a
// fixed order, none left out: strings length-prefixed, integers varints,
// lists a count and their items, and times in groups (appendTimes): a
// mask of those set, then each as varint nanoseconds from a base, the
// release from 1970 and the order's other times from the release. The
// tracking number comes last, so that an import can encode its orders
// before it issues their numbers (closeRecord). Every order has exactly
// one record: the decoder accepts only the bytes the encoder writes
// (fuzzed).
//
//	format  byte (1)
//	id, channel, task, picker  string
//	state  varint
//	times  released (from 0); updated, due, handed off, raised, assigned, predicted handoff (from the release)
//	lines  count, then sku string + quantity varint each
//	recipient  name, phone, count + lines, city, region, postal code, country (strings)
//	carrier, service, shipping problem  string
//	customs  category, importer reference, invoice number (strings)
//	parcel weights  count, then varint grams each
//	boxes  count, then code string, lines (as above), handed off (varint Unix ns, 0 none) each
//	tracking  string
const orderFormat byte = 1

// errCorruptOrder is returned for a binary order record that does not
// decode.
var errCorruptOrder = errors.New("corrupt order record")

// errOldOrder is returned for an order record in neither the binary form
// nor the short JSON form of schemas 8-14: the file's schema says it was
// migrated, so the record is damaged.
var errOldOrder = errors.New("order record neither binary (schema 15) nor short JSON (schemas 8-14)")

// encodeOrder is o's record. It cannot fail; the error stays for the
// callers, written when records were JSON.
func encodeOrder(o floor.Order) ([]byte, error) {
	return appendOrder(make([]byte, 0, orderSize(&o)), &o), nil
}

// orderSize is about the size of o's record, so that one allocation
// holds it.
func orderSize(o *floor.Order) int {
	n := 96 + len(o.ID) + len(o.Channel) + len(o.TaskID) + len(o.Picker) + len(o.Carrier) + len(o.Service) +
		len(o.Tracking) + len(o.ShippingProblem) + 4*len(o.ParcelWeightsG) + linesSize(o.Lines)
	r := o.Recipient
	n += len(r.Name) + len(r.Phone) + len(r.City) + len(r.Region) + len(r.PostalCode) + len(r.Country)
	for _, l := range r.Lines {
		n += 1 + len(l)
	}
	c := o.Customs
	n += len(c.Category) + len(c.ImporterReference) + len(c.InvoiceNumber)
	for _, b := range o.Boxes {
		n += 12 + len(b.Code) + linesSize(b.Lines)
	}
	return n
}

func linesSize(ls []floor.OrderLine) int {
	n := 0
	for _, l := range ls {
		n += 4 + len(l.SKU)
	}
	return n
}

// appendOrder appends o's record to b.
func appendOrder(b []byte, o *floor.Order) []byte {
	b = append(b, orderFormat)
	for _, s := range [...]string{o.ID, o.Channel, o.TaskID, o.Picker} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, int64(o.State))
	b = appendTimes(b, 0, o.ReleasedAt)
	b = appendTimes(b, floor.UnixNano(o.ReleasedAt), o.UpdatedAt, o.DueAt, o.HandedOffAt, o.RaisedAt, o.AssignedAt, o.PredictedHandoffAt)
	b = appendLines(b, o.Lines)
	r := o.Recipient
	b = appendString(appendString(b, r.Name), r.Phone)
	b = binary.AppendUvarint(b, uint64(len(r.Lines)))
	for _, l := range r.Lines {
		b = appendString(b, l)
	}
	c := o.Customs
	for _, s := range [...]string{r.City, r.Region, r.PostalCode, r.Country, o.Carrier, o.Service, o.ShippingProblem,
		c.Category, c.ImporterReference, c.InvoiceNumber} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(o.ParcelWeightsG)))
	for _, w := range o.ParcelWeightsG {
		b = binary.AppendVarint(b, w)
	}
	b = binary.AppendUvarint(b, uint64(len(o.Boxes)))
	for _, x := range o.Boxes {
		b = appendLines(appendString(b, x.Code), x.Lines)
		b = binary.AppendVarint(b, floor.UnixNano(x.HandedOffAt))
	}
	return appendString(b, o.Tracking)
}

func appendLines(b []byte, ls []floor.OrderLine) []byte {
	b = binary.AppendUvarint(b, uint64(len(ls)))
	for _, l := range ls {
		b = binary.AppendVarint(appendString(b, l.SKU), l.Quantity)
	}
	return b
}

// appendTimes appends ts (at most 8) as a mask of those set, then each
// one set as varint nanoseconds from base (wrapping, so that every time
// has one form): times close to base take a few bytes instead of nine.
func appendTimes(b []byte, base int64, ts ...time.Time) []byte {
	at := len(b)
	b = append(b, 0)
	for i, t := range ts {
		if n := floor.UnixNano(t); n != 0 {
			b[at] |= 1 << i
			b = binary.AppendVarint(b, n-base)
		}
	}
	return b
}

// times reads what appendTimes wrote into ts.
func (r *binReader) times(base int64, ts ...*time.Time) {
	mask := r.byte()
	if mask>>len(ts) != 0 {
		r.fail()
		return
	}
	for i, t := range ts {
		if mask&(1<<i) == 0 {
			continue
		}
		n := base + r.minVarint()
		if n == 0 { // written as absent
			r.fail()
			return
		}
		*t = floor.FromUnixNano(n)
	}
}

// The min readers read a varint or string only in its shortest form, so
// that a record decodes only if it is the one its value encodes to
// (binary.Uvarint takes padded forms too).

func (r *binReader) minUvarint() uint64 {
	s := r.b
	v := r.uvarint()
	if n := len(s) - len(r.b); n > 1 && s[n-1] == 0 {
		r.fail()
	}
	return v
}

func (r *binReader) minVarint() int64 {
	s := r.b
	v := r.varint()
	if n := len(s) - len(r.b); n > 1 && s[n-1] == 0 {
		r.fail()
	}
	return v
}

// minCount reads a number of items, each at least one byte long.
func (r *binReader) minCount() int {
	n := r.minUvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

// recordReader reads a record's strings as parts of one string of the
// whole record: one allocation instead of one per field. A record's
// strings live as long as each other anyway (an order read, a plan
// cached).
type recordReader struct {
	binReader
	all string // the record; b is its tail
}

func newRecordReader(raw []byte, bad error) *recordReader {
	return &recordReader{binReader: binReader{b: raw, bad: bad}, all: string(raw)}
}

func (r *recordReader) minStr() string {
	n := r.minCount()
	at := len(r.all) - len(r.b)
	r.b = r.b[n:]
	return r.all[at : at+n]
}

func (r *recordReader) lines() []floor.OrderLine {
	n := r.minCount()
	if n == 0 {
		return nil
	}
	ls := make([]floor.OrderLine, n)
	for i := range ls {
		ls[i] = floor.OrderLine{SKU: r.minStr(), Quantity: r.minVarint()}
	}
	return ls
}

// decodeOrder reads a binary record, or a short JSON one of schemas 8-14.
// Open rewrites those (migrateOrders) before anything reads them, in the live
// file and in each archive file; reading them still costs nothing and
// keeps a record copied from an older file readable.
func decodeOrder(raw []byte) (floor.Order, error) {
	if len(raw) > 0 && raw[0] == orderFormat {
		return decodeBinaryOrder(raw)
	}
	if !bytes.HasPrefix(raw, shortOrderStart) {
		return floor.Order{}, errOldOrder
	}
	return decodeShortOrder(raw)
}

func decodeBinaryOrder(raw []byte) (floor.Order, error) {
	r := newRecordReader(raw[1:], errCorruptOrder)
	var o floor.Order
	o.ID, o.Channel, o.TaskID, o.Picker = r.minStr(), r.minStr(), r.minStr(), r.minStr()
	o.State = floor.OrderState(r.minVarint())
	r.times(0, &o.ReleasedAt)
	r.times(floor.UnixNano(o.ReleasedAt), &o.UpdatedAt, &o.DueAt, &o.HandedOffAt, &o.RaisedAt, &o.AssignedAt, &o.PredictedHandoffAt)
	o.Lines = r.lines()
	rc := &o.Recipient
	rc.Name, rc.Phone = r.minStr(), r.minStr()
	if n := r.minCount(); n > 0 {
		rc.Lines = make([]string, n)
		for i := range rc.Lines {
			rc.Lines[i] = r.minStr()
		}
	}
	rc.City, rc.Region, rc.PostalCode, rc.Country = r.minStr(), r.minStr(), r.minStr(), r.minStr()
	o.Carrier, o.Service, o.ShippingProblem = r.minStr(), r.minStr(), r.minStr()
	c := &o.Customs
	c.Category, c.ImporterReference, c.InvoiceNumber = r.minStr(), r.minStr(), r.minStr()
	if n := r.minCount(); n > 0 {
		o.ParcelWeightsG = make([]int64, n)
		for i := range o.ParcelWeightsG {
			o.ParcelWeightsG[i] = r.minVarint()
		}
	}
	if n := r.minCount(); n > 0 {
		o.Boxes = make([]floor.Box, n)
		for i := range o.Boxes {
			x := &o.Boxes[i]
			x.Code = r.minStr()
			x.Lines = r.lines()
			x.HandedOffAt = floor.FromUnixNano(r.minVarint())
		}
	}
	o.Tracking = r.minStr()
	if err := r.end(); err != nil {
		return floor.Order{}, err
	}
	return o, nil
}

// storedOrder is a floor.Order as schemas 8-14 wrote it: short JSON
// names, no zero values, times as integers. Open rewrites such records
// in binary (an archive file too, when it is opened).
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

// JSON records start with their first field, so the short and the whole
// forms tell apart by their first bytes (JSON field names match
// case-insensitively, so decoding one form as the other would not fail).
var (
	shortOrderStart = []byte(`{"id":`)
	wholeOrderStart = []byte(`{"ID":`)
)

// decodeShortOrder reads a record of schemas 8-14.
func decodeShortOrder(raw []byte) (floor.Order, error) {
	s, err := decodeJSON[storedOrder](raw)
	if err != nil {
		return floor.Order{}, err
	}
	o := floor.Order{ID: s.ID, Channel: s.Channel, State: floor.OrderState(s.State), ReleasedAt: floor.FromUnixNano(s.ReleasedAt),
		DueAt: floor.FromUnixNano(s.DueAt), TaskID: s.TaskID, Picker: s.Picker, UpdatedAt: floor.FromUnixNano(s.UpdatedAt),
		HandedOffAt: floor.FromUnixNano(s.HandedOffAt), RaisedAt: floor.FromUnixNano(s.RaisedAt), Carrier: s.Carrier, Service: s.Service, Tracking: s.Tracking,
		ShippingProblem: s.ShippingProblem, AssignedAt: floor.FromUnixNano(s.AssignedAt), PredictedHandoffAt: floor.FromUnixNano(s.PredictedAt)}
	if c := s.Customs; c != nil {
		o.Customs = floor.OrderCustoms{Category: c.Category, ImporterReference: c.Importer, InvoiceNumber: c.Invoice}
	}
	o.ParcelWeightsG = s.ParcelWeightsG
	for _, sb := range s.Boxes {
		b := floor.Box{Code: sb.Code, HandedOffAt: floor.FromUnixNano(sb.HandedOffAt)}
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
func getOrder(b *bucket, id string) (floor.Order, bool, error) {
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

// migrateOrders rewrites the JSON order records of schemas 1-14 in
// binary: the whole ones of schemas 1-7 and the short ones of 8-14.
func migrateOrders(tx *txn) error {
	return rewriteRecords(tx.Bucket(bucketOrders), func(v []byte) ([]byte, error) {
		var o floor.Order
		var err error
		switch {
		case bytes.HasPrefix(v, wholeOrderStart):
			o, err = decodeJSON[floor.Order](v)
		case bytes.HasPrefix(v, shortOrderStart):
			o, err = decodeShortOrder(v)
		default:
			return nil, nil // binary already
		}
		if err != nil {
			return nil, err
		}
		return encodeOrder(o)
	})
}
