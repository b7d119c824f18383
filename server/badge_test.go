package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// A supervisor prints a picker's badge from the site, the picker's
// handheld reads it and signs in over gRPC; a second badge for the same
// picker (the first one lost) ends the first.
func TestBadgeFromSiteSignsIn(t *testing.T) {
	for _, bin := range []string{"pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (apt-get install poppler-utils zbar-tools)", bin)
		}
	}
	s := startDemo(t)
	signin := pb.NewSignInServiceClient(s.dial(t))
	issue := func() string {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, "http://"+s.httpAddr+"/api/users/kim/badge?role=picker", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+s.tokens["supervisor"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		pdf, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("%d %s: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), pdf)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "badge.pdf")
		if err := os.WriteFile(path, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftoppm", "-r", "203", "-png", "-singlefile", path, filepath.Join(dir, "badge")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
		out, err := exec.Command("zbarimg", "-q", filepath.Join(dir, "badge.png")).Output()
		if err != nil {
			t.Fatalf("zbarimg: %v", err)
		}
		// Both symbologies, the same code: a laser scanner reads the
		// Code 128, a camera or imager either.
		got := strings.Fields(string(out))
		slices.Sort(got)
		if len(got) != 2 || !strings.HasPrefix(got[0], "CODE-128:") || !strings.HasPrefix(got[1], "QR-Code:") ||
			strings.TrimPrefix(got[0], "CODE-128:") != strings.TrimPrefix(got[1], "QR-Code:") {
			t.Fatalf("the badge decodes to %q, want the same code as Code 128 and QR", got)
		}
		return strings.TrimPrefix(got[0], "CODE-128:")
	}

	first := issue()
	in, err := signin.SignIn(t.Context(), &pb.SignInRequest{Badge: first, Device: "TC52-07"})
	if err != nil || in.GetUser() != "kim" || in.GetRole() != pb.Role_ROLE_PICKER || in.GetToken() == "" {
		t.Fatalf("sign-in with the printed badge: %v, %v", in, err)
	}
	who, err := signin.WhoAmI(bearer(in.GetToken()), &pb.WhoAmIRequest{})
	if err != nil || who.GetUser() != "kim" {
		t.Fatalf("the badge's device token: %v, %v", who, err)
	}

	second := issue()
	if second == first {
		t.Fatal("the second badge has the first one's code")
	}
	if _, err := signin.SignIn(t.Context(), &pb.SignInRequest{Badge: first, Device: "TC52-07"}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("the first badge after the second was printed: %v, want Unauthenticated", err)
	}
	if _, err := signin.SignIn(t.Context(), &pb.SignInRequest{Badge: second, Device: "TC52-07"}); err != nil {
		t.Errorf("the second badge: %v", err)
	}
}
