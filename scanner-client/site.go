package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// site is a pickpack site's addresses, one connection each, used as one
// connection: calls go to the address in use, and a call that finds it
// unavailable (the node is down, or a follower that knows no leader)
// moves the site on to the next address, so the caller's retry reaches
// another node. Any node forwards to the leader, so any that is up will
// do. The link's and the load tool's retries re-send unanswered scans with
// their ids, which the leader answers once. Safe for concurrent use.
type site struct {
	addrs []string
	conns []*grpc.ClientConn
	cur   atomic.Int32
	// seeking is set while a search for the new leader runs after a
	// move; stop ends it when the site closes.
	seeking atomic.Bool
	stop    chan struct{}
}

// splitAddrs parses --addr: one address or several, comma-separated.
func splitAddrs(s string) ([]string, error) {
	var out []string
	for a := range strings.SplitSeq(s, ",") {
		if a = strings.TrimSpace(a); a == "" {
			return nil, fmt.Errorf("--addr %q: an empty address in the list", s)
		}
		out = append(out, a)
	}
	return out, nil
}

// dialSite makes a connection to each address with dialOne (connections
// are made lazily: an address is only contacted once it is in use).
func dialSite(addrs string, dialOne func(addr string) (*grpc.ClientConn, error)) (*site, error) {
	list, err := splitAddrs(addrs)
	if err != nil {
		return nil, err
	}
	s := &site{addrs: list, stop: make(chan struct{})}
	for _, a := range list {
		c, err := dialOne(a)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.conns = append(s.conns, c)
	}
	return s, nil
}

// Close closes every connection.
func (s *site) Close() error {
	close(s.stop)
	var errs []error
	for _, c := range s.conns {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Addr is the address in use.
func (s *site) Addr() string { return s.addrs[s.cur.Load()] }

// observe moves on from address i after err, if err says that this node
// cannot serve now; another caller may have moved on already.
func (s *site) observe(i int32, err error) {
	if len(s.conns) > 1 && status.Code(err) == codes.Unavailable && s.cur.CompareAndSwap(i, (i+1)%int32(len(s.conns))) {
		s.seekLeader()
	}
}

// seekLeader looks for the site's leader in the background after a move,
// a few times while an election may still run, so that calls go back to
// a leader instead of staying with a follower that forwards them. One
// search at a time.
func (s *site) seekLeader() {
	if !s.seeking.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.seeking.Store(false)
		for range 10 {
			select {
			case <-s.stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
			if s.leaderAt(context.Background()) >= 0 {
				return
			}
		}
	}()
}

// leaderHealthService is the gRPC health service a cluster node answers
// SERVING to while it leads (the server's name for it).
const leaderHealthService = "pickpack.leader"

// preferLeader asks every address, at once, whether it leads the site,
// and puts the leader's in use: calls then skip a follower's forwarding.
// With no leader answering in time (one server, or an election) the site
// stays as it is. It returns the address in use.
func (s *site) preferLeader(ctx context.Context) int {
	if len(s.conns) > 1 {
		s.leaderAt(ctx)
	}
	return int(s.cur.Load())
}

// leaderAt asks every address at once whether it leads and puts the
// first that does in use; it returns its index, or -1 if none answered
// that it leads within 2 s.
func (s *site) leaderAt(ctx context.Context) int {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	leads := make(chan int, len(s.conns))
	for i, c := range s.conns {
		go func() {
			r, err := healthpb.NewHealthClient(c).Check(ctx, &healthpb.HealthCheckRequest{Service: leaderHealthService})
			if err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				i = -1
			}
			leads <- i
		}()
	}
	for range s.conns {
		if i := <-leads; i >= 0 {
			s.cur.Store(int32(i))
			return i
		}
	}
	return -1
}

// Invoke makes a unary call on the address in use.
func (s *site) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	i := s.cur.Load()
	err := s.conns[i].Invoke(ctx, method, args, reply, opts...)
	s.observe(i, err)
	return err
}

// NewStream opens a stream on the address in use; the stream's errors
// move the site on as a call's do.
func (s *site) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	i := s.cur.Load()
	cs, err := s.conns[i].NewStream(ctx, desc, method, opts...)
	if err != nil {
		s.observe(i, err)
		return nil, err
	}
	return &siteStream{ClientStream: cs, site: s, i: i}, nil
}

// siteStream is a stream that tells its site how it ended.
type siteStream struct {
	grpc.ClientStream
	site *site
	i    int32
}

// RecvMsg receives the next message; the stream's error (Send only says
// io.EOF for it) may move the site on.
func (ss *siteStream) RecvMsg(m any) error {
	err := ss.ClientStream.RecvMsg(m)
	if err != nil && err != io.EOF {
		ss.site.observe(ss.i, err)
	}
	return err
}
