package rpc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/session"
)

// serveWith serves e's store and hub on another loopback port with reg as
// the register of streams, and returns a connection to it.
func (e *env) serveWith(t *testing.T, reg *session.Registry) *grpc.ClientConn {
	t.Helper()
	api := New(e.store, e.hub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Streams = reg
	g := grpc.NewServer(api.ServerOptions()...)
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
	t.Cleanup(func() { conn.Close(); g.Stop() })
	return conn
}

// guard bounds a test's streams; it is a guard against a hang, not a wait.
func guard(t *testing.T, ctx context.Context) context.Context {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// reason is the ErrorInfo reason of a status error.
func reason(err error) string {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// endOf reads a stream until it ends and returns the error it ended with.
func endOf(recv func() error) error {
	for {
		if err := recv(); err != nil {
			return err
		}
	}
}

// scanStream is one of the scan streams as the tests drive it.
type scanStream struct {
	send func(*pb.Scan) error
	recv func() (*pb.ScanAnswer, error)
}

func openScan(t *testing.T, ctx context.Context, conn *grpc.ClientConn, method string) scanStream {
	t.Helper()
	var s scanStream
	var err error
	switch method {
	case "Scan":
		var st pb.PickService_ScanClient
		st, err = pb.NewPickServiceClient(conn).Scan(ctx)
		if err == nil {
			s = scanStream{func(sc *pb.Scan) error { return st.Send(&pb.ScanRequest{Scan: sc}) },
				func() (*pb.ScanAnswer, error) { r, err := st.Recv(); return r.GetAnswer(), err }}
		}
	case "Pack":
		var st pb.PackService_PackClient
		st, err = pb.NewPackServiceClient(conn).Pack(ctx)
		if err == nil {
			s = scanStream{func(sc *pb.Scan) error { return st.Send(&pb.PackRequest{Scan: sc}) },
				func() (*pb.ScanAnswer, error) { r, err := st.Recv(); return r.GetAnswer(), err }}
		}
	case "Handoff":
		var st pb.PackService_HandoffClient
		st, err = pb.NewPackServiceClient(conn).Handoff(ctx)
		if err == nil {
			s = scanStream{func(sc *pb.Scan) error { return st.Send(&pb.HandoffRequest{Scan: sc}) },
				func() (*pb.ScanAnswer, error) { r, err := st.Recv(); return r.GetAnswer(), err }}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every streaming RPC is in the register: none escapes the caps or a
// revocation.
func TestAbuseEveryStreamIsRegistered(t *testing.T) {
	for _, m := range methods(t) {
		if !m.IsStreamingClient() && !m.IsStreamingServer() {
			continue
		}
		if _, ok := streamKinds[fullName(m)]; !ok {
			t.Errorf("%s streams but is not in streamKinds", fullName(m))
		}
	}
}

// A revoked token ends the user's open streams at once, with
// Unauthenticated, and a scan sent after the revocation is not applied.
func TestAbuseRevokedTokenEndsStreams(t *testing.T) {
	tests := []struct {
		method string // Scan, Pack, Handoff: scan streams; WatchFloor
		role   floor.Role
		user   string
		kind   string // the scan log's kind
		before string // a code the stream answers before the revocation
	}{
		{"Scan", floor.RolePicker, "picker-1", "pick", "A-01-001-1"},
		{"Pack", floor.RolePacker, "packer-1", "pack", "O1"},
		{"Handoff", floor.RolePacker, "packer-1", "handoff", "O1"},
		{"WatchFloor", floor.RoleSupervisor, "supervisor-1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			e := newEnv(t)
			e.load(t)
			e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 1})
			if _, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{}); err != nil {
				t.Fatal(err)
			}
			if err := e.hub.Tick(); err != nil {
				t.Fatal(err)
			}
			ctx := guard(t, e.as(tt.role))
			var end func() error
			var late func() // sends a scan after the revocation
			if tt.method == "WatchFloor" {
				st, err := pb.NewFloorServiceClient(e.conn).WatchFloor(ctx, &pb.WatchFloorRequest{})
				if err != nil {
					t.Fatal(err)
				}
				for ev, err := st.Recv(); ev.GetSnapshotDone() == nil; ev, err = st.Recv() {
					if err != nil {
						t.Fatal(err)
					}
				}
				end = func() error { return endOf(func() error { _, err := st.Recv(); return err }) }
			} else {
				s := openScan(t, ctx, e.conn, tt.method)
				if err := s.send(&pb.Scan{ScanId: "before", Code: tt.before}); err != nil {
					t.Fatal(err)
				}
				if _, err := s.recv(); err != nil {
					t.Fatal(err)
				}
				if _, ok, _ := e.store.ScanAnswer(tt.kind, tt.user, "before"); !ok {
					t.Fatalf("the scan before the revocation is not stored")
				}
				late = func() { s.send(&pb.Scan{ScanId: "after", Code: tt.before}) } // may fail: the stream may be gone
				end = func() error { return endOf(func() error { _, err := s.recv(); return err }) }
			}

			if _, err := pb.NewAuthServiceClient(e.conn).RevokeToken(e.as(floor.RoleAdmin), &pb.RevokeTokenRequest{User: tt.user}); err != nil {
				t.Fatal(err)
			}
			if late != nil {
				late()
			}
			err := end()
			if status.Code(err) != codes.Unauthenticated || reason(err) != session.ReasonRevoked {
				t.Errorf("stream ended with %v (reason %q), want Unauthenticated %s", err, reason(err), session.ReasonRevoked)
			}
			if tt.kind != "" {
				if _, ok, _ := e.store.ScanAnswer(tt.kind, tt.user, "after"); ok {
					t.Errorf("the scan sent after the revocation was applied")
				}
			}
		})
	}
}

// The caps: a user past their cap ends their own oldest stream (a device
// reconnecting gets through); past the total, a stream is refused. Both
// answer ResourceExhausted with a reason.
func TestAbuseStreamCaps(t *testing.T) {
	tests := []struct {
		name  string
		kind  session.Kind
		limit session.Limit
		open  func(t *testing.T, ctx context.Context, conn *grpc.ClientConn) func() error // opens, returns its end
		roles []floor.Role                                                                // who opens, in order
		want  []string                                                                    // how each ends: "" alive, or the reason
	}{
		{name: "watchers per user", kind: session.KindWatch, limit: session.Limit{PerUser: 2, Total: 10}, open: openWatch,
			roles: []floor.Role{floor.RoleSupervisor, floor.RoleSupervisor, floor.RoleSupervisor},
			want:  []string{session.ReasonReplaced, "", ""}},
		{name: "watchers in all", kind: session.KindWatch, limit: session.Limit{PerUser: 2, Total: 2}, open: openWatch,
			roles: []floor.Role{floor.RoleSupervisor, floor.RoleSupervisor, floor.RoleAdmin},
			want:  []string{"", "", session.ReasonTooMany}},
		{name: "scan streams per user", kind: session.KindScan, limit: session.Limit{PerUser: 1, Total: 10}, open: openPick,
			roles: []floor.Role{floor.RolePicker, floor.RolePicker},
			want:  []string{session.ReasonReplaced, ""}},
		{name: "scan streams in all", kind: session.KindScan, limit: session.Limit{PerUser: 1, Total: 1}, open: openPick,
			roles: []floor.Role{floor.RolePicker, floor.RoleAdmin},
			want:  []string{"", session.ReasonTooMany}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.load(t)
			reg := session.New(e.store, map[session.Kind]session.Limit{tt.kind: tt.limit})
			conn := e.serveWith(t, reg)
			var ends []func() error
			for _, r := range tt.roles {
				ends = append(ends, tt.open(t, guard(t, e.as(r)), conn))
			}
			for i, end := range ends {
				if tt.want[i] == "" {
					continue
				}
				err := end()
				if status.Code(err) != codes.ResourceExhausted || reason(err) != tt.want[i] {
					t.Errorf("stream %d (%v) ended with %v (reason %q), want ResourceExhausted %s", i, tt.roles[i], err, reason(err), tt.want[i])
				}
			}
			alive := 0
			for _, w := range tt.want {
				if w == "" {
					alive++
				}
			}
			if got := reg.Count(tt.kind); got != alive {
				t.Errorf("%d streams registered, want %d", got, alive)
			}
		})
	}
}

// openWatch opens a WatchFloor stream, reads its picture and returns the
// stream's end.
func openWatch(t *testing.T, ctx context.Context, conn *grpc.ClientConn) func() error {
	t.Helper()
	st, err := pb.NewFloorServiceClient(conn).WatchFloor(ctx, &pb.WatchFloorRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := st.Recv()
		if err != nil {
			return func() error { return err } // refused
		}
		if ev.GetSnapshotDone() != nil {
			return func() error { return endOf(func() error { _, err := st.Recv(); return err }) }
		}
	}
}

// openPick opens a Scan stream, has one scan answered (so the stream is
// registered) and returns the stream's end.
func openPick(t *testing.T, ctx context.Context, conn *grpc.ClientConn) func() error {
	t.Helper()
	s := openScan(t, ctx, conn, "Scan")
	if err := s.send(&pb.Scan{ScanId: "s1", Code: "A-01-001-1"}); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if _, err := s.recv(); err != nil {
		return func() error { return err } // refused
	}
	return func() error { return endOf(func() error { _, err := s.recv(); return err }) }
}

// The scheme of the authorization value is matched in any case, with
// spaces around it; anything but "Bearer" and one token68 is refused.
func TestAbuseBearerScheme(t *testing.T) {
	e := newEnv(t)
	tok := e.tokens[floor.RoleAdmin]
	tests := []struct {
		value string
		want  codes.Code
	}{
		{"Bearer " + tok, codes.OK},
		{"bearer " + tok, codes.OK},
		{"BEARER " + tok, codes.OK},
		{"bEaReR " + tok, codes.OK},
		{"Bearer    " + tok, codes.OK},
		{"  Bearer " + tok + "  ", codes.OK},
		{"Bearer" + tok, codes.Unauthenticated},
		{"Basic " + tok, codes.Unauthenticated},
		{"Bearer", codes.Unauthenticated},
		{"Bearer ", codes.Unauthenticated},
		{"Bearer " + tok + " extra", codes.Unauthenticated},
		{"Bearer " + tok + "==", codes.Unauthenticated}, // a token68, not this one
		{"Bearer pp_a,b", codes.Unauthenticated},
		{"Bear " + tok, codes.Unauthenticated},
	}
	for _, tt := range tests {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", tt.value)
		_, err := pb.NewAuthServiceClient(e.conn).ListUsers(ctx, &pb.ListUsersRequest{})
		if got := status.Code(err); got != tt.want {
			t.Errorf("authorization %q: %v, want %v", tt.value, err, tt.want)
		}
	}
}

// The end of the feed reaches a watcher with its own status: a server
// stopping is Unavailable, not a silent end.
func TestAbuseWatcherEnds(t *testing.T) {
	tests := []struct {
		name string
		end  func(e *env)
		want codes.Code
	}{
		{"the server stops", func(e *env) { e.hub.Close() }, codes.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			end := openWatch(t, guard(t, e.as(floor.RoleSupervisor)), e.conn)
			tt.end(e)
			if err := end(); status.Code(err) != tt.want {
				t.Errorf("ended with %v, want %v", err, tt.want)
			}
		})
	}
}
