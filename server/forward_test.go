package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/scanner-client/sim"
)

// switchable is a leader that a test sets and clears.
type switchable struct {
	mu sync.Mutex
	up upstream
	ok bool
}

func (s *switchable) set(up upstream, ok bool) {
	s.mu.Lock()
	s.up, s.ok = up, ok
	s.mu.Unlock()
}

func (s *switchable) get() (upstream, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.up, s.ok
}

// A follower's ports carry every kind of call to the leader: the Scan
// stream (bidirectional, many messages each way, answered in order with
// their trailers at the end), unary calls, and the Connect protocol over
// HTTP; health is its own. With no leader known both ports answer
// Unavailable, and they forward again once one is.
func TestFollowerForwardsToTheLeader(t *testing.T) {
	s := startServer(t, "--demo", "--demo-every", "0", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	lead := &switchable{}
	lead.set(upstream{id: "n1", grpc: s.addr, http: s.httpAddr}, true)
	f := &forwarder{leader: lead.get, self: "n2", log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		healthz: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, `{"role":"follower"}`) })}
	gp, err := listenPort("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer gp.Close()
	hp, err := listenPort("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hp.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.serve(ctx, gp.turn(), hp.turn()) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("forwarder: %v", err)
		}
	}()

	conn, err := grpc.NewClient(gp.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hc := healthpb.NewHealthClient(conn)
	for _, tc := range []struct {
		service string
		want    healthpb.HealthCheckResponse_ServingStatus
	}{
		{"", healthpb.HealthCheckResponse_SERVING},
		{leaderHealthService, healthpb.HealthCheckResponse_NOT_SERVING},
	} {
		resp, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{Service: tc.service})
		if err != nil || resp.GetStatus() != tc.want {
			t.Errorf("health of %q through the follower: got %v, %v; want %v", tc.service, resp.GetStatus(), err, tc.want)
		}
	}

	admin := s.tokens["admin"]
	if admin == "" {
		t.Fatalf("no admin token in the demo's printout: %v", s.tokens)
	}
	tokens, err := sim.CreateUsers(ctx, conn, admin, "fwd-", 2, pb.Role_ROLE_PICKER)
	if err != nil {
		t.Fatal(err)
	}
	sup, err := sim.NewSupplier(ctx, conn, admin, "FWD-", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Submit(ctx, 20); err != nil {
		t.Fatal(err)
	}
	cat := sim.NewCatalog(admin)
	const scans = 30
	stream := sim.New(sim.Config{Name: "hh0", Token: tokens[0], Rate: 500, WrongRate: 0.2, Seed: 1, Catalog: cat, MaxScans: scans})
	if err := stream.Run(ctx, conn); err != nil {
		t.Fatalf("Scan stream through the follower: %v", err)
	}
	browser := sim.New(sim.Config{Name: "br0", Token: tokens[1], Rate: 500, Seed: 2, Catalog: cat, MaxScans: scans, Unary: true})
	cc := sim.NewConnectConn("http://" + hp.Addr().String())
	defer cc.Close()
	if err := browser.Run(ctx, cc); err != nil {
		t.Fatalf("ScanOne over Connect through the follower: %v", err)
	}
	direct, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	for _, d := range []*sim.Device{stream, browser} {
		res := d.Results()
		if got := d.Stats().Verdicts; got != scans || len(res) != scans {
			t.Fatalf("%s: got %d verdicts, want %d", d.Name(), got, scans)
		}
		for i, r := range res {
			if want := fmt.Sprintf("%s-%d", d.Name(), i+1); r.ScanID != want || r.Verdict == pb.Verdict_VERDICT_UNSPECIFIED {
				t.Fatalf("%s: answer %d is %q %v, want %q with a verdict", d.Name(), i, r.ScanID, r.Verdict, want)
			}
		}
	}

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + hp.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/healthz"); code != http.StatusOK || !strings.Contains(body, "follower") {
		t.Errorf("/healthz on the follower: got %d %q, want its own answer", code, body)
	}
	if code, body := get("/handheld/"); code != http.StatusOK || !strings.Contains(body, "<html") {
		t.Errorf("the handheld app through the follower: got %d %.80q", code, body)
	}

	lead.set(upstream{}, false)
	_, err = pb.NewPickServiceClient(conn).NextTask(bearer(tokens[0]), &pb.NextTaskRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("NextTask with no leader: got %v, want Unavailable", err)
	}
	st, err := pb.NewPickServiceClient(conn).Scan(bearer(tokens[0]))
	if err == nil {
		_, err = st.Recv()
	}
	if status.Code(err) != codes.Unavailable {
		t.Errorf("Scan stream with no leader: got %v, want Unavailable", err)
	}
	if code, _ := get("/handheld/"); code != http.StatusServiceUnavailable {
		t.Errorf("HTTP with no leader: got %d, want 503", code)
	}
	lead.set(upstream{id: "n2", grpc: gp.Addr().String(), http: hp.Addr().String()}, true)
	if _, err := pb.NewPickServiceClient(conn).NextTask(bearer(tokens[0]), &pb.NextTaskRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("NextTask while this node is the leader without its stack: got %v, want Unavailable (not a loop)", err)
	}

	lead.set(upstream{id: "n1", grpc: s.addr, http: s.httpAddr}, true)
	again := sim.New(sim.Config{Name: "hh0b", Token: tokens[0], Rate: 500, Seed: 3, Catalog: cat, MaxScans: 5})
	cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
	defer ccancel()
	if err := again.Run(cctx, conn); err != nil || again.Stats().Verdicts != 5 {
		t.Errorf("a leader known again: got %d verdicts, %v; want 5", again.Stats().Verdicts, err)
	}
}

// A leader that goes away in the middle of a stream forwarded by a
// follower ends that stream with Unavailable, which clients retry
// elsewhere, not with a reset that reads as Internal.
func TestFollowerEndsABrokenStreamUnavailable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	leader := grpc.NewServer()
	reflection.Register(leader)
	go leader.Serve(lis)
	defer leader.Stop()
	f := &forwarder{self: "n2", log: slog.New(slog.NewTextHandler(io.Discard, nil)), healthz: http.NotFoundHandler(),
		leader: func() (upstream, bool) { return upstream{id: "n1", grpc: lis.Addr().String()}, true }}
	gp, err := listenPort("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer gp.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.serve(ctx, gp.turn(), nil)
	conn, err := grpc.NewClient(gp.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	st, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ask := &reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}
	if err := st.Send(ask); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Recv(); err != nil {
		t.Fatalf("first answer through the follower: %v", err)
	}
	leader.Stop() // the leader's process dies: its connections close
	_, err = st.Recv()
	if status.Code(err) != codes.Unavailable {
		t.Errorf("the stream after the leader went away: got %v, want Unavailable", err)
	}
}
