// Package docs builds an order's documents (waybill and pick list) from
// the floor's records, in the formats the labels package writes.
package docs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pickpack/pickpack/labels"
	"github.com/pickpack/pickpack/server/floor"
)

// Formats of Render.
const (
	PDF = "pdf"
	ZPL = "zpl"
)

// Source is what the documents are made from.
type Source interface {
	Order(id string) (floor.Order, error)
	Task(id string) (floor.Task, error)
	Shipping() (*floor.Shipping, error)
	SKU(id string) (floor.SKU, error)
	BinMap() (*floor.BinMap, error)
}

// Rendered is an order's documents and the order's state when they were
// made: a waybill rendered before packing carries the SKUs' weight, after
// it the scale's.
type Rendered struct {
	Data  []byte
	State floor.OrderState
}

// Render makes the documents of an order at the time now (the PDF's
// creation date and the customs declaration's date): a PDF with the
// waybill and the pick list, or the waybill alone in ZPL. An order packed
// in several boxes has a waybill per box, each with its own n/N, code,
// weight and customs declaration. The rendering
// stops when ctx ends: give it a deadline (the HTTP route and the print
// queue do). A render that ctx stopped is KindUnavailable, reason
// RENDER_STOPPED.
func Render(ctx context.Context, src Source, orderID, format string, now time.Time) (Rendered, error) {
	doc, state, err := render(ctx, src, orderID, format, now)
	return Rendered{Data: doc, State: state}, err
}

func render(ctx context.Context, src Source, orderID, format string, now time.Time) ([]byte, floor.OrderState, error) {
	const op = "render documents"
	o, err := src.Order(orderID)
	if err != nil {
		return nil, 0, err
	}
	if o.Tracking == "" {
		return nil, o.State, &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "NO_CARRIER",
			Msg: fmt.Sprintf("order %s has no waybill: %s", o.ID, o.ShippingProblem)}
	}
	sh, err := src.Shipping()
	if err != nil {
		return nil, o.State, err
	}
	wbs, err := waybills(src, sh, o, now)
	if err != nil {
		return nil, o.State, err
	}
	var buf bytes.Buffer
	switch format {
	case ZPL:
		err = labels.WriteZPLDocument(ctx, &buf, labels.Document{Waybills: wbs})
	case PDF:
		doc := labels.Document{Waybills: wbs, Created: now}
		if o.TaskID != "" {
			if doc.PickList, err = pickList(src, o); err != nil {
				return nil, o.State, err
			}
		}
		err = labels.WritePDF(ctx, &buf, doc)
	default:
		return nil, o.State, floor.E(op, floor.KindInvalid, "unknown document format %q: pdf or zpl", format)
	}
	if err := renderError(op, err); err != nil {
		return nil, o.State, err
	}
	return buf.Bytes(), o.State, nil
}

// renderError classifies a rendering error: stopped by its context, or
// internal.
func renderError(op string, err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &floor.Error{Op: op, Kind: floor.KindUnavailable, Reason: "RENDER_STOPPED", Err: err,
			Msg: "the documents did not finish rendering before the render deadline"}
	case errors.Is(err, context.Canceled):
		return &floor.Error{Op: op, Kind: floor.KindUnavailable, Reason: "RENDER_STOPPED", Err: err,
			Msg: "rendering the documents was cancelled"}
	case err != nil:
		return floor.Wrap(op, floor.KindInternal, err)
	}
	return nil
}

func address(a floor.Address) labels.Address {
	return labels.Address{Name: a.Name, Lines: a.Lines, PostalCode: a.PostalCode, City: a.City,
		Region: a.Region, Country: a.Country, Phone: a.Phone}
}

// waybills are the labels of an order's parcels: one, or one per box of
// an order packed in several.
func waybills(src Source, sh *floor.Shipping, o floor.Order, now time.Time) ([]labels.Waybill, error) {
	if len(o.Boxes) == 0 {
		wb, err := waybill(src, sh, o, now)
		return []labels.Waybill{wb}, err
	}
	wbs := make([]labels.Waybill, len(o.Boxes))
	for i, b := range o.Boxes {
		var err error
		if wbs[i], err = parcelWaybill(src, sh, o, b.Lines, now); err != nil {
			return nil, err
		}
		wbs[i].TrackingNumber, wbs[i].Parcel, wbs[i].Parcels = b.Code, i+1, len(o.Boxes)
		if i < len(o.ParcelWeightsG) {
			wbs[i].WeightGrams = int(o.ParcelWeightsG[i])
		}
	}
	return wbs, nil
}

// waybill fills the label of an order's single parcel. Its weight is the
// scale's when the parcel was weighed, else the SKUs' sum.
func waybill(src Source, sh *floor.Shipping, o floor.Order, now time.Time) (labels.Waybill, error) {
	wb, err := parcelWaybill(src, sh, o, o.Lines, now)
	if len(o.ParcelWeightsG) > 0 {
		wb.WeightGrams = int(o.ParcelWeightsG[0])
	}
	return wb, err
}

// parcelWaybill fills the label of a parcel of o holding lines, 1/1,
// weighing the SKUs' sum. A parcel leaving the sender's country carries a
// customs declaration of what it holds (the posts want one per parcel,
// with that parcel's contents): a CN22, or a CN23 above the set-up's value
// threshold. Lithium batteries in it print their mark.
func parcelWaybill(src Source, sh *floor.Shipping, o floor.Order, lines []floor.OrderLine, now time.Time) (labels.Waybill, error) {
	wb := labels.Waybill{Carrier: o.Carrier, Service: o.Service, TrackingNumber: o.Tracking, OrderID: o.ID,
		Sender: address(sh.Sender), Recipient: address(o.Recipient), Parcel: 1, Parcels: 1}
	crossBorder := !sh.Domestic(o.Recipient.Country)
	if crossBorder {
		wb.Customs = &labels.Customs{Category: sh.Customs.CategoryOf(o), Date: now, Signer: sh.Sender.Name,
			ImporterReference: o.Customs.ImporterReference, InvoiceNumber: o.Customs.InvoiceNumber}
	}
	var goods []string
	value := map[string]int64{}
	for _, l := range lines {
		sku, err := src.SKU(l.SKU)
		if err != nil {
			return wb, err
		}
		wb.WeightGrams += int(sku.WeightG * l.Quantity)
		goods = append(goods, sku.Goods...)
		if crossBorder {
			c := sku.Customs
			v := c.DeclaredValue.Minor * l.Quantity
			value[c.DeclaredValue.Currency] += v
			wb.Customs.Items = append(wb.Customs.Items, labels.CustomsItem{DescriptionEN: c.DescriptionEN,
				DescriptionZH: c.DescriptionZH, HSCode: c.HSCode, Quantity: int(l.Quantity),
				Value: v, Currency: c.DeclaredValue.Currency, Origin: c.Origin,
				NetWeightGrams: int(sku.WeightG * l.Quantity)})
		}
	}
	if crossBorder {
		wb.Customs.Form = sh.Customs.Form(value, labels.MinorDigits)
	}
	wb.LithiumUN = floor.LithiumUN(goods)
	return wb, nil
}

// pickList lists the order's stops in route order, with the task's map.
func pickList(src Source, o floor.Order) (*labels.PickList, error) {
	t, err := src.Task(o.TaskID)
	if err != nil {
		return nil, err
	}
	m, err := src.BinMap()
	if err != nil {
		return nil, err
	}
	pl := pickListOf(t, m, func(s floor.Stop) bool { return s.OrderID == o.ID })
	pl.OrderIDs = []string{o.ID}
	return pl, nil
}
