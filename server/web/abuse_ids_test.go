package web

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pickpack/pickpack/server/docs"
	"github.com/pickpack/pickpack/server/floor"
)

// TestAbuseDocumentIDs: the id in a document's URL is held to the order id
// rule, and the download's file name is never the raw id. An id that
// breaks the rule is refused before anything is rendered, with a short
// message; a valid id with characters that mean something in a header
// (Shopify's "#", ':') reaches the client as a plain file name.
func TestAbuseDocumentIDs(t *testing.T) {
	rendered := 0
	s := &Server{
		Auth: tokens{"pp_packer": {Name: "pk1", Role: floor.RolePacker}},
		Documents: func(_ context.Context, id, format string) (docs.Rendered, error) {
			rendered++
			return docs.Rendered{Data: []byte(format + " of " + id), State: floor.StatePacked}, nil
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tests := []struct {
		name, id     string
		want         int
		wantFileName string // the filename parameter a client reads; "" when refused
	}{
		{"traversal", "../../etc/passwd", http.StatusBadRequest, ""},
		{"encoded slash", "x/../../../../../tmp/x/PWNED", http.StatusBadRequest, ""},
		{"quote and header break", "O1\";\r\nSet-Cookie: a=b", http.StatusBadRequest, ""},
		{"dot dot, cleaned away by the router", "..", http.StatusNotFound, ""},
		{"non-ASCII", "订单1", http.StatusBadRequest, ""},
		{"1 MB id", strings.Repeat("A", 1<<20), http.StatusBadRequest, ""},
		{"Shopify", "#1001", http.StatusOK, "_1001.pdf"},
		{"Amazon", "123-4567890-1234567", http.StatusOK, "123-4567890-1234567.pdf"},
		{"colon and dots", "ns:O.1", http.StatusOK, "ns_O.1.pdf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := rendered
			req, _ := http.NewRequest("GET", srv.URL+"/orders/"+url.PathEscape(tc.id)+"/documents.pdf", nil)
			req.Header.Set("Authorization", "Bearer pp_packer")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("got %d %.200q, want %d", resp.StatusCode, body, tc.want)
			}
			if tc.want != http.StatusOK {
				if rendered != before {
					t.Errorf("a refused id was rendered")
				}
				if len(body) > 400 {
					t.Errorf("the error is %d bytes, echoing the id: %.200q", len(body), body)
				}
				return
			}
			cd := resp.Header.Get("Content-Disposition")
			disp, params, err := mime.ParseMediaType(cd)
			if err != nil || disp != "inline" || params["filename"] != tc.wantFileName {
				t.Errorf("Content-Disposition %q: %q %q %v, want inline with filename %q", cd, disp, params, err, tc.wantFileName)
			}
		})
	}
}

// TestAbuseContentDisposition: whatever name a download gets (an order id
// kept in a data file from before the id rule), the header value has a
// plain ASCII filename without a path, a quote or a line break, and a
// name beyond ASCII travels whole in filename* (RFC 5987).
func TestAbuseContentDisposition(t *testing.T) {
	tests := []struct {
		base, ext    string
		wantFileName string // filename=, as a client reads it
		wantFull     string // what mime.ParseMediaType gives for filename (it prefers filename*)
	}{
		{"O1", "pdf", "O1.pdf", "O1.pdf"},
		{"../../etc/passwd", "pdf", "_._.__etc_passwd.pdf", "_._.__etc_passwd.pdf"},
		{".hidden", "zpl", "_hidden.zpl", "_hidden.zpl"},
		{"a\"b\r\nSet-Cookie: x=y", "pdf", "a_b__Set-Cookie__x_y.pdf", "a_b__Set-Cookie__x_y.pdf"},
		{"订单/1", "pdf", "___1.pdf", "订单/1.pdf"},
		{"", "csv", "document.csv", "document.csv"},
		{strings.Repeat("é", 1000), "pdf", strings.Repeat("_", maxFileNameBase) + ".pdf", strings.Repeat("é", 1000) + ".pdf"},
	}
	for _, tc := range tests {
		v := contentDisposition("attachment", tc.base, tc.ext)
		if strings.ContainsAny(v, "\r\n") {
			t.Errorf("%.40q: header value %q breaks the header", tc.base, v)
		}
		filename := v[strings.Index(v, "filename="):]
		filename, _, _ = strings.Cut(filename, ";")
		_, plain, err := mime.ParseMediaType("attachment; " + filename)
		if err != nil || plain["filename"] != tc.wantFileName {
			t.Errorf("%.40q: filename of %q is %q (%v), want %q", tc.base, v, plain["filename"], err, tc.wantFileName)
		}
		_, params, err := mime.ParseMediaType(v)
		if err != nil || params["filename"] != tc.wantFull {
			t.Errorf("%.40q: %q reads as %.60q (%v), want %.60q", tc.base, v, params["filename"], err, tc.wantFull)
		}
	}
}

// TestAbuseQueryEcho: a huge query parameter is refused without being
// echoed back whole.
func TestAbuseQueryEcho(t *testing.T) {
	s := &Server{Auth: tokens{"pp_sup": {Name: "sue", Role: floor.RoleSupervisor}}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	huge := strings.Repeat("9", 100_000)
	for _, path := range []string{
		"/reports/shift.csv?from=" + huge + "&to=2026-03-02T14:00:00Z",
		"/reports/shift.pdf?from=2026-03-02T06:00:00Z&to=" + huge,
		"/api/floor/figures?from=" + huge,
	} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer pp_sup")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || len(body) > 400 {
			t.Errorf("GET %.40s…: %d with a %d-byte body %.200q, want 400 with a short one", path, resp.StatusCode, len(body), body)
		}
	}
}
