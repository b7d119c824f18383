package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// Replicator carries one transaction's write set through consensus.
type Replicator interface {
	// Replicate returns once ws is committed on a majority and applied on
	// this node (through (*Replica).Apply, called by the FSM); an error
	// means the write may or may not be applied later (the caller answers
	// Unavailable; the client's retry is safe thanks to scan-id
	// idempotency).
	Replicate(ws []byte) error
}

// ErrNotReplicated wraps a Replicator's error: the write was answered
// Unavailable and may or may not be applied later.
var ErrNotReplicated = errors.New("the write could not be replicated")

// ErrStoreOpen is returned by Restore while a Store is open on the replica.
var ErrStoreOpen = errors.New("a store is open on the replica")

// replicaBucket holds a replica's own bookkeeping, the index of the last
// log entry applied; the store never sees it, the digest leaves it out.
var (
	replicaBucket = []byte("replica")
	keyApplied    = []byte("applied")
)

func isReplicaBucket(name []byte) bool { return bytes.Equal(name, replicaBucket) }

// Replica is one node's bbolt file fed by committed write sets.
type Replica struct {
	path string

	// mu orders Apply, Snapshot, Restore and Close, and guards db (which
	// Restore replaces) and stores.
	mu      sync.Mutex
	db      *bolt.DB
	applied atomic.Uint64
	stores  int // Stores open on it (OpenOn, not yet closed)
}

// OpenReplica opens the bbolt file at path, creating an empty one if
// there is none: no schema, since the leader's first entry writes it.
func OpenReplica(path string) (*Replica, error) {
	db, err := openFile("open replica", path, time.Second)
	if err != nil {
		return nil, err
	}
	applied, err := appliedIn(db)
	if err != nil {
		db.Close()
		return nil, err
	}
	r := &Replica{path: path, db: db}
	r.applied.Store(applied)
	return r, nil
}

// appliedIn reads the applied index from db's bookkeeping: 0 if none.
func appliedIn(db *bolt.DB) (uint64, error) {
	var applied uint64
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(replicaBucket)
		if b == nil {
			return nil
		}
		v := b.Get(keyApplied)
		if len(v) != 8 {
			return fmt.Errorf("replica file: applied index of %d bytes, want 8", len(v))
		}
		applied = binary.BigEndian.Uint64(v)
		return nil
	})
	return applied, err
}

// Apply decodes ws and applies it and records index in one commit. An
// index at or below Applied is skipped: the log replayed after a restart.
// An error means the entry was not applied; since the leader made the same
// writes on the same state, it means this node's state is not the
// leader's, and it must not go on applying.
func (r *Replica) Apply(index uint64, ws []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.db == nil {
		return ErrClosed
	}
	if index <= r.applied.Load() {
		return nil
	}
	ops, err := decodeWriteSet(ws)
	if err != nil {
		return fmt.Errorf("log entry %d: %w", index, err)
	}
	err = r.db.Update(func(tx *bolt.Tx) error {
		if err := applyOps(tx, ops); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(replicaBucket)
		if err != nil {
			return err
		}
		return b.Put(keyApplied, binary.BigEndian.AppendUint64(nil, index))
	})
	if err != nil {
		return fmt.Errorf("log entry %d: %w", index, err)
	}
	r.applied.Store(index)
	return nil
}

// Applied is the index of the last entry applied, 0 for none.
func (r *Replica) Applied() uint64 { return r.applied.Load() }

// ReplicaSnapshot is a consistent copy of a replica's file, as of the
// moment Snapshot was called, until Release.
type ReplicaSnapshot interface {
	// WriteTo writes the whole file.
	WriteTo(w io.Writer) (int64, error)
	// Release lets the file go; the snapshot cannot be written after.
	Release()
}

type replicaSnapshot struct {
	tx   *bolt.Tx
	once sync.Once
}

func (s *replicaSnapshot) WriteTo(w io.Writer) (int64, error) { return s.tx.WriteTo(w) }

func (s *replicaSnapshot) Release() { s.once.Do(func() { s.tx.Rollback() }) }

// Snapshot opens a read transaction now, so its copy holds exactly the
// entries up to Applied() at this call. Release it soon: bbolt reuses no
// page freed while it is open.
func (r *Replica) Snapshot() (ReplicaSnapshot, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.db == nil {
		return nil, ErrClosed
	}
	tx, err := r.db.Begin(false)
	if err != nil {
		return nil, err
	}
	return &replicaSnapshot{tx: tx}, nil
}

// Restore replaces the whole file with the one rd holds (a snapshot's
// WriteTo): written beside it, synced, checked, then renamed over it, so
// a crash leaves one file or the other whole. Refused while a Store is
// open on the replica (ErrStoreOpen); every snapshot must be released.
func (r *Replica) Restore(rd io.Reader) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.db == nil {
		return ErrClosed
	}
	if r.stores > 0 {
		return ErrStoreOpen
	}
	tmp := r.path + ".restoring"
	if err := writeSynced(tmp, rd); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore replica: %w", err)
	}
	check, err := bolt.Open(tmp, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore replica: the snapshot is not a bbolt file: %w", err)
	}
	applied, err := appliedIn(check)
	check.Close()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore replica: %w", err)
	}
	if err := r.db.Close(); err != nil {
		return fmt.Errorf("restore replica: %w", err)
	}
	r.db = nil
	if err := os.Rename(tmp, r.path); err != nil {
		os.Remove(tmp)
		return errors.Join(fmt.Errorf("restore replica: %w", err), r.reopen())
	}
	if err := syncDir(filepath.Dir(r.path)); err != nil {
		return errors.Join(fmt.Errorf("restore replica: %w", err), r.reopen())
	}
	if err := r.reopen(); err != nil {
		return err
	}
	r.applied.Store(applied)
	return nil
}

// reopen opens the file again after Restore closed it.
func (r *Replica) reopen() error {
	db, err := openFile("open replica", r.path, time.Second)
	if err != nil {
		return err
	}
	applied, err := appliedIn(db)
	if err != nil {
		db.Close()
		return err
	}
	r.db = db
	r.applied.Store(applied)
	return nil
}

func writeSynced(path string, rd io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rd); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Digest is the hex SHA-256 of each top-level bucket's content (keys,
// values, nested buckets, sequences), by name, leaving out the replica's
// bookkeeping: nodes that applied the same entries have equal digests,
// whatever their files' layout.
func (r *Replica) Digest() (map[string]string, error) {
	r.mu.Lock()
	if r.db == nil {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	tx, err := r.db.Begin(false) // entries apply meanwhile; the digest is of this moment
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return digestTx(tx), nil
}

// FileDigest is Digest of the file at path, for a node that is stopped.
func FileDigest(path string) (map[string]string, error) {
	if !Exists(path) {
		return nil, &floor.Error{Op: "digest", Kind: floor.KindNotFound, Msg: path + " does not exist"}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return nil, &floor.Error{Op: "digest", Kind: floor.KindUnavailable, Err: err, Msg: fmt.Sprintf("%s: %v", path, err)}
	}
	defer db.Close()
	return digest(db)
}

func digest(db *bolt.DB) (map[string]string, error) {
	var out map[string]string
	err := db.View(func(tx *bolt.Tx) error {
		out = digestTx(tx)
		return nil
	})
	return out, err
}

func digestTx(tx *bolt.Tx) map[string]string {
	out := map[string]string{}
	tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if !isReplicaBucket(name) {
			h := sha256.New()
			hashBucket(h, b)
			out[string(name)] = hex.EncodeToString(h.Sum(nil))
		}
		return nil
	})
	return out
}

// hashBucket feeds h b's sequence and every key in order, each value or
// nested bucket framed so that no two contents hash the same stream.
func hashBucket(h hash.Hash, b *bolt.Bucket) {
	var n [binary.MaxVarintLen64]byte
	field := func(v []byte) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(v)))])
		h.Write(v)
	}
	h.Write(n[:binary.PutUvarint(n[:], b.Sequence())])
	b.ForEach(func(k, v []byte) error {
		if v == nil {
			if nested := b.Bucket(k); nested != nil {
				h.Write([]byte{'b'})
				field(k)
				hashBucket(h, nested)
				h.Write([]byte{'e'})
				return nil
			}
		}
		h.Write([]byte{'v'})
		field(k)
		field(v)
		return nil
	})
}

// Close closes the file. Stores opened on the replica must be closed first.
func (r *Replica) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.db == nil {
		return nil
	}
	err := r.db.Close()
	r.db = nil
	return err
}
