package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// simStart is the first simulated day of the retention tests: ten days
// from it cross a month, so two archive files are written.
var simStart = time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC)

// openSim opens a store in a temporary directory with a small simulated
// floor: 100 orders a day from 40 bins.
func openSim(t *testing.T) (*Store, *simFloor) {
	t.Helper()
	s, clock := openTestStore(t, "")
	return s, newSimFloor(s, clock, simStart, 100, 40)
}

// days writes days [from, to) of each floor.
func days(t *testing.T, from, to int, floors ...*simFloor) {
	t.Helper()
	for d := from; d < to; d++ {
		for _, f := range floors {
			if err := f.day(d); err != nil {
				t.Fatalf("day %d: %v", d, err)
			}
		}
	}
}

// highWater is how far into its file the store has ever written: bbolt's
// file grows in steps of many megabytes, its high-water mark page by page.
func highWater(t testing.TB, s *Store) int64 {
	t.Helper()
	var n int64
	if err := viewDB(s.db, func(tx *txn) error { n = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// allHistory pages through the whole history limit movements at a time.
func allHistory(t *testing.T, s *Store, from, to time.Time, limit int) []floor.Movement {
	t.Helper()
	var out []floor.Movement
	var after uint64
	for {
		ms, next, err := s.History(from, to, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ms...)
		if next == 0 {
			return out
		}
		after = next
	}
}

// sameReads checks that every reader of history gives the same answer on
// got (archived) as on want (the same floor, nothing archived), for each
// simulated day and over all of them.
func sameReads(t *testing.T, got, want *Store, ndays int) {
	t.Helper()
	end := simStart.AddDate(0, 0, ndays)
	for _, r := range []struct{ from, to time.Time }{{simStart, end}, {time.Time{}, time.Time{}}, {simStart.AddDate(0, 0, 1), simStart.AddDate(0, 0, 2).Add(7 * time.Hour)}} {
		g, w := allHistory(t, got, r.from, r.to, 97), allHistory(t, want, r.from, r.to, 97)
		if len(w) == 0 || !reflect.DeepEqual(g, w) {
			t.Errorf("History(%v, %v): %d movements, want %d (equal: %v)", r.from, r.to, len(g), len(w), reflect.DeepEqual(g, w))
		}
	}
	for d := range ndays {
		from, to := simStart.AddDate(0, 0, d), simStart.AddDate(0, 0, d+1)
		g, err := got.ReportData(from, to)
		if err != nil {
			t.Fatal(err)
		}
		w, err := want.ReportData(from, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Orders) == 0 || len(w.Tasks) == 0 || len(w.Scans) == 0 || !reflect.DeepEqual(g, w) {
			t.Errorf("day %d: ReportData has %d orders, %d tasks, %d scans; want %d, %d, %d (equal: %v)", d,
				len(g.Orders), len(g.Tasks), len(g.Scans), len(w.Orders), len(w.Tasks), len(w.Scans), reflect.DeepEqual(g, w))
		}
		gd, err := got.OrdersDue(from, to)
		if err != nil {
			t.Fatal(err)
		}
		wd, err := want.OrdersDue(from, to)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(gd, func(a, b floor.Order) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(wd, func(a, b floor.Order) int { return strings.Compare(a.ID, b.ID) })
		if len(wd) == 0 || !reflect.DeepEqual(gd, wd) {
			t.Errorf("day %d: OrdersDue has %d orders, want %d", d, len(gd), len(wd))
		}
	}
	for _, id := range []string{"O00000001", "O00000100", fmt.Sprintf("O%08d", ndays*100)} {
		g, err := got.Order(id)
		if err != nil {
			t.Fatalf("Order(%s): %v", id, err)
		}
		w, err := want.Order(id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("Order(%s) = %+v, want %+v", id, g, w)
		}
	}
	if _, err := got.Order("O99999999"); floor.KindOf(err) != floor.KindNotFound {
		t.Errorf("Order of no order: %v, want not found", err)
	}
}

// nothingOldLive checks that the live file holds no scan, movement, closed
// order or done task from before cutoff, and no index entry of a record
// gone.
func nothingOldLive(t *testing.T, s *Store, cutoff time.Time) {
	t.Helper()
	err := viewDB(s.db, func(tx *txn) error {
		if k, v := tx.Bucket(bucketScanRecords).Cursor().First(); k != nil {
			rec, err := decodeScan(v)
			if err != nil {
				return err
			}
			if rec.Scan.At.Before(cutoff) {
				t.Errorf("scan %d of %v is still live", binary.BigEndian.Uint64(k), rec.Scan.At)
			}
		}
		if n, m := tx.Bucket(bucketScanIndex).Stats().KeyN, tx.Bucket(bucketScanRecords).Stats().KeyN; n != m {
			t.Errorf("%d scan index entries for %d scan records", n, m)
		}
		if k, v := tx.Bucket(bucketMovements).Cursor().First(); k != nil && movementTime(v).Before(cutoff) {
			t.Errorf("movement %d of %v is still live", binary.BigEndian.Uint64(k), movementTime(v))
		}
		if k, _ := tx.Bucket(bucketClosedOrders).Cursor().First(); k != nil && time.Unix(0, int64(binary.BigEndian.Uint64(k))).Before(cutoff) {
			t.Errorf("closed order index entry %q is older than %v", k, cutoff)
		}
		orders := 0
		err := forEachOrder(tx, false, func(o floor.Order) error {
			orders++
			if !o.State.Open() && closedAt(o).Before(cutoff) {
				t.Errorf("order %s closed at %v is still live", o.ID, closedAt(o))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n := tx.Bucket(bucketWaybills).Stats().KeyN; n >= orders {
			t.Errorf("%d waybills for %d live orders (one in a hundred cancelled has none)", n, orders)
		}
		return forEachTask(tx, func(task floor.Task) error {
			if task.DroppedAt.Before(cutoff) {
				t.Errorf("task %s dropped off at %v is still live", task.ID, task.DroppedAt)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestArchiveMovesOldHistoryOutAndKeepsItReadable runs twelve days of a floor
// keeping three: the old scans, movements, closed orders and tasks leave
// the live file for two monthly archive files, every reader of history
// answers as it does on the same floor with nothing archived, the audit
// still adds up, and the live file stops growing while the one that keeps
// everything does not.
func TestArchiveMovesOldHistoryOutAndKeepsItReadable(t *testing.T) {
	const ndays, keep = 12, 3
	live, lf := openSim(t)
	control, cf := openSim(t)
	var liveHW, controlHW []int64
	for d := range ndays {
		days(t, d, d+1, lf, cf)
		res, err := live.ArchiveRetaining(keep)
		if err != nil {
			t.Fatalf("day %d: %v", d, err)
		}
		if wantMoved := d >= keep+1; (res.Moved() > 0) != wantMoved || (wantMoved && (res.Scans == 0 || res.Movements == 0 || res.Orders == 0 || res.Tasks == 0 || res.Waybills == 0)) {
			t.Errorf("day %d: archived %+v, want something of every kind: %v", d, res, wantMoved)
		}
		if again, err := live.ArchiveRetaining(keep); err != nil || !again.Skipped || again.Moved() != 0 {
			t.Errorf("day %d: second run of the day = %+v, %v; want skipped", d, again, err)
		}
		if _, err := live.Audit(); err != nil {
			t.Fatalf("day %d: audit after archiving: %v", d, err)
		}
		liveHW, controlHW = append(liveHW, highWater(t, live)), append(controlHW, highWater(t, control))
	}
	sameReads(t, live, control, ndays)
	nothingOldLive(t, live, RetentionCutoff(lf.clock.Now(), keep))
	if months, err := live.arch.months(); err != nil || !reflect.DeepEqual(months, []string{"2026-10", "2026-11"}) {
		t.Errorf("archive files of months %v (%v), want 2026-10 and 2026-11", months, err)
	}

	// Growth over the first four days (nothing archived yet) against the
	// last four (a day in, a day out).
	first := liveHW[3] - liveHW[0]
	last := liveHW[ndays-1] - liveHW[ndays-5]
	controlLast := controlHW[ndays-1] - controlHW[ndays-5]
	t.Logf("high-water mark by day: archived %v, kept %v", liveHW, controlHW)
	if last*10 > first {
		t.Errorf("the live file grew %d bytes over the last four days, more than a tenth of the first four's %d", last, first)
	}
	if controlLast*2 < first {
		t.Errorf("the file that keeps everything grew only %d bytes over the last four days (first four: %d): the floor is not busy enough to tell", controlLast, first)
	}
}

var errCrash = errors.New("crash")

// TestArchiveInterruptedLosesNothingAndShowsNothingTwice stops a run
// between a chunk's archive write and its delete, as a crash would: the
// records then in both files are read once, the audit adds up, and the
// next run finishes the move.
func TestArchiveInterruptedLosesNothingAndShowsNothingTwice(t *testing.T) {
	const ndays, keep = 6, 2
	live, lf := openSim(t)
	control, cf := openSim(t)
	days(t, 0, ndays, lf, cf)

	// The second chunk of movements, after one chunk of them left the
	// live file with its sums.
	chunks := 0
	live.arch.written = func(bucket []byte) error {
		if string(bucket) == string(bucketMovements) {
			if chunks++; chunks == 2 {
				return errCrash
			}
		}
		return nil
	}
	if res, err := live.ArchiveRetaining(keep); !errors.Is(err, errCrash) || res.Scans == 0 || res.Movements == 0 {
		t.Fatalf("interrupted run = %+v, %v; want scans and movements moved, then the crash", res, err)
	}
	if _, err := live.Audit(); err != nil {
		t.Fatalf("audit after the interrupted run: %v", err)
	}
	if got, want := movementsStored(t, live), movementsStored(t, control); got <= want {
		t.Fatalf("%d movements stored in the live and archive files after the crash, want more than the %d made: some in both", got, want)
	}
	sameReads(t, live, control, ndays)

	live.arch.written = nil
	res, err := live.ArchiveRetaining(keep)
	if err != nil || res.Skipped || res.Orders == 0 || res.Tasks == 0 {
		t.Fatalf("run after the interrupted one = %+v, %v; want the rest moved", res, err)
	}
	sameReads(t, live, control, ndays)
	nothingOldLive(t, live, RetentionCutoff(lf.clock.Now(), keep))
}

// TestArchiveFilesAreNotLiveFiles: an archive file is refused as the live
// data file, a file of the archive directory that is not the archive of
// the month its name says is refused by the readers, and a horizon under
// a day is invalid.
func TestArchiveFilesAreNotLiveFiles(t *testing.T) {
	live, lf := openSim(t)
	days(t, 0, 5, lf)
	if _, err := live.ArchiveRetaining(2); err != nil {
		t.Fatal(err)
	}
	for _, days := range []int{0, -1} {
		if _, err := live.ArchiveRetaining(days); floor.KindOf(err) != floor.KindInvalid {
			t.Errorf("ArchiveRetaining(%d) = %v, want invalid", days, err)
		}
	}
	months, err := live.arch.months()
	if err != nil || len(months) != 1 {
		t.Fatalf("months %v, %v", months, err)
	}
	if err := live.arch.close(); err != nil { // its lock would hold up the Open below
		t.Fatal(err)
	}
	path := filepath.Join(live.arch.dir, archiveName(months[0]))
	if _, err := Open(path, Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrArchiveFile) || floor.KindOf(err) != floor.KindInvalid {
		t.Errorf("Open(archive) = %v, want %v", err, ErrArchiveFile)
	}
	if err := os.Rename(path, filepath.Join(live.arch.dir, archiveName("2026-09"))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := live.History(time.Time{}, time.Time{}, 0, 10); !errors.Is(err, ErrArchiveFile) {
		t.Errorf("History with a misnamed archive = %v, want %v", err, ErrArchiveFile)
	}
	if _, _, err := live.History(simStart.AddDate(0, 0, 4), simStart.AddDate(0, 0, 5), 0, 10); err != nil {
		t.Errorf("History of days kept live: %v", err)
	}
}

// TestClosedOrderIndexIsBuiltForAnOlderFile opens a file of schema 12,
// whose closed orders have no index entry, and archives them.
func TestClosedOrderIndexIsBuiltForAnOlderFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	clock := &fixedClock{t: simStart}
	s, err := Open(path, Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	f := newSimFloor(s, clock, simStart, 100, 40)
	days(t, 0, 3, f)
	var closed int
	err = updateDB(s.db, func(tx *txn) error {
		closed = tx.Bucket(bucketClosedOrders).Stats().KeyN
		if err := tx.DeleteBucket(bucketClosedOrders); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte("12"))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if closed != 300 {
		t.Fatalf("%d closed orders indexed, want 300", closed)
	}

	s, err = Open(path, Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = viewDB(s.db, func(tx *txn) error {
		if n := tx.Bucket(bucketClosedOrders).Stats().KeyN; n != closed {
			t.Errorf("%d closed orders indexed after the migration, want %d", n, closed)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.ArchiveRetaining(1)
	if err != nil || res.Orders != 100 {
		t.Errorf("archive keeping a day = %+v, %v; want the 100 orders of the first day", res, err)
	}
	if _, err := s.Audit(); err != nil {
		t.Error(err)
	}
}

// TestArchiveMovesOnlySalesNoReportReads: the daily sales counters stay
// live for the longest purchase report (366 days back), whatever the
// horizon, and older ones move to the archive of their month.
func TestArchiveMovesOnlySalesNoReportReads(t *testing.T) {
	s, clock := openTestStore(t, "")
	today := clock.Now().Truncate(24 * time.Hour)
	days := []time.Time{today.AddDate(0, 0, -400), today.AddDate(0, 0, -367), today.AddDate(0, 0, -366), today.AddDate(0, 0, -10)}
	err := s.update("sales", func(tx *txn) error {
		for i, d := range days {
			if err := addSale(tx, d.Add(time.Hour), "S1", int64(i+1)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func() map[string]int64 {
		var sold map[string]int64
		if err := s.view("sales", func(tx *txn) error {
			var err error
			sold, err = unitsShipped(tx, salesDaysRead, clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return sold
	}
	before := read()
	res, err := s.ArchiveRetaining(90)
	if err != nil || res.Sales != 2 {
		t.Fatalf("archive = %+v, %v; want the two days older than 366 moved", res, err)
	}
	if after := read(); !reflect.DeepEqual(after, before) || after["S1"] != 3+4 {
		t.Errorf("units shipped over 366 days: %v after archiving, %v before; want 7", after, before)
	}
	db, err := s.arch.get(monthOf(days[0]), false)
	if err != nil || db == nil {
		t.Fatalf("archive of %s: %v", monthOf(days[0]), err)
	}
	err = viewDB(db, func(tx *txn) error {
		n, err := counter(bucketSales, nil, tx.Bucket(bucketSales).Get(salesKey(days[0], "S1")))
		if n != 1 {
			t.Errorf("archived sales of %s: %d, want 1", days[0].Format(time.DateOnly), n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// movementsStored counts the movement records in the live file and in the
// archive files.
func movementsStored(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	count := func(tx *txn) (bool, error) {
		n += tx.Bucket(bucketMovements).Stats().KeyN
		return true, nil
	}
	err := viewDB(s.db, func(tx *txn) error {
		count(tx)
		return s.viewArchives(tx, time.Time{}, time.Time{}, count)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
