package labels

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Page geometry in mm: 4 x 6 in labels, as the station printers take them.
const (
	pageW  = 100.0
	pageH  = 150.0
	margin = 3.0
	ptMM   = 25.4 / 72 // one typographic point in mm
)

// fixedDate is written as the creation date when Document.Created is zero,
// so equal documents give equal bytes.
var fixedDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// WritePDF writes d as one PDF: each waybill, then the pick list, all on
// 100 x 150 mm pages. It returns an error, and writes nothing, if a
// barcode's content cannot be encoded (non-ASCII tracking number, order id
// or bin code) or does not fit the label.
func WritePDF(w io.Writer, d Document) error {
	return writePDF(w, d, true, nil)
}

// writePDF is WritePDF with the knobs tests need: compress=false gives a
// readable PDF for the golden test, rec receives every drawing call for the
// raw-fpdf benchmark baseline.
func writePDF(w io.Writer, d Document, compress bool, rec *[]op) error {
	if len(d.Waybills) == 0 && d.PickList == nil {
		return errors.New("labels: empty document")
	}
	// Lay out first, measuring with the fonts' own widths, so that the
	// document's characters are known before its fonts are made.
	pw := &pdfWriter{}
	for i := range d.Waybills {
		if err := pw.waybill(&d.Waybills[i]); err != nil {
			return fmt.Errorf("labels: waybill %d (%s): %w", i+1, d.Waybills[i].TrackingNumber, err)
		}
	}
	if d.PickList != nil {
		if err := pw.pickList(d.PickList); err != nil {
			return fmt.Errorf("labels: pick list: %w", err)
		}
	}
	if rec != nil {
		*rec = pw.ops
	}
	created := d.Created
	if created.IsZero() {
		created = fixedDate
	}
	return render(w, pw.ops, compress, created)
}

// pdfWriter lays out pages with the package's fonts and barcodes as a list
// of drawing calls.
type pdfWriter struct {
	ops []op
}

func (p *pdfWriter) record(o op) {
	p.ops = append(p.ops, o)
}

func (p *pdfWriter) addPage() {
	p.record(op{kind: 'p'})
}

// runWidth is the width of a run in mm.
func runWidth(r run, size float64) float64 {
	return float64(faces[r.face].width(r.text)) * size * ptMM / 1000
}

// width is the width of s in mm; base is faceRegular or faceBold.
func (p *pdfWriter) width(s string, base int, size float64) float64 {
	var w float64
	for _, r := range runs(s, base) {
		w += runWidth(r, size)
	}
	return w
}

// encoded is text in a core font as fpdf wants it: Windows-1252 bytes,
// and the UTF-8 bytes of a rune that has none (a rune no font has, which
// prints as garbage but keeps its place).
func encoded(s string) string {
	ascii := true
	for i := range len(s) {
		ascii = ascii && s[i] < 0x80
	}
	if ascii {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if c, ok := charmap.Windows1252.EncodeRune(r); ok {
			b = append(b, c)
		} else {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// text draws s with its baseline at y, starting at x, and returns the x
// where it ends.
func (p *pdfWriter) text(x, y float64, s string, base int, size float64) float64 {
	for _, r := range runs(s, base) {
		p.record(op{kind: 't', face: r.face, size: size, x: x, y: y, s: r.text})
		x += runWidth(r, size)
	}
	return x
}

func (p *pdfWriter) textRight(xRight, y float64, s string, base int, size float64) {
	p.text(xRight-p.width(s, base, size), y, s, base, size)
}

func (p *pdfWriter) textCenter(xMid, y float64, s string, base int, size float64) {
	p.text(xMid-p.width(s, base, size)/2, y, s, base, size)
}

// fit shortens s with an ellipsis until it fits in w mm.
func (p *pdfWriter) fit(s string, base int, size, w float64) string {
	if p.width(s, base, size) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		t := strings.TrimRight(string(r), " ") + "…"
		if p.width(t, base, size) <= w {
			return t
		}
	}
	return ""
}

// wrap breaks s into lines no wider than w mm: at spaces in alphabetic
// text, between any two characters in CJK text, and inside a word only if
// the word alone is too wide.
func (p *pdfWriter) wrap(s string, base int, size, w float64) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	// Atoms: words (with their trailing spaces) or single CJK characters.
	var atoms []string
	start := 0
	for i, r := range s {
		if i > start && (isBreakAnywhere(r) || prevBreak(s, i)) {
			atoms = append(atoms, s[start:i])
			start = i
		}
	}
	atoms = append(atoms, s[start:])

	var lines []string
	var cur strings.Builder
	for _, a := range atoms {
		try := cur.String() + a
		if cur.Len() == 0 || p.width(strings.TrimRight(try, " "), base, size) <= w {
			cur.WriteString(a)
			continue
		}
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		cur.WriteString(a)
	}
	lines = append(lines, strings.TrimRight(cur.String(), " "))
	// A single word wider than the line is cut by character.
	var out []string
	for _, l := range lines {
		for p.width(l, base, size) > w && utf8.RuneCountInString(l) > 1 {
			r := []rune(l)
			k := len(r) - 1
			for k > 1 && p.width(string(r[:k]), base, size) > w {
				k--
			}
			out = append(out, string(r[:k]))
			l = strings.TrimLeft(string(r[k:]), " ")
		}
		out = append(out, l)
	}
	return out
}

// prevBreak reports whether a line may break before s[i] because of what
// precedes it: a space, or a CJK character.
func prevBreak(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	if r == ' ' {
		c, _ := utf8.DecodeRuneInString(s[i:])
		return c != ' '
	}
	return isBreakAnywhere(r)
}

func (p *pdfWriter) rect(x, y, w, h float64, style string) {
	p.record(op{kind: 'r', x: x, y: y, w: w, h: h, s: style})
}

func (p *pdfWriter) line(x1, y1, x2, y2 float64) {
	p.record(op{kind: 'l', x: x1, y: y1, w: x2, h: y2})
}

func (p *pdfWriter) circle(x, y, r float64, style string) {
	p.record(op{kind: 'c', x: x, y: y, w: r, s: style})
}

func (p *pdfWriter) lineWidth(w float64) {
	p.record(op{kind: 'w', w: w})
}

// gray sets the fill and text color: 0 black, 255 white. Thermal printers
// have no gray, so only those two are used.
func (p *pdfWriter) gray(g int) {
	p.record(op{kind: 'f', w: float64(g)})
}

// code128 draws l with its quiet zones starting at x (snapped to the dot
// grid), bars h mm tall from y, modules of the given dots.
func (p *pdfWriter) code128(l linear, x, y, h float64, dots int) {
	m := float64(dots) * dot
	x0 := snap(x) + quiet128*m
	y = snap(y)
	for _, b := range l.bars {
		p.rect(x0+float64(b[0])*m, y, float64(b[1])*m, h, "F")
	}
}

// code128Fit encodes s and draws it centred in [x, x+w] (quiet zones
// included), with the widest module up to maxDots that fits. It returns the
// left and right edges of the bars.
func (p *pdfWriter) code128Fit(s string, x, w, y, h float64, maxDots int, center bool) (float64, float64, error) {
	l, err := encode128(s)
	if err != nil {
		return 0, 0, err
	}
	dots := moduleDots(l.width(), w-dot, maxDots) // -dot: room for snapping
	if dots < 1 {
		return 0, 0, fmt.Errorf("barcode %q does not fit in %.0f mm", s, w)
	}
	m := float64(dots) * dot
	if center {
		x += (w - float64(l.width())*m) / 2
	}
	p.code128(l, x, y, h, dots)
	left := snap(x) + quiet128*m
	return left, left + float64(l.modules)*m, nil
}

// qr draws m with its quiet zone in a size x size mm box at (x, y).
func (p *pdfWriter) qr(m matrix, x, y, size float64) error {
	dots := moduleDots(m.n+2*quietQR, size-dot, 8)
	if dots < 1 {
		return errors.New("QR code does not fit")
	}
	mod := float64(dots) * dot
	x0, y0 := snap(x)+quietQR*mod, snap(y)+quietQR*mod
	for row := range m.n {
		for c := 0; c < m.n; {
			if !m.dark[row*m.n+c] {
				c++
				continue
			}
			e := c
			for e < m.n && m.dark[row*m.n+e] {
				e++
			}
			p.rect(x0+float64(c)*mod, y0+float64(row)*mod, float64(e-c)*mod, mod, "F")
			c = e
		}
	}
	return nil
}

// lineHeight is the distance between baselines for a font size, in mm.
func lineHeight(size float64) float64 { return size * ptMM * 1.18 }

// styled is a paragraph of a text block.
type styled struct {
	s    string
	base int
	rel  float64 // size relative to the block's size
}

// block draws paragraphs top-down from y in width w, at the largest of
// sizes that fits in h mm (the smallest, cut short, if none does), and
// returns the y below the last line.
func (p *pdfWriter) block(paras []styled, x, y, w, h float64, sizes ...float64) float64 {
	type ln struct {
		s    string
		base int
		size float64
	}
	var lines []ln
	var total float64
	for _, size := range sizes {
		lines, total = lines[:0], 0
		for _, pa := range paras {
			sz := size * pa.rel
			for _, l := range p.wrap(pa.s, pa.base, sz, w) {
				lines = append(lines, ln{l, pa.base, sz})
				total += lineHeight(sz)
			}
		}
		if total <= h {
			break
		}
	}
	n, used := 0, 0.0
	for n < len(lines) && used+lineHeight(lines[n].size) <= h+1e-9 {
		used += lineHeight(lines[n].size)
		n++
	}
	n = max(n, min(1, len(lines)))
	for i, l := range lines[:n] {
		if i == n-1 && n < len(lines) {
			l.s = p.fit(l.s+" …", l.base, l.size, w) // say that something was cut
		}
		p.text(x, y+l.size*ptMM*0.85, l.s, l.base, l.size)
		y += lineHeight(l.size)
	}
	return y
}

func addressParas(a Address, nameRel float64) []styled {
	var ps []styled
	add := func(s string, base int, rel float64) {
		if s = strings.TrimSpace(clean(s)); s != "" {
			ps = append(ps, styled{s, base, rel})
		}
	}
	add(a.Name, faceBold, nameRel)
	add(a.Company, faceRegular, 1)
	for _, l := range a.Lines {
		add(l, faceRegular, 1)
	}
	add(strings.TrimSpace(a.PostalCode+" "+a.City), faceRegular, 1)
	add(a.Region, faceRegular, 1)
	add(a.Country, faceBold, nameRel)
	if a.Phone != "" {
		add("Tel "+a.Phone, faceRegular, 0.9)
	}
	return ps
}
