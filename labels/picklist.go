package labels

import (
	"fmt"
	"math"
	"strings"
)

// Pick list layout, y in mm.
const (
	plRowH      = 12.0
	plBottom    = 145.0
	plMapTop    = 31.0
	plMapBottom = 73.0
	plFirstNoMp = 33.0 // first row's top without a map
	plFirstMap  = plMapBottom + 4.5
	plNextTop   = 16.0
	plBinW      = 45.0 // bin barcode column, quiet zones included
)

// qrText is what the pick list's QR code carries.
func (pl *PickList) qrText() string {
	if pl.TaskID != "" {
		return pl.TaskID
	}
	return strings.Join(pl.OrderIDs, ",")
}

func (p *pdfWriter) pickList(pl *PickList) error {
	// Encode everything first: a bad bin code fails before drawing.
	bins := make([]linear, len(pl.Lines))
	for i, l := range pl.Lines {
		b, err := encode128(l.Bin)
		if err != nil {
			return fmt.Errorf("line %d bin: %w", i+1, err)
		}
		if moduleDots(b.width(), plBinW-dot, 2) < 1 {
			return fmt.Errorf("line %d bin %q: barcode too long for the pick list", i+1, l.Bin)
		}
		bins[i] = b
	}
	code, err := encodeQR(pl.qrText())
	if err != nil {
		return err
	}

	first := plFirstNoMp
	if pl.Map != nil {
		first = plFirstMap
	}
	perFirst := int(math.Floor((plBottom - first) / plRowH))
	perNext := int(math.Floor((plBottom - plNextTop) / plRowH))
	pages := 1
	if n := len(pl.Lines) - perFirst; n > 0 {
		pages += (n + perNext - 1) / perNext
	}

	units := 0
	for _, l := range pl.Lines {
		units += l.Quantity
	}
	right := pageW - margin
	title := "PICK LIST"
	named := pl.OrderIDs
	if len(pl.Totes) == len(pl.OrderIDs) {
		named = make([]string, len(pl.OrderIDs))
		for i, id := range pl.OrderIDs {
			named[i] = id + " (tote " + pl.Totes[i] + ")"
		}
	}
	ids := "Orders " + strings.Join(named, ", ")
	if len(named) == 1 {
		ids = "Order " + named[0]
	}
	if pl.TaskID != "" {
		title += " · " + pl.TaskID
	}

	// First page header, with the QR code top right.
	p.addPage()
	p.gray(0)
	p.lineWidth(0.4)
	p.text(margin, 9, p.fit(clean(title), faceBold, 13, 64), faceBold, 13)
	head := []styled{{clean(ids), faceRegular, 1}}
	if pl.Note != "" {
		head = append(head, styled{clean(pl.Note), faceRegular, 0.85})
	}
	p.block(head, margin, 11, 64, 9, 9, 8, 7)
	stops := 0
	if pl.Map != nil {
		stops = len(pl.Map.Stops)
	}
	summary := fmt.Sprintf("%d lines · %d units", len(pl.Lines), units)
	if stops > 0 {
		summary += fmt.Sprintf(" · %d stops", stops)
	}
	p.text(margin, 24, summary, faceBold, 8)
	if err := p.qr(code, right-27, 2, 27); err != nil {
		return err
	}
	// The legend's marks are drawn like the map's: a glyph for them would
	// pull a whole TrueType font into every pick list.
	p.circle(margin+0.8, 27.9, 0.8, "F")
	x := p.text(margin+2.2, 28.5, "familiar bin, picked first", faceRegular, 6)
	p.circle(x+3, 27.9, 0.8, "D")
	p.text(x+4.4, 28.5, "unfamiliar, last", faceRegular, 6)
	if pl.Map != nil {
		p.routeMap(pl.Map, margin, plMapTop, right-margin, plMapBottom-plMapTop)
	}

	// The header of each next page, fitted once.
	nextTitle := p.fit(clean(title+" (continued)"), faceBold, 9, right-margin)
	nextIDs := p.fit(clean(ids), faceRegular, 7, right-margin)
	page, y, onPage := 1, first, 0
	p.rowHeader(y)
	for i := range pl.Lines {
		if (page == 1 && onPage == perFirst) || (page > 1 && onPage == perNext) {
			p.footer(page, pages)
			page++
			p.addPage()
			p.gray(0)
			p.lineWidth(0.4)
			p.text(margin, 7, nextTitle, faceBold, 9)
			p.text(margin, 11.5, nextIDs, faceRegular, 7)
			y, onPage = plNextTop, 0
			p.rowHeader(y)
		}
		p.pickRow(&pl.Lines[i], bins[i], y)
		y += plRowH
		onPage++
	}
	p.footer(page, pages)
	return nil
}

func (p *pdfWriter) rowHeader(y float64) {
	p.text(margin, y-1, "STOP", faceBold, 5)
	p.text(11.5+quiet128*2*dot, y-1, "BIN", faceBold, 5)
	p.text(57, y-1, "SKU / ITEM", faceBold, 5)
	p.textRight(pageW-margin, y-1, "QTY", faceBold, 5)
	p.lineWidth(0.2)
	p.line(margin, y, pageW-margin, y)
}

func (p *pdfWriter) footer(page, pages int) {
	p.textCenter(pageW/2, pageH-1.5, fmt.Sprintf("pick list page %d of %d", page, pages), faceRegular, 6)
}

// pickRow draws one line: stop number (filled disc when familiar), bin
// barcode and code, SKU and name, quantity and tote.
func (p *pdfWriter) pickRow(l *PickLine, bin linear, y float64) {
	right := pageW - margin
	p.stopMark(7, y+5, 3.2, l.Stop, l.Familiar, 9)
	dots := moduleDots(bin.width(), plBinW-dot, 2)
	p.code128(bin, 11.5, y+1, 6.5, dots)
	p.text(11.5+quiet128*float64(dots)*dot, y+10.5, l.Bin, faceBold, 8)

	p.text(57, y+3.3, p.fit(clean(l.SKU), faceBold, 8, 28), faceBold, 8)
	p.block([]styled{{clean(l.Name), faceRegular, 1}}, 57, y+4.2, 29, 7.4, 7, 6.5, 6)
	p.textRight(right, y+6.2, fmt.Sprint(l.Quantity), faceBold, 16)
	if l.Tote != "" {
		p.textRight(right, y+10.5, p.fit("tote "+clean(l.Tote), faceRegular, 6.5, 14), faceRegular, 6.5)
	}
	p.line(margin, y+plRowH, right, y+plRowH)
}

// stopMark draws a numbered stop: a black disc with a white number when
// familiar, a white disc with a black number when not, so the difference
// survives a thermal printer and a photocopy.
func (p *pdfWriter) stopMark(x, y, r float64, n int, familiar bool, size float64) {
	p.lineWidth(0.3)
	if familiar {
		p.gray(0)
		p.circle(x, y, r, "FD")
		p.gray(255)
	} else {
		p.gray(255)
		p.circle(x, y, r, "FD")
		p.gray(0)
	}
	p.textCenter(x, y+size*ptMM*0.36, fmt.Sprint(n), faceBold, size)
	p.gray(0)
}

// routeMap draws a schematic of the aisles, cross aisles and the route in
// the box (x, y, w, h). Axes are scaled separately: it is a sketch for
// orientation, not a plan to scale.
func (p *pdfWriter) routeMap(m *RouteMap, x, y, w, h float64) {
	p.lineWidth(0.2)
	p.rect(x, y, w, h, "D")
	minX, maxX := math.Inf(1), math.Inf(-1)
	minY, maxY := math.Inf(1), math.Inf(-1)
	grow := func(px, py float64) {
		minX, maxX = math.Min(minX, px), math.Max(maxX, px)
		minY, maxY = math.Min(minY, py), math.Max(maxY, py)
	}
	for _, a := range m.Aisles {
		for _, c := range m.CrossAisles {
			grow(a, c)
		}
	}
	grow(m.Depot.X, m.Depot.Y)
	for _, s := range m.Stops {
		grow(s.X, s.Y)
	}
	if maxX == minX {
		maxX++
	}
	if maxY == minY {
		maxY++
	}
	const pad = 4.0
	sx := (w - 2*pad) / (maxX - minX)
	sy := (h - 2*pad) / (maxY - minY)
	px := func(v float64) float64 { return x + pad + (v-minX)*sx }
	py := func(v float64) float64 { return y + h - pad - (v-minY)*sy } // y up

	// Aisles between the outer cross aisles, cross aisles across them.
	loC, hiC := minMax(m.CrossAisles)
	loA, hiA := minMax(m.Aisles)
	p.lineWidth(0.15)
	for _, a := range m.Aisles {
		p.line(px(a), py(loC), px(a), py(hiC))
	}
	for _, c := range m.CrossAisles {
		p.line(px(loA), py(c), px(hiA), py(c))
	}

	// Route: depot, each stop, back to the depot, walking along an aisle
	// to the best cross aisle, across, and up or down the next aisle.
	p.lineWidth(0.6)
	pts := []Point{m.Depot}
	for _, s := range m.Stops {
		pts = append(pts, s.Point)
	}
	pts = append(pts, m.Depot)
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		if math.Abs(a.X-b.X) < 1e-9 || len(m.CrossAisles) == 0 {
			p.line(px(a.X), py(a.Y), px(b.X), py(b.Y))
			continue
		}
		c := m.CrossAisles[0]
		for _, ca := range m.CrossAisles {
			if math.Abs(a.Y-ca)+math.Abs(b.Y-ca) < math.Abs(a.Y-c)+math.Abs(b.Y-c) {
				c = ca
			}
		}
		p.line(px(a.X), py(a.Y), px(a.X), py(c))
		p.line(px(a.X), py(c), px(b.X), py(c))
		p.line(px(b.X), py(c), px(b.X), py(b.Y))
	}

	// Depot, then stops numbered in route order.
	p.gray(0)
	p.rect(px(m.Depot.X)-1.8, py(m.Depot.Y)-1.8, 3.6, 3.6, "F")
	p.gray(255)
	p.textCenter(px(m.Depot.X), py(m.Depot.Y)+0.9, "P", faceBold, 6)
	p.gray(0)
	for i, s := range m.Stops {
		p.stopMark(px(s.X), py(s.Y), 1.9, i+1, s.Familiar, 5.5)
	}
}

func minMax(v []float64) (float64, float64) {
	if len(v) == 0 {
		return 0, 0
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}
