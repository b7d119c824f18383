package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/route"
)

// fixedClock is a clock tests move by hand.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// openTestStore opens a real data file in a temporary directory and checks
// its consistency when the test ends.
func openTestStore(t *testing.T, path string) (*Store, *fixedClock) {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "pickpack.db")
	}
	clock := &fixedClock{t: t0}
	s, err := Open(path, Options{Clock: clock, LockTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		if _, err := s.Audit(); err != nil {
			t.Errorf("stock audit: %v", err)
		}
		s.Close()
	})
	return s, clock
}

// testMap has two aisles of three bins each.
func testMap() *floor.BinMap {
	m := &floor.BinMap{Warehouse: "T", CodeScheme: floor.DefaultCodeScheme, Depot: floor.Point{X: 0, Y: 0},
		CrossAisles: []float64{0, 10}, Aisles: []floor.Aisle{{ID: "01", X: 0}, {ID: "02", X: 3}}}
	for a := 1; a <= 2; a++ {
		for bay := 1; bay <= 3; bay++ {
			m.Bins = append(m.Bins, floor.Bin{Code: fmt.Sprintf("A-%02d-%03d-1", a, bay), Aisle: fmt.Sprintf("%02d", a), Y: float64(bay * 2)})
		}
	}
	return m
}

func sku(id, ean string) floor.SKU {
	return floor.SKU{ID: id, Name: "name of " + id, Barcodes: []floor.Barcode{{Kind: floor.BarcodeEAN13, Code: ean}}}
}

// seed loads the test map, two SKUs and stock: S1 5 in A-01-001-1, S2 3 in A-02-003-1.
func seed(t *testing.T, s *Store) {
	t.Helper()
	if _, err := s.ImportBinMap(testMap(), false); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSKUs([]floor.SKU{sku("S1", "4006381333931"), sku("S2", "5901234123457")}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AdjustStock(StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: 5}, StockAdjustment{Bin: "A-02-003-1", SKU: "S2", Delta: 3}); err != nil {
		t.Fatal(err)
	}
}

func wantKind(t *testing.T, err error, kind floor.Kind) {
	t.Helper()
	if got := floor.KindOf(err); err == nil || got != kind {
		t.Fatalf("error %v: kind %v, want %v", err, got, kind)
	}
}

func TestOpenRefusesForeignNewerAndLockedFiles(t *testing.T) {
	dir := t.TempDir()

	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 1000)), 0o600)

	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	updateDB(db, func(tx *txn) error { _, err := tx.CreateBucket([]byte("theirs")); return err })
	db.Close()

	newer := filepath.Join(dir, "newer.db")
	s, err := Open(newer, Options{})
	if err != nil {
		t.Fatal(err)
	}
	updateDB(s.db, func(tx *txn) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte("99")) })
	s.Close()

	locked := filepath.Join(dir, "locked.db")
	held, err := Open(locked, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	tests := []struct {
		path    string
		want    error
		wantMsg string
	}{
		{garbage, ErrNotOurs, "garbage.db is not a pickpack data file"},
		{foreign, ErrNotOurs, "another program"},
		{newer, ErrNewerSchema, "schema 99; this build reads up to " + strconv.Itoa(SchemaVersion)},
		{locked, ErrLocked, "in use by another running server"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			_, err := Open(tt.path, Options{LockTimeout: 50 * time.Millisecond})
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Open: %v; want %v containing %q", err, tt.want, tt.wantMsg)
			}
		})
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	if _, err := s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}}}}, false); err != nil {
		t.Fatal(err)
	}
	task, _, err := s.NextTask("ann")
	if err != nil || task == nil {
		t.Fatal(task, err)
	}
	token, err := s.CreateToken("ann", floor.RolePicker)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2, _ := openTestStore(t, path)
	if m, err := s2.BinMap(); err != nil || len(m.Bins) != 6 {
		t.Errorf("bin map after reopen: %v, %v", m, err)
	}
	if o, err := s2.Order("O1"); err != nil || o.State != floor.StateAssigned || o.TaskID != task.ID {
		t.Errorf("order after reopen: %+v, %v", o, err)
	}
	if u, err := s2.Authenticate(token); err != nil || u.Name != "ann" {
		t.Errorf("token after reopen: %+v, %v", u, err)
	}
	levels, _, _ := s2.ListStock(StockFilter{SKU: "S1"}, "", 10)
	if len(levels) != 1 || levels[0].OnHand != 5 || levels[0].Reserved != 2 {
		t.Errorf("stock after reopen: %+v", levels)
	}
}

func TestImportBinMapKeepsBinsWithStock(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	m := testMap()
	m.Bins = m.Bins[1:5] // drops A-01-001-1 (holds S1) and A-02-003-1 (holds S2)
	_, err := s.ImportBinMap(m, false)
	wantKind(t, err, floor.KindInvalid)
	var fe *floor.Error
	errors.As(err, &fe)
	if len(fe.Violations) != 2 || !strings.Contains(fe.Violations[0].Description, "A-01-001-1 still holds 5 of S1") {
		t.Errorf("violations = %v", fe.Violations)
	}
	if got, _ := s.BinMap(); len(got.Bins) != 6 {
		t.Errorf("rejected map was stored: %d bins", len(got.Bins))
	}

	// Moving a bin and adding one is fine; an empty bin may go.
	m = testMap()
	m.Bins[0].Y = 3
	m.Bins = append(m.Bins[:1], m.Bins[2:]...)
	m.Bins = append(m.Bins, floor.Bin{Code: "A-02-004-1", Aisle: "02", Y: 9})
	ch, err := s.ImportBinMap(m, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := (BinMapChange{Bins: 6, Added: 1, Removed: 1, Moved: 1}); ch != want {
		t.Errorf("change = %+v, want %+v", ch, want)
	}
}

func TestPutSKUsBarcodeBelongsToOneSKU(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	err := s.PutSKUs([]floor.SKU{sku("S3", "4006381333931")}, false)
	wantKind(t, err, floor.KindInvalid)
	if _, err := s.SKU("S3"); floor.KindOf(err) != floor.KindNotFound {
		t.Errorf("rejected SKU stored: %v", err)
	}
	// Swapping barcodes between two SKUs in one import is fine.
	if err := s.PutSKUs([]floor.SKU{sku("S1", "5901234123457"), sku("S2", "4006381333931")}, false); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SKUByBarcode("4006381333931"); err != nil || got.ID != "S2" {
		t.Errorf("SKUByBarcode = %v, %v; want S2", got.ID, err)
	}
	// A UPC-A is found by its EAN-13 form too.
	upc := floor.SKU{ID: "S4", Name: "upc", Barcodes: []floor.Barcode{{Kind: floor.BarcodeUPCA, Code: "036000291452"}}}
	if err := s.PutSKUs([]floor.SKU{upc}, false); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SKUByBarcode("0036000291452"); err != nil || got.ID != "S4" {
		t.Errorf("SKUByBarcode(EAN-13 form of a UPC-A) = %v, %v; want S4", got.ID, err)
	}
}

func TestAdjustStockNeverNegative(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	tests := []struct {
		adj  StockAdjustment
		kind floor.Kind
	}{
		{StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: -6}, floor.KindConflict},
		{StockAdjustment{Bin: "Z-99-999-9", SKU: "S1", Delta: 1}, floor.KindInvalid},
		{StockAdjustment{Bin: "A-01-001-1", SKU: "NOPE", Delta: 1}, floor.KindInvalid},
	}
	for _, tt := range tests {
		_, err := s.AdjustStock(tt.adj)
		wantKind(t, err, tt.kind)
	}
	got, err := s.AdjustStock(StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: -5})
	if err != nil || got[0].OnHand != 0 {
		t.Errorf("AdjustStock to zero: %v, %v", got, err)
	}
}

func TestSubmitOrdersIsIdempotentAndSetsDueTimes(t *testing.T) {
	s, clock := openTestStore(t, "")
	s.slas = floor.SLAs{PerChannel: map[string]time.Duration{"express": 10 * time.Minute}}
	seed(t, s)
	o := floor.Order{ID: "O1", Channel: "express", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}
	first, err := s.SubmitOrders([]floor.Order{o}, false)
	if err != nil || !first[0].Created || !first[0].Order.DueAt.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("first submit: %+v, %v", first, err)
	}
	clock.Add(time.Minute)
	o.Lines[0].Quantity = 3
	again, err := s.SubmitOrders([]floor.Order{o, {ID: "O2", Lines: o.Lines}}, false)
	if err != nil || again[0].Created || again[0].Order.Lines[0].Quantity != 1 || !again[1].Created {
		t.Fatalf("second submit: %+v, %v", again, err)
	}
	if got := again[1].Order.DueAt; !got.Equal(t0.Add(16 * time.Minute)) {
		t.Errorf("default due time = %v", got)
	}
	_, err = s.SubmitOrders([]floor.Order{{ID: "O3", Lines: []floor.OrderLine{{SKU: "NOPE", Quantity: 1}}}}, false)
	wantKind(t, err, floor.KindInvalid)
	if _, err := s.Order("O3"); floor.KindOf(err) != floor.KindNotFound {
		t.Errorf("rejected order stored: %v", err)
	}
}

func TestNextTaskEarliestDueWithStockAndCancel(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	submit := func(id, skuID string, qty int64) {
		if _, err := s.SubmitOrders([]floor.Order{{ID: id, Lines: []floor.OrderLine{{SKU: skuID, Quantity: qty}}}}, false); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Second)
	}
	submit("BIG", "S1", 9) // earliest, but more than the stock: waits
	submit("A", "S1", 4)
	submit("B", "S2", 3)

	task, assigned, err := s.NextTask("ann")
	if err != nil || !assigned || task.Orders[0].OrderID != "A" {
		t.Fatalf("ann: %+v, %v, %v", task, assigned, err)
	}
	again, assigned, _ := s.NextTask("ann")
	if assigned || again.ID != task.ID {
		t.Errorf("ann again got %v (assigned %v), want her open task %v", again.ID, assigned, task.ID)
	}
	bob, _, _ := s.NextTask("bob")
	if bob == nil || bob.Orders[0].OrderID != "B" {
		t.Fatalf("bob: %+v", bob)
	}
	if cleo, _, err := s.NextTask("cleo"); cleo != nil || err != nil {
		t.Errorf("cleo got %+v, %v; want nothing (BIG lacks stock)", cleo, err)
	}

	if _, err := s.CancelOrder("admin", "A", "customer"); err != nil {
		t.Fatal(err)
	}
	levels, _, _ := s.ListStock(StockFilter{SKU: "S1"}, "", 10)
	if levels[0].Reserved != 0 {
		t.Errorf("reserved after cancel = %d", levels[0].Reserved)
	}
	if next, assigned, _ := s.NextTask("ann"); next != nil {
		t.Errorf("ann after cancel got %+v (assigned %v); want nothing", next, assigned)
	}
	_, err = s.CancelOrder("admin", "A", "again")
	wantKind(t, err, floor.KindConflict)
}

func TestNextTaskConcurrentPickersGetEachOrderOnce(t *testing.T) {
	for name, planner := range map[string]floor.TaskPlanner{
		"bin order":           floor.BinOrderPlanner{},
		"routes with batches": route.NewPlanner(route.PlannerConfig{}),
	} {
		t.Run(name, func(t *testing.T) { testConcurrentPickers(t, planner) })
	}
}

func testConcurrentPickers(t *testing.T, planner floor.TaskPlanner) {
	s, _ := openTestStore(t, "")
	s.planner = planner
	seed(t, s)
	const orders, pickers = 500, 50
	if _, err := s.AdjustStock(StockAdjustment{Bin: "A-01-002-1", SKU: "S1", Delta: 1000}); err != nil {
		t.Fatal(err)
	}
	batch := make([]floor.Order, orders)
	for i := range batch {
		batch[i] = floor.Order{ID: fmt.Sprintf("O%03d", i), Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}}}
	}
	if _, err := s.SubmitOrders(batch, false); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for p := range pickers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			picker := fmt.Sprintf("p%02d", p)
			for {
				task, _, err := s.NextTask(picker)
				if err != nil {
					t.Error(err)
					return
				}
				if task == nil {
					return
				}
				mu.Lock()
				for _, o := range task.Orders {
					if prev, dup := seen[o.OrderID]; dup {
						t.Errorf("order %s given to %s and %s", o.OrderID, prev, picker)
					}
					seen[o.OrderID] = picker
				}
				mu.Unlock()
				// Finish the task so the picker may take the next one.
				if err := s.freePickerForTest(task.ID); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != orders {
		t.Errorf("%d orders assigned, want %d", len(seen), orders)
	}
	var reserved int64
	levels, _, _ := s.ListStock(StockFilter{SKU: "S1"}, "", 10)
	for _, l := range levels {
		reserved += l.Reserved
	}
	if reserved != 2*orders {
		t.Errorf("reserved %d units, want %d", reserved, 2*orders)
	}
}

// A file of schema 1 gets the index of open orders built when it is opened.
func TestMigrateSchema1IndexesOpenOrders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	if _, err := s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	// Make it look like version 1: no index, old stamp.
	updateDB(s.db, func(tx *txn) error {
		tx.DeleteBucket(bucketOpenOrders)
		return asSchema(tx, 1)
	})
	s.Close()
	s2, _ := openTestStore(t, path)
	st, err := s2.Floor()
	if err != nil || len(st.Open) != 1 || st.Open[0].ID != "O1" {
		t.Errorf("open orders after migration: %+v, %v", st.Open, err)
	}
}

// A file of schema 2 has its scans moved to records by sequence with an
// index by id when it is opened.
func TestMigrateSchema2Scans(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	key := scanKey("pick", "ann", "s1")
	old, _ := encodeJSON(scanRecord{User: "ann", Scan: floor.Scan{ID: "s1", Code: "A-01-001-1", At: t0},
		Answer: floor.Answer{ScanID: "s1", Verdict: floor.VerdictRight, Reason: "AT_BIN", Message: "at A-01-001-1"}})
	err = updateDB(s.db, func(tx *txn) error {
		scans, _ := tx.CreateBucket([]byte("scans"))
		log, _ := tx.CreateBucket([]byte("scan_log"))
		scans.Put(key, old)
		log.Put(u64(1), key)
		return asSchema(tx, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2, _ := openTestStore(t, path)
	a, ok, err := s2.ScanAnswer("pick", "ann", "s1")
	if err != nil || !ok || a.Reason != "AT_BIN" || !a.Replayed {
		t.Errorf("migrated scan answer: %+v, %v, %v", a, ok, err)
	}
	log, err := s2.ScanLog(0, 10)
	if err != nil || len(log) != 1 || log[0].Kind != "pick" || log[0].User != "ann" {
		t.Errorf("migrated scan log: %+v, %v", log, err)
	}
}

// A file of schema 3 keeps each task in one record; opening it splits
// them into plan and progress without changing any task.
func TestMigrateSchema3Tasks(t *testing.T) {
	want, got, err := migratedTask(t, 3, func(tx *txn, want floor.Task) error { // the schema 3 layout
		if err := put(tx.Bucket(bucketTasks), want.ID, want); err != nil {
			return err
		}
		return tx.DeleteBucket(bucketTaskProgress)
	})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("task after migration:\n got %+v, %v\nwant %+v", got, err, want)
	}
}

// A file of schema 4 has its whole scan records rewritten short.
func TestMigrateSchema4ScanRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	whole := scanRecord{Kind: "pick", User: "ann", Scan: floor.Scan{ID: "s1", Code: "A-01-001-1", At: t0},
		Answer: floor.Answer{ScanID: "s1", Verdict: floor.VerdictRight, Reason: "AT_BIN", Message: "at A-01-001-1"}}
	err = updateDB(s.db, func(tx *txn) error {
		raw, _ := encodeJSON(whole)
		tx.Bucket(bucketScanRecords).Put(u64(1), raw)
		tx.Bucket(bucketScanIndex).Put(scanKey("pick", "ann", "s1"), u64(1))
		return asSchema(tx, 4)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, _ := openTestStore(t, path)
	log, err := s2.ScanLog(0, 10)
	if err != nil || len(log) != 1 || log[0].Scan.Code != "A-01-001-1" || !log[0].Scan.At.Equal(t0) || log[0].Answer.Message != "at A-01-001-1" {
		t.Errorf("scan after migration: %+v, %v", log, err)
	}
}

// asSchema stamps a file made by this build with an older version, without
// the history that version did not keep (its migration writes openings).
func asSchema(tx *txn, v int) error {
	if err := tx.DeleteBucket(bucketMovements); err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(v)))
}

// migratedTask makes a file with one task whose bin was scanned, turns it
// into a file of schema v with older, then opens it as a new process
// would, and returns the task before and after.
func migratedTask(t *testing.T, v int, older func(tx *txn, want floor.Task) error) (want, got floor.Task, err error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	if _, err := s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}}}}, false); err != nil {
		t.Fatal(err)
	}
	task, _, err := s.NextTask("ann")
	if err != nil {
		t.Fatal(err)
	}
	scanTotes(t, s, "ann", task)
	if _, err := s.PickScan("ann", floor.Scan{ID: "s1", Code: task.Stops[0].Bin}); err != nil {
		t.Fatal(err)
	}
	want, _ = s.Task(task.ID)
	err = updateDB(s.db, func(tx *txn) error {
		if err := older(tx, want); err != nil {
			return err
		}
		return asSchema(tx, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	clear(plans.byTask) // a new process
	s2, _ := openTestStore(t, path)
	got, err = s2.Task(task.ID)
	return want, got, err
}
