package rpc

import (
	"bytes"
	"context"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/pickpack/pickpack/labels"
	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// DefaultShift is how long a device token from SignIn lasts unless the
// server is told otherwise: a shift with its overtime.
const DefaultShift = 12 * time.Hour

type signInService struct {
	*Server
	pb.UnimplementedSignInServiceServer
}

func (s *Server) shift() time.Duration {
	if s.Shift > 0 {
		return s.Shift
	}
	return DefaultShift
}

func (s *Server) signInPolicy() floor.SignInPolicy {
	if s.SignInPolicy == (floor.SignInPolicy{}) {
		return floor.DefaultSignInPolicy
	}
	return s.SignInPolicy
}

// SignIn is the one RPC without a token (see public).
func (s signInService) SignIn(ctx context.Context, req *pb.SignInRequest) (*pb.SignInResponse, error) {
	const op = "sign in"
	var vs floor.Violations
	badge, user, pin := req.GetBadge(), req.GetUser(), req.GetPin()
	switch {
	case badge != "" && (user != "" || pin != ""):
		vs.Add("badge", "give a badge code, or a user name and PIN, not both")
	case badge != "":
		if p := floor.BadgeProblem(badge); p != "" {
			vs.Add("badge", "%s", p)
		}
	case user == "" && pin == "":
		vs.Add("badge", "required: a badge code, or a user name and PIN")
	default:
		floor.IDUser.Check(&vs, "user", user)
		if !pinShaped(pin) {
			vs.Add("pin", "want %d to %d digits", floor.MinPINLen, floor.MaxPINLen)
		}
	}
	if p := floor.DeviceProblem(req.GetDevice()); p != "" {
		vs.Add("device", "%s", p)
	}
	if err := vs.Err(op); err != nil {
		return nil, err // a malformed request is no guess: not counted
	}
	addr := remoteHost(ctx)
	if err := s.signIns.allow(addr, s.now(), s.signInPolicy()); err != nil {
		return nil, err
	}
	var in store.SignedIn
	var err error
	how := "badge"
	if badge != "" {
		in, err = s.store.SignInBadge(badge, s.shift(), req.GetDevice())
	} else {
		how = "pin"
		in, err = s.store.SignInPIN(user, pin, s.shift(), req.GetDevice(), s.signInPolicy())
	}
	if k := floor.KindOf(err); k == floor.KindUnauthenticated || k == floor.KindExhausted {
		s.signIns.fail(addr, s.now(), s.signInPolicy())
		s.log.InfoContext(ctx, "sign-in refused", "with", how, "addr", addr, "err", err)
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "signed in", "user", in.User.Name, "with", how, "device", req.GetDevice(), "addr", addr,
		"expires", in.Expires)
	return &pb.SignInResponse{Token: in.Token, User: in.User.Name, Role: roles[in.User.Role], ExpiresAt: timestamppb.New(in.Expires)}, nil
}

// pinShaped reports whether a PIN presented at sign-in could be one: its
// other rules (no 1234) apply when it is set.
func pinShaped(pin string) bool {
	if len(pin) < floor.MinPINLen || len(pin) > floor.MaxPINLen {
		return false
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return false
		}
	}
	return true
}

// SignOut revokes the caller's token and ends the streams opened with it.
func (s signInService) SignOut(ctx context.Context, _ *pb.SignOutRequest) (*pb.SignOutResponse, error) {
	user, err := s.store.RevokeToken(callerToken(ctx))
	if err != nil {
		return nil, err
	}
	streams := s.Streams.RevokeToken(callerToken(ctx))
	s.log.InfoContext(ctx, "signed out", "user", user, "streams", streams)
	return &pb.SignOutResponse{}, nil
}

// WhoAmI names the caller and when their token ends.
func (s signInService) WhoAmI(ctx context.Context, _ *pb.WhoAmIRequest) (*pb.WhoAmIResponse, error) {
	u, exp, err := s.store.TokenInfo(callerToken(ctx))
	if err != nil {
		return nil, err
	}
	resp := &pb.WhoAmIResponse{User: u.Name, Role: roles[u.Role]}
	if !exp.IsZero() {
		resp.ExpiresAt = timestamppb.New(exp)
	}
	return resp, nil
}

// managed checks the user and role of a PIN or badge request.
func managed(vs *floor.Violations, user string, role pb.Role) floor.Role {
	floor.IDUser.Check(vs, "user", user)
	if role == pb.Role_ROLE_UNSPECIFIED {
		return floor.RoleUnspecified
	}
	r, ok := keyOf(roles, role)
	if !ok {
		vs.Add("role", "unknown role %v", role)
	}
	return r
}

// SetPin sets a user's PIN.
func (s signInService) SetPin(ctx context.Context, req *pb.SetPinRequest) (*pb.SetPinResponse, error) {
	var vs floor.Violations
	role := managed(&vs, req.GetUser(), req.GetRole())
	if p := floor.PINProblem(req.GetPin()); p != "" {
		vs.Add("pin", "%s", p)
	}
	if err := vs.Err("set pin"); err != nil {
		return nil, err
	}
	by := caller(ctx)
	err := s.store.SetPIN(req.GetUser(), role, req.GetPin(), func(target floor.Role) bool { return floor.MayManage(by.Role, target) })
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "pin set", "user", req.GetUser(), "by", by.Name)
	return &pb.SetPinResponse{}, nil
}

// IssueBadge makes a new badge code for a user, with the badge to print:
// the code exists only in this answer (the store keeps its hash), so the
// badge is made here or never.
func (s signInService) IssueBadge(ctx context.Context, req *pb.IssueBadgeRequest) (*pb.IssueBadgeResponse, error) {
	var vs floor.Violations
	role := managed(&vs, req.GetUser(), req.GetRole())
	if err := vs.Err("issue badge"); err != nil {
		return nil, err
	}
	by := caller(ctx)
	issued, err := s.store.IssueBadgeTo(req.GetUser(), role, func(target floor.Role) bool { return floor.MayManage(by.Role, target) })
	if err != nil {
		return nil, err
	}
	// A failure here leaves the user without a working badge (the old one
	// is gone, the new code is dropped): issuing again makes one.
	var pdf bytes.Buffer
	err = labels.WriteBadgePDF(ctx, &pdf, labels.Badge{User: issued.User.Name, Role: issued.User.Role.String(),
		Code: issued.Code, Issued: s.now()})
	if err != nil {
		return nil, floor.Wrap("issue badge", floor.KindInternal, err)
	}
	s.log.InfoContext(ctx, "badge issued", "user", req.GetUser(), "by", by.Name)
	return &pb.IssueBadgeResponse{Code: issued.Code, Pdf: pdf.Bytes()}, nil
}

// remoteHost is the caller's address without its port: the device's, or
// the last proxy's.
func remoteHost(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	a := p.Addr.String()
	if host, _, err := net.SplitHostPort(a); err == nil {
		return host
	}
	return a
}

// addressLimiter counts failed sign-ins per address in fixed windows.
// It lives in memory: a restart forgets it, which the PIN lockout, kept in
// the data file, does not.
type addressLimiter struct {
	mu    sync.Mutex
	fails map[string]*window
}

type window struct {
	start time.Time
	n     int
}

// maxTrackedAddresses bounds the limiter's memory; past it, windows that
// have ended are dropped.
const maxTrackedAddresses = 10_000

func (l *addressLimiter) allow(addr string, now time.Time, pol floor.SignInPolicy) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.fails[addr]
	if w == nil || pol.PerAddress <= 0 || now.Sub(w.start) >= pol.AddressWindow || w.n < pol.PerAddress {
		return nil
	}
	return &floor.Error{Op: "sign in", Kind: floor.KindExhausted, Reason: "TOO_MANY_SIGN_INS",
		Msg: "too many failed sign-ins from this address: try again after " + w.start.Add(pol.AddressWindow).Format(time.TimeOnly)}
}

func (l *addressLimiter) fail(addr string, now time.Time, pol floor.SignInPolicy) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fails == nil {
		l.fails = map[string]*window{}
	}
	w := l.fails[addr]
	if w == nil || now.Sub(w.start) >= pol.AddressWindow {
		if w == nil && len(l.fails) >= maxTrackedAddresses {
			for a, o := range l.fails {
				if now.Sub(o.start) >= pol.AddressWindow {
					delete(l.fails, a)
				}
			}
		}
		w = &window{start: now}
		l.fails[addr] = w
	}
	w.n++
}
