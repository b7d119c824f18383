package labels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pickpack/pickpack/labels/address"
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
// or bin code) or does not fit the label, or if ctx ends first: the layout
// and the drawing look at ctx between pages, lines and text runs, so a
// render whose caller gave up or whose deadline passed stops its work.
//
// Text that does not fit its box is cut with an ellipsis; laying out text
// takes time linear in its length, however long it is.
func WritePDF(ctx context.Context, w io.Writer, d Document) error {
	return writePDF(ctx, w, d, true, nil)
}

// writePDF is WritePDF with the knobs tests need: compress=false gives a
// readable PDF for the golden test, rec receives every drawing call for the
// raw-fpdf benchmark baseline.
func writePDF(ctx context.Context, w io.Writer, d Document, compress bool, rec *[]op) error {
	pw, err := layout(ctx, d)
	if err != nil {
		return err
	}
	if rec != nil {
		*rec = pw.ops
	}
	created := d.Created
	if created.IsZero() {
		created = fixedDate
	}
	return render(ctx, w, pw.ops, compress, created)
}

// layout lays d out as drawing calls.
func layout(ctx context.Context, d Document) (*pdfWriter, error) {
	if len(d.Waybills) == 0 && d.PickList == nil {
		return nil, errors.New("labels: empty document")
	}
	// Lay out first, measuring with the fonts' own widths, so that the
	// document's characters are known before its fonts are made.
	pw := &pdfWriter{ctx: ctx}
	if pw.stopped() {
		return nil, fmt.Errorf("labels: %w", pw.err)
	}
	pickList := func() error {
		if d.PickList == nil {
			return nil
		}
		if err := pw.pickList(d.PickList); err != nil {
			return fmt.Errorf("labels: pick list: %w", err)
		}
		return nil
	}
	if d.PickListFirst {
		if err := pickList(); err != nil {
			return nil, err
		}
	}
	for i := range d.Waybills {
		if err := pw.waybill(&d.Waybills[i]); err != nil {
			return nil, fmt.Errorf("labels: waybill %d (%s): %w", i+1, clip(d.Waybills[i].TrackingNumber), err)
		}
		if pw.err != nil {
			return nil, fmt.Errorf("labels: %w", pw.err)
		}
	}
	if !d.PickListFirst {
		if err := pickList(); err != nil {
			return nil, err
		}
	}
	if pw.err != nil {
		return nil, fmt.Errorf("labels: %w", pw.err)
	}
	return pw, nil
}

// clip shortens a caller's value quoted in an error message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// pdfWriter lays out pages with the package's fonts and barcodes as a list
// of drawing calls.
type pdfWriter struct {
	ops []op
	ctx context.Context
	err error // ctx's error once it ended: the layout stops adding to ops
	// measured counts the runes measured: the layout's work, which tests
	// check grows linearly with the text.
	measured int
}

// stopped reports whether ctx has ended; the first time it has, it keeps
// the error.
func (p *pdfWriter) stopped() bool {
	if p.err == nil {
		p.err = p.ctx.Err()
	}
	return p.err != nil
}

func (p *pdfWriter) record(o op) {
	p.ops = append(p.ops, o)
}

func (p *pdfWriter) addPage() {
	p.stopped()
	p.record(op{kind: 'p'})
}

// unitsMM converts a width in 1/1000 em at size points to mm.
func unitsMM(units int, size float64) float64 {
	return float64(units) * size * ptMM / 1000
}

// meter measures text rune by rune, exactly as width measures it whole:
// per run of one face an integer sum of advances, each run converted to mm
// and added in order. So the width of a growing line is known as each rune
// is added, without measuring the line again for every rune or word (which
// made wrapping cubic in the text's length).
type meter struct {
	base  int
	size  float64
	done  float64 // mm of the finished runs
	face  int     // face of the current run; -1 before the first rune
	units int     // width of the current run, 1/1000 em
	work  *int    // counts the runes measured
}

func (p *pdfWriter) meter(base int, size float64) meter {
	return meter{base: base, size: size, face: -1, work: &p.measured}
}

// add appends r to the measured text.
func (m *meter) add(r rune) {
	*m.work++
	f := faceFor(r, m.base)
	if f != m.face {
		if m.face >= 0 {
			m.done += unitsMM(m.units, m.size)
		}
		m.face, m.units = f, 0
	}
	m.units += faces[f].advance(r)
}

// mm is the width of the text added so far.
func (m *meter) mm() float64 {
	if m.face < 0 {
		return 0
	}
	return m.done + unitsMM(m.units, m.size)
}

// width is the width of s in mm; base is faceRegular or faceBold.
func (p *pdfWriter) width(s string, base int, size float64) float64 {
	m := p.meter(base, size)
	for _, r := range s {
		m.add(r)
	}
	return m.mm()
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
	if p.stopped() {
		return x
	}
	for _, r := range runs(s, base) {
		p.record(op{kind: 't', face: r.face, size: size, x: x, y: y, s: r.text})
		x += unitsMM(faces[r.face].width(r.text), size)
	}
	return x
}

func (p *pdfWriter) textRight(xRight, y float64, s string, base int, size float64) {
	p.text(xRight-p.width(s, base, size), y, s, base, size)
}

func (p *pdfWriter) textCenter(xMid, y float64, s string, base int, size float64) {
	p.text(xMid-p.width(s, base, size)/2, y, s, base, size)
}

// fit returns s if it fits in w mm, else its longest prefix (trailing
// spaces dropped) that fits with an ellipsis after it, or "" if not even
// the ellipsis fits. One pass: each rune is measured once, and the pass
// ends where the prefix alone is wider than w (widths only grow as runes
// are added), so a long text costs only the part that fits.
func (p *pdfWriter) fit(s string, base int, size, w float64) string {
	m := p.meter(base, size) // s up to the current rune
	kept := m                // s up to its last non-space rune so far
	keptEnd, best, found := 0, 0, false
	for i, r := range s {
		// The cut before s[i]: its kept part and an ellipsis.
		e := kept
		e.add('…')
		if e.mm() <= w {
			best, found = keptEnd, true
		}
		m.add(r)
		if r != ' ' {
			_, n := utf8.DecodeRuneInString(s[i:]) // an invalid byte is 1, not RuneLen(U+FFFD)
			kept, keptEnd = m, i+n
			if kept.mm() > w {
				return cut(s, best, found)
			}
		}
	}
	if m.mm() <= w {
		return s
	}
	return cut(s, best, found)
}

// cut is s[:end] with an ellipsis, or "" if found is false.
func cut(s string, end int, found bool) string {
	if !found {
		return ""
	}
	return s[:end] + "…"
}

// wrap breaks s into lines no wider than w mm and hands them to emit in
// order until it returns false: at spaces in alphabetic text, between any
// two characters in CJK text, and inside a word only if the word alone is
// too wide. Each rune is measured a bounded number of times, so the work is
// linear in the length of s, and it ends early when emit wants no more.
func (p *pdfWriter) wrap(s string, base int, size, w float64, emit func(string) bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	// Lines are filled greedily with atoms: words (with their trailing
	// spaces) or single CJK characters. An atom goes on the line if the
	// line, trailing spaces left out, stays within w; the first atom of a
	// line always does.
	lineStart, lineEnd := 0, 0 // s[lineStart:lineEnd] is the line so far
	m := p.meter(base, size)   // measures the line so far
	over := false              // the line is already wider than w (one long word)
	more := true
	// place puts the atom s[a:b] on the line if it fits and reports whether
	// it did; first puts it there anyway.
	place := func(a, b int, first bool) bool {
		if over {
			return false
		}
		t := m
		for _, r := range s[a:b] {
			t.add(r)
			if r != ' ' && t.mm() > w {
				if !first {
					return false
				}
				over = true // the line is this word alone; cutWord measures it
				break
			}
		}
		m, lineEnd = t, b
		return true
	}
	flush := func() {
		more = p.cutWord(strings.TrimRight(s[lineStart:lineEnd], " "), base, size, w, emit)
	}
	atomStart := 0
	var prev rune
	for i, r := range s {
		if i > atomStart && (isBreakAnywhere(r) || isBreakAnywhere(prev) || prev == ' ' && r != ' ') {
			if !place(atomStart, i, lineEnd == lineStart) {
				if flush(); !more {
					return
				}
				lineStart, lineEnd, m, over = atomStart, atomStart, p.meter(base, size), false
				place(atomStart, i, true)
			}
			atomStart = i
		}
		prev = r
	}
	if !place(atomStart, len(s), lineEnd == lineStart) {
		if flush(); !more {
			return
		}
		lineStart, lineEnd, m, over = atomStart, atomStart, p.meter(base, size), false
		place(atomStart, len(s), true)
	}
	flush()
}

// cutWord emits line l, first cutting it between characters while it is
// wider than w: the greedy fill only lets a line be too wide when it is a
// single word. It returns what emit last returned.
func (p *pdfWriter) cutWord(l string, base int, size, w float64, emit func(string) bool) bool {
	for {
		if p.stopped() {
			return false
		}
		// k: the bytes of the longest prefix that fits, at least one rune.
		m := p.meter(base, size)
		k, runes := -1, 0
		for i, r := range l {
			m.add(r)
			runes++
			if m.mm() > w {
				k = i
				if i == 0 {
					_, k = utf8.DecodeRuneInString(l)
				}
				break
			}
		}
		if k < 0 || runes == 1 && k == len(l) {
			return emit(l)
		}
		if !emit(l[:k]) {
			return false
		}
		l = strings.TrimLeft(l[k:], " ")
	}
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
		// Lines after the first that overflows h are never drawn (that one
		// only says whether to add an ellipsis): stop there. The first
		// line is drawn even if it overflows, so the second is wanted.
		want := func() bool { return total <= h+1e-9 || len(lines) < 2 }
		for _, pa := range paras {
			if !want() {
				break
			}
			sz := size * pa.rel
			p.wrap(pa.s, pa.base, sz, w, func(l string) bool {
				lines = append(lines, ln{l, pa.base, sz})
				total += lineHeight(sz)
				return want()
			})
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

// addressParas lays a out in the format of its country's post (see package
// address), the name and a foreign country's name in bold, the phone last.
// from is the country at the other end of the parcel: when it differs from
// a's, a's country name in capitals closes the address (UPU practice).
func addressParas(a Address, from string, nameRel float64) []styled {
	var ps []styled
	add := func(s string, base int, rel float64) {
		if s = strings.TrimSpace(clean(s)); s != "" {
			ps = append(ps, styled{s, base, rel})
		}
	}
	for _, l := range address.Format(address.Address{Name: a.Name, Company: a.Company, Lines: a.Lines,
		City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}, from) {
		switch {
		case l.Name, l.Country:
			add(l.Text, faceBold, nameRel)
		default:
			add(l.Text, faceRegular, 1)
		}
	}
	if a.Phone != "" {
		add("Tel "+a.Phone, faceRegular, 0.9)
	}
	return ps
}
