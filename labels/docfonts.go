package labels

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"codeberg.org/go-pdf/fpdf"
)

// Why not fpdf's UTF-8 fonts: fpdf parses a UTF-8 font again for every
// document, JSON-encodes its 65,536-entry width table to name it, and
// compresses a 128 KB glyph map for it; that cost about 3 ms per font even
// for a tiny font, most of a label's time. Instead each document gets, for
// each TrueType face its text uses, a simple TrueType font (one byte per
// character, fpdf's AddFontFromBytes) cut from the font this process read
// once: just the glyphs of the characters the document has, each named
// uniXXXX in the font's encoding so viewers find the glyph by its Unicode
// cmap and text extraction gets the character back.

// perFont is how many characters one simple font holds: codes 32 to 255.
const perFont = 224

// docFonts assigns the TrueType characters of one document to codes of its
// simple fonts: a face with more than perFont characters gets several.
type docFonts struct {
	code  [numFaces]map[rune]int // index in runes
	runes [numFaces][]rune
	names [numFaces][]string // family of each simple font of a face
}

// newDocFonts collects the characters of every text op.
func newDocFonts(ops []op) *docFonts {
	d := &docFonts{}
	for _, o := range ops {
		if o.kind != 't' || faces[o.face].core {
			continue
		}
		if d.code[o.face] == nil {
			d.code[o.face] = map[rune]int{}
		}
		for _, r := range o.s {
			if _, ok := d.code[o.face][r]; !ok {
				d.code[o.face][r] = len(d.runes[o.face])
				d.runes[o.face] = append(d.runes[o.face], r)
			}
		}
	}
	for face, rs := range d.runes {
		for n := 0; n*perFont < len(rs); n++ {
			d.names[face] = append(d.names[face], family(face, n))
		}
	}
	return d
}

// family is the fpdf family (and PDF base font name) of a face's n-th
// simple font.
func family(face, n int) string {
	return fmt.Sprintf("%s%s-%d", faces[face].family, faces[face].style, n)
}

// add embeds the document's simple fonts in pdf.
func (d *docFonts) add(pdf *fpdf.Fpdf) error {
	return d.each(func(name string, def, z []byte) { pdf.AddFontFromBytes(name, "", def, z) })
}

// each makes the document's simple fonts and calls fn with each one's
// family name and files (fpdf's definition and the compressed font), in a
// fixed order. The fonts are made in parallel, one per processor: a
// document with thousands of CJK characters has dozens of fonts, and
// cutting and compressing them is most of its time.
func (d *docFonts) each(fn func(name string, def, z []byte)) error {
	type made struct {
		name    string
		def, z  []byte
		err     error
		done    chan struct{}
		face, n int
	}
	var all []*made
	for face := range d.runes {
		for n, name := range d.names[face] {
			all = append(all, &made{name: name, face: face, n: n, done: make(chan struct{})})
		}
	}
	work := make(chan *made)
	go func() {
		defer close(work)
		for _, m := range all {
			work <- m
		}
	}()
	for range min(len(all), runtime.GOMAXPROCS(0)) {
		go func() {
			for m := range work {
				rs := d.runes[m.face]
				m.def, m.z, m.err = simpleFont(faces[m.face], m.name, rs[m.n*perFont:min(len(rs), (m.n+1)*perFont)])
				close(m.done)
			}
		}()
	}
	var err error
	for _, m := range all {
		<-m.done
		if err == nil && m.err != nil {
			err = m.err
		}
		if err == nil {
			fn(m.name, m.def, m.z)
		}
	}
	return err
}

// piece is text in one simple font.
type piece struct {
	font int
	text string
}

// encode turns a run of a TrueType face into pieces of font codes.
func (d *docFonts) encode(face int, s string) []piece {
	var out []piece
	var b []byte
	cur := -1
	for _, r := range s {
		i := d.code[face][r]
		if n := i / perFont; n != cur {
			if cur >= 0 {
				out = append(out, piece{cur, string(b)})
			}
			cur, b = n, b[:0]
		}
		b = append(b, byte(32+i%perFont))
	}
	if cur >= 0 {
		out = append(out, piece{cur, string(b)})
	}
	return out
}

// fontDef is fpdf's JSON font definition (as its MakeFont writes).
type fontDef struct {
	Tp           string
	Name         string
	Desc         fontDesc
	Cw           []int
	Diff         string
	File         string
	OriginalSize int
}

var zlibs = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return w
}}

// simpleFont is the definition and compressed font file of a simple font
// holding runes at codes 32, 33, ...
func simpleFont(f *face, name string, runes []rune) (def, z []byte, err error) {
	f.once.Do(f.load) // a built-in font that does not read panics there
	gids := make([]int, len(runes))
	cw := make([]int, 256)
	var diff strings.Builder
	diff.WriteString("32")
	for i, r := range runes {
		gids[i] = int(f.gid[r])
		cw[32+i] = f.font.cw[gids[i]]
		fmt.Fprintf(&diff, " /uni%04X", r)
	}
	file := f.font.subset(runes, gids)
	var zb bytes.Buffer
	zw := zlibs.Get().(*zlib.Writer)
	defer zlibs.Put(zw)
	zw.Reset(&zb)
	zw.Write(file)
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	def, err = json.Marshal(fontDef{
		Tp: "TrueType", Name: name, Desc: f.font.desc, Cw: cw,
		Diff: diff.String(), File: name + ".z", OriginalSize: len(file),
	})
	return def, zb.Bytes(), err
}
