package labels

import (
	"context"
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// render draws ops on a new fpdf document and writes it, unless ctx ends
// first.
func render(ctx context.Context, w io.Writer, ops []op, compress bool, created time.Time) error {
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: fpdf.SizeType{Wd: pageW, Ht: pageH}})
	pdf.SetCompression(compress)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetProducer("pickpack labels", false)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	fonts := newDocFonts(ops)
	if err := fonts.add(pdf); err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	font, style, size := "", "", 0.0
	setFont := func(f, st string, sz float64) {
		if f != font || st != style || sz != size {
			pdf.SetFont(f, st, sz)
			font, style, size = f, st, sz
		}
	}
	for i, o := range ops {
		// Between drawing calls, not inside one: each is small.
		if i%64 == 0 && ctx.Err() != nil {
			return fmt.Errorf("labels: %w", ctx.Err())
		}
		switch o.kind {
		case 'p':
			pdf.AddPage()
			font = "" // fpdf re-selects the font per page
		case 't':
			if f := faces[o.face]; f.core {
				setFont(f.family, f.style, o.size)
				pdf.Text(o.x, o.y, encoded(o.s))
				continue
			}
			x := o.x
			for _, pc := range fonts.encode(o.face, o.s) {
				setFont(fonts.names[o.face][pc.font], "", o.size)
				pdf.Text(x, o.y, pc.text)
				x += pdf.GetStringWidth(pc.text)
			}
		case 'r':
			pdf.Rect(o.x, o.y, o.w, o.h, o.s)
		case 'l':
			pdf.Line(o.x, o.y, o.w, o.h)
		case 'c':
			pdf.Circle(o.x, o.y, o.w, o.s)
		case 'w':
			pdf.SetLineWidth(o.w)
		case 'f':
			g := int(o.w)
			pdf.SetFillColor(g, g, g)
			pdf.SetTextColor(g, g, g)
		}
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	return pdf.Output(w)
}

// op is one drawing call (see writePDF); text is UTF-8, in one face.
type op struct {
	kind       byte // 'p' page, 't' text, 'r' rect, 'l' line, 'c' circle, 'w' line width, 'f' fill gray
	face       int
	size       float64
	x, y, w, h float64
	s          string
}
