package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/pickpack/pickpack/server/cluster"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// nodeConfig is a cluster node's part of serve's flags.
type nodeConfig struct {
	self  cluster.Peer
	peers []cluster.Peer
	join  bool
	data  dataFlags
	stack stackConfig
	// raftTLS, if set, carries Raft over mutual TLS; serveTLS and dialTLS
	// are the follower's forwarding (see forwarder). The leader's stack
	// serves TLS from stack.tlsCert.
	raftTLS, serveTLS, dialTLS *tls.Config
}

// serveNode runs one node of a site: Raft over its replica, and on its
// two ports either the whole serving stack (while it leads) or a
// forwarder to the leader (while it follows), until ctx ends.
func serveNode(ctx context.Context, c nodeConfig) (err error) {
	log := c.stack.log
	node, err := cluster.Start(cluster.Config{ID: c.self.ID, Dir: c.data.dir, Peers: c.peers, Join: c.join, Log: log, TLS: c.raftTLS})
	if err != nil {
		return err
	}
	defer func() {
		if serr := node.Shutdown(); serr != nil && err == nil {
			err = serr
		}
	}()
	gport, err := listenPort(c.self.GRPC)
	if err != nil {
		return err
	}
	defer gport.Close()
	var hport *port
	if c.self.HTTP != "" {
		if hport, err = listenPort(c.self.HTTP); err != nil {
			return err
		}
		defer hport.Close()
	}
	turns := func() (net.Listener, net.Listener) {
		if hport == nil {
			return gport.turn(), nil
		}
		return gport.turn(), hport.turn()
	}
	healthz := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(nodeHealth(node.Status()))
	})
	fwd := &forwarder{self: c.self.ID, healthz: healthz, log: log, serverTLS: c.serveTLS, clientTLS: c.dialTLS, leader: func() (upstream, bool) {
		p, ok := node.Leader()
		return upstream{id: p.ID, grpc: p.GRPC, http: p.HTTP}, ok
	}}

	// The leader's stack: the single server's, plus the cluster's metrics,
	// its health, /healthz and the membership routes.
	sc := c.stack
	sc.retainDays = 0
	sc.collectors = append(sc.collectors, node.Collector())
	sc.health = func(hs *health.Server) {
		hs.SetServingStatus(leaderHealthService, healthpb.HealthCheckResponse_SERVING)
	}
	sc.cluster = clusterAdmin{node}
	sc.wrapHTTP = func(site http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("GET /healthz", healthz)
		mux.Handle("/", site)
		return mux
	}
	opts := c.data.options(floor.SystemClock{})
	opts.Replicator = node

	// One server at a time on the ports: stop ends it and waits.
	var (
		cancel context.CancelFunc
		done   chan error
		st     *store.Store
	)
	var lost atomic.Bool // the stack is stopping because leadership was lost
	sc.drain = func() time.Duration {
		if lost.Load() {
			return 0 // its writes cannot commit any more: clients move on now
		}
		return drainTimeout
	}
	follow := func() {
		var fctx context.Context
		fctx, cancel = context.WithCancel(ctx)
		done = make(chan error, 1)
		g, h := turns()
		go func() { done <- fwd.serve(fctx, g, h) }()
		log.Info("following: the ports forward to the leader", "node", c.self.ID)
	}
	lead := func() error {
		s, err := store.OpenOn(node.Replica(), opts)
		if err != nil {
			return err
		}
		st = s
		lost.Store(false)
		// Not ctx's child: on a signal the leader hands over first, and
		// only then stops its stack.
		var sctx context.Context
		sctx, cancel = context.WithCancel(context.WithoutCancel(ctx))
		done = make(chan error, 1)
		g, h := turns()
		go func() { done <- serveStack(sctx, s, sc, g, h) }()
		log.Info("leading: serving the site", "node", c.self.ID)
		return nil
	}
	stop := func() error {
		cancel()
		err := <-done
		if st != nil {
			if cerr := st.Close(); cerr != nil && err == nil {
				err = cerr
			}
			st = nil
		}
		return err
	}
	if c.stack.retainDays > 0 {
		log.Info("retention is off in cluster mode: the history stays in the data file (archiving is not replicated)")
	}
	fmt.Fprintf(c.stack.stdout, "pickpack node %s: gRPC on %s, HTTP on %s, Raft on %s\n", c.self.ID, gport.Addr(), c.self.HTTP, c.self.Raft)
	follow()
	for {
		select {
		case leads, ok := <-node.Leadership():
			if !ok {
				stop()
				return fmt.Errorf("cluster node %s stopped: %v", c.self.ID, node.Err())
			}
			lost.Store(!leads)
			if err := stop(); err != nil {
				log.Warn("stopping the ports' server", "err", err)
			}
			if !leads {
				follow()
				continue
			}
			if err := lead(); err != nil {
				// A leader without its stack: the others' forwarders
				// reach it and get Unavailable until it loses office or
				// Leadership says true again.
				log.Error("leader cannot open its store; forwarding instead", "err", err)
				follow()
			}
		case err := <-done:
			// The server on the ports failed (not stopped): the node
			// cannot serve its clients.
			cancel()
			if st != nil {
				st.Close()
			}
			if err == nil {
				err = errors.New("the ports' server stopped")
			}
			return err
		case <-ctx.Done():
			if st != nil {
				// A planned stop: a follower takes over in one round trip
				// instead of an election timeout, and the calls here end
				// at once since their writes cannot commit any more.
				if err := node.Handoff(); err != nil {
					log.Warn("could not hand leadership over; the others elect a leader", "err", err)
				} else {
					lost.Store(true)
					log.Info("leadership handed over")
				}
			}
			return stop()
		}
	}
}

// healthView is /healthz: which role this node has and whom it follows.
type healthView struct {
	Node        string `json:"node"`
	Role        string `json:"role"`
	Ready       bool   `json:"ready"`
	Term        uint64 `json:"term"`
	Leader      string `json:"leader,omitempty"`
	LeaderGRPC  string `json:"leader_grpc,omitempty"`
	LeaderHTTP  string `json:"leader_http,omitempty"`
	Commit      uint64 `json:"commit_index"`
	Applied     uint64 `json:"applied_index"`
	Lag         uint64 `json:"replication_lag"`
	LastContact string `json:"last_contact,omitempty"`
	Err         string `json:"error,omitempty"`
}

func nodeHealth(s cluster.Status) healthView {
	h := healthView{Node: s.ID, Role: s.Role, Ready: s.Ready, Term: s.Term, Leader: s.Leader.ID, LeaderGRPC: s.Leader.GRPC,
		LeaderHTTP: s.Leader.HTTP, Commit: s.CommitIndex, Applied: s.AppliedIndex, Err: s.Err}
	if s.CommitIndex > s.AppliedIndex {
		h.Lag = s.CommitIndex - s.AppliedIndex
	}
	if s.LastContact >= 0 && s.Role != "leader" {
		h.LastContact = s.LastContact.Round(time.Millisecond).String()
	}
	return h
}

// clusterAdmin is the membership routes' view of a node.
type clusterAdmin struct{ n *cluster.Node }

// ClusterStatus is the node's status.
func (a clusterAdmin) ClusterStatus() any {
	s := a.n.Status()
	type peer struct {
		cluster.Peer
		Voter bool `json:"voter"`
	}
	peers := make([]peer, len(s.Peers))
	for i, p := range s.Peers {
		peers[i] = peer{p.Peer, p.Voter}
	}
	return struct {
		healthView
		LastIndex     uint64 `json:"last_index"`
		SnapshotIndex uint64 `json:"snapshot_index"`
		Elections     uint64 `json:"elections"`
		LeaderChanges uint64 `json:"leader_changes"`
		Peers         []peer `json:"peers"`
	}{nodeHealth(s), s.LastIndex, s.SnapshotIndex, s.Elections, s.LeaderChanges, peers}
}

// Join adds a node.
func (a clusterAdmin) Join(id, raft, grpc, http string) error {
	return a.n.Join(cluster.Peer{ID: id, Raft: raft, GRPC: grpc, HTTP: http})
}

// Leave removes a node.
func (a clusterAdmin) Leave(id string) error { return a.n.Leave(id) }
