package rpc

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/feed"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// Through real gRPC with the metrics interceptors chained as serve.go
// does: a watcher that closes its stream and a scanner that ends its
// stream are no errors; a refused call is.
func TestMetricsClientCancelsApart(t *testing.T) {
	clock := &fixedClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(filepath.Join(t.TempDir(), "pickpack.db"), store.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := feed.NewHub(st, floor.DefaultFeedConfig, clock, log)
	if err := hub.Tick(); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	api := New(st, hub, log)
	g := grpc.NewServer(append(NewMetrics(reg).ServerOptions(), api.ServerOptions()...)...)
	api.Register(g)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	as := func(name string, role floor.Role) context.Context {
		tok, err := st.CreateToken(name, role)
		if err != nil {
			t.Fatal(err)
		}
		return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
	}
	sup, pick := as("sue", floor.RoleSupervisor), as("ann", floor.RolePicker)

	// The watcher takes the picture, then closes its page.
	ctx, cancel := context.WithCancel(sup)
	w, err := pb.NewFloorServiceClient(conn).WatchFloor(ctx, &pb.WatchFloorRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetSnapshotDone() != nil {
			break
		}
	}
	cancel()
	// The scanner ends its stream cleanly.
	s, err := pb.NewPickServiceClient(conn).Scan(pick)
	if err != nil {
		t.Fatal(err)
	}
	s.CloseSend()
	if _, err := s.Recv(); err != io.EOF {
		t.Fatalf("scan stream ended with %v, want EOF", err)
	}
	// No token: refused.
	pb.NewOrderServiceClient(conn).GetOrder(context.Background(), &pb.GetOrderRequest{Id: "O1"})
	// Every handler has returned, so every call is counted.
	g.GracefulStop()

	watch, scan, get := pb.FloorService_WatchFloor_FullMethodName, pb.PickService_Scan_FullMethodName, pb.OrderService_GetOrder_FullMethodName
	got := counters(t, reg, "pickpack_rpc_calls_total")
	want := map[string]float64{"code=OK,method=" + scan: 1, "code=Unauthenticated,method=" + get: 1}
	if len(got) != len(want) {
		t.Errorf("calls %v, want %v (the closed watch not among them)", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("pickpack_rpc_calls_total{%s} = %v, want %v", k, got[k], n)
		}
	}
	if got := counters(t, reg, "pickpack_rpc_client_cancels_total"); len(got) != 1 || got["method="+watch] != 1 {
		t.Errorf("client cancels %v, want WatchFloor once", got)
	}
	if got := counters(t, reg, "pickpack_rpc_client_cancel_duration_seconds"); got["method="+watch] != 1 {
		t.Errorf("client cancel durations %v, want WatchFloor once", got)
	}
}

// counters gathers a counter or histogram family as "name=value,..." of
// its labels (sorted by name, as gathered) -> value (a histogram's count).
func counters(t *testing.T, reg *prometheus.Registry, name string) map[string]float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var key []string
			for _, l := range m.GetLabel() {
				key = append(key, l.GetName()+"="+l.GetValue())
			}
			v := m.GetCounter().GetValue()
			if h := m.GetHistogram(); h != nil {
				v = float64(h.GetSampleCount())
			}
			out[strings.Join(key, ",")] = v
		}
	}
	return out
}
