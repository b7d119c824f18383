package labels

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Waybill layout, y in mm from the top of the label.
const (
	wbHeaderEnd   = 16.0
	wbFromEnd     = 35.0
	wbToEnd       = 70.0
	wbTrackTop    = 72.0
	wbTrackH      = 19.0
	wbTrackEnd    = 99.5
	wbOrderEnd    = 116.5
	wbOrderW      = 62.0 // the order id's Code 128, quiet zones included
	wbCustomsRows = 2    // item rows on the label; more go on continuation pages
)

func (p *pdfWriter) waybill(wb *Waybill) error {
	if wb.TrackingNumber == "" {
		return fmt.Errorf("no tracking number")
	}
	// Encode before drawing so a bad value fails before a page is added.
	if _, err := encode128(wb.TrackingNumber); err != nil {
		return fmt.Errorf("tracking number: %w", err)
	}
	// The order id is a Code 128 barcode if its modules can be 2 dots
	// wide in the left part of the label (ids up to about 20 letters or
	// 40 digits), else a QR code, which any 2D imager reads: 1-dot
	// modules (0.125 mm) do not scan reliably, and ids may have 64
	// characters.
	var order linear
	var orderQR *matrix
	if wb.OrderID != "" {
		var err error
		if order, err = encode128(wb.OrderID); err != nil {
			return fmt.Errorf("order id: %w", err)
		}
		if moduleDots(order.width(), wbOrderW-dot, 2) < 2 {
			m, err := encodeQR(wb.OrderID)
			if err != nil {
				return fmt.Errorf("order id: %w", err)
			}
			orderQR = &m
		}
	}
	p.addPage()
	p.gray(0)
	p.lineWidth(0.4)
	right := pageW - margin

	// Header: carrier and service; parcel n of m and weight on the right.
	p.text(margin, 8.5, p.fit(clean(wb.Carrier), faceBold, 15, 60), faceBold, 15)
	p.text(margin, 13.5, p.fit(clean(wb.Service), faceRegular, 9, 60), faceRegular, 9)
	n, m := parcelOf(wb)
	p.textRight(right, 8.5, fmt.Sprintf("%d/%d", n, m), faceBold, 15)
	p.textRight(right, 13.5, formatWeight(wb.WeightGrams), faceBold, 9)
	p.line(margin, wbHeaderEnd, right, wbHeaderEnd)

	// Sender: small; recipient: large, it is what the courier reads.
	p.text(margin, wbHeaderEnd+3, "FROM", faceBold, 5.5)
	p.block(addressParas(wb.Sender, wb.Recipient.Country, 1), margin+9, wbHeaderEnd+1, right-margin-9, wbFromEnd-wbHeaderEnd-1.5, 8, 7, 6, 5)
	p.line(margin, wbFromEnd, right, wbFromEnd)
	p.text(margin, wbFromEnd+3.5, "TO", faceBold, 7)
	p.block(addressParas(wb.Recipient, wb.Sender.Country, 1.1), margin+9, wbFromEnd+1.5, right-margin-9, wbToEnd-wbFromEnd-2.5, 12, 11, 10, 9, 8, 7)
	p.line(margin, wbToEnd, right, wbToEnd)

	// Tracking number, as wide as the label allows (3 dots = 0.375 mm
	// modules at most: wide enough for any scanner at arm's length).
	if _, _, err := p.code128Fit(wb.TrackingNumber, 0, pageW, wbTrackTop, wbTrackH, 3, true); err != nil {
		return fmt.Errorf("tracking number: %w", err)
	}
	p.textCenter(pageW/2, wbTrackTop+wbTrackH+5, wb.TrackingNumber, faceBold, 12)
	p.line(margin, wbTrackEnd, right, wbTrackEnd)

	// Order id barcode, smaller, on the left half.
	if wb.OrderID != "" {
		p.text(margin, wbTrackEnd+3, "ORDER", faceBold, 5.5)
		if orderQR != nil {
			const top, size = wbTrackEnd + 3.5, wbOrderEnd - wbTrackEnd - 4
			if err := p.qr(*orderQR, margin, top, size); err != nil {
				return fmt.Errorf("order id: %w", err)
			}
			x := margin + size + 1
			textEnd := right
			if len(wb.LithiumUN) > 0 {
				textEnd = liBoxX - 1
			}
			p.block([]styled{{wb.OrderID, faceRegular, 1}}, x, top, textEnd-x, size, 8, 7)
		} else {
			left, _, err := p.code128Fit(wb.OrderID, margin, wbOrderW, wbTrackEnd+3.5, 7.5, 2, false)
			if err != nil {
				return fmt.Errorf("order id: %w", err)
			}
			p.text(left, wbOrderEnd-2.5, wb.OrderID, faceRegular, 8)
		}
	}
	if len(wb.LithiumUN) > 0 {
		p.lithiumBox(wb)
	}
	p.line(margin, wbOrderEnd, right, wbOrderEnd)

	if c := wb.Customs; c != nil {
		p.customs(wb, c)
	}
	if len(wb.LithiumUN) > 0 {
		p.lithiumMark(wb)
	}
	return nil
}

// The lithium battery box on the waybill: right of the order id.
const (
	liBoxX = 66.0
	liBoxY = wbTrackEnd + 1.2
	liBoxH = wbOrderEnd - wbTrackEnd - 2.4
)

// lithiumText is the UN numbers of a parcel, as printed.
func lithiumText(wb *Waybill) string {
	var un []string
	for _, n := range wb.LithiumUN {
		un = append(un, clean(n))
	}
	return strings.Join(un, " ")
}

// lithiumBox tells the courier, on the waybill itself, that the parcel
// holds lithium batteries and which: the full mark follows on its own page
// to stick on the box.
func (p *pdfWriter) lithiumBox(wb *Waybill) {
	right := pageW - margin
	w := right - liBoxX
	p.lineWidth(0.8)
	p.rect(liBoxX, liBoxY, w, liBoxH, "D")
	p.lineWidth(0.4)
	p.textCenter(liBoxX+w/2, liBoxY+4, "LITHIUM BATTERIES", faceBold, 6.5)
	un := lithiumText(wb)
	size := 11.0 // one number; two or more take a smaller size
	for size > 6 && p.width(un, faceBold, size) > w-2 {
		size--
	}
	p.textCenter(liBoxX+w/2, liBoxY+9.2, p.fit(un, faceBold, size, w-2), faceBold, size)
	if ph := clean(wb.Sender.Phone); ph != "" {
		p.textCenter(liBoxX+w/2, liBoxY+13, p.fit("Tel "+ph, faceRegular, 6, w-2), faceRegular, 6)
	}
}

// Lithium battery mark (IATA DGR 7.1.5.5, ADR 5.2.1.9): 100 x 100 mm, a
// hatched border 5 mm wide, the battery symbol, the UN numbers and a
// telephone number for information.
const (
	liMarkSize  = 100.0
	liMarkTop   = 25.0
	liMarkHatch = 5.0
)

// lithiumMark draws the mark on a page of its own, edge to edge across
// the 100 mm label: red in the regulation, black on a thermal printer,
// which the regulations accept when the contrast is sufficient.
func (p *pdfWriter) lithiumMark(wb *Waybill) {
	p.addPage()
	p.gray(0)
	x0, y0, s, b := 0.0, liMarkTop, liMarkSize, liMarkHatch
	p.lineWidth(0.3)
	p.rect(x0+0.2, y0+0.2, s-0.4, s-0.4, "D")
	p.rect(x0+b, y0+b, s-2*b, s-2*b, "D")
	// Hatching: 45-degree strokes across each side of the border, each
	// exactly as long as the border is wide, so nothing needs clipping.
	p.lineWidth(1.2)
	for t := 1.5; t+b*0.8 <= s-1; t += 3.5 {
		p.line(x0+t, y0+b, x0+t+b*0.8, y0+b*0.2)     // top
		p.line(x0+t, y0+s-b*0.2, x0+t+b*0.8, y0+s-b) // bottom
		p.line(x0+b*0.2, y0+t+b*0.8, x0+b, y0+t)     // left
		p.line(x0+s-b, y0+t+b*0.8, x0+s-b*0.2, y0+t) // right
	}
	p.lineWidth(0.6)
	// The symbol: a group of cells, one of them damaged and burning.
	for i := range 3 {
		cx := x0 + 26 + float64(i)*17
		p.rect(cx, y0+22, 12, 22, "D")
		p.rect(cx+4, y0+19.6, 4, 2.4, "F")
		p.text(cx+4.2, y0+31, "+", faceBold, 12)
		p.text(cx+4.6, y0+41, "–", faceBold, 12)
	}
	fx, fy := x0+26+2*17+12, y0+22.0
	for _, f := range [][4]float64{{0, 0, 3, -5}, {3, -5, 5, -1}, {5, -1, 7, -7}, {7, -7, 8, 0}} {
		p.line(fx+f[0], fy+f[1], fx+f[2], fy+f[3])
	}
	p.lineWidth(0.4)
	p.textCenter(x0+s/2, y0+58, "LITHIUM BATTERIES", faceBold, 16)
	un := lithiumText(wb)
	p.textCenter(x0+s/2, y0+72, p.fit(un, faceBold, 28, s-2*b-4), faceBold, 28)
	ph := clean(wb.Sender.Phone)
	if ph == "" {
		ph = "______________"
	}
	p.textCenter(x0+s/2, y0+84, p.fit("Tel "+ph, faceBold, 12, s-2*b-4), faceBold, 12)
	p.textCenter(x0+s/2, y0+s+6, p.fit(clean(wb.TrackingNumber), faceRegular, 9, s-6), faceRegular, 9)
}

func parcelOf(wb *Waybill) (int, int) {
	n, m := wb.Parcel, wb.Parcels
	if n < 1 {
		n = 1
	}
	if m < n {
		m = n
	}
	return n, m
}

func formatWeight(g int) string {
	return fmt.Sprintf("%d.%03d kg", g/1000, g%1000)
}

// customsCategories are the boxes of the CN22 and CN23, in their order,
// with their printed names.
var customsCategories = []struct{ key, name string }{
	{"gift", "Gift"}, {"documents", "Documents"}, {"commercial_sample", "Commercial sample"},
	{"returned_goods", "Returned goods"}, {"sale_of_goods", "Sale of goods"}, {"other", "Other"},
}

// customsForm is "CN23" or, for anything else, "CN22".
func customsForm(c *Customs) string {
	if c.Form == "CN23" {
		return "CN23"
	}
	return "CN22"
}

// customsTotals are the declared value per currency ("USD 12.00 + EUR
// 3.00": a declaration may mix currencies) and the net weight of all items.
func customsTotals(items []CustomsItem) (value string, netG int) {
	totals := map[string]int64{}
	for _, it := range items {
		totals[strings.ToUpper(it.Currency)] += it.Value
		netG += it.NetWeightGrams
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(totals)) {
		parts = append(parts, formatMoney(totals[k], k))
	}
	return strings.Join(parts, " + "), netG
}

// customsDate is the declaration's date as printed, "" for none.
func customsDate(c *Customs) string {
	if c.Date.IsZero() {
		return ""
	}
	return c.Date.Format("2006-01-02")
}

// Customs block layout, y in mm from the top of the label.
const (
	cuTitle = wbOrderEnd + 2.8
	cuBoxes = wbOrderEnd + 5.8 // baseline of the category boxes' names
	cuRefs  = wbOrderEnd + 8.6 // CN23: importer's reference, invoice
	cuTable = wbOrderEnd + 9.4
	cuTotal = pageH - 7.6
	cuSign  = pageH - margin - 0.4
)

// customs draws the declaration: form, category boxes, items with their
// net weight, value, HS code and origin, totals, date and the sender's
// signature line. Items beyond what the label holds go onto continuation
// pages of the same size, so nothing is left out.
func (p *pdfWriter) customs(wb *Waybill, c *Customs) {
	right := pageW - margin
	form := customsForm(c)
	p.text(margin, cuTitle, form+" CUSTOMS DECLARATION", faceBold, 7)
	p.textRight(right, cuTitle, "May be opened officially", faceRegular, 5.5)
	x := margin
	other := !isCategory(c.Category)
	for _, k := range customsCategories {
		ticked := k.key == c.Category || k.key == "other" && other && c.Category != ""
		x = p.checkbox(x, cuBoxes, k.name, ticked) + 1.6
	}
	if other && c.Category != "" {
		p.text(x, cuBoxes, p.fit(clean(c.Category), faceRegular, 5.5, right-x), faceRegular, 5.5)
	}
	if form == "CN23" {
		refs := "Importer's reference: " + cmpOr(clean(c.ImporterReference), "–") + "    Invoice no.: " + cmpOr(clean(c.InvoiceNumber), "–")
		p.text(margin, cuRefs, p.fit(refs, faceRegular, 5.5, right-margin), faceRegular, 5.5)
	}
	items := c.Items
	first := min(len(items), wbCustomsRows)
	p.customsRows(items[:first], cuTable)
	value, netG := customsTotals(items)
	total := fmt.Sprintf("Total net %s · gross %s", formatWeight(netG), formatWeight(wb.WeightGrams))
	if more := len(items) - first; more > 0 {
		total = fmt.Sprintf("+%d items on next page · %s", more, total)
	}
	p.text(margin, cuTotal, p.fit(total, faceRegular, 6, 62), faceRegular, 6)
	p.textRight(right, cuTotal, clean("Total "+value), faceBold, 6.5)
	sign := "Date " + cmpOr(customsDate(c), "__________") + "   Sender's signature"
	x = p.text(margin, cuSign, sign, faceRegular, 6)
	p.lineWidth(0.2)
	p.line(x+1, cuSign+0.4, right, cuSign+0.4)
	p.lineWidth(0.4)
	if s := clean(c.Signer); s != "" {
		p.text(x+2, cuSign-0.6, p.fit(s, faceRegular, 6, right-x-3), faceRegular, 6)
	}

	if form == "CN23" {
		p.cn23(wb, c)
		return
	}
	for rest := items[first:]; len(rest) > 0; {
		p.addPage()
		p.gray(0)
		p.text(margin, 7, form+" CUSTOMS DECLARATION (continued)", faceBold, 8)
		p.text(margin, 11, wb.TrackingNumber, faceRegular, 8)
		k := min(len(rest), 22)
		p.customsRows(rest[:k], 13)
		rest = rest[k:]
	}
}

// cn23FirstRows is how many items the first CN23 page holds under its
// header; the next pages hold 22, as the CN22's continuation pages do.
const cn23FirstRows = 15

// cn23 prints the whole CN23 after the waybill, to go in the parcel's
// document pouch: every field of the form, the ones the warehouse does not
// know (licence, certificate, postal charges, comments) as lines to fill
// in by hand, the non-delivery instruction boxes, all the items, the
// totals, the date and the signature line.
func (p *pdfWriter) cn23(wb *Waybill, c *Customs) {
	right := pageW - margin
	p.addPage()
	p.gray(0)
	p.text(margin, 7, "CN23 CUSTOMS DECLARATION", faceBold, 10)
	p.textRight(right, 7, "May be opened officially", faceRegular, 6.5)
	p.text(margin, 11, p.fit("Item no. "+clean(wb.TrackingNumber), faceRegular, 7, right-margin), faceRegular, 7)
	who := func(y float64, label string, a Address) {
		s := clean(strings.TrimSpace(a.Name + ", " + a.City + " " + a.Country))
		x := p.text(margin, y, label, faceBold, 6.5)
		p.text(x+1, y, p.fit(s, faceRegular, 6.5, right-x-1), faceRegular, 6.5)
	}
	who(15, "Sender:", wb.Sender)
	who(18.5, "Addressee:", wb.Recipient)
	fields := []string{
		"Importer's reference: " + cmpOr(clean(c.ImporterReference), "________________"),
		"Invoice no.: " + cmpOr(clean(c.InvoiceNumber), "________________"),
		"Licence no.: ________________",
		"Certificate no.: ________________",
		"Postal charges/fees: ____________",
		"Comments: ______________________",
	}
	for i, f := range fields {
		x := margin + float64(i%2)*47
		p.text(x, 22+float64(i/2)*3.5, p.fit(f, faceRegular, 6.5, 46), faceRegular, 6.5)
	}
	x := margin
	other := !isCategory(c.Category)
	for _, k := range customsCategories {
		x = p.checkbox(x, 33, k.name, k.key == c.Category || k.key == "other" && other && c.Category != "") + 1.6
	}
	x = p.text(margin, 36.5, "If undeliverable:", faceBold, 5.5) + 1.5
	x = p.checkbox(x, 36.5, "Return to sender", false) + 2
	p.checkbox(x, 36.5, "Treat as abandoned", false)

	items := c.Items
	first := min(len(items), cn23FirstRows)
	y := p.customsRows(items[:first], 38.5)
	for rest := items[first:]; len(rest) > 0; {
		p.addPage()
		p.gray(0)
		p.text(margin, 7, "CN23 CUSTOMS DECLARATION (continued)", faceBold, 8)
		p.text(margin, 11, wb.TrackingNumber, faceRegular, 8)
		k := min(len(rest), 22)
		y = p.customsRows(rest[:k], 13)
		rest = rest[k:]
	}
	if y > pageH-14 { // no room for the totals and the signature
		p.addPage()
		p.gray(0)
		y = 10
	}
	value, netG := customsTotals(items)
	p.text(margin, y+3.5, fmt.Sprintf("Total net %s · gross %s", formatWeight(netG), formatWeight(wb.WeightGrams)), faceRegular, 6.5)
	p.textRight(right, y+3.5, clean("Total "+value), faceBold, 7)
	sign := "Date " + cmpOr(customsDate(c), "__________") + "   Sender's signature"
	x = p.text(margin, y+9, sign, faceRegular, 6.5)
	p.lineWidth(0.2)
	p.line(x+1, y+9.4, right, y+9.4)
	p.lineWidth(0.4)
	if s := clean(c.Signer); s != "" {
		p.text(x+2, y+8.4, p.fit(s, faceRegular, 6.5, right-x-3), faceRegular, 6.5)
	}
}

// isCategory reports whether category is one of the forms' boxes.
func isCategory(category string) bool {
	for _, k := range customsCategories {
		if k.key == category {
			return true
		}
	}
	return false
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// checkbox draws a box, crossed when ticked, and its name at baseline y;
// it returns the x where the name ends.
func (p *pdfWriter) checkbox(x, y float64, name string, ticked bool) float64 {
	const size = 2.0
	top := y - size + 0.2
	p.lineWidth(0.2)
	p.rect(x, top, size, size, "D")
	if ticked {
		p.line(x, top, x+size, top+size)
		p.line(x, top+size, x+size, top)
	}
	p.lineWidth(0.4)
	return p.text(x+size+0.6, y, name, faceRegular, 5.5)
}

// customsRows draws a header and one two-line row per item (English and
// Chinese descriptions) from y, returning the y below.
func (p *pdfWriter) customsRows(items []CustomsItem, y float64) float64 {
	right := pageW - margin
	const (
		cQty = 46.0
		cKg  = 52.0
		cHS  = 62.0
		cOri = 75.0
		// cOriEnd bounds the origin, two letters, before the value.
		cOriEnd = 80.0
	)
	p.lineWidth(0.2)
	p.line(margin, y, right, y)
	y += 2.4
	for _, h := range []struct {
		x float64
		s string
	}{{margin, "Description"}, {cQty, "Qty"}, {cKg, "Net kg"}, {cHS, "HS code"}, {cOri, "Origin"}} {
		p.text(h.x, y, h.s, faceBold, 5.5)
	}
	p.textRight(right, y, "Value", faceBold, 5.5)
	y += 0.8
	for _, it := range items {
		p.line(margin, y, right, y)
		p.text(margin, y+2.4, p.fit(clean(it.DescriptionEN), faceRegular, 6.5, cQty-margin-1), faceRegular, 6.5)
		p.text(margin, y+4.8, p.fit(clean(it.DescriptionZH), faceRegular, 6.5, cQty-margin-1), faceRegular, 6.5)
		p.text(cQty, y+2.4, fmt.Sprint(it.Quantity), faceRegular, 6.5)
		p.text(cKg, y+2.4, strings.TrimSuffix(formatWeight(it.NetWeightGrams), " kg"), faceRegular, 6.5)
		p.text(cHS, y+2.4, p.fit(clean(it.HSCode), faceRegular, 6.5, cOri-cHS-1), faceRegular, 6.5)
		p.text(cOri, y+2.4, p.fit(clean(it.Origin), faceRegular, 6.5, cOriEnd-cOri), faceRegular, 6.5)
		// A value is never cut, lest it be misread; with an ISO currency
		// code it has at most some 25 characters.
		p.textRight(right, y+2.4, clean(formatMoney(it.Value, it.Currency)), faceRegular, 6.5)
		y += 5.4
	}
	p.line(margin, y, right, y)
	p.lineWidth(0.4)
	return y
}

// minorDigits are the ISO 4217 currencies whose minor unit is not 1/100.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0,
	"XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// MinorDigits is the number of decimals of an ISO 4217 currency's minor
// unit (2 for those the table does not list), as amounts are printed.
func MinorDigits(cur string) int {
	if d, ok := minorDigits[strings.ToUpper(strings.TrimSpace(cur))]; ok {
		return d
	}
	return 2
}

// formatMoney prints minor units as "CUR 12.34" with the currency's number
// of decimals.
func formatMoney(v int64, cur string) string {
	cur = strings.ToUpper(strings.TrimSpace(cur))
	d := MinorDigits(cur)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	if d == 0 {
		return fmt.Sprintf("%s %s%d", cur, sign, v)
	}
	p := int64(1)
	for range d {
		p *= 10
	}
	return fmt.Sprintf("%s %s%d.%0*d", cur, sign, v/p, d, v%p)
}
