package web

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/rpc"
	"github.com/pickpack/pickpack/server/session"
)

// serveWith serves the HTTP side of e with reg as the register of
// streams, and the gRPC side over the same register (revocations are
// made there); it returns the HTTP base URL and the gRPC connection.
func (e *env) serveWith(t *testing.T, reg *session.Registry) (string, *grpc.ClientConn) {
	t.Helper()
	site := &Server{Auth: e.st, Log: e.log, Floor: e.hub, Data: e.st, Clock: e.clock, Heartbeat: time.Hour, Streams: reg}
	srv := httptest.NewServer(site.Handler())
	t.Cleanup(srv.Close)
	api := rpc.New(e.st, e.hub, e.log)
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
	return srv.URL, conn
}

// eventStream is an open /api/floor/events response.
type eventStream struct {
	resp *http.Response
	sc   *bufio.Scanner
}

// openEvents opens the event stream as the holder of token; a stream that
// answered 200 is read up to "ready".
func openEvents(t *testing.T, base, token string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard, not a wait
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/floor/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	s := &eventStream{resp: resp, sc: bufio.NewScanner(resp.Body)}
	if resp.StatusCode == http.StatusOK {
		for {
			name, err := s.next()
			if err != nil {
				t.Fatalf("stream ended before ready: %v", err)
			}
			if name == "ready" {
				break
			}
		}
	}
	return s
}

// next returns the next event's name, or the error the stream ended with
// (io.EOF: the server closed it).
func (s *eventStream) next() (string, error) {
	name := ""
	for s.sc.Scan() {
		line := s.sc.Text()
		if line == "" && name != "" {
			return name, nil
		}
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			name = v
		}
	}
	if err := s.sc.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}

// ended reads until the stream ends and reports whether the server
// closed it (cleanly or by cutting the connection, as it does when a write
// may be blocked) rather than the guard timing out.
func (s *eventStream) ended() bool {
	for {
		if _, err := s.next(); err != nil {
			return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		}
	}
}

// A revoked token ends the user's open event streams at once (revoked
// through gRPC, which shares the register), and the token opens no other.
func TestAbuseRevokedTokenEndsEventStream(t *testing.T) {
	tests := []struct {
		name   string
		revoke floor.Role // whose tokens are revoked
		ends   bool       // whether the supervisor's stream ends
	}{
		{"the watcher's own user", floor.RoleSupervisor, true},
		{"another user", floor.RolePacker, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.tick(t)
			reg := session.New(e.st, session.DefaultLimits)
			base, conn := e.serveWith(t, reg)
			s := openEvents(t, base, e.tokens[floor.RoleSupervisor])
			user := map[floor.Role]string{floor.RoleSupervisor: "sue", floor.RolePacker: "pk1"}[tt.revoke]
			ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+e.tokens[floor.RoleAdmin])
			if _, err := pb.NewAuthServiceClient(conn).RevokeToken(ctx, &pb.RevokeTokenRequest{User: user}); err != nil {
				t.Fatal(err)
			}
			if tt.ends {
				if !s.ended() {
					t.Fatal("the event stream did not end after the revocation")
				}
				if again := openEvents(t, base, e.tokens[floor.RoleSupervisor]); again.resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("revoked token opened a stream: %d", again.resp.StatusCode)
				}
				return
			}
			if got := reg.Count(session.KindWatch); got != 1 {
				t.Errorf("%d watchers open after revoking someone else, want 1", got)
			}
		})
	}
}

// The caps: a supervisor past their cap ends their own oldest stream; past
// the total, a stream is refused with 429 and a message.
func TestAbuseEventStreamCaps(t *testing.T) {
	tests := []struct {
		name  string
		limit session.Limit
		roles []floor.Role
		want  []string // per stream: "open", "ended" or "429"
	}{
		{"per user", session.Limit{PerUser: 1, Total: 10},
			[]floor.Role{floor.RoleSupervisor, floor.RoleSupervisor}, []string{"ended", "open"}},
		{"in all", session.Limit{PerUser: 2, Total: 2},
			[]floor.Role{floor.RoleSupervisor, floor.RoleSupervisor, floor.RoleAdmin}, []string{"open", "open", "429"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.tick(t)
			reg := session.New(e.st, map[session.Kind]session.Limit{session.KindWatch: tt.limit})
			base, _ := e.serveWith(t, reg)
			var streams []*eventStream
			for _, r := range tt.roles {
				streams = append(streams, openEvents(t, base, e.tokens[r]))
			}
			open := 0
			for i, s := range streams {
				switch tt.want[i] {
				case "ended":
					if !s.ended() {
						t.Errorf("stream %d did not end", i)
					}
				case "429":
					body, _ := io.ReadAll(s.resp.Body)
					if s.resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "most floor watchers") {
						t.Errorf("stream %d: %d %q, want 429 naming the cap", i, s.resp.StatusCode, body)
					}
				default:
					open++
					if s.resp.StatusCode != http.StatusOK {
						t.Errorf("stream %d: %d, want 200", i, s.resp.StatusCode)
					}
				}
			}
			if got := reg.Count(session.KindWatch); got != open {
				t.Errorf("%d watchers registered, want %d", got, open)
			}
		})
	}
}

// The scheme of the Authorization header is matched in any case, with
// spaces around it; anything but "Bearer" and one token68 is refused.
func TestAbuseBearerSchemeHTTP(t *testing.T) {
	e := newEnv(t)
	tok := e.tokens[floor.RoleSupervisor]
	tests := []struct {
		value string
		want  int
	}{
		{"Bearer " + tok, http.StatusOK},
		{"bearer " + tok, http.StatusOK},
		{"BEARER " + tok, http.StatusOK},
		{"bEaReR " + tok, http.StatusOK},
		{"Bearer    " + tok, http.StatusOK},
		{"Bearer\t" + tok, http.StatusOK},
		{"Bearer " + tok + "  ", http.StatusOK},
		{"Bearer" + tok, http.StatusUnauthorized},
		{"Basic " + tok, http.StatusUnauthorized},
		{"Bearer", http.StatusUnauthorized},
		{"Bearer ", http.StatusUnauthorized},
		{"Bearer " + tok + " extra", http.StatusUnauthorized},
		{"Bearer " + tok + "==", http.StatusUnauthorized},
		{"Bearer pp_a,b", http.StatusUnauthorized},
		{"Bear " + tok, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/floor/figures", nil)
		req.Header.Set("Authorization", tt.value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("Authorization %q: %d, want %d", tt.value, resp.StatusCode, tt.want)
		}
	}
}
