package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

func scanAt(id, code string, n int64) floor.Scan { return floor.Scan{ID: id, Code: code, Quantity: n} }

func onHand(t *testing.T, s *Store, bin, sku string) floor.StockLevel {
	t.Helper()
	var l floor.StockLevel
	if err := s.view("test", func(tx *txn) (err error) { l, err = level(tx, bin, sku); return err }); err != nil {
		t.Fatal(err)
	}
	return l
}

func wantAnswer(t *testing.T, a floor.Answer, err error, reason string) {
	t.Helper()
	if err != nil {
		t.Fatalf("want %s, got error %v", reason, err)
	}
	if a.Reason != reason {
		t.Fatalf("got %s (%s), want %s", a.Reason, a.Message, reason)
	}
}

func TestReceivePutAwayAndTransfer(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	if _, err := s.ExpectDelivery(floor.Delivery{ID: "PO-1", Kind: floor.DeliveryPurchaseOrder, Supplier: "ACME",
		Lines: []floor.DeliveryLine{{SKU: "S1", Expected: 10}}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.ExpectDelivery(floor.Delivery{ID: "PO-1", Kind: floor.DeliveryPurchaseOrder, Lines: []floor.DeliveryLine{{SKU: "S1", Expected: 1}}})
	wantKind(t, err, floor.KindConflict)
	_, err = s.ExpectDelivery(floor.Delivery{ID: "PO-2", Kind: floor.DeliveryPurchaseOrder, Lines: []floor.DeliveryLine{{SKU: "NOPE", Expected: 0}}})
	wantKind(t, err, floor.KindInvalid)

	a, line, err := s.Receive("rita", "PO-1", scanAt("r1", "4006381333931", 8), 0)
	wantAnswer(t, a, err, "RECEIVED")
	if line.Received != 8 {
		t.Errorf("line after 8: %+v", line)
	}
	a, _, err = s.Receive("rita", "PO-1", scanAt("r1", "4006381333931", 8), 0) // re-sent
	if wantAnswer(t, a, err, "RECEIVED"); !a.Replayed {
		t.Error("re-sent receipt not marked replayed")
	}
	a, _, err = s.Receive("rita", "PO-1", scanAt("r2", "4006381333931", 3), 1)
	wantAnswer(t, a, err, "DAMAGED")
	a, _, err = s.Receive("rita", "PO-1", scanAt("r3", "5901234123457", 1), 0)
	wantAnswer(t, a, err, "NOT_ON_DELIVERY")
	a, _, err = s.Receive("rita", "PO-1", scanAt("r4", "12345", 1), 0)
	wantAnswer(t, a, err, "UNKNOWN_ITEM")
	_, _, err = s.Receive("rita", "PO-9", scanAt("r5", "S1", 1), 0)
	wantKind(t, err, floor.KindNotFound)

	d, off, err := s.CloseDelivery("PO-1")
	if err != nil || len(off) != 1 || off[0].Discrepancy() != 1 || off[0].Damaged != 1 || d.Open() {
		t.Fatalf("close: %+v %+v %v", d, off, err)
	}
	a, _, err = s.Receive("rita", "PO-1", scanAt("r6", "S1", 1), 0)
	wantAnswer(t, a, err, "DELIVERY_CLOSED")

	adv, err := s.SuggestBin("4006381333931")
	if err != nil || adv.Bin != "A-01-001-1" || adv.AtDock != 11 {
		t.Fatalf("suggest: %+v %v", adv, err)
	}
	a, left, err := s.PutAway("rita", "A-01-001-1", scanAt("p1", "S1", 12))
	wantAnswer(t, a, err, "NOT_AT_DOCK")
	a, left, err = s.PutAway("rita", "Z-99", scanAt("p2", "S1", 1))
	wantAnswer(t, a, err, "UNKNOWN_BIN")
	a, left, err = s.PutAway("rita", "A-01-001-1", scanAt("p3", "S1", 11))
	if wantAnswer(t, a, err, "PUT_AWAY"); left != 0 || onHand(t, s, "A-01-001-1", "S1").OnHand != 16 {
		t.Errorf("after put-away: %d left, %+v", left, onHand(t, s, "A-01-001-1", "S1"))
	}

	a, err = s.Transfer("rita", "A-01-001-1", "A-01-002-1", scanAt("t1", "S1", 6))
	wantAnswer(t, a, err, "TRANSFERRED")
	a, err = s.Transfer("rita", "A-01-001-1", "A-01-002-1", scanAt("t2", "S1", 11))
	wantAnswer(t, a, err, "NOT_ENOUGH_STOCK")
	a, err = s.Transfer("rita", "A-01-001-1", "A-01-001-1", scanAt("t3", "S1", 1))
	wantAnswer(t, a, err, "SAME_BIN")
	if got := onHand(t, s, "A-01-002-1", "S1").OnHand; got != 6 {
		t.Errorf("transferred: %d, want 6", got)
	}
	if got := onHand(t, s, "A-01-001-1", "S1").OnHand; got != 10 {
		t.Errorf("left after the transfer: %d, want 10", got)
	}

	ms, next, err := s.History(time.Time{}, time.Time{}, 0, 100)
	if err != nil || next != 0 {
		t.Fatal(err, next)
	}
	var kinds []string
	for _, m := range ms {
		kinds = append(kinds, m.Kind.String())
	}
	want := []string{"adjust", "adjust", "receive", "receive", "damaged", "put-away", "put-away", "transfer", "transfer"}
	if len(kinds) != len(want) {
		t.Fatalf("history kinds %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("history kinds %v, want %v", kinds, want)
		}
	}
	if ms[2].User != "rita" || ms[2].Ref != "PO-1" || ms[2].Bin != floor.DockBin || ms[2].Units != 8 {
		t.Errorf("receive movement: %+v", ms[2])
	}
}

// A count while a pick is pending: the reserved units are on the shelf and
// counted like the rest, so nothing is deducted twice; stock that moves
// during the count asks for a recount; a difference needs two counts.
func TestCountWithPendingPicks(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s) // S1: 5 in A-01-001-1
	if _, err := s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}}}}, false); err != nil {
		t.Fatal(err)
	}
	task, _, err := s.NextTask("ann")
	if err != nil {
		t.Fatal(err)
	}
	scanTotes(t, s, "ann", task)
	if l := onHand(t, s, "A-01-001-1", "S1"); l.Reserved != 2 {
		t.Fatalf("reserved %d, want 2", l.Reserved)
	}
	bin := "A-01-001-1"
	count := func(id string, n int64) CountResult {
		t.Helper()
		res, err := s.SubmitCount("carl", bin, floor.Scan{ID: id}, map[string]int64{"4006381333931": n})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := count("c0", 5); res.Answer.Reason != "NO_COUNT" {
		t.Fatalf("count before start: %+v", res.Answer)
	}
	if _, err := s.StartCount("carl", bin); err != nil {
		t.Fatal(err)
	}
	if res := count("c1", 5); res.Answer.Reason != "COUNT_MATCHES" || !res.Done {
		t.Fatalf("count of all 5 (2 reserved): %+v", res)
	}
	// The picker takes one while the next count runs.
	if _, err := s.StartCount("carl", bin); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PickScan("ann", floor.Scan{ID: "p1", Code: bin}); err != nil {
		t.Fatal(err)
	}
	if a, err := s.PickScan("ann", floor.Scan{ID: "p2", Code: "4006381333931"}); err != nil || a.Verdict != floor.VerdictRight {
		t.Fatalf("pick: %+v %v", a, err)
	}
	if res := count("c2", 5); res.Answer.Reason != "COUNT_DISTURBED" {
		t.Fatalf("count during a pick: %+v", res.Answer)
	}
	// 4 on hand (1 reserved); the counter finds 3: twice before it counts.
	if res := count("c3", 3); res.Answer.Reason != "COUNT_DIFFERS" || res.Lines != nil {
		t.Fatalf("first differing count: %+v", res)
	}
	if l := onHand(t, s, bin, "S1"); l.OnHand != 4 {
		t.Fatalf("one differing count changed stock: %+v", l)
	}
	res := count("c4", 3)
	if res.Answer.Reason != "COUNT_ADJUSTED" || !res.Done || len(res.Lines) != 1 || res.Lines[0].Delta() != -1 {
		t.Fatalf("confirmed count: %+v", res)
	}
	if l := onHand(t, s, bin, "S1"); l.OnHand != 3 || l.Reserved != 1 {
		t.Fatalf("after the count: %+v, want 3 on hand, 1 reserved", l)
	}
	// Below what the open task takes: refused, however often it is counted.
	if _, err := s.StartCount("carl", bin); err != nil {
		t.Fatal(err)
	}
	count("c5", 0)
	if res := count("c6", 0); res.Answer.Reason != "COUNT_BELOW_RESERVED" || res.Done {
		t.Fatalf("count below reserved: %+v", res.Answer)
	}
}

func TestShortPickOpensCountTask(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S2", Quantity: 2}}}}, false)
	task, _, err := s.NextTask("ann")
	if err != nil {
		t.Fatal(err)
	}
	scanTotes(t, s, "ann", task)
	s.PickScan("ann", floor.Scan{ID: "p1", Code: "A-02-003-1"})
	if _, err := s.PickScan("ann", floor.Scan{ID: "p2", Action: floor.ActionShort, ShortReason: floor.ShortEmptyBin}); err != nil {
		t.Fatal(err)
	}
	tasks, err := s.CountTasks()
	if err != nil || len(tasks) != 1 || tasks[0].Bin != "A-02-003-1" {
		t.Fatalf("count tasks after a short pick: %+v %v", tasks, err)
	}
	ms, _, _ := s.History(time.Time{}, time.Time{}, 0, 100)
	if last := ms[len(ms)-1]; last.Kind != floor.MoveShort || last.Units != -2 || last.User != "ann" {
		t.Errorf("short movement: %+v", last)
	}
}

func TestSlotsAndMoveTasks(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s) // S1: 5 in A-01-001-1
	s.AdjustStock(StockAdjustment{Bin: "A-02-001-1", SKU: "S1", Delta: 40, User: "admin"})
	err := s.SetSlots([]floor.Slot{{Bin: "A-01-001-1", SKU: "S1", Min: 6, Max: 20}, {Bin: "Z", SKU: "S1", Min: 1, Max: 2}}, false)
	wantKind(t, err, floor.KindInvalid)
	if err := s.SetSlots([]floor.Slot{{Bin: "A-01-001-1", SKU: "S1", Min: 6, Max: 20}}, false); err != nil {
		t.Fatal(err)
	}
	got, err := s.MoveTasks()
	if err != nil || len(got) != 1 || got[0] != (floor.MoveTask{SKU: "S1", From: "A-02-001-1", To: "A-01-001-1", Units: 15, Reason: got[0].Reason}) {
		t.Fatalf("move tasks: %+v %v", got, err)
	}
	s.Transfer("rob", "A-02-001-1", "A-01-001-1", scanAt("t1", "S1", 15))
	if got, _ := s.MoveTasks(); len(got) != 0 {
		t.Errorf("move tasks after the move: %+v", got)
	}
	adv, err := s.SuggestBin("S2") // S2 has stock: its bin
	if err != nil || adv.Bin != "A-02-003-1" {
		t.Errorf("suggest S2: %+v %v", adv, err)
	}
}

// Known sales on a fixed clock, checked by hand: 28 units shipped in 28
// days is 1 a day; lead time 10 days, safety 5: reorder point 15; with 14
// days of review the target is 29. 12 on hand, 2 reserved, 3 on order:
// position 13, so order 29 - 13 = 16; the 10 available run out in 10 days.
func TestPurchaseSuggestionsByHand(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	s.AdjustStock(StockAdjustment{Bin: "A-01-002-1", SKU: "S1", Delta: 7 + 28})
	if err := s.SetSupply([]floor.Supply{{SKU: "S1", Supplier: "ACME", LeadTimeDays: 10, SafetyStock: 5}}, false); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.SetSupply([]floor.Supply{{SKU: "S1", LeadTimeDays: -1}}, false), floor.KindInvalid)
	// 28 single-unit orders, picked, packed and handed off one a day.
	shipped := 0
	for day := range 28 {
		id := "O" + time.Duration(day).String()
		s.SubmitOrders([]floor.Order{{ID: id, Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false)
		giveWaybill(t, s, id, "TRK"+id)
		task, _, err := s.NextTask("ann")
		if err != nil {
			t.Fatal(err)
		}
		st := task.Stops[0]
		scanTotes(t, s, "ann", task)
		s.PickScan("ann", floor.Scan{ID: id + "b", Code: st.Bin})
		s.PickScan("ann", floor.Scan{ID: id + "i", Code: "4006381333931"})
		if a, err := s.PackScan("pat", floor.Scan{ID: id + "o", Code: id}); err != nil || a.Verdict == floor.VerdictUnknownBarcode {
			t.Fatal(a, err)
		}
		s.PackScan("pat", floor.Scan{ID: id + "p", Code: "4006381333931"})
		if a, err := s.Handoff("pat", floor.Scan{ID: id + "h", Code: "TRK" + id}); err != nil || a.Reason != "HANDED_OFF" {
			t.Fatalf("handoff %s: %+v %v", id, a, err)
		}
		shipped++
		clock.Add(24 * time.Hour)
	}
	// Now 12 on hand; one more order reserves 2; 3 are on order.
	s.SubmitOrders([]floor.Order{{ID: "OPEN", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}}}}, false)
	s.NextTask("bob")
	s.ExpectDelivery(floor.Delivery{ID: "PO-1", Kind: floor.DeliveryPurchaseOrder, Lines: []floor.DeliveryLine{{SKU: "S1", Expected: 3}}})

	got, asOf, err := s.PurchaseSuggestions(floor.DefaultPurchasePolicy)
	if err != nil {
		t.Fatal(err)
	}
	var s1, s2 floor.PurchaseSuggestion
	for _, g := range got {
		switch g.StockPosition.SKU {
		case "S1":
			s1 = g
		case "S2":
			s2 = g
		}
	}
	if s1.OnHand != 12 || s1.Reserved != 2 || s1.OnOrder != 3 || s1.Sold != 28 || shipped != 28 {
		t.Fatalf("S1 position: %+v", s1.StockPosition)
	}
	if s1.DailySales != 1 || s1.ReorderPoint != 15 || s1.Suggested != 16 {
		t.Errorf("S1 suggestion: daily %v, reorder point %v, suggested %d; want 1, 15, 16", s1.DailySales, s1.ReorderPoint, s1.Suggested)
	}
	if want := asOf.Truncate(24*time.Hour).AddDate(0, 0, 10); !s1.RunsOut.Equal(want) {
		t.Errorf("S1 runs out %v, want %v", s1.RunsOut, want)
	}
	if s2.HasSupply || s2.Suggested != 0 || s2.Reason == "" {
		t.Errorf("S2 without supply data: %+v", s2)
	}
}

// A version 6 file gets opening balances and its count flags become tasks.
func TestMigrateSchema6History(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	err = updateDB(s.db, func(tx *txn) error {
		flags, err := tx.CreateBucket([]byte("count_flags"))
		if err != nil {
			return err
		}
		if err := flags.Put([]byte("A-01-001-1"), []byte(`{"Bin":"A-01-001-1","Short":{"Bin":"A-01-001-1","SKU":"S1","Units":1}}`)); err != nil {
			return err
		}
		tx.DeleteBucket(bucketCountTasks)
		return asSchema(tx, 6)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, _ := openTestStore(t, path)
	ms, _, err := s2.History(time.Time{}, time.Time{}, 0, 10)
	if err != nil || len(ms) != 2 || ms[0].Kind != floor.MoveOpening || ms[0].Units != 5 {
		t.Fatalf("history after migration: %+v %v", ms, err)
	}
	tasks, err := s2.CountTasks()
	if err != nil || len(tasks) != 1 || tasks[0].Bin != "A-01-001-1" {
		t.Fatalf("count tasks after migration: %+v %v", tasks, err)
	}
}

func TestHistoryRangeAndPages(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s) // two adjustments at t0
	clock.Add(time.Hour)
	for range 5 {
		s.AdjustStock(StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: 1, User: "admin"})
		clock.Add(time.Minute)
	}
	ms, next, err := s.History(t0.Add(time.Hour), t0.Add(time.Hour+3*time.Minute), 0, 2)
	if err != nil || len(ms) != 2 || next == 0 || ms[0].Seq != 3 {
		t.Fatalf("first page: %+v next %d %v", ms, next, err)
	}
	ms, next, err = s.History(t0.Add(time.Hour), t0.Add(time.Hour+3*time.Minute), next, 2)
	if err != nil || len(ms) != 1 || next != 0 || ms[0].Seq != 5 {
		t.Fatalf("second page: %+v next %d %v", ms, next, err)
	}
}

func TestMovementRecordRoundTrip(t *testing.T) {
	m := floor.Movement{Seq: 7, At: t0, User: "rita", Kind: floor.MoveReceive, Bin: floor.DockBin, SKU: "S1", Units: -3, Ref: "PO-1", Note: "x"}
	if zero := zeroFields(m); len(zero) > 0 {
		t.Errorf("the fixture leaves %v unset: set them, so that the round trip covers them", zero)
	}
	raw := encodeMovement(m)
	if got, err := decodeMovement(7, raw); err != nil || got != m {
		t.Fatalf("round trip: %+v %v, want %+v", got, err, m)
	}
	for _, bad := range [][]byte{raw[:len(raw)-1], append(raw, 0), raw[:10]} {
		if _, err := decodeMovement(7, bad); !errors.Is(err, errCorruptMovement) {
			t.Errorf("%d bytes: %v, want a corrupt-record error", len(bad), err)
		}
	}
}

// A re-sent scan gets what its first answer said: the count closed, the
// line received, the units left at the dock.
func TestReplayedInventoryScansKeepTheirResults(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	s.ExpectDelivery(floor.Delivery{ID: "PO-1", Kind: floor.DeliveryPurchaseOrder, Lines: []floor.DeliveryLine{{SKU: "S1", Expected: 10}}})
	s.Receive("rita", "PO-1", scanAt("r1", "S1", 4), 0)
	a, line, err := s.Receive("rita", "PO-1", scanAt("r1", "S1", 4), 0)
	if err != nil || !a.Replayed || line.Received != 4 {
		t.Errorf("re-sent receipt: %+v, line %+v, %v", a, line, err)
	}
	s.PutAway("rita", "A-01-001-1", scanAt("p1", "S1", 1))
	a, left, err := s.PutAway("rita", "A-01-001-1", scanAt("p1", "S1", 1))
	if err != nil || !a.Replayed || left != 3 {
		t.Errorf("re-sent put-away: %+v, %d left, %v", a, left, err)
	}
	s.StartCount("carl", "A-02-003-1")
	first, _ := s.SubmitCount("carl", "A-02-003-1", floor.Scan{ID: "c1"}, map[string]int64{"S2": 3})
	again, err := s.SubmitCount("carl", "A-02-003-1", floor.Scan{ID: "c1"}, map[string]int64{"S2": 3})
	if err != nil || !first.Done || !again.Answer.Replayed || !again.Done {
		t.Errorf("re-sent closing count: first %+v, again %+v, %v", first, again, err)
	}
}

// The audit catches stock that changed without a movement.
func TestAuditCatchesStockWithoutHistory(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	err := updateDB(s.db, func(tx *txn) error {
		return putLevel(tx, floor.StockLevel{Bin: "A-01-002-1", SKU: "S1", OnHand: 2}, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Audit(); err == nil || !strings.Contains(err.Error(), "A-01-002-1/S1: 2 on hand, its movements add up to 0") {
		t.Errorf("audit: %v", err)
	}
	// Put right, so that the cleanup's audit passes.
	updateDB(s.db, func(tx *txn) error {
		return recordMovement(tx, floor.Movement{At: t0, User: "test", Kind: floor.MoveAdjust, Bin: "A-01-002-1", SKU: "S1", Units: 2})
	})
}

// A clock set back never stamps a movement before the one before it, so
// time ranges still find movements by binary search.
func TestHistoryTimesNeverGoBack(t *testing.T) {
	s, clock := openTestStore(t, "")
	seed(t, s)
	clock.Add(-time.Hour)
	s.AdjustStock(StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: 1, User: "admin"})
	ms, _, err := s.History(t0, time.Time{}, 0, 10)
	if err != nil || len(ms) != 3 || !ms[2].At.Equal(t0) {
		t.Errorf("history from t0: %+v %v", ms, err)
	}
}

// A dock or sales counter stored with the wrong length is a corrupt
// record: every operation reading it fails, naming the bucket and key,
// instead of taking it for 0. A sound counter reads as its value.
func TestCountersOfWrongLength(t *testing.T) {
	yesterday := t0.AddDate(0, 0, -1)
	type read struct {
		name string
		do   func(s *Store) (int64, error)
		want int64 // from a sound counter of 4 units
	}
	position := func(s *Store) (floor.StockPosition, error) {
		got, _, err := s.PurchaseSuggestions(floor.DefaultPurchasePolicy)
		for _, g := range got {
			if g.StockPosition.SKU == "S1" {
				return g.StockPosition, err
			}
		}
		return floor.StockPosition{}, err
	}
	suggestBin := read{"suggest bin", func(s *Store) (int64, error) {
		adv, err := s.SuggestBin("S1")
		return adv.AtDock, err
	}, 4}
	onHand := read{"purchase suggestions: on hand", func(s *Store) (int64, error) {
		p, err := position(s)
		return p.OnHand, err
	}, 5 + 4}
	sold := read{"purchase suggestions: sold", func(s *Store) (int64, error) {
		p, err := position(s)
		return p.Sold, err
	}, 4}
	dockReads := []read{suggestBin, onHand,
		{"put away", func(s *Store) (int64, error) {
			_, left, err := s.PutAway("rita", "A-01-002-1", scanAt("p1", "S1", 1))
			return left, err
		}, 3},
		{"receive", func(s *Store) (int64, error) {
			if _, err := s.ExpectDelivery(floor.Delivery{ID: "PO-2", Kind: floor.DeliveryPurchaseOrder,
				Lines: []floor.DeliveryLine{{SKU: "S1", Expected: 2}}}); err != nil {
				return 0, err
			}
			_, line, err := s.Receive("rita", "PO-2", scanAt("r2", "S1", 2), 0)
			return line.Received, err
		}, 2},
		{"audit", func(s *Store) (int64, error) {
			tot, err := s.Audit()
			return tot.OnHand, err
		}, 5 + 3},
	}
	salesReads := []read{sold,
		{suggestBin.name, suggestBin.do, 0},
		{"add sale", func(s *Store) (int64, error) {
			if err := updateDB(s.db, func(tx *txn) error { return addSale(tx, yesterday, "S1", 1) }); err != nil {
				return 0, err
			}
			return sold.do(s)
		}, 5},
	}
	cases := []struct {
		name   string
		bucket []byte
		key    []byte
		stored []byte // nil: a sound counter of 4 units, written as the store writes it
		reads  []read
	}{
		{"dock", bucketDock, []byte("S1"), nil, dockReads},
		{"dock of 4 bytes", bucketDock, []byte("S1"), []byte{0, 0, 0, 4}, dockReads},
		{"dock of 9 bytes", bucketDock, []byte("S1"), append(u64(4), 0), dockReads},
		{"sales", bucketSales, salesKey(yesterday, "S1"), nil, salesReads},
		{"sales of 1 byte", bucketSales, salesKey(yesterday, "S1"), []byte{4}, salesReads},
		{"sales of 16 bytes", bucketSales, salesKey(yesterday, "S1"), append(u64(0), u64(4)...), salesReads},
	}
	for _, c := range cases {
		for _, r := range c.reads {
			t.Run(c.name+"/"+r.name, func(t *testing.T) {
				s, _ := openTestStore(t, "")
				seed(t, s)
				err := updateDB(s.db, func(tx *txn) error {
					switch {
					case c.stored != nil:
						return tx.Bucket(c.bucket).Put(c.key, c.stored)
					case string(c.bucket) == string(bucketDock):
						return changeDock(tx, "S1", 4, floor.Movement{At: t0, User: "rita", Kind: floor.MoveReceive, Ref: "PO-1"})
					default:
						return addSale(tx, yesterday, "S1", 4)
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				got, err := r.do(s)
				if c.stored == nil {
					if err != nil || got != r.want {
						t.Errorf("got %d, %v; want %d", got, err, r.want)
					}
					return
				}
				where := fmt.Sprintf("%s %q: corrupt counter of %d bytes", c.bucket, c.key, len(c.stored))
				if !errors.Is(err, errCorruptCounter) || !strings.Contains(err.Error(), where) {
					t.Errorf("got %d, %v; want an error saying %s", got, err, where)
				}
				// Put right, so that the cleanup's audit passes.
				if err := updateDB(s.db, func(tx *txn) error { return tx.Bucket(c.bucket).Delete(c.key) }); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
