package store

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// baselineRecordBytes is the size of one baseline record: about a scan id,
// a code and a verdict, so that the baseline measures the commit and the
// fsync, not the encoding.
const baselineRecordBytes = 128

var bucketBaseline = []byte("baseline")

// Baseline is a bare bbolt file written through the store's group commit,
// with nothing of the store's logic: the floor under any scan latency the
// store can reach. It lives here because only this package may import
// bbolt.
type Baseline struct {
	db      *bolt.DB
	commits *committer
}

// OpenBaseline creates a fresh baseline file in dir.
func OpenBaseline(dir string) (*Baseline, error) {
	path := filepath.Join(dir, "baseline.db")
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("baseline file: %w", err)
	}
	if err := updateDB(db, func(tx *txn) error {
		_, err := tx.CreateBucketIfNotExists(bucketBaseline)
		return err
	}); err != nil {
		db.Close()
		return nil, err
	}
	return &Baseline{db: db, commits: newCommitter(&writer{db: db})}, nil
}

// Write commits one small record for writer's seq-th write, sharing the
// commit with concurrent writers. It returns once the record is durable.
func (b *Baseline) Write(writer int, seq uint64) error {
	key := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(nil, uint32(writer)), seq)
	val := make([]byte, baselineRecordBytes)
	copy(val, key)
	return b.commits.do(func(tx *txn) error {
		return tx.Bucket(bucketBaseline).Put(key, val)
	})
}

// Count returns how many records are in the file.
func (b *Baseline) Count() (int, error) {
	n := 0
	err := viewDB(b.db, func(tx *txn) error {
		n = tx.Bucket(bucketBaseline).Stats().KeyN
		return nil
	})
	return n, err
}

// Close closes the file.
func (b *Baseline) Close() error {
	b.commits.close()
	return b.db.Close()
}

// RawBatchBaseline runs writers goroutines for d, each writing one small
// record through the group commit rate times a second (ticker-paced, starting at a
// random phase so that writers do not march in step), in a new file in dir.
// It returns every write's latency, from the call to the durable commit.
// The pacing matches the load tool's handhelds, so the two latency
// distributions compare the store's work per scan against bbolt alone.
func RawBatchBaseline(dir string, writers int, rate float64, d time.Duration) ([]time.Duration, error) {
	if writers <= 0 || rate <= 0 || d <= 0 {
		return nil, fmt.Errorf("baseline: want writers, rate and duration above zero, got %d, %g, %v", writers, rate, d)
	}
	b, err := OpenBaseline(dir)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	period := time.Duration(float64(time.Second) / rate)
	end := time.Now().Add(d)
	var (
		mu       sync.Mutex
		all      []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	for w := range writers {
		wg.Go(func() {
			lat := make([]time.Duration, 0, int(rate*d.Seconds())+1)
			defer func() {
				mu.Lock()
				all = append(all, lat...)
				mu.Unlock()
			}()
			time.Sleep(rand.N(period))
			tick := time.NewTicker(period)
			defer tick.Stop()
			for seq := uint64(0); time.Now().Before(end); seq++ {
				start := time.Now()
				if err := b.Write(w, seq); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				lat = append(lat, time.Since(start))
				<-tick.C
			}
		})
	}
	wg.Wait()
	return all, firstErr
}
