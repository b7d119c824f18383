package store

import (
	"encoding/binary"
	"io"

	bolt "go.etcd.io/bbolt"
)

// txn, bucket and cursor are the store's only way to bbolt's transactions:
// they forward reads and, when the transaction records (a replicated
// store, replica.go), append every write to the write set with its bucket
// path, so that every node can apply the same writes. Without a recorder
// (one server alone) a write costs one nil check more than bbolt's own.
// The store's code takes *txn, *bucket and *cursor, never bbolt's types,
// so a write past the recorder does not compile there; the few files that
// must import bbolt (opening files, caches keyed by *bolt.DB) are listed
// by TestOnlyTheWrapperWritesToBbolt, which also keeps every file but this
// one off the bbolt values under the wrapper.
type txn struct {
	boltTx *bolt.Tx
	rec    *recorder
	// top holds the top-level buckets wrapped so far, ntop how many: a
	// group of scans reaches the same few buckets hundreds of times, and a
	// wrapper each time would be garbage each time.
	top  [16]*bucket
	ntop int
}

// wrapTx gives fn's code a bbolt transaction; rec nil records nothing.
func wrapTx(tx *bolt.Tx, rec *recorder) *txn { return &txn{boltTx: tx, rec: rec} }

// bucket is a bbolt bucket reached through a txn.
type bucket struct {
	boltBucket *bolt.Bucket
	tx         *txn
	rec        *recorder
	name       []byte // its name in its parent
	// path is the encoded names from the root down to this bucket
	// (writeset.go), depth how many; kept only when recording.
	path  []byte
	depth int
}

// cursor is a bbolt cursor reached through a bucket. key is where it
// stands, kept when recording: bbolt's Delete takes no key, the write set
// needs it.
type cursor struct {
	boltCursor *bolt.Cursor
	bkt        *bucket
	key        []byte
}

func (t *txn) wrapBucket(b *bolt.Bucket, name []byte) *bucket {
	if b == nil {
		return nil
	}
	w := &bucket{boltBucket: b, tx: t, rec: t.rec, name: name}
	if t.rec != nil {
		w.path, w.depth = appendBytes(nil, name), 1
	}
	return w
}

func (b *bucket) wrapChild(c *bolt.Bucket, name []byte) *bucket {
	if c == nil {
		return nil
	}
	w := &bucket{boltBucket: c, tx: b.tx, rec: b.rec, name: name}
	if b.rec != nil {
		w.path, w.depth = appendBytes(append([]byte(nil), b.path...), name), b.depth+1
	}
	return w
}

// Bucket is the top-level bucket name, nil if there is none.
func (t *txn) Bucket(name []byte) *bucket {
	for _, b := range t.top[:t.ntop] {
		if string(b.name) == string(name) {
			return b
		}
	}
	b := t.wrapBucket(t.boltTx.Bucket(name), name)
	if b != nil && t.ntop < len(t.top) {
		t.top[t.ntop] = b
		t.ntop++
	}
	return b
}

// forget drops the wrapper of the top-level bucket name, created or
// deleted: bbolt has another bucket (or none) under that name now.
func (t *txn) forget(name []byte) {
	for i, b := range t.top[:t.ntop] {
		if string(b.name) == string(name) {
			t.ntop--
			t.top[i], t.top[t.ntop] = t.top[t.ntop], nil
			return
		}
	}
}

// CreateBucket creates the top-level bucket name.
func (t *txn) CreateBucket(name []byte) (*bucket, error) {
	b, err := t.boltTx.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	t.forget(name)
	if t.rec != nil {
		t.rec.bucketOp(opCreateBucket, nil, 0, name)
	}
	return t.wrapBucket(b, name), nil
}

// CreateBucketIfNotExists creates the top-level bucket name if missing.
func (t *txn) CreateBucketIfNotExists(name []byte) (*bucket, error) {
	b, err := t.boltTx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	t.forget(name)
	if t.rec != nil {
		t.rec.bucketOp(opCreateBucketIfNotExists, nil, 0, name)
	}
	return t.wrapBucket(b, name), nil
}

// DeleteBucket deletes the top-level bucket name and everything in it.
func (t *txn) DeleteBucket(name []byte) error {
	if err := t.boltTx.DeleteBucket(name); err != nil {
		return err
	}
	t.forget(name)
	if t.rec != nil {
		t.rec.bucketOp(opDeleteBucket, nil, 0, name)
	}
	return nil
}

// ForEach calls fn for each top-level bucket but the replica's own
// bookkeeping, which is none of the store's business.
func (t *txn) ForEach(fn func(name []byte, b *bucket) error) error {
	return t.boltTx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if isReplicaBucket(name) {
			return nil
		}
		return fn(name, t.wrapBucket(b, name))
	})
}

// OnCommit runs fn once the transaction's writes are stored: after
// bbolt's commit, or, when recording, after the write set was replicated
// and applied.
func (t *txn) OnCommit(fn func()) {
	if t.rec != nil {
		t.rec.onCommit = append(t.rec.onCommit, fn)
		return
	}
	t.boltTx.OnCommit(fn)
}

// DB is the file the transaction belongs to, the key of the caches kept
// per file.
func (t *txn) DB() *bolt.DB { return t.boltTx.DB() }

// Size is the file's size as the transaction sees it.
func (t *txn) Size() int64 { return t.boltTx.Size() }

// WriteTo writes the whole file as the transaction sees it.
func (t *txn) WriteTo(w io.Writer) (int64, error) { return t.boltTx.WriteTo(w) }

// Check runs bbolt's consistency check.
func (t *txn) Check() <-chan error { return t.boltTx.Check() }

// Tx is the transaction the bucket was reached through.
func (b *bucket) Tx() *txn { return b.tx }

// Get is the value of key, nil if none (or a nested bucket).
func (b *bucket) Get(key []byte) []byte { return b.boltBucket.Get(key) }

// Cursor iterates over the bucket's keys in order.
func (b *bucket) Cursor() *cursor { return &cursor{boltCursor: b.boltBucket.Cursor(), bkt: b} }

// ForEach calls fn for each key of the bucket (v nil for a nested bucket).
func (b *bucket) ForEach(fn func(k, v []byte) error) error { return b.boltBucket.ForEach(fn) }

// Sequence is the bucket's sequence.
func (b *bucket) Sequence() uint64 { return b.boltBucket.Sequence() }

// Stats is bbolt's statistics of the bucket.
func (b *bucket) Stats() bolt.BucketStats { return b.boltBucket.Stats() }

// Bucket is the nested bucket name, nil if there is none.
func (b *bucket) Bucket(name []byte) *bucket { return b.wrapChild(b.boltBucket.Bucket(name), name) }

// SetFill sets how full bbolt packs the bucket's pages when they split: a
// layout hint of this file, not replicated (each node's file is laid out
// by its own writes).
func (b *bucket) SetFill(f float64) { b.boltBucket.FillPercent = f }

// Put stores value under key.
func (b *bucket) Put(key, value []byte) error {
	if err := b.boltBucket.Put(key, value); err != nil {
		return err
	}
	if b.rec != nil {
		b.rec.put(b, key, value)
	}
	return nil
}

// Delete removes key.
func (b *bucket) Delete(key []byte) error {
	if err := b.boltBucket.Delete(key); err != nil {
		return err
	}
	if b.rec != nil {
		b.rec.keyOp(opDelete, b.path, b.depth, key)
	}
	return nil
}

// CreateBucket creates the nested bucket name.
func (b *bucket) CreateBucket(name []byte) (*bucket, error) {
	c, err := b.boltBucket.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	if b.rec != nil {
		b.rec.bucketOp(opCreateBucket, b.path, b.depth, name)
	}
	return b.wrapChild(c, name), nil
}

// CreateBucketIfNotExists creates the nested bucket name if missing.
func (b *bucket) CreateBucketIfNotExists(name []byte) (*bucket, error) {
	c, err := b.boltBucket.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	if b.rec != nil {
		b.rec.bucketOp(opCreateBucketIfNotExists, b.path, b.depth, name)
	}
	return b.wrapChild(c, name), nil
}

// DeleteBucket deletes the nested bucket name and everything in it.
func (b *bucket) DeleteBucket(name []byte) error {
	if err := b.boltBucket.DeleteBucket(name); err != nil {
		return err
	}
	if b.rec != nil {
		b.rec.bucketOp(opDeleteBucket, b.path, b.depth, name)
	}
	return nil
}

// NextSequence raises the bucket's sequence and returns it; the write set
// carries the new value, not the increment.
func (b *bucket) NextSequence() (uint64, error) {
	n, err := b.boltBucket.NextSequence()
	if err != nil {
		return 0, err
	}
	if b.rec != nil {
		b.rec.setSequence(b, n)
	}
	return n, nil
}

// SetSequence sets the bucket's sequence.
func (b *bucket) SetSequence(n uint64) error {
	if err := b.boltBucket.SetSequence(n); err != nil {
		return err
	}
	if b.rec != nil {
		b.rec.setSequence(b, n)
	}
	return nil
}

func (c *cursor) at(k, v []byte) ([]byte, []byte) {
	if c.bkt.rec != nil {
		c.key = k
	}
	return k, v
}

// First moves to the first key.
func (c *cursor) First() ([]byte, []byte) { return c.at(c.boltCursor.First()) }

// Last moves to the last key.
func (c *cursor) Last() ([]byte, []byte) { return c.at(c.boltCursor.Last()) }

// Next moves to the next key.
func (c *cursor) Next() ([]byte, []byte) { return c.at(c.boltCursor.Next()) }

// Prev moves to the previous key.
func (c *cursor) Prev() ([]byte, []byte) { return c.at(c.boltCursor.Prev()) }

// Seek moves to key, or the next key after it.
func (c *cursor) Seek(key []byte) ([]byte, []byte) { return c.at(c.boltCursor.Seek(key)) }

// Delete removes the key the cursor stands on.
func (c *cursor) Delete() error {
	if err := c.boltCursor.Delete(); err != nil {
		return err
	}
	if c.bkt.rec != nil {
		c.bkt.rec.keyOp(opDelete, c.bkt.path, c.bkt.depth, c.key)
	}
	return nil
}

// recorder is one write transaction's write set, encoded as the writes
// happen (values put may live in the file's memory map, gone once the
// transaction ends), and the callbacks to run once it is stored.
type recorder struct {
	buf      []byte
	ops      int
	onCommit []func()
}

func newRecorder() *recorder { return &recorder{buf: appendHeader(make([]byte, 0, 512))} }

func (r *recorder) head(op byte, path []byte, depth int) {
	r.ops++
	r.buf = append(r.buf, op)
	r.buf = binary.AppendUvarint(r.buf, uint64(depth))
	r.buf = append(r.buf, path...)
}

func (r *recorder) put(b *bucket, key, value []byte) {
	r.head(opPut, b.path, b.depth)
	r.buf = appendBytes(appendBytes(r.buf, key), value)
}

func (r *recorder) keyOp(op byte, path []byte, depth int, key []byte) {
	r.head(op, path, depth)
	r.buf = appendBytes(r.buf, key)
}

func (r *recorder) bucketOp(op byte, path []byte, depth int, name []byte) {
	r.head(op, path, depth)
	r.buf = appendBytes(r.buf, name)
}

func (r *recorder) setSequence(b *bucket, n uint64) {
	r.head(opSetSequence, b.path, b.depth)
	r.buf = binary.AppendUvarint(r.buf, n)
}

// writeSet is the encoded write set, sealed with its checksum.
func (r *recorder) writeSet() []byte { return appendTrailer(r.buf) }

// ID is bbolt's transaction id.
func (t *txn) ID() int { return t.boltTx.ID() }

// updateDB runs fn in a write transaction of db that records nothing:
// one server's own file, or a file no log carries (archives, baseline).
func updateDB(db *bolt.DB, fn func(*txn) error) error {
	return db.Update(func(tx *bolt.Tx) error { return fn(wrapTx(tx, nil)) })
}

// viewDB runs fn in a read transaction of db.
func viewDB(db *bolt.DB, fn func(*txn) error) error {
	return db.View(func(tx *bolt.Tx) error { return fn(wrapTx(tx, nil)) })
}
