package labels

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pickpack/pickpack/server/floor"
)

// Field limits of a valid order (server/floor checks them at
// every entry), taken at their most generous: the worst-case document
// fills each one.
const (
	limName      = floor.MaxRecipientNameLen
	limLine      = floor.MaxAddressLineLen
	limLines     = floor.MaxAddressLines
	limCity      = max(floor.MaxCityLen, floor.MaxRegionLen) // city, region
	limPostal    = floor.MaxPostalCodeLen
	limPhone     = floor.MaxPhoneLen
	limID        = 64 // order, SKU and task ids: ASCII (floor.IDOrder)
	limSKUName   = floor.MaxSKUNameLen
	limCustoms   = max(floor.MaxCustomsENLen, floor.MaxCustomsZHLen)
	limLinesOrdr = floor.MaxOrderLines
)

// mixedText makes text in several scripts with wide glyphs: CJK (each
// character an em wide, drawn from a pool so that a document uses as many
// distinct glyphs, and so as large font subsets, as it can), Cyrillic and
// Latin capitals, with spaces between words.
type mixedText struct {
	han []rune // characters of the CJK fonts, the rare ones of the full font too
	i   int
}

func newMixedText() *mixedText {
	t := &mixedText{}
	for r := rune(0x4E00); r < 0xA000; r++ {
		for _, f := range []int{faceCJK1, faceCJK2, faceCJKFull} {
			if faces[f].has(r) {
				t.han = append(t.han, r)
				break
			}
		}
	}
	// Interleave the pool so that every document also needs cjk-2 and the
	// full font, not just the first subset.
	var mixed []rune
	third := len(t.han) / 3
	for i := range third {
		mixed = append(mixed, t.han[i], t.han[third+i], t.han[2*third+i])
	}
	t.han = mixed
	return t
}

// text returns n runes: words of 6 CJK characters, "ЩЖШЮЫМ" and
// "WMWMWM", separated by spaces.
func (t *mixedText) text(n int) string {
	var b []rune
	for w := 0; len(b) < n; w++ {
		if w > 0 {
			b = append(b, ' ')
		}
		switch w % 3 {
		case 0:
			for range 6 {
				b = append(b, t.han[t.i%len(t.han)])
				t.i++
			}
		case 1:
			b = append(b, []rune("ЩЖШЮЫМ")...)
		case 2:
			b = append(b, []rune("WMWMWM")...)
		}
	}
	return string(b[:n])
}

// longID is an ASCII id of n characters, letters so that Code 128 cannot
// pack digits in pairs: the widest barcode an id makes.
func longID(prefix string, n int) string {
	return (prefix + strings.Repeat("Wx", n))[:n]
}

// worstCaseDocument is the slowest document a valid order can make: every
// field at its limit, the most lines, a customs declaration of every line,
// a pick list of every line with a route map of every stop.
func worstCaseDocument() Document {
	mt := newMixedText()
	addr := func() Address {
		a := Address{Name: mt.text(limName), PostalCode: strings.Repeat("9", limPostal),
			City: mt.text(limCity), Region: mt.text(limCity), Country: "CN", Phone: strings.Repeat("8", limPhone)}
		for range limLines {
			a.Lines = append(a.Lines, mt.text(limLine))
		}
		return a
	}
	orderID := longID("O", limID)
	wb := Waybill{
		Carrier: mt.text(40), Service: mt.text(40), TrackingNumber: "3400" + strings.Repeat("1", 18), OrderID: orderID,
		Sender: addr(), Recipient: addr(), WeightGrams: 999_999_999, Parcel: 1, Parcels: 1,
		Customs: &Customs{Form: "CN23", Category: mt.text(40), ImporterReference: mt.text(floor.MaxCustomsRefLen),
			InvoiceNumber: mt.text(floor.MaxCustomsRefLen), Date: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), Signer: mt.text(limName)},
		LithiumUN: []string{"UN3090", "UN3091", "UN3480", "UN3481"},
	}
	pl := &PickList{TaskID: longID("T", limID), OrderIDs: []string{orderID}}
	m := &RouteMap{CrossAisles: []float64{0, 10, 20, 30}, Depot: Point{X: 0, Y: -3}}
	for a := range 40 {
		m.Aisles = append(m.Aisles, float64(2+4*a))
	}
	for i := range limLinesOrdr {
		wb.Customs.Items = append(wb.Customs.Items, CustomsItem{
			DescriptionEN: mt.text(limCustoms), DescriptionZH: mt.text(limCustoms), HSCode: "9999999999",
			Quantity: 10000, Value: 999_999_999_999, Currency: []string{"USD", "EUR", "CNY"}[i%3], Origin: "CN",
			NetWeightGrams: 999_999_999})
		pl.Lines = append(pl.Lines, PickLine{Stop: i + 1, Bin: fmt.Sprintf("Z-%02d-%03d-%d", i%40, i%1000, i%10),
			SKU: longID(fmt.Sprint("S", i), limID), Name: mt.text(limSKUName), Quantity: 10000,
			Tote: "99", Familiar: i%2 == 0})
		m.Stops = append(m.Stops, MapStop{Point: Point{X: m.Aisles[i%40], Y: float64(i % 30)}, Familiar: i%2 == 0})
	}
	pl.Map = m
	return Document{Waybills: []Waybill{wb}, PickList: pl}
}

// BenchmarkWorstCase renders the worst-case document (target: under 50 ms
// per document), alternating in the same loop with raw fpdf replaying its
// drawing calls and with the existing raw-fpdf baseline of the 20-line
// sample (BenchmarkRawFpdf), so that all three see the same machine state:
//
//	go test -run '^$' -bench WorstCase -benchtime 20x -count 3 ./labels/
func BenchmarkWorstCase(b *testing.B) {
	d := worstCaseDocument()
	worstOps, worstFonts := recordSample(b, d)
	sampleOps, sampleFonts := recordSample(b, sampleDocument())
	ctx := context.Background()
	type contender struct {
		name      string
		run       func(*bytes.Buffer) error
		wall, cpu time.Duration
	}
	cs := []*contender{
		{name: "worst", run: func(buf *bytes.Buffer) error { return WritePDF(ctx, buf, d) }},
		{name: "worst-raw", run: func(buf *bytes.Buffer) error { return rawFpdf(buf, worstOps, worstFonts) }},
		{name: "sample-raw", run: func(buf *bytes.Buffer) error { return rawFpdf(buf, sampleOps, sampleFonts) }},
	}
	var buf bytes.Buffer
	size := 0
	for b.Loop() {
		for i, c := range cs {
			buf.Reset()
			c0, t0 := cpuTime(), time.Now()
			if err := c.run(&buf); err != nil {
				b.Fatal(err)
			}
			c.wall += time.Since(t0)
			c.cpu += cpuTime() - c0
			if i == 0 {
				size = buf.Len()
			}
		}
	}
	n := float64(b.N)
	for _, c := range cs {
		b.ReportMetric(float64(c.wall.Nanoseconds())/n, c.name+"-ns/doc")
		if c.cpu > 0 {
			b.ReportMetric(float64(c.cpu.Nanoseconds())/n, c.name+"-cpu-ns/doc")
		}
	}
	b.ReportMetric(float64(size), "worst-bytes")
}

// BenchmarkWorstCaseZPL: the worst-case waybill as ZPL.
func BenchmarkWorstCaseZPL(b *testing.B) {
	wb := worstCaseDocument().Waybills[0]
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteZPL(context.Background(), &buf, wb); err != nil {
			b.Fatal(err)
		}
	}
}

// The worst-case document renders: a 64-letter order id too (as a QR
// code), every customs item on continuation pages, every pick line.
func TestWorstCaseRenders(t *testing.T) {
	d := worstCaseDocument()
	var b bytes.Buffer
	if err := WritePDF(context.Background(), &b, d); err != nil {
		t.Fatal(err)
	}
	// 1 label + the CN23 (15 items under its header, then 22 a page) +
	// the lithium mark + pick list pages (5 lines under the map, then 10 a
	// page).
	want := 1 + 1 + (limLinesOrdr-cn23FirstRows+21)/22 + 1 + 1 + (limLinesOrdr-5+9)/10
	var pages bytes.Buffer
	if err := writePDF(context.Background(), &pages, d, false, nil); err != nil {
		t.Fatal(err)
	}
	if got := bytes.Count(pages.Bytes(), []byte("/Type /Page\n")); got != want {
		t.Errorf("%d pages, want %d", got, want)
	}
	b.Reset()
	if err := WriteZPLDocument(context.Background(), &b, d); err != nil {
		t.Fatal(err)
	}
	// The ZPL has a label for each page of the PDF.
	if got := strings.Count(b.String(), "^XA\n"); got != want {
		t.Errorf("%d ZPL labels, want %d", got, want)
	}
}

// layoutWork is the number of runes the layout of d measures.
func layoutWork(t *testing.T, d Document) int {
	t.Helper()
	pw, err := layout(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return pw.measured
}

// Text layout is linear: the runes measured for a text 4 times as long
// are at most about 4 times as many (the old layout measured a growing
// prefix per character: 64 times as many). Counted, not timed, so it
// cannot flake.
func TestLayoutWorkIsLinear(t *testing.T) {
	const n = 2000
	wrapWork := func(s string, w float64) int {
		p := &pdfWriter{ctx: context.Background()}
		lines := 0
		p.wrap(s, faceRegular, 7, w, func(string) bool { lines++; return true })
		if lines < 2 {
			t.Fatalf("%d runes in %d lines: not wrapped", utf8.RuneCountInString(s), lines)
		}
		return p.measured
	}
	fitWork := func(s string) int {
		p := &pdfWriter{ctx: context.Background()}
		if got := p.fit(s, faceRegular, 7, 49); !strings.HasSuffix(got, "…") {
			t.Fatalf("fit did not cut: %q", got)
		}
		return p.measured
	}
	docWork := func(name string) int {
		d := sampleDocument()
		d.Waybills[0].Recipient.Name = name
		d.PickList.Lines[0].Name = name
		d.Waybills[0].Customs.Items[0].DescriptionEN = name
		return layoutWork(t, d)
	}
	texts := map[string]func(n int) string{
		"mixed":        newMixedText().text,
		"one word":     func(n int) string { return strings.Repeat("W", n) },
		"CJK":          func(n int) string { return strings.Repeat("中", n) },
		"words":        func(n int) string { return strings.Repeat("ab ", n)[:n] },
		"zero-width":   func(n int) string { return "a" + strings.Repeat("\u0300", n-1) },
		"spaces first": func(n int) string { return "中" + strings.Repeat(" ", n/2) + strings.Repeat("W", n-1-n/2) },
	}
	for name, text := range texts {
		for _, c := range []struct {
			what string
			work func(string) int
		}{
			{"wrap", func(s string) int { return wrapWork(s, 29) }},
			{"wrap narrow", func(s string) int { return wrapWork(s, 0.5) }},
			{"fit", fitWork},
			{"document", docWork},
		} {
			if name == "zero-width" && c.what != "document" && c.what != "fit" {
				continue // a zero-width line never needs wrapping
			}
			small, large := c.work(text(n)), c.work(text(4*n))
			if small == 0 || float64(large) > 4.5*float64(small) {
				t.Errorf("%s, %s: %d runes measured for %d runes, %d for %d: not linear", name, c.what, small, n, large, 4*n)
			}
		}
	}
}

// The recipient name of the issue: 1 MB. The document renders, the name
// cut with an ellipsis where its box ends; the runes measured are a small
// multiple of the runes shown, not of the megabyte.
func TestMegabyteNameRenders(t *testing.T) {
	d := sampleDocument()
	name := strings.Repeat("Щедрый Ли 李 ", 1<<20/len("Щедрый Ли 李 "))
	d.Waybills[0].Recipient.Name = name
	d.PickList.Lines[0].Name = name
	pw, err := layout(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if pw.measured > 20_000 {
		t.Errorf("%d runes measured for a 1 MB name", pw.measured)
	}
	var text strings.Builder
	for _, o := range pw.ops {
		text.WriteString(o.s)
	}
	if !strings.Contains(text.String(), "…") {
		t.Error("the name was not cut with an ellipsis")
	}
	if text.Len() > 100_000 {
		t.Errorf("%d bytes of text drawn", text.Len())
	}
	var b bytes.Buffer
	if err := WritePDF(context.Background(), &b, d); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := WriteZPL(context.Background(), &b, d.Waybills[0]); err != nil {
		t.Fatal(err)
	}
	// The sample waybill is some 25 KB of ZPL; its Cyrillic and Chinese
	// text, and so the cut name, are pictures (^GF).
	if b.Len() > 50_000 {
		t.Errorf("ZPL of %d bytes for a 1 MB name", b.Len())
	}
}

// A render whose context has ended writes nothing and says why.
func TestRenderStopsWhenContextEnds(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	for _, c := range []struct {
		name string
		ctx  context.Context
		want error
	}{{"cancelled", cancelled, context.Canceled}, {"expired", expired, context.DeadlineExceeded}} {
		var b bytes.Buffer
		if err := WritePDF(c.ctx, &b, worstCaseDocument()); !errors.Is(err, c.want) || b.Len() != 0 {
			t.Errorf("%s: PDF: %v and %d bytes, want %v and none", c.name, err, b.Len(), c.want)
		}
		if err := WriteZPL(c.ctx, &b, sampleDocument().Waybills[0]); !errors.Is(err, c.want) || b.Len() != 0 {
			t.Errorf("%s: ZPL: %v and %d bytes, want %v and none", c.name, err, b.Len(), c.want)
		}
	}
}

// A context that ends during the layout stops it at the next page, line or
// text run: the layout draws nothing more once it has seen the end.
func TestLayoutStopsMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &pdfWriter{ctx: ctx}
	p.text(0, 0, "before", faceRegular, 8)
	cancel()
	p.text(0, 0, "after", faceRegular, 8)
	lines := 0
	p.wrap(strings.Repeat("word ", 1000), faceRegular, 8, 20, func(string) bool { lines++; return true })
	if len(p.ops) != 1 || lines != 0 || !errors.Is(p.err, context.Canceled) {
		t.Fatalf("after cancel: %d ops, %d lines, err %v; want 1, 0, canceled", len(p.ops), lines, p.err)
	}
}

// Text that skipped clean (invalid UTF-8) is measured and cut on its own
// bytes, never past them.
func TestFitAndWrapInvalidUTF8(t *testing.T) {
	p := &pdfWriter{ctx: context.Background()}
	s := strings.Repeat("ab\xff\xfe", 40)
	got := p.fit(s, faceRegular, 8, 20)
	if !strings.HasSuffix(got, "…") || !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
		t.Errorf("fit = %q", got)
	}
	var lines []string
	p.wrap(s, faceRegular, 8, 20, func(l string) bool { lines = append(lines, l); return true })
	if strings.Join(lines, "") != s {
		t.Errorf("wrap lost bytes: %q", lines)
	}
}
