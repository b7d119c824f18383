package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pickpack/pickpack/internal/testcert"
	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/scanner-client/sim"
	"github.com/pickpack/pickpack/server/store"
)

// TestBackupWhileScanningRestoresClean takes a backup of a running server
// through the command line while handhelds scan, restores it into a new
// directory and audits it: the copy passes bbolt's page check and the
// stock audit, and holds every scan answered before the backup began, with
// its answer. The handhelds go on scanning after the backup, which shows
// that it did not stop them. A non-admin's backup is refused, and so is a
// restore into the running server's directory or over a data file.
func TestBackupWhileScanningRestoresClean(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, "--addr", "127.0.0.1:0", "--data", dir, "--demo", "--demo-every", "0")
	conn := s.dial(t)
	admin := s.tokens["admin"]
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	const pickers = 4
	tokens, err := sim.CreateUsers(ctx, conn, admin, "bk-", pickers, pb.Role_ROLE_PICKER)
	if err != nil {
		t.Fatal(err)
	}
	sup, err := sim.NewSupplier(ctx, conn, admin, "BK-", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Submit(ctx, 300); err != nil {
		t.Fatal(err)
	}
	cat := sim.NewCatalog(admin)
	devices := make([]*sim.Device, pickers)
	var wg sync.WaitGroup
	for i := range devices {
		devices[i] = sim.New(sim.Config{Name: fmt.Sprintf("hh%d", i), Token: tokens[i], Rate: 200,
			WrongRate: 0.1, ShortRate: 0.02, Seed: uint64(i), Catalog: cat})
		wg.Go(func() {
			if err := devices[i].Run(ctx, conn); err != nil {
				t.Errorf("%s: %v", devices[i].Name(), err)
			}
		})
	}
	answered := func() int {
		n := 0
		for _, d := range devices {
			n += d.Stats().Verdicts
		}
		return n
	}
	// waitFor polls for the handhelds' progress, not for time to pass.
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for answered() < n {
			if time.Now().After(deadline) {
				t.Fatalf("only %d scans answered, waiting for %d", answered(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(50)

	backup := filepath.Join(t.TempDir(), "pickpack-backup.db")
	for _, role := range []string{"picker", "packer", "supervisor"} {
		err := Run(ctx, []string{"backup", "--http", s.httpAddr, "--token", s.tokens[role], "--to", backup}, &strings.Builder{}, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), "403") {
			t.Errorf("backup with a %s token: %v, want 403 Forbidden", role, err)
		}
		if store.Exists(backup) {
			t.Fatalf("a %s's refused backup wrote %s", role, backup)
		}
	}

	// Every scan answered now is in the copy: the copy's transaction
	// begins after this.
	before := make([][]sim.Result, pickers)
	for i, d := range devices {
		before[i] = d.Results()
	}
	var out strings.Builder
	if err := Run(ctx, []string{"backup", "--http", s.httpAddr, "--token", admin, "--to", backup}, &out, &strings.Builder{}); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !strings.Contains(out.String(), "schema "+fmt.Sprint(store.SchemaVersion)) {
		t.Errorf("backup printed %q, want the schema", out.String())
	}
	t.Log(strings.TrimSpace(out.String()))
	waitFor(answered() + 20) // the floor goes on scanning
	stop()
	wg.Wait()

	// The running server's directory and an occupied one are refused.
	err = Run(context.Background(), []string{"restore", "--from", backup, "--data", dir, "--force"}, &strings.Builder{}, &strings.Builder{})
	// The restore runs in a child process: its errors come back as text.
	if err == nil || !strings.Contains(err.Error(), store.ErrLocked.Error()) {
		t.Errorf("restore into the running server's directory: %v, want %v", err, store.ErrLocked)
	}
	into := t.TempDir()
	out.Reset()
	if err := Run(context.Background(), []string{"restore", "--from", backup, "--data", into}, &out, &strings.Builder{}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	t.Log(strings.TrimSpace(out.String()))
	err = Run(context.Background(), []string{"restore", "--from", backup, "--data", into}, &strings.Builder{}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), store.ErrTargetHoldsData.Error()) {
		t.Errorf("restore over a data file without --force: %v, want %v", err, store.ErrTargetHoldsData)
	}
	if err := Run(context.Background(), []string{"restore", "--from", backup, "--data", into, "--force"}, &strings.Builder{}, &strings.Builder{}); err != nil {
		t.Errorf("restore --force over a stopped server's file: %v", err)
	}
	out.Reset()
	if err := Run(context.Background(), []string{"audit", "--data", into}, &out, &strings.Builder{}); err != nil {
		t.Errorf("audit of the restored copy: %v\n%s", err, out.String())
	}

	st, err := store.Open(filepath.Join(into, "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Errorf("page check of the restored copy: %v", err)
	}
	tot, err := st.Audit()
	if err != nil {
		t.Errorf("stock audit of the restored copy: %v", err)
	}
	n := 0
	for i, rs := range before {
		user := fmt.Sprintf("bk-%d", i)
		for _, r := range rs {
			n++
			a, ok, err := st.ScanAnswer("pick", user, r.ScanID)
			switch {
			case err != nil:
				t.Fatal(err)
			case !ok:
				t.Errorf("%s/%s was answered %v before the backup but is not in it", user, r.ScanID, r.Verdict)
			case pb.Verdict(a.Verdict) != r.Verdict || a.Reason != r.Reason:
				t.Errorf("%s/%s is in the copy as %v %s, was answered %v %s", user, r.ScanID, pb.Verdict(a.Verdict), a.Reason, r.Verdict, r.Reason)
			}
		}
	}
	if n < 50 || tot.Scans < n {
		t.Errorf("the copy holds %d scans; %d were answered before it", tot.Scans, n)
	}
	if after := answered(); tot.Scans >= after {
		t.Errorf("the copy holds %d scans, as many as all %d answered: it was not taken while scanning went on", tot.Scans, after)
	}
	if _, err := os.Stat(backup + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the backup left its partial file: %v", err)
	}
}

// TestRestoreReportsDamagedBackup: a backup whose pages are damaged makes
// bbolt crash while it is checked; the restore says the backup is damaged,
// leaves the data file in place as it was, and nothing beside it.
func TestRestoreReportsDamagedBackup(t *testing.T) {
	raw := auditedFile(t)
	if damagePages(raw, leafPage, func(p []byte) { clear(p) }) == 0 {
		t.Fatal("no page to damage")
	}
	backup := filepath.Join(t.TempDir(), "damaged.db")
	if err := os.WriteFile(backup, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	into := t.TempDir()
	target := filepath.Join(into, "pickpack.db")
	st, err := store.Open(target, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	before, _ := os.ReadFile(target)
	var out strings.Builder
	err = Run(context.Background(), []string{"restore", "--from", backup, "--data", into, "--force"}, &out, &strings.Builder{})
	if !errors.Is(err, errRestoreCrashed) || !strings.Contains(out.String(), "crashed the database library") {
		t.Errorf("restore of a damaged backup: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String()+fmt.Sprint(err), "goroutine ") {
		t.Errorf("the report holds a stack trace:\n%s", out.String())
	}
	if after, _ := os.ReadFile(target); !bytes.Equal(after, before) {
		t.Error("the failed restore changed the data file in place")
	}
	if entries, _ := os.ReadDir(into); len(entries) != 1 {
		t.Errorf("%d files beside the data file after a failed restore, want none", len(entries)-1)
	}
}

// TestBackupOverTLS: a server serving HTTPS is backed up with its CA
// certificate, and not without it.
func TestBackupOverTLS(t *testing.T) {
	dir := t.TempDir()
	ca := testcert.NewCA(t, dir, "site")
	certFile, keyFile := ca.Issue(t, "server")
	s := startServer(t, "--addr", "127.0.0.1:0", "--data", dir, "--tls-cert", certFile, "--tls-key", keyFile, "--demo", "--demo-every", "0")
	backup := filepath.Join(t.TempDir(), "b.db")
	args := []string{"backup", "--http", "https://" + s.httpAddr, "--token", s.tokens["admin"], "--to", backup}
	if err := Run(context.Background(), args, &strings.Builder{}, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("backup over TLS without the CA: %v, want a certificate error", err)
	}
	if err := Run(context.Background(), append(args, "--ca-cert", ca.File), &strings.Builder{}, &strings.Builder{}); err != nil {
		t.Fatalf("backup over TLS: %v", err)
	}
	if _, err := store.Restore(mustOpen(t, backup), filepath.Join(t.TempDir(), "pickpack.db"), store.RestoreOptions{}); err != nil {
		t.Errorf("restore of the TLS backup: %v", err)
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
