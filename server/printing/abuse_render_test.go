package printing

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/docs"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// hugeNames is the store as the documents' source, with every order's
// recipient name 1 MB long: an order stored before names had a limit.
type hugeNames struct{ *store.Store }

func (h hugeNames) Order(id string) (floor.Order, error) {
	o, err := h.Store.Order(id)
	o.Recipient.Name = strings.Repeat("Щедрый Ли 李 Wolfe ", 1<<20/len("Щедрый Ли 李 Wolfe "))
	return o, err
}

// The print queue renders a packed order's document with the real
// renderer under its own deadline: a 1 MB recipient name prints, and a
// render past its deadline fails the job with the reason shown in the
// job (to be retried), the printer getting nothing.
func TestAbusePrintRender(t *testing.T) {
	tests := []struct {
		name      string
		timeout   time.Duration // negative: passed already
		format    string
		wantSent  bool
		wantError []string // in the job's LastError
		wantStart string   // of the printed document
	}{
		{"1 MB name, PDF", 0, FormatPDF, true, nil, "%PDF-"},
		{"1 MB name, ZPL", 0, FormatZPL, true, nil, "^XA"},
		{"deadline passed", -time.Second, FormatPDF, false, []string{"render timeout -1s", "render deadline"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
			st, err := store.Open(filepath.Join(t.TempDir(), "pickpack.db"), store.Options{Clock: c})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			sh, err := os.ReadFile("../rpc/testdata/shipping.json")
			if err != nil {
				t.Fatal(err)
			}
			shipping, err := floor.ParseShipping(sh)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SetShipping(shipping); err != nil {
				t.Fatal(err)
			}
			packedOrder(t, st, "O1")
			if o, err := st.Order("O1"); err != nil || o.Tracking == "" {
				t.Fatalf("order without a waybill: %+v %v", o, err)
			}
			printer := newFakePrinter(t, "127.0.0.1:0")
			d := (&Dispatcher{Jobs: st, Clock: c, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), RenderTimeout: tc.timeout,
				Config: Config{Default: Printer{Kind: "tcp", Addr: printer.lis.Addr().String(), Format: tc.format}},
				Render: func(ctx context.Context, id, format string) ([]byte, error) {
					doc, err := docs.Render(ctx, hugeNames{st}, id, format, c.Now())
					return doc.Data, err
				}}).Init()
			d.Drain(context.Background())

			jobs, err := st.PrintJobs(false)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("jobs %+v, %v", jobs, err)
			}
			j := jobs[0]
			if got := j.State == floor.PrintSent; got != tc.wantSent {
				t.Fatalf("job %v (%s), want sent %v", j.State, j.LastError, tc.wantSent)
			}
			for _, want := range tc.wantError {
				if !strings.Contains(j.LastError, want) {
					t.Errorf("job's error %q lacks %q", j.LastError, want)
				}
			}
			if !tc.wantSent {
				if j.State != floor.PrintQueued || j.Attempts != 1 {
					t.Errorf("failed job %v after %d attempts, want queued for a retry after 1", j.State, j.Attempts)
				}
				if got := printer.printed(); len(got) != 0 {
					t.Errorf("printer got %d documents", len(got))
				}
				return
			}
			got := printer.await(t, 1)
			if !bytes.HasPrefix([]byte(got[0]), []byte(tc.wantStart)) || len(got[0]) > 200_000 {
				t.Errorf("printed %d bytes starting %.20q, want at most 200 kB starting %q", len(got[0]), got[0], tc.wantStart)
			}
		})
	}
}
