package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// A plan record is binary since schema 15: a plan of a few orders was 2
// KB of JSON, written at every assignment and re-plan, and read on the
// scan path after each. The record is a format byte (planFormat; a JSON
// record starts with '{'), the plan version (8 bytes, big-endian), then
// every field of the task but its progress in a fixed order, as order
// records are (orderrecord.go): strings length-prefixed, integers
// varints, floats as appendFloat writes them, times as presence masks and
// varint nanoseconds (appendTimes). A stop names its order and tote by
// the index of the task's order when they are that order's, as nearly
// every stop's are; only a stop of an order not in the task (or with a
// tote of its own) spells them out. Every plan has exactly one record
// (fuzzed).
//
//	format  byte (1)
//	version  8 bytes
//	id, picker  string
//	flags  byte: paper, route optimal
//	times  created; predicted picked (from created)
//	route  strategy varint, reason string, meters, shortest meters (floats)
//	orders  count, then order id string, tote varint, tote code string,
//	        at risk byte, times due, predicted handoff (from created) each
//	stops  count, then each: flags byte (familiar, order by index, tote of the order),
//	       bin, SKU, name strings, quantity varint, order index uvarint or order id string,
//	       unless the order's: tote varint and tote code string,
//	       cumulative metres float, predicted elapsed varint ns
const planFormat byte = 1

// The flags of a plan and of a stop.
const (
	planPaper   byte = 1 << 0
	planOptimal byte = 1 << 1

	stopFamiliar  byte = 1 << 0
	stopOrderAt   byte = 1 << 1 // the stop's order is the task's order at an index
	stopOrderTote byte = 1 << 2 // and its tote is that order's
)

// errCorruptPlan is returned for a binary plan record that does not
// decode.
var errCorruptPlan = errors.New("corrupt task plan record")

// errOldPlan is returned for a plan record in neither the binary form
// nor the short JSON form of schemas 9-14: the file's schema says it was
// migrated, so the record is damaged.
var errOldPlan = errors.New("task plan record neither binary (schema 15) nor short JSON (schemas 9-14)")

// encodePlan writes p's plan; the progress fields of p.Task are not kept.
// It cannot fail; the error stays for the callers, written when records
// were JSON.
func encodePlan(p taskPlan) ([]byte, error) {
	t := &p.Task
	size := 64 + len(t.ID) + len(t.Picker) + len(t.Route.Reason)
	for _, o := range t.Orders {
		size += 24 + len(o.OrderID) + len(o.ToteCode)
	}
	for _, st := range t.Stops {
		size += 24 + len(st.Bin) + len(st.SKU) + len(st.Name)
	}
	b := append(make([]byte, 0, size), planFormat)
	b = binary.BigEndian.AppendUint64(b, p.Version)
	b = appendString(appendString(b, t.ID), t.Picker)
	var flags byte
	if t.Paper {
		flags |= planPaper
	}
	if t.Route.Optimal {
		flags |= planOptimal
	}
	b = appendTimes(append(b, flags), 0, t.CreatedAt)
	created := floor.UnixNano(t.CreatedAt)
	b = appendTimes(b, created, t.PredictedPickedAt)
	b = appendString(binary.AppendVarint(b, int64(t.Route.Strategy)), t.Route.Reason)
	b = appendFloat(appendFloat(b, t.Route.Meters), t.Route.ShortestMeters)
	b = binary.AppendUvarint(b, uint64(len(t.Orders)))
	for _, o := range t.Orders {
		b = appendString(binary.AppendVarint(appendString(b, o.OrderID), int64(o.Tote)), o.ToteCode)
		var risk byte
		if o.AtRisk {
			risk = 1
		}
		b = appendTimes(append(b, risk), created, o.DueAt, o.PredictedHandoffAt)
	}
	b = binary.AppendUvarint(b, uint64(len(t.Stops)))
	for _, st := range t.Stops {
		var flags byte
		if st.Familiar {
			flags |= stopFamiliar
		}
		at := orderAt(t.Orders, st.OrderID)
		if at >= 0 {
			flags |= stopOrderAt
			if o := t.Orders[at]; st.Tote == o.Tote && st.ToteCode == o.ToteCode {
				flags |= stopOrderTote
			}
		}
		b = appendString(appendString(appendString(append(b, flags), st.Bin), st.SKU), st.Name)
		b = binary.AppendVarint(b, st.Quantity)
		if at >= 0 {
			b = binary.AppendUvarint(b, uint64(at))
		} else {
			b = appendString(b, st.OrderID)
		}
		if flags&stopOrderTote == 0 {
			b = appendString(binary.AppendVarint(b, int64(st.Tote)), st.ToteCode)
		}
		b = binary.AppendVarint(appendFloat(b, st.CumulativeMeters), int64(st.PredictedElapsed))
	}
	return b, nil
}

// orderAt is the index of the first of orders with id, or -1.
func orderAt(orders []floor.TaskOrder, id string) int {
	for i := range orders {
		if orders[i].OrderID == id {
			return i
		}
	}
	return -1
}

// appendFloat appends f's IEEE 754 bits, byte-reversed, as a uvarint:
// the trailing bytes of a round number's mantissa are zero, so metres in
// quarters take three or four bytes instead of eight (any other number at
// most ten).
func appendFloat(b []byte, f float64) []byte {
	return binary.AppendUvarint(b, bits.ReverseBytes64(math.Float64bits(f)))
}

func (r *binReader) float() float64 { return math.Float64frombits(bits.ReverseBytes64(r.minUvarint())) }

// decodePlan reads a binary record, or a short JSON one of schemas 9-14.
// Open rewrites those (migratePlans) before anything reads them, in the live
// file and in each archive file; reading them still costs nothing and
// keeps a record copied from an older file readable.
func decodePlan(raw []byte) (taskPlan, error) {
	if len(raw) > 0 && raw[0] == planFormat {
		return decodeBinaryPlan(raw)
	}
	if !bytes.HasPrefix(raw, shortPlanStart) {
		return taskPlan{}, errOldPlan
	}
	return decodeShortPlan(raw)
}

func decodeBinaryPlan(raw []byte) (taskPlan, error) {
	r := newRecordReader(raw[1:], errCorruptPlan)
	p := taskPlan{Version: r.u64()}
	t := &p.Task
	t.ID, t.Picker = r.minStr(), r.minStr()
	flags := r.byte()
	if flags&^(planPaper|planOptimal) != 0 {
		r.fail()
	}
	t.Paper, t.Route.Optimal = flags&planPaper != 0, flags&planOptimal != 0
	r.times(0, &t.CreatedAt)
	created := floor.UnixNano(t.CreatedAt)
	r.times(created, &t.PredictedPickedAt)
	t.Route.Strategy, t.Route.Reason = floor.RouteStrategy(r.minVarint()), r.minStr()
	t.Route.Meters, t.Route.ShortestMeters = r.float(), r.float()
	if n := r.minCount(); n > 0 {
		t.Orders = make([]floor.TaskOrder, n)
		for i := range t.Orders {
			o := &t.Orders[i]
			o.OrderID, o.Tote, o.ToteCode = r.minStr(), int(r.minVarint()), r.minStr()
			switch r.byte() {
			case 0:
			case 1:
				o.AtRisk = true
			default:
				r.fail()
			}
			r.times(created, &o.DueAt, &o.PredictedHandoffAt)
		}
	}
	if n := r.minCount(); n > 0 {
		t.Stops = make([]floor.Stop, n)
		for i := range t.Stops {
			st := &t.Stops[i]
			flags := r.byte()
			if flags&^(stopFamiliar|stopOrderAt|stopOrderTote) != 0 || flags&(stopOrderAt|stopOrderTote) == stopOrderTote {
				r.fail()
			}
			st.Familiar = flags&stopFamiliar != 0
			st.Bin, st.SKU, st.Name, st.Quantity = r.minStr(), r.minStr(), r.minStr(), r.minVarint()
			at := -1
			if flags&stopOrderAt != 0 {
				if v := r.minUvarint(); v < uint64(len(t.Orders)) {
					at = int(v)
					st.OrderID = t.Orders[at].OrderID
				}
				if at < 0 || orderAt(t.Orders, st.OrderID) != at { // the first of that id is named
					r.fail()
				}
			} else if st.OrderID = r.minStr(); orderAt(t.Orders, st.OrderID) >= 0 { // would be named by index
				r.fail()
			}
			if flags&stopOrderTote != 0 && at >= 0 {
				st.Tote, st.ToteCode = t.Orders[at].Tote, t.Orders[at].ToteCode
			} else {
				st.Tote, st.ToteCode = int(r.minVarint()), r.minStr()
				if at >= 0 && st.Tote == t.Orders[at].Tote && st.ToteCode == t.Orders[at].ToteCode { // would be the order's
					r.fail()
				}
			}
			st.CumulativeMeters, st.PredictedElapsed = r.float(), time.Duration(r.minVarint())
		}
	}
	if err := r.end(); err != nil {
		return taskPlan{}, err
	}
	return p, nil
}

// storedPlan is a taskPlan as schemas 9-14 wrote it: short JSON names,
// no zero values, times and durations as integers. Open rewrites such
// records in binary (an archive file too, when it is opened).
type storedPlan struct {
	Version           uint64            `json:"v"`
	ID                string            `json:"id"`
	Picker            string            `json:"p,omitempty"`
	Orders            []storedTaskOrder `json:"o,omitempty"`
	Stops             []storedStop      `json:"s,omitempty"`
	CreatedAt         int64             `json:"ca,omitempty"`
	Route             storedRoute       `json:"r"`
	PredictedPickedAt int64             `json:"pp,omitempty"`
	Paper             bool              `json:"pa,omitempty"`
}

type storedTaskOrder struct {
	OrderID            string `json:"o"`
	Tote               int    `json:"t,omitempty"`
	DueAt              int64  `json:"d,omitempty"`
	PredictedHandoffAt int64  `json:"ph,omitempty"`
	AtRisk             bool   `json:"r,omitempty"`
	ToteCode           string `json:"tc,omitempty"`
}

type storedStop struct {
	Bin              string  `json:"b"`
	SKU              string  `json:"s"`
	Name             string  `json:"n,omitempty"`
	Quantity         int64   `json:"q,omitempty"`
	OrderID          string  `json:"o,omitempty"`
	Tote             int     `json:"t,omitempty"`
	ToteCode         string  `json:"tc,omitempty"`
	Familiar         bool    `json:"f,omitempty"`
	CumulativeMeters float64 `json:"m,omitempty"`
	PredictedElapsed int64   `json:"pe,omitempty"`
}

type storedRoute struct {
	Strategy       int     `json:"s,omitempty"`
	Reason         string  `json:"r,omitempty"`
	Meters         float64 `json:"m,omitempty"`
	ShortestMeters float64 `json:"sm,omitempty"`
	Optimal        bool    `json:"o,omitempty"`
}

// The two JSON forms tell apart by their first bytes (JSON field names
// match case-insensitively, so decoding one form as the other would not
// fail).
var (
	shortPlanStart = []byte(`{"v":`)
	wholePlanStart = []byte(`{"Version":`)
)

// decodeShortPlan reads a record of schemas 9-14.
func decodeShortPlan(raw []byte) (taskPlan, error) {
	s, err := decodeJSON[storedPlan](raw)
	if err != nil {
		return taskPlan{}, err
	}
	t := floor.Task{ID: s.ID, Picker: s.Picker, CreatedAt: floor.FromUnixNano(s.CreatedAt),
		PredictedPickedAt: floor.FromUnixNano(s.PredictedPickedAt), Paper: s.Paper,
		Route: floor.RouteInfo{Strategy: floor.RouteStrategy(s.Route.Strategy), Reason: s.Route.Reason,
			Meters: s.Route.Meters, ShortestMeters: s.Route.ShortestMeters, Optimal: s.Route.Optimal}}
	if len(s.Orders) > 0 {
		t.Orders = make([]floor.TaskOrder, len(s.Orders))
		for i, o := range s.Orders {
			t.Orders[i] = floor.TaskOrder{OrderID: o.OrderID, Tote: o.Tote, DueAt: floor.FromUnixNano(o.DueAt),
				PredictedHandoffAt: floor.FromUnixNano(o.PredictedHandoffAt), AtRisk: o.AtRisk, ToteCode: o.ToteCode}
		}
	}
	if len(s.Stops) > 0 {
		t.Stops = make([]floor.Stop, len(s.Stops))
		for i, st := range s.Stops {
			t.Stops[i] = floor.Stop{Bin: st.Bin, SKU: st.SKU, Name: st.Name, Quantity: st.Quantity, OrderID: st.OrderID,
				Tote: st.Tote, ToteCode: st.ToteCode, Familiar: st.Familiar, CumulativeMeters: st.CumulativeMeters,
				PredictedElapsed: time.Duration(st.PredictedElapsed)}
		}
	}
	return taskPlan{Version: s.Version, Task: t}, nil
}

// getPlan reads a plan record; ok is false when there is none.
func getPlan(b *bucket, id string) (taskPlan, bool, error) {
	raw := b.Get([]byte(id))
	if raw == nil {
		return taskPlan{}, false, nil
	}
	p, err := decodePlan(raw)
	if err != nil {
		return p, false, fmt.Errorf("decode plan %q: %w", id, err)
	}
	return p, true, nil
}

// putPlan writes a plan. Task ids grow with time, so new plans are
// appended and pages are filled up; a re-routed plan rarely splits one.
func putPlan(b *bucket, p taskPlan) error {
	raw, err := encodePlan(p)
	if err != nil {
		return err
	}
	b.SetFill(1)
	return b.Put([]byte(p.Task.ID), raw)
}

// migratePlans rewrites the JSON plan records of schemas 4-14 in
// binary: the whole ones of schemas 4-8 and the short ones of 9-14.
func migratePlans(tx *txn) error {
	return rewriteRecords(tx.Bucket(bucketTasks), func(v []byte) ([]byte, error) {
		var p taskPlan
		var err error
		switch {
		case bytes.HasPrefix(v, wholePlanStart):
			p, err = decodeJSON[taskPlan](v)
		case bytes.HasPrefix(v, shortPlanStart):
			p, err = decodeShortPlan(v)
		default:
			return nil, nil // binary already
		}
		if err != nil {
			return nil, err
		}
		return encodePlan(p)
	})
}
