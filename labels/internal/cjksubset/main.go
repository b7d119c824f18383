// Command cjksubset cuts the embedded DroidSansFallbackFull.ttf (4 MB, about
// 50,000 glyphs) down to the CJK characters labels actually meet, so that a
// document with Chinese text does not pay for parsing the whole font.
//
// fpdf parses every font again in every document and the time grows with
// the glyph count (about 20 ms for the full font, 1-3 ms for a subset).
// Two subsets are written, tried in this order, so a document loads only
// what its text uses:
//
//   - cjk-1.ttf: the 3,755 level-1 hanzi of GB2312 (the common simplified
//     Chinese characters), CJK symbols and punctuation, kana and fullwidth
//     forms;
//   - cjk-2.ttf: the rest of GB2312 (level 2), JIS X 0208 kanji and Big5
//     level-1 (traditional) hanzi.
//
// Droid Sans Fallback has no hangul syllables (Android shipped a separate
// Korean font), so Korean text is not covered by any embedded font.
//
// Anything else falls back to the full font at run time, so a rare
// character costs time, never correctness.
//
// Run from the labels directory with `go generate` (see ../../fonts.go); the
// output is committed, so nothing runs at build or run time.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func main() {
	dir := flag.String("dir", "fonts", "directory holding DroidSansFallbackFull.ttf; the subsets are written there")
	flag.Parse()
	full, err := os.ReadFile(filepath.Join(*dir, "DroidSansFallbackFull.ttf"))
	if err != nil {
		log.Fatal(err)
	}
	font, err := sfnt.Parse(full)
	if err != nil {
		log.Fatal(err)
	}
	has := func(r rune) bool {
		var b sfnt.Buffer
		gi, err := font.GlyphIndex(&b, r)
		return err == nil && gi != 0
	}

	seen := map[rune]bool{}
	take := func(rs []rune) []rune {
		var out []rune
		for _, r := range rs {
			if !seen[r] && has(r) {
				seen[r] = true
				out = append(out, r)
			}
		}
		slices.Sort(out)
		return out
	}

	// Tier 1: the 3,755 level-1 hanzi of GB2312 (the most frequent, about
	// 99.7% of running modern Chinese text) with punctuation and kana.
	var sc1 []rune
	sc1 = append(sc1, span(0x3000, 0x303F)...) // CJK symbols and punctuation
	sc1 = append(sc1, span(0x3040, 0x30FF)...) // hiragana, katakana
	sc1 = append(sc1, span(0xFF00, 0xFFEF)...) // half- and fullwidth forms
	sc1 = append(sc1, double(simplifiedchinese.GBK, 0xB0, 0xD7, 0xA1, 0xFE)...)
	// Tier 2: GB2312 level 2, JIS X 0208 kanji, Big5 level 1 (traditional).
	var han2 []rune
	han2 = append(han2, double(simplifiedchinese.GBK, 0xD8, 0xF7, 0xA1, 0xFE)...)
	han2 = append(han2, double(japanese.EUCJP, 0xB0, 0xF4, 0xA1, 0xFE)...)
	han2 = append(han2, double(traditionalchinese.Big5, 0xA4, 0xC6, 0x40, 0xFE)...)

	for _, t := range []struct {
		name string
		set  []rune
	}{{"cjk-1.ttf", take(sc1)}, {"cjk-2.ttf", take(han2)}} {
		out := fpdf.UTF8CutFont(full, string(t.set))
		if err := os.WriteFile(filepath.Join(*dir, t.name), out, 0o644); err != nil {
			log.Fatal(err)
		}
		log.Printf("%s: %d runes, %d bytes", t.name, len(t.set), len(out))
	}
}

func span(lo, hi rune) []rune {
	var out []rune
	for r := lo; r <= hi; r++ {
		out = append(out, r)
	}
	return out
}

// double decodes every two-byte code of a legacy CJK character set, which is
// the simplest reliable list of the characters that set was made to cover.
func double(enc encoding.Encoding, hiLo, hiHi, loLo, loHi byte) []rune {
	var out []rune
	d := enc.NewDecoder()
	for hi := int(hiLo); hi <= int(hiHi); hi++ {
		for lo := int(loLo); lo <= int(loHi); lo++ {
			b, err := d.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				continue
			}
			r, n := utf8.DecodeRune(b)
			if n == len(b) && r != utf8.RuneError && r >= 0x2E80 {
				out = append(out, r)
			}
		}
	}
	return out
}
