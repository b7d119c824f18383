package session

import (
	"context"
	"errors"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
)

// tokens is an Authenticator over a fixed set of tokens.
type tokens map[string]string

func (t tokens) Authenticate(token string) (floor.User, error) {
	if u, ok := t[token]; ok {
		return floor.User{Name: u}, nil
	}
	return floor.User{}, &floor.Error{Op: "authenticate", Kind: floor.KindUnauthenticated, Msg: "unknown or revoked token"}
}

func TestBearer(t *testing.T) {
	tests := []struct {
		value, token string
		ok           bool
	}{
		{"Bearer pp_abc", "pp_abc", true},
		{"bearer pp_abc", "pp_abc", true},
		{"BEARER pp_abc", "pp_abc", true},
		{" \tBearer \t pp_abc \t", "pp_abc", true},
		{"Bearer a-b.c_d~e+f/g==", "a-b.c_d~e+f/g==", true},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Bearer ==", "", false},
		{"Bearerpp_abc", "", false},
		{"Basic pp_abc", "", false},
		{"Bearer pp_abc extra", "", false},
		{"Bearer pp_a=b", "", false},
		{"Bearer pp_é", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		token, ok := Bearer(tt.value)
		if token != tt.token || ok != tt.ok {
			t.Errorf("Bearer(%q) = %q, %v; want %q, %v", tt.value, token, ok, tt.token, tt.ok)
		}
	}
}

// A token revoked between the caller's check and the registration is
// refused by Open itself: no stream slips past a revocation.
func TestAbuseOpenRechecksToken(t *testing.T) {
	auth := tokens{"pp_live": "ann"}
	r := New(auth, DefaultLimits)
	tests := []struct {
		token string
		opens bool
	}{
		{"pp_live", true},
		{"pp_revoked", false},
	}
	for _, tt := range tests {
		_, release, err := r.Open(context.Background(), KindScan, "ann", tt.token)
		switch {
		case tt.opens && err != nil:
			t.Errorf("%s: %v", tt.token, err)
		case tt.opens:
			release()
		case floor.KindOf(err) != floor.KindUnauthenticated:
			t.Errorf("%s: %v, want unauthenticated", tt.token, err)
		}
		if n := r.Count(KindScan); n != 0 {
			t.Errorf("%s: %d streams left registered", tt.token, n)
		}
	}
}

// Revoke ends the user's streams of every kind with KindUnauthenticated
// and leaves others' alone.
func TestAbuseRevokeEndsOnlyThatUser(t *testing.T) {
	r := New(tokens{"pp_a": "ann", "pp_b": "bob"}, DefaultLimits)
	open := func(kind Kind, user, token string) context.Context {
		ctx, _, err := r.Open(context.Background(), kind, user, token)
		if err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	ann := []context.Context{open(KindScan, "ann", "pp_a"), open(KindWatch, "ann", "pp_a")}
	bob := open(KindScan, "bob", "pp_b")
	if n := r.Revoke("ann"); n != 2 {
		t.Errorf("Revoke ended %d streams, want 2", n)
	}
	for _, ctx := range ann {
		var fe *floor.Error
		if err := context.Cause(ctx); !errors.As(err, &fe) || fe.Kind != floor.KindUnauthenticated || fe.Reason != ReasonRevoked {
			t.Errorf("ann's stream ended with %v, want %s", err, ReasonRevoked)
		}
	}
	if bob.Err() != nil {
		t.Errorf("bob's stream ended: %v", context.Cause(bob))
	}
	if n := r.Count(KindScan) + r.Count(KindWatch); n != 1 {
		t.Errorf("%d streams registered, want bob's 1", n)
	}
}

// RevokeToken ends the streams opened with that token (one device signing
// out) and leaves the same user's other devices alone.
func TestAbuseRevokeTokenEndsOnlyThatDevice(t *testing.T) {
	r := New(tokens{"pp_a1": "ann", "pp_a2": "ann"}, DefaultLimits)
	open := func(token string) context.Context {
		ctx, _, err := r.Open(context.Background(), KindScan, "ann", token)
		if err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	first, second := open("pp_a1"), open("pp_a2")
	if n := r.RevokeToken("pp_a1"); n != 1 {
		t.Errorf("RevokeToken ended %d streams, want 1", n)
	}
	var fe *floor.Error
	if err := context.Cause(first); !errors.As(err, &fe) || fe.Kind != floor.KindUnauthenticated || fe.Reason != ReasonRevoked {
		t.Errorf("the signed-out device's stream ended with %v, want %s", err, ReasonRevoked)
	}
	if second.Err() != nil {
		t.Errorf("the other device's stream ended: %v", context.Cause(second))
	}
	if n := r.Count(KindScan); n != 1 {
		t.Errorf("%d streams registered, want 1", n)
	}
}

// End ends one user's streams of one kind with the cause given, and no
// other stream.
func TestEndEndsOnlyThatUsersKind(t *testing.T) {
	r := New(tokens{"pp_a": "ann", "pp_b": "bob"}, DefaultLimits)
	open := func(kind Kind, user, token string) context.Context {
		ctx, _, err := r.Open(context.Background(), kind, user, token)
		if err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	annScans := []context.Context{open(KindScan, "ann", "pp_a"), open(KindScan, "ann", "pp_a")}
	annWatch, bob := open(KindWatch, "ann", "pp_a"), open(KindScan, "bob", "pp_b")
	cause := &floor.Error{Kind: floor.KindConflict, Reason: "TASK_RELEASED", Msg: "task T1 was released"}
	if n := r.End(KindScan, "ann", cause); n != 2 {
		t.Errorf("End ended %d streams, want ann's 2 scan streams", n)
	}
	for _, ctx := range annScans {
		if err := context.Cause(ctx); err != cause {
			t.Errorf("ann's scan stream ended with %v, want the cause given", err)
		}
	}
	if annWatch.Err() != nil || bob.Err() != nil {
		t.Errorf("other streams ended: ann's watch %v, bob's scan %v", context.Cause(annWatch), context.Cause(bob))
	}
	if got := [2]int{r.Count(KindScan), r.Count(KindWatch)}; got != [2]int{1, 1} {
		t.Errorf("streams registered (scan, watch) = %v, want bob's and ann's watch", got)
	}
}
