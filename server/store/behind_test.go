package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// keysInFile counts the keys of a bucket in the file.
func keysInFile(t *testing.T, s *Store, bucket []byte) int {
	t.Helper()
	n := 0
	if err := s.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bucket).Stats().KeyN; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func indexedInFile(t *testing.T, s *Store) int { return keysInFile(t, s, bucketScanIndex) }

func scanSome(t *testing.T, s *Store, user string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := s.PickScan(user, floor.Scan{ID: id, Code: "A-01-001-1"}); err != nil {
			t.Fatal(err)
		}
	}
}

// A scan's index entry is held until the next index write, and a re-sent
// scan finds it either way.
func TestScanIndexWrittenBehind(t *testing.T) {
	s, _ := openTestStore(t, "")
	scanSome(t, s, "ann", "s1", "s2", "s3")
	if got := indexedInFile(t, s); got != 0 {
		t.Errorf("index entries in the file before the write: %d; want 0", got)
	}
	if got := s.held.heldCount(); got != 3 {
		t.Errorf("held entries: %d; want 3", got)
	}
	a, err := s.PickScan("ann", floor.Scan{ID: "s2", Code: "something else"})
	if err != nil || !a.Replayed {
		t.Errorf("re-sent scan while held: %+v, %v; want it replayed", a, err)
	}
	if err := s.WriteBehind(); err != nil {
		t.Fatal(err)
	}
	if got, held := indexedInFile(t, s), s.held.heldCount(); got != 3 || held != 0 {
		t.Errorf("after the write: %d in the file, %d held; want 3 and 0", got, held)
	}
	a, err = s.PickScan("ann", floor.Scan{ID: "s3", Code: "something else"})
	if err != nil || !a.Replayed {
		t.Errorf("re-sent scan once written: %+v, %v; want it replayed", a, err)
	}
	if n, err := s.ScanCount(); err != nil || n != 3 {
		t.Errorf("scan count: %d, %v; want 3", n, err)
	}
	if _, err := s.Audit(); err != nil {
		t.Error(err)
	}
}

// What a crash leaves unindexed (a copy of the file taken while entries
// were held, as a kill would leave it) is indexed when the file is opened.
func TestScanIndexRebuiltAtOpen(t *testing.T) {
	s, _ := openTestStore(t, "")
	scanSome(t, s, "ann", "s1", "s2")
	if err := s.WriteBehind(); err != nil {
		t.Fatal(err)
	}
	scanSome(t, s, "bob", "s1", "s2", "s3")
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	if err := s.db.View(func(tx *bolt.Tx) error { return tx.CopyFile(crashed, 0o600) }); err != nil {
		t.Fatal(err)
	}
	s2, _ := openTestStore(t, crashed)
	if got := indexedInFile(t, s2); got != 5 {
		t.Errorf("index entries after open: %d; want 5", got)
	}
	for _, sc := range []struct{ user, id string }{{"ann", "s1"}, {"bob", "s3"}} {
		a, err := s2.PickScan(sc.user, floor.Scan{ID: sc.id, Code: "x"})
		if err != nil || !a.Replayed {
			t.Errorf("%s re-sends %s after the crash: %+v, %v; want it replayed", sc.user, sc.id, a, err)
		}
	}
	if n, _ := s2.ScanCount(); n != 5 {
		t.Errorf("scans after the crash: %d; want 5", n)
	}
}

// A commit that rolls back leaves nothing held: its scans run again in the
// next transaction, under other sequence numbers.
func TestScanIndexForgetsRolledBackScans(t *testing.T) {
	s, _ := openTestStore(t, "")
	failed := errors.New("this write fails")
	scan := func(id string) commitReq {
		return commitReq{done: make(chan error, 1), fn: func(tx *bolt.Tx) error {
			key := scanKey("pick", "ann", id)
			if seq := indexedSeq(tx, key); seq != nil {
				return fmt.Errorf("%s already indexed in this transaction", id)
			}
			return record(tx, key, "ann", floor.Scan{ID: id, At: t0}, floor.Answer{ScanID: id})
		}}
	}
	// The failing write records a scan of its own before it fails.
	fail := commitReq{done: make(chan error, 1), fn: func(tx *bolt.Tx) error {
		if err := record(tx, scanKey("pick", "ann", "s9"), "ann", floor.Scan{ID: "s9", At: t0}, floor.Answer{}); err != nil {
			return err
		}
		return failed
	}}
	reqs := []commitReq{scan("s1"), fail, scan("s2")}
	s.commits.commit(append([]commitReq(nil), reqs...)) // commit drops the failed write from its slice
	for i, want := range []error{nil, failed, nil} {
		if err := <-reqs[i].done; !errors.Is(err, want) {
			t.Errorf("write %d: %v; want %v", i, err, want)
		}
	}
	if got := s.held.heldCount(); got != 2 {
		t.Errorf("held entries: %d; want 2", got)
	}
	// Each held entry names its own record; the failed write's is gone.
	err := s.db.View(func(tx *bolt.Tx) error {
		if seq := indexedSeq(tx, scanKey("pick", "ann", "s9")); seq != nil {
			t.Errorf("the failed write's scan is indexed to %x", seq)
		}
		for _, id := range []string{"s1", "s2"} {
			rec, err := decodeScan(tx.Bucket(bucketScanRecords).Get(indexedSeq(tx, scanKey("pick", "ann", id))))
			if err != nil || rec.Scan.ID != id {
				t.Errorf("%s is indexed to the record of %q, %v", id, rec.Scan.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func familiarityInFile(t *testing.T, s *Store) int { return keysInFile(t, s, bucketFamiliarity) }

// pickOneLine has ann pick a one-unit line of S1 and returns the item
// scan's answer.
func pickOneLine(t *testing.T, s *Store) floor.Answer {
	t.Helper()
	seed(t, s)
	if _, err := s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	task, _, err := s.NextTask("ann")
	if err != nil {
		t.Fatal(err)
	}
	scanTotes(t, s, "ann", task)
	if _, err := s.PickScan("ann", floor.Scan{ID: "bin", Code: task.Stops[0].Bin}); err != nil {
		t.Fatal(err)
	}
	a, err := s.PickScan("ann", floor.Scan{ID: "item", Code: "4006381333931"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A picked line is learned from after its commit, from the event its scan
// record carries; Picker catches up first, and so does Open after a crash.
func TestLearningWrittenBehind(t *testing.T) {
	s, _ := openTestStore(t, "")
	if a := pickOneLine(t, s); a.Reason != "TASK_DONE" {
		t.Fatalf("item scan: %+v", a)
	}
	if got := familiarityInFile(t, s); got != 0 {
		t.Errorf("familiarity entries before learning: %d; want 0", got)
	}
	var learned []floor.PickEvent
	err := s.db.View(func(tx *bolt.Tx) error {
		rec, err := decodeScan(tx.Bucket(bucketScanRecords).Get(indexedSeq(tx, scanKey("pick", "ann", "item"))))
		learned = rec.Learned
		return err
	})
	if err != nil || len(learned) != 1 || learned[0].SKU != "S1" || learned[0].Bin != "A-01-001-1" || learned[0].Units != 1 {
		t.Fatalf("events in the item scan's record: %+v, %v; want one of S1 at A-01-001-1", learned, err)
	}

	crashed := filepath.Join(t.TempDir(), "crashed.db")
	if err := s.db.View(func(tx *bolt.Tx) error { return tx.CopyFile(crashed, 0o600) }); err != nil {
		t.Fatal(err)
	}
	st, err := s.Picker("ann")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Familiarity[floor.FamiliarityKey("A-01-001-1", "S1")]; !ok {
		t.Errorf("ann's familiarity after Picker: %+v; want A-01-001-1/S1", st.Familiarity)
	}
	// Learning again learns nothing twice.
	if err := s.WriteBehind(); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Picker("ann")
	if !reflect.DeepEqual(again, st) {
		t.Errorf("after a second write behind: %+v; want %+v", again, st)
	}

	s2, _ := openTestStore(t, crashed)
	if got := familiarityInFile(t, s2); got != 1 {
		t.Errorf("familiarity entries after the crash: %d; want 1", got)
	}
	st2, err := s2.Picker("ann")
	if err != nil || !reflect.DeepEqual(st2, st) {
		t.Errorf("learned after the crash: %+v, %v; want %+v", st2, err, st)
	}
}
