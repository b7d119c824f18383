package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// The audit runs its checks in a child process: in the tests, this test
// binary again, as the crash test runs its server (crashServerEnv).
func init() {
	auditChild = func(args []string) (*exec.Cmd, error) {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), crashServerEnv+"="+strings.Join(args, "\n"))
		return cmd, nil
	}
}

// auditedFile writes a data file as a site has one: the demo warehouse
// and 3,000 orders, enough for branch pages above the leaves.
func auditedFile(t *testing.T) []byte {
	t.Helper()
	w, err := demo.Load(1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pickpack.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportBinMap(w.Map, false); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSKUs(w.SKUs, false); err != nil {
		t.Fatal(err)
	}
	if err := st.SetShipping(w.Shipping); err != nil {
		t.Fatal(err)
	}
	orders := make([]floor.Order, 3000)
	for i := range orders {
		orders[i] = floor.Order{ID: fmt.Sprintf("O-%d", i), Channel: "shop", Lines: []floor.OrderLine{{SKU: w.SKUs[i%len(w.SKUs)].ID, Quantity: 1}},
			Recipient: floor.Address{Name: "Ann Lee", Lines: []string{"1 Main St"}, City: "Köln", PostalCode: "50667", Country: "DE"}}
	}
	if _, err := st.SubmitOrders(orders, false); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// bbolt's page layout (go.etcd.io/bbolt/internal/common/page.go): 4 KB
// pages, each with a 16-byte header (id, flags, count, overflow), then
// 16-byte elements; a branch element holds its child's page id at offset 8.
const (
	pageSize   = 4096
	branchPage = 0x01
	leafPage   = 0x02
)

// damagePages applies damage to every page of raw of the given kind that
// says it is the page it is (not the stale copy in a free page).
func damagePages(raw []byte, kind uint16, damage func(p []byte)) (n int) {
	for id := 2; (id+1)*pageSize <= len(raw); id++ {
		p := raw[id*pageSize : (id+1)*pageSize]
		if binary.LittleEndian.Uint64(p) == uint64(id) && binary.LittleEndian.Uint16(p[8:]) == kind {
			damage(p)
			n++
		}
	}
	return n
}

// TestAuditReportsDamagedFiles damages copies of a real data file the
// ways a disk or a stray write does, and audits each: the audit reports
// the damage and fails, never crashes with bbolt's panic or a fault.
func TestAuditReportsDamagedFiles(t *testing.T) {
	sound := auditedFile(t)
	tests := []struct {
		name    string
		damage  func(raw []byte) int // returns how many pages it damaged
		wantErr error                // nil: any error of the audit
		want    string               // in the report (stdout) or the error
	}{
		{"sound file", func([]byte) int { return 1 }, nil, "file structure: ok"},
		{"leaf pages zeroed", func(raw []byte) int { return damagePages(raw, leafPage, func(p []byte) { clear(p) }) },
			errAuditCrashed, "the file is damaged"},
		{"leaf pages claim 65,535 elements", func(raw []byte) int {
			return damagePages(raw, leafPage, func(p []byte) { binary.LittleEndian.PutUint16(p[10:], 0xffff) })
		}, errAuditCrashed, "the file is damaged"},
		{"leaf pages' elements overwritten", func(raw []byte) int {
			return damagePages(raw, leafPage, func(p []byte) {
				for i := 16; i < len(p); i++ {
					p[i] = byte(i * 7)
				}
			})
		}, errAuditCrashed, "the file is damaged"},
		{"branch pages point past the file", func(raw []byte) int {
			return damagePages(raw, branchPage, func(p []byte) { binary.LittleEndian.PutUint64(p[16+8:], 1<<40) })
		}, errAuditCrashed, "the file is damaged"},
		{"both meta pages lost", func(raw []byte) int {
			for i := 0; i < 2*pageSize; i++ {
				raw[i] ^= 0xA5
			}
			return 2
		}, nil, "audit: open data file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			raw := append([]byte(nil), sound...)
			if n := tc.damage(raw); n == 0 {
				t.Fatal("no page to damage")
			}
			if err := os.WriteFile(filepath.Join(dir, "pickpack.db"), raw, 0o600); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			err := Run(context.Background(), []string{"audit", "--data", dir}, &out, io.Discard)
			got := out.String()
			if err != nil {
				got += err.Error()
			}
			switch {
			case tc.name == "sound file":
				if err != nil {
					t.Fatalf("audit of a sound file: %v\n%s", err, out.String())
				}
			case err == nil:
				t.Fatalf("audit of a damaged file passed:\n%s", out.String())
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("error %v, want %v; report:\n%s", err, tc.wantErr, out.String())
			case !strings.HasPrefix(err.Error(), "audit:"):
				t.Errorf("error %q does not say the audit failed", err)
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("report and error %q lack %q", got, tc.want)
			}
			if strings.Contains(got, "goroutine ") {
				t.Errorf("the report holds a stack trace:\n%s", got)
			}
		})
	}
}
