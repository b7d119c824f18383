package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// Retention: what is only history (scans, stock movements, closed orders
// and the tasks and waybills that came with them) moves out of the live
// file once it is older than the horizon, into one archive file per month
// under DATA/archive/ (archive-2026-08.db). The live file then holds the
// days kept and what is still open, so its size depends on the days
// kept, not on the site's age; bbolt reuses the pages freed.
//
// An archive file is a pickpack data file of the same schema holding only
// those buckets, with their keys and values exactly as the live file
// wrote them (docs/archive-format.md), and its month in its meta bucket.
// Opening one runs the same migrations as the live file, so a change of
// a record's encoding reaches the archives too. The live file refuses to
// be opened as an archive and an archive as the live file.
//
// A run is crash-safe without a log: it first raises the live file's
// archive mark (readers of older times then also read the archives),
// then for each chunk writes the records to their archive file (fsynced
// by bbolt's commit, idempotent by key) before deleting them from the
// live file in a short bulk transaction. A crash between the two leaves
// a record in both: readers take the live copy (orders, tasks) or skip a
// sequence already read (scans, movements), and the next run writes it
// again and deletes it.
//
// Which month a record is filed under is the time the readers select it
// by: a scan's time, a movement's time, an order's release, a task's
// creation.

var (
	// bucketArchivedStock sums, per stock key (bin \x00 sku), the units of
	// the movements moved to the archives, so that the audit's ledger of
	// the live file still adds up to the stock.
	bucketArchivedStock = []byte("archived_stock")
	// bucketClosedOrders indexes the closed orders (handed off or
	// cancelled) by when they closed: u64(unix ns) + order id -> nothing,
	// so that a run finds the old ones without reading every order.
	bucketClosedOrders = []byte("closed_orders")

	// keyArchiveFrom (meta, unix ns, 8 bytes) is the cutoff of the latest
	// run started: records dated before it may be in the archives.
	keyArchiveFrom = []byte("archive_from")
	// keyArchivedBefore (meta, unix ns, 8 bytes) is the cutoff of the
	// latest run that finished: nothing older is left in the live file.
	keyArchivedBefore = []byte("archived_before")
	// keyArchiveMonth marks an archive file and says its month (YYYY-MM).
	keyArchiveMonth = []byte("archive")
)

// archiveChunk is how many records a run moves per transaction: small
// enough that the bulk delete holds the writer for milliseconds, so
// scans queued behind it do not stall.
const archiveChunk = 250

// maxPause bounds the pause after a chunk (see pace).
const maxPause = 100 * time.Millisecond

// pace waits, after a chunk begun at start, as long as the chunk took
// (at most maxPause): a run then takes at most about half of the writer
// and of a core, and the scans keep the rest. The day's run takes twice
// as long, which nobody waits for.
func pace(start time.Time) { time.Sleep(min(time.Since(start), maxPause)) }

// monthLayout names an archive file's month.
const monthLayout = "2006-01"

// ErrArchiveFile is returned when an archive file is opened as the live
// data file, or a file in the archive directory is not the archive of the
// month its name says.
var ErrArchiveFile = errors.New("an archive file")

// archives are the archive files of one live file, opened when first
// needed and kept open until the store closes (bbolt locks a file per
// open, so readers and the run share one handle per file).
type archives struct {
	dir   string
	clock floor.Clock
	mu    sync.Mutex
	dbs   map[string]*bolt.DB // by month
	run   sync.Mutex          // one run at a time

	// written, set by tests only, is called with the bucket of each chunk
	// once the chunk is in its archive file and before it leaves the live
	// file; an error stops the run there, as a crash would.
	written func(bucket []byte) error
}

func newArchives(livePath string, clock floor.Clock) *archives {
	return &archives{dir: filepath.Join(filepath.Dir(livePath), "archive"), clock: clock, dbs: map[string]*bolt.DB{}}
}

// archiveName is the file name of a month's archive. Only the server makes
// it, from a record's date: nothing of a request becomes a path.
func archiveName(month string) string { return "archive-" + month + ".db" }

func monthOf(t time.Time) string { return t.UTC().Format(monthLayout) }

// months lists the months that have an archive file, oldest first. Files
// of other names are not archives and are left alone.
func (a *archives) months() ([]string, error) {
	entries, err := os.ReadDir(a.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		m, ok := strings.CutPrefix(e.Name(), "archive-")
		m, ok2 := strings.CutSuffix(m, ".db")
		if !ok || !ok2 || e.IsDir() {
			continue
		}
		if t, err := time.Parse(monthLayout, m); err != nil || monthOf(t) != m {
			continue
		}
		out = append(out, m)
	}
	slices.Sort(out) // YYYY-MM sorts by time
	return out, nil
}

// get returns the open archive file of month; with create false, nil if
// there is none.
func (a *archives) get(month string, create bool) (*bolt.DB, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if db := a.dbs[month]; db != nil {
		return db, nil
	}
	path := filepath.Join(a.dir, archiveName(month))
	if create {
		if err := os.MkdirAll(a.dir, 0o700); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", path, err)
	}
	err = updateDB(db, func(tx *txn) error {
		fresh := tx.Bucket(bucketMeta) == nil
		if err := initSchema(tx, a.clock.Now().UTC()); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		if fresh {
			return meta.Put(keyArchiveMonth, []byte(month))
		}
		if got := string(meta.Get(keyArchiveMonth)); got != month {
			return &floor.Error{Op: "open archive", Kind: floor.KindInvalid, Err: ErrArchiveFile,
				Msg: fmt.Sprintf("%s is not the archive of %s (its meta says %q)", path, month, got)}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("archive %s: %w", path, err)
	}
	a.dbs[month] = db
	return db, nil
}

// close closes the archive files opened.
func (a *archives) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for m, db := range a.dbs {
		errs = append(errs, db.Close())
		delete(a.dbs, m)
	}
	return errors.Join(errs...)
}

// metaTime reads a time stored in the meta bucket as unix ns (zero if none).
func metaTime(tx *txn, key []byte) time.Time {
	v := tx.Bucket(bucketMeta).Get(key)
	if len(v) != 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC()
}

// raiseMetaTime stores t under key unless a later time is there.
func raiseMetaTime(tx *txn, key []byte, t time.Time) error {
	if !t.After(metaTime(tx, key)) {
		return nil
	}
	return tx.Bucket(bucketMeta).Put(key, u64(uint64(t.UnixNano())))
}

// viewArchives calls fn in a read transaction of each archive file whose
// month overlaps [from, to) (zero times: open ends), oldest first, when
// live (the reader's transaction of the live file, begun before) says
// records of that range may have moved there; fn returns false to stop.
//
// The live transaction is begun first, so a record a run moves meanwhile
// is in the live snapshot, the archive, or both, never in neither; the
// callers drop the second copy.
func (s *Store) viewArchives(live *txn, from, to time.Time, fn func(tx *txn) (bool, error)) error {
	mark := metaTime(live, keyArchiveFrom)
	if mark.IsZero() || (!from.IsZero() && !from.Before(mark)) {
		return nil
	}
	months, err := s.arch.months()
	if err != nil {
		return err
	}
	for _, m := range months {
		start, _ := time.Parse(monthLayout, m)
		if (!to.IsZero() && !start.Before(to)) || (!from.IsZero() && !start.AddDate(0, 1, 0).After(from)) {
			continue
		}
		db, err := s.arch.get(m, false)
		if err != nil {
			return err
		}
		if db == nil {
			continue
		}
		more := true
		err = viewDB(db, func(tx *txn) error {
			var err error
			more, err = fn(tx)
			return err
		})
		if err != nil {
			return fmt.Errorf("archive %s: %w", archiveName(m), err)
		}
		if !more {
			return nil
		}
	}
	return nil
}

// isArchiveFile reports whether tx is of an archive file.
func isArchiveFile(tx *txn) bool {
	meta := tx.Bucket(bucketMeta)
	return meta != nil && meta.Get(keyArchiveMonth) != nil
}

// RetentionCutoff is the start of the oldest day kept live when days whole
// days before today (UTC) are kept besides today.
func RetentionCutoff(now time.Time, days int) time.Time {
	return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -days)
}

// ArchiveResult says what one archive run moved out of the live file.
type ArchiveResult struct {
	Before    time.Time // records dated before it were moved
	Skipped   bool      // an earlier run already moved everything before Before
	Scans     int       // scan records, with their index entries
	Movements int
	Orders    int // closed orders (handed off or cancelled)
	Tasks     int // done tasks whose orders are all archived
	Waybills  int // tracking numbers of the archived orders
	Sales     int // daily sales counters no purchase report reads any more
}

// Moved is how many records the run moved in all.
func (r ArchiveResult) Moved() int {
	return r.Scans + r.Movements + r.Orders + r.Tasks + r.Waybills + r.Sales
}

// ErrArchiveReplicated refuses Archive on a Store opened on a replica:
// moving records to archive files is not carried by the log.
var ErrArchiveReplicated = errors.New("retention is not replicated")

// ArchiveRetaining archives what is older than the given whole days before
// today by the store's clock (see RetentionCutoff); days must be at least
// 1. The server runs it every hour: only the first run of a day moves
// anything.
func (s *Store) ArchiveRetaining(days int) (ArchiveResult, error) {
	if days < 1 {
		return ArchiveResult{}, floor.Invalid("archive", floor.Violations{{Field: "retain_days",
			Description: fmt.Sprintf("want at least 1 day, got %d", days)}})
	}
	return s.Archive(RetentionCutoff(s.now(), days))
}

// Archive moves the scans, movements and closed orders dated before
// before, with the done tasks and the waybills of those orders, from the
// live file to the archive files. Orders still open, and tasks with an
// order still open or a picker still on them, stay whatever their age.
// Writers are held up only by one short transaction per chunk.
func (s *Store) Archive(before time.Time) (ArchiveResult, error) {
	const op = "archive"
	if s.replica != nil {
		return ArchiveResult{}, &floor.Error{Op: op, Kind: floor.KindConflict, Err: ErrArchiveReplicated,
			Msg: ErrArchiveReplicated.Error() + ": a replicated store keeps everything in the live file"}
	}
	s.arch.run.Lock()
	defer s.arch.run.Unlock()
	before = before.UTC()
	res := ArchiveResult{Before: before}
	var done time.Time
	if err := s.view(op, func(tx *txn) error { done = metaTime(tx, keyArchivedBefore); return nil }); err != nil {
		return res, err
	}
	if !before.After(done) {
		res.Skipped = true
		return res, nil
	}
	// Readers look in the archives before anything leaves the live file.
	if err := s.batchBulk(op, func(tx *txn) error { return raiseMetaTime(tx, keyArchiveFrom, before) }); err != nil {
		return res, err
	}
	steps := []func(time.Time, *ArchiveResult) error{s.archiveScans, s.archiveMovements, s.archiveOrders, s.archiveTasks, s.archiveSales}
	for _, step := range steps {
		if err := step(before, &res); err != nil {
			return res, floor.Wrap(op, floor.KindInternal, err)
		}
	}
	return res, s.batchBulk(op, func(tx *txn) error { return raiseMetaTime(tx, keyArchivedBefore, before) })
}

// moved is one record on its way to an archive: its key and value in
// bucket, and the index entries that go with it.
type moved struct {
	bucket []byte
	key    []byte
	val    []byte
	month  string
	index  []indexEntry
}

// indexEntry is an entry of another bucket that points at a moved record
// and goes with it.
type indexEntry struct {
	bucket, key, val []byte
}

// writeArchive puts recs into their months' archive files, one
// transaction (one fsync) per file. Append-only buckets get full pages
// and their sequence raised to the last key, as in the live file.
func (s *Store) writeArchive(recs []moved) error {
	byMonth := map[string][]moved{}
	for _, r := range recs {
		byMonth[r.month] = append(byMonth[r.month], r)
	}
	for _, m := range slices.Sorted(maps.Keys(byMonth)) {
		db, err := s.arch.get(m, true)
		if err != nil {
			return err
		}
		err = updateDB(db, func(tx *txn) error {
			for _, r := range byMonth[m] {
				b := tx.Bucket(r.bucket)
				sequential := bytes.Equal(r.bucket, bucketScanRecords) || bytes.Equal(r.bucket, bucketMovements)
				if sequential {
					b.SetFill(1)
				}
				if err := b.Put(r.key, r.val); err != nil {
					return err
				}
				if sequential {
					if seq := binary.BigEndian.Uint64(r.key); seq > b.Sequence() {
						if err := b.SetSequence(seq); err != nil {
							return err
						}
					}
				}
				for _, ix := range r.index {
					if err := tx.Bucket(ix.bucket).Put(ix.key, ix.val); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("archive %s: %w", archiveName(m), err)
		}
	}
	return nil
}

// archived is called between a chunk's archive write and its delete.
func (a *archives) archived(bucket []byte) error {
	if a.written == nil {
		return nil
	}
	return a.written(bucket)
}

// dropLive deletes recs from the live file in one bulk transaction: each
// record only if it is still what was archived (a record written again
// since stays live and is archived again by a later run), its index
// entries only if they still point at it. It returns how many records it
// deleted; also calls each, for the extra bookkeeping of a kind, with the
// records it deletes.
func (s *Store) dropLive(recs []moved, also func(tx *txn, r moved) error) (int, error) {
	var n int
	err := s.batchBulk("archive", func(tx *txn) error {
		n = 0 // fn may run again when its batch is retried
		for _, r := range recs {
			b := tx.Bucket(r.bucket)
			if !bytes.Equal(b.Get(r.key), r.val) {
				continue
			}
			if also != nil {
				if err := also(tx, r); err != nil {
					return err
				}
			}
			if err := b.Delete(r.key); err != nil {
				return err
			}
			n++
			for _, ix := range r.index {
				ib := tx.Bucket(ix.bucket)
				if bytes.Equal(ib.Get(ix.key), ix.val) {
					if err := ib.Delete(ix.key); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	return n, err
}

// archivePrefix moves the records at the start of an append-only bucket
// while dated before before: records are appended in commit order, so
// the old ones are a prefix. dated returns a record's time and its index
// entries.
func (s *Store) archivePrefix(bucket []byte, before time.Time, dated func(k, v []byte) (time.Time, []indexEntry, error),
	also func(tx *txn, r moved) error) (int, error) {
	total := 0
	for {
		start := time.Now()
		var recs []moved
		err := s.view("archive", func(tx *txn) error {
			c := tx.Bucket(bucket).Cursor()
			for k, v := c.First(); k != nil && len(recs) < archiveChunk; k, v = c.Next() {
				at, index, err := dated(k, v)
				if err != nil {
					return err
				}
				if !at.Before(before) {
					break
				}
				recs = append(recs, moved{bucket: bucket, key: bytes.Clone(k), val: bytes.Clone(v), month: monthOf(at), index: index})
			}
			return nil
		})
		if err != nil || len(recs) == 0 {
			return total, err
		}
		if err := s.writeArchive(recs); err != nil {
			return total, err
		}
		if err := s.arch.archived(bucket); err != nil {
			return total, err
		}
		n, err := s.dropLive(recs, also)
		total += n
		if err != nil || n == 0 || len(recs) < archiveChunk {
			return total, err
		}
		pace(start)
	}
}

// archiveScans moves the scan records older than before with their index
// entries: a scan re-sent after that is no longer recognised, which the
// horizon (days) makes moot for devices whose outbox holds hours.
func (s *Store) archiveScans(before time.Time, res *ArchiveResult) error {
	var err error
	res.Scans, err = s.archivePrefix(bucketScanRecords, before, func(k, v []byte) (time.Time, []indexEntry, error) {
		rec, err := decodeScan(v)
		if err != nil {
			return time.Time{}, nil, fmt.Errorf("scan record %d: %w", binary.BigEndian.Uint64(k), err)
		}
		ix := indexEntry{bucket: bucketScanIndex, key: scanKey(rec.Kind, rec.User, rec.Scan.ID), val: bytes.Clone(k)}
		return rec.Scan.At, []indexEntry{ix}, nil
	}, nil)
	return err
}

// archiveMovements moves the movements older than before, adding the
// units of those that change stock to the live file's archived balances
// in the same transaction that deletes them.
func (s *Store) archiveMovements(before time.Time, res *ArchiveResult) error {
	var err error
	res.Movements, err = s.archivePrefix(bucketMovements, before, func(k, v []byte) (time.Time, []indexEntry, error) {
		return movementTime(v), nil, nil
	}, func(tx *txn, r moved) error {
		m, err := decodeMovement(binary.BigEndian.Uint64(r.key), r.val)
		if err != nil || !m.ChangesStock() {
			return err
		}
		b, key := tx.Bucket(bucketArchivedStock), stockKey(m.Bin, m.SKU)
		n, err := counter(bucketArchivedStock, key, b.Get(key))
		if err != nil {
			return err
		}
		return b.Put(key, u64(uint64(n+m.Units)))
	})
	return err
}

// closedAt is when an order was closed (handed off or cancelled): its
// last update.
func closedAt(o floor.Order) time.Time {
	if !o.UpdatedAt.IsZero() {
		return o.UpdatedAt
	}
	return o.HandedOffAt
}

// closedKey is o's entry in the index of closed orders.
func closedKey(o floor.Order) []byte { return append(u64(uint64(closedAt(o).UnixNano())), o.ID...) }

// indexClosed notes o under when it closed, if it is closed; putOrder
// calls it on every write of an order.
func indexClosed(tx *txn, o floor.Order) error {
	if o.State.Open() {
		return nil
	}
	return tx.Bucket(bucketClosedOrders).Put(closedKey(o), nil)
}

// migrateClosedOrders indexes the closed orders of a file older than
// version 14 (the keys first: writing while iterating may move the
// cursor).
func migrateClosedOrders(tx *txn) error {
	var keys [][]byte
	err := forEachOrder(tx, false, func(o floor.Order) error {
		if !o.State.Open() {
			keys = append(keys, closedKey(o))
		}
		return nil
	})
	if err != nil {
		return err
	}
	b := tx.Bucket(bucketClosedOrders)
	for _, k := range keys {
		if err := b.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// filedAt is the time an order is filed under: its release, which the
// reports select orders by.
func filedAt(o floor.Order) time.Time {
	if !o.ReleasedAt.IsZero() {
		return o.ReleasedAt
	}
	return closedAt(o)
}

// scanBucket calls pick with the records of bucket from the first key
// after from (the start if nil), in key order, until it has chosen
// archiveChunk records or the bucket ends; it returns the chosen records
// and the key to go on from (nil at the end).
func (s *Store) scanBucket(bucket, from []byte, pick func(tx *txn, k, v []byte) (*moved, error)) ([]moved, []byte, error) {
	var recs []moved
	var next []byte
	err := s.view("archive", func(tx *txn) error {
		c := tx.Bucket(bucket).Cursor()
		k, v := c.First()
		if from != nil {
			if k, v = c.Seek(from); k != nil && bytes.Equal(k, from) {
				k, v = c.Next()
			}
		}
		for ; k != nil; k, v = c.Next() {
			r, err := pick(tx, k, v)
			if err != nil {
				return err
			}
			if r != nil {
				recs = append(recs, *r)
			}
			if len(recs) == archiveChunk {
				next = bytes.Clone(k)
				return nil
			}
		}
		return nil
	})
	return recs, next, err
}

// archiveOrders moves the orders closed before before, with their
// waybills, found through the index of closed orders by time. An index
// entry whose order closed again later (written since with a newer time,
// which put a newer entry) or is gone is stale and only deleted.
func (s *Store) archiveOrders(before time.Time, res *ArchiveResult) error {
	for {
		start := time.Now()
		var recs []moved
		var stale [][]byte
		err := s.view("archive", func(tx *txn) error {
			orders, waybills := tx.Bucket(bucketOrders), tx.Bucket(bucketWaybills)
			c := tx.Bucket(bucketClosedOrders).Cursor()
			for k, _ := c.First(); k != nil && len(recs)+len(stale) < archiveChunk; k, _ = c.Next() {
				if len(k) < 8 {
					return fmt.Errorf("closed order index: key %q too short", k)
				}
				at := time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC()
				if !at.Before(before) {
					break
				}
				raw := orders.Get(k[8:])
				if raw == nil {
					stale = append(stale, bytes.Clone(k))
					continue
				}
				o, err := decodeOrder(raw)
				if err != nil {
					return fmt.Errorf("order %q: %w", k[8:], err)
				}
				if o.State.Open() || !closedAt(o).Equal(at) {
					stale = append(stale, bytes.Clone(k))
					continue
				}
				r := moved{bucket: bucketOrders, key: []byte(o.ID), val: bytes.Clone(raw), month: monthOf(filedAt(o)),
					index: []indexEntry{{bucket: bucketClosedOrders, key: bytes.Clone(k), val: []byte{}}}}
				codes := []string{o.Tracking}
				for _, b := range o.Boxes {
					codes = append(codes, b.Code)
				}
				for _, c := range codes {
					if c != "" && string(waybills.Get([]byte(c))) == o.ID {
						r.index = append(r.index, indexEntry{bucket: bucketWaybills, key: []byte(c), val: []byte(o.ID)})
					}
				}
				recs = append(recs, r)
			}
			return nil
		})
		if err != nil || len(recs)+len(stale) == 0 {
			return err
		}
		if err := s.writeArchive(recs); err != nil {
			return err
		}
		if err := s.arch.archived(bucketOrders); err != nil {
			return err
		}
		n, err := s.dropLive(recs, nil)
		if err != nil {
			return err
		}
		if len(stale) > 0 {
			err = s.batchBulk("archive", func(tx *txn) error {
				for _, k := range stale {
					if err := tx.Bucket(bucketClosedOrders).Delete(k); err != nil {
						return err
					}
				}
				return nil
			})
		}
		res.Orders += n
		for _, r := range recs {
			res.Waybills += len(r.index) - 1
		}
		if err != nil || n+len(stale) == 0 {
			return err
		}
		pace(start)
	}
}

// archiveTasks moves the tasks done before before whose orders have all
// left the live file (archived, or cancelled out of the task and
// archived) and that no picker holds: plan and progress together, filed
// under the task's creation.
func (s *Store) archiveTasks(before time.Time, res *ArchiveResult) error {
	var from []byte
	for {
		start := time.Now()
		recs, next, err := s.scanBucket(bucketTaskProgress, from, func(tx *txn, k, v []byte) (*moved, error) {
			p, err := decodeProgress(v)
			if err != nil {
				return nil, fmt.Errorf("task %q: %w", k, err)
			}
			end := p.DoneAt
			if p.DroppedAt.After(end) {
				end = p.DroppedAt
			}
			if !p.Done || end.IsZero() || !end.Before(before) {
				return nil, nil
			}
			t, ok, err := readTask(tx, string(k))
			if err != nil || !ok {
				return nil, err
			}
			if string(tx.Bucket(bucketPickerTasks).Get([]byte(t.Picker))) == t.ID {
				return nil, nil
			}
			for _, o := range t.Orders {
				if tx.Bucket(bucketOrders).Get([]byte(o.OrderID)) != nil {
					return nil, nil
				}
			}
			filed := t.CreatedAt
			if filed.IsZero() {
				filed = end
			}
			plan := tx.Bucket(bucketTasks).Get(k)
			r := &moved{bucket: bucketTaskProgress, key: bytes.Clone(k), val: bytes.Clone(v), month: monthOf(filed)}
			if plan != nil {
				r.index = []indexEntry{{bucket: bucketTasks, key: bytes.Clone(k), val: bytes.Clone(plan)}}
			}
			return r, nil
		})
		if err != nil {
			return err
		}
		if err := s.writeArchive(recs); err != nil {
			return err
		}
		if err := s.arch.archived(bucketTaskProgress); err != nil {
			return err
		}
		n, err := s.dropLive(recs, nil)
		res.Tasks += n
		for _, r := range recs {
			uncachePlan(s.db, string(r.key))
		}
		if err != nil || next == nil {
			return err
		}
		from = next
		pace(start)
	}
}

// salesDaysRead is the most days of sales a purchase report reads back
// from today (floor.PurchasePolicy's limit of SalesDays).
const salesDaysRead = 366

// archiveSales moves the daily sales counters of the days before before
// that no purchase report reads any more: those more than salesDaysRead
// days before today, so a year of them stays live whatever the horizon.
func (s *Store) archiveSales(before time.Time, res *ArchiveResult) error {
	if unread := RetentionCutoff(s.now(), salesDaysRead); unread.Before(before) {
		before = unread
	}
	var err error
	res.Sales, err = s.archivePrefix(bucketSales, before, func(k, _ []byte) (time.Time, []indexEntry, error) {
		day, _, _ := bytes.Cut(k, []byte{0})
		t, err := time.Parse(time.DateOnly, string(day))
		if err != nil {
			return t, nil, fmt.Errorf("sales key %q: %w", k, err)
		}
		return t, nil, nil
	}, nil)
	return err
}
