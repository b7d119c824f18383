package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// Signing in for a shift on the phone: a badge scanned on the sign-in
// screen, then, after signing out, a name and PIN. The device token is
// kept in the browser's storage, never in the address, and signing out
// revokes it.
func TestHandheldSignInInChromium(t *testing.T) {
	s := startDemo(t)
	conn := s.dial(t)
	signin := pb.NewSignInServiceClient(conn)
	badge, err := signin.IssueBadge(bearer(s.tokens["supervisor"]), &pb.IssueBadgeRequest{User: "ann", Role: pb.Role_ROLE_PICKER})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signin.SetPin(bearer(s.tokens["supervisor"]), &pb.SetPinRequest{User: "ann", Pin: "4826"}); err != nil {
		t.Fatal(err)
	}

	p := newPhone(t, s)
	p.do(chromedp.Navigate(p.base))
	p.wait("sign-in screen", `!document.getElementById('signin').hidden`)
	p.shot("handheld-signin.png")
	// A badge typed by hand is not taken: a badge is scanned.
	p.scanKeys(badge.GetCode())
	p.wait("signed in by badge", `document.getElementById('signin').hidden && document.getElementById('mode-name').textContent === 'Pick'`)
	token := eval[string](p, `JSON.parse(localStorage.getItem('pickpack-handheld-session')).token`)
	if token == "" || strings.Contains(eval[string](p, `location.href`), token) {
		t.Fatalf("token %q; address %s", token, eval[string](p, `location.href`))
	}
	who, err := signin.WhoAmI(bearer(token), &pb.WhoAmIRequest{})
	if err != nil || who.GetUser() != "ann" || who.GetExpiresAt() == nil {
		t.Fatalf("the device token: %v, %v", who, err)
	}

	p.do(chromedp.Click("#menu"))
	p.wait("modes", `!document.getElementById('modes').hidden`)
	p.do(chromedp.Click("#signout"))
	p.wait("signed out", `!document.getElementById('signin').hidden && localStorage.getItem('pickpack-handheld-session') === null`)
	if _, err := signin.WhoAmI(bearer(token), &pb.WhoAmIRequest{}); err == nil {
		t.Errorf("the token still works after signing out")
	}

	// A wrong PIN is refused in words; the right one signs in.
	pin := func(user, pin string) {
		p.do(chromedp.SendKeys("#user", user), chromedp.SendKeys("#pin", pin), chromedp.Click("#pin-form button"))
	}
	before := p.verdictSeq()
	pin("ann", "1397")
	if v := p.nextVerdict(before, "wrong PIN"); v.tone != "wrong" {
		t.Errorf("wrong PIN: %+v", v)
	}
	eval[bool](p, `document.getElementById('user').value = '', true`)
	pin("ann", "4826")
	p.wait("signed in by PIN", `document.getElementById('signin').hidden && document.getElementById('mode-name').textContent === 'Pick'`)
}
