package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/store"
)

// server is a Run in the background with its stdout read line by line.
type server struct {
	addr     string
	httpAddr string
	tokens   map[string]string // role -> token, from the demo's printout
	lines    chan string
	done     chan error
	stop     context.CancelFunc
}

// startServer runs Run(args) until the test ends and waits until it serves.
func startServer(t testing.TB, args ...string) *server {
	t.Helper()
	if !slices.Contains(args, "--http-addr") && (len(args) == 0 || args[0] != "token") {
		args = append(args, "--http-addr", "127.0.0.1:0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	s := &server{tokens: map[string]string{}, lines: make(chan string, 100), done: make(chan error, 1), stop: cancel}
	go func() {
		s.done <- Run(ctx, args, w, io.Discard)
		w.Close()
	}()
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	for line := range s.lines {
		if f := strings.Fields(line); len(f) == 3 && strings.HasPrefix(f[2], "pp_") {
			s.tokens[f[0]] = f[2]
		}
		if addr, ok := strings.CutPrefix(line, "pickpack serving HTTP on "); ok {
			s.httpAddr = addr
		}
		if addr, ok := strings.CutPrefix(line, "pickpack serving gRPC on "); ok {
			s.addr = addr // printed last
			break
		}
	}
	if s.addr == "" {
		t.Fatalf("server did not start: %v", <-s.done)
	}
	go func() {
		for range s.lines { // keep the pipe flowing
		}
	}()
	t.Cleanup(func() { s.shutdown(t) })
	return s
}

func (s *server) shutdown(t testing.TB) {
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	if err := <-s.done; err != nil {
		t.Errorf("Run returned %v after shutdown", err)
	}
}

func (s *server) dial(t testing.TB) *grpc.ClientConn {
	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func bearer(token string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
}

func TestDemoServerServesAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--addr", "127.0.0.1:0", "--data", dir, "--demo", "--demo-every", "0"}
	s := startServer(t, args...)
	for _, role := range []string{"picker", "packer", "supervisor", "admin", "receiver", "counter"} {
		if s.tokens[role] == "" {
			t.Errorf("no demo token printed for %s", role)
		}
	}
	conn := s.dial(t)
	ctx := context.Background()
	po, err := pb.NewInventoryServiceClient(conn).GetDelivery(bearer(s.tokens["receiver"]), &pb.GetDeliveryRequest{Id: "PO-DEMO-1"})
	if err != nil || len(po.GetDelivery().GetLines()) != 3 {
		t.Errorf("demo purchase order: %v, %v", po, err)
	}

	h, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health: %v, %v", h, err)
	}

	rc, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}})
	resp, err := rc.Recv()
	if err != nil {
		t.Fatal(err)
	}
	rc.CloseSend() // an open stream would hold up the graceful shutdown below
	var services []string
	for _, svc := range resp.GetListServicesResponse().GetService() {
		services = append(services, svc.GetName())
	}
	for _, want := range []string{"pickpack.v1.WarehouseService", "pickpack.v1.OrderService", "pickpack.v1.PickService", "pickpack.v1.AuthService"} {
		if !strings.Contains(strings.Join(services, " "), want) {
			t.Errorf("reflection lists %v, missing %s", services, want)
		}
	}

	admin := bearer(s.tokens["admin"])
	bm, err := pb.NewWarehouseServiceClient(conn).GetBinMap(admin, &pb.GetBinMapRequest{})
	if err != nil || len(bm.GetBinMap().GetBins()) < 1000 || len(bm.GetBinMap().GetCrossAisles()) < 3 {
		t.Errorf("demo bin map: %d bins, %d cross aisles, %v", len(bm.GetBinMap().GetBins()), len(bm.GetBinMap().GetCrossAisles()), err)
	}
	list, err := pb.NewOrderServiceClient(conn).ListOrders(admin, &pb.ListOrdersRequest{})
	if err != nil || len(list.GetOrders()) != demoInitialOrders || list.GetOrders()[0].GetId() != "DEMO-0001" {
		t.Fatalf("demo orders: %d, %v", len(list.GetOrders()), err)
	}
	shipped := 0
	for _, o := range list.GetOrders() {
		if o.GetTrackingNumber() != "" {
			shipped++
		} else if o.GetShippingProblem() == "" {
			t.Errorf("%s has neither a tracking number nor a shipping problem", o.GetId())
		}
	}
	if shipped < len(list.GetOrders())*9/10 {
		t.Errorf("only %d of %d demo orders got a carrier", shipped, len(list.GetOrders()))
	}
	task, err := pb.NewPickServiceClient(conn).NextTask(bearer(s.tokens["picker"]), &pb.NextTaskRequest{})
	if err != nil || task.GetTask().GetOrders()[0].GetOrderId() != "DEMO-0001" {
		t.Fatalf("demo picker's first task: %v, %v", task, err)
	}
	if r := task.GetTask(); r.GetStrategy() != pb.RouteStrategy_ROUTE_STRATEGY_SHORTEST || r.GetMeters() <= 0 || r.GetPredictedPickedAt() == nil {
		t.Errorf("demo task's route: %v, %v m, back at %v", r.GetStrategy(), r.GetMeters(), r.GetPredictedPickedAt())
	}
	s.shutdown(t)

	// Same data directory: everything is still there, nothing doubled, and
	// the old tokens still work.
	s2 := startServer(t, args...)
	conn2 := s2.dial(t)
	o, err := pb.NewOrderServiceClient(conn2).GetOrder(admin, &pb.GetOrderRequest{Id: "DEMO-0001"})
	if err != nil || o.GetOrder().GetState() != pb.OrderState_ORDER_STATE_ASSIGNED {
		t.Errorf("DEMO-0001 after restart: %v, %v", o, err)
	}
	// The restart tops the queue up to its size again with new ids.
	list, _ = pb.NewOrderServiceClient(conn2).ListOrders(admin, &pb.ListOrdersRequest{States: []pb.OrderState{pb.OrderState_ORDER_STATE_QUEUED}})
	wantLast := fmt.Sprintf("DEMO-%04d", demoInitialOrders+len(task.GetTask().GetOrders()))
	if n := len(list.GetOrders()); n != demoInitialOrders || list.GetOrders()[n-1].GetId() != wantLast {
		t.Errorf("queued after restart: %d orders, last %s; want %d, last %s", n, list.GetOrders()[n-1].GetId(), demoInitialOrders, wantLast)
	}
}

func TestTokenCommandBootstrapsAnAdmin(t *testing.T) {
	dir := t.TempDir()
	var out strings.Builder
	if err := Run(context.Background(), []string{"token", "create", "--data", dir, "--user", "root", "--role", "admin"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	if !strings.HasPrefix(token, "pp_") {
		t.Fatalf("token = %q", token)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "pickpack.db"))
	if strings.Contains(string(raw), token) {
		t.Error("the data file holds the token in clear")
	}
	s := startServer(t, "--addr", "127.0.0.1:0", "--data", dir)
	users, err := pb.NewAuthServiceClient(s.dial(t)).ListUsers(bearer(token), &pb.ListUsersRequest{})
	if err != nil || len(users.GetUsers()) != 1 || users.GetUsers()[0].GetName() != "root" {
		t.Errorf("ListUsers with the bootstrap token: %v, %v", users, err)
	}
	// While the server runs, the CLI is refused with a clear message.
	err = Run(context.Background(), []string{"token", "create", "--data", dir, "--user", "ann", "--role", "picker"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use by another running server") {
		t.Errorf("token create while serving: %v", err)
	}
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	var out strings.Builder
	err := Run(context.Background(), []string{"import", "binmap", "rpc/testdata/binmap.json", "--data", dir}, &out, io.Discard)
	if err != nil || !strings.Contains(out.String(), "7 bins (7 added") {
		t.Errorf("import binmap: %q, %v", out.String(), err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"warehouse":"X","depot":{"x":0,"y":5},"cross_aisles":[0,10],"aisles":[{"id":"01","x":0}],"bins":[{"code":"A-01-001-1","aisle":"02","y":1}]}`), 0o600)
	err = Run(context.Background(), []string{"import", "binmap", bad, "--data", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "depot") || !strings.Contains(err.Error(), "A-01-001-1") {
		t.Errorf("bad bin map: %v", err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "skus", "skus.xml", "--data", dir}, "skus.xml from its name"},
		{[]string{"import", "skus", "skus.csv", "--format", "xml", "--data", dir}, `--format "xml": want json or csv`},
	} {
		file := filepath.Join(t.TempDir(), filepath.Base(tt.args[2]))
		os.WriteFile(file, []byte("sku,name\nS1,one\n"), 0o600)
		tt.args[2] = file
		if err := Run(context.Background(), tt.args, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Run(%v) = %v, want an error with %q", tt.args, err, tt.want)
		}
	}
	st, err := store.Open(filepath.Join(dir, "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if m, err := st.BinMap(); err != nil || m.Warehouse != "EX" {
		t.Errorf("stored map after a rejected import: %v, %v", m, err)
	}
}

func TestServeRefusals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"plaintext off loopback", []string{"--addr", "0.0.0.0:0"}, "refusing plaintext"},
		{"half TLS", []string{"--tls-cert", "x.pem"}, "go together"},
		{"missing cert", []string{"--tls-cert", "x.pem", "--tls-key", "y.pem"}, "TLS"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"shift start not a time", []string{"--shifts", "06:00,2pm"}, `shifts[1]: "2pm" is not a time of day as HH:MM`},
		{"shift start twice", []string{"--shifts", "06:00,06:00"}, "shifts[1]: 06:00 is given twice"},
		{"unknown time zone", []string{"--tz", "Mars/Olympus_Mons"}, "--tz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{}, tt.args...)
			if tt.name != "unknown command" {
				args = append(args, "--data", t.TempDir())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := Run(ctx, args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run(%v) = %v, want an error with %q", args, err, tt.want)
			}
		})
	}
}

// The audit command checks a stopped server's data file: a sound file
// passes with its totals, a damaged one fails with the problem named, and a
// missing file is not created.
func TestAuditCommand(t *testing.T) {
	dir := t.TempDir()
	if err := Run(context.Background(), []string{"import", "binmap", "rpc/testdata/binmap.json", "--data", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := Run(context.Background(), []string{"audit", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatalf("audit of a sound file: %v\n%s", err, out.String())
	}
	for _, want := range []string{"file structure: ok", "stock: ok", "totals: on hand 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report %q lacks %q", out.String(), want)
		}
	}

	missing := t.TempDir()
	if err := Run(context.Background(), []string{"audit", "--data", missing}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no data file") {
		t.Errorf("audit of a missing file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(missing, "pickpack.db")); err == nil {
		t.Error("audit created a data file")
	}

	// Damage both meta pages (a disk that lost the file's first 8 KB): the
	// audit fails and says the file could not be opened.
	path := filepath.Join(dir, "pickpack.db")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2*4096; i++ {
		raw[i] ^= 0xA5
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = Run(context.Background(), []string{"audit", "--data", dir}, &out, io.Discard)
	if err == nil {
		t.Fatalf("audit of a damaged file passed:\n%s", out.String())
	}
	if !strings.Contains(err.Error(), "audit:") {
		t.Errorf("audit of a damaged file: %v", err)
	}
}
