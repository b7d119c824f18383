package cluster

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// Bad --cluster lists are refused with one violation per bad field.
func TestAbuseParsePeers(t *testing.T) {
	tests := []struct {
		name, in string
		fields   []string // want violations at these fields, in order
	}{
		{"empty", "  ", []string{"cluster"}},
		{"no equals", "n1", []string{"cluster[0]"}},
		{"two addresses", "n1=a:1/b:2", []string{"cluster[0]"}},
		{"four addresses", "n1=a:1/b:2/c:3/d:4", []string{"cluster[0]"}},
		{"empty id", "=a:1/b:2/c:3", []string{"cluster[0].id"}},
		{"id with a slash", "../x=a:1/b:2/c:3", []string{"cluster[0].id"}},
		{"id too long", strings.Repeat("n", 65) + "=a:1/b:2/c:3", []string{"cluster[0].id"}},
		{"duplicate id", "n1=a:1/a:2/a:3,n1=b:1/b:2/b:3", []string{"cluster[1].id"}},
		{"no port", "n1=host/b:2/c:3", []string{"cluster[0].raft"}},
		{"port zero", "n1=a:0/b:2/c:3", []string{"cluster[0].raft"}},
		{"port too big", "n1=a:1/b:65536/c:3", []string{"cluster[0].grpc"}},
		{"no host", "n1=a:1/b:2/:3", []string{"cluster[0].http"}},
		{"unspecified host", "n1=0.0.0.0:1/b:2/c:3", []string{"cluster[0].raft"}},
		{"address shared", "n1=a:1/a:2/a:3,n2=a:1/b:2/b:3", []string{"cluster[1].raft"}},
		{"too many nodes", strings.Repeat("n=a:1/b:2/c:3,", 9) + "n=a:1/b:2/c:3", []string{"cluster"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peers, err := ParsePeers(tt.in)
			if err == nil {
				t.Fatalf("ParsePeers(%q) = %+v, want an error", tt.in, peers)
			}
			var fe *floor.Error
			if !errors.As(err, &fe) || fe.Kind != floor.KindInvalid {
				t.Fatalf("error %v, want an invalid floor.Error", err)
			}
			var got []string
			for _, v := range fe.Violations {
				got = append(got, v.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("violations at %v, want %v (%v)", got, tt.fields, err)
			}
		})
	}
}

func TestParsePeers(t *testing.T) {
	got, err := ParsePeers("n1=127.0.0.1:7001/127.0.0.1:8001/127.0.0.1:9001, n2=h2:7001/h2:8001/[::1]:9001")
	if err != nil {
		t.Fatal(err)
	}
	want := []Peer{
		{ID: "n1", Raft: "127.0.0.1:7001", GRPC: "127.0.0.1:8001", HTTP: "127.0.0.1:9001"},
		{ID: "n2", Raft: "h2:7001", GRPC: "h2:8001", HTTP: "[::1]:9001"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// A damaged snapshot stream (from a faulty peer or disk) is refused and
// leaves the replica and the member table as they were.
func TestAbuseSnapshotRestore(t *testing.T) {
	dir := t.TempDir()
	good, goodApplied := goodSnapshot(t, filepath.Join(dir, "source.db"))
	hdrLen := int(binary.BigEndian.Uint32(good[len(snapshotMagic):]))
	bodyAt := len(snapshotMagic) + 4 + hdrLen

	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"foreign magic", append([]byte("PPRAFT9\n"), good[len(snapshotMagic):]...)},
		{"cut in the length", good[:len(snapshotMagic)+2]},
		{"header length beyond the limit", withLength(good, maxHeader+1)},
		{"header length beyond the stream", withLength(good, uint32(len(good)))},
		{"header not JSON", withHeader(good, []byte("{not json"))},
		{"body missing", good[:bodyAt]},
		{"body not bbolt", append(slices.Clone(good[:bodyAt]), bytes.Repeat([]byte{0xA5}, 8192)...)},
		{"body cut", good[:bodyAt+(len(good)-bodyAt)/2]},
		{"trailer cut", good[:len(good)-1]},
		{"body flipped", flipped(good, bodyAt+100)},
		{"body padded", append(slices.Clone(good), 0)},
		{"not bbolt, checksum right", withBody(good[:bodyAt], bytes.Repeat([]byte{0xA5}, 8192))},
		{"applied index lies", withHeader(good, []byte(`{"replica_applied":999,"members":{"index":0,"peers":[]}}`))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, before := targetFSM(t)
			err := f.Restore(nopCloser{bytes.NewReader(tt.in)})
			if err == nil {
				t.Fatal("a damaged snapshot was restored")
			}
			after, derr := f.replica.Digest()
			if derr != nil {
				t.Fatal(derr)
			}
			if tt.name != "applied index lies" && !maps.Equal(after, before) {
				t.Errorf("the replica changed: %v -> %v", before, after)
			}
			if tt.name != "applied index lies" && f.members.appliedIndex() != 7 {
				t.Errorf("member table index %d, want 7 (untouched)", f.members.appliedIndex())
			}
		})
	}
	// The undamaged stream restores.
	f, _ := targetFSM(t)
	if err := f.Restore(nopCloser{bytes.NewReader(good)}); err != nil {
		t.Fatalf("restore the good snapshot: %v", err)
	}
	if got := f.replica.Applied(); got != goodApplied {
		t.Errorf("restored replica at index %d, want %d", got, goodApplied)
	}
}

// recorder is a store.Replicator that applies each write set to a replica
// at the next index, as the FSM would.
type recorder struct {
	rep   *store.Replica
	index uint64
}

func (r *recorder) Replicate(ws []byte) error {
	r.index++
	return r.rep.Apply(r.index, ws)
}

// filledReplica opens a replica at path with a store's schema and one user
// written through it.
func filledReplica(t *testing.T, path, user string) *store.Replica {
	t.Helper()
	rep, err := store.OpenReplica(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Close() })
	s, err := store.OpenOn(rep, store.Options{Replicator: &recorder{rep: rep}})
	if err != nil {
		t.Fatal(err)
	}
	write(t, s, user, 1)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return rep
}

// goodSnapshot is the snapshot stream of a filled replica.
func goodSnapshot(t *testing.T, path string) ([]byte, uint64) {
	t.Helper()
	rep := filledReplica(t, path, "source")
	members, err := loadMembers(filepath.Join(t.TempDir(), "members.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFSM(rep, members, t.TempDir())
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	var sink memSink
	if err := snap.Persist(&sink); err != nil {
		t.Fatal(err)
	}
	return sink.Bytes(), rep.Applied()
}

// targetFSM is a node's FSM with its own content and a member table at
// index 7, and the digest of its replica.
func targetFSM(t *testing.T) (*fsm, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	rep := filledReplica(t, filepath.Join(dir, "pickpack.db"), "target")
	members, err := loadMembers(filepath.Join(dir, "members.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := members.apply(7, []byte(`{"op":"add","peer":{"id":"n1","raft":"a:1","grpc":"a:2","http":"a:3"}}`)); err != nil {
		t.Fatal(err)
	}
	d, err := rep.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return newFSM(rep, members, dir), d
}

// withBody puts body, with a correct trailer, after head.
func withBody(head, body []byte) []byte {
	out := append(slices.Clone(head), body...)
	out = binary.BigEndian.AppendUint64(out, uint64(len(body)))
	sum := sha256.Sum256(body)
	return append(out, sum[:]...)
}

func flipped(snap []byte, at int) []byte {
	out := slices.Clone(snap)
	out[at] ^= 0xFF
	return out
}

func withLength(snap []byte, n uint32) []byte {
	out := slices.Clone(snap)
	binary.BigEndian.PutUint32(out[len(snapshotMagic):], n)
	return out
}

func withHeader(snap, hdr []byte) []byte {
	old := int(binary.BigEndian.Uint32(snap[len(snapshotMagic):]))
	out := append([]byte(snapshotMagic), binary.BigEndian.AppendUint32(nil, uint32(len(hdr)))...)
	out = append(out, hdr...)
	return append(out, snap[len(snapshotMagic)+4+old:]...)
}

// memSink is a raft.SnapshotSink in memory.
type memSink struct{ bytes.Buffer }

func (*memSink) ID() string    { return "test" }
func (*memSink) Cancel() error { return nil }
func (*memSink) Close() error  { return nil }

type nopCloser struct{ io.Reader }

func (nopCloser) Close() error { return nil }
