package labels

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// The ZPL is checked as a printer would print it: testdata/zpl/render.cjs
// renders it offline with npm's zpl-renderer-js (zebrash in WebAssembly),
// zbar decodes every barcode of every label, and the text is compared with
// the PDF's. .ci/run installs the renderer into $ZPL_RENDERER_DIR.

// renderZPL renders zpl to one PNG per label and returns their paths.
func renderZPL(t *testing.T, zpl []byte) []string {
	t.Helper()
	need(t, "zbarimg", "pdftoppm", "pdftotext")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skipf("node not installed: %v", err)
	}
	mods := os.Getenv("ZPL_RENDERER_DIR")
	if mods == "" {
		t.Skip("ZPL_RENDERER_DIR not set: .ci/run installs zpl-renderer-js there (npm install --prefix DIR zpl-renderer-js)")
	}
	mods = filepath.Join(mods, "node_modules")
	if _, err := os.Stat(filepath.Join(mods, "zpl-renderer-js")); err != nil {
		t.Skipf("zpl-renderer-js not installed in %s: %v", mods, err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.zpl")
	if err := os.WriteFile(in, zpl, 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "zpl", "render.cjs"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script, in, filepath.Join(dir, "label"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("render.cjs: %v\n%s", err, out)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("render.cjs printed %q", out)
	}
	var pngs []string
	for i := 1; i <= n; i++ {
		pngs = append(pngs, filepath.Join(dir, fmt.Sprintf("label-%d.png", i)))
	}
	if dst := os.Getenv("ZPL_RENDER_KEEP"); dst != "" { // to look at them
		for i, p := range pngs {
			b, _ := os.ReadFile(p)
			os.WriteFile(filepath.Join(dst, fmt.Sprintf("%s-%d.png", t.Name(), i+1)), b, 0o644)
		}
	}
	return pngs
}

// decode is every barcode zbar finds in png, sorted.
func decode(t *testing.T, png string) []string {
	t.Helper()
	out, err := exec.Command("zbarimg", "--raw", "-q", png).Output()
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 4) {
		t.Fatalf("zbarimg %s: %v", png, err)
	}
	var codes []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			codes = append(codes, l)
		}
	}
	slices.Sort(codes)
	return codes
}

// zplLabel is what a test reads back from one label of the ZPL: its font 0
// text fields and the boxes of its graphic fields, in dots.
type zplLabel struct {
	texts []zplText
	gfs   []box
}

type zplText struct {
	x, y int // baseline start
	s    string
}

type box struct{ x0, y0, x1, y1 int }

var (
	zplTextRe = regexp.MustCompile(`\^FT(\d+),(\d+)(?:\^FR)?\^A0N,\d+,\d+\^FH_\^FD([^^]*)\^FS`)
	zplGFRe   = regexp.MustCompile(`\^FO(\d+),(\d+)(?:\^FR)?\^GFA,(\d+),\d+,(\d+),`)
	hexEsc    = regexp.MustCompile(`_([0-9A-F]{2})`)
)

func parseZPL(t *testing.T, zpl string) []zplLabel {
	t.Helper()
	var labels []zplLabel
	for _, l := range strings.Split(zpl, "^XA\n")[1:] {
		var lb zplLabel
		for _, m := range zplTextRe.FindAllStringSubmatch(l, -1) {
			x, _ := strconv.Atoi(m[1])
			y, _ := strconv.Atoi(m[2])
			s := hexEsc.ReplaceAllStringFunc(m[3], func(h string) string {
				v, _ := strconv.ParseUint(h[1:], 16, 8)
				return string(rune(v))
			})
			lb.texts = append(lb.texts, zplText{x, y, s})
		}
		for _, m := range zplGFRe.FindAllStringSubmatch(l, -1) {
			x, _ := strconv.Atoi(m[1])
			y, _ := strconv.Atoi(m[2])
			total, _ := strconv.Atoi(m[3])
			rb, _ := strconv.Atoi(m[4])
			lb.gfs = append(lb.gfs, box{x, y, x + 8*rb, y + total/rb})
		}
		labels = append(labels, lb)
	}
	return labels
}

// pdfWord is a word pdftotext finds, its box in dots.
type pdfWord struct {
	box
	s string
}

var wordRe = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// pdfWords reads every word of every page of pdf with its position.
func pdfWords(t *testing.T, pdf []byte) [][]pdfWord {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-bbox", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	unescape := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'")
	pt := func(s string) int { v, _ := strconv.ParseFloat(s, 64); return int(v / 72 * 203) }
	var pages [][]pdfWord
	for _, p := range strings.Split(string(out), "<page ")[1:] {
		var ws []pdfWord
		for _, m := range wordRe.FindAllStringSubmatch(p, -1) {
			ws = append(ws, pdfWord{box{pt(m[1]), pt(m[2]), pt(m[3]), pt(m[4])}, unescape.Replace(m[5])})
		}
		pages = append(pages, ws)
	}
	return pages
}

// font0 reports whether the printer's font 0 draws every rune of s: the
// PDF's standard-font text, Windows-1252.
func font0(s string) bool {
	for _, r := range s {
		if _, ok := charmap.Windows1252.EncodeRune(r); !ok {
			return false
		}
	}
	return true
}

// checkZPLTwin renders d as PDF and as ZPL and compares them label by
// label: the same number of pages, the same barcodes decoded, each PDF word
// of font 0 text in a ZPL text field on its line, each word with other
// text under a ^GF graphic field, and no ZPL text the PDF does not have.
func checkZPLTwin(t *testing.T, d Document) {
	t.Helper()
	var z, p bytes.Buffer
	if err := WriteZPLDocument(context.Background(), &z, d); err != nil {
		t.Fatal(err)
	}
	if err := WritePDF(context.Background(), &p, d); err != nil {
		t.Fatal(err)
	}
	pngs := renderZPL(t, z.Bytes())
	pdfCodes := scan(t, d)
	words := pdfWords(t, p.Bytes())
	labels := parseZPL(t, z.String())
	if len(pngs) != len(pdfCodes) || len(labels) != len(pdfCodes) || len(words) != len(pdfCodes) {
		t.Fatalf("%d labels rendered, %d in the ZPL; the PDF has %d pages (%d with text)", len(pngs), len(labels), len(pdfCodes), len(words))
	}
	for i, png := range pngs {
		if got := decode(t, png); !slices.Equal(got, pdfCodes[i]) {
			t.Errorf("label %d decodes\n %q\nthe PDF's page\n %q", i+1, got, pdfCodes[i])
		}
		lb := labels[i]
		var all strings.Builder
		for _, tx := range lb.texts {
			all.WriteString(tx.s)
		}
		for _, w := range words[i] {
			if font0(w.s) {
				if !onLine(lb.texts, w) {
					t.Errorf("label %d: PDF word %q at %v in no ZPL text field on its line", i+1, w.s, w.box)
				}
				continue
			}
			if !underGF(lb.gfs, w) {
				t.Errorf("label %d: PDF word %q at %v (not font 0 text) under no ^GF field", i+1, w.s, w.box)
			}
		}
		pageText := ""
		for _, w := range words[i] {
			pageText += w.s
		}
		for _, tx := range lb.texts {
			if !strings.Contains(pageText, squash(tx.s)) {
				t.Errorf("label %d: ZPL text %q not on the PDF's page", i+1, tx.s)
			}
		}
	}
}

// onLine reports whether a text field on w's line (baseline within its
// box, start left of its end) holds w's font 0 part.
func onLine(texts []zplText, w pdfWord) bool {
	for _, tx := range texts {
		if tx.y >= w.y0-2 && tx.y <= w.y1+4 && tx.x <= w.x1 && strings.Contains(squash(tx.s), w.s) {
			return true
		}
	}
	// A word of several runs (88号) is in more than one field: its font 0
	// part then holds it partly.
	for _, tx := range texts {
		if tx.y >= w.y0-2 && tx.y <= w.y1+4 && tx.x >= w.x0-2 && tx.x <= w.x1 && strings.HasPrefix(w.s, strings.Fields(tx.s + " x")[0]) {
			return true
		}
	}
	return false
}

// underGF reports whether a graphic field covers the middle of w.
func underGF(gfs []box, w pdfWord) bool {
	cy := (w.y0 + w.y1) / 2
	for _, g := range gfs {
		if g.y0 <= cy && cy <= g.y1 && g.x0 <= w.x1 && w.x0 <= g.x1 {
			return true
		}
	}
	return false
}

// The sample: a waybill with a Chinese recipient, a Cyrillic sender and a
// CN22, and a three-label pick list with Greek, Cyrillic and Chinese names
// and the route map.
func TestZPLRendersLikePDF(t *testing.T) {
	checkZPLTwin(t, sampleDocument())
}

// The worst case: a 64-letter order id as a QR code, customs continuation
// labels; codes of every Code 128 code set on the pick list.
func TestZPLWorstCaseAndCodeSets(t *testing.T) {
	wc := worstCaseDocument()
	wb := wc.Waybills[0]
	wb.Customs = nil
	d := Document{
		Waybills: []Waybill{wb, {TrackingNumber: "00340434161234567890", OrderID: "order#42-b", Recipient: Address{Name: "Γιώργος Παπαδόπουλος", City: "Αθήνα", Country: "GR ΕΛΛΑΔΑ"}}},
		PickList: &PickList{OrderIDs: []string{"ORD-1", "ORD-2"}},
	}
	for i, c := range []string{"0123456789012345678", "A-03-012-2", "bin 7/a", "x_y%z+1", "!#$&()*,:;<=>?@[]{|}~", "a^b~c"} {
		d.PickList.Lines = append(d.PickList.Lines, PickLine{Stop: i + 1, Bin: c, SKU: "S^" + c, Name: "名前 " + c, Quantity: 1})
	}
	checkZPLTwin(t, d)
}

// A CN23 parcel with lithium batteries: the waybill, the CN23 sheet and
// the lithium battery mark, each a label.
func TestZPLRendersCN23AndLithiumLikePDF(t *testing.T) {
	d := sampleDocument()
	wb := d.Waybills[0]
	c := *wb.Customs
	c.Form, c.ImporterReference, c.InvoiceNumber = "CN23", "DE123456789", "INV-2026-0042"
	wb.Customs = &c
	wb.LithiumUN = []string{"UN3480", "UN3481"}
	checkZPLTwin(t, Document{Waybills: []Waybill{wb}})
}
