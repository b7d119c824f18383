package rpc

import (
	"bytes"
	"log/slog"
	"os"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// Guessing PINs: five wrong ones in a row lock the PIN (even the right
// one is refused) until the lockout has passed or a supervisor sets a new
// PIN; a wrong PIN, an unknown user and a user without a PIN get the same
// answer.
func TestAbuseSignInPINGuessing(t *testing.T) {
	e := newEnv(t)
	auth := pb.NewSignInServiceClient(e.conn)
	sup := e.as(floor.RoleSupervisor)
	if _, err := auth.SetPin(sup, &pb.SetPinRequest{User: "ann", Pin: "482915", Role: pb.Role_ROLE_PICKER}); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.IssueBadge(sup, &pb.IssueBadgeRequest{User: "bob", Role: pb.Role_ROLE_PICKER}); err != nil {
		t.Fatal(err)
	}
	signIn := func(user, pin string) error {
		_, err := auth.SignIn(t.Context(), &pb.SignInRequest{User: user, Pin: pin})
		return err
	}
	wrong := signIn("ann", "111222")
	for name, err := range map[string]error{"unknown user": signIn("nobody", "111222"), "user without a PIN": signIn("bob", "111222")} {
		if status.Code(err) != status.Code(wrong) || reason(err) != reason(wrong) || status.Convert(err).Message() != status.Convert(wrong).Message() {
			t.Errorf("%s: %v, want the wrong PIN's answer %v", name, err, wrong)
		}
	}
	if status.Code(wrong) != codes.Unauthenticated || reason(wrong) != "WRONG_PIN" {
		t.Fatalf("wrong PIN: %v (%s), want Unauthenticated WRONG_PIN", wrong, reason(wrong))
	}
	for i := 2; i <= floor.DefaultSignInPolicy.MaxFailures; i++ {
		if err := signIn("ann", "111222"); reason(err) != "WRONG_PIN" {
			t.Fatalf("wrong PIN %d: %v", i, err)
		}
	}
	if err := signIn("ann", "482915"); status.Code(err) != codes.ResourceExhausted || reason(err) != "PIN_LOCKED" {
		t.Fatalf("right PIN after %d wrong: %v (%s), want ResourceExhausted PIN_LOCKED", floor.DefaultSignInPolicy.MaxFailures, err, reason(err))
	}
	e.clock.t = e.clock.t.Add(floor.DefaultSignInPolicy.Lockout - time.Second)
	if err := signIn("ann", "482915"); reason(err) != "PIN_LOCKED" {
		t.Errorf("a second before the lockout ends: %v", err)
	}
	e.clock.t = e.clock.t.Add(time.Second)
	if err := signIn("ann", "482915"); err != nil {
		t.Errorf("right PIN after the lockout: %v", err)
	}
	// Locked again; a supervisor's new PIN lifts it.
	for range floor.DefaultSignInPolicy.MaxFailures {
		signIn("ann", "111222")
	}
	if _, err := auth.SetPin(sup, &pb.SetPinRequest{User: "ann", Pin: "730164"}); err != nil {
		t.Fatal(err)
	}
	if err := signIn("ann", "730164"); err != nil {
		t.Errorf("new PIN after a lockout: %v", err)
	}
}

// Failed sign-ins from one address, with badges or PINs, are cut off
// after PerAddress within the window; malformed requests do not count.
func TestAbuseSignInPerAddress(t *testing.T) {
	e := newEnv(t)
	e.api.SignInPolicy = floor.SignInPolicy{MaxFailures: 5, Lockout: time.Minute, PerAddress: 3, AddressWindow: 10 * time.Minute}
	code, err := e.store.IssueBadge("ann", floor.RolePicker, func(floor.Role) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	auth := pb.NewSignInServiceClient(e.conn)
	for _, bad := range []*pb.SignInRequest{{Badge: "A-01-001-1"}, {Badge: code, User: "ann"}, {}} {
		if _, err := auth.SignIn(t.Context(), bad); status.Code(err) != codes.InvalidArgument {
			t.Errorf("malformed %v: %v, want InvalidArgument", bad, err)
		}
	}
	for _, guess := range []string{"PPBAAAAAAAAAAAAAAAAAAAA", "PPBBBBBBBBBBBBBBBBBBBBB", "PPBCCCCCCCCCCCCCCCCCCCC"} {
		if _, err := auth.SignIn(t.Context(), &pb.SignInRequest{Badge: guess}); reason(err) != "UNKNOWN_BADGE" {
			t.Fatalf("guess %s: %v", guess, err)
		}
	}
	// Over Connect too, and even the right badge now waits.
	_, err = browser[pb.SignInRequest, pb.SignInResponse](e, "", pb.SignInService_SignIn_FullMethodName, &pb.SignInRequest{Badge: code})
	if connectReason(err) != "TOO_MANY_SIGN_INS" {
		t.Errorf("right badge after 3 failures from this address: %v, want TOO_MANY_SIGN_INS", err)
	}
	e.clock.t = e.clock.t.Add(10 * time.Minute)
	if _, err := auth.SignIn(t.Context(), &pb.SignInRequest{Badge: code}); err != nil {
		t.Errorf("right badge after the window: %v", err)
	}
}

// Who may set whose PIN: supervisors the floor roles only, not another
// supervisor nor an admin, and no new admin either; a role given for an
// existing user must be theirs; a new user needs one.
func TestAbuseSignInManagement(t *testing.T) {
	e := newEnv(t)
	auth := pb.NewSignInServiceClient(e.conn)
	sup, admin := e.as(floor.RoleSupervisor), e.as(floor.RoleAdmin)
	tests := []struct {
		name   string
		by     floor.Role
		req    *pb.SetPinRequest
		code   codes.Code
		reason string
	}{
		{"supervisor sets a picker's", floor.RoleSupervisor, &pb.SetPinRequest{User: "picker-1", Pin: "582016"}, codes.OK, ""},
		{"supervisor sets a new packer's", floor.RoleSupervisor, &pb.SetPinRequest{User: "pat", Pin: "582016", Role: pb.Role_ROLE_PACKER}, codes.OK, ""},
		{"supervisor sets an admin's", floor.RoleSupervisor, &pb.SetPinRequest{User: "admin-1", Pin: "582016"}, codes.PermissionDenied, "NOT_YOUR_USER"},
		{"supervisor sets a supervisor's", floor.RoleSupervisor, &pb.SetPinRequest{User: "supervisor-1", Pin: "582016"}, codes.PermissionDenied, "NOT_YOUR_USER"},
		{"supervisor makes an admin", floor.RoleSupervisor, &pb.SetPinRequest{User: "eve", Pin: "582016", Role: pb.Role_ROLE_ADMIN}, codes.PermissionDenied, "NOT_YOUR_USER"},
		{"another role for a user", floor.RoleAdmin, &pb.SetPinRequest{User: "picker-1", Pin: "582016", Role: pb.Role_ROLE_ADMIN}, codes.FailedPrecondition, "ROLE_MISMATCH"},
		{"a new user without a role", floor.RoleAdmin, &pb.SetPinRequest{User: "newbie", Pin: "582016"}, codes.InvalidArgument, ""},
		{"admin sets a supervisor's", floor.RoleAdmin, &pb.SetPinRequest{User: "supervisor-1", Pin: "582016"}, codes.OK, ""},
	}
	for _, tt := range tests {
		ctx := sup
		if tt.by == floor.RoleAdmin {
			ctx = admin
		}
		_, err := auth.SetPin(ctx, tt.req)
		if status.Code(err) != tt.code || (tt.reason != "" && reason(err) != tt.reason) {
			t.Errorf("%s: %v (%s), want %v %s", tt.name, err, reason(err), tt.code, tt.reason)
		}
		if _, err := auth.IssueBadge(ctx, &pb.IssueBadgeRequest{User: tt.req.GetUser(), Role: tt.req.GetRole()}); status.Code(err) != tt.code {
			t.Errorf("%s, a badge: %v, want %v", tt.name, err, tt.code)
		}
	}
	for _, name := range []string{"eve", "newbie"} {
		users, _ := e.store.Users()
		for _, u := range users {
			if u.Name == name {
				t.Errorf("refused user %s was created", name)
			}
		}
	}
}

// PINs easy to guess, and PINs that are no PINs, are refused when set,
// naming the field.
func TestAbuseSignInWeakPINs(t *testing.T) {
	e := newEnv(t)
	auth := pb.NewSignInServiceClient(e.conn)
	for _, pin := range []string{"", "123", "0000", "1111111", "1234", "3456789", "9876", "43210", "7890", "12a456", "１２３４５６", "4829150000123"} {
		_, err := auth.SetPin(e.as(floor.RoleSupervisor), &pb.SetPinRequest{User: "picker-1", Pin: pin})
		if status.Code(err) != codes.InvalidArgument || !hasViolation(status.Convert(err), "pin") {
			t.Errorf("PIN %q: %v, want InvalidArgument on pin", pin, err)
		}
	}
}

// No PIN, badge code or token is kept or logged in clear: the data file
// and the log hold none of them after a PIN is set, a badge issued and
// both used.
func TestAbuseSignInNothingInClear(t *testing.T) {
	e := newEnv(t)
	var logged bytes.Buffer
	e.api.log = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	auth := pb.NewSignInServiceClient(e.conn)
	sup := e.as(floor.RoleSupervisor)
	const pin = "48291573"
	if _, err := auth.SetPin(sup, &pb.SetPinRequest{User: "ann", Pin: pin, Role: pb.Role_ROLE_PICKER}); err != nil {
		t.Fatal(err)
	}
	badge, err := auth.IssueBadge(sup, &pb.IssueBadgeRequest{User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	byPIN, err := auth.SignIn(t.Context(), &pb.SignInRequest{User: "ann", Pin: pin})
	if err != nil {
		t.Fatal(err)
	}
	byBadge, err := auth.SignIn(t.Context(), &pb.SignInRequest{Badge: badge.GetCode()})
	if err != nil {
		t.Fatal(err)
	}
	auth.SignIn(t.Context(), &pb.SignInRequest{User: "ann", Pin: "48291574"}) // a failure is logged too
	file, err := os.ReadFile(e.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"PIN": pin, "wrong PIN": "48291574", "badge code": badge.GetCode(),
		"PIN token": byPIN.GetToken(), "badge token": byBadge.GetToken()} {
		if bytes.Contains(file, []byte(secret)) {
			t.Errorf("the data file holds the %s in clear", name)
		}
		if bytes.Contains(logged.Bytes(), []byte(secret)) {
			t.Errorf("the log holds the %s in clear", name)
		}
	}
	if !bytes.Contains(logged.Bytes(), []byte("sign-in refused")) {
		t.Errorf("the failed sign-in was not logged: %s", logged.Bytes())
	}
}
