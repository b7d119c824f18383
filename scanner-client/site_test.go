package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/rpc"
)

// refusing is a node that answers every health call with one error, as a
// follower that knows no leader answers Unavailable.
type refusing struct {
	healthpb.UnimplementedHealthServer
	err error
}

func (r refusing) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	return nil, r.err
}

func (r refusing) Watch(*healthpb.HealthCheckRequest, grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	return r.err
}

// serving is a node that answers.
type serving struct {
	healthpb.UnimplementedHealthServer
}

func (serving) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func healthNode(t *testing.T, h healthpb.HealthServer) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	healthpb.RegisterHealthServer(g, h)
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	return lis.Addr().String()
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

// A site moves on to its next address when a call or a stream finds the
// one in use unavailable (down, or a node that cannot serve), and only
// then: an answer that another node would give alike keeps it where it is.
func TestSiteMovesOnWhenUnavailable(t *testing.T) {
	unavailable := healthNode(t, refusing{err: status.Error(codes.Unavailable, "no leader known")})
	notFound := healthNode(t, refusing{err: status.Error(codes.NotFound, "no such service")})
	up := healthNode(t, serving{})
	dead := deadAddr(t)
	check := func(s *site) error {
		_, err := healthpb.NewHealthClient(s).Check(context.Background(), &healthpb.HealthCheckRequest{})
		return err
	}
	watch := func(s *site) error {
		st, err := healthpb.NewHealthClient(s).Watch(context.Background(), &healthpb.HealthCheckRequest{})
		if err == nil {
			_, err = st.Recv()
		}
		return err
	}
	for _, tc := range []struct {
		name    string
		addrs   string
		start   int // address in use before the call
		call    func(*site) error
		code    codes.Code // of the call
		wantCur int        // address in use after it
	}{
		{"a follower without a leader, unary", unavailable + "," + up, 0, check, codes.Unavailable, 1},
		{"a follower without a leader, stream", unavailable + "," + up, 0, watch, codes.Unavailable, 1},
		{"a node that is down", dead + "," + up, 0, check, codes.Unavailable, 1},
		{"the last address wraps to the first", up + "," + dead, 1, check, codes.Unavailable, 0},
		{"a refusal another node would repeat", notFound + "," + up, 0, check, codes.NotFound, 0},
		{"one address", unavailable, 0, check, codes.Unavailable, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := dialSite(tc.addrs, func(addr string) (*grpc.ClientConn, error) {
				return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.cur.Store(int32(tc.start))
			if got := status.Code(tc.call(s)); got != tc.code {
				t.Errorf("the call: got %v, want %v", got, tc.code)
			}
			if got := int(s.cur.Load()); got != tc.wantCur {
				t.Fatalf("address in use after it: got %d (%s), want %d", got, s.Addr(), tc.wantCur)
			}
			if tc.wantCur != tc.start {
				if err := check(s); err != nil {
					t.Errorf("the call after moving on: %v", err)
				}
			}
		})
	}
}

func TestSplitAddrs(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"a:1", []string{"a:1"}, false},
		{"a:1, b:2 ,c:3", []string{"a:1", "b:2", "c:3"}, false},
		{"a:1,,b:2", nil, true},
		{"", nil, true},
		{"a:1,", nil, true},
	} {
		got, err := splitAddrs(tc.in)
		if (err != nil) != tc.wantErr || len(got) != len(tc.want) {
			t.Errorf("splitAddrs(%q) = %q, %v; want %q (error: %v)", tc.in, got, err, tc.want, tc.wantErr)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("splitAddrs(%q)[%d] = %q, want %q", tc.in, i, got[i], tc.want[i])
			}
		}
	}
}

// The terminal client given a site's two addresses carries on at the
// second when the first goes down for good: the scans typed meanwhile are
// sent there with their ids and applied once.
func TestClientMovesToTheNextAddress(t *testing.T) {
	s := newServer(t)
	s.load()
	// A second node over the same data: what a follower forwarding to the
	// leader looks like to the client.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := rpc.New(s.st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	g2 := grpc.NewServer(append(api.ServerOptions(), grpc.WaitForHandlers(true))...)
	api.Register(g2)
	go g2.Serve(lis)
	t.Cleanup(g2.Stop) // before the server's own cleanup checks the store

	dir := t.TempDir()
	args := clientArgs(ModePick, s, floor.RolePicker, dir)
	for i, a := range args {
		if a == "--addr" {
			args[i+1] = s.addr + "," + lis.Addr().String()
		}
	}
	p := startClient(t, args...)
	p.waitFor("next: scan an empty tote")
	p.expectLine("TOTE-1", "[OK] TOTE-1")
	p.expectLine("A-01-001-1", "[OK] A-01-001-1")

	s.stop() // the first node is gone and stays gone
	p.typeLine(eanS1)
	p.typeLine("*2")
	// Offline for a moment or not, both are answered from the second node.
	p.waitFor("[OK] " + eanS1)
	p.line("[LINE DONE] quantity 2: S1 done")
	if l := s.level("A-01-001-1", "S1"); l.OnHand != 1 || l.Reserved != 0 {
		t.Errorf("S1 after the move: %+v, want 3 taken once", l)
	}
	p.expectLine("A-03-009-1", "[OK] A-03-009-1")
	p.expectLine(eanS2, "[TASK DONE]")
	p.typeLine("q")
	if err := p.end(); err != nil {
		t.Fatal(err)
	}
}

// A site starts at the node whose health says it leads, so a handheld's
// calls skip a follower's forwarding; without a leader it stays put.
func TestSitePrefersTheLeader(t *testing.T) {
	node := func(leads bool) string {
		hs := health.NewServer()
		st := healthpb.HealthCheckResponse_NOT_SERVING
		if leads {
			st = healthpb.HealthCheckResponse_SERVING
		}
		hs.SetServingStatus(leaderHealthService, st)
		return healthNode(t, hs)
	}
	follower, leader, single := node(false), node(true), healthNode(t, health.NewServer()) // single: one server, no leader service
	for _, tc := range []struct {
		name  string
		addrs string
		want  int
	}{
		{"the leader second", follower + "," + leader, 1},
		{"the leader third, a dead node first", deadAddr(t) + "," + follower + "," + leader, 2},
		{"no node leads", follower + "," + single, 0},
		{"one address", follower, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := dialSite(tc.addrs, func(addr string) (*grpc.ClientConn, error) {
				return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := s.preferLeader(context.Background()); got != tc.want || int(s.cur.Load()) != tc.want {
				t.Errorf("got address %d (in use %d), want %d", got, s.cur.Load(), tc.want)
			}
		})
	}
}

// After moving on from a node that went away, the site looks for the new
// leader and goes there, rather than staying with the next node, which
// would forward every call.
func TestSiteFindsTheNewLeaderAfterAMove(t *testing.T) {
	node := func(leads bool) string {
		hs := health.NewServer()
		st := healthpb.HealthCheckResponse_NOT_SERVING
		if leads {
			st = healthpb.HealthCheckResponse_SERVING
		}
		hs.SetServingStatus(leaderHealthService, st)
		return healthNode(t, hs)
	}
	s, err := dialSite(deadAddr(t)+","+node(false)+","+node(true), func(addr string) (*grpc.ClientConn, error) {
		return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = healthpb.NewHealthClient(s).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("a call to the dead node: got %v, want Unavailable", err)
	}
	deadline := time.Now().Add(10 * time.Second) // a guard: the search takes about 0.3 s
	for s.cur.Load() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("address in use %d (%s), want the leader's (2)", s.cur.Load(), s.Addr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
