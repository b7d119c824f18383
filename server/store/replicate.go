package store

import (
	"fmt"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// writer runs the store's write transactions. Without a Replicator each
// is bbolt's own commit. With one, the transaction is computed by the
// store's ordinary code while its writes are recorded, rolled back, and
// its write set replicated: the Replicator returns once every node's
// Replica has it, this node's file included. From the first read to that
// return no other write runs (mu), so each write reads the effects of
// the one before.
type writer struct {
	db   *bolt.DB
	repl Replicator

	mu sync.Mutex
	// unsure is set when Replicate failed: that write set may still be
	// applied later, and a write computed before it is would not see it.
	// The next write first replicates an empty write set, which applies
	// after anything sent before it.
	unsure bool
	// closed is set by Close of a Store on a replica, whose file stays
	// open: writes after it fail instead of being made.
	closed atomic.Bool
}

// update runs fn in a write transaction; fn's OnCommit callbacks run once
// its writes are stored, in the order they were registered.
func (w *writer) update(fn func(*txn) error) error {
	if w.repl == nil {
		if w.closed.Load() {
			return ErrClosed
		}
		return updateDB(w.db, fn)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed.Load() {
		return ErrClosed
	}
	if w.unsure {
		if err := w.replicate(emptyWriteSet()); err != nil {
			return err
		}
		w.unsure = false
	}
	tx, err := w.db.Begin(true)
	if err != nil {
		return err
	}
	rec := newRecorder()
	err = func() error {
		defer tx.Rollback() // the writes reach the file through the log only
		return fn(wrapTx(tx, rec))
	}()
	if err != nil {
		return err
	}
	if rec.ops > 0 {
		if err := w.replicate(rec.writeSet()); err != nil {
			return err
		}
	}
	for _, f := range rec.onCommit {
		f()
	}
	return nil
}

func (w *writer) replicate(ws []byte) error {
	if err := w.repl.Replicate(ws); err != nil {
		w.unsure = true
		return fmt.Errorf("%w: %w", ErrNotReplicated, err)
	}
	return nil
}

// notReplicated is the answer to a write whose write set Replicate
// refused: Unavailable, since it may still be applied and a retry with
// the same ids is safe.
func notReplicated(op string, err error) error {
	return &floor.Error{Op: op, Kind: floor.KindUnavailable, Err: err,
		Msg: "the write could not be replicated to the other servers of the site (" + err.Error() + "); try again"}
}
