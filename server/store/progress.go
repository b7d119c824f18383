package store

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/pickpack/pickpack/server/floor"
)

// A progress record is written on every scan, so it is binary rather than
// JSON: the plan version (8 bytes, big-endian), the number of stops, each
// stop's picked and short units, then the rest of taskProgress. The plan
// version and the number of stops come first so that a write can check
// them without decoding the record (see progressHeader). Integers are
// varints, times nanoseconds since 1970 (0 for none), strings
// length-prefixed. Schema 11 appends how a handheld task ended (the
// drop-off time and station, a released flag) and says so in the flags
// byte, so that a record cut there is still caught.

// The flags byte: the task is done; the record ends with how it ended
// (schema 11; older records have no end and read as open tasks' ends).
const (
	progressDone byte = 1 << 0
	progressEnd  byte = 1 << 1
)

// errCorruptProgress is returned for a progress record that does not
// decode.
var errCorruptProgress = errors.New("corrupt task progress record")

func encodeProgress(p taskProgress) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 64+16*len(p.Picked)), p.Plan)
	b = binary.AppendUvarint(b, uint64(len(p.Picked)))
	for i := range p.Picked {
		b = binary.AppendVarint(b, p.Picked[i])
		b = binary.AppendVarint(b, p.Short[i])
	}
	flags := progressEnd // every record of schema 11 carries the end
	if p.Done {
		flags |= progressDone
	}
	b = append(b, flags)
	b = appendString(appendString(b, p.AtBin), p.ItemAt)
	for _, t := range [...]int64{floor.UnixNano(p.ArrivedAt), floor.UnixNano(p.FirstUnitAt), floor.UnixNano(p.LeftAt), floor.UnixNano(p.DoneAt)} {
		b = binary.AppendVarint(b, t)
	}
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(p.LeftMeters))
	var released byte
	if p.Released {
		released = 1
	}
	b = binary.AppendVarint(b, floor.UnixNano(p.DroppedAt))
	return append(appendString(b, p.DropStation), released)
}

// progressHeader reads a record's plan version and number of stops.
func progressHeader(raw []byte) (plan uint64, stops int, err error) {
	r := binReader{b: raw, bad: errCorruptProgress}
	plan, stops = r.u64(), r.count()
	return plan, stops, r.err
}

func decodeProgress(raw []byte) (taskProgress, error) {
	r := binReader{b: raw, bad: errCorruptProgress}
	p := taskProgress{Plan: r.u64()}
	n := r.count()
	p.Picked, p.Short = make([]int64, n), make([]int64, n)
	for i := range n {
		p.Picked[i], p.Short[i] = r.varint(), r.varint()
	}
	flags := r.byte()
	p.Done = flags&progressDone != 0
	p.AtBin, p.ItemAt = r.str(), r.str()
	p.ArrivedAt, p.FirstUnitAt = floor.FromUnixNano(r.varint()), floor.FromUnixNano(r.varint())
	p.LeftAt, p.DoneAt = floor.FromUnixNano(r.varint()), floor.FromUnixNano(r.varint())
	p.LeftMeters = math.Float64frombits(r.u64())
	if flags&progressEnd != 0 {
		p.DroppedAt, p.DropStation = floor.FromUnixNano(r.varint()), r.str()
		p.Released = r.byte() == 1
	}
	return p, r.end()
}

// migrateProgress rewrites schema 4-6's JSON progress records in binary.
func migrateProgress(tx *txn) error {
	return rewriteRecords(tx.Bucket(bucketTaskProgress), func(v []byte) ([]byte, error) {
		p, err := decodeJSON[taskProgress](v)
		return encodeProgress(p), err
	})
}
