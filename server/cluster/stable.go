package cluster

import (
	"errors"
	"sync"

	"github.com/hashicorp/raft"
)

// closingStable guards Raft's stable store (the current term and vote)
// across Shutdown. hashicorp/raft answers heartbeats on the transport's
// goroutines; one that passed its shutdown check just before Shutdown
// still records the leader's term, and panics if the store is closed by
// then. close waits for writes in progress; a write after it is dropped:
// the node is stopped, and forgetting a term it only saw in a heartbeat
// (it cast no vote in it) is safe - the vote, which must not be forgotten,
// is only written by Raft's main goroutine, which Shutdown has ended.
type closingStable struct {
	mu     sync.RWMutex
	closed bool
	s      raft.StableStore
}

var errStableClosed = errors.New("raft stable store is closed")

func (c *closingStable) Set(k, v []byte) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return nil
	}
	return c.s.Set(k, v)
}

func (c *closingStable) Get(k []byte) ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return nil, errStableClosed
	}
	return c.s.Get(k)
}

func (c *closingStable) SetUint64(k []byte, v uint64) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return nil
	}
	return c.s.SetUint64(k, v)
}

func (c *closingStable) GetUint64(k []byte) (uint64, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return 0, errStableClosed
	}
	return c.s.GetUint64(k)
}

// close waits for the writes in progress and drops the later ones.
func (c *closingStable) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}
