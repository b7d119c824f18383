package cluster

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// waitFor bounds every poll: a cluster that has not converged by then is
// broken, not slow (elections take about a second here).
const waitFor = 20 * time.Second

// testCluster runs nodes in one process on loopback TCP with their files in
// t.TempDir(). Stopped nodes keep their directory and can be started again.
type testCluster struct {
	t     testing.TB
	peers []Peer
	dirs  map[string]string
	nodes map[string]*Node
	tune  func(*Config)

	used map[string]bool // addresses handed out

	mu     sync.Mutex
	events map[*Node][]leadershipEvent
}

// leadershipEvent is one value a node sent on Leadership, with its
// replica's applied index when the test received it.
type leadershipEvent struct {
	leader  bool
	applied uint64
}

// newPeer gives a node three loopback addresses nobody listens on now and
// that no other node of the test was given: each comes from listening on
// port 0; a port the system hands out again is skipped.
func (c *testCluster) newPeer(id string) Peer {
	c.t.Helper()
	addr := func() string {
		for {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				c.t.Fatal(err)
			}
			a := l.Addr().String()
			l.Close()
			if !c.used[a] {
				c.used[a] = true
				return a
			}
		}
	}
	return Peer{ID: id, Raft: addr(), GRPC: addr(), HTTP: addr()}
}

// newCluster starts n nodes n1..nN bootstrapped with the same peer list.
func newCluster(t testing.TB, n int, tune func(*Config)) *testCluster {
	t.Helper()
	c := &testCluster{t: t, dirs: map[string]string{}, nodes: map[string]*Node{}, tune: tune,
		used: map[string]bool{}, events: map[*Node][]leadershipEvent{}}
	for i := 1; i <= n; i++ {
		p := c.newPeer(fmt.Sprintf("n%d", i))
		c.peers = append(c.peers, p)
		c.dirs[p.ID] = filepath.Join(t.TempDir(), p.ID)
	}
	for _, p := range c.peers {
		c.start(p.ID, false)
	}
	t.Cleanup(func() {
		for id := range c.nodes {
			c.stop(id)
		}
	})
	return c
}

// config gives a bootstrapping node the whole site and a joining one only
// itself, as an operator would: it learns the others from the leader.
func (c *testCluster) config(id string, join bool) Config {
	peers := c.peers
	if join {
		i := slices.IndexFunc(c.peers, func(p Peer) bool { return p.ID == id })
		peers = c.peers[i : i+1]
	}
	cfg := Config{ID: id, Dir: c.dirs[id], Peers: peers, Join: join,
		Log: slog.New(slog.NewTextHandler(testWriter{c.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if c.tune != nil {
		c.tune(&cfg)
	}
	return cfg
}

// start starts node id on its directory and records what it sends on
// Leadership (see leadership).
func (c *testCluster) start(id string, join bool) *Node {
	c.t.Helper()
	n, err := Start(c.config(id, join))
	if err != nil {
		c.t.Fatalf("start %s: %v", id, err)
	}
	go func() {
		for v := range n.Leadership() {
			ev := leadershipEvent{leader: v, applied: n.Replica().Applied()}
			c.mu.Lock()
			c.events[n] = append(c.events[n], ev)
			c.mu.Unlock()
		}
	}()
	c.nodes[id] = n
	return n
}

// leadership returns what n has sent on Leadership so far.
func (c *testCluster) leadership(n *Node) []leadershipEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events[n])
}

func (c *testCluster) stop(id string) {
	c.t.Helper()
	n := c.nodes[id]
	delete(c.nodes, id)
	if err := n.Shutdown(); err != nil {
		c.t.Errorf("shutdown %s: %v", id, err)
	}
}

// leader polls until one running node is ready to take writes.
func (c *testCluster) leader() *Node {
	c.t.Helper()
	var found *Node
	poll(c.t, "a ready leader", func() bool {
		for _, n := range c.nodes {
			if n.Status().Ready {
				found = n
				return true
			}
		}
		return false
	})
	return found
}

// converged polls until every running node has applied what the leader
// has and then checks their replicas' digests are equal.
func (c *testCluster) converged(leader *Node) map[string]string {
	c.t.Helper()
	want := leader.Status().AppliedIndex
	for id, n := range c.nodes {
		poll(c.t, id+" applies index "+fmt.Sprint(want), func() bool { return n.Status().AppliedIndex >= want })
	}
	ref, err := leader.Replica().Digest()
	if err != nil {
		c.t.Fatal(err)
	}
	if len(ref) == 0 {
		c.t.Fatal("the leader's replica has no bucket")
	}
	for id, n := range c.nodes {
		got, err := n.Replica().Digest()
		if err != nil {
			c.t.Fatal(err)
		}
		if !maps.Equal(got, ref) {
			c.t.Errorf("digest of %s differs from the leader's (%s):\ngot  %v\nwant %v", id, leader.cfg.ID, got, ref)
		}
	}
	return ref
}

// openStore opens the replicated store on a ready leader.
func openStore(t testing.TB, n *Node) *store.Store {
	t.Helper()
	s, err := store.OpenOn(n.Replica(), store.Options{Replicator: n})
	if err != nil {
		t.Fatalf("open store on %s: %v", n.cfg.ID, err)
	}
	return s
}

// write makes count real store writes (a user and a token each) and
// returns the tokens.
func write(t testing.TB, s *store.Store, prefix string, count int) []string {
	t.Helper()
	var tokens []string
	for i := range count {
		tok, err := s.CreateToken(fmt.Sprintf("%s%03d", prefix, i), floor.RolePicker)
		if err != nil {
			t.Fatalf("write %s%03d: %v", prefix, i, err)
		}
		tokens = append(tokens, tok)
	}
	return tokens
}

func poll(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, waitFor)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testWriter sends the nodes' warnings to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

var _ io.Writer = testWriter{}
