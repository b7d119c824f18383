package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pickpack/pickpack/server/docs"
	"github.com/pickpack/pickpack/server/floor"
)

type tokens map[string]floor.User

func (ts tokens) Authenticate(token string) (floor.User, error) {
	u, ok := ts[token]
	if !ok {
		return u, floor.E("authenticate", floor.KindUnauthenticated, "unknown or revoked token")
	}
	return u, nil
}

func TestDocumentsOverHTTP(t *testing.T) {
	s := &Server{
		Auth: tokens{"pp_packer": {Name: "pk1", Role: floor.RolePacker}, "pp_picker": {Name: "ann", Role: floor.RolePicker}},
		Documents: func(_ context.Context, id, format string) (docs.Rendered, error) {
			if id != "O1" {
				return docs.Rendered{}, floor.E("render documents", floor.KindNotFound, "no order %q", id)
			}
			return docs.Rendered{Data: []byte(format + " of " + id), State: floor.StatePicked}, nil
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tests := []struct {
		path, token string
		want        int
		wantType    string
	}{
		{"/orders/O1/documents.pdf", "pp_packer", http.StatusOK, "application/pdf"},
		{"/orders/O1/documents.zpl", "pp_packer", http.StatusOK, "application/vnd.zebra-zpl"},
		{"/orders/O1/documents.pdf", "", http.StatusUnauthorized, ""},
		{"/orders/O1/documents.pdf", "pp_forged", http.StatusUnauthorized, ""},
		{"/orders/O1/documents.pdf", "pp_picker", http.StatusForbidden, ""},
		{"/orders/NOPE/documents.pdf", "pp_packer", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want || (tt.wantType != "" && resp.Header.Get("Content-Type") != tt.wantType) {
			t.Errorf("GET %s as %q: %d %s %q, want %d %s", tt.path, tt.token, resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.want, tt.wantType)
		}
		// A document says the order's state it shows; an error, none.
		wantState := ""
		if tt.want == http.StatusOK {
			wantState = "picked"
		}
		if got := resp.Header.Get(OrderStateHeader); got != wantState {
			t.Errorf("GET %s as %q: %s %q, want %q", tt.path, tt.token, OrderStateHeader, got, wantState)
		}
	}
}
