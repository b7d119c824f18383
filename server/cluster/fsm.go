package cluster

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"

	"github.com/pickpack/pickpack/server/store"
)

// Every log entry starts with one byte saying what follows.
const (
	entryWriteSet byte = 1 // a store write set, applied to the replica
	entryMember   byte = 2 // a memberRecord (JSON), applied to the member table
)

// fsm applies committed entries to the replica and the member table.
// Raft calls Apply, Snapshot and Restore from one goroutine, in log order.
type fsm struct {
	replica *store.Replica
	members *memberTable
	// spoolDir holds an incoming snapshot while it is checked.
	spoolDir string

	snapMu sync.Mutex
	snaps  map[*fsmSnapshot]struct{} // taken and not yet released

	// applied is the index of the last entry the FSM has applied, whatever
	// its type: the replica's own index does not move for member records.
	applied atomic.Uint64

	failOnce sync.Once
	failErr  error
	failed   chan struct{} // closed when an entry could not be applied
}

func newFSM(rep *store.Replica, members *memberTable, spoolDir string) *fsm {
	return &fsm{replica: rep, members: members, spoolDir: spoolDir,
		snaps: map[*fsmSnapshot]struct{}{}, failed: make(chan struct{})}
}

// errHalted is returned for every entry after one failed: applying later
// entries on top of a missing one would make this node's state differ
// from the others'. The node stops; after the cause is fixed, a restart
// replays the log from the replica's own applied index.
var errHalted = errors.New("this node stopped applying the log after an earlier failure")

func (f *fsm) Apply(l *raft.Log) any {
	if f.isFailed() {
		return errHalted
	}
	if len(l.Data) == 0 {
		return f.fail(fmt.Errorf("log entry %d is empty", l.Index))
	}
	var err error
	switch l.Data[0] {
	case entryWriteSet:
		err = f.replica.Apply(l.Index, l.Data[1:])
	case entryMember:
		err = f.members.apply(l.Index, l.Data[1:])
	default:
		err = fmt.Errorf("log entry %d has unknown type %d", l.Index, l.Data[0])
	}
	if err != nil {
		return f.fail(fmt.Errorf("apply log entry %d: %w", l.Index, err))
	}
	f.applied.Store(l.Index)
	return nil
}

func (f *fsm) isFailed() bool {
	select {
	case <-f.failed:
		return true
	default:
		return false
	}
}

func (f *fsm) fail(err error) error {
	f.failOnce.Do(func() {
		f.failErr = err
		close(f.failed)
	})
	return err
}

func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	if f.isFailed() {
		return nil, errHalted
	}
	rs, err := f.replica.Snapshot()
	if err != nil {
		return nil, err
	}
	snap := &fsmSnapshot{
		f:       f,
		hdr:     snapshotHeader{ReplicaApplied: f.replica.Applied(), Members: f.members.snapshot()},
		replica: rs,
	}
	f.snapMu.Lock()
	f.snaps[snap] = struct{}{}
	f.snapMu.Unlock()
	return snap, nil
}

func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 1<<16)
	hdr, err := readSnapshotHeader(br)
	if err != nil {
		return err
	}
	return f.restore(hdr, br)
}

// restore installs a snapshot whose header was read from rest. The body is
// spooled to a file in spoolDir and checked against the trailer's length
// and SHA-256 before the replica is touched: a damaged or cut snapshot
// fails the install (the leader sends another) and leaves the node as it
// was. The replica goes before the member table; if the node dies between
// the two, its table is behind the local snapshot and Start restores both.
func (f *fsm) restore(hdr snapshotHeader, rest io.Reader) error {
	spool, err := os.CreateTemp(f.spoolDir, ".snapshot-*")
	if err != nil {
		return err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	n, err := io.Copy(spool, rest)
	if err != nil {
		return fmt.Errorf("snapshot body: %w", err)
	}
	body, err := checkBody(spool, n)
	if err != nil {
		return err
	}
	f.dropSnapshots()
	if err := f.replica.Restore(body); err != nil {
		return fmt.Errorf("restore replica: %w", err)
	}
	if got := f.replica.Applied(); got != hdr.ReplicaApplied {
		return fmt.Errorf("restored replica is at index %d, the snapshot said %d", got, hdr.ReplicaApplied)
	}
	if err := f.members.replace(hdr.Members); err != nil {
		return fmt.Errorf("restore member table: %w", err)
	}
	f.applied.Store(max(hdr.ReplicaApplied, hdr.Members.Index))
	return nil
}

// checkBody verifies the n spooled bytes (body, then trailer) and returns
// a reader of the body alone.
func checkBody(spool *os.File, n int64) (io.Reader, error) {
	if n < trailerLen {
		return nil, errors.New("snapshot is cut: no trailer")
	}
	size := n - trailerLen
	var tr [trailerLen]byte
	if _, err := spool.ReadAt(tr[:], size); err != nil {
		return nil, fmt.Errorf("snapshot trailer: %w", err)
	}
	if got := binary.BigEndian.Uint64(tr[:8]); got != uint64(size) {
		return nil, fmt.Errorf("snapshot is cut or padded: body of %d bytes, the trailer says %d", size, got)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(spool, 0, size)); err != nil {
		return nil, fmt.Errorf("snapshot body: %w", err)
	}
	if !bytes.Equal(h.Sum(nil), tr[8:]) {
		return nil, errors.New("snapshot is damaged: checksum mismatch")
	}
	return io.NewSectionReader(spool, 0, size), nil
}

// A snapshot is: the magic, a 4-byte big-endian length, that many bytes of
// JSON snapshotHeader, the replica's own snapshot bytes, then a trailer of
// their length (8 bytes, big-endian) and SHA-256.
const snapshotMagic = "PPRAFT1\n"

const trailerLen = 8 + sha256.Size

// maxHeader bounds the JSON header: it holds a handful of peers.
const maxHeader = 1 << 20

type snapshotHeader struct {
	ReplicaApplied uint64     `json:"replica_applied"`
	Members        memberFile `json:"members"`
}

// fsmSnapshot holds a read transaction of the replica from Snapshot until
// Release. mu is held while it is written out, so that Restore can drop a
// snapshot that has not started (see dropSnapshots).
type fsmSnapshot struct {
	f       *fsm
	hdr     snapshotHeader
	replica store.ReplicaSnapshot

	mu       sync.Mutex
	released bool
}

// errSuperseded fails the persisting of a snapshot dropped by a restore.
var errSuperseded = errors.New("snapshot dropped: a newer snapshot from the leader replaced the replica")

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		_ = sink.Cancel()
		return errSuperseded
	}
	bw := bufio.NewWriterSize(sink, 1<<16)
	err := writeSnapshotHeader(bw, s.hdr)
	if err == nil {
		h := sha256.New()
		var n int64
		n, err = s.replica.WriteTo(io.MultiWriter(bw, h))
		tr := binary.BigEndian.AppendUint64(make([]byte, 0, trailerLen), uint64(n))
		if err == nil {
			_, err = bw.Write(h.Sum(tr))
		}
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		_ = sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.release()
}

func (s *fsmSnapshot) release() {
	if s.released {
		return
	}
	s.released = true
	s.replica.Release()
	s.f.snapMu.Lock()
	delete(s.f.snaps, s)
	s.f.snapMu.Unlock()
}

// dropSnapshots releases the snapshots not being written out, and waits
// for those being written. Restore must: the replica cannot replace its
// file while a read transaction is open, and Raft holds a snapshot's
// transaction while its snapshot goroutine waits for the main goroutine,
// which is itself waiting for this restore (a follower installing the
// leader's snapshot while taking its own) - a deadlock without this.
func (f *fsm) dropSnapshots() {
	f.snapMu.Lock()
	open := make([]*fsmSnapshot, 0, len(f.snaps))
	for s := range f.snaps {
		open = append(open, s)
	}
	f.snapMu.Unlock()
	for _, s := range open {
		s.mu.Lock()
		s.release()
		s.mu.Unlock()
	}
}

func writeSnapshotHeader(w io.Writer, hdr snapshotHeader) error {
	b, err := json.Marshal(hdr)
	if err != nil {
		return err
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	if _, err := io.WriteString(w, snapshotMagic); err != nil {
		return err
	}
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func readSnapshotHeader(r io.Reader) (snapshotHeader, error) {
	var hdr snapshotHeader
	var fixed [len(snapshotMagic) + 4]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return hdr, fmt.Errorf("snapshot header: %w", err)
	}
	if string(fixed[:len(snapshotMagic)]) != snapshotMagic {
		return hdr, errors.New("not a pickpack cluster snapshot")
	}
	n := binary.BigEndian.Uint32(fixed[len(snapshotMagic):])
	if n > maxHeader {
		return hdr, fmt.Errorf("snapshot header of %d bytes is too long", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return hdr, fmt.Errorf("snapshot header: %w", err)
	}
	if err := json.Unmarshal(b, &hdr); err != nil {
		return hdr, fmt.Errorf("snapshot header: %w", err)
	}
	return hdr, nil
}
