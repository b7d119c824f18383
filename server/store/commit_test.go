package store

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestCommitterScansFirst queues bulk writes before scans while a commit is
// under way: the next commit takes every waiting scan and only maxBulk bulk
// writes, and every write is committed in the end.
func TestCommitterScansFirst(t *testing.T) {
	_, c := openCommitter(t)

	var mu sync.Mutex
	txOf := map[string]int{} // write -> id of the transaction it committed in
	write := func(name string) func(*txn) error {
		return func(tx *txn) error {
			mu.Lock()
			defer mu.Unlock()
			txOf[name] = tx.ID()
			return nil
		}
	}

	// A first scan holds the writer until released, so the rest queue.
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := c.do(func(tx *txn) error { close(started); <-release; return write("first")(tx) }); err != nil {
			t.Error(err)
		}
	})
	<-started
	const bulkN, scanN = 10, 5
	send := func(name string, bulk bool) {
		wg.Go(func() {
			do := c.do
			if bulk {
				do = c.doBulk
			}
			if err := do(write(name)); err != nil {
				t.Error(err)
			}
		})
	}
	for i := range bulkN {
		send("bulk"+string(rune('a'+i)), true)
	}
	waitFor(t, func() bool { return len(c.bulk) == bulkN })
	for i := range scanN {
		send("scan"+string(rune('a'+i)), false)
	}
	waitFor(t, func() bool { return len(c.scans) == scanN })
	close(release)
	wg.Wait()
	c.close()

	next := txOf["first"] + 1
	var scansIn, bulkIn int
	for name, id := range txOf {
		if id != next {
			continue
		}
		if name[:4] == "scan" {
			scansIn++
		} else {
			bulkIn++
		}
	}
	if got, want := len(txOf), 1+bulkN+scanN; got != want {
		t.Errorf("%d writes committed, want %d", got, want)
	}
	if scansIn != scanN || bulkIn != maxBulk {
		t.Errorf("the commit after the first held %d scans and %d bulk writes, want %d and %d", scansIn, bulkIn, scanN, maxBulk)
	}
}

// TestCommitterScansAfterBulkGoAlone: the scans that queue while a commit
// with a bulk write runs commit on their own next, not with the next bulk
// write (a large import's next chunk), which commits after them.
func TestCommitterScansAfterBulkGoAlone(t *testing.T) {
	_, c := openCommitter(t)
	var mu sync.Mutex
	txOf := map[string]int{}
	write := func(name string) func(*txn) error {
		return func(tx *txn) error {
			mu.Lock()
			defer mu.Unlock()
			txOf[name] = tx.ID()
			return nil
		}
	}
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := c.doBulk(func(tx *txn) error { close(started); <-release; return write("chunk1")(tx) }); err != nil {
			t.Error(err)
		}
	})
	<-started
	for _, w := range []struct {
		name string
		do   func(func(*txn) error) error
	}{{"chunk2", c.doBulk}, {"scan", c.do}} {
		wg.Go(func() {
			if err := w.do(write(w.name)); err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, func() bool { return len(c.bulk) == 1 && len(c.scans) == 1 })
	close(release)
	wg.Wait()
	if txOf["scan"] != txOf["chunk1"]+1 || txOf["chunk2"] != txOf["scan"]+1 {
		t.Errorf("transactions: first chunk %d, scan %d, second chunk %d; want the scan alone between the chunks",
			txOf["chunk1"], txOf["scan"], txOf["chunk2"])
	}
}

// openCommitter opens a bare bbolt file in a temporary directory with a
// committer on it; both close when the test ends.
func openCommitter(t *testing.T) (*bolt.DB, *committer) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "commit.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newCommitter(&writer{db: db})
	t.Cleanup(func() {
		c.close()
		db.Close()
	})
	return db, c
}

// waitFor polls cond until it holds: writers are goroutines, and the test
// needs them queued, not merely started.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
	}
}

// TestCommitterFailedWrite: a write that fails gets its error and rolls
// nothing of the others back.
func TestCommitterFailedWrite(t *testing.T) {
	db, c := openCommitter(t)
	defer c.close()
	put := func(key string) func(*txn) error {
		return func(tx *txn) error {
			b, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			return b.Put([]byte(key), []byte("v"))
		}
	}
	errBad := errors.New("bad write")
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			switch {
			case i == 3:
				errs[i] = c.doBulk(func(tx *txn) error { _ = put("bad")(tx); return errBad })
			case i%2 == 0:
				errs[i] = c.doBulk(put(string(rune('a' + i))))
			default:
				errs[i] = c.do(put(string(rune('a' + i))))
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		var want error
		if i == 3 {
			want = errBad
		}
		if !errors.Is(err, want) {
			t.Errorf("write %d: got %v, want %v", i, err, want)
		}
	}
	err := viewDB(db, func(tx *txn) error {
		b := tx.Bucket([]byte("b"))
		if b.Get([]byte("bad")) != nil {
			t.Error("the failed write's key was stored")
		}
		if got, want := b.Stats().KeyN, 5; got != want {
			t.Errorf("%d keys stored, want %d", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.close()
	if err := c.do(put("after close")); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: got %v, want ErrClosed", err)
	}
}
