package cluster

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// A follower installing the leader's snapshot while its own snapshot is
// taken but not yet written (Raft's snapshot goroutine waits for the main
// goroutine, which waits for this restore) must not wait for that
// snapshot's read transaction: the restore drops it and goes on.
func TestRestoreDropsPendingSnapshot(t *testing.T) {
	good, want := goodSnapshot(t, filepath.Join(t.TempDir(), "source.db"))
	f, _ := targetFSM(t)
	pending, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Restore(nopCloser{bytes.NewReader(good)}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("restore blocked behind a snapshot that was not written yet")
	}
	if got := f.replica.Applied(); got != want {
		t.Errorf("replica at %d after restore, want %d", got, want)
	}
	var sink memSink
	if err := pending.Persist(&sink); !errors.Is(err, errSuperseded) {
		t.Errorf("persist of the dropped snapshot: %v, want errSuperseded", err)
	}
	pending.Release()
	if len(f.snaps) != 0 {
		t.Errorf("%d snapshots still tracked", len(f.snaps))
	}
}
