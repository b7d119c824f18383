package labels

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Text a stock Zebra printer cannot draw with its built-in font is sent as
// a picture: rasterized here, from the fonts the PDF embeds, at the
// printer's 203 dpi, one bit per dot (a thermal printer has no gray).
//
// Glyphs are rasterized once per face, size and rune and kept (see
// glyphCache): a label has a few sizes and, even in Chinese, some dozens
// of characters, so after the first label a run is only copied glyph by
// glyph and packed.

// inkLevel is the coverage from which a dot prints: a little under half,
// so the thin strokes of small hanzi keep their dots.
const inkLevel = 0x70

// glyph is one rasterized glyph: its coverage mask and where it sits
// relative to the pen on the baseline.
type glyph struct {
	mask    *image.Alpha // nil for a blank glyph (space)
	off     image.Point  // mask's top left relative to the pen
	advance fixed.Int26_6
}

type glyphKey struct {
	face int
	size int // em in 1/64 dot
	r    rune
}

// maxGlyphs bounds the cache: some 1,000 hanzi at each of 8 sizes, a few
// MB. A process that prints more kinds of glyph starts the cache over.
const maxGlyphs = 8192

// glyphCache holds rasterized glyphs and a font.Face per face and size
// (faces are not safe for concurrent use: all use is under mu).
var glyphCache = struct {
	mu     sync.Mutex
	fonts  [numFaces]*opentype.Font
	faces  map[[2]int]font.Face
	glyphs map[glyphKey]glyph
}{faces: map[[2]int]font.Face{}, glyphs: map[glyphKey]glyph{}}

// faceAt is face at em size in 1/64 dot; mu is held.
func faceAt(f, size int) font.Face {
	k := [2]int{f, size}
	if ff, ok := glyphCache.faces[k]; ok {
		return ff
	}
	if glyphCache.fonts[f] == nil {
		ft, err := opentype.Parse(faces[f].ttf)
		if err != nil {
			// Built into the binary: see face.load.
			panic(fmt.Sprintf("labels: built-in font %s %s does not read: %v", faces[f].family, faces[f].style, err))
		}
		glyphCache.fonts[f] = ft
	}
	ff, err := opentype.NewFace(glyphCache.fonts[f], &opentype.FaceOptions{
		Size: float64(size) / 64, DPI: 72, Hinting: font.HintingNone,
	})
	if err != nil {
		panic(fmt.Sprintf("labels: font %s at %d/64 dots: %v", faces[f].family, size, err))
	}
	glyphCache.faces[k] = ff
	return ff
}

// glyphOf is r in face f at em size in 1/64 dot; mu is held.
func glyphOf(f, size int, r rune) glyph {
	k := glyphKey{f, size, r}
	if g, ok := glyphCache.glyphs[k]; ok {
		return g
	}
	if len(glyphCache.glyphs) >= maxGlyphs {
		glyphCache.glyphs = map[glyphKey]glyph{}
	}
	ff := faceAt(f, size)
	var g glyph
	dr, mask, mp, adv, ok := ff.Glyph(fixed.Point26_6{}, r)
	if !ok {
		// No glyph: the face's .notdef box, as the PDF shows.
		dr, mask, mp, adv, _ = ff.Glyph(fixed.Point26_6{}, 0xFFFD)
	}
	g.advance = adv
	if !dr.Empty() && mask != nil {
		a := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
		draw.Draw(a, a.Bounds(), mask, mp, draw.Src)
		g.mask, g.off = a, dr.Min
	}
	glyphCache.glyphs[k] = g
	return g
}

// bitmap is a 1-bit picture: rows of rowBytes bytes, most significant bit
// leftmost, 1 = black; x, y place its top left relative to the text's
// origin on the baseline.
type bitmap struct {
	x, y     int
	rowBytes int
	bits     []byte
}

// rasterize draws s in face f at an em of em dots with the pen starting at
// (0, 0) on the baseline, cropped to its ink. Glyph origins are rounded to
// whole dots, as a printer's own font does.
func rasterize(f int, em float64, s string) bitmap {
	size := int(math.Round(em * 64))
	glyphCache.mu.Lock()
	type placed struct {
		g glyph
		x int
	}
	var gs []placed
	var pen fixed.Int26_6
	ink := image.Rectangle{}
	for _, r := range s {
		g := glyphOf(f, size, r)
		x := pen.Round()
		if g.mask != nil {
			gs = append(gs, placed{g, x})
			ink = ink.Union(g.mask.Bounds().Add(g.off).Add(image.Pt(x, 0)))
		}
		pen += g.advance
	}
	glyphCache.mu.Unlock()
	if ink.Empty() {
		return bitmap{}
	}
	cov := image.NewAlpha(ink)
	for _, p := range gs {
		r := p.g.mask.Bounds().Add(p.g.off).Add(image.Pt(p.x, 0))
		draw.Draw(cov, r, p.g.mask, image.Point{}, draw.Over)
	}
	return pack(cov)
}

// pack turns coverage into a 1-bit bitmap cropped to the dots that print.
func pack(cov *image.Alpha) bitmap {
	b := cov.Bounds()
	crop := image.Rectangle{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := cov.Pix[(y-b.Min.Y)*cov.Stride:]
		for x := 0; x < b.Dx(); x++ {
			if row[x] >= inkLevel {
				crop = crop.Union(image.Rect(b.Min.X+x, y, b.Min.X+x+1, y+1))
			}
		}
	}
	if crop.Empty() {
		return bitmap{}
	}
	rb := (crop.Dx() + 7) / 8
	bm := bitmap{x: crop.Min.X, y: crop.Min.Y, rowBytes: rb, bits: make([]byte, rb*crop.Dy())}
	for y := crop.Min.Y; y < crop.Max.Y; y++ {
		row := cov.Pix[(y-b.Min.Y)*cov.Stride+(crop.Min.X-b.Min.X):]
		out := bm.bits[(y-crop.Min.Y)*rb:]
		for x := 0; x < crop.Dx(); x++ {
			if row[x] >= inkLevel {
				out[x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return bm
}

const hexDigits = "0123456789ABCDEF"

// acs is the bitmap's data in ZPL's ASCII compression: each row in hex, a
// run of one digit as a repeat count before it (G-Y 1-19, g-z 20-400), a
// row's trailing zeros as ',', a row equal to the one before as ':'. (The
// '!' for trailing ones is not used: renderers differ on it, and text rows
// rarely end in ink.)
func (bm bitmap) acs() string {
	var b strings.Builder
	b.Grow(len(bm.bits))
	row := make([]byte, 2*bm.rowBytes)
	var prev []byte
	for y := 0; y*bm.rowBytes < len(bm.bits); y++ {
		for i, v := range bm.bits[y*bm.rowBytes : (y+1)*bm.rowBytes] {
			row[2*i], row[2*i+1] = hexDigits[v>>4], hexDigits[v&15]
		}
		if prev != nil && string(prev) == string(row) {
			b.WriteByte(':')
			continue
		}
		prev = append(prev[:0], row...)
		end := len(row)
		for end > 0 && row[end-1] == '0' {
			end--
		}
		for i := 0; i < end; {
			j := i
			for j < end && row[j] == row[i] {
				j++
			}
			if n := j - i; n > 1 {
				writeCount(&b, n)
			}
			b.WriteByte(row[i])
			i = j
		}
		if end < len(row) {
			b.WriteByte(',')
		}
	}
	return b.String()
}

// writeCount writes a repeat count n > 1 in ZPL's letters.
func writeCount(b *strings.Builder, n int) {
	for n > 400 {
		b.WriteByte('z')
		n -= 400
	}
	if n >= 20 {
		b.WriteByte(byte('g' + n/20 - 1))
		n %= 20
	}
	if n > 0 {
		b.WriteByte(byte('G' + n - 1))
	}
}
