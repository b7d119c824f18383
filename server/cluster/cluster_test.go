package cluster

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// Writes through a store on the leader are acknowledged only once applied,
// and every node ends with the same buckets.
func TestReplicateThreeNodes(t *testing.T) {
	c := newCluster(t, 3, steadyTune)
	l := c.leader()
	s := openStore(t, l)
	defer s.Close()
	tokens := write(t, s, "picker", 20)
	ref := c.converged(l)
	for _, b := range []string{"users", "tokens"} {
		if ref[b] == "" {
			t.Errorf("no %q bucket in the digest %v", b, ref)
		}
	}
	if _, err := s.Authenticate(tokens[19]); err != nil {
		t.Errorf("authenticate the last token: %v", err)
	}
	for id, n := range c.nodes {
		if n == l {
			continue
		}
		if err := n.Replicate([]byte("anything")); !errors.Is(err, ErrNotLeader) {
			t.Errorf("Replicate on follower %s: got %v, want ErrNotLeader", id, err)
		}
		if got, ok := n.Leader(); !ok || got != l.self {
			t.Errorf("Leader() on %s = %v, %v; want %v", id, got, ok, l.self)
		}
		if k := floor.KindOf(ErrNotLeader); k != floor.KindUnavailable {
			t.Errorf("ErrNotLeader kind %v, want unavailable", k)
		}
	}
}

// The leader goes away; another node takes over within the poll bound,
// sees every acknowledged write, and the old leader, restarted, catches up.
func TestFailoverLeaderShutdown(t *testing.T) {
	c := newCluster(t, 3, nil)
	l := c.leader()
	s := openStore(t, l)
	before := write(t, s, "before", 10)
	c.converged(l)

	old := l.cfg.ID
	acked := l.Replica().Applied()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	c.stop(old)
	l2 := c.leader()
	s2 := openStore(t, l2)
	defer s2.Close()
	write(t, s2, "after", 1)
	t.Logf("failover: leader %s shut down -> %s acknowledged a write after %v", old, l2.cfg.ID, time.Since(t0).Round(time.Millisecond))
	for i, tok := range before {
		if _, err := s2.Authenticate(tok); err != nil {
			t.Errorf("token %d acknowledged by the old leader: %v", i, err)
		}
	}
	write(t, s2, "during", 10)
	// Leadership said true only once the new leader had applied all the
	// old one acknowledged.
	if ev := c.leadership(l2); len(ev) == 0 || !ev[0].leader || ev[0].applied < acked {
		t.Errorf("new leader's Leadership events %+v; want true first, at applied index >= %d", ev, acked)
	}

	c.start(old, false)
	c.converged(l2)
	if st := l2.Status(); st.Term < 2 || st.LeaderChanges == 0 {
		t.Errorf("after a failover: term %d, leader changes %d", st.Term, st.LeaderChanges)
	}
}

// A leader cut off from both followers acknowledges nothing, steps down and
// cannot elect itself; when the others come back the site converges.
func TestMinorityCannotAcknowledge(t *testing.T) {
	c := newCluster(t, 3, nil)
	l := c.leader()
	s := openStore(t, l)
	write(t, s, "before", 3)
	c.converged(l)
	applied := l.Replica().Applied()
	digest, err := l.Replica().Digest()
	if err != nil {
		t.Fatal(err)
	}
	for id, n := range c.nodes {
		if n != l {
			c.stop(id)
		}
	}
	t0 := time.Now()
	_, err = s.CreateToken("lonely", floor.RolePicker)
	if err == nil {
		t.Fatal("a leader without followers acknowledged a write")
	}
	if k := floor.KindOf(err); k != floor.KindUnavailable {
		t.Errorf("write error kind %v (%v), want unavailable", k, err)
	}
	t.Logf("minority write failed after %v: %v", time.Since(t0).Round(time.Millisecond), err)
	if got := l.Replica().Applied(); got != applied {
		t.Errorf("replica applied index moved from %d to %d", applied, got)
	}
	s.Close()
	poll(t, "Leadership false on the cut-off leader", func() bool {
		ev := c.leadership(l)
		return len(ev) == 2 && ev[0].leader && !ev[1].leader
	})

	// It steps down, stands for election and never wins: watched over
	// several election timeouts.
	poll(t, "the cut-off leader to stand for election", func() bool { return l.Status().Role == "candidate" })
	until := time.Now().Add(6 * DefaultElectionTimeout)
	for time.Now().Before(until) {
		if st := l.Status(); st.Role == "leader" || st.Ready {
			t.Fatalf("a lone node became leader: %+v", st)
		}
		if err := l.Replicate([]byte{0}); !errors.Is(err, ErrNotLeader) {
			t.Fatalf("Replicate on a lone node: %v, want ErrNotLeader", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got, _ := l.Replica().Digest(); !maps.Equal(got, digest) {
		t.Error("the lone node's replica changed")
	}

	for _, p := range c.peers {
		if _, running := c.nodes[p.ID]; !running {
			c.start(p.ID, false)
		}
	}
	l2 := c.leader()
	s2 := openStore(t, l2)
	defer s2.Close()
	write(t, s2, "after", 3)
	c.converged(l2)
}

// steadyTune is for tests about something else than failover: timeouts
// long enough that a stall of the shared test machine (seen up to ~2 s
// under -race) does not change the leader in the middle of their writes.
// The failover, minority and handoff tests keep the defaults they measure.
func steadyTune(cfg *Config) {
	cfg.HeartbeatTimeout = 2 * time.Second
	cfg.ElectionTimeout = 2 * time.Second
	cfg.LeaderLeaseTimeout = time.Second
}

// snapshotTune makes snapshots frequent and the log short, so catching up
// must go through a snapshot.
func snapshotTune(cfg *Config) {
	steadyTune(cfg)
	cfg.SnapshotThreshold = 8
	cfg.TrailingLogs = 4
	cfg.SnapshotInterval = 50 * time.Millisecond
}

// waitCompacted writes until the leader has a snapshot past index and has
// dropped the log before it.
func waitCompacted(t *testing.T, l *Node, s *store.Store, index uint64) {
	t.Helper()
	poll(t, "a leader snapshot past the new node", func() bool {
		write(t, s, "filler", 2)
		return l.Status().SnapshotIndex > index+snapshotGap
	})
}

// snapshotGap is how far past a node's index the leader's snapshot must be
// for its trailing log (TrailingLogs 4) to no longer reach that node.
const snapshotGap = 16

// A node that joins late, and one whose files were wiped, catch up from a
// snapshot: the leader's log no longer holds the early entries.
func TestCatchUpFromSnapshot(t *testing.T) {
	c := newCluster(t, 3, snapshotTune)
	l := c.leader()
	s := openStore(t, l)
	defer s.Close()
	write(t, s, "early", 10)
	waitCompacted(t, l, s, 0)

	// A fourth node joins.
	p4 := c.newPeer("n4")
	c.peers = append(c.peers, p4)
	c.dirs[p4.ID] = filepath.Join(t.TempDir(), p4.ID)
	n4 := c.start(p4.ID, true)
	if err := l.Join(p4); err != nil {
		t.Fatalf("join n4: %v", err)
	}
	c.converged(l)
	if st := n4.Status(); st.SnapshotIndex == 0 {
		t.Errorf("n4 caught up without a snapshot: %+v", st)
	}
	// n4 was given only its own addresses: the leader's come from the
	// member table the snapshot carried.
	if got, ok := n4.Leader(); !ok || got != l.self {
		t.Errorf("n4 Leader() = %v, %v; want %v (from the member table)", got, ok, l.self)
	}
	for _, p := range n4.Status().Peers {
		if p.GRPC == "" || p.HTTP == "" {
			t.Errorf("n4 does not know the API addresses of %+v", p)
		}
	}
	if st := l.Status(); len(st.Peers) != 4 {
		t.Errorf("leader sees %d peers, want 4: %+v", len(st.Peers), st.Peers)
	}

	// A follower's directory is wiped; it comes back as a joining node and
	// the leader, which still counts it, sends it a snapshot.
	var victim string
	for id, n := range c.nodes {
		if n != l && id != p4.ID {
			victim = id
			break
		}
	}
	c.stop(victim)
	if err := os.RemoveAll(c.dirs[victim]); err != nil {
		t.Fatal(err)
	}
	at := l.Status().LastIndex
	waitCompacted(t, l, s, at)
	nv := c.start(victim, true)
	c.converged(l)
	if got, ok := nv.Leader(); !ok || got != l.self {
		t.Errorf("%s Leader() = %v, %v; want %v", victim, got, ok, l.self)
	}
	if st := nv.Status(); st.SnapshotIndex == 0 {
		t.Errorf("%s caught up without a snapshot: %+v", victim, st)
	}
}

// A node whose replica file is lost but whose Raft files are intact is
// restored from its own latest snapshot at start, then replays the log.
func TestReplicaRestoredFromLocalSnapshot(t *testing.T) {
	c := newCluster(t, 3, snapshotTune)
	l := c.leader()
	s := openStore(t, l)
	defer s.Close()
	write(t, s, "early", 10)
	var victim *Node
	for _, n := range c.nodes {
		if n != l {
			victim = n
			break
		}
	}
	poll(t, "a snapshot on "+victim.cfg.ID, func() bool {
		write(t, s, "filler", 2)
		return victim.Status().SnapshotIndex > 0
	})
	id := victim.cfg.ID
	c.stop(id)
	if err := os.Remove(filepath.Join(c.dirs[id], "pickpack.db")); err != nil {
		t.Fatal(err)
	}
	write(t, s, "later", 5)
	n := c.start(id, false)
	if n.Replica().Applied() == 0 {
		t.Error("the replica was not restored from the local snapshot before Raft started")
	}
	c.converged(l)
}

// An entry a node cannot apply stops that node instead of letting it apply
// later entries on top of a missing one: Leadership is closed, Err says
// why, and no node's replica goes past the entry. (Here every node gets
// the same damaged entry; a follower that never learned it was committed
// before the others stopped just stays behind, unable to elect itself.)
func TestApplyFailureStopsTheNode(t *testing.T) {
	c := newCluster(t, 3, steadyTune)
	l := c.leader()
	s := openStore(t, l)
	write(t, s, "before", 3)
	c.converged(l)
	s.Close()
	applied := map[string]uint64{}
	for id, n := range c.nodes {
		applied[id] = n.Replica().Applied()
	}

	err := l.Replicate([]byte("not a write set"))
	if err == nil || errors.Is(err, ErrNotLeader) {
		t.Fatalf("Replicate of a damaged write set: %v, want an unconfirmed-write error", err)
	}
	poll(t, "the leader to stop applying", func() bool { return l.Err() != nil })
	poll(t, "the leader to close Leadership", func() bool {
		select {
		case _, open := <-l.Leadership():
			return !open
		default:
			return false
		}
	})
	if st := l.Status(); st.Err == "" || st.Ready || st.Role != "shutdown" {
		t.Errorf("leader status after the failure: %+v", st)
	}
	if err := l.Replicate([]byte{1}); !errors.Is(err, ErrNotLeader) {
		t.Errorf("Replicate after the failure: %v, want ErrNotLeader", err)
	}
	for id, n := range c.nodes {
		if got := n.Replica().Applied(); got != applied[id] {
			t.Errorf("%s replica index moved from %d to %d", id, applied[id], got)
		}
	}
}

// A planned stop hands leadership over: the next write is acknowledged by
// another node without waiting for an election timeout.
func TestHandoff(t *testing.T) {
	c := newCluster(t, 3, nil)
	l := c.leader()
	s := openStore(t, l)
	write(t, s, "before", 3)
	c.converged(l)
	s.Close()
	for id, n := range c.nodes {
		if n != l {
			if err := n.Handoff(); !errors.Is(err, ErrNotLeader) {
				t.Errorf("Handoff on follower %s: %v, want ErrNotLeader", id, err)
			}
		}
	}
	t0 := time.Now()
	if err := l.Handoff(); err != nil {
		t.Fatalf("handoff: %v", err)
	}
	old := l.cfg.ID
	c.stop(old)
	l2 := c.leader()
	s2 := openStore(t, l2)
	defer s2.Close()
	write(t, s2, "after", 1)
	t.Logf("handoff: leader %s handed off -> %s acknowledged a write after %v", old, l2.cfg.ID, time.Since(t0).Round(time.Millisecond))
	c.start(old, false)
	c.converged(l2)
}

// Membership changes run on the leader only and check their input; a node
// that leaves is dropped from every node's view of the site.
func TestJoinLeave(t *testing.T) {
	c := newCluster(t, 3, steadyTune)
	l := c.leader()
	s := openStore(t, l)
	defer s.Close()
	write(t, s, "before", 2)
	var f *Node
	for _, n := range c.nodes {
		if n != l {
			f = n
			break
		}
	}
	p4 := c.newPeer("n4")
	if err := f.Join(p4); !errors.Is(err, ErrNotLeader) {
		t.Errorf("Join on a follower: %v, want ErrNotLeader", err)
	}
	if err := f.Leave("n1"); !errors.Is(err, ErrNotLeader) {
		t.Errorf("Leave on a follower: %v, want ErrNotLeader", err)
	}
	bad := p4
	bad.GRPC = "nohost"
	if err := l.Join(bad); floor.KindOf(err) != floor.KindInvalid {
		t.Errorf("Join with a bad address: %v, want invalid", err)
	}
	if err := l.Leave("../n9"); floor.KindOf(err) != floor.KindInvalid {
		t.Errorf("Leave with a bad id: %v, want invalid", err)
	}
	if err := l.Leave("n9"); floor.KindOf(err) != floor.KindNotFound {
		t.Errorf("Leave of an unknown node: %v, want not found", err)
	}

	c.peers = append(c.peers, p4)
	c.dirs[p4.ID] = filepath.Join(t.TempDir(), p4.ID)
	n4 := c.start(p4.ID, true)
	if err := l.Join(p4); err != nil {
		t.Fatalf("join: %v", err)
	}
	c.converged(l)
	if err := l.Leave(p4.ID); err != nil {
		t.Fatalf("leave: %v", err)
	}
	for id, n := range c.nodes {
		if n == n4 {
			continue
		}
		poll(t, id+" to drop n4", func() bool {
			for _, p := range n.Status().Peers {
				if p.ID == p4.ID {
					return false
				}
			}
			return true
		})
	}
	// The removed node may never hear of its removal (the leader stops
	// sending it entries): its operator stops it.
	c.stop(p4.ID)
	write(t, s, "after", 2)
	c.converged(l)
}

// A follower stopped and restarted while the leader writes costs no write:
// the other two are a majority. It catches up when back.
func TestFollowerRestartUnderWrites(t *testing.T) {
	c := newCluster(t, 3, snapshotTune)
	l := c.leader()
	s := openStore(t, l)
	defer s.Close()
	var f string
	for id, n := range c.nodes {
		if n != l {
			f = id
			break
		}
	}
	errs := make(chan error, 1)
	stopped, restarted := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(errs)
		for i := 0; ; i++ {
			if _, err := s.CreateToken("w"+strconv.Itoa(i), floor.RolePicker); err != nil {
				errs <- err
				return
			}
			select {
			case <-restarted:
				if i > 200 {
					return
				}
			default:
			}
			if i == 20 {
				close(stopped)
			}
		}
	}()
	<-stopped
	c.stop(f)
	at := l.Status().LastIndex
	poll(t, "writes while "+f+" is down", func() bool { return l.Status().LastIndex > at+30 })
	c.start(f, false)
	close(restarted)
	for err := range errs {
		t.Fatalf("a write failed while a follower was down: %v", err)
	}
	c.converged(l)
}

// The whole site stops and starts again: every node resumes from its own
// replica (ahead of its last snapshot) and replays only what it lacks.
func TestWholeSiteRestart(t *testing.T) {
	c := newCluster(t, 3, snapshotTune)
	l := c.leader()
	s := openStore(t, l)
	tokens := write(t, s, "u", 40)
	ref := c.converged(l)
	s.Close()
	applied := map[string]uint64{}
	for id, n := range c.nodes {
		applied[id] = n.Replica().Applied()
		if n.Status().SnapshotIndex == 0 {
			t.Errorf("%s has no snapshot; the test wants restarts past one", id)
		}
	}
	for _, p := range c.peers {
		c.stop(p.ID)
	}
	for _, p := range c.peers {
		c.start(p.ID, false)
	}
	for id, n := range c.nodes {
		if got := n.Replica().Applied(); got != applied[id] {
			t.Errorf("%s restarted at replica index %d, want its own %d (no snapshot restore)", id, got, applied[id])
		}
	}
	l2 := c.leader()
	if got := c.converged(l2); !maps.Equal(got, ref) {
		t.Errorf("digest changed across the restart:\ngot  %v\nwant %v", got, ref)
	}
	s2 := openStore(t, l2)
	defer s2.Close()
	if _, err := s2.Authenticate(tokens[39]); err != nil {
		t.Errorf("a token from before the restart: %v", err)
	}
}
