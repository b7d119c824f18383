package main

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/pickpack/pickpack/internal/testcert"
	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/scanner-client/sim"
)

// A follower of a site with certificates serves TLS on both ports and
// forwards over TLS to a leader serving TLS: a Scan stream and a Connect
// unary call get their answers through it, a client in clear gets
// nothing, and a follower that does not trust the leader's certificate
// forwards nothing (Unavailable).
func TestFollowerForwardsOverTLS(t *testing.T) {
	dir := t.TempDir()
	site, other := testcert.NewCA(t, dir, "site"), testcert.NewCA(t, dir, "other")
	lcert, lkey := site.Issue(t, "n1")
	s := startServer(t, "--demo", "--demo-every", "0", "--data", t.TempDir(), "--addr", "127.0.0.1:0",
		"--tls-cert", lcert, "--tls-key", lkey)
	fcert, fkey := site.Issue(t, "n2")
	_, serveTLS, dialTLS, err := nodeTLS(fcert, fkey, site.File)
	if err != nil {
		t.Fatal(err)
	}
	lead := &switchable{}
	lead.set(upstream{id: "n1", grpc: s.addr, http: s.httpAddr}, true)
	f := &forwarder{leader: lead.get, self: "n2", log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		serverTLS: serveTLS, clientTLS: dialTLS,
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
	// run serves the ports with f until the returned stop.
	run := func() (stop func()) {
		fctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- f.serve(fctx, gp.turn(), hp.turn()) }()
		return func() {
			cancel()
			if err := <-served; err != nil {
				t.Errorf("forwarder: %v", err)
			}
		}
	}
	stop := run()
	defer func() { stop() }()
	ctx := context.Background()

	clientTLS := &tls.Config{RootCAs: site.Pool, MinVersion: tls.VersionTLS12}
	conn, err := grpc.NewClient(gp.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(clientTLS)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	admin := s.tokens["admin"]
	tokens, err := sim.CreateUsers(ctx, conn, admin, "tls-", 2, pb.Role_ROLE_PICKER)
	if err != nil {
		t.Fatalf("a unary call through the TLS follower: %v", err)
	}
	sup, err := sim.NewSupplier(ctx, conn, admin, "TLS-", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Submit(ctx, 20); err != nil {
		t.Fatal(err)
	}
	const scans = 20
	stream := sim.New(sim.Config{Name: "hh0", Token: tokens[0], Rate: 500, WrongRate: 0.2, Seed: 1, Catalog: sim.NewCatalog(admin), MaxScans: scans})
	if err := stream.Run(ctx, conn); err != nil {
		t.Fatalf("Scan stream through the TLS follower: %v", err)
	}
	if got := stream.Stats().Verdicts; got != scans {
		t.Errorf("Scan stream through the TLS follower: got %d verdicts, want %d", got, scans)
	}

	// The Connect protocol (a browser's unary call) on the HTTP port.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+hp.Addr().String()+pb.PickService_NextTask_FullMethodName, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Connect-Protocol-Version", "1")
	req.Header.Set("Authorization", "Bearer "+tokens[1])
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("Connect NextTask through the TLS follower: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var next pb.NextTaskResponse
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Connect NextTask through the TLS follower: %d %s", resp.StatusCode, body)
	}
	if err := protojson.Unmarshal(body, &next); err != nil || next.GetTask().GetId() == "" {
		t.Errorf("Connect NextTask through the TLS follower: %s (%v), want a task", body, err)
	}

	// A client in clear reaches nothing on either port.
	plain, err := grpc.NewClient(gp.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := healthpb.NewHealthClient(plain).Check(ctx, &healthpb.HealthCheckRequest{}); err == nil {
		t.Error("a gRPC client in clear got an answer from the TLS follower")
	}
	if resp, err := http.Get("http://" + hp.Addr().String() + "/healthz"); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("an HTTP client in clear got /healthz from the TLS follower: %s", body)
		}
	}

	// A follower that trusts another CA refuses the leader's certificate.
	f.clientTLS = &tls.Config{RootCAs: other.Pool, MinVersion: tls.VersionTLS12}
	stop()
	stop = run()
	again, err := grpc.NewClient(gp.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(clientTLS)))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	_, err = pb.NewPickServiceClient(again).NextTask(bearer(tokens[1]), &pb.NextTaskRequest{})
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("NextTask through a follower that does not trust the leader: got %v, want Unavailable about the certificate", err)
	}
}
