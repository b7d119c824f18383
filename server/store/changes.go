package store

import (
	"cmp"
	"maps"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// changes remembers which orders and tasks committed writes touched, so
// that the supervisors' view re-reads only those instead of the whole floor
// on every look. Writes note ids through their transaction's commit hook;
// the view drains the set.
type changes struct {
	mu     sync.Mutex
	all    bool                   // nothing read yet, or too much to track: read everything
	orders map[string]floor.Order // the latest committed value of each written order
	tasks  map[string]floor.Task

	// recent holds the last scans committed, decoded, in sequence order, so
	// readers of the scan log (the feed, /metrics) need not decode records
	// they were just handed. Commit hooks may run out of order; only the
	// run of sequence numbers without a gap is served.
	recent []ScanEntry
}

// recentScans bounds the scans kept decoded in memory.
const recentScans = 10_000 // several seconds of a busy floor

// trackLimit is where tracking ids stops paying: the next read is whole.
const trackLimit = 50_000

// changesByDB finds a file's change set from inside a transaction, where
// only the *bolt.DB is at hand.
var changesByDB sync.Map // *bolt.DB -> *changes

func newChanges(db *bolt.DB) *changes {
	c := &changes{all: true, orders: map[string]floor.Order{}, tasks: map[string]floor.Task{},
		recent: make([]ScanEntry, 0, recentScans+recentScans/4)}
	changesByDB.Store(db, c)
	return c
}

// note keeps a committed value; write applies it under the lock.
func (c *changes) note(write func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.all:
	case len(c.orders)+len(c.tasks) >= trackLimit:
		c.all = true
		clear(c.orders)
		clear(c.tasks)
	default:
		write()
	}
}

// noteOrder and noteTask keep, once tx commits, the value it wrote: the
// feed then needs no read at all. The values are the writers' own copies,
// not changed after they are written.
func noteOrder(tx *txn, o floor.Order) {
	if v, ok := changesByDB.Load(tx.DB()); ok {
		c := v.(*changes)
		tx.OnCommit(func() { c.note(func() { c.orders[o.ID] = o }) })
	}
}

// noteEverything makes the next read whole once tx commits: for writes of
// more orders than are worth tracking one by one (trackLimit).
func noteEverything(tx *txn) {
	if v, ok := changesByDB.Load(tx.DB()); ok {
		c := v.(*changes)
		tx.OnCommit(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.all = true
			clear(c.orders)
			clear(c.tasks)
		})
	}
}

func noteTask(tx *txn, t floor.Task) {
	if v, ok := changesByDB.Load(tx.DB()); ok {
		c := v.(*changes)
		tx.OnCommit(func() { c.note(func() { c.tasks[t.ID] = t }) })
	}
}

func noteScan(tx *txn, e ScanEntry) {
	if v, ok := changesByDB.Load(tx.DB()); ok {
		tx.OnCommit(func() { v.(*changes).addScan(e) })
	}
}

func (c *changes) addScan(e ScanEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.recent) >= recentScans+recentScans/4 {
		// Drop the oldest quarter at once, in place: trimming one at a time
		// would move the whole buffer on every scan, and a new buffer each
		// time would be megabytes of garbage.
		n := copy(c.recent, c.recent[len(c.recent)-recentScans:])
		clear(c.recent[n:])
		c.recent = c.recent[:n]
	}
	i := len(c.recent)
	for i > 0 && c.recent[i-1].Seq > e.Seq {
		i--
	}
	c.recent = slices.Insert(c.recent, i, e)
}

// scansAfter serves ScanLog from memory: ok is false when the scans after
// `after` are not all held here.
func (c *changes) scansAfter(after uint64, limit int) (out []ScanEntry, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.recent) == 0 || c.recent[0].Seq > after+1 {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(c.recent, after+1, func(e ScanEntry, seq uint64) int { return cmp.Compare(e.Seq, seq) })
	out = make([]ScanEntry, 0, min(limit, len(c.recent)-i)) // entries are large: no growing by copies
	for next := after + 1; i < len(c.recent) && len(out) < limit && c.recent[i].Seq == next; i, next = i+1, next+1 {
		out = append(out, c.recent[i])
	}
	return out, true
}

// drain returns the orders and tasks written since the last drain, or
// all=true when everything must be read.
func (c *changes) drain() (all bool, orders []floor.Order, tasks map[string]floor.Task) {
	c.mu.Lock()
	defer c.mu.Unlock()
	all, c.all = c.all, false
	for _, o := range c.orders {
		orders = append(orders, o)
	}
	tasks = maps.Clone(c.tasks)
	clear(c.orders)
	clear(c.tasks)
	return all, orders, tasks
}
