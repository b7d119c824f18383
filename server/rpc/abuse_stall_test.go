package rpc

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// sentBytes counts what the handler of each WatchFloor stream passed to
// gRPC: the messages and their 5-byte gRPC frames.
type sentBytes struct {
	mu      sync.Mutex
	total   int // of the one watch stream the test opens
	peak    int // the most total ever was
	largest int // the largest message
}

func (c *sentBytes) add(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += n + 5
	c.peak = max(c.peak, c.total)
	c.largest = max(c.largest, n)
}

type countingStream struct {
	grpc.ServerStream
	c *sentBytes
}

func (s countingStream) SendMsg(m any) error {
	n := 0
	if e, ok := m.(*encoded); ok {
		n = e.data.Len()
	} else {
		n = proto.Size(m.(proto.Message))
	}
	s.c.add(n)
	return s.ServerStream.SendMsg(m)
}

// A watcher that reads its first message and then nothing holds at most
// inFlight messages in the server, however many events happen: the
// server sends what the client's flow-control window takes, then waits.
// Before the limit, gRPC queued another 64 KiB of tiny messages per
// stalled stream. When the watcher reads again it gets the latest state
// of every order.
func TestAbuseStalledWatcherIsBounded(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	// Four thousand open orders: the picture alone is three times the
	// window.
	const orders = 4000
	csv := strings.Builder{}
	csv.WriteString("order_id,sku,quantity,recipient_name,country\n")
	for i := range orders {
		fmt.Fprintf(&csv, "O%04d,S1,1,Ann,DE\n", i)
	}
	if _, err := pb.NewOrderServiceClient(e.conn).ImportOrders(e.as(floor.RoleAdmin),
		&pb.ImportOrdersRequest{Data: []byte(csv.String()), Format: pb.ImportFormat_IMPORT_FORMAT_CSV}); err != nil {
		t.Fatal(err)
	}
	if err := e.hub.Tick(); err != nil {
		t.Fatal(err)
	}

	c := &sentBytes{}
	// A fixed window (gRPC's smallest): the client's transport takes 64 KiB
	// of the stream beyond what it read, no more.
	const window = 64 << 10
	full := make(chan struct{}) // closed when the server waits with the window full
	var once sync.Once
	api := New(e.store, e.hub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.watchStalled = func() {
		c.mu.Lock()
		total := c.total
		c.mu.Unlock()
		if total >= window {
			once.Do(func() { close(full) })
		}
	}
	opts := append(api.ServerOptions(), grpc.ChainStreamInterceptor(
		func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
			return next(srv, countingStream{ss, c})
		}))
	g := grpc.NewServer(opts...)
	api.Register(g)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithInitialWindowSize(window), grpc.WithInitialConnWindowSize(window))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx := guard(t, e.as(floor.RoleSupervisor))
	st, err := pb.NewFloorServiceClient(conn).WatchFloor(ctx, &pb.WatchFloorRequest{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := st.Recv()
	if err != nil {
		t.Fatal(err)
	}

	select {
	case <-full:
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Fatalf("the server never waited for the reader with the window full: %d bytes sent", c.total)
	}
	// Every minute moves each queued order's predicted handoff: twenty
	// minutes are 80,000 new states, which change nothing for the stalled
	// watcher.
	for range 20 {
		e.clock.t = e.clock.t.Add(time.Minute)
		if err := e.hub.Tick(); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	peak, largest := c.peak, c.largest
	c.mu.Unlock()
	// What the reader took (its first message and the window) and at most
	// inFlight messages waiting in the server.
	if bound := window + (1+inFlight)*(largest+5); peak > bound {
		t.Errorf("a stalled watcher was sent %d bytes, want at most %d (window %d, %d in flight of at most %d bytes)",
			peak, bound, window, inFlight, largest+5)
	}

	// Reading again, the watcher gets every order's latest state: that of
	// a new watcher's picture.
	want := map[string]*pb.OrderClock{}
	fresh, err := pb.NewFloorServiceClient(e.conn).WatchFloor(ctx, &pb.WatchFloorRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := fresh.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetSnapshotDone() != nil {
			break
		}
		if o := ev.GetOrder(); o != nil {
			want[o.GetOrderId()] = o
		}
	}
	if len(want) != orders {
		t.Fatalf("a new watcher's picture has %d orders, want %d", len(want), orders)
	}
	got := map[string]*pb.OrderClock{}
	same := func() bool {
		for id, o := range want {
			if !proto.Equal(got[id], o) {
				return false
			}
		}
		return true
	}
	for ev := first; ; {
		if o := ev.GetOrder(); o != nil {
			got[o.GetOrderId()] = o
		}
		if same() {
			break
		}
		if ev, err = st.Recv(); err != nil {
			t.Fatalf("the resumed watcher: %v, with %d of %d orders at their latest state", err, len(got), orders)
		}
	}
}
