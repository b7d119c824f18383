package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// The member table maps node ids to their API addresses. Raft's own
// configuration knows only ids and Raft addresses, but a follower forwards
// clients to the leader's gRPC/HTTP address, so every node needs those too.
// The table is replicated as member records in the log (entry type
// entryMember), persisted in Dir/raft/members.json with the index of the
// last record applied (so a replayed record is skipped), and carried in
// snapshots next to the replica. It lives beside the Raft files rather
// than in the bbolt replica because it is cluster plumbing, not warehouse
// state: `server digest` and the audit stay about the warehouse.
type memberTable struct {
	path string

	mu    sync.Mutex
	index uint64
	peers map[string]Peer
}

// memberFile is the on-disk and in-snapshot form of the table.
type memberFile struct {
	Index uint64 `json:"index"`
	Peers []Peer `json:"peers"`
}

// memberRecord is one replicated change of the table.
type memberRecord struct {
	Op   string `json:"op"` // "add" or "remove"
	Peer Peer   `json:"peer"`
}

func loadMembers(path string) (*memberTable, error) {
	t := &memberTable{path: path, peers: map[string]Peer{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, err
	}
	var f memberFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("member table %s: %w", path, err)
	}
	t.set(f)
	return t, nil
}

func (t *memberTable) set(f memberFile) {
	t.index = f.Index
	t.peers = make(map[string]Peer, len(f.Peers))
	for _, p := range f.Peers {
		t.peers[p.ID] = p
	}
}

func (t *memberTable) snapshot() memberFile {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fileLocked()
}

func (t *memberTable) fileLocked() memberFile {
	f := memberFile{Index: t.index, Peers: make([]Peer, 0, len(t.peers))}
	for _, p := range t.peers {
		f.Peers = append(f.Peers, p)
	}
	sortPeers(f.Peers)
	return f
}

func (t *memberTable) lookup(id string) (Peer, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.peers[id]
	return p, ok
}

func (t *memberTable) appliedIndex() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.index
}

// apply records one member record at index; a record at or below the
// table's index is a replay after a restart and is skipped.
func (t *memberTable) apply(index uint64, data []byte) error {
	var rec memberRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return fmt.Errorf("member record at %d: %w", index, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if index <= t.index {
		return nil
	}
	old := t.fileLocked()
	switch rec.Op {
	case "add":
		t.peers[rec.Peer.ID] = rec.Peer
	case "remove":
		delete(t.peers, rec.Peer.ID)
	default:
		return fmt.Errorf("member record at %d: unknown op %q", index, rec.Op)
	}
	t.index = index
	if err := writeFileAtomic(t.path, t.fileLocked()); err != nil {
		t.set(old)
		return err
	}
	return nil
}

// replace installs a table received in a snapshot.
func (t *memberTable) replace(f memberFile) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := writeFileAtomic(t.path, f); err != nil {
		return err
	}
	t.set(f)
	return nil
}

// writeFileAtomic writes v as JSON through a synced temporary file renamed
// over path, so a crash leaves the old table or the new one, never half.
func writeFileAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".members-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
