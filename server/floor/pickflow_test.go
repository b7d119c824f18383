package floor

import (
	"reflect"
	"testing"
	"time"
)

// twoOrders is a task of two orders on one cart, one stop each, with a
// third stop of the first order.
func twoOrders() *Task {
	return &Task{ID: "T2", Picker: "ann", Orders: []TaskOrder{{OrderID: "O1", Tote: 1}, {OrderID: "O2", Tote: 2}}, Stops: []Stop{
		{Bin: "A-01-001-1", SKU: "S1", Quantity: 2, OrderID: "O1", Tote: 1},
		{Bin: "A-02-001-1", SKU: "S2", Quantity: 1, OrderID: "O2", Tote: 2},
		{Bin: "A-03-001-1", SKU: "S1", Quantity: 1, OrderID: "O1", Tote: 1},
	}}
}

func TestToteAndDropOffCodes(t *testing.T) {
	totes := []struct {
		code string
		ok   bool
	}{
		{"TOTE-0042", true}, {"TOTE-1", true}, {"TOTE-1234567890", true},
		{"TOTE-", false}, {"TOTE-12345678901", false}, {"TOTE-12a", false}, {"tote-12", false}, {"TOTE--1", false}, {"TOTE-١٢", false},
	}
	for _, tt := range totes {
		if got := ParseToteCode(tt.code) == nil; got != tt.ok {
			t.Errorf("ParseToteCode(%q) ok = %v, want %v", tt.code, got, tt.ok)
		}
	}
	drops := []struct {
		code, station string
		ok            bool
	}{
		{"DROP-PS1", "PS1", true}, {"DROP-pack-2", "pack-2", true},
		{"DROP-", "", false}, {"DROP-PS 1", "", false}, {"DROP-PS/1", "", false}, {"PS1", "", false},
		{"DROP-" + string(make([]byte, 33)), "", false},
	}
	for _, tt := range drops {
		got, ok := ParseDropOff(tt.code)
		if got != tt.station || ok != tt.ok {
			t.Errorf("ParseDropOff(%q) = %q, %v; want %q, %v", tt.code, got, ok, tt.station, tt.ok)
		}
	}
}

// The totes come first, each order's own; picks name the tote; the task
// waits for its drop-off.
func TestPickFlowTotesPostponeDropOff(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	type step struct {
		scan                 Scan
		wantVerdict          Verdict
		wantReason, wantNext string // the next bin, "" for none
		wantExpect           Expect
	}
	tests := []struct {
		name      string
		steps     []step
		wantState TaskState
		wantTotes []string
		wantOrder []string // the stops' bins at the end
	}{
		{"totes, a postponed stop, drop-off", []step{
			{Scan{Code: "A-01-001-1"}, VerdictOutOfSequence, "SCAN_TOTE_FIRST", "", ExpectTote},
			{Scan{Action: ActionPostpone}, VerdictOutOfSequence, "SCAN_TOTE_FIRST", "", ExpectTote},
			{Scan{Code: "TOTE-12x"}, VerdictWrongTote, "BAD_TOTE_CODE", "", ExpectTote},
			{Scan{Code: "TOTE-0099"}, VerdictWrongTote, "TOTE_IN_USE", "", ExpectTote},
			{Scan{Code: "TOTE-0001"}, VerdictRight, "TOTE_SET", "", ExpectTote},
			{Scan{Code: "TOTE-0001"}, VerdictWrongTote, "TOTE_IN_TASK", "", ExpectTote},
			{Scan{Code: "TOTE-0002"}, VerdictRight, "TOTE_SET", "A-01-001-1", ExpectBin},
			{Scan{Code: "TOTE-0003"}, VerdictOutOfSequence, "TOTES_SET", "A-01-001-1", ExpectBin},
			{Scan{Action: ActionPostpone}, VerdictRight, "POSTPONED", "A-02-001-1", ExpectBin},
			{Scan{Code: "A-02-001-1"}, VerdictRight, "AT_BIN", "A-02-001-1", ExpectItem},
			{Scan{Code: "DROP-PS1"}, VerdictOutOfSequence, "NOT_PICKED", "A-02-001-1", ExpectItem},
			{Scan{Code: "5901234123457"}, VerdictLineDone, "LINE_DONE", "A-03-001-1", ExpectBin},
			{Scan{Code: "A-03-001-1"}, VerdictRight, "AT_BIN", "A-03-001-1", ExpectItem},
			{Scan{Code: "4006381333931"}, VerdictLineDone, "LINE_DONE", "A-01-001-1", ExpectBin},
			{Scan{Action: ActionPostpone}, VerdictOutOfSequence, "LAST_STOP", "A-01-001-1", ExpectBin},
			{Scan{Code: "A-01-001-1"}, VerdictRight, "AT_BIN", "A-01-001-1", ExpectItem},
			{Scan{Code: "4006381333931", Quantity: 2}, VerdictTaskDone, "TASK_DONE", "", ExpectDropOff},
			{Scan{Code: "A-01-001-1"}, VerdictOutOfSequence, "DROP_OFF_FIRST", "", ExpectDropOff},
			{Scan{Code: "DROP-"}, VerdictOutOfSequence, "DROP_OFF_FIRST", "", ExpectDropOff},
			{Scan{Code: "DROP-PS1"}, VerdictRight, "DROPPED_OFF", "", ExpectNothing},
		}, TaskDone, []string{"TOTE-0001", "TOTE-0002"}, []string{"A-02-001-1", "A-03-001-1", "A-01-001-1"}},
		{"a short pick before the drop-off", []step{
			{Scan{Code: "TOTE-0001"}, VerdictRight, "TOTE_SET", "", ExpectTote},
			{Scan{Code: "TOTE-0002"}, VerdictRight, "TOTE_SET", "A-01-001-1", ExpectBin},
			{Scan{Code: "A-01-001-1"}, VerdictRight, "AT_BIN", "A-01-001-1", ExpectItem},
			{Scan{Action: ActionShort, ShortReason: ShortCannotFind}, VerdictShortRecorded, "SHORT_RECORDED", "A-02-001-1", ExpectBin},
			{Scan{Code: "A-02-001-1"}, VerdictRight, "AT_BIN", "A-02-001-1", ExpectItem},
			{Scan{Code: "5901234123457"}, VerdictLineDone, "LINE_DONE", "A-03-001-1", ExpectBin},
			{Scan{Code: "A-03-001-1"}, VerdictRight, "AT_BIN", "A-03-001-1", ExpectItem},
			{Scan{Action: ActionShort, ShortReason: ShortDamaged}, VerdictTaskDone, "TASK_DONE", "", ExpectDropOff},
		}, TaskDropOff, []string{"TOTE-0001", "TOTE-0002"}, []string{"A-01-001-1", "A-02-001-1", "A-03-001-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task, env := twoOrders(), &fakeEnv{holders: map[string]string{"TOTE-0099": "order O9 of task T9 (bob)"}}
			for i, s := range tt.steps {
				s.scan.At = at.Add(time.Duration(i) * time.Second)
				out, err := task.ApplyPickScan(s.scan, env)
				if err != nil {
					t.Fatal(err)
				}
				a := out.Answer
				next := ""
				if a.Next.Stop != nil {
					next = a.Next.Stop.Bin
				}
				if a.Verdict != s.wantVerdict || a.Reason != s.wantReason || next != s.wantNext || a.Next.Expect != s.wantExpect {
					t.Errorf("step %d %+v: %v %s (%q), next %q expect %v; want %v %s, next %q expect %v", i, s.scan,
						a.Verdict, a.Reason, a.Message, next, a.Next.Expect, s.wantVerdict, s.wantReason, s.wantNext, s.wantExpect)
				}
			}
			if got := task.State(); got != tt.wantState {
				t.Errorf("state = %v, want %v", got, tt.wantState)
			}
			var totes, bins []string
			for _, o := range task.Orders {
				totes = append(totes, o.ToteCode)
			}
			for _, s := range task.Stops {
				bins = append(bins, s.Bin)
				if s.ToteCode != task.ToteOf(s.OrderID) {
					t.Errorf("stop %s of %s goes into %q, its order's tote is %q", s.Bin, s.OrderID, s.ToteCode, task.ToteOf(s.OrderID))
				}
			}
			if !reflect.DeepEqual(totes, tt.wantTotes) || !reflect.DeepEqual(bins, tt.wantOrder) {
				t.Errorf("totes %v, stops %v; want %v, %v", totes, bins, tt.wantTotes, tt.wantOrder)
			}
		})
	}
}

// A tote's verdict names it, and the second order waits for its own tote.
func TestToteInstructionNamesTheOrder(t *testing.T) {
	task := twoOrders()
	in := task.Instruction()
	if in.Expect != ExpectTote || in.OrderID != "O1" || in.Tote != 1 {
		t.Fatalf("instruction = %+v, want a tote for O1 at position 1", in)
	}
	out, _ := task.ApplyPickScan(Scan{Code: "TOTE-5"}, &fakeEnv{})
	if n := out.Answer.Next; n.Expect != ExpectTote || n.OrderID != "O2" || n.Tote != 2 {
		t.Errorf("next = %+v, want a tote for O2 at position 2", n)
	}
	if out.Tote == nil || *out.Tote != (ToteBinding{Code: "TOTE-5", OrderID: "O1"}) || !out.Replanned {
		t.Errorf("outcome binds %+v (replanned %v), want TOTE-5 to O1", out.Tote, out.Replanned)
	}
	task.ApplyPickScan(Scan{Code: "TOTE-6"}, &fakeEnv{})
	task.ApplyPickScan(Scan{Code: "A-01-001-1"}, &fakeEnv{})
	out, _ = task.ApplyPickScan(Scan{Code: "4006381333931"}, &fakeEnv{})
	if want := "1 of 2 into TOTE-5: 1 more of S1"; out.Answer.Message != want {
		t.Errorf("message = %q, want %q", out.Answer.Message, want)
	}
}

func TestReleaseTask(t *testing.T) {
	tests := []struct {
		name               string
		picked             []int64 // per stop of twoOrders
		short              []int64
		wantKept, wantBack []string
		wantMoves          []StockMove
		wantPutBack        []PutBack
		wantConflict       bool
		done               bool
	}{
		{"nothing picked", []int64{0, 0, 0}, []int64{0, 0, 0}, nil, []string{"O1", "O2"}, []StockMove{
			{Kind: MoveRelease, Bin: "A-01-001-1", SKU: "S1", Reserved: -2},
			{Kind: MoveRelease, Bin: "A-03-001-1", SKU: "S1", Reserved: -1},
			{Kind: MoveRelease, Bin: "A-02-001-1", SKU: "S2", Reserved: -1},
		}, nil, false, false},
		{"one order complete, one half picked", []int64{1, 1, 0}, []int64{0, 0, 0}, []string{"O2"}, []string{"O1"}, []StockMove{
			{Kind: MoveRelease, Bin: "A-01-001-1", SKU: "S1", Reserved: -1},
			{Kind: MoveReturn, Bin: "A-01-001-1", SKU: "S1", OnHand: 1},
			{Kind: MoveRelease, Bin: "A-03-001-1", SKU: "S1", Reserved: -1},
		}, []PutBack{{Bin: "A-01-001-1", SKU: "S1", OrderID: "O1", ToteCode: "TOTE-1", Units: 1}}, false, false},
		{"picked and short: kept", []int64{2, 0, 0}, []int64{0, 1, 1}, []string{"O1", "O2"}, nil, nil, nil, false, false},
		{"done already", []int64{2, 1, 1}, []int64{0, 0, 0}, nil, nil, nil, nil, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := twoOrders()
			task.Done = tt.done
			for i := range task.Stops {
				task.Stops[i].Picked, task.Stops[i].Short = tt.picked[i], tt.short[i]
				task.Stops[i].ToteCode = "TOTE-" + string(rune('0'+task.Stops[i].Tote))
			}
			out, err := task.Release()
			if tt.wantConflict {
				if KindOf(err) != KindConflict {
					t.Fatalf("err = %v, want a conflict", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out.Kept, tt.wantKept) || !reflect.DeepEqual(out.Requeued, tt.wantBack) ||
				!reflect.DeepEqual(out.Moves, tt.wantMoves) || !reflect.DeepEqual(out.PutBack, tt.wantPutBack) {
				t.Errorf("kept %v requeued %v moves %+v put back %+v;\nwant %v %v %+v %+v", out.Kept, out.Requeued, out.Moves, out.PutBack,
					tt.wantKept, tt.wantBack, tt.wantMoves, tt.wantPutBack)
			}
			if task.State() != TaskReleased || task.Instruction().Expect != ExpectNothing {
				t.Errorf("state %v, expect %v; want released, nothing", task.State(), task.Instruction().Expect)
			}
		})
	}
}

func TestReassignTask(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	task := twoOrders()
	for _, sc := range []Scan{{Code: "TOTE-1"}, {Code: "TOTE-2"}, {Code: "A-01-001-1"}, {Code: "4006381333931"}} {
		task.ApplyPickScan(sc, &fakeEnv{})
	}
	if err := task.Reassign("ann", at); KindOf(err) != KindConflict {
		t.Errorf("reassign to the same picker: %v, want a conflict", err)
	}
	if err := task.Reassign("bob", at); err != nil {
		t.Fatal(err)
	}
	in := task.Instruction()
	if task.Picker != "bob" || in.Expect != ExpectBin || in.Stop.Bin != "A-01-001-1" || in.Remaining != 1 {
		t.Errorf("after reassign: picker %s, %+v; want bob back at A-01-001-1 for 1 more", task.Picker, in)
	}
	task.Done = true
	if err := task.Reassign("cy", at); KindOf(err) != KindConflict {
		t.Errorf("reassign a done task: %v, want a conflict", err)
	}
}
