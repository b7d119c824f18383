package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// TestAbuseBackup: only an admin gets the data file; everyone else, with
// or without a token, is refused before a byte of it is read, and nothing
// in the request (a query naming a path) becomes a file: the copy goes to
// the caller only.
func TestAbuseBackup(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		method string
		path   string
		role   floor.Role // RoleUnspecified: no token
		want   int
	}{
		{"no token", "GET", "/admin/backup", floor.RoleUnspecified, http.StatusUnauthorized},
		{"picker", "GET", "/admin/backup", floor.RolePicker, http.StatusForbidden},
		{"packer", "GET", "/admin/backup", floor.RolePacker, http.StatusForbidden},
		{"supervisor", "GET", "/admin/backup", floor.RoleSupervisor, http.StatusForbidden},
		{"admin posting", "POST", "/admin/backup", floor.RoleAdmin, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, nil)
		if tok := e.tokens[tt.role]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want || resp.Header.Get(BackupSchemaHeader) != "" {
			t.Errorf("%s: %s %s: got %d (schema header %q), want %d and no copy", tt.name, tt.method, tt.path,
				resp.StatusCode, resp.Header.Get(BackupSchemaHeader), tt.want)
		}
	}

	dir := t.TempDir()
	target := filepath.Join(dir, "stolen.db")
	resp, body := e.get(t, "/admin/backup?to="+target+"&path=../../pickpack.db", floor.RoleAdmin)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin backup: %d %.200s", resp.StatusCode, body)
	}
	if store.Exists(target) {
		t.Errorf("the query's path %s became a file", target)
	}
	if got, want := resp.Header.Get(BackupSchemaHeader), strconv.Itoa(store.SchemaVersion); got != want {
		t.Errorf("schema header %q, want %q", got, want)
	}
	if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %s for %d bytes", got, len(body))
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("Content-Disposition %q, want an attachment", resp.Header.Get("Content-Disposition"))
	}
	if got, want := resp.Header.Get(BackupTimeHeader), shiftStart.Format("2006-01-02T15:04:05Z07:00"); got != want {
		t.Errorf("backup time %q, want the store's clock %q", got, want)
	}
	restored, err := store.Restore(bytes.NewReader(body), filepath.Join(dir, "pickpack.db"), store.RestoreOptions{})
	if err != nil {
		t.Fatalf("the copy does not restore: %v", err)
	}
	if restored.Size != int64(len(body)) || restored.Schema != store.SchemaVersion {
		t.Errorf("restored %+v from %d bytes", restored, len(body))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the restore left %d files in its directory, want the data file only", len(entries))
	}
}

// heldBackup is a store's backup whose first copy waits, once begun,
// until the test lets it go on.
type heldBackup struct {
	st              *store.Store
	calls           atomic.Int32
	begun, released chan struct{}
}

func (h *heldBackup) Backup(start func(store.BackupInfo) (io.Writer, error)) (store.BackupInfo, error) {
	return h.st.Backup(func(info store.BackupInfo) (io.Writer, error) {
		if h.calls.Add(1) == 1 {
			close(h.begun)
			<-h.released
		}
		return start(info)
	})
}

// TestAbuseBackupOneAtATime: a second backup while one runs is refused
// with 429 (each reads the whole file and keeps its pages from being
// reused); once the first has ended, the next one runs.
func TestAbuseBackupOneAtATime(t *testing.T) {
	e := newEnv(t)
	held := &heldBackup{st: e.st, begun: make(chan struct{}), released: make(chan struct{})}
	srv := httptest.NewServer((&Server{Auth: e.st, Log: e.log, Backup: held}).Handler())
	defer srv.Close()
	get := func() (int, []byte) {
		req, _ := http.NewRequest("GET", srv.URL+"/admin/backup", nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[floor.RoleAdmin])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	first := make(chan int)
	go func() { code, _ := get(); first <- code }()
	<-held.begun
	if code, body := get(); code != http.StatusTooManyRequests {
		t.Errorf("a second backup while one runs: %d %.100s, want 429", code, body)
	}
	close(held.released)
	if code := <-first; code != http.StatusOK {
		t.Errorf("the first backup: %d", code)
	}
	if code, body := get(); code != http.StatusOK || len(body) == 0 {
		t.Errorf("a backup after the first ended: %d, %d bytes", code, len(body))
	}
}
