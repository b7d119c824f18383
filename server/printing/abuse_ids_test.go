package printing

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/store"
)

// TestAbuseSpoolFileNames: an order id from a request or a file never
// becomes part of a spool file's path. The orders are stored through the
// store directly, as an old data file from before the id rule may hold
// them; each job lands inside the spool directory, named from its number.
func TestAbuseSpoolFileNames(t *testing.T) {
	tests := []struct {
		name, orderID string
	}{
		{"traversal out of the spool dir", "x/../../PWNED"},
		{"absolute path", "/PWNED"},
		{"backslashes", `..\..\PWNED`},
		{"dot dot", ".."},
		{"hidden file", ".PWNED"},
		{"non-ASCII", "订单/../../注文"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			spool := filepath.Join(base, "spool")
			c := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
			st, err := store.Open(filepath.Join(base, "pickpack.db"), store.Options{Clock: c})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			packedOrder(t, st, tc.orderID)
			d := dispatcher(st, Config{Default: Printer{Kind: "spool", Dir: spool, Format: FormatPDF}}, c)
			d.Drain(context.Background())

			jobs, err := st.PrintJobs(false)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("print jobs %+v, %v; want one", jobs, err)
			}
			got, _ := os.ReadDir(spool)
			var names []string
			for _, e := range got {
				names = append(names, e.Name())
			}
			if want := []string{SpoolName(jobs[0], FormatPDF)}; !slices.Equal(names, want) {
				t.Errorf("spool dir holds %q, want %q", names, want)
			}
			if doc, err := os.ReadFile(filepath.Join(spool, SpoolName(jobs[0], FormatPDF))); err != nil || string(doc) != "pdf:"+tc.orderID {
				t.Errorf("spool file holds %q, %v; want the order's document", doc, err)
			}
			beside, _ := os.ReadDir(base)
			for _, e := range beside {
				if e.Name() != "spool" && e.Name() != "pickpack.db" {
					t.Errorf("a file was written beside the spool dir: %s", e.Name())
				}
			}
		})
	}
}
