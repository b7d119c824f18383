// Package store keeps all state in one bbolt file. It is the only package
// that imports bbolt. Every method is one transaction, so writes that belong
// together land together or not at all.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"github.com/pickpack/pickpack/server/floor"
)

// SchemaVersion is the layout of the buckets this build writes. Open refuses
// files with a higher version; lower ones would be migrated.
//
// Version 11 appends how a handheld task ended to its progress record and
// keeps the totes (buckets totes, picker_notes); it needs no migration,
// since a progress record without the end reads as an open task.
//
// Version 12 adds the imports bucket: the ids of a large import being
// staged, hidden from every reader until its last transaction (staged.go).
// It needs no migration: an empty bucket means nothing is staged. It also
// adds the buckets signin and badges (a user's PIN and badge hashes for
// the handhelds' shift sign-in), empty in an older file.
//
// Version 13 writes scan records in binary (scan.go); Open rewrites the
// JSON records of older files.
//
// Version 14 adds retention (archive.go): the bucket archived_stock (the
// units of the movements moved to the archive files, per bin and SKU),
// the meta keys archive_from and archived_before (none: nothing was
// archived), and the bucket closed_orders, the closed orders by when
// they closed, which the migration fills from the orders there.
//
// Version 15 writes order and task plan records in binary
// (orderrecord.go, planrecord.go); Open rewrites the JSON records of
// older files.
const SchemaVersion = 15

// magic marks a bbolt file as ours, so a foreign bbolt file is refused
// instead of being scribbled on.
const magic = "pickpack"

var (
	bucketMeta         = []byte("meta")
	bucketBinMap       = []byte("binmap")
	bucketSKUs         = []byte("skus")
	bucketBarcodes     = []byte("barcodes")
	bucketStock        = []byte("stock")        // bin \x00 sku -> on hand, reserved
	bucketStockBySKU   = []byte("stock_by_sku") // sku \x00 bin -> nothing (index)
	bucketOrders       = []byte("orders")       // order id -> order record (binary: orderrecord.go)
	bucketOpenOrders   = []byte("open_orders")  // order id -> nothing, for each order not handed off or cancelled
	bucketQueue        = []byte("queue")
	bucketTasks        = []byte("tasks")         // task id -> plan record (binary: planrecord.go)
	bucketTaskProgress = []byte("task_progress") // task id -> taskProgress, binary (progress.go)
	bucketPickerTasks  = []byte("picker_tasks")
	bucketUsers        = []byte("users")
	bucketTokens       = []byte("tokens")
	bucketFamiliarity  = []byte("familiarity")   // picker \x00 bin \x00 sku -> floor.Familiarity
	bucketModels       = []byte("picker_models") // picker -> floor.PickerModel
	bucketScanRecords  = []byte("scan_records")  // sequence -> storedScan, in commit order
	bucketScanIndex    = []byte("scan_index")    // kind \x00 user \x00 scan id -> sequence
	bucketCountTasks   = []byte("count_tasks")   // bin -> floor.CountTask
	bucketPackSessions = []byte("pack_sessions") // packer -> floor.PackSession
	bucketConfig       = []byte("config")        // "shipping" -> floor.Shipping
	bucketSerials      = []byte("serials")       // carrier -> nested bucket whose sequence is the last serial
	bucketWaybills     = []byte("waybills")      // tracking number -> order id
	bucketPrintJobs    = []byte("print_jobs")    // sequence -> floor.PrintJob
	bucketPrintOpen    = []byte("print_open")    // sequence -> nothing, for each job not yet sent
	bucketMovements    = []byte("movements")     // sequence -> movement (binary, see movement.go), in commit order
	bucketDeliveries   = []byte("deliveries")    // id -> floor.Delivery
	bucketDock         = []byte("dock")          // sku -> units received and not yet put away
	bucketSlots        = []byte("slots")         // bin \x00 sku -> floor.Slot
	bucketSupply       = []byte("supply")        // sku -> floor.Supply
	bucketSales        = []byte("sales")         // day (YYYY-MM-DD, UTC) \x00 sku -> units shipped that day
	bucketImports      = []byte("imports")       // import id -> ids of the orders it staged and has not shown (staged.go)
	bucketRush         = []byte("rush")          // raised at (unix ns) + order id -> nothing: queued orders a supervisor raised, picked first
	bucketOffShift     = []byte("off_shift")     // picker -> floor.OffShift
	bucketSignIn       = []byte("signin")        // user -> signInRecord (PIN hash, badge hash, failures)
	bucketBadges       = []byte("badges")        // SHA-256 of a badge code -> user

	allBuckets = [][]byte{bucketMeta, bucketBinMap, bucketSKUs, bucketBarcodes, bucketStock, bucketStockBySKU,
		bucketOrders, bucketQueue, bucketTasks, bucketPickerTasks, bucketUsers, bucketTokens,
		bucketFamiliarity, bucketModels, bucketScanRecords, bucketScanIndex, bucketCountTasks, bucketPackSessions,
		bucketConfig, bucketSerials, bucketWaybills, bucketPrintJobs, bucketOpenOrders, bucketTaskProgress, bucketPrintOpen,
		bucketMovements, bucketDeliveries, bucketDock, bucketSlots, bucketSupply, bucketSales, bucketTotes, bucketPickerNotes,
		bucketRush, bucketOffShift, bucketImports, bucketSignIn, bucketBadges, bucketArchivedStock, bucketClosedOrders}
	keyMagic  = []byte("magic")
	keySchema = []byte("schema")
)

// Sentinel errors returned by Open, each wrapped in a *floor.Error that
// names the file.
var (
	// ErrNotOurs is returned when the file is not a pickpack data file.
	ErrNotOurs = errors.New("not a pickpack data file")
	// ErrNewerSchema is returned when the file was written by a newer build.
	ErrNewerSchema = errors.New("written by a newer pickpack")
	// ErrLocked is returned when another process holds the file open.
	ErrLocked = errors.New("in use by another running server")
)

// Options tune Open.
type Options struct {
	// Clock gives the time for due times and audit stamps; SystemClock if nil.
	Clock floor.Clock
	// LockTimeout is how long Open waits for another process to release
	// the file before failing with ErrLocked; one second if zero.
	LockTimeout time.Duration
	// SLAs gives each order's due time from its release; 15 minutes if zero.
	SLAs floor.SLAs
	// Planner orders each new task's stops; floor.BinOrderPlanner if nil.
	Planner floor.TaskPlanner
	// BatchCandidates is how many allocatable queued orders NextTask offers
	// the planner (the most urgent and the ones after it); 6 if zero.
	BatchCandidates int
	// Pack sets the weight check at the pack station.
	Pack floor.PackConfig
	// Paper reports whether a picker picks from paper: their new task's
	// documents (pick list and waybills) are queued for printing in the
	// commit that assigns it. Nil: everyone picks with a handheld.
	Paper func(picker string) bool
	// Replicator, given to OpenOn, carries every write to the site's other
	// servers; nil, a write is one bbolt commit of this file (Open).
	Replicator Replicator
}

// Store is the bbolt-backed state of one warehouse.
type Store struct {
	db         *bolt.DB
	w          *writer  // every write transaction (replicate.go)
	replica    *Replica // the replica the file belongs to (OpenOn), nil for Open's
	clock      floor.Clock
	slas       floor.SLAs
	planner    floor.TaskPlanner
	candidates int
	pack       floor.PackConfig
	paper      func(picker string) bool
	path       string
	commits    *committer
	arch       *archives // the archive files beside the live file (archive.go)

	changes *changes

	claimMu   sync.Mutex
	claimed   map[string]bool // queued orders a NextTask is planning with
	planSlots chan struct{}   // one token per plan running outside the write
	assigning chan struct{}   // one token per NextTask between claim and commit
	cache     *planCache      // decoded orders and SKU names NextTask reads

	// The bin map is read on every task and stock change, so the decoded
	// map is kept in memory with its generation (raised by every import);
	// a transaction that sees another generation in the file decodes anew.
	mapMu  sync.Mutex
	binMap mapIndex
	mapGen uint64

	// importChecked, set by tests only, is called with the import's
	// context when an order import has been checked, inside its read
	// transaction: where an import stands while it holds up nothing.
	importChecked func(ctx context.Context)
	// importStaged, set by tests only, is called by a staged order import
	// after each chunk it commits, with how many of its new orders are
	// staged: where an import stands while its orders are written and
	// not shown.
	importStaged func(ctx context.Context, staged, total int)
}

// Open opens or creates the data file at path. A new file gets the schema
// version; an existing one must be ours and not newer than this build.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	db, err := openFile("open data file", path, opts.LockTimeout)
	if err != nil {
		return nil, err
	}
	s, err := start(db, path, opts, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// OpenOn opens a Store on the replica's file: the same Store as Open's,
// whose writes, with opts.Replicator set, all go through it, those of the
// opening itself included (the schema, migrations, dropping what an
// interrupted import staged). Closing the Store leaves the replica open.
// Archive is refused on it: retention is not replicated.
func OpenOn(r *Replica, opts Options) (*Store, error) {
	r.mu.Lock()
	db := r.db
	if db != nil {
		r.stores++
	}
	r.mu.Unlock()
	if db == nil {
		return nil, &floor.Error{Op: "open data file", Kind: floor.KindUnavailable, Err: ErrClosed, Msg: "the replica is closed"}
	}
	s, err := start(db, r.path, opts, r)
	if err != nil {
		r.release()
		return nil, err
	}
	return s, nil
}

// release ends a Store's hold on the replica.
func (r *Replica) release() {
	r.mu.Lock()
	r.stores--
	r.mu.Unlock()
}

// openFile opens the bbolt file at path, creating it if missing, with the
// errors a person can act on.
func openFile(op, path string, lockTimeout time.Duration) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: lockTimeout,
		// Growing the memory map stops every transaction while it is
		// redone; reserving address space up front (not memory) spares a
		// busy floor those stalls.
		InitialMmapSize: 1 << 30,
		// Each commit of a scan would otherwise rewrite the whole free
		// page list; it is rebuilt from the pages at open instead.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	switch {
	case errors.Is(err, bolterr.ErrTimeout):
		return nil, &floor.Error{Op: op, Kind: floor.KindUnavailable, Err: ErrLocked,
			Msg: fmt.Sprintf("%s is %v (stop it, or use the API)", path, ErrLocked)}
	case errors.Is(err, bolterr.ErrInvalid), errors.Is(err, bolterr.ErrVersionMismatch), errors.Is(err, bolterr.ErrChecksum):
		return nil, &floor.Error{Op: op, Kind: floor.KindInvalid, Err: ErrNotOurs,
			Msg: fmt.Sprintf("%s is %v (%v)", path, ErrNotOurs, err)}
	case err != nil:
		return nil, &floor.Error{Op: op, Kind: floor.KindUnavailable, Msg: fmt.Sprintf("%s: %v", path, err), Err: err}
	}
	return db, nil
}

// start makes the Store of db, whose file is at path, with the schema
// checked (or written) and what interrupted imports staged dropped, each
// as a write of the Store (replicated when opts say so). r is the replica
// the file belongs to, nil for Open's.
func start(db *bolt.DB, path string, opts Options, r *Replica) (*Store, error) {
	const op = "open data file"
	if opts.Clock == nil {
		opts.Clock = floor.SystemClock{}
	}
	if opts.Planner == nil {
		opts.Planner = floor.BinOrderPlanner{}
	}
	if opts.BatchCandidates <= 0 {
		opts.BatchCandidates = 6
	}
	if opts.Pack == (floor.PackConfig{}) {
		opts.Pack = floor.DefaultPackConfig
	}
	w := &writer{db: db, repl: opts.Replicator}
	s := &Store{db: db, w: w, replica: r, clock: opts.Clock, slas: opts.SLAs, planner: opts.Planner,
		candidates: opts.BatchCandidates, pack: opts.Pack, paper: opts.Paper, path: path, commits: newCommitter(w),
		arch: newArchives(path, opts.Clock), claimed: map[string]bool{}, changes: newChanges(db),
		planSlots: make(chan struct{}, max(runtime.GOMAXPROCS(0)-1, 1)), assigning: make(chan struct{}, maxAssigning),
		cache: newPlanCache()}
	err := w.update(func(tx *txn) error {
		if isArchiveFile(tx) {
			return &floor.Error{Op: op, Kind: floor.KindInvalid, Err: ErrArchiveFile,
				Msg: "is " + ErrArchiveFile.Error() + " (open the live file beside its archive directory)"}
		}
		return initSchema(tx, opts.Clock.Now().UTC())
	})
	if err != nil {
		s.stop()
		if errors.Is(err, ErrNotReplicated) {
			return nil, notReplicated(op, err)
		}
		var fe *floor.Error
		if errors.As(err, &fe) {
			fe.Msg = path + " " + fe.Msg
		}
		return nil, err
	}
	if err := dropLeftImports(w); err != nil {
		s.stop()
		if errors.Is(err, ErrNotReplicated) {
			return nil, notReplicated(op, err)
		}
		return nil, &floor.Error{Op: op, Kind: floor.KindInternal, Err: err,
			Msg: fmt.Sprintf("%s: dropping what an interrupted import staged: %v", path, err)}
	}
	return s, nil
}

// initSchema stamps a new file or checks an existing one; now dates what
// migrations write.
func initSchema(tx *txn, now time.Time) error {
	const op = "open data file"
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		tx.ForEach(func([]byte, *bucket) error { empty = false; return nil })
		if !empty {
			return &floor.Error{Op: op, Kind: floor.KindInvalid, Err: ErrNotOurs,
				Msg: "is " + ErrNotOurs.Error() + " (a bbolt file of another program)"}
		}
		for _, name := range allBuckets {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		meta = tx.Bucket(bucketMeta)
		if err := meta.Put(keyMagic, []byte(magic)); err != nil {
			return err
		}
		return meta.Put(keySchema, []byte(strconv.Itoa(SchemaVersion)))
	}
	if string(meta.Get(keyMagic)) != magic {
		return &floor.Error{Op: op, Kind: floor.KindInvalid, Err: ErrNotOurs,
			Msg: "is " + ErrNotOurs.Error() + " (no pickpack marker)"}
	}
	v, err := strconv.Atoi(string(meta.Get(keySchema)))
	if err != nil {
		return &floor.Error{Op: op, Kind: floor.KindInvalid, Err: ErrNotOurs,
			Msg: fmt.Sprintf("has an unreadable schema version %q", meta.Get(keySchema))}
	}
	if v > SchemaVersion {
		return &floor.Error{Op: op, Kind: floor.KindInvalid, Err: ErrNewerSchema,
			Msg: fmt.Sprintf("was %v (schema %d; this build reads up to %d): upgrade this server", ErrNewerSchema, v, SchemaVersion)}
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	// Older files migrate here, in this transaction, before the stamp is
	// raised: a crash mid-way leaves the old file as it was.
	if v < 15 { // version 15 writes orders in binary (8 short JSON); first, so that the steps below read them so
		if err := migrateOrders(tx); err != nil {
			return err
		}
	}
	if v < 2 { // version 2 indexes the open orders
		var orders []floor.Order // read first: writing while iterating may move the cursor
		if err := forEachOrder(tx, false, func(o floor.Order) error { orders = append(orders, o); return nil }); err != nil {
			return err
		}
		for _, o := range orders {
			if err := putOrder(tx, o); err != nil {
				return err
			}
		}
	}
	if v < 3 { // version 3 appends scan records by sequence, indexed by id
		if err := migrateScans(tx); err != nil {
			return err
		}
	}
	if v >= 3 && v < 13 { // version 13 writes scan records in binary (older ones are converted by migrateScans)
		if err := migrateScanRecords(tx, v < 5); err != nil {
			return err
		}
	}
	if v < 4 { // version 4 keeps a task's plan and its progress apart
		if err := migrateTasks(tx); err != nil {
			return err
		}
	}
	if v < 6 { // version 6 indexes the print jobs not yet sent
		jobs, err := jobsOf(tx, bucketPrintJobs)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if err := putJob(tx, j); err != nil {
				return err
			}
		}
	}
	if v >= 4 && v < 7 { // version 7 writes task progress in binary (older files get it so from the split above)
		if err := migrateProgress(tx); err != nil {
			return err
		}
	}
	if v >= 4 && v < 15 { // version 15 writes task plans in binary (9 short JSON; older files get it so from the split above)
		if err := migratePlans(tx); err != nil {
			return err
		}
	}
	if v < 10 { // version 10 keeps the stock history and turns count flags into count tasks
		if err := openingBalances(tx, now); err != nil {
			return err
		}
		if err := migrateCountFlags(tx); err != nil {
			return err
		}
	}
	if v < 14 { // version 14 indexes the closed orders by time, for retention
		if err := migrateClosedOrders(tx); err != nil {
			return err
		}
	}
	// Version 11 lists the orders of imports staged and not shown
	// (bucketImports, created above); older files have none.
	if err := meta.Put(keySchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
		return err
	}
	return recoverPrintJobs(tx)
}

// rewriteRecords converts every record of b with convert, which returns
// nil to leave a record as it is: the one loop of the migrations that
// change a record's form. Records are all read before any is written,
// since writing while iterating may move the cursor.
func rewriteRecords(b *bucket, convert func(v []byte) ([]byte, error)) error {
	var keys, vals [][]byte
	err := b.ForEach(func(k, v []byte) error {
		raw, err := convert(v)
		if raw != nil {
			keys, vals = append(keys, bytes.Clone(k)), append(vals, raw)
		}
		return err
	})
	if err != nil {
		return err
	}
	for i := range keys {
		if err := b.Put(keys[i], vals[i]); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the file (not a replica's: see OpenOn). Queued and
// running writes finish first.
func (s *Store) Close() error {
	s.arch.run.Lock() // a run in progress ends first
	defer s.arch.run.Unlock()
	if s.replica == nil {
		s.stop()
		return errors.Join(s.arch.close(), s.db.Close())
	}
	s.stop()                        // the queued writes first
	first := !s.w.closed.Swap(true) // the replica's file stays open: later writes must fail here
	if first {
		s.replica.release()
	}
	return s.arch.close()
}

// stop ends the Store's writes and drops what it keeps of the file in
// memory.
func (s *Store) stop() {
	s.commits.close()
	changesByDB.Delete(s.db)
	forgetPlans(s.db)
}

// Path is the data file's path.
func (s *Store) Path() string { return s.path }

// Check runs bbolt's consistency check over the whole file and returns the
// first problem found.
func (s *Store) Check() error {
	return viewDB(s.db, func(tx *txn) error {
		var first error
		for err := range tx.Check() { // drained fully: Check's goroutine blocks otherwise
			if first == nil {
				first = err
			}
		}
		return first
	})
}

// Exists reports whether a data file is at path, for callers that must not
// create one by accident.
func Exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Records are JSON: readable with bbolt's own tools when something goes
// wrong on a site, and the schema version guards their shape. The
// exceptions are the records a scan writes or reads: scans, movements,
// task progress, orders and task plans (binary: scan.go, movement.go,
// progress.go, orderrecord.go, planrecord.go).
func encodeJSON(v any) ([]byte, error) { return json.Marshal(v) }

func decodeJSON[T any](raw []byte) (T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err
}

func get[T any](b *bucket, key string) (T, bool, error) {
	raw := b.Get([]byte(key))
	if raw == nil {
		var zero T
		return zero, false, nil
	}
	v, err := decodeJSON[T](raw)
	if err != nil {
		return v, false, fmt.Errorf("decode %q: %w", key, err)
	}
	return v, true, nil
}

func put(b *bucket, key string, v any) error {
	raw, err := encodeJSON(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}

// errCorruptCounter is returned for a counter (units at the dock, units
// shipped in a day) whose stored value is not 8 bytes.
var errCorruptCounter = errors.New("corrupt counter")

// counter decodes v, the value stored under key in bucket, as a count:
// 8 bytes, big-endian (see u64). No value (nil) is 0.
func counter(bucket, key, v []byte) (int64, error) {
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%s %q: %w of %d bytes, want 8", bucket, key, errCorruptCounter, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// update runs fn in a read-write transaction and gives unclassified errors
// the op and KindInternal.
func (s *Store) update(op string, fn func(tx *txn) error) error {
	return s.committed(op, s.w.update(fn))
}

// batch runs fn in a transaction shared with concurrent batch calls: one
// commit, one fsync for all of them. fn may run more than once if another
// call in its batch fails, so it must only act through tx.
func (s *Store) batch(op string, fn func(tx *txn) error) error {
	return s.committed(op, s.commits.do(fn))
}

// batchBulk is batch for writes that no handheld waits on (task
// assignments, imports, stock top-ups): scans queued with them may go
// first.
func (s *Store) batchBulk(op string, fn func(tx *txn) error) error {
	return s.committed(op, s.commits.doBulk(fn))
}

// committed is the error of a write through the committer.
func (s *Store) committed(op string, err error) error {
	if errors.Is(err, ErrClosed) {
		return &floor.Error{Op: op, Kind: floor.KindUnavailable, Err: err, Msg: "the server is stopping"}
	}
	if errors.Is(err, ErrNotReplicated) {
		return notReplicated(op, err)
	}
	return floor.Wrap(op, floor.KindInternal, err)
}

func (s *Store) view(op string, fn func(tx *txn) error) error {
	return floor.Wrap(op, floor.KindInternal, viewDB(s.db, fn))
}
