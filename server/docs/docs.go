// Package docs builds an order's documents (waybill and pick list) from
// the floor's records, in the formats the labels package writes.
package docs

import (
	"bytes"
	"context"
	"errors"
	"fmt"

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

// Render makes the documents of an order: a PDF with the waybill and the
// pick list, or the waybill alone in ZPL. The rendering stops when ctx
// ends: give it a deadline (the HTTP route and the print queue do). A
// render that ctx stopped is KindUnavailable, reason RENDER_STOPPED.
func Render(ctx context.Context, src Source, orderID, format string) ([]byte, error) {
	const op = "render documents"
	o, err := src.Order(orderID)
	if err != nil {
		return nil, err
	}
	if o.Tracking == "" {
		return nil, &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "NO_CARRIER",
			Msg: fmt.Sprintf("order %s has no waybill: %s", o.ID, o.ShippingProblem)}
	}
	sh, err := src.Shipping()
	if err != nil {
		return nil, err
	}
	wb, err := waybill(src, sh, o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	switch format {
	case ZPL:
		err = labels.WriteZPL(ctx, &buf, wb)
	case PDF:
		doc := labels.Document{Waybills: []labels.Waybill{wb}}
		if o.TaskID != "" {
			if doc.PickList, err = pickList(src, o); err != nil {
				return nil, err
			}
		}
		err = labels.WritePDF(ctx, &buf, doc)
	default:
		return nil, floor.E(op, floor.KindInvalid, "unknown document format %q: pdf or zpl", format)
	}
	if err := renderError(op, err); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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

// waybill fills the label of an order's single parcel; a parcel leaving the
// sender's country carries a customs declaration.
func waybill(src Source, sh *floor.Shipping, o floor.Order) (labels.Waybill, error) {
	wb := labels.Waybill{Carrier: o.Carrier, Service: o.Service, TrackingNumber: o.Tracking, OrderID: o.ID,
		Sender: address(sh.Sender), Recipient: address(o.Recipient), Parcel: 1, Parcels: 1}
	crossBorder := o.Recipient.Country != sh.Sender.Country
	if crossBorder {
		wb.Customs = &labels.Customs{Category: "Sale of goods"}
	}
	for _, l := range o.Lines {
		sku, err := src.SKU(l.SKU)
		if err != nil {
			return wb, err
		}
		wb.WeightGrams += int(sku.WeightG * l.Quantity)
		if crossBorder {
			c := sku.Customs
			wb.Customs.Items = append(wb.Customs.Items, labels.CustomsItem{DescriptionEN: c.DescriptionEN,
				DescriptionZH: c.DescriptionZH, HSCode: c.HSCode, Quantity: int(l.Quantity),
				Value: c.DeclaredValue.Minor * l.Quantity, Currency: c.DeclaredValue.Currency, Origin: c.Origin})
		}
	}
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
