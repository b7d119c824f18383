package floor

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// countStep is one submitted count: what the counter found, the bin's stock
// at that moment, and the expected answer.
type countStep struct {
	counted map[string]int64
	levels  []StockLevel
	reason  string
	verdict Verdict
	done    bool
	moves   []StockMove
	lines   []CountLine // nil: not checked
	msg     string      // a substring of the message; "" not checked
}

func TestCountTaskSubmit(t *testing.T) {
	const bin = "A-01-001-1"
	lv := func(sku string, onHand, reserved int64) StockLevel {
		return StockLevel{Bin: bin, SKU: sku, OnHand: onHand, Reserved: reserved}
	}
	move := func(sku string, delta int64) StockMove {
		return StockMove{Kind: MoveCount, Bin: bin, SKU: sku, OnHand: delta}
	}
	a5 := []StockLevel{lv("A", 5, 0)}
	tests := []struct {
		name  string
		start []StockLevel // nil: the task is never started
		steps []countStep
	}{
		{"not started", nil, []countStep{
			{counted: map[string]int64{"A": 5}, levels: a5, reason: "COUNT_NOT_STARTED", verdict: VerdictOutOfSequence,
				msg: "scan bin " + bin + " first"},
		}},
		{"matches", a5, []countStep{
			{counted: map[string]int64{"A": 5}, levels: a5, reason: "COUNT_MATCHES", verdict: VerdictRight, done: true,
				lines: []CountLine{{SKU: "A", System: 5, Counted: 5}}},
		}},
		{"empty bin counted empty", []StockLevel{}, []countStep{
			{counted: map[string]int64{}, levels: nil, reason: "COUNT_MATCHES", verdict: VerdictRight, done: true},
		}},
		{"a SKU at zero on hand is not missed", []StockLevel{lv("A", 5, 0), lv("B", 0, 0)}, []countStep{
			// B: system 0, counted 0 (absent) -> no delta.
			{counted: map[string]int64{"A": 5}, levels: []StockLevel{lv("A", 5, 0), lv("B", 0, 0)},
				reason: "COUNT_MATCHES", verdict: VerdictRight, done: true,
				lines: []CountLine{{SKU: "A", System: 5, Counted: 5}, {SKU: "B"}}},
		}},
		{"differs once: count again, nothing moves", a5, []countStep{
			{counted: map[string]int64{"A": 4}, levels: a5, reason: "COUNT_DIFFERS", verdict: VerdictRecount,
				lines: []CountLine{{SKU: "A", System: 5, Counted: 4}}, msg: "differs for A"},
		}},
		{"differs twice alike: adjusted", a5, []countStep{
			{counted: map[string]int64{"A": 4}, levels: a5, reason: "COUNT_DIFFERS", verdict: VerdictRecount},
			// 4 - 5 = -1
			{counted: map[string]int64{"A": 4}, levels: a5, reason: "COUNT_ADJUSTED", verdict: VerdictDiscrepancy, done: true,
				moves: []StockMove{move("A", -1)}, lines: []CountLine{{SKU: "A", System: 5, Counted: 4}}},
		}},
		{"differs, differs otherwise, then the same: adjusted to the last two", a5, []countStep{
			{counted: map[string]int64{"A": 4}, levels: a5, reason: "COUNT_DIFFERS", verdict: VerdictRecount},
			{counted: map[string]int64{"A": 3}, levels: a5, reason: "COUNT_DIFFERS", verdict: VerdictRecount},
			// 3 - 5 = -2
			{counted: map[string]int64{"A": 3}, levels: a5, reason: "COUNT_ADJUSTED", verdict: VerdictDiscrepancy, done: true,
				moves: []StockMove{move("A", -2)}},
		}},
		{"differs, then agrees with the system", a5, []countStep{
			{counted: map[string]int64{"A": 4}, levels: a5, reason: "COUNT_DIFFERS", verdict: VerdictRecount},
			{counted: map[string]int64{"A": 5}, levels: a5, reason: "COUNT_MATCHES", verdict: VerdictRight, done: true},
		}},
		{"a second count must agree on every SKU, not only the differing one",
			[]StockLevel{lv("A", 5, 0), lv("B", 2, 0)}, []countStep{
				{counted: map[string]int64{"A": 4, "B": 2}, levels: []StockLevel{lv("A", 5, 0), lv("B", 2, 0)},
					reason: "COUNT_DIFFERS", verdict: VerdictRecount},
				{counted: map[string]int64{"A": 4, "B": 3}, levels: []StockLevel{lv("A", 5, 0), lv("B", 2, 0)},
					reason: "COUNT_DIFFERS", verdict: VerdictRecount, msg: "differs for A, B"},
				// A: 4 - 5 = -1, B: 3 - 2 = +1
				{counted: map[string]int64{"A": 4, "B": 3}, levels: []StockLevel{lv("A", 5, 0), lv("B", 2, 0)},
					reason: "COUNT_ADJUSTED", verdict: VerdictDiscrepancy, done: true,
					moves: []StockMove{move("A", -1), move("B", 1)}},
			}},
		{"stock moved while counting: disturbed, then counted on the new stock", a5, []countStep{
			// a pick took 1 of A: 5 -> 4
			{counted: map[string]int64{"A": 4}, levels: []StockLevel{lv("A", 4, 0)}, reason: "COUNT_DISTURBED",
				verdict: VerdictRecount, msg: "stock of A moved in bin " + bin},
			// the snapshot is now 4: a count of 4 agrees
			{counted: map[string]int64{"A": 4}, levels: []StockLevel{lv("A", 4, 0)}, reason: "COUNT_MATCHES",
				verdict: VerdictRight, done: true},
		}},
		{"disturbed between two alike counts: no adjustment until two more agree", a5, []countStep{
			{counted: map[string]int64{"A": 4}, levels: a5, reason: "COUNT_DIFFERS", verdict: VerdictRecount},
			// a put-away brought 1 of A: 5 -> 6
			{counted: map[string]int64{"A": 4}, levels: []StockLevel{lv("A", 6, 0)}, reason: "COUNT_DISTURBED", verdict: VerdictRecount},
			{counted: map[string]int64{"A": 4}, levels: []StockLevel{lv("A", 6, 0)}, reason: "COUNT_DIFFERS", verdict: VerdictRecount},
			// 4 - 6 = -2
			{counted: map[string]int64{"A": 4}, levels: []StockLevel{lv("A", 6, 0)}, reason: "COUNT_ADJUSTED",
				verdict: VerdictDiscrepancy, done: true, moves: []StockMove{move("A", -2)}},
		}},
		{"a SKU put into the bin while counting disturbs", a5, []countStep{
			{counted: map[string]int64{"A": 5}, levels: []StockLevel{lv("A", 5, 0), lv("B", 3, 0)},
				reason: "COUNT_DISTURBED", verdict: VerdictRecount, msg: "stock of B moved"},
		}},
		{"a SKU taken out of the bin while counting disturbs", []StockLevel{lv("A", 5, 0), lv("B", 2, 0)}, []countStep{
			{counted: map[string]int64{"A": 5}, levels: a5, reason: "COUNT_DISTURBED", verdict: VerdictRecount,
				msg: "stock of B moved"},
		}},
		{"every moved SKU is named, by SKU", []StockLevel{lv("B", 5, 0), lv("A", 2, 0)}, []countStep{
			{counted: map[string]int64{}, levels: []StockLevel{lv("B", 4, 0), lv("A", 1, 0)},
				reason: "COUNT_DISTURBED", verdict: VerdictRecount, msg: "stock of A, B moved"},
		}},
		{"a reservation is not a move", a5, []countStep{
			// a pick task was assigned: reserved 0 -> 3, on hand still 5
			{counted: map[string]int64{"A": 5}, levels: []StockLevel{lv("A", 5, 3)}, reason: "COUNT_MATCHES",
				verdict: VerdictRight, done: true, lines: []CountLine{{SKU: "A", System: 5, Reserved: 3, Counted: 5}}},
		}},
		{"below reserved: refused even when confirmed, again and again", []StockLevel{lv("A", 5, 3)}, []countStep{
			{counted: map[string]int64{"A": 2}, levels: []StockLevel{lv("A", 5, 3)}, reason: "COUNT_DIFFERS", verdict: VerdictRecount},
			// confirmed, but 2 < 3 reserved
			{counted: map[string]int64{"A": 2}, levels: []StockLevel{lv("A", 5, 3)}, reason: "COUNT_BELOW_RESERVED",
				verdict: VerdictRecount, msg: "2 of A counted but 3 are due to open picks"},
			{counted: map[string]int64{"A": 2}, levels: []StockLevel{lv("A", 5, 3)}, reason: "COUNT_BELOW_RESERVED", verdict: VerdictRecount},
			// a different count starts over
			{counted: map[string]int64{"A": 3}, levels: []StockLevel{lv("A", 5, 3)}, reason: "COUNT_DIFFERS", verdict: VerdictRecount},
			// 3 = reserved is not below it: 3 - 5 = -2
			{counted: map[string]int64{"A": 3}, levels: []StockLevel{lv("A", 5, 3)}, reason: "COUNT_ADJUSTED",
				verdict: VerdictDiscrepancy, done: true, moves: []StockMove{move("A", -2)}},
		}},
		{"below reserved after a refusal is adjusted once the reservation is gone", []StockLevel{lv("A", 5, 3)}, []countStep{
			{counted: map[string]int64{"A": 2}, levels: []StockLevel{lv("A", 5, 3)}, reason: "COUNT_DIFFERS", verdict: VerdictRecount},
			{counted: map[string]int64{"A": 2}, levels: []StockLevel{lv("A", 5, 3)}, reason: "COUNT_BELOW_RESERVED", verdict: VerdictRecount},
			// the pick task was cancelled: reserved 3 -> 0, on hand unchanged; 2 - 5 = -3
			{counted: map[string]int64{"A": 2}, levels: a5, reason: "COUNT_ADJUSTED", verdict: VerdictDiscrepancy, done: true,
				moves: []StockMove{move("A", -3)}},
		}},
		{"one SKU below reserved refuses the whole bin", []StockLevel{lv("A", 5, 0), lv("B", 4, 4)}, []countStep{
			{counted: map[string]int64{"A": 6, "B": 1}, levels: []StockLevel{lv("A", 5, 0), lv("B", 4, 4)},
				reason: "COUNT_DIFFERS", verdict: VerdictRecount},
			{counted: map[string]int64{"A": 6, "B": 1}, levels: []StockLevel{lv("A", 5, 0), lv("B", 4, 4)},
				reason: "COUNT_BELOW_RESERVED", verdict: VerdictRecount, msg: "1 of B counted but 4"},
		}},
		{"a SKU in the bin but not counted counts as 0", []StockLevel{lv("A", 5, 0), lv("B", 2, 0)}, []countStep{
			{counted: map[string]int64{"A": 5}, levels: []StockLevel{lv("A", 5, 0), lv("B", 2, 0)},
				reason: "COUNT_DIFFERS", verdict: VerdictRecount, msg: "differs for B",
				lines: []CountLine{{SKU: "A", System: 5, Counted: 5}, {SKU: "B", System: 2}}},
			// an explicit 0 is the same count as leaving B out: 0 - 2 = -2
			{counted: map[string]int64{"A": 5, "B": 0}, levels: []StockLevel{lv("A", 5, 0), lv("B", 2, 0)},
				reason: "COUNT_ADJUSTED", verdict: VerdictDiscrepancy, done: true, moves: []StockMove{move("B", -2)}},
		}},
		{"a SKU found but not in the system is added", a5, []countStep{
			{counted: map[string]int64{"A": 5, "C": 1}, levels: a5, reason: "COUNT_DIFFERS", verdict: VerdictRecount,
				lines: []CountLine{{SKU: "A", System: 5, Counted: 5}, {SKU: "C", Counted: 1}}},
			// 1 - 0 = +1
			{counted: map[string]int64{"A": 5, "C": 1}, levels: a5, reason: "COUNT_ADJUSTED", verdict: VerdictDiscrepancy,
				done: true, moves: []StockMove{move("C", 1)}},
		}},
		{"lines are the union of bin and count, by SKU; moves by SKU",
			[]StockLevel{lv("C", 1, 0), lv("A", 5, 1), lv("B", 2, 0)}, []countStep{
				{counted: map[string]int64{"D": 2, "A": 6, "C": 1}, levels: []StockLevel{lv("C", 1, 0), lv("A", 5, 1), lv("B", 2, 0)},
					reason: "COUNT_DIFFERS", verdict: VerdictRecount, msg: "differs for A, B, D"},
				// A: 6 - 5 = +1, B: 0 - 2 = -2, C: 1 - 1 = 0 (no move), D: 2 - 0 = +2
				{counted: map[string]int64{"C": 1, "A": 6, "D": 2}, levels: []StockLevel{lv("C", 1, 0), lv("A", 5, 1), lv("B", 2, 0)},
					reason: "COUNT_ADJUSTED", verdict: VerdictDiscrepancy, done: true,
					moves: []StockMove{move("A", 1), move("B", -2), move("D", 2)},
					lines: []CountLine{
						{SKU: "A", System: 5, Reserved: 1, Counted: 6},
						{SKU: "B", System: 2, Counted: 0},
						{SKU: "C", System: 1, Counted: 1},
						{SKU: "D", System: 0, Counted: 2},
					}},
			}},
	}
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := &CountTask{Bin: bin, Reason: "test", Created: t0}
			if tt.start != nil {
				task.Start(tt.start, t0)
			}
			for i, s := range tt.steps {
				at := t0.Add(time.Duration(i+1) * time.Minute)
				got := task.Submit("counter", s.counted, s.levels, at)
				if got.Reason != s.reason || got.Verdict != s.verdict || got.Done != s.done {
					t.Fatalf("step %d: got %s (verdict %v, done %v) %q, want %s (verdict %v, done %v)",
						i, got.Reason, got.Verdict, got.Done, got.Message, s.reason, s.verdict, s.done)
				}
				if !reflect.DeepEqual(got.Moves, s.moves) {
					t.Errorf("step %d: moves %+v, want %+v", i, got.Moves, s.moves)
				}
				if !got.Done && len(got.Moves) > 0 {
					t.Errorf("step %d: moves %+v on an unsettled count", i, got.Moves)
				}
				if s.lines != nil && !reflect.DeepEqual(got.Lines, s.lines) {
					t.Errorf("step %d: lines %+v, want %+v", i, got.Lines, s.lines)
				}
				if !strings.Contains(got.Message, s.msg) {
					t.Errorf("step %d: message %q, want it to contain %q", i, got.Message, s.msg)
				}
				if n := len(task.Attempts); n != i+1 {
					t.Fatalf("step %d: %d attempts recorded, want %d", i, n, i+1)
				}
				a := task.Attempts[i]
				if a.User != "counter" || !a.At.Equal(at) || a.Outcome != s.reason || !reflect.DeepEqual(a.Counted, s.counted) {
					t.Errorf("step %d: attempt %+v, want by counter at %v with outcome %s", i, a, at, s.reason)
				}
			}
		})
	}
}

func TestCountTaskStart(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	task := &CountTask{Bin: "B1"}
	task.Start(nil, t0)
	if task.Snapshot == nil || len(task.Snapshot) != 0 || !task.Started.Equal(t0) {
		t.Errorf("start on an empty bin: snapshot %v started %v, want an empty snapshot at %v", task.Snapshot, task.Started, t0)
	}
	// Only on-hand units are remembered: a count compares what is on the shelf.
	task.Start([]StockLevel{{Bin: "B1", SKU: "A", OnHand: 5, Reserved: 2}, {Bin: "B1", SKU: "B", OnHand: 0}}, t0.Add(time.Hour))
	if want := map[string]int64{"A": 5, "B": 0}; !reflect.DeepEqual(task.Snapshot, want) || !task.Started.Equal(t0.Add(time.Hour)) {
		t.Errorf("snapshot %v started %v, want %v at %v", task.Snapshot, task.Started, want, t0.Add(time.Hour))
	}
}

// A disturbed count takes a new snapshot at the time of that submission.
func TestCountDisturbedResetsSnapshot(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	task := &CountTask{Bin: "B1"}
	task.Start([]StockLevel{{Bin: "B1", SKU: "A", OnHand: 5}}, t0)
	now := []StockLevel{{Bin: "B1", SKU: "A", OnHand: 3}, {Bin: "B1", SKU: "B", OnHand: 1}}
	at := t0.Add(5 * time.Minute)
	if got := task.Submit("u", map[string]int64{"A": 5}, now, at); got.Reason != "COUNT_DISTURBED" {
		t.Fatalf("got %s, want COUNT_DISTURBED", got.Reason)
	}
	if want := map[string]int64{"A": 3, "B": 1}; !reflect.DeepEqual(task.Snapshot, want) || !task.Started.Equal(at) {
		t.Errorf("snapshot %v started %v, want %v at %v", task.Snapshot, task.Started, want, at)
	}
}

func TestCountLineDelta(t *testing.T) {
	for _, tt := range []struct {
		l    CountLine
		want int64
	}{
		{CountLine{System: 5, Counted: 4}, -1},
		{CountLine{System: 0, Counted: 2}, 2},
		{CountLine{System: 7, Reserved: 7, Counted: 7}, 0},
	} {
		if got := tt.l.Delta(); got != tt.want {
			t.Errorf("%+v.Delta() = %d, want %d", tt.l, got, tt.want)
		}
	}
}
