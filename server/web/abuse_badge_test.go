package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// badgeSite serves the badge route over a real store, logging to log.
func badgeSite(t *testing.T, log *bytes.Buffer) (*store.Store, *httptest.Server, map[floor.Role]string) {
	t.Helper()
	clock := &fixedClock{t: time.Date(2026, 12, 3, 7, 30, 0, 0, time.UTC)}
	st, err := store.Open(filepath.Join(t.TempDir(), "pickpack.db"), store.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tokens := map[floor.Role]string{}
	for name, role := range map[string]floor.Role{"ann": floor.RolePicker, "sue": floor.RoleSupervisor, "root": floor.RoleAdmin} {
		if tokens[role], err = st.CreateToken(name, role); err != nil {
			t.Fatal(err)
		}
	}
	site := &Server{Auth: st, Badges: st, Clock: clock, Log: slog.New(slog.NewTextHandler(log, nil))}
	srv := httptest.NewServer(site.Handler())
	t.Cleanup(srv.Close)
	return st, srv, tokens
}

func postBadge(t *testing.T, srv *httptest.Server, token, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestAbuseBadge: who may not get a badge, and what is not a user or a
// role. None of these makes a user or changes a badge.
func TestAbuseBadge(t *testing.T) {
	var log bytes.Buffer
	st, srv, tokens := badgeSite(t, &log)
	for _, tc := range []struct {
		name   string
		token  string
		path   string
		status int
		want   string
	}{
		{"no token", "", "/api/users/bob/badge?role=picker", http.StatusUnauthorized, "bearer"},
		{"a revoked or made-up token", "nope", "/api/users/bob/badge?role=picker", http.StatusUnauthorized, ""},
		{"a picker", tokens[floor.RolePicker], "/api/users/bob/badge?role=picker", http.StatusForbidden, "may not"},
		{"a supervisor for a supervisor", tokens[floor.RoleSupervisor], "/api/users/sue2/badge?role=supervisor", http.StatusForbidden, "may not manage"},
		{"a supervisor for an admin", tokens[floor.RoleSupervisor], "/api/users/root/badge", http.StatusForbidden, "may not manage"},
		{"a user name with capitals", tokens[floor.RoleAdmin], "/api/users/Bob/badge?role=picker", http.StatusBadRequest, "user"},
		{"a user name with a quote", tokens[floor.RoleAdmin], "/api/users/b%22ob/badge?role=picker", http.StatusBadRequest, "user"},
		{"a path in the user name", tokens[floor.RoleAdmin], "/api/users/..%2Fetc/badge?role=picker", http.StatusBadRequest, "user"},
		{"a user name too long", tokens[floor.RoleAdmin], "/api/users/" + strings.Repeat("a", 65) + "/badge?role=picker", http.StatusBadRequest, "user"},
		{"an unknown role", tokens[floor.RoleAdmin], "/api/users/bob/badge?role=boss", http.StatusBadRequest, "role"},
		{"a new user without a role", tokens[floor.RoleAdmin], "/api/users/bob/badge", http.StatusBadRequest, "role"},
		{"an existing user with another role", tokens[floor.RoleAdmin], "/api/users/ann/badge?role=packer", http.StatusConflict, "picker"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := postBadge(t, srv, tc.token, tc.path)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
				t.Errorf("got %d %q, want %d with %q", resp.StatusCode, body, tc.status, tc.want)
			}
			if ct := resp.Header.Get("Content-Type"); ct == "application/pdf" {
				t.Errorf("a refusal sent a PDF")
			}
		})
	}
	users, err := st.Users()
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 3 {
		t.Errorf("users after the refusals: %+v, want only ann, sue and root", users)
	}
	// GET does not issue: issuing revokes the previous badge, so a link
	// followed or prefetched must not do it.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/users/ann/badge", nil)
	req.Header.Set("Authorization", "Bearer "+tokens[floor.RoleAdmin])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
	if strings.Contains(log.String(), "badge issued") {
		t.Errorf("a refused request issued a badge:\n%s", log.String())
	}
}

// TestBadgeRoute issues a badge as a supervisor and reads it as a
// handheld would: both barcodes give the code, the code signs in, the
// log and the headers do not keep it, and the next badge ends this one.
func TestBadgeRoute(t *testing.T) {
	var log bytes.Buffer
	st, srv, tokens := badgeSite(t, &log)
	resp := postBadge(t, srv, tokens[floor.RoleSupervisor], "/api/users/bob/badge?role=packer")
	pdf, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, pdf)
	}
	for h, want := range map[string]string{
		"Content-Type":        "application/pdf",
		"Content-Disposition": `attachment; filename=badge-bob.pdf`,
		"Cache-Control":       "no-store",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	codes := decodePDF(t, pdf)
	if len(codes) != 2 || codes[0] != codes[1] || floor.BadgeProblem(codes[0]) != "" {
		t.Fatalf("the badge decodes to %q, want one badge code twice (QR and Code 128)", codes)
	}
	code := codes[0]
	in, err := st.SignInBadge(code, time.Hour, "TC52-01")
	if err != nil || in.User.Name != "bob" || in.User.Role != floor.RolePacker {
		t.Fatalf("sign-in with the printed code: %+v, %v", in.User, err)
	}
	if strings.Contains(log.String(), code) || !strings.Contains(log.String(), "badge issued") {
		t.Errorf("log (must say the badge was issued, without its code):\n%s", log.String())
	}

	// An existing user needs no role; the new badge ends the old one.
	resp = postBadge(t, srv, tokens[floor.RoleSupervisor], "/api/users/bob/badge")
	pdf, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("second badge: %d %s", resp.StatusCode, pdf)
	}
	if _, err := st.SignInBadge(code, time.Hour, "TC52-01"); floor.KindOf(err) != floor.KindUnauthenticated {
		t.Errorf("the first badge after the second: %v, want unauthenticated", err)
	}
	next := decodePDF(t, pdf)
	if len(next) != 2 || next[0] == code {
		t.Fatalf("second badge decodes to %q", next)
	}
	if _, err := st.SignInBadge(next[0], time.Hour, "TC52-01"); err != nil {
		t.Errorf("the second badge: %v", err)
	}
}

// decodePDF renders pdf at the printers' 203 dpi and returns what zbar
// reads, sorted by zbar's own order.
func decodePDF(t *testing.T, pdf []byte) []string {
	t.Helper()
	for _, bin := range []string{"pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (apt-get install poppler-utils zbar-tools)", bin)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "badge.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "203", "-png", "-singlefile", path, filepath.Join(dir, "badge")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	out, err := exec.Command("zbarimg", "--raw", "-q", filepath.Join(dir, "badge.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	return strings.Fields(string(out))
}
