package labels

import (
	"fmt"
	"sort"
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
	wbCustomsRows = 3    // item rows on the label; more go on continuation pages
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
			p.block([]styled{{wb.OrderID, faceRegular, 1}}, x, top, right-x, size, 8, 7)
		} else {
			left, _, err := p.code128Fit(wb.OrderID, margin, wbOrderW, wbTrackEnd+3.5, 7.5, 2, false)
			if err != nil {
				return fmt.Errorf("order id: %w", err)
			}
			p.text(left, wbOrderEnd-2.5, wb.OrderID, faceRegular, 8)
		}
	}
	p.line(margin, wbOrderEnd, right, wbOrderEnd)

	if c := wb.Customs; c != nil {
		p.customs(wb, c)
	}
	return nil
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

// customs draws the declaration block; items beyond what the label holds go
// onto continuation pages of the same size, so nothing is left out.
func (p *pdfWriter) customs(wb *Waybill, c *Customs) {
	right := pageW - margin
	y := wbOrderEnd + 3
	title := "CUSTOMS DECLARATION CN22"
	if c.Category != "" {
		title += " · " + clean(c.Category)
	}
	p.text(margin, y, p.fit(title, faceBold, 7, right-margin), faceBold, 7)
	items := c.Items
	first := min(len(items), wbCustomsRows)
	y = p.customsRows(items[:first], y+1.2)
	// Totals per currency: a declaration may mix currencies.
	totals := map[string]int64{}
	for _, it := range items {
		totals[strings.ToUpper(it.Currency)] += it.Value
	}
	curs := make([]string, 0, len(totals))
	for k := range totals {
		curs = append(curs, k)
	}
	sort.Strings(curs)
	var parts []string
	for _, k := range curs {
		parts = append(parts, formatMoney(totals[k], k))
	}
	total := "Total " + strings.Join(parts, " + ")
	if more := len(items) - first; more > 0 {
		total = fmt.Sprintf("+%d more items on next page · %s", more, total)
	}
	p.textRight(right, pageH-margin, p.fit(clean(total), faceBold, 7, right-margin), faceBold, 7)

	for rest := items[first:]; len(rest) > 0; {
		p.addPage()
		p.gray(0)
		p.text(margin, 7, "CUSTOMS DECLARATION (continued)", faceBold, 8)
		p.text(margin, 11, wb.TrackingNumber, faceRegular, 8)
		k := min(len(rest), 22)
		p.customsRows(rest[:k], 13)
		rest = rest[k:]
	}
}

// customsRows draws a header and one two-line row per item (English and
// Chinese descriptions) from y, returning the y below.
func (p *pdfWriter) customsRows(items []CustomsItem, y float64) float64 {
	right := pageW - margin
	const (
		cQty = 52.0
		cHS  = 60.0
		cOri = 75.0
		// cOriEnd bounds the origin, two letters, before the value.
		cOriEnd = 80.0
	)
	p.lineWidth(0.2)
	p.line(margin, y, right, y)
	y += 2.6
	for _, h := range []struct {
		x float64
		s string
	}{{margin, "Description"}, {cQty, "Qty"}, {cHS, "HS code"}, {cOri, "Origin"}} {
		p.text(h.x, y, h.s, faceBold, 5.5)
	}
	p.textRight(right, y, "Value", faceBold, 5.5)
	y += 0.8
	for _, it := range items {
		p.line(margin, y, right, y)
		p.text(margin, y+2.6, p.fit(clean(it.DescriptionEN), faceRegular, 7, cQty-margin-1), faceRegular, 7)
		p.text(margin, y+5.3, p.fit(clean(it.DescriptionZH), faceRegular, 7, cQty-margin-1), faceRegular, 7)
		p.text(cQty, y+2.6, fmt.Sprint(it.Quantity), faceRegular, 7)
		p.text(cHS, y+2.6, p.fit(clean(it.HSCode), faceRegular, 7, cOri-cHS-1), faceRegular, 7)
		p.text(cOri, y+2.6, p.fit(clean(it.Origin), faceRegular, 7, cOriEnd-cOri), faceRegular, 7)
		// A value is never cut, lest it be misread; with an ISO currency
		// code it has at most some 25 characters.
		p.textRight(right, y+2.6, clean(formatMoney(it.Value, it.Currency)), faceRegular, 7)
		y += 6
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

// formatMoney prints minor units as "CUR 12.34" with the currency's number
// of decimals.
func formatMoney(v int64, cur string) string {
	cur = strings.ToUpper(strings.TrimSpace(cur))
	d, ok := minorDigits[cur]
	if !ok {
		d = 2
	}
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
