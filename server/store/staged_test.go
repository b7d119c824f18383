package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// checkOrderIndexes checks that the order indexes agree with the orders:
// every open order is in the open index, every queued one in the queue,
// every tracking number in the waybill index pointing at its order, and
// no index holds more; and that no import is left staged.
func checkOrderIndexes(t *testing.T, s *Store) {
	t.Helper()
	err := viewDB(s.db, func(tx *txn) error {
		open, queue, waybills := tx.Bucket(bucketOpenOrders), tx.Bucket(bucketQueue), tx.Bucket(bucketWaybills)
		var nOpen, nQueued, nTracked int
		err := tx.Bucket(bucketOrders).ForEach(func(k, v []byte) error {
			o, err := decodeOrder(v)
			if err != nil {
				return err
			}
			if o.State.Open() {
				if nOpen++; open.Get(k) == nil {
					t.Errorf("order %s is open and not in the open index", k)
				}
			}
			if o.State == floor.StateQueued {
				if nQueued++; queue.Get(queueKey(o)) == nil {
					t.Errorf("order %s is queued and not in the queue", k)
				}
			}
			if o.Tracking != "" {
				if nTracked++; string(waybills.Get([]byte(o.Tracking))) != o.ID {
					t.Errorf("waybill %s: order %q, want %s", o.Tracking, waybills.Get([]byte(o.Tracking)), o.ID)
				}
			}
			return nil
		})
		for _, c := range []struct {
			name      string
			got, want int
		}{
			{"open index", open.Stats().KeyN, nOpen}, {"queue", queue.Stats().KeyN, nQueued},
			{"waybill index", waybills.Stats().KeyN, nTracked}, {"staged imports", tx.Bucket(bucketImports).Stats().KeyN, 0},
		} {
			if c.got != c.want {
				t.Errorf("%s: %d entries, want %d", c.name, c.got, c.want)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStagedImportCutShortIsDroppedAtOpen stops the server (Close) while a
// large import is held after its first chunk, the way a crash would leave
// the file: the chunk is in it, listed as staged. The next Open drops it:
// no order, no index entry, no staging left.
func TestStagedImportCutShortIsDroppedAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, skus := demoStore(t, path)
	orders, err := floor.ParseOrders(orderCSV(2*stageChunk+10, skus), floor.ImportCSV)
	if err != nil {
		t.Fatal(err)
	}
	reached, release := make(chan struct{}), make(chan struct{})
	s.importStaged = func(context.Context, int, int) {
		close(reached)
		<-release
	}
	done := make(chan error, 1)
	go func() { _, err := s.SubmitOrders(orders, false); done <- err }()
	<-reached
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("the import cut short: %v, want %v", err, ErrClosed)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var left int
	viewDB(db, func(tx *txn) error { left = tx.Bucket(bucketOrders).Stats().KeyN; return nil })
	db.Close()
	if left != stageChunk {
		t.Fatalf("the file holds %d orders before it is opened again, want the first chunk's %d", left, stageChunk)
	}
	s, err = Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, _, err := s.ListOrders(nil, "", 1<<20)
	if err != nil || len(got) != 0 {
		t.Errorf("orders after Open: %d, %v; want none", len(got), err)
	}
	checkOrderIndexes(t, s)
	if err := s.Check(); err != nil {
		t.Error(err)
	}
	if err := viewDB(s.db, func(tx *txn) error { left = tx.Bucket(bucketOrders).Stats().KeyN; return nil }); err != nil || left != 0 {
		t.Errorf("order records after Open: %d, %v; want none", left, err)
	}
}

// TestStagedImportsOverlap runs two large imports of the same ids: the
// first is held after its first chunk while the second runs whole. The
// second meets the first's staged ids, leaves them to its last
// transaction, and takes them there, since it commits first; the first
// then finds every id stored and creates nothing. Each id is stored once,
// as the second import has it, and every index agrees.
func TestStagedImportsOverlap(t *testing.T) {
	s, skus := demoStore(t, filepath.Join(t.TempDir(), "pickpack.db"))
	defer s.Close()
	n := 2*stageChunk + 10
	first, err := floor.ParseOrders(orderCSV(n, skus), floor.ImportCSV)
	if err != nil {
		t.Fatal(err)
	}
	second, err := floor.ParseOrders(orderCSV(n, skus), floor.ImportCSV)
	if err != nil {
		t.Fatal(err)
	}
	for i := range second {
		second[i].Recipient.Name = "Second"
	}
	reached, release := make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	s.importStaged = func(context.Context, int, int) {
		if held.CompareAndSwap(false, true) {
			close(reached)
			<-release
		}
	}
	type result struct {
		created, known int
		err            error
	}
	done := make(chan result, 1)
	go func() {
		c, k, err := s.ImportOrdersContext(context.Background(), first, false)
		done <- result{c, k, err}
	}()
	<-reached
	created, known, err := s.ImportOrdersContext(context.Background(), second, false)
	if err != nil || created != n || known != 0 {
		t.Fatalf("second import: %d created, %d known, %v; want %d, 0", created, known, err, n)
	}
	close(release)
	r := <-done
	if r.err != nil || r.created != 0 || r.known != n {
		t.Fatalf("first import: %d created, %d known, %v; want 0, %d", r.created, r.known, r.err, n)
	}
	got, _, err := s.ListOrders(nil, "", 1<<20)
	if err != nil || len(got) != n {
		t.Fatalf("orders: %d, %v; want %d", len(got), err, n)
	}
	for _, o := range got {
		if o.Recipient.Name != "Second" {
			t.Fatalf("order %s is the first import's", o.ID)
		}
	}
	checkOrderIndexes(t, s)
}
