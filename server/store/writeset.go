package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"
)

// A write set is what one write transaction of a replicated store changed,
// in order, as the log carries it to every node:
//
//	'W' version(1)  op*  crc32c(all before, 4 bytes big-endian)
//	op = kind(1) depth(uvarint) name{depth} fields
//	name, key, value = length(uvarint) bytes
//
// where the names are the bucket path from the root down to the bucket the
// op acts on (none for a top-level bucket's creation or deletion), and the
// fields by kind are: put key value; delete key; create bucket, create
// bucket if missing, delete bucket: name; set sequence: sequence(uvarint).
// The checksum makes a damaged entry an error rather than other writes.
const (
	writeSetMagic   = 'W'
	writeSetVersion = 1
	writeSetTrailer = crc32.Size
	// maxPathDepth bounds the nesting a write set may name: the store nests
	// one level (serials, imports); a deeper path is damage.
	maxPathDepth = 4
)

// The kinds of op.
const (
	opPut byte = 1 + iota
	opDelete
	opCreateBucket
	opCreateBucketIfNotExists
	opDeleteBucket
	opSetSequence
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errWriteSet wraps every reason a write set is refused.
var errWriteSet = errors.New("damaged write set")

func appendHeader(b []byte) []byte { return append(b, writeSetMagic, writeSetVersion) }

func appendTrailer(b []byte) []byte {
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func appendBytes(b, v []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// emptyWriteSet changes nothing; applied, it tells its sender that every
// entry before it is applied too.
func emptyWriteSet() []byte { return appendTrailer(appendHeader(nil)) }

// writeOp is one decoded op. Its slices point into the write set.
type writeOp struct {
	kind  byte
	path  [][]byte
	key   []byte // the key, or the name of the bucket created or deleted
	value []byte
	seq   uint64
}

// decodeWriteSet checks ws whole (checksum, version, every op) before
// returning any op, so that a damaged entry applies nothing.
func decodeWriteSet(ws []byte) ([]writeOp, error) {
	if len(ws) < 2+writeSetTrailer {
		return nil, fmt.Errorf("%w: %d bytes", errWriteSet, len(ws))
	}
	body, sum := ws[:len(ws)-writeSetTrailer], ws[len(ws)-writeSetTrailer:]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(sum) {
		return nil, fmt.Errorf("%w: checksum mismatch", errWriteSet)
	}
	if body[0] != writeSetMagic {
		return nil, fmt.Errorf("%w: not a write set", errWriteSet)
	}
	if body[1] != writeSetVersion {
		return nil, fmt.Errorf("%w: version %d, this build reads %d", errWriteSet, body[1], writeSetVersion)
	}
	d := wsDecoder{buf: body[2:]}
	var ops []writeOp
	for len(d.buf) > 0 {
		op := writeOp{kind: d.byte()}
		depth := d.uvarint()
		if d.err == nil && depth > maxPathDepth {
			d.fail("a path of %d buckets", depth)
		}
		for i := uint64(0); i < depth && d.err == nil; i++ {
			op.path = append(op.path, d.name())
		}
		switch op.kind {
		case opPut:
			op.key, op.value = d.name(), d.bytes()
		case opDelete, opCreateBucket, opCreateBucketIfNotExists, opDeleteBucket:
			op.key = d.name()
		case opSetSequence:
			op.seq = d.uvarint()
		default:
			d.fail("op %d", op.kind)
		}
		if d.err != nil {
			return nil, fmt.Errorf("%w: op %d: %v", errWriteSet, len(ops)+1, d.err)
		}
		bucketOp := op.kind == opCreateBucket || op.kind == opCreateBucketIfNotExists || op.kind == opDeleteBucket
		switch {
		case len(op.path) == 0 && !bucketOp:
			return nil, fmt.Errorf("%w: op %d: a key of no bucket", errWriteSet, len(ops)+1)
		case len(op.path) > 0 && isReplicaBucket(op.path[0]), len(op.path) == 0 && isReplicaBucket(op.key):
			return nil, fmt.Errorf("%w: op %d: writes the replica's bookkeeping", errWriteSet, len(ops)+1)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

type wsDecoder struct {
	buf []byte
	err error
}

func (d *wsDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *wsDecoder) byte() byte {
	if d.err != nil || len(d.buf) == 0 {
		d.fail("cut short")
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *wsDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *wsDecoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.fail("%d bytes announced, %d left", n, len(d.buf))
		return nil
	}
	v := d.buf[:n:n]
	d.buf = d.buf[n:]
	return v
}

// name is a key or a bucket name: bbolt takes neither empty nor longer
// than its limit.
func (d *wsDecoder) name() []byte {
	v := d.bytes()
	if d.err == nil && (len(v) == 0 || len(v) > bolt.MaxKeySize) {
		d.fail("a name of %d bytes", len(v))
	}
	return v
}

// applyOps makes ops' writes in tx. Every op succeeded on the node that
// recorded it, against the same state, so an error here means the states
// differ: the caller must not go on.
func applyOps(tx *bolt.Tx, ops []writeOp) error {
	for i, op := range ops {
		if err := applyOp(tx, op); err != nil {
			return fmt.Errorf("write set op %d (%d on %q, key %q): %w", i+1, op.kind, bytes.Join(op.path, []byte("/")), op.key, err)
		}
	}
	return nil
}

// applyFill is how full Apply packs the pages of the buckets the store
// appends to in key order (scan.go, movement.go, planrecord.go): the
// store's own fill hints are not in the write set, and every node's file,
// the leader's included, is written by Apply.
var applyFill = map[string]float64{string(bucketScanRecords): 1, string(bucketMovements): 1, string(bucketTasks): 1}

func applyOp(tx *bolt.Tx, op writeOp) error {
	if len(op.path) == 0 {
		switch op.kind {
		case opCreateBucket:
			_, err := tx.CreateBucket(op.key)
			return err
		case opCreateBucketIfNotExists:
			_, err := tx.CreateBucketIfNotExists(op.key)
			return err
		case opDeleteBucket:
			return tx.DeleteBucket(op.key)
		}
		return errWriteSet // decodeWriteSet lets no other op through
	}
	b := tx.Bucket(op.path[0])
	for _, name := range op.path[1:] {
		if b == nil {
			break
		}
		b = b.Bucket(name)
	}
	if b == nil {
		return bolterr.ErrBucketNotFound
	}
	if f, ok := applyFill[string(op.path[0])]; ok && len(op.path) == 1 {
		b.FillPercent = f
	}
	switch op.kind {
	case opPut:
		// bbolt keeps value until the commit: ws outlives Apply's commit.
		return b.Put(op.key, op.value)
	case opDelete:
		return b.Delete(op.key)
	case opCreateBucket:
		_, err := b.CreateBucket(op.key)
		return err
	case opCreateBucketIfNotExists:
		_, err := b.CreateBucketIfNotExists(op.key)
		return err
	case opDeleteBucket:
		return b.DeleteBucket(op.key)
	case opSetSequence:
		return b.SetSequence(op.seq)
	}
	return errWriteSet
}
