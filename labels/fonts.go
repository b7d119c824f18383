package labels

import (
	_ "embed"
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/encoding/charmap"
)

//go:generate go run ./internal/cjksubset -dir fonts

// Why three CJK files: a face's fonts are read once per process (see
// face.load), the first time a document needs them. The full Droid Sans
// Fallback (4 MB, ~50,000 glyphs) is only needed for a character outside
// the subsets cut once by internal/cjksubset: cjk-1 (the 3,755 common hanzi
// of GB2312 level 1, kana, CJK punctuation, fullwidth forms; most mainland
// addresses need nothing else), then cjk-2 (GB2312 level 2, JIS kanji,
// Big5 level-1 traditional hanzi). Droid Sans Fallback has no hangul, so
// Korean prints as boxes (the text is still in the PDF); that needs another
// font.

//go:embed fonts/cjk-1.ttf
var cjk1 []byte

//go:embed fonts/cjk-2.ttf
var cjk2 []byte

//go:embed fonts/DroidSansFallbackFull.ttf
var cjkFull []byte

// face is one font as fpdf knows it: a standard PDF font (core), which
// costs nothing per document, or a TrueType file, of which each document
// embeds a subset of just the characters its text uses (see docFonts).
type face struct {
	family, style string
	core          bool // a standard font, text in Windows-1252
	ttf           []byte

	once sync.Once
	cw   []int    // core: width of each Windows-1252 byte, 1/1000 em
	gid  []uint16 // TrueType: glyph of each BMP rune, 0 for none
	font *ttf     // TrueType: the tables a subset is cut from
}

func (f *face) has(r rune) bool {
	if f.core {
		_, ok := charmap.Windows1252.EncodeRune(r)
		return ok
	}
	f.once.Do(f.load)
	return r < 1<<16 && f.gid[r] != 0
}

// width is the advance width of s in 1/1000 em; a TrueType face must have
// every rune of s.
func (f *face) width(s string) int {
	w := 0
	for _, r := range s {
		w += f.advance(r)
	}
	return w
}

// advance is the advance width of r in 1/1000 em. Widths add up rune by
// rune: a core font's text is its runes' Windows-1252 bytes (see encoded),
// and a rune without one is written as its UTF-8 bytes, each with its
// width.
func (f *face) advance(r rune) int {
	f.once.Do(f.load)
	if !f.core {
		return f.font.cw[f.gid[r&0xFFFF]]
	}
	if r < 0x80 {
		return f.cw[r]
	}
	if c, ok := charmap.Windows1252.EncodeRune(r); ok {
		return f.cw[c]
	}
	var b [utf8.UTFMax]byte
	w := 0
	for _, c := range b[:utf8.EncodeRune(b[:], r)] {
		w += f.cw[c]
	}
	return w
}

// load reads the font once per process: for a core font the widths fpdf
// knows, for a TrueType font its tables and which glyph each rune has.
func (f *face) load() {
	if f.core {
		pdf := fpdf.New("P", "mm", "A4", "")
		pdf.SetFont(f.family, f.style, 10)
		f.cw = make([]int, 256)
		for b := 1; b < 256; b++ {
			f.cw[b] = pdf.GetStringSymbolWidth(string([]byte{byte(b)}))
		}
		return
	}
	f.gid = make([]uint16, 1<<16)
	// The fonts are built into the binary: one that does not read is a
	// defect of the build, and printing on without it would put garbage
	// on labels.
	font, err := sfnt.Parse(f.ttf)
	if err == nil {
		f.font, err = parseTTF(f.ttf)
	}
	if err != nil {
		panic(fmt.Sprintf("labels: built-in font %s %s does not read: %v", f.family, f.style, err))
	}
	var b sfnt.Buffer
	for r := rune(0x20); r < 1<<16; r++ {
		if gi, err := font.GlyphIndex(&b, r); err == nil && int(gi) < f.font.glyphs {
			f.gid[r] = uint16(gi)
		}
	}
}

// Face indexes. The order is the order of preference for each rune: most
// label text (digits, codes, Western addresses) is Windows-1252 and goes in
// the standard Helvetica, which needs no font program in the file; Greek,
// Cyrillic and the rest of Latin go in the Go fonts; CJK in the subsets.
const (
	faceRegular = iota
	faceBold
	faceGo
	faceGoBold
	faceCJK1
	faceCJK2
	faceCJKFull
	numFaces
)

var faces = [numFaces]*face{
	faceRegular: {family: "Helvetica", core: true},
	faceBold:    {family: "Helvetica", style: "B", core: true},
	faceGo:      {family: "go", style: "", ttf: goregular.TTF},
	faceGoBold:  {family: "go", style: "B", ttf: gobold.TTF},
	faceCJK1:    {family: "cjk1", ttf: cjk1},
	faceCJK2:    {family: "cjk2", ttf: cjk2},
	faceCJKFull: {family: "cjkfull", ttf: cjkFull},
}

// run is a piece of text drawn in one face.
type run struct {
	face int
	text string
}

// faceFor picks the first face that has a glyph for r. A rune no font has
// stays in the Latin face and prints as a box, but its code point is still
// in the PDF text, so it is visible rather than silently changed.
func faceFor(r rune, base int) int {
	if r < 0x80 || faces[base].has(r) {
		return base
	}
	if goFace := base + faceGo - faceRegular; r < 0x2E80 || faces[goFace].has(r) {
		return goFace
	}
	for i := faceCJK1; i < numFaces; i++ {
		if faces[i].has(r) {
			return i
		}
	}
	return base
}

// clean makes s safe for fpdf: control characters become spaces, and runes
// beyond the BMP (which fpdf's font code cannot address) become U+FFFD.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r < 0x20 || r == 0x7F || r > 0xFFFF || r == utf8.RuneError {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	b := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			r = ' '
		case r > 0xFFFF:
			r = unicode.ReplacementChar
		}
		b = append(b, r)
	}
	return string(b)
}

// runs splits s into runs of one face each; base is faceRegular or faceBold.
func runs(s string, base int) []run {
	var out []run
	start, cur := 0, -1
	for i, r := range s {
		f := faceFor(r, base) // the CJK fonts have no space: spaces stay in base
		if f != cur {
			if cur >= 0 {
				out = append(out, run{cur, s[start:i]})
			}
			start, cur = i, f
		}
	}
	if cur >= 0 {
		out = append(out, run{cur, s[start:]})
	}
	return out
}

// isBreakAnywhere reports whether a line may break before or after r
// without a space: CJK text has no spaces between words.
func isBreakAnywhere(r rune) bool {
	return r >= 0x2E80
}
