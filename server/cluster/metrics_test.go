package cluster

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The collector reports the leader as leader, caught up, with no lag.
func TestCollector(t *testing.T) {
	c := newCluster(t, 3, steadyTune)
	l := c.leader()
	s := openStore(t, l)
	defer s.Close()
	write(t, s, "u", 2)
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(l.Collector()); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP pickpack_raft_ready 1 while this node is the leader, caught up and taking writes.
# TYPE pickpack_raft_ready gauge
pickpack_raft_ready 1
# HELP pickpack_raft_replication_lag_entries Committed entries not yet applied on this node (commit index - applied index).
# TYPE pickpack_raft_replication_lag_entries gauge
pickpack_raft_replication_lag_entries 0
# HELP pickpack_raft_last_contact_seconds Seconds since this follower last heard from the leader; 0 on the leader, -1 if never.
# TYPE pickpack_raft_last_contact_seconds gauge
pickpack_raft_last_contact_seconds 0
# HELP pickpack_raft_role 1 for this node's current Raft role (leader, follower, candidate, shutdown), 0 for the others.
# TYPE pickpack_raft_role gauge
pickpack_raft_role{role="candidate"} 0
pickpack_raft_role{role="follower"} 0
pickpack_raft_role{role="leader"} 1
pickpack_raft_role{role="shutdown"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"pickpack_raft_ready", "pickpack_raft_replication_lag_entries", "pickpack_raft_last_contact_seconds", "pickpack_raft_role"); err != nil {
		t.Error(err)
	}
	n, err := testutil.GatherAndCount(reg)
	if err != nil {
		t.Fatal(err)
	}
	if n != 12 {
		t.Errorf("%d series, want 12", n)
	}
}
