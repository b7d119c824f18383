package floor

import (
	"testing"
	"time"
)

// fakeEnv is a warehouse of three bins, two SKUs, and a reserve bin that a
// short pick can be re-routed to.
// Totes in holders hold another open task's order.
type fakeEnv struct {
	reroutes int64
	holders  map[string]string
}

func (e *fakeEnv) ToteHolder(code string) string { return e.holders[code] }

func (fakeEnv) IsBin(code string) bool {
	return code == "A-01-001-1" || code == "A-02-001-1" || code == "A-03-001-1"
}

func (fakeEnv) SKUOf(code string) (string, bool) {
	sku, ok := map[string]string{"4006381333931": "S1", "5901234123457": "S2"}[code]
	return sku, ok
}

func (e *fakeEnv) Reroute(sku, not string, units int64) (string, int64, error) {
	got := min(units, e.reroutes)
	return "A-03-001-1", got, nil
}

func newTask() *Task {
	return &Task{ID: "T1", Orders: []TaskOrder{{OrderID: "O1", Tote: 1}}, Stops: []Stop{
		{Bin: "A-01-001-1", SKU: "S1", Quantity: 2, OrderID: "O1", Tote: 1},
		{Bin: "A-02-001-1", SKU: "S2", Quantity: 1, OrderID: "O1", Tote: 1},
	}}
}

func TestApplyPickScan(t *testing.T) {
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	type step struct {
		scan       Scan
		wantReason string
		wantNext   string // the bin of the next stop, "" when done
	}
	tests := []struct {
		name     string
		reroutes int64
		steps    []step
		wantDone bool
	}{
		{"a whole task", 0, []step{
			{Scan{Code: "A-01-001-1"}, "SCAN_TOTE_FIRST", ""},
			{Scan{Code: "TOTE-0007"}, "TOTE_SET", "A-01-001-1"},
			{Scan{Code: "4006381333931"}, "SCAN_BIN_FIRST", "A-01-001-1"},
			{Scan{Code: "A-02-001-1"}, "WRONG_BIN", "A-01-001-1"},
			{Scan{Code: "A-01-001-1"}, "AT_BIN", "A-01-001-1"},
			{Scan{Code: "5901234123457"}, "WRONG_ITEM", "A-01-001-1"},
			{Scan{Code: "NOPE"}, "UNKNOWN_BARCODE", "A-01-001-1"},
			{Scan{Code: "4006381333931", Quantity: 3}, "OVER_PICK", "A-01-001-1"},
			{Scan{Code: "4006381333931"}, "PICKED", "A-01-001-1"},
			{Scan{Action: ActionQuantity, Quantity: 1}, "LINE_DONE", "A-02-001-1"},
			{Scan{Code: "A-02-001-1"}, "AT_BIN", "A-02-001-1"},
			{Scan{Code: "5901234123457"}, "TASK_DONE", ""},
			{Scan{Code: "A-02-001-1"}, "DROP_OFF_FIRST", ""},
			{Scan{Code: "DROP-PS1"}, "DROPPED_OFF", ""},
			{Scan{Code: "A-02-001-1"}, "TASK_DONE", ""},
		}, true},
		{"a short pick re-routed", 2, []step{
			{Scan{Code: "TOTE-0007"}, "TOTE_SET", "A-01-001-1"},
			{Scan{Code: "A-01-001-1"}, "AT_BIN", "A-01-001-1"},
			{Scan{Action: ActionShort, ShortReason: ShortEmptyBin}, "SHORT_RECORDED", "A-03-001-1"},
			{Scan{Code: "A-03-001-1"}, "AT_BIN", "A-03-001-1"},
			{Scan{Code: "4006381333931", Quantity: 2}, "LINE_DONE", "A-02-001-1"},
		}, false},
		{"a short pick with nowhere to go", 0, []step{
			{Scan{Code: "TOTE-0007"}, "TOTE_SET", "A-01-001-1"},
			{Scan{Code: "A-01-001-1"}, "AT_BIN", "A-01-001-1"},
			{Scan{Action: ActionShort, ShortReason: ShortDamaged}, "SHORT_RECORDED", "A-02-001-1"},
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task, env := newTask(), &fakeEnv{reroutes: tt.reroutes}
			done := false
			for i, s := range tt.steps {
				s.scan.At = at.Add(time.Duration(i) * time.Second)
				out, err := task.ApplyPickScan(s.scan, env)
				if err != nil {
					t.Fatal(err)
				}
				next := ""
				if out.Answer.Next.Stop != nil {
					next = out.Answer.Next.Stop.Bin
				}
				if out.Answer.Reason != s.wantReason || next != s.wantNext {
					t.Errorf("step %d %+v: %s (%q), next %q; want %s, next %q", i, s.scan, out.Answer.Reason, out.Answer.Message, next, s.wantReason, s.wantNext)
				}
				done = done || out.AllPicked
			}
			if done != tt.wantDone {
				t.Errorf("done = %v, want %v", done, tt.wantDone)
			}
		})
	}
}

// Stock moves only on accepted scans, and a short pick takes the missing
// units out of the bin.
func TestPickScanMovesStock(t *testing.T) {
	task, env := newTask(), &fakeEnv{}
	var moves []StockMove
	for _, sc := range []Scan{{Code: "TOTE-1"}, {Code: "A-01-001-1"}, {Code: "4006381333931", Quantity: 3}, {Code: "4006381333931"},
		{Action: ActionShort, ShortReason: ShortEmptyBin}} {
		out, err := task.ApplyPickScan(sc, env)
		if err != nil {
			t.Fatal(err)
		}
		moves = append(moves, out.Moves...)
	}
	want := []StockMove{{Kind: MovePick, Bin: "A-01-001-1", SKU: "S1", OnHand: -1, Reserved: -1}, {Kind: MoveShort, Bin: "A-01-001-1", SKU: "S1", OnHand: -1, Reserved: -1}}
	if len(moves) != len(want) || moves[0] != want[0] || moves[1] != want[1] {
		t.Errorf("moves = %+v, want %+v", moves, want)
	}
}

func TestApplyPackScan(t *testing.T) {
	cfg := DefaultPackConfig
	weights := map[string]int64{"S1": 350, "S2": 40}
	env := packEnv{open: func() *PackSession {
		return NewPackSession("O1", map[string]int64{"S1": 2, "S2": 1}, nil, weights, cfg)
	}}
	var sess *PackSession
	steps := []struct {
		scan       Scan
		wantReason string
	}{
		{Scan{Code: "4006381333931"}, "SCAN_ORDER_FIRST"},
		{Scan{Code: "O1"}, "ORDER_OPEN"},
		{Scan{Action: ActionWeight, WeightG: 800}, "VERIFY_ITEMS_FIRST"},
		{Scan{Code: "5901234123457"}, "VERIFIED"},
		{Scan{Code: "4006381333931", Quantity: 3}, "OVER_PICK"},
		{Scan{Code: "4006381333931", Quantity: 2}, "ITEMS_VERIFIED"},
		{Scan{Action: ActionWeight, WeightG: 1000}, "WEIGHT_MISMATCH"}, // 760 ± 38 g expected
		{Scan{Action: ActionWeight, WeightG: 770}, "PACKED"},
	}
	for i, s := range steps {
		out := ApplyPackScan(sess, s.scan, env, cfg)
		sess = out.Session
		if out.Answer.Reason != s.wantReason {
			t.Errorf("step %d: %s (%q), want %s", i, out.Answer.Reason, out.Answer.Message, s.wantReason)
		}
	}
}

type packEnv struct{ open func() *PackSession }

func (packEnv) SKUOf(code string) (string, bool) { return fakeEnv{}.SKUOf(code) }

func (e packEnv) StartOrder(code string) (*PackSession, bool, string) {
	if code == "O1" {
		return e.open(), true, ""
	}
	return nil, false, ""
}

// The walk to the first stop, from the pack station where the totes were
// set, is learned like every other leg: a one-stop task teaches the
// picker's walking pace too.
func TestFirstLegIsLearned(t *testing.T) {
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	task := newTask()
	task.CreatedAt = start.Add(-time.Minute) // handed out a minute before the tote was set
	task.Stops[0].CumulativeMeters, task.Stops[1].CumulativeMeters = 42, 60
	env := &fakeEnv{}
	if out, err := task.ApplyPickScan(Scan{Code: "TOTE-0001", At: start}, env); err != nil || out.Answer.Reason != "TOTE_SET" {
		t.Fatalf("tote: %+v, %v", out.Answer, err)
	}
	var learned []PickEvent
	for i, sc := range []Scan{{Code: "A-01-001-1"}, {Code: "4006381333931", Quantity: 2}, {Code: "A-02-001-1"}, {Code: "5901234123457"}} {
		sc.At = start.Add(time.Duration(60+10*i) * time.Second)
		out, err := task.ApplyPickScan(sc, env)
		if err != nil {
			t.Fatal(err)
		}
		learned = append(learned, out.Learned...)
	}
	want := []struct {
		meters float64
		walked time.Duration
	}{{42, 60 * time.Second}, {18, 10 * time.Second}}
	if len(learned) != len(want) {
		t.Fatalf("learned %+v, want %d events", learned, len(want))
	}
	for i, w := range want {
		if learned[i].WalkMeters != w.meters || learned[i].Walked != w.walked {
			t.Errorf("leg %d: %.0f m in %v, want %.0f m in %v", i, learned[i].WalkMeters, learned[i].Walked, w.meters, w.walked)
		}
	}
}
