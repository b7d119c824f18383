package main

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func TestFmtClock(t *testing.T) {
	for _, tc := range []struct {
		due  time.Time
		want string
	}{
		{time.Time{}, ""},
		{t0.Add(15 * time.Minute), "15m00s left"},
		{t0.Add(14*time.Minute + 5*time.Second + 400*time.Millisecond), "14m05s left"},
		{t0.Add(45 * time.Second), "45s left"},
		{t0.Add(62 * time.Minute), "1h02m left"},
		{t0, "LATE by 0s"},
		{t0.Add(-3*time.Minute - 5*time.Second), "LATE by 3m05s"},
	} {
		if got := fmtClock(tc.due, t0); got != tc.want {
			t.Errorf("fmtClock(due %v) = %q, want %q", tc.due.Sub(t0), got, tc.want)
		}
	}
}

func TestParseInput(t *testing.T) {
	for _, tc := range []struct {
		mode Mode
		line string
		want input
		err  string
	}{
		{ModePick, "", input{kind: inputRefresh}, ""},
		{ModePick, "  \r", input{kind: inputRefresh}, ""},
		{ModePick, "?", input{kind: inputHelp}, ""},
		{ModePick, "q", input{kind: inputQuit}, ""},
		{ModePick, "A-01-001-1\r", input{kind: inputScan, scan: &pb.Scan{Code: "A-01-001-1"}}, ""},
		{ModePick, "*3", input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Quantity: 3}}, ""},
		{ModePick, "*0", input{}, "a quantity is"},
		{ModePick, "*x", input{}, "a quantity is"},
		{ModeHandoff, "*2", input{}, "no quantities at handoff"},
		{ModePick, "!e", input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_SHORT, ShortReason: pb.ShortReason_SHORT_REASON_EMPTY_BIN}}, ""},
		{ModePick, "!D", input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_SHORT, ShortReason: pb.ShortReason_SHORT_REASON_DAMAGED}}, ""},
		{ModePick, "!f", input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_SHORT, ShortReason: pb.ShortReason_SHORT_REASON_CANNOT_FIND}}, ""},
		{ModePick, "!x", input{}, "!e (empty bin)"},
		{ModePack, "!e", input{}, "while picking"},
		{ModePack, "=1170", input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 1170}}, ""},
		{ModePack, "= 1170 g", input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 1170}}, ""},
		{ModePack, "=0", input{}, "whole grams"},
		{ModePack, "!B", input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_NEW_BOX}}, ""},
		{ModePick, "!b", input{}, "!e (empty bin)"},
		{ModeHandoff, "!b", input{}, "!e (empty bin)"},
		{ModePick, "=500", input{}, "pack station"},
		{ModePick, strings.Repeat("x", 129), input{}, "too long"},
		{ModePick, "AB\x01C", input{}, "control character"},
		// The inventory modes' keys; codes and *N are scans there too.
		{ModeReceive, "!d", input{kind: inputKey, key: "!d", n: 1}, ""},
		{ModeReceive, "!D 3", input{kind: inputKey, key: "!d", n: 3}, ""},
		{ModeReceive, "!c", input{kind: inputKey, key: "!c"}, ""},
		{ModeReceive, "!c2", input{}, "takes no number"},
		{ModeReceive, "!d0", input{}, "from 1 to"},
		{ModeReceive, "!l", input{}, "no key here: the keys are !dN, !c, !x"},
		{ModeReceive, "=3", input{}, "no key here"},
		{ModeCount, "=0", input{kind: inputKey, key: "="}, ""},
		{ModeCount, "= 24", input{kind: inputKey, key: "=", n: 24}, ""},
		{ModeCount, "=", input{}, "takes a number"},
		{ModeCount, "!l", input{kind: inputKey, key: "!l"}, ""},
		{ModeTransfer, "!e", input{}, "no key here"},
		{ModeCount, "*4", input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Quantity: 4}}, ""},
		{ModePutaway, "A-01-001-1", input{kind: inputScan, scan: &pb.Scan{Code: "A-01-001-1"}}, ""},
	} {
		got, err := parseInput(tc.mode, tc.line)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %q: error %v, want one with %q", tc.mode, tc.line, err, tc.err)
			}
			continue
		}
		if err != nil || got.kind != tc.want.kind || !proto.Equal(got.scan, tc.want.scan) || got.key != tc.want.key || got.n != tc.want.n {
			t.Errorf("%s %q = %v %v, %v; want %v %v", tc.mode, tc.line, got.kind, got.scan, err, tc.want.kind, tc.want.scan)
		}
	}
}

func stop1() *pb.Stop {
	return &pb.Stop{Bin: "A-01-001-1", Sku: "S1", Name: "Thermos 500 ml", Quantity: 3, OrderId: "O1", Tote: 1}
}

func TestRenderAnswer(t *testing.T) {
	due := timestamppb.New(t0.Add(14*time.Minute + 30*time.Second))
	for _, tc := range []struct {
		name    string
		mode    Mode
		scanned string
		a       *pb.ScanAnswer
		due     time.Time
		want    string
	}{
		{"at bin", ModePick, "A-01-001-1", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_RIGHT, Reason: "AT_BIN", Message: "at A-01-001-1: take 3 × S1 Thermos 500 ml",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_ITEM, Stop: stop1(), Remaining: 3, OrderId: "O1", Done: 0, Total: 2, DueAt: due}}, time.Time{},
			"[OK] A-01-001-1: at A-01-001-1: take 3 × S1 Thermos 500 ml\n" +
				"  next: scan S1 Thermos 500 ml at A-01-001-1: 3 to take (each unit, or one then *N)\n" +
				"  0/2 lines done · order O1 tote 1 · 14m30s left\n"},
		{"wrong bin rings", ModePick, "A-02-004-1", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_WRONG_BIN, Reason: "WRONG_BIN", Message: "wrong bin A-02-004-1: go to A-01-001-1",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_BIN, Stop: stop1(), Remaining: 3, OrderId: "O1", Total: 2, DueAt: timestamppb.New(t0.Add(-time.Minute))}}, time.Time{},
			"\a[WRONG BIN] A-02-004-1: wrong bin A-02-004-1: go to A-01-001-1\n" +
				"  next: go to bin A-01-001-1 and scan its label: 3 × S1 Thermos 500 ml into tote 1\n" +
				"  0/2 lines done · order O1 tote 1 · LATE by 1m00s\n"},
		{"over pick rings", ModePick, "4006381333931 × 4", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_OVER_PICK, Message: "too many: only 3 more of S1 here; put 1 back",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_ITEM, Stop: stop1(), Remaining: 3, OrderId: "O1", Total: 2}}, time.Time{},
			"\a[TOO MANY] 4006381333931 × 4: too many: only 3 more of S1 here; put 1 back\n" +
				"  next: scan S1 Thermos 500 ml at A-01-001-1: 3 to take (each unit, or one then *N)\n" +
				"  0/2 lines done · order O1 tote 1\n"},
		{"replayed", ModePick, "quantity 2", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_LINE_DONE, Message: "S1 done: next A-03-009-1, 1 × S2", Replayed: true,
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_BIN, Stop: &pb.Stop{Bin: "A-03-009-1", Sku: "S2", Name: "USB-C cable", Tote: 1}, Remaining: 1, OrderId: "O1", Done: 1, Total: 2}}, time.Time{},
			"[LINE DONE] quantity 2: S1 done: next A-03-009-1, 1 × S2 (sent again after a lost answer; applied once)\n" +
				"  next: go to bin A-03-009-1 and scan its label: 1 × S2 USB-C cable into tote 1\n" +
				"  1/2 lines done · order O1 tote 1\n"},
		{"task done", ModePick, "5901234123457", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_TASK_DONE, Message: "S2 done into TOTE-7: task picked (O1 in TOTE-7)",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_DROP_OFF, Done: 2, Total: 2}}, time.Time{},
			"[TASK DONE] 5901234123457: S2 done into TOTE-7: task picked (O1 in TOTE-7)\n" +
				"  next: take the totes to the pack station and scan its drop-off code (DROP-…)\n" +
				"  2/2 lines done\n"},
		{"tote wanted", ModePick, "A-01-001-1", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_OUT_OF_SEQUENCE, Message: "scan an empty tote",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_TOTE, OrderId: "O2", Tote: 2, Total: 3}}, time.Time{},
			"\a[NOT NOW] A-01-001-1: scan an empty tote\n" +
				"  next: scan an empty tote (TOTE-…) for order O2, cart position 2\n" +
				"  0/3 lines done · order O2\n"},
		{"tote in use rings", ModePick, "TOTE-9", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_WRONG_TOTE, Message: "TOTE-9 is in use",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_TOTE, OrderId: "O2", Tote: 2, Total: 3}}, time.Time{},
			"\a[WRONG TOTE] TOTE-9: TOTE-9 is in use\n" +
				"  next: scan an empty tote (TOTE-…) for order O2, cart position 2\n" +
				"  0/3 lines done · order O2\n"},
		{"dropped off", ModePick, "DROP-PS1", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_RIGHT, Message: "totes dropped off",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_NOTHING, Done: 2, Total: 2}}, time.Time{},
			"[OK] DROP-PS1: totes dropped off\n" +
				"  next: the next task comes (press Enter to ask again)\n" +
				"  2/2 lines done\n"},
		{"no task", ModePick, "A-01-001-1", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_NOTHING_OPEN, Reason: "NO_TASK", Message: "no open task: ask for the next one", Next: &pb.Instruction{}}, time.Time{},
			"[NOTHING OPEN] A-01-001-1: no open task: ask for the next one\n"},
		{"pack verified, clock from the order", ModePack, "5901234123457", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_RIGHT, Message: "S2 verified: 1 of 4 items",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_ITEM, OrderId: "O1", Done: 1, Total: 4, Remaining: 3}}, t0.Add(10 * time.Minute),
			"[OK] 5901234123457: S2 verified: 1 of 4 items\n" +
				"  next: scan the items of order O1: 3 to verify (each unit, or one then *N)\n" +
				"  1/4 items done · order O1 · 10m00s left\n"},
		{"weight mismatch rings", ModePack, "weight 1400 g", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_WEIGHT_MISMATCH, Message: "parcel weighs 1400 g, expected 1150 g ± 57 g: check the contents and weigh again",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_WEIGHT, OrderId: "O1", Done: 4, Total: 4}}, time.Time{},
			"\a[WRONG WEIGHT] weight 1400 g: parcel weighs 1400 g, expected 1150 g ± 57 g: check the contents and weigh again\n" +
				"  next: weigh the parcel of order O1 and type =GRAMS (or let the scale send it)\n" +
				"  4/4 items done · order O1\n"},
		{"packed", ModePack, "weight 1170 g", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_TASK_DONE, Message: "packed: 1170 g as expected; documents are printing",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_ORDER}}, time.Time{},
			"[PACKED] weight 1170 g: packed: 1170 g as expected; documents are printing\n" +
				"  next: scan the order barcode on the pick list\n"},
		{"handed off", ModeHandoff, "O1", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_TASK_DONE, Message: "O1 handed off",
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_ORDER}}, time.Time{},
			"[HANDED OFF] O1: O1 handed off\n" +
				"  next: scan the waybill of the parcel the courier takes\n"},
		{"unknown waybill rings", ModeHandoff, "NOPE", &pb.ScanAnswer{Verdict: pb.Verdict_VERDICT_UNKNOWN_BARCODE, Message: `"NOPE" is no waybill we know`,
			Next: &pb.Instruction{Expect: pb.Expect_EXPECT_ORDER}}, time.Time{},
			"\a[UNKNOWN BARCODE] NOPE: \"NOPE\" is no waybill we know\n" +
				"  next: scan the waybill of the parcel the courier takes\n"},
	} {
		if got := renderAnswer(tc.mode, tc.scanned, tc.a, tc.due, t0); got != tc.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

func TestEveryWrongVerdictRings(t *testing.T) {
	for v := range pb.Verdict_name {
		verdict := pb.Verdict(v)
		got := renderAnswer(ModePick, "X", &pb.ScanAnswer{Verdict: verdict, Message: "m"}, time.Time{}, t0)
		var want bool
		switch verdict {
		case pb.Verdict_VERDICT_WRONG_BIN, pb.Verdict_VERDICT_WRONG_ITEM, pb.Verdict_VERDICT_UNKNOWN_BARCODE,
			pb.Verdict_VERDICT_OVER_PICK, pb.Verdict_VERDICT_OUT_OF_SEQUENCE, pb.Verdict_VERDICT_WEIGHT_MISMATCH,
			pb.Verdict_VERDICT_RECOUNT, pb.Verdict_VERDICT_WRONG_TOTE:
			want = true
		}
		if rang := strings.HasPrefix(got, bell); rang != want {
			t.Errorf("%v: bell %v, want %v", verdict, rang, want)
		}
		if strings.Contains(got, "VERDICT_") && verdict != pb.Verdict_VERDICT_UNSPECIFIED {
			t.Errorf("%v shown as a code, not in words: %q", verdict, got)
		}
	}
}

func TestRenderTask(t *testing.T) {
	task := &pb.Task{Id: "T1", Meters: 52.4, ShortestMeters: 48, Strategy: pb.RouteStrategy_ROUTE_STRATEGY_FAMILIAR_FIRST,
		Orders: []*pb.TaskOrder{{OrderId: "O1", Tote: 1, DueAt: timestamppb.New(t0.Add(15 * time.Minute)), AtRisk: true}},
		Stops: []*pb.Stop{
			{Bin: "A-01-001-1", Sku: "S1", Name: "Thermos 500 ml", Quantity: 3, OrderId: "O1", Tote: 1, Familiar: true, CumulativeMeters: 4},
			{Bin: "A-03-009-1", Sku: "S2", Name: "USB-C cable", Quantity: 1, OrderId: "O1", Tote: 1, CumulativeMeters: 30.6, Picked: 1},
		}}
	want := "TASK T1: 2 stops, 52 m walk, familiar bins first (shortest 48 m)\n" +
		"  order O1 → tote 1, due " + t0.Add(15*time.Minute).Local().Format("15:04") + ", 15m00s left, AT RISK\n" +
		"   1. * A-01-001-1   S1       Thermos 500 ml           ×3  tote 1     4 m\n" +
		"   2.   A-03-009-1   S2       USB-C cable              ×1  tote 1    31 m  (picked 1, short 0)\n" +
		"  (* = a bin you know)\n"
	if got := renderTask(task, t0); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	task.Paper = true
	if got := renderTask(task, t0); !strings.Contains(got, "PAPER: the pick list and waybills are printing") {
		t.Errorf("a paper task does not say its sheet is printing:\n%s", got)
	}
	task.Paper = false

	// The first instruction is the first stop with units left.
	task.Stops[0].Picked, task.Stops[1].Picked = 3, 0
	n := taskInstruction(task)
	if n.GetExpect() != pb.Expect_EXPECT_BIN || n.GetStop().GetBin() != "A-03-009-1" || n.GetRemaining() != 1 ||
		n.GetDone() != 1 || n.GetTotal() != 2 || !n.GetDueAt().AsTime().Equal(t0.Add(15*time.Minute)) {
		t.Errorf("taskInstruction = %v", n)
	}
	task.Stops[1].Short = 1
	if n := taskInstruction(task); n.GetExpect() != pb.Expect_EXPECT_NOTHING || n.GetDone() != 2 {
		t.Errorf("taskInstruction of a finished task = %v", n)
	}
}

func TestRenderPendingAndHelp(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{renderPending("A-01-001-1", 2), "… A-01-001-1: PENDING, offline: kept on this device, sent when the link returns (2 pending)\n"},
		{describeScan(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_SHORT, ShortReason: pb.ShortReason_SHORT_REASON_DAMAGED}), "short pick: damaged"},
		{describeScan(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 900}), "weight 900 g"},
		{describeScan(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_NEW_BOX}), "new box"},
		{renderInstruction(ModePack, &pb.Instruction{Expect: pb.Expect_EXPECT_WEIGHT, OrderId: "O1", Box: 1, Remaining: 2}, time.Time{}, time.Time{}),
			"  next: weigh box 1 of order O1 and type =GRAMS (or let the scale send it)\n  order O1\n"},
		{renderInstruction(ModePack, &pb.Instruction{Expect: pb.Expect_EXPECT_ITEM, OrderId: "O1", Box: 2, Remaining: 2}, time.Time{}, time.Time{}),
			"  next: scan the items of order O1 into box 2: 2 to verify (each unit, or one then *N)\n  order O1\n"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for mode, keys := range map[Mode][]string{
		ModePick:    {"*N", "!e", "!d", "!f", "?", "q"},
		ModePack:    {"*N", "=G", "?", "q"},
		ModeHandoff: {"WAYBILL", "?", "q"},
	} {
		help := renderHelp(mode)
		for _, k := range keys {
			if !strings.Contains(help, "  "+k+" ") {
				t.Errorf("%s help lacks %s:\n%s", mode, k, help)
			}
		}
	}
}
