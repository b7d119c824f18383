package labels

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// These tests check the printed result the way a packer's scanner and a
// PDF reader see it: poppler renders at the printers' 203 dpi, zbar decodes
// every barcode, pdftotext reads the text back. CI installs poppler-utils
// and zbar-tools.

func need(t *testing.T, bins ...string) {
	t.Helper()
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed (apt-get install poppler-utils zbar-tools): %v", b, err)
		}
	}
}

// scan renders d at 203 dpi and returns every barcode zbar decodes, page
// by page.
func scan(t *testing.T, d Document) [][]string {
	t.Helper()
	need(t, "pdftoppm", "zbarimg")
	var b bytes.Buffer
	if err := WritePDF(context.Background(), &b, d); err != nil {
		t.Fatal(err)
	}
	return scanPDF(t, b.Bytes())
}

// scanPDF is scan for a PDF already made.
func scanPDF(t *testing.T, b []byte) [][]string {
	t.Helper()
	need(t, "pdftoppm", "zbarimg")
	dir := t.TempDir()
	pdf := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(pdf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "203", "-png", pdf, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	slices.Sort(pages) // page-1 .. page-9 at most in these tests
	var res [][]string
	for _, p := range pages {
		out, err := exec.Command("zbarimg", "--raw", "-q", p).Output()
		// Exit status 4 means no symbol found: an empty page, not a failure.
		if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 4) {
			t.Fatalf("zbarimg %s: %v", p, err)
		}
		var codes []string
		for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
			if l != "" {
				codes = append(codes, l)
			}
		}
		slices.Sort(codes)
		res = append(res, codes)
	}
	return res
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestBarcodesScan(t *testing.T) {
	d := sampleDocument()
	pages := scan(t, d)
	if len(pages) != 5 { // waybill, customs continued, pick list
		t.Fatalf("%d pages, want 5", len(pages))
	}
	wb := d.Waybills[0]
	if want := sorted(wb.TrackingNumber, wb.OrderID); !slices.Equal(pages[0], want) {
		t.Errorf("waybill page decodes %q, want %q", pages[0], want)
	}
	want := []string{d.PickList.TaskID} // the QR code
	for _, l := range d.PickList.Lines {
		want = append(want, l.Bin)
	}
	got := slices.Concat(pages[1:]...)
	slices.Sort(got)
	if want = sorted(want...); !slices.Equal(got, want) {
		t.Errorf("pick list decodes\n %q\nwant\n %q", got, want)
	}
}

// Code 128 must round-trip whatever code sets the encoder picks: digits
// only (set C), mixed case and punctuation (set B), mixed runs.
func TestCode128RoundTrip(t *testing.T) {
	codes := []string{
		"0123456789012345678", "A-03-012-2", "bin 7/a", "LOC.12345678", "x_y%z+1",
		"AB12345678901234", "!#$&()*,:;<=>?@[]{|}~", "a",
	}
	d := Document{
		Waybills: []Waybill{{TrackingNumber: "00340434161234567890", OrderID: "order#42-b"}},
		PickList: &PickList{OrderIDs: []string{"ORD-1", "ORD-2"}},
	}
	for i, c := range codes {
		d.PickList.Lines = append(d.PickList.Lines, PickLine{Stop: i + 1, Bin: c, SKU: "S", Quantity: 1})
	}
	pages := scan(t, d)
	if want := sorted("00340434161234567890", "order#42-b"); !slices.Equal(pages[0], want) {
		t.Errorf("waybill decodes %q, want %q", pages[0], want)
	}
	got := slices.Concat(pages[1:]...)
	slices.Sort(got)
	if want := sorted(append(slices.Clone(codes), "ORD-1,ORD-2")...); !slices.Equal(got, want) {
		t.Errorf("pick list decodes\n %q\nwant\n %q", got, want)
	}
}

// Addresses in any script must be real text in the PDF (searchable,
// copyable), not boxes: pdftotext gives back the same strings.
func TestTextRendersAsText(t *testing.T) {
	need(t, "pdftotext")
	d := sampleDocument()
	rare := string(rareHan(t)) // only in the full CJK font
	d.Waybills[0].Recipient.Lines = append(d.Waybills[0].Recipient.Lines, "邨"+rare+"里")
	var b bytes.Buffer
	if err := WritePDF(context.Background(), &b, d); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(pdf, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := squash(string(out))
	r, s := d.Waybills[0].Recipient, d.Waybills[0].Sender
	for _, want := range []string{
		r.Name, r.Company, r.Lines[0], r.Lines[1], r.City, r.Region, "CHINA", // Chinese
		s.Name, strings.ToUpper(s.Lines[0]), strings.ToUpper(s.City), s.Region, "RUSSIAN FEDERATION", // Cyrillic, RU writes street and city in capitals
		"Ελληνικό μέλι 500 g", "Σαπούνι ελαιόλαδο", // Greek
		"Café crème filters", "Crème brûlée torch", // accented Latin
		"Чай чёрный 100 г", "绿茶 250克", "棉质T恤", "陶瓷杯",
		d.Waybills[0].TrackingNumber,
	} {
		if !strings.Contains(text, squash(want)) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}
}

// squash drops whitespace: text extraction may split or join lines.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// A face with more characters than one simple font holds (perFont) is
// split over several fonts; every character must still be drawn (dark
// pixels where the text is) and read back as text.
func TestManyCharactersSplitFonts(t *testing.T) {
	need(t, "pdftoppm", "pdftotext")
	var chars []rune
	for r := rune(0x4E00); len(chars) < 19*25; r++ { // three fonts, 19 pages
		if faceFor(r, faceRegular) == faceCJK1 {
			chars = append(chars, r)
		}
	}
	greek := "αβγδεζηθικλμνξοπρστυφχψω ΑΒΓΔΕΖΗΘ Жжщъыьэюя"
	var ops []op
	var want []string
	for i := 0; i < len(chars); i += 25 {
		line := string(chars[i:min(i+25, len(chars))])
		want = append(want, line)
		ops = append(ops, op{kind: 'p'}, op{kind: 't', face: faceCJK1, size: 10, x: 5, y: 20, s: line})
	}
	ops = append(ops, op{kind: 'p'})
	for i, s := range strings.Fields(greek) {
		ops = append(ops, op{kind: 't', face: faceGoBold, size: 10, x: 5, y: 20 + 10*float64(i), s: s})
		want = append(want, s)
	}
	var b bytes.Buffer
	if err := render(context.Background(), &b, ops, true, fixedDate); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b.Bytes(), []byte("/BaseFont /cjk1-")); n != 3 {
		t.Errorf("%d CJK fonts, want 3", n)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(pdf, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := squash(string(out))
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("pdftotext lacks %q", w)
		}
	}
	if out, err := exec.Command("pdftoppm", "-r", "72", "-gray", pdf, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page-*.pgm"))
	if len(pages) != len(want)-len(strings.Fields(greek))+1 {
		t.Fatalf("%d pages rendered", len(pages))
	}
	for _, p := range pages {
		img, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// 25 hanzi at 10 pt make some 380 dark pixels at 72 dpi, the
		// Greek and Cyrillic page some 700; 25 empty boxes (a glyph
		// missing) 115.
		dark := 0
		for _, v := range img {
			if v < 0x60 {
				dark++
			}
		}
		if dark < 250 {
			t.Errorf("%s: %d dark pixels: glyphs not drawn", filepath.Base(p), dark)
		}
	}
}

// The worst-case waybill scans: its 64-letter order id, too long for a
// Code 128 of 2-dot modules, is a QR code.
func TestWorstCaseWaybillScans(t *testing.T) {
	wb := worstCaseDocument().Waybills[0]
	wb.Customs, wb.LithiumUN = nil, nil // the continuation and mark pages have no barcodes
	pages := scan(t, Document{Waybills: []Waybill{wb}})
	if want := sorted(wb.TrackingNumber, wb.OrderID); len(pages) != 1 || !slices.Equal(pages[0], want) {
		t.Errorf("waybill decodes %q, want %q", pages, want)
	}
}

// The PDF's US recipient reads "CITY, ST ZIP" with the country's name on
// the next line, as pdftotext gives the text back.
func TestPDFAddressUS(t *testing.T) {
	need(t, "pdftotext")
	d := Document{Waybills: []Waybill{{TrackingNumber: "LX123456785CN",
		Sender:    Address{Name: "Warehouse", Lines: []string{"88 Zhangjiang Rd"}, City: "Shanghai", Region: "Shanghai", PostalCode: "201203", Country: "CN"},
		Recipient: Address{Name: "Jane Doe", Lines: []string{"548 Market St"}, City: "San Francisco", Region: "California", PostalCode: "94103", Country: "US"}}}}
	var b bytes.Buffer
	if err := WritePDF(context.Background(), &b, d); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(pdf, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{
		"Warehouse\n88 Zhangjiang Rd\nShanghai\nSHANGHAI, 201203\nCHINA\n",
		"Jane Doe\n548 Market St\nSAN FRANCISCO, CA 94103\nUNITED STATES\n",
	} {
		// pdftotext starts a paragraph where the letters change size.
		if text := strings.Join(strings.FieldsFunc(string(out), func(r rune) bool { return r == '\n' }), "\n"); !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, out)
		}
	}
}
