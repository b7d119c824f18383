package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// What is written behind the scans: the scan index and what pickers
// learn. Both derive from the scan records alone, which every commit
// writes in order anyway, and a crash loses neither: Open redoes them from
// the records after their marks in the meta bucket.
//
// The scan index (kind, user, scan id -> sequence) is written behind.
//
// Its keys are random across a thousand users, so writing each scan's key
// in the scan's own commit touched another B+tree leaf for every scan: a
// page to copy, decode and write, in commits of a few scans each. It is
// also derived entirely from the scan records, which every commit writes
// in order anyway. So a commit only records the scan; its index entry is
// held in memory (where a re-sent scan finds it) and written with
// thousands of others, sorted, every few seconds. The file's meta bucket
// says up to which record the index is written (keyIndexedThrough); Open
// indexes the records after it, which are the scans a crash left
// unindexed.

// keyIndexedThrough is the meta key of the last scan record whose index
// entry is in the file; every record up to it is indexed. A file without
// it was written by a build that indexed each scan as it committed.
var keyIndexedThrough = []byte("scan_index_through")

// Flush bounds: entries held before a write is due, and the longest an
// entry waits for one while scans trickle in.
const (
	indexFlushEntries = 16_384
	indexFlushEvery   = 5 * time.Second
)

// heldIndex holds the index entries not yet in the file.
type heldIndex struct {
	mu sync.Mutex
	// held are committed entries; each is in the file's records.
	held map[string]uint64
	// tx and adding are the open write transaction that recorded scans
	// and its entries, held once it commits. Only one write transaction
	// runs at a time, so one slot suffices; a new tx finding adding
	// non-empty knows the last one rolled back.
	tx     *bolt.Tx
	adding map[string]uint64
	// due is signalled when held reaches indexFlushEntries.
	due chan struct{}
}

// indexByDB finds a file's held entries from inside a transaction.
var indexByDB sync.Map // *bolt.DB -> *heldIndex

func newHeldIndex(db *bolt.DB) *heldIndex {
	h := &heldIndex{held: map[string]uint64{}, adding: map[string]uint64{}, due: make(chan struct{}, 1)}
	indexByDB.Store(db, h)
	return h
}

func heldOf(tx *bolt.Tx) *heldIndex {
	v, ok := indexByDB.Load(tx.DB())
	if !ok {
		return nil // a file opened for migration only: index directly
	}
	return v.(*heldIndex)
}

// indexedSeq returns the record sequence of a scan key, or nil.
func indexedSeq(tx *bolt.Tx, key []byte) []byte {
	if h := heldOf(tx); h != nil {
		h.mu.Lock()
		seq, ok := h.held[string(key)]
		if !ok && h.tx == tx {
			seq, ok = h.adding[string(key)]
		}
		h.mu.Unlock()
		if ok {
			return u64(seq)
		}
	}
	return tx.Bucket(bucketScanIndex).Get(key)
}

// index notes key's record seq, written in tx.
func index(tx *bolt.Tx, key []byte, seq uint64) error {
	h := heldOf(tx)
	if h == nil {
		return tx.Bucket(bucketScanIndex).Put(key, u64(seq))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tx != tx {
		h.tx = tx
		clear(h.adding) // from a transaction that rolled back
		tx.OnCommit(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			for k, v := range h.adding {
				h.held[k] = v
			}
			clear(h.adding)
			h.tx = nil
			if len(h.held) >= indexFlushEntries {
				select {
				case h.due <- struct{}{}:
				default:
				}
			}
		})
	}
	h.adding[string(key)] = seq
	return nil
}

// writeHeld writes the held entries into the file in tx, with the mark
// that they are written, and forgets them once tx commits. Entries of
// scans in tx itself stay held: their records come after every held one,
// so the mark (the highest sequence written) covers exactly what is in the
// file.
func (h *heldIndex) writeHeld(tx *bolt.Tx) error {
	h.mu.Lock()
	keys := make([]string, 0, len(h.held))
	for k := range h.held {
		keys = append(keys, k)
	}
	snapshot := make(map[string]uint64, len(keys))
	for _, k := range keys {
		snapshot[k] = h.held[k]
	}
	h.mu.Unlock()
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys) // in key order: each leaf is visited once
	b, records := tx.Bucket(bucketScanIndex), tx.Bucket(bucketScanRecords)
	meta := tx.Bucket(bucketMeta)
	through := indexedThrough(meta)
	for _, k := range keys {
		seq := snapshot[k]
		through = max(through, seq)
		if records.Get(u64(seq)) == nil {
			continue // archived meanwhile (archive.go), with what its index would say
		}
		if err := b.Put([]byte(k), u64(seq)); err != nil {
			return err
		}
	}
	if err := meta.Put(keyIndexedThrough, u64(through)); err != nil {
		return err
	}
	tx.OnCommit(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for k, seq := range snapshot {
			if h.held[k] == seq {
				delete(h.held, k)
			}
		}
	})
	return nil
}

// heldCount is how many entries are not in the file yet.
func (h *heldIndex) heldCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.held)
}

func indexedThrough(meta *bolt.Bucket) uint64 {
	if v := meta.Get(keyIndexedThrough); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// indexUnindexed indexes the records after the mark, which a crash left
// unindexed, and marks every record indexed. A file without the mark was
// indexed as it was written.
func indexUnindexed(tx *bolt.Tx) error {
	meta, records, b := tx.Bucket(bucketMeta), tx.Bucket(bucketScanRecords), tx.Bucket(bucketScanIndex)
	if meta.Get(keyIndexedThrough) != nil {
		c := records.Cursor()
		for k, v := c.Seek(u64(indexedThrough(meta) + 1)); k != nil; k, v = c.Next() {
			rec, err := decodeScan(v)
			if err != nil {
				return err
			}
			if err := b.Put(scanKey(rec.Kind, rec.User, rec.Scan.ID), bytes.Clone(k)); err != nil {
				return err
			}
		}
	}
	through := records.Sequence()
	if k, _ := records.Cursor().Last(); k != nil {
		through = max(through, binary.BigEndian.Uint64(k))
	}
	return meta.Put(keyIndexedThrough, u64(through))
}

// keyLearnedThrough is the meta key of the last scan record whose pick
// events the pickers' familiarity and pace have learned from. A file
// without it learned from each scan as it committed.
var keyLearnedThrough = []byte("learned_through")

// learnBehind folds the pick events of the scan records after the mark
// into the pickers' familiarity and pace, in order, and moves the mark.
// Familiarity and pace are slow statistics (a pick counts for half in a
// week): planning with them a few seconds late changes no route a picker
// would notice, while writing them in each scan's commit touched two more
// random B+tree leaves for each line picked.
func learnBehind(tx *bolt.Tx) error {
	meta, records := tx.Bucket(bucketMeta), tx.Bucket(bucketScanRecords)
	var through uint64
	switch v := meta.Get(keyLearnedThrough); {
	case v == nil: // learned as it was written
		if k, _ := records.Cursor().Last(); k != nil {
			through = binary.BigEndian.Uint64(k)
		}
		return meta.Put(keyLearnedThrough, u64(through))
	case len(v) == 8:
		through = binary.BigEndian.Uint64(v)
	default:
		return fmt.Errorf("meta %s: %w of %d bytes, want 8", keyLearnedThrough, errCorruptCounter, len(v))
	}
	last := through
	c := records.Cursor()
	for k, v := c.Seek(u64(through + 1)); k != nil; k, v = c.Next() {
		last = binary.BigEndian.Uint64(k)
		if len(v) < 2 || v[1] != pickKind {
			continue // only pick scans learn; JSON records are older than the mark
		}
		rec, err := decodeScan(v)
		if err != nil {
			return fmt.Errorf("scan record %d: %w", last, err)
		}
		if len(rec.Learned) > 0 {
			if err := learnPicks(tx, rec.User, rec.Learned...); err != nil {
				return err
			}
		}
	}
	if last == through {
		return nil
	}
	return meta.Put(keyLearnedThrough, u64(last))
}

// writeBehind writes the held index entries and learns from the scans
// recorded since the last time, in one commit.
func (s *Store) writeBehind(tx *bolt.Tx) error {
	if err := s.held.writeHeld(tx); err != nil {
		return err
	}
	return learnBehind(tx)
}

// WriteBehind writes now what the server otherwise writes behind the scans
// every few seconds: the held scan index entries, and what the pickers
// learn from the scans since the last time. For tests and tools that need
// the planner to have learned from the scans just made.
func (s *Store) WriteBehind() error { return s.batchBulk("write behind", s.writeBehind) }

// writeIndex runs until stop is closed, writing behind every
// indexFlushEvery or when enough index entries are held.
func (s *Store) writeIndex(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(indexFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		case <-s.held.due:
		}
		if s.held.heldCount() > 0 {
			// Failing here only leaves the work for the next try; the
			// records it comes from are in the file either way.
			_ = s.WriteBehind()
		}
	}
}
