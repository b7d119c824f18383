package cluster

import (
	"strconv"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
)

// Status is a node's view of the site, for `server cluster status`, the
// health endpoints and the metrics.
type Status struct {
	ID string
	// Role is "leader", "follower", "candidate" or "shutdown".
	Role string
	// Ready is true on a leader that has applied everything before its
	// term and takes writes (Leadership said true).
	Ready  bool
	Term   uint64
	Leader Peer // zero if no leader is known
	// CommitIndex is the last entry this node knows committed; Applied
	// the last one applied to its replica and member table.
	CommitIndex   uint64
	AppliedIndex  uint64
	LastIndex     uint64
	SnapshotIndex uint64
	// LastContact is how long ago a follower last heard from the leader:
	// 0 on the leader, -1 if never.
	LastContact time.Duration
	// Elections counts the times this node stood for election since it
	// started; LeaderChanges the leaders it has seen take office.
	Elections     uint64
	LeaderChanges uint64
	Peers         []PeerStatus
	// Err says why the node stopped applying the log, if it did.
	Err string
}

// PeerStatus is one server of the Raft configuration.
type PeerStatus struct {
	Peer
	Voter bool
}

// Status reports this node's role, indexes and peers.
func (n *Node) Status() Status {
	st := Status{
		ID:            n.cfg.ID,
		Role:          roleName(n.raft.State()),
		Ready:         n.ready.Load(),
		Term:          n.raft.CurrentTerm(),
		CommitIndex:   n.raft.CommitIndex(),
		AppliedIndex:  n.fsm.applied.Load(),
		LastIndex:     n.raft.LastIndex(),
		Elections:     n.elections.Load(),
		LeaderChanges: n.leaderChanges.Load(),
		LastContact:   n.lastContact(),
	}
	if err := n.Err(); err != nil {
		st.Err = err.Error()
	}
	if p, ok := n.Leader(); ok {
		st.Leader = p
	}
	if n.raft.State() == raft.Shutdown {
		return st // Stats would log a warning on every call
	}
	// Stats is raft's only way to tell the last snapshot; its values are
	// decimal strings.
	st.SnapshotIndex, _ = strconv.ParseUint(n.raft.Stats()["last_snapshot_index"], 10, 64)
	if fut := n.raft.GetConfiguration(); fut.Error() == nil {
		for _, s := range fut.Configuration().Servers {
			p, ok := n.peer(string(s.ID))
			if !ok {
				p = Peer{ID: string(s.ID), Raft: string(s.Address)}
			}
			st.Peers = append(st.Peers, PeerStatus{Peer: p, Voter: s.Suffrage == raft.Voter})
		}
	}
	return st
}

func (n *Node) lastContact() time.Duration {
	if n.raft.State() == raft.Leader {
		return 0
	}
	t := n.raft.LastContact()
	if t.IsZero() {
		return -1
	}
	return time.Since(t)
}

func roleName(s raft.RaftState) string {
	switch s {
	case raft.Leader:
		return "leader"
	case raft.Candidate:
		return "candidate"
	case raft.Follower:
		return "follower"
	default:
		return "shutdown"
	}
}

// Collector returns the node's Prometheus metrics: role, term, commit and
// applied index, replication lag (commit - applied, in entries), seconds
// since the leader was last heard, elections and leader changes. The serve
// wiring registers it.
func (n *Node) Collector() prometheus.Collector { return &collector{n: n} }

var (
	roleDesc = prometheus.NewDesc("pickpack_raft_role",
		"1 for this node's current Raft role (leader, follower, candidate, shutdown), 0 for the others.", []string{"role"}, nil)
	readyDesc = prometheus.NewDesc("pickpack_raft_ready",
		"1 while this node is the leader, caught up and taking writes.", nil, nil)
	termDesc = prometheus.NewDesc("pickpack_raft_term",
		"The current Raft term.", nil, nil)
	commitDesc = prometheus.NewDesc("pickpack_raft_commit_index",
		"The last log index this node knows committed.", nil, nil)
	appliedDesc = prometheus.NewDesc("pickpack_raft_applied_index",
		"The last log index applied to this node's replica.", nil, nil)
	lagDesc = prometheus.NewDesc("pickpack_raft_replication_lag_entries",
		"Committed entries not yet applied on this node (commit index - applied index).", nil, nil)
	contactDesc = prometheus.NewDesc("pickpack_raft_last_contact_seconds",
		"Seconds since this follower last heard from the leader; 0 on the leader, -1 if never.", nil, nil)
	electionsDesc = prometheus.NewDesc("pickpack_raft_elections_total",
		"Times this node stood for election since it started.", nil, nil)
	leaderChangesDesc = prometheus.NewDesc("pickpack_raft_leader_changes_total",
		"Leaders this node has seen take office since it started.", nil, nil)
)

type collector struct{ n *Node }

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{roleDesc, readyDesc, termDesc, commitDesc, appliedDesc, lagDesc, contactDesc, electionsDesc, leaderChangesDesc} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	n := c.n
	role := roleName(n.raft.State())
	for _, r := range []string{"leader", "follower", "candidate", "shutdown"} {
		v := 0.0
		if r == role {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(roleDesc, prometheus.GaugeValue, v, r)
	}
	ready := 0.0
	if n.ready.Load() {
		ready = 1
	}
	commit, applied := n.raft.CommitIndex(), n.fsm.applied.Load()
	lag := 0.0
	if commit > applied {
		lag = float64(commit - applied)
	}
	contact := n.lastContact()
	contactSec := contact.Seconds()
	if contact < 0 {
		contactSec = -1
	}
	ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, ready)
	ch <- prometheus.MustNewConstMetric(termDesc, prometheus.GaugeValue, float64(n.raft.CurrentTerm()))
	ch <- prometheus.MustNewConstMetric(commitDesc, prometheus.GaugeValue, float64(commit))
	ch <- prometheus.MustNewConstMetric(appliedDesc, prometheus.GaugeValue, float64(applied))
	ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, lag)
	ch <- prometheus.MustNewConstMetric(contactDesc, prometheus.GaugeValue, contactSec)
	ch <- prometheus.MustNewConstMetric(electionsDesc, prometheus.CounterValue, float64(n.elections.Load()))
	ch <- prometheus.MustNewConstMetric(leaderChangesDesc, prometheus.CounterValue, float64(n.leaderChanges.Load()))
}
