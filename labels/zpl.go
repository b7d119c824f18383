package labels

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// ZPL label geometry: 4 x 6 in at 203 dpi.
const (
	zplW = 812
	zplH = 1218
)

// ZPLUnicodeFont is the printer font file used for text outside Latin-1
// (Chinese, Cyrillic, Greek ...). ZPL's built-in font 0 covers Latin-1
// only, so such text needs a Unicode TrueType font on the printer:
// ANMDJ.TTF (Andale Mono WT J) ships with Zebra's Asian font option and can
// be downloaded to the printer's E: drive; any Unicode font saved under this
// name works the same. Latin-1 text uses font 0 and needs nothing.
const ZPLUnicodeFont = "E:ANMDJ.TTF"

// WriteZPL writes wb as one ZPL II label for a 203 dpi Zebra-compatible
// printer (812 x 1218 dots, UTF-8 via ^CI28): the layout of the PDF
// waybill, with Code 128 (^BC) for the tracking number and the order id.
// Items of a customs declaration beyond what one label holds are summed in
// the total and counted, not listed (ZPL has no continuation pages). A
// parcel with lithium batteries gets a second label: the battery mark.
//
// The printer wraps and clips the text in its fields; a text longer than
// its field could ever show is cut with an ellipsis first (see zplCap), so
// the label's size does not grow with its text. It returns ctx's error,
// and writes nothing, if ctx ends first.
func WriteZPL(ctx context.Context, w io.Writer, wb Waybill) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("labels: zpl: %w", err)
	}
	if wb.TrackingNumber == "" {
		return fmt.Errorf("labels: zpl: no tracking number")
	}
	track, err := encode128(wb.TrackingNumber)
	if err != nil {
		return fmt.Errorf("labels: zpl: tracking number: %w", err)
	}
	var order linear
	if wb.OrderID != "" {
		if order, err = encode128(wb.OrderID); err != nil {
			return fmt.Errorf("labels: zpl: order id: %w", err)
		}
	}
	z := &zpl{}
	z.f("^XA")
	z.f("^CI28") // field data is UTF-8
	z.f("^PW%d", zplW)
	z.f("^LL%d", zplH)
	z.f("^LH0,0")
	z.f("^CWJ,%s", ZPLUnicodeFont) // font J = the Unicode font
	d := mmDots
	right := zplW - d(margin)

	n, m := parcelOf(&wb)
	z.text(d(margin), d(3), 44, clean(wb.Carrier), 560)
	z.text(d(margin), d(10), 26, clean(wb.Service), 560)
	z.textRight(right, d(3), 44, fmt.Sprintf("%d/%d", n, m), 200)
	z.textRight(right, d(10.5), 26, formatWeight(wb.WeightGrams), 200)
	z.hline(d(wbHeaderEnd))

	z.text(d(margin), d(wbHeaderEnd+1), 18, "FROM", 70)
	z.addressBlock(d(margin+9), d(wbHeaderEnd+1), right-d(margin+9), d(wbFromEnd-wbHeaderEnd-1.5), 22, addressParas(wb.Sender, wb.Recipient.Country, 1))
	z.hline(d(wbFromEnd))
	z.text(d(margin), d(wbFromEnd+1.5), 24, "TO", 70)
	z.addressBlock(d(margin+9), d(wbFromEnd+1.5), right-d(margin+9), d(wbToEnd-wbFromEnd-2.5), 34, addressParas(wb.Recipient, wb.Sender.Country, 1))
	z.hline(d(wbToEnd))

	// Tracking: module 3 dots if it fits with its quiet zones, else 2.
	mod := 3
	if (track.width())*mod > zplW {
		mod = 2
	}
	if track.width()*mod > zplW {
		return fmt.Errorf("labels: zpl: tracking number %q too long for the label", wb.TrackingNumber)
	}
	h := d(wbTrackH)
	z.f("^FO%d,%d^BY%d^BCN,%d,N,N,N,A^FH_^FD%s^FS", (zplW-track.modules*mod)/2, d(wbTrackTop), mod, h, zplEscape(wb.TrackingNumber))
	z.f("^FO0,%d^A0N,40,40^FB%d,1,0,C^FH_^FD%s^FS", d(wbTrackTop+wbTrackH+1), zplW, zplEscape(wb.TrackingNumber))
	z.hline(d(wbTrackEnd))

	if wb.OrderID != "" {
		z.text(d(margin), d(wbTrackEnd+0.8), 18, "ORDER", 100)
		// Code 128 in 2-dot modules, or for an id too long for them (ids
		// may have 64 characters; 1-dot modules do not scan reliably) a
		// QR code in 3-dot modules, the id's text beside it.
		const mod = 2
		x := d(margin) + quiet128*mod
		if x+(order.modules+quiet128)*mod <= zplW {
			z.f("^FO%d,%d^BY%d^BCN,%d,N,N,N,A^FH_^FD%s^FS", x, d(wbTrackEnd+3.5), mod, d(7.5), zplEscape(wb.OrderID))
			z.text(x, d(wbOrderEnd-5), 24, wb.OrderID, 500)
		} else {
			z.f("^FO%d,%d^BQN,2,3^FH_^FDMA,%s^FS", d(margin), d(wbTrackEnd+2.5), zplEscape(wb.OrderID))
			tx := d(margin + 16)
			z.text(tx, d(wbTrackEnd+6), 18, wb.OrderID, right-tx)
		}
	}
	z.hline(d(wbOrderEnd))

	if len(wb.LithiumUN) > 0 {
		x, y := d(liBoxX), d(liBoxY)
		w := right - x
		z.f("^FO%d,%d^GB%d,%d,6^FS", x, y, w, d(liBoxH))
		z.text(x+6, y+12, 22, "LITHIUM BATTERIES", w-12)
		un := lithiumText(&wb)
		// Font 0 is about 0.6 of its height wide: one number at 40 dots,
		// more smaller, so that all of them show.
		h := min(40, max(16, int(float64(w-12)/(0.6*float64(len(un))))))
		z.text(x+6, y+40, h, un, w-12)
		if ph := clean(wb.Sender.Phone); ph != "" {
			z.text(x+6, y+86, 20, "Tel "+ph, w-12)
		}
	}
	if c := wb.Customs; c != nil {
		form := customsForm(c)
		z.text(d(margin), d(cuTitle)-20, 22, form+" CUSTOMS DECLARATION", 480)
		z.textRight(right, d(cuTitle)-18, 18, "May be opened officially", 300)
		x := d(margin)
		for _, k := range customsCategories {
			ticked := k.key == c.Category
			z.f("^FO%d,%d^GB16,16,2^FS", x, d(cuBoxes)-16)
			if ticked {
				z.f("^FO%d,%d^GD16,16,3,B,L^FS", x, d(cuBoxes)-16)
				z.f("^FO%d,%d^GD16,16,3,B,R^FS", x, d(cuBoxes)-16)
			}
			w := len(k.name)*9 + 4
			z.text(x+20, d(cuBoxes)-16, 16, k.name, w)
			x += 20 + w + 8
		}
		if form == "CN23" {
			refs := "Importer's reference: " + cmpOr(clean(c.ImporterReference), "-") + "    Invoice no.: " + cmpOr(clean(c.InvoiceNumber), "-")
			z.text(d(margin), d(cuRefs)-16, 16, refs, right-d(margin))
		}
		y := d(cuTable)
		cols := []int{d(margin), d(46), d(52), d(62), d(75)}
		for i, s := range []string{"Description", "Qty", "Net kg", "HS code", "Origin"} {
			z.text(cols[i], y+4, 16, s, 150)
		}
		z.textRight(right, y+4, 16, "Value", 150)
		y += 24
		shown := min(len(c.Items), wbCustomsRows)
		for _, it := range c.Items[:shown] {
			z.hline2(y)
			z.text(cols[0], y+3, 18, clean(it.DescriptionEN), cols[1]-cols[0]-8)
			z.text(cols[0], y+22, 18, clean(it.DescriptionZH), cols[1]-cols[0]-8)
			z.text(cols[1], y+3, 18, fmt.Sprint(it.Quantity), cols[2]-cols[1])
			z.text(cols[2], y+3, 18, strings.TrimSuffix(formatWeight(it.NetWeightGrams), " kg"), cols[3]-cols[2])
			z.text(cols[3], y+3, 18, clean(it.HSCode), cols[4]-cols[3])
			z.text(cols[4], y+3, 18, clean(it.Origin), 60)
			z.textRight(right, y+3, 18, formatMoney(it.Value, it.Currency), 160)
			y += 43
		}
		z.hline2(y)
		value, netG := customsTotals(c.Items)
		total := fmt.Sprintf("Total net %s · gross %s", formatWeight(netG), formatWeight(wb.WeightGrams))
		if more := len(c.Items) - shown; more > 0 {
			total = fmt.Sprintf("+%d more items · %s", more, total)
		}
		z.text(d(margin), d(cuTotal)-16, 18, total, d(62))
		z.textRight(right, d(cuTotal)-18, 20, "Total "+value, right-d(66))
		// The signer's name in a field of its own: it may need the
		// Unicode font, the rest never does.
		sx := d(margin) + 330
		z.text(d(margin), d(cuSign)-18, 18, "Date "+cmpOr(customsDate(c), "__________")+"  Sender's signature", sx-d(margin))
		z.text(sx+8, d(cuSign)-22, 18, clean(c.Signer), right-sx-8)
		z.f("^FO%d,%d^GB%d,0,1^FS", sx, d(cuSign)+2, right-sx)
	}
	z.f("^PQ1")
	z.f("^XZ")
	if len(wb.LithiumUN) > 0 {
		z.lithiumMark(&wb)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("labels: zpl: %w", err)
	}
	_, err = w.Write(z.b.Bytes())
	return err
}

// lithiumMark writes the lithium battery mark as a label of its own, as
// the PDF prints it on a page of its own: 100 x 100 mm across the label,
// the hatched border, the cells, the UN numbers and the sender's phone.
func (z *zpl) lithiumMark(wb *Waybill) {
	d := mmDots
	z.f("^XA")
	z.f("^CI28")
	z.f("^PW%d", zplW)
	z.f("^LL%d", zplH)
	z.f("^LH0,0")
	x0, y0, s, b := 0, d(liMarkTop), d(liMarkSize), d(liMarkHatch)
	z.f("^FO%d,%d^GB%d,%d,3^FS", x0, y0, s, s)
	z.f("^FO%d,%d^GB%d,%d,3^FS", x0+b, y0+b, s-2*b, s-2*b)
	// Hatching: diagonal strokes across each side of the border.
	for t := 12; t+b <= s-8; t += 28 {
		for _, at := range [][2]int{{x0 + t, y0}, {x0 + t, y0 + s - b}, {x0, y0 + t}, {x0 + s - b, y0 + t}} {
			// The stroke's thickness overhangs its box: inset by it.
			z.f("^FO%d,%d^GD%d,%d,8,B,R^FS", at[0]+5, at[1]+5, b-10, b-10)
		}
	}
	for i := range 3 {
		cx := x0 + d(26+float64(i)*17)
		z.f("^FO%d,%d^GB%d,%d,5^FS", cx, y0+d(22), d(12), d(22))
		z.f("^FO%d,%d^GB%d,%d,%d^FS", cx+d(4), y0+d(19.6), d(4), d(2.4), d(2.4))
	}
	z.f("^FO0,%d^A0N,56,56^FB%d,1,0,C^FDLITHIUM BATTERIES^FS", y0+d(52), zplW)
	un := lithiumText(wb)
	h := min(110, max(30, int(float64(s-2*b-40)/(0.6*float64(len(un))))))
	z.f("^FO0,%d^A0N,%d,%d^FB%d,1,0,C^FH_^FD%s^FS", y0+d(62), h, h, zplW, zplEscape(un))
	ph := clean(wb.Sender.Phone)
	if ph == "" {
		ph = "______________"
	}
	z.f("^FO0,%d^A0N,44,44^FB%d,1,0,C^FH_^FD%s^FS", y0+d(79), zplW, zplEscape(zplCut("Tel "+ph, zplCap(s-2*b, 44, 1))))
	z.f("^FO0,%d^A0N,30,30^FB%d,1,0,C^FH_^FD%s^FS", y0+s+d(3), zplW, zplEscape(wb.TrackingNumber))
	z.f("^PQ1")
	z.f("^XZ")
}

// mmDots converts mm to 203 dpi dots.
func mmDots(mm float64) int { return int(math.Round(mm / dot)) }

type zpl struct{ b bytes.Buffer }

func (z *zpl) f(format string, args ...any) {
	fmt.Fprintf(&z.b, format, args...)
	z.b.WriteByte('\n')
}

// zplFont is the font command for s: the built-in font 0 for Latin-1, the
// Unicode TrueType font otherwise.
func zplFont(s string, h int) string {
	for _, r := range s {
		if r > 0xFF {
			return fmt.Sprintf("^AJN,%d,%d", h, h)
		}
	}
	return fmt.Sprintf("^A0N,%d,%d", h, h)
}

// zplNarrowest is the narrowest advance of any character of the printer
// fonts, as a fraction of the font height: a bound, not a measurement (the
// printer measures), so that zplCap never cuts text the printer would show.
const zplNarrowest = 1.0 / 8

// zplCap is how many characters a field w dots wide of lines lines at font
// height h can ever show.
func zplCap(w, h, lines int) int {
	return int(float64(w*lines)/(float64(h)*zplNarrowest)) + 1
}

// zplCut cuts s to at most n characters, the last an ellipsis: the printer
// could not show more, and the rest would only make the label bigger.
func zplCut(s string, n int) string {
	i := 0
	for j := range s {
		if i == n-1 {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// text writes one line of text, at most w dots wide (cut by the printer).
func (z *zpl) text(x, y, h int, s string, w int) {
	if s == "" {
		return
	}
	s = zplCut(s, zplCap(w, h, 1))
	z.f("^FO%d,%d%s^FB%d,1,0,L^FH_^FD%s^FS", x, y, zplFont(s, h), w, zplEscape(s))
}

func (z *zpl) textRight(right, y, h int, s string, w int) {
	s = zplCut(s, zplCap(w, h, 1))
	z.f("^FO%d,%d%s^FB%d,1,0,R^FH_^FD%s^FS", right-w, y, zplFont(s, h), w, zplEscape(s))
}

// block writes paragraphs as one field block of at most lines lines,
// wrapped by the printer. Each paragraph starts a line, so each is cut to
// what the whole block can show.
// addressBlock draws an address in a box of height avail: in letters of
// height maxH if its lines fit so, else smaller (not below 18 dots, which
// print clearly at 203 dpi) so that each line of the address, the country
// last, has a line of the box.
func (z *zpl) addressBlock(x, y, w, avail, maxH int, paras []styled) {
	const gap, minH = 2, 18 // ^FB's added line spacing; smallest letters
	h := maxH
	if n := len(paras); n > 0 {
		h = max(minH, min(maxH, avail/n-gap))
	}
	z.block(x, y, w, h, max(1, avail/(h+gap)), paras)
}

func (z *zpl) block(x, y, w, h, lines int, paras []styled) {
	var parts []string
	font := zplFont("", h)
	for _, p := range paras {
		s := zplCut(p.s, zplCap(w, h, lines))
		parts = append(parts, zplEscape(s))
		if f := zplFont(s, h); f != zplFont("", h) {
			font = f // any text beyond Latin-1 needs the Unicode font
		}
	}
	z.f("^FO%d,%d%s^FB%d,%d,2,L^FH_^FD%s^FS", x, y, font, w, lines, strings.Join(parts, `\&`))
}

func (z *zpl) hline(y int) { z.f("^FO%d,%d^GB%d,0,3^FS", mmDots(margin), y, zplW-2*mmDots(margin)) }

func (z *zpl) hline2(y int) { z.f("^FO%d,%d^GB%d,0,1^FS", mmDots(margin), y, zplW-2*mmDots(margin)) }

// zplEscape makes s safe in a ^FH_ field: the command prefixes ^ and ~,
// the hex indicator _ and the ^FB escape \ are written as hex.
func zplEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '^', '~', '_', '\\':
			fmt.Fprintf(&b, "_%02X", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
