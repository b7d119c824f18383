package labels

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// The benchmarks compare WritePDF with raw fpdf drawing comparable pages in
// the same run. Each baseline replays the drawing calls WritePDF lays out
// for the sample document (same pages, the same text runs in the same
// faces, the same rectangles, lines and circles) without any of this
// package's work: no layout, wrapping, font choice or barcode encoding.
// They differ in how they embed the fonts:
//
//   - raw (the target's baseline): the plain fpdf way, each TrueType face
//     added with AddUTF8FontFromBytes as it is first used, which fpdf
//     parses and subsets again in every document. WritePDF embeds its own
//     per-document subsets (docfonts.go) instead, which costs less, so the
//     rate against this baseline is above 100%.
//   - prebuilt: the document's simple-font subsets as WritePDF makes them,
//     but made once before the timed loop, the text already in their
//     codes: fpdf's own cost for these pages, so the rate against it is
//     this package's whole overhead, font subsetting included.
//
//	go test -run '^$' -bench . ./labels/

// rawFont is a font a baseline gives fpdf; add is nil for a core font.
type rawFont struct {
	family, style string
	add           func(pdf *fpdf.Fpdf)
}

// recordSample returns the drawing calls WritePDF makes for d and the fonts
// for the raw baseline: text ops' face indexes faces, core text is in
// Windows-1252 as a plain fpdf program would hold it.
func recordSample(tb testing.TB, d Document) ([]op, []rawFont) {
	var ops []op
	var b bytes.Buffer
	if err := writePDF(context.Background(), &b, d, true, &ops); err != nil {
		tb.Fatal(err)
	}
	fonts := make([]rawFont, numFaces)
	for i, f := range faces {
		fonts[i] = rawFont{family: f.family, style: f.style}
		if !f.core {
			fonts[i].add = func(pdf *fpdf.Fpdf) { pdf.AddUTF8FontFromBytes(f.family, f.style, f.ttf) }
		}
	}
	for i, o := range ops {
		if o.kind == 't' && faces[o.face].core {
			ops[i].s = encoded(o.s)
		}
	}
	return ops, fonts
}

// prebuiltSample returns the drawing calls WritePDF makes for d with the
// text in the codes of the document's simple fonts, and those fonts made.
func prebuiltSample(tb testing.TB, d Document) ([]op, []rawFont) {
	ops, core := recordSample(tb, d)
	df := newDocFonts(ops)
	fonts := slices.Clone(core)
	index := map[string]int{}
	scratch := fpdf.New("P", "mm", "A4", "") // to measure pieces
	err := df.each(func(name string, def, z []byte) {
		add := func(pdf *fpdf.Fpdf) { pdf.AddFontFromBytes(name, "", def, z) }
		add(scratch)
		index[name] = len(fonts)
		fonts = append(fonts, rawFont{family: name, add: add})
	})
	if err != nil {
		tb.Fatal(err)
	}
	var out []op
	for _, o := range ops {
		if o.kind != 't' || faces[o.face].core {
			out = append(out, o)
			continue
		}
		for _, pc := range df.encode(o.face, o.s) {
			name := df.names[o.face][pc.font]
			out = append(out, op{kind: 't', face: index[name], size: o.size, x: o.x, y: o.y, s: pc.text})
			scratch.SetFont(name, "", o.size)
			o.x += scratch.GetStringWidth(pc.text)
		}
	}
	return out, fonts
}

// rawFpdf draws ops with fpdf alone, text ops in fonts[o.face], each font
// added when first used.
func rawFpdf(b *bytes.Buffer, ops []op, fonts []rawFont) error {
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: fpdf.SizeType{Wd: pageW, Ht: pageH}})
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(fixedDate)
	pdf.SetModificationDate(fixedDate)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	added := make([]bool, len(fonts))
	cur, size := -1, 0.0
	for _, o := range ops {
		switch o.kind {
		case 'p':
			pdf.AddPage()
			cur = -1
		case 't':
			f := fonts[o.face]
			if !added[o.face] && f.add != nil {
				f.add(pdf)
				added[o.face] = true
			}
			if o.face != cur || o.size != size {
				pdf.SetFont(f.family, f.style, o.size)
				cur, size = o.face, o.size
			}
			pdf.Text(o.x, o.y, o.s)
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
	return pdf.Output(b)
}

// BenchmarkWritePDF: one 20-line order (waybill with Chinese recipient and
// customs declaration, 3-page pick list with route map) per op.
func BenchmarkWritePDF(b *testing.B) {
	d := sampleDocument()
	var buf bytes.Buffer
	c0 := cpuTime()
	for b.Loop() {
		buf.Reset()
		if err := WritePDF(context.Background(), &buf, d); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, c0)
}

// reportCPU reports the CPU time per op (all threads, GC included).
func reportCPU(b *testing.B, c0 time.Duration) {
	if c0 > 0 {
		b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkRawFpdf: the same pages drawn by raw fpdf with its UTF-8 fonts,
// per op.
func BenchmarkRawFpdf(b *testing.B) {
	benchRaw(b, recordSample)
}

// BenchmarkRawFpdfPrebuilt: the same pages drawn by raw fpdf with the
// document's simple fonts made beforehand, per op.
func BenchmarkRawFpdfPrebuilt(b *testing.B) {
	benchRaw(b, prebuiltSample)
}

func benchRaw(b *testing.B, sample func(testing.TB, Document) ([]op, []rawFont)) {
	ops, fonts := sample(b, sampleDocument())
	var buf bytes.Buffer
	c0 := cpuTime()
	for b.Loop() {
		buf.Reset()
		if err := rawFpdf(&buf, ops, fonts); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, c0)
}

// BenchmarkCompare alternates WritePDF and the two baselines, so all see
// the same machine state, and reports each one's time per document and the
// package's rate as a percentage of each baseline's (the target is >= 80%
// of raw, and < 10 ms per doc).
func BenchmarkCompare(b *testing.B) {
	d := sampleDocument()
	type contender struct {
		name      string
		run       func(*bytes.Buffer) error
		wall, cpu time.Duration
	}
	rawOps, rawFonts := recordSample(b, d)
	preOps, preFonts := prebuiltSample(b, d)
	cs := []*contender{
		{name: "labels", run: func(buf *bytes.Buffer) error { return WritePDF(context.Background(), buf, d) }},
		{name: "raw", run: func(buf *bytes.Buffer) error { return rawFpdf(buf, rawOps, rawFonts) }},
		{name: "prebuilt", run: func(buf *bytes.Buffer) error { return rawFpdf(buf, preOps, preFonts) }},
	}
	var buf bytes.Buffer
	for b.Loop() {
		for _, c := range cs {
			buf.Reset()
			c0, t0 := cpuTime(), time.Now()
			if err := c.run(&buf); err != nil {
				b.Fatal(err)
			}
			c.wall += time.Since(t0)
			c.cpu += cpuTime() - c0
		}
	}
	n := float64(b.N)
	for _, c := range cs {
		b.ReportMetric(float64(c.wall.Nanoseconds())/n, c.name+"-ns/doc")
		if c.cpu > 0 {
			b.ReportMetric(float64(c.cpu.Nanoseconds())/n, c.name+"-cpu-ns/doc")
		}
	}
	b.ReportMetric(100*float64(cs[1].wall)/float64(cs[0].wall), "rate-%-of-raw")
	b.ReportMetric(100*float64(cs[2].wall)/float64(cs[0].wall), "rate-%-of-prebuilt")
}

// BenchmarkWritePDFFullCJKFont shows the slow path: a character in neither
// CJK subset makes the document load the full 4 MB font.
func BenchmarkWritePDFFullCJKFont(b *testing.B) {
	d := sampleDocument()
	d.Waybills[0].Recipient.Lines = append(d.Waybills[0].Recipient.Lines, string(rareHan(&testing.T{})))
	var buf bytes.Buffer
	c0 := cpuTime()
	for b.Loop() {
		buf.Reset()
		if err := WritePDF(context.Background(), &buf, d); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, c0)
}

// BenchmarkWriteZPL: the waybill as ZPL.
func BenchmarkWriteZPL(b *testing.B) {
	wb := sampleDocument().Waybills[0]
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteZPL(context.Background(), &buf, wb); err != nil {
			b.Fatal(err)
		}
	}
}
