package cluster

import (
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/pickpack/pickpack/internal/testcert"
)

// tlsTune gives each node of a test cluster a certificate from site's CA
// and Raft over mutual TLS; the nodes named in foreign get theirs from
// another CA instead (and trust both, so that only the site's nodes'
// checks can keep them out).
func tlsTune(t *testing.T, site, other *testcert.CA, foreign ...string) func(*Config) {
	return func(cfg *Config) {
		ca, caFile := site, site.File
		for _, id := range foreign {
			if id == cfg.ID {
				ca, caFile = other, testcert.Bundle(t, site, other)
			}
		}
		cert, key := ca.Issue(t, cfg.ID)
		c, err := MutualTLS(cert, key, caFile)
		if err != nil {
			t.Fatal(err)
		}
		cfg.TLS = c
	}
}

// Over mutual TLS, writes replicate to every node and a new leader takes
// over when the leader shuts down.
func TestTLSReplicateAndFailover(t *testing.T) {
	dir := t.TempDir()
	site := testcert.NewCA(t, dir, "site")
	c := newCluster(t, 3, tlsTune(t, site, nil))
	l := c.leader()
	s := openStore(t, l)
	before := write(t, s, "before", 10)
	c.converged(l)
	old := l.cfg.ID
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	c.stop(old)
	l2 := c.leader()
	s2 := openStore(t, l2)
	defer s2.Close()
	write(t, s2, "after", 5)
	for i, tok := range before {
		if _, err := s2.Authenticate(tok); err != nil {
			t.Errorf("token %d acknowledged by the old leader: %v", i, err)
		}
	}
	c.start(old, false)
	c.converged(l2)
}

// A node whose certificate comes from another CA cannot take part: the
// site's two others elect a leader and commit writes without it, it
// receives none of them and never learns a leader, and its Raft
// connections are refused. A client without a certificate is refused too.
func TestTLSForeignNodeCannotJoin(t *testing.T) {
	dir := t.TempDir()
	site, other := testcert.NewCA(t, dir, "site"), testcert.NewCA(t, dir, "other")
	c := newCluster(t, 3, tlsTune(t, site, other, "n3"))
	intruder := c.nodes["n3"]
	var l *Node
	poll(t, "a ready leader among the site's nodes", func() bool {
		for _, id := range []string{"n1", "n2"} {
			if n := c.nodes[id]; n.Status().Ready {
				l = n
				return true
			}
		}
		return false
	})
	s := openStore(t, l)
	defer s.Close()
	write(t, s, "site", 5)
	want := l.Status().AppliedIndex
	for _, id := range []string{"n1", "n2"} {
		n := c.nodes[id]
		poll(t, id+" applies index", func() bool { return n.Status().AppliedIndex >= want })
	}
	// The leader has tried to reach n3 with every entry since it took
	// office; had one got through n3 would have the first ones.
	if st := intruder.Status(); st.AppliedIndex != 0 || st.Leader != (Peer{}) || st.Ready {
		t.Errorf("the foreign node: applied %d, leader %+v, ready %v; want 0, none, false", st.AppliedIndex, st.Leader, st.Ready)
	}
	if err := intruder.Replicate([]byte("x")); !errors.Is(err, ErrNotLeader) {
		t.Errorf("Replicate on the foreign node: %v, want ErrNotLeader", err)
	}

	// Dialing the leader's Raft port directly: with the foreign
	// certificate, and with none, the leader ends the handshake.
	fcert, fkey := other.Issue(t, "rogue")
	pair, err := tls.LoadX509KeyPair(fcert, fkey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		certs []tls.Certificate
	}{{"foreign certificate", []tls.Certificate{pair}}, {"no certificate", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", l.self.Raft,
				&tls.Config{Certificates: tc.certs, RootCAs: site.Pool, MinVersion: tls.VersionTLS13})
			if err != nil {
				return // refused during the handshake
			}
			defer conn.Close()
			// In TLS 1.3 the server checks the client's certificate
			// after the client's side of the handshake: its refusal
			// comes as an alert on the first read.
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			conn.Write([]byte{0})
			_, err = conn.Read(make([]byte, 1))
			var ne net.Error
			switch {
			case err == nil:
				t.Errorf("the leader's Raft port answered a client with %s", tc.name)
			case errors.As(err, &ne) && ne.Timeout():
				t.Errorf("the leader's Raft port kept a client with %s waiting instead of refusing it: %v", tc.name, err)
			}
		})
	}
}
