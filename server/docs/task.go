package docs

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pickpack/pickpack/labels"
	"github.com/pickpack/pickpack/server/floor"
)

// RenderTask makes a paper task's sheet, printed when the task is handed
// out: one PDF with the whole task's pick list (every order, in route
// order, familiar stops first, with totes and the map), its QR code the
// task id the pack station accepts, followed by the waybill of each order
// of more than one unit (floor.Task.WaybillOnSheet; a one-unit order's
// waybill prints when its item is scanned at the pack station). In ZPL
// (a paper station with a label printer) every page of the PDF is one
// label. The sheet and its customs declarations are dated now.
func RenderTask(ctx context.Context, src Source, taskID, format string, now time.Time) ([]byte, error) {
	const op = "render task documents"
	if format != PDF && format != ZPL {
		return nil, floor.E(op, floor.KindInvalid, "unknown document format %q: pdf or zpl", format)
	}
	t, err := src.Task(taskID)
	if err != nil {
		return nil, err
	}
	m, err := src.BinMap()
	if err != nil {
		return nil, err
	}
	pl := pickListOf(t, m, func(floor.Stop) bool { return true })
	doc := labels.Document{PickList: pl, PickListFirst: true, Created: now}
	var later []string
	var sh *floor.Shipping
	for _, to := range t.Orders {
		pl.OrderIDs = append(pl.OrderIDs, to.OrderID)
		pl.Totes = append(pl.Totes, strconv.Itoa(to.Tote))
		if !t.WaybillOnSheet(to.OrderID) {
			later = append(later, to.OrderID)
			continue
		}
		o, err := src.Order(to.OrderID)
		if err != nil {
			return nil, err
		}
		if o.Tracking == "" {
			return nil, &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "NO_CARRIER",
				Msg: fmt.Sprintf("order %s has no waybill: %s", o.ID, o.ShippingProblem)}
		}
		if sh == nil {
			if sh, err = src.Shipping(); err != nil {
				return nil, err
			}
		}
		wb, err := waybill(src, sh, o, now)
		if err != nil {
			return nil, err
		}
		doc.Waybills = append(doc.Waybills, wb)
	}
	if len(later) > 0 {
		pl.Note = "Waybill printed at packing (one item): " + strings.Join(later, ", ")
	}
	var buf bytes.Buffer
	write := labels.WritePDF
	if format == ZPL {
		write = labels.WriteZPLDocument
	}
	if err := renderError(op, write(ctx, &buf, doc)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// pickListOf lists the task's stops that keep accepts, in route order,
// with the map of their bins. Lines one after the other at one bin (a
// batch's orders taking the same SKU into their totes) are one stop: the
// picker stops there once, and the map shows one mark, not two on top of
// each other.
func pickListOf(t floor.Task, m *floor.BinMap, keep func(floor.Stop) bool) *labels.PickList {
	pl := &labels.PickList{TaskID: t.ID}
	rm := &labels.RouteMap{CrossAisles: m.CrossAisles, Depot: labels.Point{X: m.Depot.X, Y: m.Depot.Y}}
	for _, a := range m.Aisles {
		rm.Aisles = append(rm.Aisles, a.X)
	}
	last := ""
	for _, s := range t.Stops {
		if !keep(s) || s.Picked == 0 && s.Remaining() == 0 {
			continue
		}
		if s.Bin != last {
			bin, _ := m.Bin(s.Bin)
			face := m.PickFace(bin)
			rm.Stops = append(rm.Stops, labels.MapStop{Point: labels.Point{X: face.X, Y: face.Y}, Familiar: s.Familiar})
			last = s.Bin
		}
		pl.Lines = append(pl.Lines, labels.PickLine{Stop: len(rm.Stops), Bin: s.Bin, SKU: s.SKU, Name: s.Name,
			Quantity: int(s.Quantity - s.Short), Tote: strconv.Itoa(s.Tote), Familiar: s.Familiar})
	}
	pl.Map = rm
	return pl
}
