// Package session is what the gRPC and HTTP sides share about callers:
// reading a bearer token from an Authorization value, and the register of
// open long-lived streams (handheld scan streams, floor watchers on gRPC
// and on HTTP), which caps how many a user and everyone together may hold
// and ends a user's streams the moment their tokens are revoked. A stream
// runs under the context Open returns; the context's cause says why it
// ended.
package session

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/pickpack/pickpack/server/floor"
)

// Kind is a class of stream sharing one pair of caps.
type Kind string

// The kinds of stream.
const (
	// KindScan is a handheld's or a pack station's scan stream (Scan, Pack,
	// Handoff).
	KindScan Kind = "scan stream"
	// KindWatch is a floor watcher: WatchFloor on gRPC or the supervisor
	// page's event stream. Both hold the same feed, so they share caps.
	KindWatch Kind = "floor watcher"
)

// Limit caps the open streams of one kind. A user at PerUser who opens
// another ends their own oldest one: a device that reconnects before the
// server noticed its old link died must get through. A stream that would
// pass Total is refused. Zero means no cap.
type Limit struct {
	PerUser, Total int
}

// DefaultLimits suit the floor the server is sized for: 1,000 handhelds,
// each with one scan stream (room for each to reconnect once before its
// dead link is noticed), and a few supervisors, each with a page or two.
var DefaultLimits = map[Kind]Limit{
	KindScan:  {PerUser: 8, Total: 2000},
	KindWatch: {PerUser: 8, Total: 200},
}

// Authenticator finds the user holding a bearer token.
type Authenticator interface {
	Authenticate(token string) (floor.User, error)
}

// Registry is the register of open streams. Its zero value is not usable;
// use New.
type Registry struct {
	auth   Authenticator
	limits map[Kind]Limit

	mu     sync.Mutex
	byKind map[Kind][]*stream // each kind's streams, oldest first
}

type stream struct {
	user, token string
	cancel      context.CancelCauseFunc
}

// New returns a registry that checks tokens with auth and caps streams by
// limits; a kind missing from limits is not capped.
func New(auth Authenticator, limits map[Kind]Limit) *Registry {
	return &Registry{auth: auth, limits: limits, byKind: map[Kind][]*stream{}}
}

// Reasons a stream ends or is refused, for clients to switch on.
const (
	ReasonTooMany  = "TOO_MANY_STREAMS"
	ReasonReplaced = "STREAM_REPLACED"
	ReasonRevoked  = "TOKEN_REVOKED"
)

// Open registers a stream of kind for user, who presented token, and
// returns the context the stream must run under and the function that
// releases it (call it when the stream ends). The context ends when ctx
// does, when the user's tokens are revoked (cause: KindUnauthenticated)
// or when a newer stream of the same user takes its place (cause:
// KindExhausted). Open refuses with KindExhausted when the kind's total
// cap is reached, and with KindUnauthenticated when token was revoked
// while the stream was being set up.
func (r *Registry) Open(ctx context.Context, kind Kind, user, token string) (context.Context, func(), error) {
	ctx, cancel := context.WithCancelCause(ctx)
	s := &stream{user: user, token: token, cancel: cancel}
	if err := r.add(kind, s); err != nil {
		cancel(err)
		return nil, nil, err
	}
	release := func() {
		r.remove(kind, s)
		cancel(context.Canceled)
	}
	// The token is checked again now that the stream is registered: a
	// revocation that slipped in between the caller's check and the
	// registration is seen here, and any later one cancels the context.
	if _, err := r.auth.Authenticate(token); err != nil {
		release()
		return nil, nil, err
	}
	return ctx, release, nil
}

func (r *Registry) add(kind Kind, s *stream) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	lim, capped := r.limits[kind]
	open := r.byKind[kind]
	if capped {
		mine := 0
		oldest := -1
		for i, o := range open {
			if o.user == s.user {
				if oldest < 0 {
					oldest = i
				}
				mine++
			}
		}
		switch {
		case lim.PerUser > 0 && mine >= lim.PerUser:
			old := open[oldest]
			old.cancel(&floor.Error{Op: string(kind), Kind: floor.KindExhausted, Reason: ReasonReplaced,
				Msg: fmt.Sprintf("replaced by a newer %s of user %s (at most %d each)", kind, s.user, lim.PerUser)})
			open = append(open[:oldest], open[oldest+1:]...)
		case lim.Total > 0 && len(open) >= lim.Total:
			return &floor.Error{Op: string(kind), Kind: floor.KindExhausted, Reason: ReasonTooMany,
				Msg: fmt.Sprintf("the server holds its most %ss (%d); try again later", kind, lim.Total)}
		}
	}
	r.byKind[kind] = append(open, s)
	return nil
}

func (r *Registry) remove(kind Kind, s *stream) {
	r.mu.Lock()
	defer r.mu.Unlock()
	open := r.byKind[kind]
	for i, o := range open {
		if o == s {
			r.byKind[kind] = append(open[:i], open[i+1:]...)
			return
		}
	}
}

// Revoke ends every open stream of user: their tokens were revoked. Call
// it after the revocation is stored, before answering whoever revoked.
// It returns how many streams it ended.
func (r *Registry) Revoke(user string) int {
	return r.end(func(s *stream) bool { return s.user == user }, "the token of user "+user+" was revoked")
}

// RevokeToken ends the open streams opened with token: that one token was
// revoked (a device signed out), the user's others were not. Call it after
// the revocation is stored. It returns how many streams it ended.
func (r *Registry) RevokeToken(token string) int {
	return r.end(func(s *stream) bool { return s.token == token }, "this device signed out")
}

func (r *Registry) end(match func(*stream) bool, msg string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for kind, open := range r.byKind {
		kept := open[:0]
		for _, s := range open {
			if !match(s) {
				kept = append(kept, s)
				continue
			}
			s.cancel(&floor.Error{Op: string(kind), Kind: floor.KindUnauthenticated, Reason: ReasonRevoked, Msg: msg})
			n++
		}
		clear(open[len(kept):])
		r.byKind[kind] = kept
	}
	return n
}

// End ends every open stream of kind of user with cause (a *floor.Error
// the stream's status is made from): e.g. their task was taken back. It
// returns how many streams it ended.
func (r *Registry) End(kind Kind, user string, cause error) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	open := r.byKind[kind]
	kept := open[:0]
	n := 0
	for _, s := range open {
		if s.user != user {
			kept = append(kept, s)
			continue
		}
		s.cancel(cause)
		n++
	}
	clear(open[len(kept):])
	r.byKind[kind] = kept
	return n
}

// Count returns how many streams of kind are open.
func (r *Registry) Count(kind Kind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byKind[kind])
}

// Bearer returns the token of an Authorization value "Bearer TOKEN". The
// scheme is matched without regard to case (RFC 7235 section 2.1), spaces
// around the value and between scheme and token are allowed, and the token
// must be a token68: letters, digits and "-._~+/", then any "=" padding.
func Bearer(value string) (token string, ok bool) {
	value = strings.Trim(value, " \t")
	i := strings.IndexAny(value, " \t")
	if i < 0 || !strings.EqualFold(value[:i], "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(value[i:], " \t")
	if !token68(token) {
		return "", false
	}
	return token, true
}

func token68(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for _, c := range []byte(body) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~+/", c) >= 0:
		default:
			return false
		}
	}
	return true
}
