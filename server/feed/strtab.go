package feed

import (
	"hash/maphash"
	"math/bits"
	"unsafe"
)

// strtab keeps strings by number with no pointer the collector must
// follow: their bytes in one arena, their places in a slice of fixed
// records, found by an open-addressing index of numbers. A floor with
// hundreds of thousands of open orders keeps their ids here; as strings
// in a map they were objects the collector marked on every cycle.
//
// A string is kept while it is referred to (see add and release). Number
// 0 is the empty string, always kept. A released number is reused for the
// next new string, so whoever keeps numbers must say whether one still
// means the same thing (the hub's changes do with their sequence number).
type strtab struct {
	seed    maphash.Seed
	arena   []byte   // the strings' bytes, appended; a released string's bytes stay until compact
	ents    []strent // by number
	free    []int32  // released numbers
	index   []int32  // number+1 at the string's hash, probed linearly; 0 free
	live    int      // strings kept, 0 aside
	garbage int      // arena bytes of released strings
}

// strent is where one string is, and how many refer to it (0: released).
type strent struct {
	off, n uint32
	refs   int32
}

func newStrtab() strtab {
	return strtab{seed: maphash.MakeSeed(), ents: []strent{{refs: 1}}, index: make([]int32, 8)}
}

func (t *strtab) bytes(i int32) []byte {
	e := t.ents[i]
	return t.arena[e.off : e.off+e.n : e.off+e.n]
}

// str is the string numbered i, a copy the caller may keep.
func (t *strtab) str(i int32) string { return string(t.bytes(i)) }

// view is the string numbered i without a copy: the clocks of a look read
// hundreds of thousands of ids and names, and copying each would be that
// many allocations a look. A view stays good and unchanged whatever the
// table does next: the arena is only appended to, and compact makes a new
// one. But a view keeps the whole arena it points into alive, so what is
// kept beyond a look or two (map keys, a whole clock in Hub.pubs) takes
// str, or a copy.
func (t *strtab) view(i int32) string {
	b := t.bytes(i)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// is reports whether number i is s.
func (t *strtab) is(i int32, s string) bool { return string(t.bytes(i)) == s }

func (t *strtab) slot(h uint64) int { return int(h & uint64(len(t.index)-1)) }

// find is the number of s and whether it is kept.
func (t *strtab) find(s string) (int32, bool) {
	if s == "" {
		return 0, true
	}
	for p := t.slot(maphash.String(t.seed, s)); ; p = (p + 1) & (len(t.index) - 1) {
		i := t.index[p] - 1
		if i < 0 {
			return 0, false
		}
		if t.is(i, s) {
			return i, true
		}
	}
}

// add refers once more to s, kept from now on if it was not, and returns
// its number.
func (t *strtab) add(s string) int32 {
	if s == "" {
		return 0
	}
	if i, ok := t.find(s); ok {
		t.ents[i].refs++
		return i
	}
	if 4*(t.live+1) > 3*len(t.index) {
		t.rehash(2 * len(t.index))
	}
	e := strent{off: uint32(len(t.arena)), n: uint32(len(s)), refs: 1}
	t.arena = append(t.arena, s...)
	var i int32
	if n := len(t.free); n > 0 {
		i, t.free = t.free[n-1], t.free[:n-1]
		t.ents[i] = e
	} else {
		i = int32(len(t.ents))
		t.ents = append(t.ents, e)
	}
	t.place(i, maphash.String(t.seed, s))
	t.live++
	return i
}

// place puts number i, whose string hashes to h, in the index.
func (t *strtab) place(i int32, h uint64) {
	p := t.slot(h)
	for t.index[p] != 0 {
		p = (p + 1) & (len(t.index) - 1)
	}
	t.index[p] = i + 1
}

// release refers once less to number i: the string goes with the last.
func (t *strtab) release(i int32) {
	if i == 0 {
		return
	}
	if t.ents[i].refs--; t.ents[i].refs > 0 {
		return
	}
	// Out of the index, moving back the strings probed past its place so
	// that no search stops short of them.
	mask := len(t.index) - 1
	p := t.slot(maphash.Bytes(t.seed, t.bytes(i)))
	for t.index[p] != i+1 {
		p = (p + 1) & mask
	}
	for q := (p + 1) & mask; t.index[q] != 0; q = (q + 1) & mask {
		home := t.slot(maphash.Bytes(t.seed, t.bytes(t.index[q]-1)))
		if (q-home)&mask >= (q-p)&mask { // its home is at or before the hole
			t.index[p] = t.index[q]
			p = q
		}
	}
	t.index[p] = 0
	t.garbage += int(t.ents[i].n)
	t.ents[i] = strent{}
	t.free = append(t.free, i)
	t.live--
	if t.garbage > 4096 && t.garbage > len(t.arena)/2 {
		t.compact()
	}
	if len(t.index) > 64 && 8*t.live < len(t.index) { // the floor emptied: give the room back
		t.rehash(1 << bits.Len(uint(2*t.live)))
	}
}

// rehash makes an index of n places.
func (t *strtab) rehash(n int) {
	t.index = make([]int32, max(n, 8))
	for i := int32(1); i < int32(len(t.ents)); i++ {
		if t.ents[i].refs > 0 {
			t.place(i, maphash.Bytes(t.seed, t.bytes(i)))
		}
	}
}

// compact copies the kept strings to a new arena, dropping the bytes of
// the released ones. Strings already handed out are copies: see str.
func (t *strtab) compact() {
	arena := make([]byte, 0, 2*(len(t.arena)-t.garbage)+64)
	for i := range t.ents {
		if t.ents[i].refs > 0 {
			b := t.bytes(int32(i))
			t.ents[i].off = uint32(len(arena))
			arena = append(arena, b...)
		}
	}
	t.arena, t.garbage = arena, 0
}
