package store

import (
	"errors"
	"runtime"
	"slices"
	"sync"
)

// maxGroup bounds how many writes share one commit, so one commit never
// grows without end under a flood.
const maxGroup = 1000

// maxBulk bounds the bulk writes (task assignments, order imports, stock
// top-ups) in one commit. Each costs many times a scan; at shift start a
// thousand pickers ask for their first task within a second, and commits
// full of assignments made the scans sharing them wait 50 ms at p99.
const maxBulk = 4

// ErrClosed is returned by writes that arrive after Close.
var ErrClosed = errors.New("store closed")

type commitReq struct {
	fn   func(*txn) error
	done chan error
}

// committer is the group commit of scans: one goroutine takes every write
// waiting when the previous commit ends and runs them in one transaction,
// one fsync. Nothing waits for a timer, so a lone scan commits at once and
// a busy floor fills each commit with everything that queued meanwhile.
// (bbolt's own Batch closes a batch after a fixed delay even when the
// writer is busy, which under load queues many small commits.) Scans go
// first: a commit takes every waiting scan but only maxBulk bulk writes,
// and the scans that queue during a commit with bulk writes commit on
// their own next.
type committer struct {
	w      *writer
	scans  chan commitReq
	bulk   chan commitReq
	mu     sync.RWMutex // held for reading while sending, for writing by close
	closed bool
	exited chan struct{}
}

func newCommitter(w *writer) *committer {
	c := &committer{w: w, scans: make(chan commitReq, maxGroup), bulk: make(chan commitReq, maxGroup), exited: make(chan struct{})}
	go c.run()
	return c
}

// do runs fn in a shared transaction and returns once it is committed. fn
// may run more than once if another write of its group fails, so it must
// act only through tx.
func (c *committer) do(fn func(*txn) error) error { return c.send(c.scans, fn) }

// doBulk is do for a write that no handheld is waiting on to beep: it
// may wait for a later commit than the scans queued with it.
func (c *committer) doBulk(fn func(*txn) error) error { return c.send(c.bulk, fn) }

func (c *committer) send(q chan commitReq, fn func(*txn) error) error {
	done := make(chan error, 1)
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrClosed
	}
	q <- commitReq{fn: fn, done: done}
	c.mu.RUnlock()
	return <-done
}

// run commits until both queues are closed and empty. A closed queue is set
// to nil, which a select never receives from.
func (c *committer) run() {
	defer close(c.exited)
	scans, bulk := c.scans, c.bulk
	take := func(q *chan commitReq, group []commitReq) ([]commitReq, bool) {
		select {
		case r, ok := <-*q:
			if !ok {
				*q = nil
				return group, false
			}
			return append(group, r), true
		default:
			return group, false
		}
	}
	afterBulk := false // the last commit carried bulk writes
	for scans != nil || bulk != nil {
		var group []commitReq
		bulkN := 0
		// The scans that queued during a commit with bulk writes commit
		// next, on their own: a large import sends its chunks back to
		// back, and a scan taken with the next chunk would wait for two.
		scansOnly := false
		if afterBulk {
			for more := true; more && len(group) < maxGroup; {
				group, more = take(&scans, group)
			}
			scansOnly = len(group) > 0
		}
		if len(group) == 0 {
			// The look after a bulk commit may have found the scan queue
			// closed when the bulk queue was already seen closed: a
			// select on two nil queues would never return.
			if scans == nil && bulk == nil {
				break
			}
			select {
			case r, ok := <-scans:
				if !ok {
					scans = nil
					continue
				}
				group = append(group, r)
			case r, ok := <-bulk:
				if !ok {
					bulk = nil
					continue
				}
				group, bulkN = append(group, r), 1
			}
		}
		for more := true; more && len(group) < maxGroup; {
			group, more = take(&scans, group)
		}
		for more := !scansOnly; more && bulkN < maxBulk && len(group) < maxGroup; {
			n := len(group)
			if group, more = take(&bulk, group); len(group) > n {
				bulkN++
			}
		}
		c.commit(group)
		afterBulk = bulkN > 0
		// The writers just answered are queued on this goroutine's
		// processor, and the next group is usually waiting: without a
		// yield they wait for the whole next commit before they can send
		// their answers (under load, 11.6 ms at p99 instead of 4.9 ms).
		runtime.Gosched()
	}
}

// commit runs a group in one transaction (one write set when
// replicated). A write that fails rolls the whole transaction back; it
// gets its error and the rest run again without it. A commit that fails
// (or a write set not replicated) fails the whole group.
func (c *committer) commit(group []commitReq) {
	for len(group) > 0 {
		failed := -1
		err := c.w.update(func(tx *txn) error {
			for i, r := range group {
				if err := r.fn(tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, r := range group {
				r.done <- err // nil, or the commit's own failure for everyone
			}
			return
		}
		group[failed].done <- err
		group = slices.Delete(group, failed, failed+1)
	}
}

// close stops taking writes and waits for the queued ones to commit.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.scans)
		close(c.bulk)
	}
	c.mu.Unlock()
	<-c.exited
}
