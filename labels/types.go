package labels

import "time"

// Document is what one print job holds: the waybill of each parcel, then the
// pick list, all on 100 x 150 mm pages.
type Document struct {
	// Waybills are printed first, one page each (plus continuation pages
	// for a customs declaration with many items).
	Waybills []Waybill
	// PickList is printed after the waybills, or before them with
	// PickListFirst (a paper task's sheet: the pick list on top, the
	// waybills behind it); nil prints none.
	PickList      *PickList
	PickListFirst bool
	// Created is written into the PDF metadata. Zero writes a fixed date,
	// so the same document always gives the same bytes (reprints, golden
	// tests, caching by hash).
	Created time.Time
}

// Waybill is the shipping label of one parcel.
type Waybill struct {
	Carrier string // e.g. "China Post"
	Service string // e.g. "ePacket"
	// TrackingNumber is printed as given (check digits are the carrier's
	// business) as Code 128 with the human-readable text. ASCII only.
	TrackingNumber string
	// OrderID is printed as a Code 128 barcode too. ASCII only.
	OrderID   string
	Sender    Address
	Recipient Address
	// WeightGrams is the parcel's weight, printed in kg.
	WeightGrams int
	// Parcel and Parcels print "Parcel n of m"; zero values mean 1 of 1.
	Parcel, Parcels int
	// Customs, when set, prints a customs declaration block (cross-border
	// parcels).
	Customs *Customs
	// LithiumUN lists the UN numbers of the lithium batteries in the
	// parcel (UN3480, UN3481, UN3090, UN3091); when set, the waybill
	// carries a lithium battery box and the PDF a full-size lithium battery
	// mark page after it, with the sender's phone as the mark's number.
	LithiumUN []string
}

// Address is a postal address in any script, laid out as the post of its
// country writes it (package address: US "CITY, ST ZIP", a Chinese address
// from the postal code down to the name ...), each line wrapped to the
// label width; empty fields are left out.
type Address struct {
	Name       string
	Company    string
	Lines      []string // street, building, district ...
	PostalCode string
	City       string
	Region     string // state, province
	// Country is the ISO 3166-1 alpha-2 code. The country's name in
	// capitals ends the address of a parcel that crosses a border (the
	// sender's and the recipient's countries differ); another value is
	// printed as given.
	Country string
	Phone   string
}

// Customs is a customs declaration for a cross-border parcel: the UPU's
// CN22, or CN23 for contents of higher value.
type Customs struct {
	// Form is "CN22" or "CN23" (anything else prints as CN22).
	Form string
	// Category is the box ticked: gift, documents, commercial_sample,
	// returned_goods, sale_of_goods or other (other text ticks "other" and
	// is printed beside it).
	Category string
	Items    []CustomsItem
	// ImporterReference and InvoiceNumber are printed on a CN23 when known.
	ImporterReference string
	InvoiceNumber     string
	// Date is the declaration's date, printed with the signature line.
	Date time.Time
	// Signer is who signs for the sender (printed under the signature
	// line), usually the sender's name.
	Signer string
}

// CustomsItem is one line of a customs declaration.
type CustomsItem struct {
	DescriptionEN string
	DescriptionZH string
	HSCode        string
	Quantity      int
	// Value is the declared value of the whole line (not per unit) in the
	// currency's minor units, e.g. 1999 with "USD" is USD 19.99.
	Value int64
	// Currency is the ISO 4217 code; it decides the number of decimals.
	Currency string
	// Origin is the country of origin, e.g. "CN".
	Origin string
	// NetWeightGrams is the weight of the line's goods without packing.
	NetWeightGrams int
}

// PickList is the picker's and packer's sheet for one pick task.
type PickList struct {
	// TaskID, when set, is what the QR code carries; otherwise it carries
	// the OrderIDs joined by commas.
	TaskID   string
	OrderIDs []string
	// Totes, when set, holds the tote of each of OrderIDs, printed beside
	// the order id so a batch's orders are told apart on the cart.
	Totes []string
	// Note, when set, is printed under the order ids, e.g. which waybills
	// print later.
	Note string
	// Lines in route order.
	Lines []PickLine
	// Map, when set, draws a small map of the route on the first page.
	Map *RouteMap
}

// PickLine is one line of a pick list.
type PickLine struct {
	Stop     int    // stop number on the route, from 1
	Bin      string // bin code, printed as Code 128; ASCII only
	SKU      string
	Name     string
	Quantity int
	Tote     string
	// Familiar marks a bin this picker knows well (routed first).
	Familiar bool
}

// RouteMap is a schematic of the warehouse and the route, in warehouse
// coordinates (any unit, typically metres). Y grows up the page: the depot
// is usually at the bottom.
type RouteMap struct {
	Aisles      []float64 // x of each aisle
	CrossAisles []float64 // y of each cross aisle
	Depot       Point     // pack station, where the route starts and ends
	Stops       []MapStop // in route order; stop n is Stops[n-1]
}

// Point is a position in warehouse coordinates.
type Point struct{ X, Y float64 }

// MapStop is one stop of the route on the map.
type MapStop struct {
	Point
	Familiar bool
}
