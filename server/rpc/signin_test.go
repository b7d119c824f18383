package rpc

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/session"
)

// A shift: a supervisor sets a picker's PIN and prints a badge; the picker
// signs in on one device with the PIN over gRPC and on another with the
// badge over Connect (no token needed), works, and each device's token
// lasts the shift. Signing out ends that device only; a new badge retires
// the old one; RevokeToken ends them all.
func TestSignInForAShift(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	auth := pb.NewSignInServiceClient(e.conn)
	sup := e.as(floor.RoleSupervisor)
	if _, err := auth.SetPin(sup, &pb.SetPinRequest{User: "ann", Pin: "482915", Role: pb.Role_ROLE_PICKER}); err != nil {
		t.Fatal(err)
	}
	badge, err := auth.IssueBadge(sup, &pb.IssueBadgeRequest{User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if p := floor.BadgeProblem(badge.GetCode()); p != "" {
		t.Fatalf("badge code %q: %s", badge.GetCode(), p)
	}

	byPIN, err := auth.SignIn(t.Context(), &pb.SignInRequest{User: "ann", Pin: "482915", Device: "TC52-01"})
	if err != nil {
		t.Fatal(err)
	}
	byBadge, err := browser[pb.SignInRequest, pb.SignInResponse](e, "", pb.SignInService_SignIn_FullMethodName,
		&pb.SignInRequest{Badge: badge.GetCode(), Device: "CT40-07"})
	if err != nil {
		t.Fatal(err)
	}
	shiftEnd := e.clock.t.Add(DefaultShift)
	for name, in := range map[string]*pb.SignInResponse{"pin": byPIN, "badge": byBadge} {
		if in.GetUser() != "ann" || in.GetRole() != pb.Role_ROLE_PICKER || !in.GetExpiresAt().AsTime().Equal(shiftEnd) || in.GetToken() == "" {
			t.Errorf("signed in by %s: %v, want ann, picker, until %v", name, in, shiftEnd)
		}
		who, err := pb.NewSignInServiceClient(e.conn).WhoAmI(metadataCtx(in.GetToken()), &pb.WhoAmIRequest{})
		if err != nil || who.GetUser() != "ann" || !who.GetExpiresAt().AsTime().Equal(shiftEnd) {
			t.Errorf("WhoAmI with the %s token: %v, %v", name, who, err)
		}
	}
	next, err := browser[pb.NextTaskRequest, pb.NextTaskResponse](e, byBadge.GetToken(), pb.PickService_NextTask_FullMethodName, &pb.NextTaskRequest{})
	if err != nil || next.GetTask().GetPicker() != "ann" {
		t.Fatalf("NextTask with the badge's token: %v, %v", next, err)
	}

	// Two devices, a stream on each; the PIN device signs out.
	ctxPIN, ctxBadge := guard(t, metadataCtx(byPIN.GetToken())), guard(t, metadataCtx(byBadge.GetToken()))
	onPIN, onBadge := picker(t, ctxPIN, e.conn, "pin"), picker(t, ctxBadge, e.conn, "badge")
	onPIN.totes(next.GetTask())
	onPIN.expect(onPIN.code("A-01-001-1"), pb.Verdict_VERDICT_RIGHT, "AT_BIN")
	if _, err := auth.SignOut(ctxPIN, &pb.SignOutRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := onPIN.recv(); status.Code(err) != codes.Unauthenticated || reason(err) != session.ReasonRevoked {
		t.Errorf("the signed-out device's stream: %v, want Unauthenticated %s", err, session.ReasonRevoked)
	}
	if _, err := auth.WhoAmI(ctxPIN, &pb.WhoAmIRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("token after SignOut: %v, want Unauthenticated", err)
	}
	onBadge.expect(onBadge.code(eanS1), pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE")

	// A new badge: the old one signs nobody in.
	if _, err := auth.IssueBadge(sup, &pb.IssueBadgeRequest{User: "ann", Role: pb.Role_ROLE_PICKER}); err != nil {
		t.Fatal(err)
	}
	_, err = auth.SignIn(t.Context(), &pb.SignInRequest{Badge: badge.GetCode()})
	if status.Code(err) != codes.Unauthenticated || reason(err) != "UNKNOWN_BADGE" {
		t.Errorf("the old badge: %v (%s), want Unauthenticated UNKNOWN_BADGE", err, reason(err))
	}

	// RevokeToken, the existing path, ends the badge device's stream too.
	if _, err := pb.NewAuthServiceClient(e.conn).RevokeToken(e.as(floor.RoleAdmin), &pb.RevokeTokenRequest{User: "ann"}); err != nil {
		t.Fatal(err)
	}
	if err := endOf(func() error { _, err := onBadge.recv(); return err }); status.Code(err) != codes.Unauthenticated {
		t.Errorf("the badge device's stream after RevokeToken: %v", err)
	}
	if _, err := browser[pb.WhoAmIRequest, pb.WhoAmIResponse](e, byBadge.GetToken(), pb.SignInService_WhoAmI_FullMethodName, &pb.WhoAmIRequest{}); err == nil {
		t.Errorf("the badge device's token works after RevokeToken")
	}
}

// A scan stream does not outlive the shift it was signed in for.
func TestStreamEndsWithTheShift(t *testing.T) {
	e := newEnv(t)
	e.api.Shift = time.Millisecond
	code, err := e.store.IssueBadge("ann", floor.RolePicker, func(floor.Role) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	in, err := pb.NewSignInServiceClient(e.conn).SignIn(t.Context(), &pb.SignInRequest{Badge: code})
	if err != nil {
		t.Fatal(err)
	}
	st, err := pb.NewPickServiceClient(e.conn).Scan(guard(t, metadataCtx(in.GetToken())))
	if err != nil {
		t.Fatal(err)
	}
	if err := endOf(func() error { _, err := st.Recv(); return err }); status.Code(err) != codes.Unauthenticated || reason(err) != "TOKEN_EXPIRED" {
		t.Errorf("stream at the end of the shift: %v (%s), want Unauthenticated TOKEN_EXPIRED", err, reason(err))
	}
}
