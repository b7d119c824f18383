package cluster

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

	// applied is the index of the last entry the FSM has applied, whatever
	// its type: the replica's own index does not move for member records.
	applied atomic.Uint64

	failOnce sync.Once
	failErr  error
	failed   chan struct{} // closed when an entry could not be applied
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
	return &fsmSnapshot{
		hdr:     snapshotHeader{ReplicaApplied: f.replica.Applied(), Members: f.members.snapshot()},
		replica: rs,
	}, nil
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

// restore installs a snapshot whose header was read. The member table goes
// first: if the node dies between the two, its replica is still behind the
// local snapshot and Start restores both again.
func (f *fsm) restore(hdr snapshotHeader, body io.Reader) error {
	if err := f.members.replace(hdr.Members); err != nil {
		return fmt.Errorf("restore member table: %w", err)
	}
	if err := f.replica.Restore(body); err != nil {
		return fmt.Errorf("restore replica: %w", err)
	}
	if got := f.replica.Applied(); got != hdr.ReplicaApplied {
		return fmt.Errorf("restored replica is at index %d, the snapshot said %d", got, hdr.ReplicaApplied)
	}
	f.applied.Store(max(hdr.ReplicaApplied, hdr.Members.Index))
	return nil
}

// A snapshot is: the magic, a 4-byte big-endian length, that many bytes of
// JSON snapshotHeader, then the replica's own snapshot bytes to the end.
const snapshotMagic = "PPRAFT1\n"

// maxHeader bounds the JSON header: it holds a handful of peers.
const maxHeader = 1 << 20

type snapshotHeader struct {
	ReplicaApplied uint64     `json:"replica_applied"`
	Members        memberFile `json:"members"`
}

type fsmSnapshot struct {
	hdr     snapshotHeader
	replica store.ReplicaSnapshot
}

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	bw := bufio.NewWriterSize(sink, 1<<16)
	err := writeSnapshotHeader(bw, s.hdr)
	if err == nil {
		_, err = s.replica.WriteTo(bw)
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

func (s *fsmSnapshot) Release() { s.replica.Release() }

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
