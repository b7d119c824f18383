package floor

import (
	"fmt"
	"time"
)

// DefaultSLA is the pick-pack-handoff target from release to handoff.
const DefaultSLA = 15 * time.Minute

// OrderState is where an order is in the flow.
type OrderState int

// Order states, in flow order. Cancelled may follow any state before
// handed off.
const (
	StateUnspecified OrderState = iota
	StateQueued
	StateAssigned
	StatePicked
	StatePacked
	StateHandedOff
	StateCancelled
)

var stateNames = [...]string{"unspecified", "queued", "assigned", "picked", "packed", "handed off", "cancelled"}

func (s OrderState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Open reports whether the order still waits for work.
func (s OrderState) Open() bool {
	return s >= StateQueued && s < StateHandedOff
}

// Address is a postal address in any script, stored as given (UTF-8).
type Address struct {
	Name       string
	Phone      string
	Lines      []string
	City       string
	Region     string
	PostalCode string
	Country    string // ISO 3166-1 alpha-2
}

// OrderLine asks for Quantity units of SKU.
type OrderLine struct {
	SKU      string
	Quantity int64
}

// Order is one customer order to pick, pack and hand off.
type Order struct {
	ID          string // the external id from the selling platform; unique
	Channel     string
	Lines       []OrderLine
	Recipient   Address
	State       OrderState
	ReleasedAt  time.Time
	DueAt       time.Time
	TaskID      string // set once assigned
	Picker      string // set once assigned
	UpdatedAt   time.Time
	HandedOffAt time.Time // the clock stops here
	// RaisedAt is when a supervisor raised the order's priority; zero for
	// the usual order. A raised order is picked before every other queued
	// order, the earliest raised first; its due time stays what it was.
	RaisedAt time.Time
	// AssignedAt and PredictedHandoffAt are when the order was given to a
	// picker and the handoff predicted then: kept to the end, so that the
	// time model is measured against what happened.
	AssignedAt         time.Time
	PredictedHandoffAt time.Time

	// Shipping, chosen at release.
	Carrier         string
	Service         string
	Tracking        string // the waybill's tracking number
	ShippingProblem string // why no carrier could be chosen; "" when one was

	// Customs is what the order says for its declaration (all optional).
	Customs OrderCustoms
	// ParcelWeightsG is what the pack station's scale measured, in grams,
	// one entry per parcel (box) in box order; empty until weighed, and for
	// a one-item parcel, which is packed on its scan without weighing.
	ParcelWeightsG []int64
	// Boxes are the parcels of an order packed in several, in packing
	// order (box n's weight is ParcelWeightsG[n-1]); empty for an order in
	// one box, whose label carries Tracking.
	Boxes []Box
}

// Box is one parcel of an order packed in several boxes.
type Box struct {
	// Code is what its label's barcode carries and the handoff scans: its
	// own tracking number, or its piece number under the order's master
	// number (Carrier.Pieces).
	Code        string
	Lines       []OrderLine // what was verified into it, by SKU
	HandedOffAt time.Time   // zero until the courier took it
}

// BoxOf returns the number (from 1) of the box whose label carries code,
// 0 if none does.
func (o *Order) BoxOf(code string) int {
	for i, b := range o.Boxes {
		if b.Code == code {
			return i + 1
		}
	}
	return 0
}

// BoxesLeft lists the boxes not handed off yet, as "2/3 (code)".
func (o *Order) BoxesLeft() []string {
	var left []string
	for i, b := range o.Boxes {
		if b.HandedOffAt.IsZero() {
			left = append(left, fmt.Sprintf("%d/%d (%s)", i+1, len(o.Boxes), b.Code))
		}
	}
	return left
}

// SLAs gives the pick-pack-handoff target per channel.
type SLAs struct {
	Default    time.Duration
	PerChannel map[string]time.Duration
}

// For returns the target for channel.
func (s SLAs) For(channel string) time.Duration {
	if d, ok := s.PerChannel[channel]; ok && d > 0 {
		return d
	}
	if s.Default > 0 {
		return s.Default
	}
	return DefaultSLA
}
