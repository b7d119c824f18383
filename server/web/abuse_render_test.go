package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/docs"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// megabyteName is the recipient name of issue 12: 1 MB, mixed scripts.
var megabyteName = strings.Repeat("Щедрый Ли 李 Wolfe ", 1<<20/len("Щедрый Ли 李 Wolfe "))

// hugeNames is the store as the documents' source, with every order's
// recipient name 1 MB long: an order stored before names had a limit.
type hugeNames struct{ *store.Store }

func (h hugeNames) Order(id string) (floor.Order, error) {
	o, err := h.Store.Order(id)
	o.Recipient.Name = megabyteName
	return o, err
}

// The documents route renders with the real renderer under a deadline:
// a 1 MB recipient name renders (it used to keep a core busy for minutes),
// a render whose deadline has passed or whose client has gone is stopped
// and answered 503 with the reason.
func TestAbuseDocumentsRender(t *testing.T) {
	e := newEnv(t)
	e.submit(t, "O-HUGE", floor.OrderLine{SKU: e.skus[0], Quantity: 1})
	if o, err := e.st.Order("O-HUGE"); err != nil || o.Tracking == "" {
		t.Fatalf("order without a waybill: %+v %v", o, err)
	}
	site := func(timeout time.Duration) http.Handler {
		return (&Server{Auth: e.st, Log: e.log, RenderTimeout: timeout,
			Documents: func(ctx context.Context, id, format string) (docs.Rendered, error) {
				return docs.Render(ctx, hugeNames{e.st}, id, format, e.clock.Now())
			}}).Handler()
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		path     string
		timeout  time.Duration // RenderTimeout; negative: passed already
		ctx      context.Context
		want     int
		wantBody string // a prefix of the body, or text it contains for an error
		maxBytes int
	}{
		{"1 MB name, PDF", "/orders/O-HUGE/documents.pdf", 0, context.Background(), http.StatusOK, "%PDF-", 200_000},
		// ZPL: text beyond font 0 (the cut name too) is ^GF pictures.
		{"1 MB name, ZPL", "/orders/O-HUGE/documents.zpl", 0, context.Background(), http.StatusOK, "^XA", 50_000},
		{"deadline passed, PDF", "/orders/O-HUGE/documents.pdf", -1, context.Background(), http.StatusServiceUnavailable, "render deadline", 1000},
		{"deadline passed, ZPL", "/orders/O-HUGE/documents.zpl", -1, context.Background(), http.StatusServiceUnavailable, "render deadline", 1000},
		{"client gone", "/orders/O-HUGE/documents.pdf", 0, cancelled, http.StatusServiceUnavailable, "cancelled", 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(tc.ctx, "GET", tc.path, nil)
			req.Header.Set("Authorization", "Bearer "+e.tokens[floor.RolePacker])
			rec := httptest.NewRecorder()
			site(tc.timeout).ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Result().Body)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d: %.200s", rec.Code, tc.want, body)
			}
			if tc.want == http.StatusOK && !bytes.HasPrefix(body, []byte(tc.wantBody)) ||
				tc.want != http.StatusOK && !bytes.Contains(body, []byte(tc.wantBody)) {
				t.Errorf("body %.200q, want %q", body, tc.wantBody)
			}
			if len(body) > tc.maxBytes {
				t.Errorf("%d bytes, want at most %d", len(body), tc.maxBytes)
			}
		})
	}
}
