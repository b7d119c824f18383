package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"github.com/pickpack/pickpack/server/floor"
)

// BackupInfo says what a backup is: the copy is a plain data file of the
// given schema, as the file stood at one commit.
type BackupInfo struct {
	// Schema is the layout version of the copied file.
	Schema int
	// Size is the copy's length in bytes.
	Size int64
	// At is when the copy's read transaction began, by the store's clock
	// (UTC): every scan answered before then is in the copy.
	At time.Time
	// Tx is the id of the last commit the copy holds.
	Tx int
}

// Backup writes a consistent copy of the data file while the server goes
// on serving: one read transaction copies the pages as they stood when it
// began (bbolt's Tx.WriteTo), and writers are not held up by it. start is
// called inside that transaction, before the first byte, with what the
// copy will be (an HTTP handler sets its headers there); it returns where
// the bytes go.
//
// While the copy runs, the pages it reads cannot be reused, so a long or
// stalled copy makes the file grow by what is written meanwhile: callers
// streaming to a network peer should bound how long a write may wait.
func (s *Store) Backup(start func(BackupInfo) (io.Writer, error)) (BackupInfo, error) {
	var info BackupInfo
	err := viewDB(s.db, func(tx *txn) error {
		v, err := strconv.Atoi(string(tx.Bucket(bucketMeta).Get(keySchema)))
		if err != nil {
			return fmt.Errorf("schema version %q: %w", tx.Bucket(bucketMeta).Get(keySchema), err)
		}
		info = BackupInfo{Schema: v, Size: tx.Size(), At: s.clock.Now().UTC(), Tx: tx.ID()}
		w, err := start(info)
		if err != nil {
			return err
		}
		n, err := tx.WriteTo(w)
		if err == nil && n != info.Size {
			err = fmt.Errorf("wrote %d bytes of %d", n, info.Size)
		}
		return err
	})
	return info, floor.Wrap("backup", floor.KindUnavailable, err)
}

// ErrTargetHoldsData is returned by Restore when a data file is already
// where the backup would go and Force is not set.
var ErrTargetHoldsData = errors.New("a data file is already there")

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Force replaces a data file already at the target (never one a
	// running server holds).
	Force bool
	// LockTimeout is how long to wait for a server holding the target to
	// let it go before refusing; one second if zero.
	LockTimeout time.Duration
}

// Restored is what Restore checked in the backup before putting it in
// place.
type Restored struct {
	// Schema is the restored file's layout version: an older backup is
	// migrated, as at a server's start.
	Schema int
	// Size is the backup's length in bytes.
	Size int64
	// Totals are the stock audit's.
	Totals Totals
}

// Restore puts the backup read from src at path, the data file of a
// stopped server. It refuses a target that a running server holds, and
// one that holds a data file unless opts.Force. The backup is written
// beside the target and synced, must open as a pickpack file of a schema
// this build reads, and must pass bbolt's page check and the stock audit;
// only then does a rename put it in place, so a failed restore leaves the
// target as it was.
func Restore(src io.Reader, path string, opts RestoreOptions) (Restored, error) {
	const op = "restore"
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	if Exists(path) {
		// A read-only open takes the shared lock, which a running server's
		// exclusive lock refuses. It is held until the rename; a server
		// started meanwhile would wait for it and then open the file
		// replaced, so the server stays stopped until the restore ends.
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: opts.LockTimeout})
		switch {
		case errors.Is(err, bolterr.ErrTimeout):
			return Restored{}, &floor.Error{Op: op, Kind: floor.KindUnavailable, Err: ErrLocked,
				Msg: fmt.Sprintf("%s is %v: stop it first", path, ErrLocked)}
		case !opts.Force:
			if db != nil {
				db.Close()
			}
			return Restored{}, &floor.Error{Op: op, Kind: floor.KindConflict, Err: ErrTargetHoldsData,
				Msg: fmt.Sprintf("%s: %v (give --force to replace it)", path, ErrTargetHoldsData)}
		case err == nil:
			defer db.Close()
		}
		// With Force, a target that does not open as bbolt (damaged: the
		// reason to restore) holds no lock worth keeping.
	}
	tmp := path + ".restoring"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Restored{}, floor.Wrap(op, floor.KindUnavailable, err)
	}
	r, err := restoreBeside(src, tmp, opts)
	if err != nil {
		os.Remove(tmp)
		return r, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return r, floor.Wrap(op, floor.KindUnavailable, err)
	}
	return r, syncDir(filepath.Dir(path))
}

// restoreBeside writes src to tmp, syncs it and checks it as Restore
// says.
func restoreBeside(src io.Reader, tmp string, opts RestoreOptions) (Restored, error) {
	const op = "restore"
	var r Restored
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return r, floor.Wrap(op, floor.KindUnavailable, err)
	}
	r.Size, err = io.Copy(f, src)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return r, floor.Wrap(op, floor.KindUnavailable, err)
	}
	if err := wholeFile(tmp, r.Size); err != nil {
		return r, err
	}
	st, err := Open(tmp, Options{LockTimeout: opts.LockTimeout})
	if err != nil {
		return r, &floor.Error{Op: op, Kind: floor.KindInvalid, Err: err, Msg: "the backup does not open: " + err.Error()}
	}
	defer st.Close()
	err = viewDB(st.db, func(tx *txn) error {
		r.Schema, err = strconv.Atoi(string(tx.Bucket(bucketMeta).Get(keySchema)))
		return err
	})
	if err == nil {
		err = st.Check()
	}
	if err != nil {
		return r, &floor.Error{Op: op, Kind: floor.KindInvalid, Err: err, Msg: "the backup's pages are damaged: " + err.Error()}
	}
	if r.Totals, err = st.Audit(); err != nil {
		return r, &floor.Error{Op: op, Kind: floor.KindInvalid, Err: err, Msg: "the backup fails the stock audit: " + err.Error()}
	}
	return r, nil
}

// wholeFile refuses a bbolt file shorter than its own meta page says (a
// copy cut short): opening it for writing reads every page to rebuild the
// free list, and a page past the end of the file kills the process
// (SIGBUS) instead of failing. A read-only open reads the meta pages only.
func wholeFile(path string, size int64) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return &floor.Error{Op: "restore", Kind: floor.KindInvalid, Err: ErrNotOurs,
			Msg: fmt.Sprintf("the backup is %v (%v)", ErrNotOurs, err)}
	}
	defer db.Close()
	var want int64
	viewDB(db, func(tx *txn) error { want = tx.Size(); return nil })
	if want > size {
		return floor.E("restore", floor.KindInvalid, "the backup is cut short: %d bytes of %d", size, want)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return floor.Wrap("restore", floor.KindUnavailable, err)
	}
	defer d.Close()
	return floor.Wrap("restore", floor.KindUnavailable, d.Sync())
}
