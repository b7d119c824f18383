package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// encodeOps is the write set of ops, as a recorder writes it.
func encodeOps(ops []writeOp) []byte {
	b := appendHeader(nil)
	for _, op := range ops {
		b = append(b, op.kind)
		b = binary.AppendUvarint(b, uint64(len(op.path)))
		for _, name := range op.path {
			b = appendBytes(b, name)
		}
		switch op.kind {
		case opPut:
			b = appendBytes(appendBytes(b, op.key), op.value)
		case opSetSequence:
			b = binary.AppendUvarint(b, op.seq)
		default:
			b = appendBytes(b, op.key)
		}
	}
	return appendTrailer(b)
}

// recordedWriteSet records writes made through the wrapper on a scratch
// file: every kind of op, nested buckets, a cursor's delete.
func recordedWriteSet(t testing.TB) []byte {
	t.Helper()
	r, err := OpenReplica(filepath.Join(t.TempDir(), "scratch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec := newRecorder()
	tx, err := r.db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	w := wrapTx(tx, rec)
	steps := []func() error{
		func() error { _, err := w.CreateBucket([]byte("a")); return err },
		func() error { _, err := w.CreateBucketIfNotExists([]byte("a")); return err },
		func() error { return w.Bucket([]byte("a")).Put([]byte("k1"), []byte("v1")) },
		func() error { return w.Bucket([]byte("a")).Put([]byte("k2"), nil) },
		func() error { _, err := w.Bucket([]byte("a")).NextSequence(); return err },
		func() error { _, err := w.Bucket([]byte("a")).CreateBucket([]byte("n")); return err },
		func() error { return w.Bucket([]byte("a")).Bucket([]byte("n")).SetSequence(41) },
		func() error { return w.Bucket([]byte("a")).Delete([]byte("k2")) },
		func() error {
			c := w.Bucket([]byte("a")).Cursor()
			c.First()
			return c.Delete()
		},
		func() error { return w.Bucket([]byte("a")).DeleteBucket([]byte("n")) },
		func() error { _, err := w.CreateBucket([]byte("b")); return err },
		func() error { return w.DeleteBucket([]byte("b")) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	return rec.writeSet()
}

// What the wrapper records decodes to the ops made, in order, with their
// bucket paths; NextSequence travels as the value it gave.
func TestWriteSetRecordsEveryKindOfWrite(t *testing.T) {
	ops, err := decodeWriteSet(recordedWriteSet(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range ops {
		s := strconv.Itoa(int(op.kind)) + " " + string(bytes.Join(op.path, []byte("/"))) + " " + string(op.key)
		switch op.kind {
		case opPut:
			s += "=" + string(op.value)
		case opSetSequence:
			s += strconv.FormatUint(op.seq, 10)
		}
		got = append(got, s)
	}
	want := []string{
		"3  a", "4  a", "1 a k1=v1", "1 a k2=", "6 a 1", "3 a n", "6 a/n 41",
		"2 a k2", "2 a k1", "5 a n", "3  b", "5  b",
	}
	if !slices.Equal(got, want) {
		t.Errorf("ops:\n got %q\nwant %q", got, want)
	}
}

// Damaged write sets are refused whole.
func TestWriteSetDecoderRejectsDamage(t *testing.T) {
	good := recordedWriteSet(t)
	seal := func(body []byte) []byte { return appendTrailer(body) }
	body := good[:len(good)-writeSetTrailer]
	tests := []struct {
		name string
		ws   []byte
	}{
		{"empty", nil},
		{"too short", []byte{writeSetMagic, writeSetVersion, 0}},
		{"a bit flipped", func() []byte { b := bytes.Clone(good); b[7] ^= 0x10; return b }()},
		{"cut short", good[:len(good)-1]},
		{"not a write set", seal(append([]byte{'X'}, body[1:]...))},
		{"newer version", seal(append([]byte{writeSetMagic, writeSetVersion + 1}, body[2:]...))},
		{"unknown op", seal(append(appendHeader(nil), 9, 1, 1, 'a', 1, 'k'))},
		{"op cut short", seal(append(bytes.Clone(body), opPut, 1, 1, 'a', 1, 'k'))},
		{"length past the end", seal(append(appendHeader(nil), opPut, 1, 1, 'a', 1, 'k', 50, 'v'))},
		{"empty key", seal(append(appendHeader(nil), opDelete, 1, 1, 'a', 0))},
		{"key of no bucket", seal(append(appendHeader(nil), opPut, 0, 1, 'k', 1, 'v'))},
		{"path too deep", seal(append(appendHeader(nil), opDelete, 9, 1, 'a'))},
		{"bookkeeping", seal(appendBytes(append(appendHeader(nil), opDeleteBucket, 0), replicaBucket))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := decodeWriteSet(tt.ws)
			if !errors.Is(err, errWriteSet) || ops != nil {
				t.Errorf("got %d ops, %v; want errWriteSet", len(ops), err)
			}
		})
	}
	if ops, err := decodeWriteSet(emptyWriteSet()); err != nil || len(ops) != 0 {
		t.Errorf("empty write set: %v %v", ops, err)
	}
}

// FuzzDecodeWriteSet feeds the decoder sealed bodies (the checksum alone
// would stop nearly every mutation): it never panics, and what it accepts
// encodes back to ops it decodes the same.
func FuzzDecodeWriteSet(f *testing.F) {
	good := recordedWriteSet(f)
	f.Add(good[:len(good)-writeSetTrailer])
	f.Add(appendHeader(nil))
	f.Fuzz(func(t *testing.T, body []byte) {
		decodeWriteSet(body) // unsealed: must not panic
		ops, err := decodeWriteSet(appendTrailer(body))
		if err != nil {
			return
		}
		again, err := decodeWriteSet(encodeOps(ops))
		if err != nil {
			t.Fatalf("re-encoded ops refused: %v", err)
		}
		if !reflect.DeepEqual(again, ops) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again, ops)
		}
	})
}

// Only the wrapper (txn.go) and the replica's own code reach bbolt's write
// types; every other file writes through txn, bucket and cursor, which
// record. Files that open bbolt files or key caches by *bolt.DB import it
// too, but none of them may reach the bbolt values under the wrapper
// (fields named bolt*), nor wrap a transaction of its own.
func TestOnlyTheWrapperWritesToBbolt(t *testing.T) {
	mayImport := map[string]bool{
		"txn.go": true, "writeset.go": true, "replica.go": true, "replicate.go": true, // the wrapper and the replica
		"store.go": true, "archive.go": true, "backup.go": true, "baseline.go": true, // open bbolt files
		"changes.go": true, "taskrecord.go": true, // caches keyed by *bolt.DB
	}
	mayReachRaw := map[string]bool{"txn.go": true, "replicate.go": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if strings.HasPrefix(imp.Path.Value, `"go.etcd.io/bbolt`) && !mayImport[name] {
				t.Errorf("%s imports %s: write through txn, bucket and cursor (txn.go)", name, imp.Path.Value)
			}
		}
		if mayReachRaw[name] {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range []string{"wrapTx(", ".boltTx", ".boltBucket", ".boltCursor"} {
			if bytes.Contains(src, []byte(raw)) {
				t.Errorf("%s reaches bbolt under the wrapper (%s)", name, raw)
			}
		}
	}
}
