package main

import (
	"bytes"
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
		got := zbar(t, pdf)
		if len(got) != 2 || got[0] != got[1] {
			t.Fatalf("the badge decodes to %q, want the same code as Code 128 and QR", got)
		}
		return got[0]
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

// The CLI badges the first people before the server runs; the badge it
// writes signs in once the server is up, the code is nowhere but in the
// PDF, and an existing file or a bad request changes nothing.
func TestBadgeCommand(t *testing.T) {
	for _, bin := range []string{"pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (apt-get install poppler-utils zbar-tools)", bin)
		}
	}
	dir, outDir := t.TempDir(), t.TempDir()
	out := filepath.Join(outDir, "ann-badge.pdf")
	var stdout strings.Builder
	if err := Run(t.Context(), []string{"badge", "--data", dir, "--user", "ann", "--role", "picker", "--out", out}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	codes := zbar(t, pdf)
	if len(codes) != 2 || codes[0] != codes[1] {
		t.Fatalf("the badge decodes to %q", codes)
	}
	code := codes[0]
	raw, _ := os.ReadFile(filepath.Join(dir, "pickpack.db"))
	if strings.Contains(string(raw), code) || strings.Contains(stdout.String(), code) {
		t.Error("the code is in the data file or on the terminal")
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"an existing file", []string{"--user", "ann", "--out", out}, "exists"},
		{"a bad user", []string{"--user", "Ann", "--role", "picker", "--out", filepath.Join(outDir, "x.pdf")}, "--user"},
		{"an unknown role", []string{"--user", "bob", "--role", "boss", "--out", filepath.Join(outDir, "x.pdf")}, "--role"},
		{"no file named", []string{"--user", "ann"}, "--out"},
		{"another role for ann", []string{"--user", "ann", "--role", "packer", "--out", filepath.Join(outDir, "x.pdf")}, "picker"},
	} {
		err := Run(t.Context(), append([]string{"badge", "--data", dir}, tc.args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(outDir, "x.pdf")); !os.IsNotExist(err) {
		t.Errorf("a refused badge left a file: %v", err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, pdf) {
		t.Error("the existing badge file was changed")
	}

	s := startServer(t, "--addr", "127.0.0.1:0", "--data", dir)
	in, err := pb.NewSignInServiceClient(s.dial(t)).SignIn(t.Context(), &pb.SignInRequest{Badge: code})
	if err != nil || in.GetUser() != "ann" || in.GetRole() != pb.Role_ROLE_PICKER {
		t.Errorf("sign-in with the CLI's badge: %v, %v", in, err)
	}
}

// zbar renders pdf at the printers' 203 dpi and returns what zbar reads,
// Code 128 first, then QR: a laser scanner reads the Code 128, a camera
// or an imager either.
func zbar(t *testing.T, pdf []byte) []string {
	t.Helper()
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
	var codes []string
	for _, f := range strings.Fields(string(out)) {
		sym, code, _ := strings.Cut(f, ":")
		codes = append(codes, sym+" "+code)
	}
	slices.Sort(codes)
	if len(codes) != 2 || !strings.HasPrefix(codes[0], "CODE-128 ") || !strings.HasPrefix(codes[1], "QR-Code ") {
		t.Fatalf("zbar reads %q, want a Code 128 and a QR code", codes)
	}
	for i := range codes {
		_, codes[i], _ = strings.Cut(codes[i], " ")
	}
	return codes
}
