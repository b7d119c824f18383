package labels

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strings"
)

// ZPL label geometry: 4 x 6 in at 203 dpi.
const (
	zplW = 812
	zplH = 1218
)

// WriteZPL writes wb as ZPL II for a 203 dpi Zebra-compatible printer: the
// waybill of WriteZPLDocument, with its customs continuation labels.
func WriteZPL(ctx context.Context, w io.Writer, wb Waybill) error {
	return WriteZPLDocument(ctx, w, Document{Waybills: []Waybill{wb}})
}

// WriteZPLDocument writes d as ZPL II for a stock 203 dpi Zebra-compatible
// printer, one label (812 x 1218 dots, 4 x 6 in) per page of the PDF that
// WritePDF makes of d: the same layout, drawn by the same code, so the two
// never drift apart. Text the printer's built-in font 0 draws (the text
// the PDF sets in its standard Helvetica: Windows-1252) is a font 0 field
// (^A0, UTF-8 via ^CI28); every other text (Chinese, Cyrillic, Greek ...)
// is rasterized here from the PDF's own fonts into a ^GF graphic field,
// so no font needs to be on the printer. Barcodes, rules and the route map
// are boxes (^GB), circles (^GC) and diagonals (^GD) on the dot grid the
// PDF's barcodes already sit on, module for module.
//
// It fails, writing nothing, where WritePDF fails, and if ctx ends first.
func WriteZPLDocument(ctx context.Context, w io.Writer, d Document) error {
	pw, err := layout(ctx, d)
	if err != nil {
		return err
	}
	var z zplWriter
	if err := z.ops(ctx, pw.ops); err != nil {
		return fmt.Errorf("labels: zpl: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("labels: zpl: %w", err)
	}
	_, err = w.Write(z.b.Bytes())
	return err
}

// zplWriter turns the layout's drawing calls into ZPL commands.
type zplWriter struct {
	b     bytes.Buffer
	open  bool    // a label is open (^XA written)
	gray  int     // 0 black, 255 white: the fill and text color
	width float64 // line width, mm
}

// dots converts mm to whole 203 dpi dots. The layout puts barcodes on the
// dot grid, so their edges convert exactly.
func dots(mm float64) int { return int(math.Round(mm / dot)) }

func (z *zplWriter) f(format string, args ...any) {
	fmt.Fprintf(&z.b, format, args...)
	z.b.WriteByte('\n')
}

func (z *zplWriter) ops(ctx context.Context, ops []op) error {
	z.width = 0.2 // fpdf's default line width
	for i, o := range ops {
		if i%64 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		switch o.kind {
		case 'p':
			z.page()
		case 't':
			z.text(o)
		case 'r':
			z.rect(o)
		case 'l':
			z.line(o)
		case 'c':
			z.circle(o)
		case 'w':
			z.width = o.w
		case 'f':
			z.gray = int(o.w)
		}
	}
	z.end()
	return nil
}

func (z *zplWriter) end() {
	if z.open {
		z.f("^PQ1")
		z.f("^XZ")
		z.open = false
	}
}

// page starts a label; fpdf starts each page with a black fill.
func (z *zplWriter) page() {
	z.end()
	z.f("^XA")
	z.f("^CI28") // field data is UTF-8
	z.f("^PW%d", zplW)
	z.f("^LL%d", zplH)
	z.f("^LH0,0")
	z.open, z.gray = true, 0
}

// thick is the current line width in dots, at least one.
func (z *zplWriter) thick() int { return max(1, dots(z.width)) }

// color is the ZPL line color of the current fill.
func (z *zplWriter) color() string {
	if z.gray >= 128 {
		return "W"
	}
	return "B"
}

// text writes one text run: font 0 for a standard-font run, a graphic
// field for a TrueType one. White text (a stop number on a black disc) is
// reversed (^FR): it prints white where it covers black.
func (z *zplWriter) text(o op) {
	rev := ""
	if z.gray >= 128 {
		rev = "^FR"
	}
	if faces[o.face].core {
		// ^FT puts the baseline at y, as the PDF does; ZPL's font height
		// is the em, as the PDF's size is.
		h := max(10, dots(o.size*ptMM))
		z.f("^FT%d,%d%s^A0N,%d,%d^FH_^FD%s^FS", dots(o.x), dots(o.y), rev, h, h, zplEscape(o.s))
		return
	}
	g := rasterize(o.face, o.size*ptMM/dot, o.s)
	if g.rowBytes == 0 {
		return // blank: only spaces
	}
	z.f("^FO%d,%d%s^GFA,%d,%d,%d,%s^FS", dots(o.x)+g.x, dots(o.y)+g.y, rev, len(g.bits), len(g.bits), g.rowBytes, g.acs())
}

// box writes a ^GB w x h box at (x, y) in dots; t >= min(w, h) fills it.
func (z *zplWriter) box(x, y, w, h, t int, color string) {
	w, h = max(w, 1), max(h, 1)
	t = min(max(t, 1), w, h) // ZPL widens a box narrower than its border
	z.f("^FO%d,%d^GB%d,%d,%d,%s^FS", x, y, w, h, t, color)
}

func (z *zplWriter) rect(o op) {
	x, y := dots(o.x), dots(o.y)
	w, h := dots(o.x+o.w)-x, dots(o.y+o.h)-y
	if strings.Contains(o.s, "F") {
		// A border of at least half the shorter side fills a box. A
		// square's is exactly half: renderers that stroke the border
		// along its middle (zebrash) then fill the square, not more.
		t := min(w, h)
		if w == h {
			t = (w + 1) / 2
		}
		z.box(x, y, w, h, t, z.color())
	}
	if strings.Contains(o.s, "D") {
		t := z.thick()
		z.box(x-t/2, y-t/2, w+t, h+t, t, "B")
	}
}

// line draws a line as a box (horizontal, vertical) or a diagonal (^GD),
// centred on the PDF's line.
func (z *zplWriter) line(o op) {
	x1, y1, x2, y2 := dots(o.x), dots(o.y), dots(o.w), dots(o.h)
	t := z.thick()
	if x1 > x2 {
		x1, y1, x2, y2 = x2, y2, x1, y1
	}
	switch {
	case y1 == y2:
		z.box(x1, y1-t/2, x2-x1+t, t, t, "B")
	case x1 == x2:
		z.box(x1-t/2, min(y1, y2), t, abs(y2-y1)+t, t, "B")
	default:
		lean := "L" // top left to bottom right
		if y2 < y1 {
			lean = "R"
		}
		z.f("^FO%d,%d^GD%d,%d,%d,B,%s^FS", x1-t/2, min(y1, y2)-t/2, x2-x1+t, abs(y2-y1)+t, t, lean)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// circle draws a disc or ring as a box with fully rounded corners
// (^GB d,d,t,c,8): its border lies inside the diameter, as a ^GC's does,
// and renderers agree on it.
func (z *zplWriter) circle(o op) {
	d := max(3, dots(2*o.w))
	x, y := dots(o.x)-d/2, dots(o.y)-d/2
	if strings.Contains(o.s, "F") {
		z.f("^FO%d,%d^GB%d,%d,%d,%s,8^FS", x, y, d, d, d, z.color())
	}
	if strings.Contains(o.s, "D") {
		t := z.thick()
		z.f("^FO%d,%d^GB%d,%d,%d,B,8^FS", x-t/2, y-t/2, d+t, d+t, t)
	}
}

// zplEscape makes s safe in a ^FH_ field: the command prefixes ^ and ~ and
// the hex indicator _ are written as hex.
func zplEscape(s string) string {
	if !strings.ContainsAny(s, "^~_") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '^', '~', '_':
			fmt.Fprintf(&b, "_%02X", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
