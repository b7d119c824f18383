// Package cluster replicates a site's store across three or five nodes with
// hashicorp/raft. The leader runs the store's ordinary code and hands each
// transaction's write set to Replicate; every node applies committed write
// sets, in log order, to its own bbolt replica (store.Replica). Snapshots
// are consistent copies of the replica, so a node that was down or is new
// catches up from a snapshot and the log.
package cluster

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// Defaults tuned for nodes on one LAN. A follower that hears nothing from
// the leader for HeartbeatTimeout (randomized up to twice that) calls an
// election, so a dead leader is replaced in about 1-1.7 s (measured,
// TestFailoverLeaderShutdown) rather than the 1.5-2.5 s of hashicorp's
// defaults (1 s, meant for busier networks). The
// leader steps down when it has not reached a majority for
// LeaderLeaseTimeout, which bounds how long a cut-off leader keeps clients
// waiting. 250 ms made leaders step down for nothing when the shared
// 2-core machine stalled the process (seen under go test -race); 500 ms
// did not. The snapshot settings are hashicorp's: a snapshot (a copy of
// the whole bbolt file) at most every 2 minutes once 8192 entries (group
// commits) have gone by, and 10240 entries kept after it so a node down
// for a few minutes catches up from the log alone.
const (
	DefaultHeartbeatTimeout   = 750 * time.Millisecond
	DefaultElectionTimeout    = 750 * time.Millisecond
	DefaultLeaderLeaseTimeout = 500 * time.Millisecond
	DefaultApplyTimeout       = 5 * time.Second
	DefaultSnapshotInterval   = 2 * time.Minute
	DefaultSnapshotThreshold  = 8192
	DefaultTrailingLogs       = 10240
)

// Config describes one node.
type Config struct {
	// ID names this node; it must be one of Peers.
	ID string
	// Dir holds Dir/pickpack.db (the replica) and Dir/raft/ (log, stable
	// store, snapshots, member table).
	Dir string
	// Peers are the site's nodes, this one included. When the Raft log is
	// empty they are the bootstrap configuration: every node may bootstrap
	// with the same list. Later the replicated configuration wins.
	Peers []Peer
	// Join marks a node being added to a running site (or one whose files
	// were wiped): it never bootstraps and waits for the leader's Join,
	// then catches up from a snapshot. Only its own entry of Peers is used.
	Join bool
	// TLS, when set, carries Raft over mutual TLS (see MutualTLS): the
	// node accepts and dials only peers with a certificate from the
	// site's CA. Nil: plaintext TCP, for loopback or a trusted network.
	TLS *tls.Config
	// Log receives this node's warnings and hashicorp/raft's (warn and up).
	Log *slog.Logger

	// Zero values take the defaults above.
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration
	// ApplyTimeout bounds Replicate, Join, Leave and the barrier.
	ApplyTimeout      time.Duration
	SnapshotInterval  time.Duration
	SnapshotThreshold uint64
	TrailingLogs      uint64
}

// ErrNotLeader is returned by Replicate, Join and Leave on a node that is
// not the leader (or is a leader still catching up); nothing was written.
// Its kind is unavailable, so the API answers Unavailable.
var ErrNotLeader = &floor.Error{Op: "replicate", Kind: floor.KindUnavailable, Reason: "NOT_LEADER", Msg: "this node is not the leader"}

// errUncertain wraps failures after the entry was handed to Raft: it may
// or may not be applied later. The client's retry is safe (scan ids).
func errUncertain(op string, err error) error {
	return &floor.Error{Op: op, Kind: floor.KindUnavailable, Reason: "NOT_CONFIRMED",
		Msg: "the write was not confirmed by a majority; it may still be applied: " + err.Error(), Err: err}
}

// Node is one running member of a site.
type Node struct {
	cfg     Config
	self    Peer
	log     *slog.Logger
	raft    *raft.Raft
	trans   *raft.NetworkTransport
	logs    *raftboltdb.BoltStore
	stable  *closingStable // over logs
	fsm     *fsm
	replica *store.Replica

	// ready is true while this node is leader and has applied every entry
	// of earlier terms (Barrier): only then may Replicate write.
	ready      atomic.Bool
	readyTerm  atomic.Uint64
	resync     chan struct{}
	leadership chan bool

	elections     atomic.Uint64 // times this node became a candidate
	leaderChanges atomic.Uint64 // leaders observed (a new leader id)
	observer      *raft.Observer
	observations  chan raft.Observation

	stop     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
	stopErr  error
}

// Start opens (or creates) the node's files, restores the replica from the
// local snapshot if it is behind it, bootstraps when the log is empty and
// cfg.Join is false, and joins the Raft group.
func Start(cfg Config) (n *Node, err error) {
	self, err := cfg.check()
	if err != nil {
		return nil, err
	}
	cfg.defaults()
	raftDir := filepath.Join(cfg.Dir, "raft")
	if err := os.MkdirAll(raftDir, 0o700); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	var closers []func() error
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				_ = closers[i]()
			}
		}
	}()
	hlog := newHclog(cfg.Log, "raft")

	rep, err := store.OpenReplica(filepath.Join(cfg.Dir, "pickpack.db"))
	if err != nil {
		return nil, fmt.Errorf("cluster: open replica: %w", err)
	}
	closers = append(closers, rep.Close)
	members, err := loadMembers(filepath.Join(raftDir, "members.json"))
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	logs, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(raftDir, "raft.db")})
	if err != nil {
		return nil, fmt.Errorf("cluster: open raft log: %w", err)
	}
	closers = append(closers, logs.Close)
	cached, err := raft.NewLogCache(512, logs)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(raftDir, 2, hlog)
	if err != nil {
		return nil, fmt.Errorf("cluster: open snapshots: %w", err)
	}
	f := newFSM(rep, members, raftDir)

	hasState, err := raft.HasExistingState(cached, logs, snaps)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	if !hasState && rep.Applied() > 0 {
		return nil, fmt.Errorf("cluster: %s has a replica at log index %d but no Raft state; "+
			"remove the data directory and start this node with join to copy the site's state",
			cfg.Dir, rep.Applied())
	}
	if err := catchUpFromLocalSnapshot(snaps, f); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	f.applied.Store(max(rep.Applied(), members.appliedIndex()))

	adv, err := net.ResolveTCPAddr("tcp", self.Raft)
	if err != nil {
		return nil, fmt.Errorf("cluster: raft address: %w", err)
	}
	var trans *raft.NetworkTransport
	if cfg.TLS != nil {
		var stream *tlsStream
		if stream, err = newTLSStream(self.Raft, adv, cfg.TLS); err == nil {
			trans = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
				Stream: stream, MaxPool: 3, Timeout: 10 * time.Second, Logger: hlog})
		}
	} else {
		trans, err = raft.NewTCPTransportWithLogger(self.Raft, adv, 3, 10*time.Second, hlog)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: raft transport: %w", err)
	}
	closers = append(closers, trans.Close)

	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.HeartbeatTimeout = cfg.HeartbeatTimeout
	rc.ElectionTimeout = cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = cfg.LeaderLeaseTimeout
	rc.SnapshotInterval = cfg.SnapshotInterval
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.TrailingLogs = cfg.TrailingLogs
	// The replica is a durable bbolt file that records its own applied
	// index: restoring the last snapshot on every start would throw away
	// a good file and copy a stale one. Entries after the snapshot are
	// replayed and the replica skips those it already has.
	rc.NoSnapshotRestoreOnStart = true
	rc.NoLegacyTelemetry = true
	rc.Logger = hlog
	stable := &closingStable{s: logs}
	r, err := raft.NewRaft(rc, f, cached, stable, snaps, trans)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	if !hasState && !cfg.Join {
		servers := make([]raft.Server, len(cfg.Peers))
		for i, p := range cfg.Peers {
			servers[i] = raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Raft)}
		}
		if err := r.BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			_ = r.Shutdown().Error()
			return nil, fmt.Errorf("cluster: bootstrap: %w", err)
		}
	}

	n = &Node{
		cfg: cfg, self: self, log: cfg.Log, raft: r, trans: trans, logs: logs, stable: stable, fsm: f, replica: rep,
		resync:       make(chan struct{}, 1),
		leadership:   make(chan bool, 4),
		observations: make(chan raft.Observation, 64),
		stop:         make(chan struct{}),
	}
	n.observer = raft.NewObserver(n.observations, false, func(o *raft.Observation) bool {
		switch o.Data.(type) {
		case raft.RaftState, raft.LeaderObservation:
			return true
		}
		return false
	})
	r.RegisterObserver(n.observer)
	n.wg.Add(2)
	go n.watchLeadership()
	go n.watchObservations()
	return n, nil
}

func (cfg *Config) check() (Peer, error) {
	const op = "start cluster node"
	var vs floor.Violations
	if cfg.Dir == "" {
		vs.Add("data", "is empty")
	}
	vs = append(vs, validatePeers(cfg.Peers)...)
	var self Peer
	found := false
	for _, p := range cfg.Peers {
		if p.ID == cfg.ID {
			self, found = p, true
		}
	}
	if !found {
		vs.Add("node", "%q is not one of the cluster's nodes", cfg.ID)
	}
	if err := vs.Err(op); err != nil {
		return Peer{}, err
	}
	return self, nil
}

func (cfg *Config) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	set(&cfg.HeartbeatTimeout, DefaultHeartbeatTimeout)
	set(&cfg.ElectionTimeout, DefaultElectionTimeout)
	set(&cfg.LeaderLeaseTimeout, DefaultLeaderLeaseTimeout)
	set(&cfg.ApplyTimeout, DefaultApplyTimeout)
	set(&cfg.SnapshotInterval, DefaultSnapshotInterval)
	if cfg.SnapshotThreshold == 0 {
		cfg.SnapshotThreshold = DefaultSnapshotThreshold
	}
	if cfg.TrailingLogs == 0 {
		cfg.TrailingLogs = DefaultTrailingLogs
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.Log = cfg.Log.With("node", cfg.ID)
}

// catchUpFromLocalSnapshot restores the newest local snapshot when the
// replica (or member table) is behind it: the replica file was wiped or
// replaced, or the node died while installing a snapshot. Raft itself
// would otherwise take the snapshot's index as applied (the entries before
// it may be gone from the log) and the node would silently miss them.
func catchUpFromLocalSnapshot(snaps raft.SnapshotStore, f *fsm) error {
	list, err := snaps.List()
	if err != nil || len(list) == 0 {
		return err
	}
	_, rc, err := snaps.Open(list[0].ID)
	if err != nil {
		return fmt.Errorf("open snapshot %s: %w", list[0].ID, err)
	}
	defer rc.Close()
	hdr, err := readSnapshotHeader(rc)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", list[0].ID, err)
	}
	if f.replica.Applied() >= hdr.ReplicaApplied && f.members.appliedIndex() >= hdr.Members.Index {
		return nil
	}
	return f.restore(hdr, rc)
}

// Replicate implements store.Replicator: it returns once ws is committed
// on a majority and applied to this node's replica. ErrNotLeader means
// nothing was written; any other error means the write may or may not be
// applied later. After such an uncertain failure the node stops accepting
// writes, announces false on Leadership and, if it is still leader, waits
// until every earlier entry is applied before announcing true again, so
// the store never computes a write on state that misses an entry.
func (n *Node) Replicate(ws []byte) error {
	if !n.ready.Load() || n.raft.CurrentTerm() != n.readyTerm.Load() {
		return ErrNotLeader
	}
	err := n.apply("replicate", entryWriteSet, ws)
	if err != nil && !errors.Is(err, ErrNotLeader) {
		n.fence()
	}
	return err
}

// fence stops writes until the leadership loop has re-established that
// this node is leader with everything applied.
func (n *Node) fence() {
	n.ready.Store(false)
	select {
	case n.resync <- struct{}{}:
	default:
	}
}

// apply hands one typed entry to Raft and waits, at most ApplyTimeout, for
// it to be committed and applied here.
func (n *Node) apply(op string, typ byte, data []byte) error {
	cmd := make([]byte, 1+len(data))
	cmd[0] = typ
	copy(cmd[1:], data)
	fut := n.raft.Apply(cmd, n.cfg.ApplyTimeout)
	done := make(chan error, 1)
	go func() { done <- fut.Error() }()
	timer := time.NewTimer(n.cfg.ApplyTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		switch {
		case err == nil:
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrEnqueueTimeout):
			// Not handed to the log: nothing will be applied.
			return ErrNotLeader
		default:
			return errUncertain(op, err)
		}
		if rerr, ok := fut.Response().(error); ok && rerr != nil {
			return errUncertain(op, rerr)
		}
		return nil
	case <-timer.C:
		return errUncertain(op, fmt.Errorf("no commit within %v", n.cfg.ApplyTimeout))
	}
}

// Replica is this node's state machine file. Open a Store on it
// (store.OpenOn with this node as Replicator) only while Leadership says
// true, and close it on false: followers' replicas change under it.
func (n *Node) Replica() *store.Replica { return n.replica }

// Leadership reports this node's leadership changes, in order: true once
// it is leader AND has applied every entry before its term (a Barrier), so
// a store opened now reads the whole committed state; false when it lost
// leadership (or fenced itself after an uncertain write). Every true is
// followed by a false before the next true. The channel is closed when the
// node shuts down or stops after a failure to apply an entry.
func (n *Node) Leadership() <-chan bool { return n.leadership }

// watchLeadership turns Raft's leader notifications into Leadership.
func (n *Node) watchLeadership() {
	defer n.wg.Done()
	defer close(n.leadership)
	raftCh := n.raft.LeaderCh()
	isLeader, announced := false, false
	emit := func(v bool) bool {
		select {
		case n.leadership <- v:
			announced = v
			return true
		case <-n.stop:
			return false
		}
	}
	for {
		select {
		case <-n.stop:
			return
		case <-n.fsm.failed:
			n.ready.Store(false)
			n.log.Error("cluster node stopped applying the log", "err", n.fsm.failErr)
			n.halt() // before Leadership closes: whoever reads it sees a stopped node
			return
		case isLeader = <-raftCh:
		case <-n.resync:
		}
		n.ready.Store(false)
		if announced && !emit(false) {
			return
		}
		for isLeader {
			term := n.raft.CurrentTerm()
			err := n.raft.Barrier(n.cfg.ApplyTimeout).Error()
			if err == nil {
				n.seedMembers()
				n.readyTerm.Store(term)
				n.ready.Store(true)
				if !emit(true) {
					return
				}
				break
			}
			if n.raft.State() != raft.Leader {
				break // the false is on raftCh
			}
			n.log.Warn("cluster leader cannot commit yet", "err", err)
			select {
			case <-n.stop:
				return
			case isLeader = <-raftCh:
				n.ready.Store(false)
			default:
			}
		}
	}
}

// seedMembers records, on a new leader, the API addresses of every server
// of the Raft configuration the member table lacks but this node's Peers
// know: the bootstrap nodes are in Raft's configuration from the start but
// only a member record tells a node that joins later how to reach them.
func (n *Node) seedMembers() {
	fut := n.raft.GetConfiguration()
	if err := fut.Error(); err != nil {
		return
	}
	for _, s := range fut.Configuration().Servers {
		if _, ok := n.fsm.members.lookup(string(s.ID)); ok {
			continue
		}
		p, ok := n.configPeer(string(s.ID))
		if !ok {
			continue
		}
		if err := n.recordMember("add", p); err != nil {
			n.log.Warn("cluster could not record a member's addresses", "peer", p.ID, "err", err)
			return
		}
	}
}

func (n *Node) configPeer(id string) (Peer, bool) {
	for _, p := range n.cfg.Peers {
		if p.ID == id {
			return p, true
		}
	}
	return Peer{}, false
}

func (n *Node) recordMember(op string, p Peer) error {
	b, err := json.Marshal(memberRecord{Op: op, Peer: p})
	if err != nil {
		return err
	}
	return n.apply("record member", entryMember, b)
}

// peer resolves id to its addresses: the replicated member table first,
// then this node's own configuration.
func (n *Node) peer(id string) (Peer, bool) {
	if p, ok := n.fsm.members.lookup(id); ok {
		return p, true
	}
	return n.configPeer(id)
}

// Leader returns the current leader's addresses, if a leader is known.
func (n *Node) Leader() (Peer, bool) {
	_, id := n.raft.LeaderWithID()
	if id == "" {
		return Peer{}, false
	}
	return n.peer(string(id))
}

// Join adds p to the site as a voter. It runs on the leader: first a
// member record so every node learns p's API addresses, then AddVoter; the
// new node catches up from a snapshot and the log.
func (n *Node) Join(p Peer) error {
	const op = "join cluster"
	if vs := validatePeers([]Peer{p}); len(vs) > 0 {
		return vs.Err(op)
	}
	if !n.ready.Load() {
		return ErrNotLeader
	}
	if err := n.recordMember("add", p); err != nil {
		return err
	}
	if err := n.raft.AddVoter(raft.ServerID(p.ID), raft.ServerAddress(p.Raft), 0, n.cfg.ApplyTimeout).Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) {
			return ErrNotLeader
		}
		return errUncertain(op, err)
	}
	return nil
}

// Leave removes the node id from the site. It runs on the leader; a leader
// removing itself steps down once the change is committed. The removed
// node stops itself if it hears of the change, but the leader may stop
// talking to it first: stop its process after Leave.
func (n *Node) Leave(id string) error {
	const op = "leave cluster"
	if msg := checkID(id); msg != "" {
		return floor.Invalid(op, []floor.Violation{{Field: "id", Description: msg}})
	}
	if !n.ready.Load() {
		return ErrNotLeader
	}
	fut := n.raft.GetConfiguration()
	if err := fut.Error(); err != nil {
		return errUncertain(op, err)
	}
	if !slices.ContainsFunc(fut.Configuration().Servers, func(s raft.Server) bool { return string(s.ID) == id }) {
		return floor.E(op, floor.KindNotFound, "node %q is not in the cluster", id)
	}
	if err := n.raft.RemoveServer(raft.ServerID(id), 0, n.cfg.ApplyTimeout).Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) {
			return ErrNotLeader
		}
		return errUncertain(op, err)
	}
	if id == n.cfg.ID {
		return nil
	}
	// The table entry only gives addresses; a stale one for a removed node
	// does no harm, so a failure here is not the caller's problem.
	if err := n.recordMember("remove", Peer{ID: id}); err != nil {
		n.log.Warn("cluster could not drop a member's addresses", "peer", id, "err", err)
	}
	return nil
}

// watchObservations counts elections and leader changes for Status and
// the metrics.
func (n *Node) watchObservations() {
	defer n.wg.Done()
	for {
		select {
		case <-n.stop:
			return
		case o := <-n.observations:
			switch d := o.Data.(type) {
			case raft.RaftState:
				if d == raft.Candidate {
					n.elections.Add(1)
				}
			case raft.LeaderObservation:
				if d.LeaderID != "" {
					n.leaderChanges.Add(1)
				}
			}
		}
	}
}

// Handoff hands leadership to the most up-to-date follower, for a planned
// stop (call it before Shutdown on SIGTERM): the site waits for one round
// trip instead of an election timeout. ErrNotLeader on a follower.
func (n *Node) Handoff() error {
	if n.raft.State() != raft.Leader {
		return ErrNotLeader
	}
	n.ready.Store(false)
	if err := n.raft.LeadershipTransfer().Error(); err != nil {
		n.fence() // still leader: announce it again once caught up
		return &floor.Error{Op: "hand off leadership", Kind: floor.KindUnavailable, Err: err,
			Msg: "no follower could take over: " + err.Error()}
	}
	return nil
}

// halt stops Raft after the FSM failed, keeping the files as they are so a
// restart replays the log from the replica's own applied index.
func (n *Node) halt() {
	if err := n.raft.Shutdown().Error(); err != nil {
		n.log.Warn("cluster raft shutdown", "err", err)
	}
}

// Shutdown leaves the Raft group (without handing leadership over: the
// others elect a new leader) and closes the node's files. Close any store
// opened on Replica() first.
func (n *Node) Shutdown() error {
	n.stopOnce.Do(func() {
		n.ready.Store(false)
		close(n.stop)
		errs := []error{n.raft.Shutdown().Error()}
		n.raft.DeregisterObserver(n.observer)
		n.wg.Wait()
		errs = append(errs, n.trans.Close())
		n.stable.close()
		errs = append(errs, n.logs.Close(), n.replica.Close())
		n.stopErr = errors.Join(errs...)
	})
	return n.stopErr
}

// Err returns why the node stopped applying the log, or nil.
func (n *Node) Err() error {
	if n.fsm.isFailed() {
		return n.fsm.failErr
	}
	return nil
}

func sortPeers(ps []Peer) {
	slices.SortFunc(ps, func(a, b Peer) int { return strings.Compare(a.ID, b.ID) })
}
