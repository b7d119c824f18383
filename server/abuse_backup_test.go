package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAbuseBackupCommandLine: the backup and restore commands refuse what
// they cannot do whole (no target, no token, a token the server does not
// know, a directory that is not there, a backup that is not there) with
// an error that says why, and write nothing.
func TestAbuseBackupCommandLine(t *testing.T) {
	t.Setenv(tokenEnv, "")
	s := startServer(t, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo", "--demo-every", "0")
	out := t.TempDir()
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"backup: no --to", []string{"backup", "--http", s.httpAddr, "--token", s.tokens["admin"]}, "--to FILE is required"},
		{"backup: no token", []string{"backup", "--http", s.httpAddr, "--to", filepath.Join(out, "b.db")}, "an admin token is required"},
		{"backup: unknown token", []string{"backup", "--http", s.httpAddr, "--token", "pp_" + strings.Repeat("x", 43), "--to", filepath.Join(out, "b.db")}, "401"},
		{"backup: no such directory", []string{"backup", "--http", s.httpAddr, "--token", s.tokens["admin"], "--to", filepath.Join(out, "none", "b.db")}, "no such file or directory"},
		{"backup: CA file is not one", []string{"backup", "--http", "https://" + s.httpAddr, "--token", s.tokens["admin"], "--ca-cert", notPEM, "--to", filepath.Join(out, "b.db")}, "no certificate in"},
		{"restore: no --from", []string{"restore", "--data", filepath.Join(out, "r")}, "--from FILE is required"},
		{"restore: no such backup", []string{"restore", "--from", filepath.Join(out, "none.db"), "--data", filepath.Join(out, "r")}, "no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Run(context.Background(), tc.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("refused commands left %d files: %v", len(entries), entries)
	}
}
