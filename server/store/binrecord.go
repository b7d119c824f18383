package store

import "encoding/binary"

// appendString appends s prefixed by its length.
func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// binReader takes values off the front of a binary record (task
// progress, movements); after the first error it reads zeros and keeps
// bad, the record kind's own error.
type binReader struct {
	b   []byte
	bad error
	err error
}

func (r *binReader) fail() {
	r.b, r.err = nil, r.bad
}

// end returns the first error, or bad if bytes are left over.
func (r *binReader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = r.bad
	}
	return r.err
}

func (r *binReader) u64() uint64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *binReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *binReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a number of stops, which cannot exceed the bytes left (each
// stop takes at least two).
func (r *binReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *binReader) byte() byte {
	if len(r.b) < 1 {
		r.fail()
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *binReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
