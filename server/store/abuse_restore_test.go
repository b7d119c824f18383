package store

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// backupOf returns a backup of s, taken with Backup.
func backupOf(t *testing.T, s *Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	info, err := s.Backup(func(BackupInfo) (io.Writer, error) { return &buf, nil })
	if err != nil {
		t.Fatal(err)
	}
	if int64(buf.Len()) != info.Size {
		t.Fatalf("backup of %d bytes, info says %d", buf.Len(), info.Size)
	}
	return buf.Bytes()
}

// TestAbuseRestore: a backup file that is not a whole, sound pickpack
// file of a schema this build reads is refused before it replaces
// anything, even with Force: the data file in place stays byte for byte
// as it was, and nothing is left beside it.
func TestAbuseRestore(t *testing.T) {
	dir := t.TempDir()
	src, _ := openTestStore(t, filepath.Join(dir, "source.db"))
	seed(t, src)
	good := backupOf(t, src)

	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	updateDB(db, func(tx *txn) error { _, err := tx.CreateBucket([]byte("theirs")); return err })
	db.Close()
	foreignRaw, _ := os.ReadFile(foreign)

	// edited is a copy of the good backup changed through bbolt, so that
	// its pages are sound and only what they say is wrong.
	edited := func(name string, edit func(tx *txn) error) []byte {
		path := filepath.Join(dir, name)
		os.WriteFile(path, good, 0o600)
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := updateDB(db, edit); err != nil {
			t.Fatal(err)
		}
		db.Close()
		raw, _ := os.ReadFile(path)
		return raw
	}
	newer := edited("newer.db", func(tx *txn) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte("99")) })
	unmarked := edited("unmarked.db", func(tx *txn) error { return tx.Bucket(bucketMeta).Put(keyMagic, []byte("theirs")) })
	unbalanced := edited("unbalanced.db", func(tx *txn) error {
		// Units that appear without a movement: the audit's ledger fails.
		return putLevel(tx, floor.StockLevel{Bin: "A-01-001-1", SKU: "S1", OnHand: 50}, true)
	})

	tests := []struct {
		name   string
		backup []byte
		want   string
	}{
		{"empty", nil, "not a pickpack data file"},
		{"garbage", []byte(strings.Repeat("not a database ", 1000)), "not a pickpack data file"},
		{"cut short", good[:len(good)/2], "cut short"},
		{"another program's bbolt file", foreignRaw, "not a pickpack data file"},
		{"no pickpack marker", unmarked, "not a pickpack data file"},
		{"newer schema", newer, "newer pickpack"},
		{"stock without movements", unbalanced, "stock audit"},
	}
	target := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	s.Close()
	before, _ := os.ReadFile(target)
	for _, tt := range tests {
		_, err := Restore(bytes.NewReader(tt.backup), target, RestoreOptions{Force: true})
		if floor.KindOf(err) != floor.KindInvalid || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want InvalidArgument naming %q", tt.name, err, tt.want)
		}
		if after, _ := os.ReadFile(target); !bytes.Equal(after, before) {
			t.Errorf("%s: the refused restore changed the data file in place", tt.name)
		}
		if entries, _ := os.ReadDir(filepath.Dir(target)); len(entries) != 1 {
			t.Errorf("%s: %d files beside the target after a refused restore, want none", tt.name, len(entries)-1)
		}
	}

	// The good backup restores over it with Force, and is refused without.
	if _, err := Restore(bytes.NewReader(good), target, RestoreOptions{}); !errors.Is(err, ErrTargetHoldsData) {
		t.Errorf("restore over a data file without Force: %v, want %v", err, ErrTargetHoldsData)
	}
	r, err := Restore(bytes.NewReader(good), target, RestoreOptions{Force: true})
	if err != nil {
		t.Fatalf("good backup: %v", err)
	}
	if r.Schema != SchemaVersion || r.Size != int64(len(good)) || r.Totals.OnHand != 8 {
		t.Errorf("restored %+v, want schema %d, %d bytes, 8 units on hand", r, SchemaVersion, len(good))
	}
}

// TestRestoreRefusesAHeldFile: a running server's file is never replaced,
// Force or not.
func TestRestoreRefusesAHeldFile(t *testing.T) {
	src, _ := openTestStore(t, "")
	seed(t, src)
	good := backupOf(t, src)
	held, _ := openTestStore(t, "")
	before, _ := os.ReadFile(held.Path())
	for _, force := range []bool{false, true} {
		_, err := Restore(bytes.NewReader(good), held.Path(), RestoreOptions{Force: force, LockTimeout: 50 * time.Millisecond})
		if !errors.Is(err, ErrLocked) || floor.KindOf(err) != floor.KindUnavailable {
			t.Errorf("force %v: got %v, want %v", force, err, ErrLocked)
		}
	}
	if after, _ := os.ReadFile(held.Path()); !bytes.Equal(after, before) {
		t.Error("the refused restore changed the held file")
	}
}

// TestBackupIsOneCommitAndHoldsUpNoWriter: a write committed while the
// backup is open (here, from inside it: it would deadlock if the copy held
// writers up) is not in the copy, which holds the file as it stood when
// the copy began, and the copy restores clean.
func TestBackupIsOneCommitAndHoldsUpNoWriter(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	var buf bytes.Buffer
	info, err := s.Backup(func(BackupInfo) (io.Writer, error) {
		_, err := s.AdjustStock(StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: 7})
		return &buf, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.Schema != SchemaVersion || !info.At.Equal(clock.Now()) || info.Size != int64(buf.Len()) {
		t.Errorf("backup info %+v for %d bytes at %v", info, buf.Len(), clock.Now())
	}
	live, err := s.Audit()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Restore(&buf, filepath.Join(t.TempDir(), "pickpack.db"), RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := [2]int64{r.Totals.OnHand, live.OnHand}, [2]int64{8, 15}; got != want {
		t.Errorf("units on hand (copy, live) = %v, want %v", got, want)
	}
}
