package store

import (
	"errors"
	"runtime"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxGroup bounds how many writes share one commit, so one commit never
// grows without end under a flood.
const maxGroup = 1000

// ErrClosed is returned by writes that arrive after Close.
var ErrClosed = errors.New("store closed")

type commitReq struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// committer is the group commit of scans: one goroutine takes every write
// waiting when the previous commit ends and runs them in one transaction,
// one fsync. Nothing waits for a timer, so a lone scan commits at once and
// a busy floor fills each commit with everything that queued meanwhile.
// (bbolt's own Batch closes a batch after a fixed delay even when the
// writer is busy, which under load queues many small commits.)
type committer struct {
	db     *bolt.DB
	reqs   chan commitReq
	mu     sync.RWMutex // held for reading while sending, for writing by close
	closed bool
	exited chan struct{}
}

func newCommitter(db *bolt.DB) *committer {
	c := &committer{db: db, reqs: make(chan commitReq, maxGroup), exited: make(chan struct{})}
	go c.run()
	return c
}

// do runs fn in a shared transaction and returns once it is committed. fn
// may run more than once if another write of its group fails, so it must
// act only through tx.
func (c *committer) do(fn func(*bolt.Tx) error) error {
	done := make(chan error, 1)
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrClosed
	}
	c.reqs <- commitReq{fn: fn, done: done}
	c.mu.RUnlock()
	return <-done
}

func (c *committer) run() {
	defer close(c.exited)
	for req := range c.reqs {
		group := []commitReq{req}
	gather:
		for len(group) < maxGroup {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break gather
				}
				group = append(group, r)
			default:
				break gather
			}
		}
		c.commit(group)
		// The writers just answered are queued on this goroutine's
		// processor, and the next group is usually waiting: without a
		// yield they wait for the whole next commit before they can send
		// their answers (under load, 11.6 ms at p99 instead of 4.9 ms).
		runtime.Gosched()
	}
}

// commit runs a group in one transaction. A write that fails rolls the
// whole transaction back; it gets its error and the rest run again
// without it.
func (c *committer) commit(group []commitReq) {
	for len(group) > 0 {
		failed := -1
		err := c.db.Update(func(tx *bolt.Tx) error {
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
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.exited
}
