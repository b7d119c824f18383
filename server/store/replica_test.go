package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
)

// fakeLog stands in for Raft: each write set gets the next index and is
// applied, in that order, to every replica (the leader's first), as the
// FSM of every node would. While fail is set nothing is logged and
// Replicate fails.
type fakeLog struct {
	mu       sync.Mutex
	replicas []*Replica
	entries  [][]byte // entry i has index i+1
	fail     error
	keep     int // -1: count the entries but keep none (benchmarks)
	n        int // entries logged
}

func (l *fakeLog) Replicate(ws []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return l.fail
	}
	l.n++
	if l.keep >= 0 {
		l.entries = append(l.entries, bytes.Clone(ws))
	}
	for _, r := range l.replicas {
		if err := r.Apply(uint64(l.n), ws); err != nil {
			return err
		}
	}
	return nil
}

func (l *fakeLog) setFail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fail = err
}

func (l *fakeLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func openReplica(t *testing.T, path string) *Replica {
	t.Helper()
	r, err := OpenReplica(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// cluster is a leader's replicated Store and a follower fed by the same
// log.
type cluster struct {
	leader, follower *Replica
	log              *fakeLog
	s                *Store
	clock            *fixedClock
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	dir := t.TempDir()
	c := &cluster{leader: openReplica(t, filepath.Join(dir, "leader.db")), follower: openReplica(t, filepath.Join(dir, "follower.db")),
		clock: &fixedClock{t: t0}}
	c.log = &fakeLog{replicas: []*Replica{c.leader, c.follower}}
	s, err := OpenOn(c.leader, Options{Clock: c.clock, Replicator: c.log})
	if err != nil {
		t.Fatal(err)
	}
	c.s = s
	t.Cleanup(func() { s.Close() })
	return c
}

func digestOf(t *testing.T, r *Replica) map[string]string {
	t.Helper()
	d, err := r.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func sameDigests(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(want) < len(allBuckets) {
		t.Fatalf("%s: digest of %d buckets, want at least %d", what, len(want), len(allBuckets))
	}
	if !maps.Equal(got, want) {
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%s: bucket %s differs: %.12s, want %.12s", what, name, got[name], w)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("%s: extra bucket %s", what, name)
			}
		}
	}
}

// workload runs a shift in small through the Store's API: the demo
// warehouse, orders submitted and imported staged, users signing in,
// picks, drop-offs, packing, handoffs, a count, a transfer, a delivery
// put away, a cancel, a rush, a picker off shift and back, print jobs.
func workload(t *testing.T, s *Store, clock *fixedClock) {
	t.Helper()
	w, err := demo.Load(1)
	if err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err = s.ImportBinMap(w.Map, false)
	must("bin map", err)
	must("skus", s.PutSKUs(w.SKUs, false))
	must("shipping", s.SetShipping(w.Shipping))
	var adjs []StockAdjustment
	for _, l := range w.Stock {
		adjs = append(adjs, StockAdjustment{Bin: l.Bin, SKU: l.SKU, Delta: l.OnHand})
	}
	_, err = s.AdjustStock(adjs...)
	must("stock", err)
	barcode, weight := map[string]string{}, map[string]int64{}
	for _, k := range w.SKUs {
		barcode[k.ID], weight[k.ID] = k.Barcodes[0].Code, k.WeightG
	}

	gen := demo.NewOrders(1, w.SKUIDs())
	var few []floor.Order
	for range 12 {
		few = append(few, gen.Next())
	}
	_, err = s.SubmitOrders(few, false)
	must("submit", err)
	var many []floor.Order
	for range stageChunk + 100 { // staged: more than one chunk
		many = append(many, gen.Next())
	}
	created, _, err := s.ImportOrdersContext(context.Background(), many, false)
	must("import", err)
	if created != len(many) {
		t.Fatalf("import created %d, want %d", created, len(many))
	}

	may := func(floor.Role) bool { return true }
	must("pin", s.SetPIN("picker-0", floor.RolePicker, "4821", may))
	_, err = s.SignInPIN("picker-0", "4821", time.Hour, "hh-1", floor.SignInPolicy{})
	must("sign in", err)
	_, err = s.SignInPIN("picker-0", "0000", time.Hour, "hh-1", floor.SignInPolicy{}) // a failure counted
	if floor.KindOf(err) != floor.KindUnauthenticated {
		t.Fatalf("wrong PIN: %v", err)
	}
	badge, err := s.IssueBadge("packer-0", floor.RolePacker, may)
	must("badge", err)
	_, err = s.SignInBadge(badge, time.Hour, "pc-1")
	must("badge sign in", err)
	tok, err := s.CreateToken("sup", floor.RoleSupervisor)
	must("token", err)
	_, err = s.RevokeToken(tok)
	must("revoke", err)

	_, err = s.RaisePriority(floor.User{Name: "sup", Role: floor.RoleSupervisor}, many[500].ID, "customer called")
	must("rush", err)
	_, err = s.CancelOrder("sup", few[11].ID, "customer cancelled")
	must("cancel", err)

	handoffs := 0
	for p := range 3 {
		picker := fmt.Sprintf("picker-%d", p)
		task, _, err := s.NextTask(picker)
		must("next task", err)
		if task == nil {
			t.Fatalf("no task for %s", picker)
		}
		scanTotes(t, s, picker, task)
		for n := 0; ; n++ {
			cur, err := s.Task(task.ID)
			must("task", err)
			if cur.Done || n > 200 {
				break
			}
			for _, st := range cur.Stops {
				if st.Picked+st.Short < st.Quantity {
					clock.Add(3 * time.Second)
					_, err := s.PickScan(picker, floor.Scan{ID: fmt.Sprintf("%s-b%d", picker, n), Code: st.Bin})
					must("bin scan", err)
					_, err = s.PickScan(picker, floor.Scan{ID: fmt.Sprintf("%s-i%d", picker, n), Code: barcode[st.SKU], Quantity: st.Quantity - st.Picked})
					must("item scan", err)
					break
				}
			}
		}
		dropOff(t, s, picker, task.ID)
		for _, to := range task.Orders {
			o, err := s.Order(to.OrderID)
			must("order", err)
			_, err = s.PackScan("packer-0", floor.Scan{ID: "po-" + o.ID, Code: o.ID})
			must("pack order", err)
			grams := floor.DefaultPackConfig.PackagingG
			for i, l := range o.Lines {
				for u := range l.Quantity {
					_, err = s.PackScan("packer-0", floor.Scan{ID: fmt.Sprintf("pi-%s-%d-%d", o.ID, i, u), Code: barcode[l.SKU]})
					must("pack item", err)
				}
				grams += weight[l.SKU] * l.Quantity
			}
			_, err = s.PackScan("packer-0", floor.Scan{ID: "pw-" + o.ID, Action: floor.ActionWeight, WeightG: grams})
			must("weigh", err)
			o, err = s.Order(to.OrderID)
			must("order", err)
			a, err := s.Handoff("packer-0", floor.Scan{ID: "h-" + o.ID, Code: o.Tracking})
			must("handoff", err)
			if a.Reason == "HANDED_OFF" {
				handoffs++
			} else {
				t.Logf("handoff %s (%q): %+v", o.ID, o.Tracking, a)
			}
		}
	}
	if handoffs == 0 {
		t.Fatal("no order was handed off")
	}

	bin := w.Stock[0].Bin
	_, err = s.CreateCountTasks("sup", []string{bin}, "", "cycle count")
	must("count tasks", err)
	_, err = s.StartCount("counter-0", bin)
	must("start count", err)
	found := map[string]int64{}
	lvls, _, err := s.ListStock(StockFilter{Bin: bin}, "", 100)
	must("list stock", err)
	for _, l := range lvls {
		found[l.SKU] = l.OnHand + 1
	}
	_, err = s.SubmitCount("counter-0", bin, floor.Scan{ID: "count-1"}, found)
	must("count", err)

	from, sku := w.Stock[1].Bin, w.Stock[1].SKU
	_, err = s.Transfer("mover", from, w.Stock[2].Bin, floor.Scan{ID: "move-1", Code: barcode[sku], Quantity: 1})
	must("transfer", err)

	_, err = s.ExpectDelivery(floor.Delivery{ID: "PO-1", Kind: floor.DeliveryPurchaseOrder, Lines: []floor.DeliveryLine{{SKU: sku, Expected: 3}}})
	must("delivery", err)
	_, _, err = s.Receive("rec", "PO-1", floor.Scan{ID: "rcv-1", Code: barcode[sku], Quantity: 3}, 0)
	must("receive", err)
	_, _, err = s.PutAway("rec", from, floor.Scan{ID: "put-1", Code: barcode[sku], Quantity: 3})
	must("put away", err)

	_, err = s.TakeOffShift(floor.User{Name: "sup", Role: floor.RoleSupervisor}, "picker-0", "break")
	must("off shift", err)
	must("on shift", s.PutOnShift(floor.User{Name: "sup", Role: floor.RoleSupervisor}, "picker-0", "back"))

	jobs, err := s.PrintJobs(true)
	must("print jobs", err)
	for _, j := range jobs[:min(len(jobs), 3)] {
		_, err := s.StartPrint(j.ID)
		must("start print", err)
		_, err = s.FinishPrint(j.ID, nil, 0)
		must("finish print", err)
	}
}

// The leader's Store, replicated: every bucket of the follower, fed by the
// log alone, equals the leader's, and both pass the audit.
func TestReplicatedWorkloadSameOnEveryNode(t *testing.T) {
	c := newCluster(t)
	workload(t, c.s, c.clock)
	if err := c.s.Check(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.s.Audit(); err != nil {
		t.Fatalf("leader audit: %v", err)
	}
	want := digestOf(t, c.leader)
	sameDigests(t, "follower", digestOf(t, c.follower), want)
	largest, total := 0, 0
	for _, e := range c.log.entries {
		largest, total = max(largest, len(e)), total+len(e)
	}
	t.Logf("%d entries, %d bytes, the largest %d bytes", len(c.log.entries), total, largest)
	if got, want := c.follower.Applied(), uint64(c.log.len()); got != want || c.leader.Applied() != want {
		t.Fatalf("applied: leader %d, follower %d, want %d", c.leader.Applied(), got, want)
	}

	// The log replayed (a restart) applies nothing twice.
	for i, e := range c.log.entries {
		if err := c.follower.Apply(uint64(i+1), e); err != nil {
			t.Fatal(err)
		}
	}
	sameDigests(t, "follower after replay", digestOf(t, c.follower), want)

	// A third node restored from the follower's snapshot.
	snap, err := c.follower.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := snap.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	snap.Release()
	third := openReplica(t, filepath.Join(t.TempDir(), "third.db"))
	if err := third.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	sameDigests(t, "restored", digestOf(t, third), want)
	if third.Applied() != c.leader.Applied() {
		t.Errorf("restored applied %d, want %d", third.Applied(), c.leader.Applied())
	}

	// The follower's file, as a Store of its own, passes the audit.
	c.s.Close()
	fs, err := OpenOn(c.follower, Options{Clock: c.clock})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	if _, err := fs.Audit(); err != nil {
		t.Fatalf("follower audit: %v", err)
	}
	if err := fs.Check(); err != nil {
		t.Fatal(err)
	}
}

// A write whose write set the log refuses is answered Unavailable and
// stored nowhere, its commit hooks (the scan log in memory) do not run,
// and the next write succeeds once the log is back.
func TestReplicatorErrorStoresNothing(t *testing.T) {
	c := newCluster(t)
	seed(t, c.s)
	if _, err := c.s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	task, _, err := c.s.NextTask("ann")
	if err != nil {
		t.Fatal(err)
	}
	before, applied := digestOf(t, c.leader), c.leader.Applied()
	scansBefore, err := c.s.ScanLog(0, 1000)
	if err != nil {
		t.Fatal(err)
	}

	noQuorum := errors.New("no quorum")
	c.log.setFail(noQuorum)
	writes := []struct {
		name  string
		write func() error
	}{
		{"scan (group commit)", func() error {
			_, err := c.s.PickScan("ann", floor.Scan{ID: "tote", Code: toteCode(task, 0)})
			return err
		}},
		{"stock (update)", func() error {
			_, err := c.s.AdjustStock(StockAdjustment{Bin: "A-01-002-1", SKU: "S1", Delta: 1})
			return err
		}},
		{"orders (bulk)", func() error {
			_, err := c.s.SubmitOrders([]floor.Order{{ID: "O2", Lines: []floor.OrderLine{{SKU: "S2", Quantity: 1}}}}, false)
			return err
		}},
		{"sign-in", func() error {
			return c.s.SetPIN("ann", floor.RolePicker, "4821", func(floor.Role) bool { return true })
		}},
	}
	for _, w := range writes {
		err := w.write()
		if got := floor.KindOf(err); got != floor.KindUnavailable || !errors.Is(err, ErrNotReplicated) || !errors.Is(err, noQuorum) {
			t.Errorf("%s: error %v (kind %v), want Unavailable wrapping ErrNotReplicated and the log's error", w.name, err, got)
		}
	}
	sameDigests(t, "leader after refused writes", digestOf(t, c.leader), before)
	if got := c.leader.Applied(); got != applied {
		t.Errorf("applied %d after refused writes, want %d", got, applied)
	}
	if got, err := c.s.ScanLog(0, 1000); err != nil || len(got) != len(scansBefore) {
		t.Errorf("scan log after a refused scan: %d entries (%v), want %d", len(got), err, len(scansBefore))
	}
	if _, ok, err := c.s.ScanAnswer("pick", "ann", "tote"); ok || err != nil {
		t.Errorf("refused scan answered from the file: %v %v", ok, err)
	}

	c.log.setFail(nil)
	a, err := c.s.PickScan("ann", floor.Scan{ID: "tote", Code: toteCode(task, 0)})
	if err != nil || a.Reason != "TOTE_SET" {
		t.Fatalf("scan sent again: %+v, %v", a, err)
	}
	// An empty write set went first (whatever the refused ones became is
	// applied before it), then the scan.
	if got, want := c.leader.Applied(), applied+2; got != want {
		t.Errorf("applied %d, want %d (an empty entry, then the scan)", got, want)
	}
	if got, err := c.s.ScanLog(0, 1000); err != nil || len(got) != len(scansBefore)+1 {
		t.Errorf("scan log after the scan: %d entries (%v), want %d", len(got), err, len(scansBefore)+1)
	}
	sameDigests(t, "follower", digestOf(t, c.follower), digestOf(t, c.leader))
}

// A write that fails inside a group gets its error; the others of the
// group are replicated, in one entry, without it.
func TestReplicatedGroupDropsTheFailedWrite(t *testing.T) {
	c := newCluster(t)
	key := func(i int) []byte { return fmt.Appendf(nil, "k%d", i) }
	boom := errors.New("boom")
	var group []commitReq
	for i := range 4 {
		group = append(group, commitReq{done: make(chan error, 1), fn: func(tx *txn) error {
			if i == 2 {
				return boom
			}
			return tx.Bucket(bucketConfig).Put(key(i), []byte("v"))
		}})
	}
	dones := make([]chan error, len(group))
	for i, r := range group {
		dones[i] = r.done
	}
	entries := c.log.len()
	c.s.commits.commit(group) // it drops the failed write from group
	for i, done := range dones {
		err := <-done
		if i == 2 && !errors.Is(err, boom) || i != 2 && err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if got := c.log.len() - entries; got != 1 {
		t.Errorf("%d entries, want 1 (the group without the failed write)", got)
	}
	err := viewDB(c.follower.db, func(tx *txn) error {
		for i := range 4 {
			if got := tx.Bucket(bucketConfig).Get(key(i)) != nil; got != (i != 2) {
				t.Errorf("follower has k%d: %v", i, got)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A log entry applies once: the same index again (a replay after a
// restart) is skipped even with other content; a damaged entry applies
// nothing.
func TestApplyOnceAndRejectsDamage(t *testing.T) {
	r := openReplica(t, filepath.Join(t.TempDir(), "r.db"))
	ws := func(v string) []byte {
		rec := newRecorder()
		rec.bucketOp(opCreateBucketIfNotExists, nil, 0, []byte("b"))
		b := &bucket{rec: rec, path: appendBytes(nil, []byte("b")), depth: 1}
		rec.put(b, []byte("k"), []byte(v))
		rec.setSequence(b, 7)
		return rec.writeSet()
	}
	if err := r.Apply(1, ws("one")); err != nil {
		t.Fatal(err)
	}
	after1 := digestOf(t, r)
	if err := r.Apply(1, ws("two")); err != nil {
		t.Fatal(err)
	}
	if got := digestOf(t, r); !maps.Equal(got, after1) || r.Applied() != 1 {
		t.Errorf("index 1 applied twice: applied %d", r.Applied())
	}
	damaged := ws("two")
	damaged[5] ^= 1
	if err := r.Apply(2, damaged); !errors.Is(err, errWriteSet) {
		t.Errorf("damaged entry: %v, want errWriteSet", err)
	}
	bookkeeping := newRecorder()
	bookkeeping.keyOp(opDelete, appendBytes(nil, replicaBucket), 1, keyApplied)
	if err := r.Apply(2, bookkeeping.writeSet()); !errors.Is(err, errWriteSet) {
		t.Errorf("entry writing the bookkeeping: %v, want errWriteSet", err)
	}
	if got := digestOf(t, r); !maps.Equal(got, after1) || r.Applied() != 1 {
		t.Errorf("refused entries changed the replica: applied %d", r.Applied())
	}
	if err := r.Apply(2, ws("two")); err != nil || r.Applied() != 2 {
		t.Fatalf("entry 2: %v, applied %d", err, r.Applied())
	}
	if got := digestOf(t, r); got["b"] == after1["b"] {
		t.Errorf("digest of bucket b unchanged by a new value: %s", got["b"])
	}
	path := r.path
	r.Close()
	r2 := openReplica(t, path) // the index is in the file
	if r2.Applied() != 2 {
		t.Errorf("applied after reopening %d, want 2", r2.Applied())
	}
	d, err := FileDigest(filepath.Join(t.TempDir(), "none.db"))
	if floor.KindOf(err) != floor.KindNotFound {
		t.Errorf("digest of no file: %v %v", d, err)
	}
}

// A store on a replica refuses what is not replicated (Archive), and the
// replica refuses a restore under an open store.
func TestReplicatedStoreRefusals(t *testing.T) {
	c := newCluster(t)
	if _, err := c.s.Archive(t0); !errors.Is(err, ErrArchiveReplicated) || floor.KindOf(err) != floor.KindConflict {
		t.Errorf("archive: %v, want ErrArchiveReplicated (conflict)", err)
	}
	if err := c.leader.Restore(bytes.NewReader(nil)); !errors.Is(err, ErrStoreOpen) {
		t.Errorf("restore under a store: %v, want ErrStoreOpen", err)
	}
	c.s.Close()
	if _, err := c.s.AdjustStock(StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: 1}); floor.KindOf(err) != floor.KindUnavailable {
		t.Errorf("write after Close: %v, want Unavailable", err)
	}
	if err := c.leader.Restore(bytes.NewReader([]byte("not a bbolt file"))); err == nil {
		t.Error("restored from garbage")
	}
	if _, err := c.leader.Digest(); err != nil { // still the old file
		t.Errorf("digest after a refused restore: %v", err)
	}
}

// What an import cut short by a crash staged is dropped by the next
// OpenOn through the log, like its other writes at open: the follower
// drops it too.
func TestOpenOnDropsLeftImportsOnEveryNode(t *testing.T) {
	c := newCluster(t)
	seed(t, c.s)
	if _, err := c.s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	err := c.s.update("test", func(tx *txn) error { // O1 as a crashed import's staged order
		imps := tx.Bucket(bucketImports)
		n, err := imps.NextSequence()
		if err != nil {
			return err
		}
		list, err := imps.CreateBucket(u64(n))
		if err != nil {
			return err
		}
		return list.Put([]byte("O1"), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	c.s.Close()
	s, err := OpenOn(c.leader, Options{Clock: c.clock, Replicator: c.log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if imports, lost, err := StagedImports(s); imports+lost != 0 || err != nil {
		t.Errorf("staged after OpenOn: %d imports, %d lost, %v", imports, lost, err)
	}
	if _, err := s.Order("O1"); floor.KindOf(err) != floor.KindNotFound {
		t.Errorf("staged order after OpenOn: %v, want not found", err)
	}
	sameDigests(t, "follower", digestOf(t, c.follower), digestOf(t, c.leader))
	if _, err := s.Audit(); err != nil {
		t.Error(err)
	}
}

// Apply packs the pages of the buckets the store appends to as full as
// the store itself does (the fill hints are not in the write set): a
// replicated file takes no more pages for them than one server's.
func TestReplicatedFileKeepsAppendBucketsFull(t *testing.T) {
	single, clock := openTestStore(t, "")
	workload(t, single, clock)
	c := newCluster(t)
	workload(t, c.s, c.clock)
	pages := func(s *Store) map[string]int {
		out := map[string]int{}
		err := s.view("test", func(tx *txn) error {
			for name := range applyFill {
				out[name] = tx.Bucket([]byte(name)).Stats().LeafPageN
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want, got := pages(single), pages(c.s)
	if want[string(bucketMovements)] < 10 {
		t.Fatalf("movements on %d leaf pages, too few to tell", want[string(bucketMovements)])
	}
	for name, n := range want {
		if got[name] > n {
			t.Errorf("bucket %s: %d leaf pages replicated, %d on one server", name, got[name], n)
		}
	}
	t.Logf("leaf pages, one server %v, replicated %v", want, got)
}
