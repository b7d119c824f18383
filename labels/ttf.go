package labels

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// ttf is a TrueType font read once per process: the tables a subset needs
// and the per-glyph widths the layout measures with.
type ttf struct {
	tables   map[string][]byte
	upem     float64
	glyphs   int
	longLoca bool
	adv, lsb []uint16 // horizontal metrics of each glyph, font units
	cw       []int    // advance width of each glyph, 1/1000 em as fpdf rounds it
	desc     fontDesc
}

// fontDesc is the PDF font descriptor, in 1/1000 em.
type fontDesc struct {
	Ascent, Descent, CapHeight, Flags, ItalicAngle, StemV, MissingWidth int
	FontBBox                                                            struct{ Xmin, Ymin, Xmax, Ymax int }
}

var be = binary.BigEndian

var errBadFont = errors.New("malformed TrueType font")

func parseTTF(b []byte) (*ttf, error) {
	if len(b) < 12 {
		return nil, errBadFont
	}
	t := &ttf{tables: map[string][]byte{}}
	n := int(be.Uint16(b[4:]))
	for i := range n {
		r := 12 + 16*i
		if r+16 > len(b) {
			return nil, errBadFont
		}
		off, size := int(be.Uint32(b[r+8:])), int(be.Uint32(b[r+12:]))
		if off+size > len(b) || off < 0 {
			return nil, errBadFont
		}
		t.tables[string(b[r:r+4])] = b[off : off+size]
	}
	head, hhea, maxp, hmtx := t.tables["head"], t.tables["hhea"], t.tables["maxp"], t.tables["hmtx"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 || t.tables["loca"] == nil || t.tables["glyf"] == nil {
		return nil, errBadFont
	}
	t.upem = float64(be.Uint16(head[18:]))
	t.longLoca = be.Uint16(head[50:]) == 1
	t.glyphs = int(be.Uint16(maxp[4:]))
	hm := int(be.Uint16(hhea[34:]))
	if hm == 0 || len(hmtx) < 4*hm+2*(t.glyphs-hm) || t.upem == 0 {
		return nil, errBadFont
	}
	t.adv, t.lsb, t.cw = make([]uint16, t.glyphs), make([]uint16, t.glyphs), make([]int, t.glyphs)
	for g := range t.glyphs {
		t.adv[g] = be.Uint16(hmtx[4*min(g, hm-1):])
		if g < hm {
			t.lsb[g] = be.Uint16(hmtx[4*g+2:])
		} else {
			t.lsb[g] = be.Uint16(hmtx[4*hm+2*(g-hm):])
		}
		t.cw[g] = t.scale(int(t.adv[g]))
	}
	d := &t.desc
	d.Ascent, d.Descent = t.scale(int(int16(be.Uint16(hhea[4:])))), t.scale(int(int16(be.Uint16(hhea[6:]))))
	d.CapHeight = d.Ascent
	if os2 := t.tables["OS/2"]; len(os2) >= 90 && be.Uint16(os2) >= 2 {
		d.CapHeight = t.scale(int(int16(be.Uint16(os2[88:]))))
	}
	d.Flags = 32 // non-symbolic: glyphs are found by their Unicode names; upright (ItalicAngle 0)
	d.StemV = 70
	if be.Uint16(head[44:])&1 != 0 {
		d.StemV = 120
	}
	d.FontBBox.Xmin, d.FontBBox.Ymin = t.scale(int(int16(be.Uint16(head[36:])))), t.scale(int(int16(be.Uint16(head[38:]))))
	d.FontBBox.Xmax, d.FontBBox.Ymax = t.scale(int(int16(be.Uint16(head[40:])))), t.scale(int(int16(be.Uint16(head[42:]))))
	return t, nil
}

func (t *ttf) scale(v int) int { return int(math.Round(float64(v) * 1000 / t.upem)) }

// glyph is the outline data of glyph g (empty for a blank glyph).
func (t *ttf) glyph(g int) []byte {
	loca, glyf := t.tables["loca"], t.tables["glyf"]
	var a, b int
	if t.longLoca {
		if 4*g+8 > len(loca) {
			return nil
		}
		a, b = int(be.Uint32(loca[4*g:])), int(be.Uint32(loca[4*g+4:]))
	} else {
		if 2*g+4 > len(loca) {
			return nil
		}
		a, b = 2*int(be.Uint16(loca[2*g:])), 2*int(be.Uint16(loca[2*g+2:]))
	}
	if a >= b || b > len(glyf) {
		return nil
	}
	return glyf[a:b]
}

// Composite glyph flags (TrueType glyf table).
const (
	argWords    = 0x0001
	hasScale    = 0x0008
	moreComps   = 0x0020
	hasXYScale  = 0x0040
	hasTwoByTwo = 0x0080
)

// components calls f with the offset of each component's glyph index in a
// composite glyph g; it does nothing for a simple glyph.
func components(g []byte, f func(off int)) {
	if len(g) < 10 || int16(be.Uint16(g)) >= 0 {
		return
	}
	for p := 10; p+4 <= len(g); {
		flags := be.Uint16(g[p:])
		f(p + 2)
		p += 4
		if flags&argWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&hasScale != 0:
			p += 2
		case flags&hasXYScale != 0:
			p += 4
		case flags&hasTwoByTwo != 0:
			p += 8
		}
		if flags&moreComps == 0 {
			return
		}
	}
}

// subset writes a TrueType font holding glyph 0 and the glyphs of gids
// (with the components of composite glyphs), whose Unicode cmap maps
// runes[i] to gids[i]. The outlines, hinting and metrics are the source's.
func (t *ttf) subset(runes []rune, gids []int) []byte {
	newID := map[int]int{0: 0}
	order := []int{0}
	add := func(g int) int {
		if id, ok := newID[g]; ok {
			return id
		}
		newID[g] = len(order)
		order = append(order, g)
		return newID[g]
	}
	for _, g := range gids {
		add(g)
	}
	var glyf, loca, hmtx []byte
	for i := 0; i < len(order); i++ { // order grows with components
		loca = be.AppendUint32(loca, uint32(len(glyf)))
		g := slices.Clone(t.glyph(order[i]))
		components(g, func(off int) {
			if c := int(be.Uint16(g[off:])); c < t.glyphs {
				be.PutUint16(g[off:], uint16(add(c)))
			}
		})
		glyf = append(glyf, g...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		hmtx = be.AppendUint16(hmtx, t.adv[order[i]])
		hmtx = be.AppendUint16(hmtx, t.lsb[order[i]])
	}
	loca = be.AppendUint32(loca, uint32(len(glyf)))

	n := len(order)
	head := slices.Clone(t.tables["head"])
	be.PutUint32(head[8:], 0) // checkSumAdjustment, set below
	be.PutUint16(head[50:], 1)
	hhea := slices.Clone(t.tables["hhea"])
	be.PutUint16(hhea[34:], uint16(n))
	maxp := slices.Clone(t.tables["maxp"])
	be.PutUint16(maxp[4:], uint16(n))
	post := make([]byte, 32)
	if p := t.tables["post"]; len(p) >= 32 {
		copy(post, p)
	}
	be.PutUint32(post, 0x00030000) // no glyph names

	tables := map[string][]byte{
		"cmap": cmap4(runes, gids, newID), "glyf": glyf, "head": head, "hhea": hhea,
		"hmtx": hmtx, "loca": loca, "maxp": maxp, "post": post,
	}
	for _, tag := range []string{"cvt ", "fpgm", "prep", "OS/2", "name"} {
		if b, ok := t.tables[tag]; ok {
			tables[tag] = b
		}
	}
	out := writeSFNT(tables)
	headOff := int(be.Uint32(out[12+16*slices.Index(sortedTags(tables), "head")+8:]))
	be.PutUint32(out[headOff+8:], 0xB1B0AFBA-checksum(out))
	return out
}

// cmap4 is a cmap table with one format 4 subtable (Windows, Unicode BMP):
// a segment per rune (runes are distinct).
func cmap4(runes []rune, gids []int, newID map[int]int) []byte {
	type seg struct{ r, g int }
	segs := make([]seg, 0, len(runes)+1)
	for i, r := range runes {
		segs = append(segs, seg{int(r), newID[gids[i]]})
	}
	slices.SortFunc(segs, func(a, b seg) int { return a.r - b.r })
	segs = append(segs, seg{0xFFFF, 0})
	nseg := len(segs)
	sub := make([]byte, 16+8*nseg)
	be.PutUint16(sub, 4)
	be.PutUint16(sub[2:], uint16(len(sub)))
	be.PutUint16(sub[6:], uint16(2*nseg))
	sr := 1
	for sr*2 <= nseg {
		sr *= 2
	}
	be.PutUint16(sub[8:], uint16(2*sr))
	be.PutUint16(sub[10:], uint16(math.Log2(float64(sr))))
	be.PutUint16(sub[12:], uint16(2*nseg-2*sr))
	ends, starts, deltas := 14, 16+2*nseg, 16+4*nseg // idRangeOffsets after deltas stay 0
	for i, s := range segs {
		be.PutUint16(sub[ends+2*i:], uint16(s.r))
		be.PutUint16(sub[starts+2*i:], uint16(s.r))
		d := uint16(s.g - s.r)
		if s.r == 0xFFFF {
			d = 1
		}
		be.PutUint16(sub[deltas+2*i:], d)
	}
	hdr := []byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}
	return append(hdr, sub...)
}

func sortedTags(tables map[string][]byte) []string {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	return tags
}

// writeSFNT lays out a font file: table directory, then each table padded
// to four bytes.
func writeSFNT(tables map[string][]byte) []byte {
	tags := sortedTags(tables)
	n := len(tags)
	sr := 1
	for sr*2 <= n {
		sr *= 2
	}
	out := make([]byte, 12+16*n)
	be.PutUint32(out, 0x00010000)
	be.PutUint16(out[4:], uint16(n))
	be.PutUint16(out[6:], uint16(16*sr))
	be.PutUint16(out[8:], uint16(math.Log2(float64(sr))))
	be.PutUint16(out[10:], uint16(16*n-16*sr))
	for i, tag := range tags {
		b := tables[tag]
		r := out[12+16*i:]
		copy(r, tag)
		be.PutUint32(r[4:], checksum(b))
		be.PutUint32(r[8:], uint32(len(out)))
		be.PutUint32(r[12:], uint32(len(b)))
		out = append(out, b...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// checksum is the TrueType table checksum: the sum of big-endian uint32s,
// the last one zero-padded.
func checksum(b []byte) uint32 {
	var s uint32
	for len(b) >= 4 {
		s += be.Uint32(b)
		b = b[4:]
	}
	var last [4]byte
	copy(last[:], b)
	return s + be.Uint32(last[:])
}
