package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/pickpack/pickpack/server/store"
)

// Backuper copies the data file while the server serves (store.Store).
type Backuper interface {
	Backup(start func(store.BackupInfo) (io.Writer, error)) (store.BackupInfo, error)
}

// The backup route's headers, which say what the copy is before its bytes.
const (
	// BackupSchemaHeader is the copy's schema version.
	BackupSchemaHeader = "Pickpack-Schema"
	// BackupTimeHeader is when the copy was taken (RFC 3339, UTC): every
	// scan answered before then is in it.
	BackupTimeHeader = "Pickpack-Backup-Time"
	// BackupTxHeader is the id of the last commit in the copy.
	BackupTxHeader = "Pickpack-Backup-Tx"
)

// DefaultBackupStall is how long one write of the backup may wait for a
// client that stopped reading before the copy is abandoned: while it is
// open the data file cannot reuse its pages and grows.
const DefaultBackupStall = 30 * time.Second

// backup streams a consistent copy of the data file to an admin, one
// backup at a time (another is refused with 429). Nothing in the request
// names a file: the bytes go to the caller, who decides where they land.
func (s *Server) backup(w http.ResponseWriter, r *http.Request) {
	if s.Backup == nil {
		http.Error(w, "backups are not served here", http.StatusServiceUnavailable)
		return
	}
	if !s.backingUp.CompareAndSwap(false, true) {
		http.Error(w, "a backup is already running; try again when it has ended", http.StatusTooManyRequests)
		return
	}
	defer s.backingUp.Store(false)
	stall := s.BackupStall
	if stall == 0 {
		stall = DefaultBackupStall
	}
	started := false
	info, err := s.Backup.Backup(func(info store.BackupInfo) (io.Writer, error) {
		started = true
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
		h.Set("Content-Disposition", contentDisposition("attachment", "pickpack-"+info.At.Format("20060102T150405Z"), "db"))
		h.Set(BackupSchemaHeader, strconv.Itoa(info.Schema))
		h.Set(BackupTimeHeader, info.At.Format(time.RFC3339Nano))
		h.Set(BackupTxHeader, strconv.Itoa(info.Tx))
		return &stallWriter{w: w, rc: http.NewResponseController(w), stall: stall}, nil
	})
	switch {
	case err != nil && !started:
		s.fail(w, r, err)
	case err != nil:
		// The length was promised: the client sees the copy cut short.
		s.Log.ErrorContext(r.Context(), "backup cut short", "err", err)
	default:
		who, _ := r.Context().Value(callerKey{}).(callerOf)
		s.Log.InfoContext(r.Context(), "backup", "by", who.user.Name, "bytes", info.Size, "schema", info.Schema, "tx", info.Tx)
	}
}

// stallWriter gives each write to the client its own deadline, so a client
// that stops reading ends the copy instead of holding its transaction.
type stallWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	stall time.Duration
}

func (s *stallWriter) Write(p []byte) (int, error) {
	if err := s.rc.SetWriteDeadline(time.Now().Add(s.stall)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	return s.w.Write(p)
}
