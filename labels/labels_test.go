package labels

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %.200s\nwant: %.200s\n(run go test -update if the change is intended)", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs in length: got %d lines, want %d (run go test -update if intended)", path, len(gl), len(wl))
	}
}

func TestZPLGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteZPL(context.Background(), &b, sampleDocument().Waybills[0]); err != nil {
		t.Fatal(err)
	}
	z := b.String()
	for _, want := range []string{"^XA\n", "^CI28\n", "^PW812\n", "^LL1218\n", "^A0N,", "^GFA,", "^FDLX123456785CN^FS", "^FDORD-2026-000481^FS", "^XZ\n"} {
		if !strings.Contains(z, want) {
			t.Errorf("ZPL lacks %q", want)
		}
	}
	// Chinese and Cyrillic are pictures: a stock printer has no font for
	// them.
	for _, r := range z {
		if r > 0xFF && !strings.ContainsRune("·–…", r) {
			t.Fatalf("ZPL has text %q that font 0 cannot draw", r)
		}
	}
	golden(t, "waybill.zpl", b.Bytes())
}

func TestZPLEscapesFieldData(t *testing.T) {
	wb := sampleDocument().Waybills[0]
	wb.Recipient.Name = "A^B~C_D\\E"
	var b bytes.Buffer
	if err := WriteZPL(context.Background(), &b, wb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "A_5EB_7EC_5FD\\E") {
		t.Fatalf("field data not escaped:\n%s", b.String())
	}
}

// pdfStructure is a readable, deterministic dump of an uncompressed PDF:
// objects and page content streams as text (non-printable bytes escaped),
// binary streams (font files, CID maps) as their length and hash.
func pdfStructure(pdf []byte) []byte {
	var out bytes.Buffer
	for {
		i := bytes.Index(pdf, []byte("stream\n"))
		if i < 0 {
			break
		}
		if i >= 3 && string(pdf[i-3:i]) == "end" { // "endstream" without its own stream
			out.Write(escape(pdf[:i+7]))
			pdf = pdf[i+7:]
			continue
		}
		j := bytes.Index(pdf[i:], []byte("\nendstream"))
		if j < 0 {
			break
		}
		out.Write(escape(pdf[:i+7]))
		data := pdf[i+7 : i+j]
		if isContent(data) {
			out.Write(escape(data))
		} else {
			fmt.Fprintf(&out, "<binary %d bytes sha256 %x>", len(data), sha256.Sum256(data))
		}
		pdf = pdf[i+j:]
	}
	out.Write(escape(pdf))
	return out.Bytes()
}

func isContent(b []byte) bool {
	return bytes.Contains(b, []byte(" re f")) || bytes.Contains(b, []byte("BT "))
}

func escape(b []byte) []byte {
	var out bytes.Buffer
	for _, c := range b {
		if c == '\n' || (c >= 0x20 && c < 0x7F) {
			out.WriteByte(c)
		} else {
			fmt.Fprintf(&out, `\x%02x`, c)
		}
	}
	return out.Bytes()
}

func TestPDFGolden(t *testing.T) {
	var b bytes.Buffer
	if err := writePDF(context.Background(), &b, sampleDocument(), false, nil); err != nil {
		t.Fatal(err)
	}
	golden(t, "document.pdf.txt", pdfStructure(b.Bytes()))
}

func TestPDFDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	d := sampleDocument()
	d.Created = Document{}.Created // zero: the fixed date
	if err := WritePDF(context.Background(), &a, d); err != nil {
		t.Fatal(err)
	}
	if err := WritePDF(context.Background(), &b, d); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two renderings of the same document differ")
	}
}

func TestPDFPages(t *testing.T) {
	var b bytes.Buffer
	if err := writePDF(context.Background(), &b, sampleDocument(), false, nil); err != nil {
		t.Fatal(err)
	}
	// One waybill, its customs continuation page and a 20-line pick list
	// of 5 + 10 + 5 rows.
	if n := bytes.Count(b.Bytes(), []byte("/Type /Page\n")); n != 5 {
		t.Fatalf("%d pages, want 5", n)
	}
	if !bytes.Contains(b.Bytes(), []byte("/MediaBox [0 0 283.46 425.20]")) {
		t.Fatal("pages are not 100 x 150 mm")
	}
}

// A document without CJK text must not carry (or pay for) a CJK font.
func TestCJKFontOnlyWhenNeeded(t *testing.T) {
	d := sampleDocument()
	d.PickList = nil
	wb := &d.Waybills[0]
	wb.Recipient = wb.Sender
	wb.Customs = nil
	var b bytes.Buffer
	if err := writePDF(context.Background(), &b, d, false, nil); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("cjk")) {
		t.Fatal("CJK font embedded in a document without CJK text")
	}
	b.Reset()
	if err := writePDF(context.Background(), &b, sampleDocument(), false, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("cjk1")) || bytes.Contains(b.Bytes(), []byte("cjk2")) || bytes.Contains(b.Bytes(), []byte("cjkfull")) {
		t.Fatal("sample should use the GB2312 level-1 subset and not the full font")
	}
}

func TestErrors(t *testing.T) {
	bad := func(f func(d *Document)) error {
		d := sampleDocument()
		f(&d)
		var b bytes.Buffer
		err := WritePDF(context.Background(), &b, d)
		if err != nil && b.Len() != 0 {
			t.Errorf("error %v but %d bytes written", err, b.Len())
		}
		return err
	}
	for name, f := range map[string]func(d *Document){
		"empty":             func(d *Document) { *d = Document{} },
		"no tracking":       func(d *Document) { d.Waybills[0].TrackingNumber = "" },
		"non-ASCII track":   func(d *Document) { d.Waybills[0].TrackingNumber = "LX12345678€" },
		"non-ASCII order":   func(d *Document) { d.Waybills[0].OrderID = "订单1" },
		"non-ASCII bin":     func(d *Document) { d.PickList.Lines[3].Bin = "Б-01" },
		"bin too long":      func(d *Document) { d.PickList.Lines[0].Bin = strings.Repeat("X", 40) },
		"tracking too long": func(d *Document) { d.Waybills[0].TrackingNumber = strings.Repeat("AB", 40) },
	} {
		if err := bad(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	var b bytes.Buffer
	if err := WriteZPL(context.Background(), &b, Waybill{TrackingNumber: "Ж1"}); err == nil {
		t.Error("ZPL: non-ASCII tracking number accepted")
	}
	if err := WriteZPL(context.Background(), &b, Waybill{}); err == nil {
		t.Error("ZPL: empty tracking number accepted")
	}
	if err := WritePDF(context.Background(), failWriter{}, sampleDocument()); err == nil {
		t.Error("write error not returned")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("printer offline") }

func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		v    int64
		cur  string
		want string
	}{
		{1999, "usd", "USD 19.99"}, {5, "EUR", "EUR 0.05"}, {1500, "JPY", "JPY 1500"},
		{1234, "KWD", "KWD 1.234"}, {-250, "CNY", "CNY -2.50"},
	} {
		if got := formatMoney(c.v, c.cur); got != c.want {
			t.Errorf("formatMoney(%d, %q) = %q, want %q", c.v, c.cur, got, c.want)
		}
	}
	if got := formatWeight(1250); got != "1.250 kg" {
		t.Errorf("formatWeight = %q", got)
	}
}

func TestRuns(t *testing.T) {
	got := runs("CN 中国 Tel", faceRegular)
	want := []run{{faceRegular, "CN "}, {faceCJK1, "中国"}, {faceRegular, " Tel"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	if clean("a\tb\x00c😀") != "a b c\uFFFD" {
		t.Fatalf("clean = %q", clean("a\tb\x00c😀"))
	}
}

// rareHan is a Han character in the full CJK font but in neither subset.
func rareHan(t *testing.T) rune {
	for r := rune(0x4E00); r < 0xA000; r++ {
		if !faces[faceCJK1].has(r) && !faces[faceCJK2].has(r) && faces[faceCJKFull].has(r) && unicode.Is(unicode.Han, r) {
			return r
		}
	}
	t.Fatal("no rare Han character found")
	return 0
}

// pdftotext reads the code points back even for a missing glyph, so check
// separately that every character of the sample has a font that draws it.
func TestSampleTextHasGlyphs(t *testing.T) {
	d := sampleDocument()
	var all []string
	for _, a := range []Address{d.Waybills[0].Sender, d.Waybills[0].Recipient} {
		all = append(all, a.Name, a.Company, a.City, a.Country)
		all = append(all, a.Lines...)
	}
	for _, l := range d.PickList.Lines {
		all = append(all, l.Name)
	}
	all = append(all, string(rareHan(t)))
	for _, s := range all {
		for _, r := range s {
			if r == ' ' {
				continue
			}
			for _, base := range []int{faceRegular, faceBold} {
				if f := faceFor(r, base); !faces[f].has(r) {
					t.Errorf("%q (%U) has no glyph in %s", r, r, faces[f].family)
				}
			}
		}
	}
}

// Customs items beyond the three the label holds go onto continuation
// pages; the total on the label counts them all.
func TestCustomsContinuation(t *testing.T) {
	d := sampleDocument()
	d.PickList = nil
	c := d.Waybills[0].Customs
	for len(c.Items) < 30 {
		c.Items = append(c.Items, c.Items[0])
	}
	var b bytes.Buffer
	if err := writePDF(context.Background(), &b, d, false, nil); err != nil {
		t.Fatal(err)
	}
	// 2 items on the label, 22 + 6 on two continuation pages.
	if n := bytes.Count(b.Bytes(), []byte("/Type /Page\n")); n != 3 {
		t.Fatalf("%d pages, want 3", n)
	}
}

// Every built-in TrueType face reads and covers text.
func TestBuiltInFontsRead(t *testing.T) {
	for i, f := range faces {
		f.once.Do(f.load)
		if f.core {
			continue
		}
		if f.font == nil || f.font.glyphs == 0 {
			t.Errorf("face %d (%s %s) has no font", i, f.family, f.style)
			continue
		}
		covered := 0
		for _, g := range f.gid {
			if g != 0 {
				covered++
			}
		}
		if covered == 0 {
			t.Errorf("face %d (%s %s) has a glyph for no character", i, f.family, f.style)
		}
	}
}

// TestWaybillAddressFormat: the address blocks follow the destination's
// postal format, the country's name last only across a border. It reads
// the lines as the layout draws them, which the PDF and the ZPL share.
func TestWaybillAddressFormat(t *testing.T) {
	cn := Address{Name: "王小明", Lines: []string{"天河区天河路385号"}, City: "广州市", Region: "广东省", PostalCode: "510620", Country: "CN"}
	us := Address{Name: "Jane Doe", Lines: []string{"548 Market St"}, City: "San Francisco", Region: "California", PostalCode: "94103", Country: "US"}
	tests := []struct {
		name              string
		sender, recipient Address
		want              []string // the lines of the FROM and TO blocks
	}{
		{"CN to US", cn, us, []string{
			"510620\n广东省广州市\n天河区天河路385号\n王小明\nCHINA\n",
			"Jane Doe\n548 Market St\nSAN FRANCISCO, CA 94103\nUNITED STATES\n"}},
		{"CN domestic", cn, cn, []string{
			"FROM\n510620\n广东省广州市\n天河区天河路385号\n王小明\nTO\n510620\n广东省广州市\n天河区天河路385号\n王小明\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wb := Waybill{TrackingNumber: "LX123456785CN", Sender: tt.sender, Recipient: tt.recipient}
			pw, err := layout(context.Background(), Document{Waybills: []Waybill{wb}})
			if err != nil {
				t.Fatal(err)
			}
			got := drawnLines(pw.ops)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("the waybill's lines lack %q:\n%s", w, got)
				}
			}
			if tt.sender.Country == tt.recipient.Country && strings.Contains(got, "CHINA") {
				t.Errorf("domestic label names the country:\n%s", got)
			}
		})
	}
}

// drawnLines is the text of the layout's drawing calls, one line per
// baseline: runs on one baseline (a font change within a line) are joined.
func drawnLines(ops []op) string {
	var b strings.Builder
	y := math.NaN()
	for _, o := range ops {
		if o.kind != 't' {
			continue
		}
		if o.y != y && b.Len() > 0 {
			b.WriteByte('\n')
		}
		y = o.y
		b.WriteString(o.s)
	}
	b.WriteByte('\n')
	return b.String()
}
