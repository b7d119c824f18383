package rpc

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// IssueBadge answers with the badge ready to print: its barcodes hold the
// code of the same answer, and its text names the user and the role (of
// an existing user, when the request leaves the role out).
func TestIssueBadgePrintsTheBadge(t *testing.T) {
	for _, bin := range []string{"pdftoppm", "zbarimg", "pdftotext"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (apt-get install poppler-utils zbar-tools)", bin)
		}
	}
	e := newEnv(t)
	auth := pb.NewSignInServiceClient(e.conn)
	sup := e.as(floor.RoleSupervisor)
	if _, err := auth.IssueBadge(sup, &pb.IssueBadgeRequest{User: "kim", Role: pb.Role_ROLE_PACKER}); err != nil {
		t.Fatal(err)
	}
	badge, err := auth.IssueBadge(sup, &pb.IssueBadgeRequest{User: "kim"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "badge.pdf")
	if err := os.WriteFile(path, badge.GetPdf(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "203", "-png", "-singlefile", path, filepath.Join(dir, "badge")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command("zbarimg", "-q", filepath.Join(dir, "badge.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	got := strings.Fields(string(out))
	slices.Sort(got)
	if want := []string{"CODE-128:" + badge.GetCode(), "QR-Code:" + badge.GetCode()}; !slices.Equal(got, want) {
		t.Errorf("the badge decodes to %q, want %q", got, want)
	}
	text, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "kim") || !strings.Contains(string(text), "PACKER") {
		t.Errorf("the badge reads:\n%s\nwant kim, PACKER", text)
	}
	if _, err := e.store.SignInBadge(badge.GetCode(), DefaultShift, "TC52-01"); err != nil {
		t.Errorf("sign-in with the printed code: %v", err)
	}
}
