package rpc

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// browser calls procedure over the Connect protocol with JSON, as the
// handheld app's client does, with token (if any) as its bearer token.
func browser[Req, Resp any](e *env, token, procedure string, req *Req) (*Resp, error) {
	c := connect.NewClient[Req, Resp](http.DefaultClient, e.web.URL+procedure, connect.WithProtoJSON())
	r := connect.NewRequest(req)
	if token != "" {
		r.Header().Set("Authorization", "Bearer "+token)
	}
	resp, err := c.CallUnary(context.Background(), r)
	if err != nil {
		return nil, err
	}
	return resp.Msg, nil
}

// browserScan sends one picker's scan through ScanOne over Connect.
func browserScan(t *testing.T, e *env, token string, sc *pb.Scan) *pb.ScanAnswer {
	t.Helper()
	resp, err := browser[pb.ScanOneRequest, pb.ScanOneResponse](e, token, pb.PickService_ScanOne_FullMethodName, &pb.ScanOneRequest{Scan: sc})
	if err != nil {
		t.Fatalf("ScanOne %s: %v", sc.GetScanId(), err)
	}
	return resp.GetAnswer()
}

// connectReason is the ErrorInfo reason of a Connect error.
func connectReason(err error) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return ""
	}
	for _, d := range ce.Details() {
		if v, err := d.Value(); err == nil {
			if info, ok := v.(*errdetails.ErrorInfo); ok {
				return info.GetReason()
			}
		}
	}
	return ""
}

// connectViolations are the fields a Connect error's BadRequest names.
func connectViolations(err error) []string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil
	}
	var fields []string
	for _, d := range ce.Details() {
		if v, err := d.Value(); err == nil {
			if br, ok := v.(*errdetails.BadRequest); ok {
				for _, fv := range br.GetFieldViolations() {
					fields = append(fields, fv.GetField())
				}
			}
		}
	}
	return fields
}

type verdictCase struct {
	sc      *pb.Scan
	verdict pb.Verdict
	reason  string
}

func checkAnswer(t *testing.T, got *pb.ScanAnswer, want verdictCase) {
	t.Helper()
	if got.GetScanId() != want.sc.GetScanId() || got.GetVerdict() != want.verdict || got.GetReason() != want.reason {
		t.Errorf("%s: %s %v %s (%q), want %v %s", want.sc.GetScanId(), got.GetScanId(), got.GetVerdict(), got.GetReason(),
			got.GetMessage(), want.verdict, want.reason)
	}
	if got.GetMessage() == "" {
		t.Errorf("%s: no message for a person", want.sc.GetScanId())
	}
}

// A whole order through the unary scans a browser sends over Connect:
// the stream's verdicts and reasons, each scan id applied once (a re-sent
// one gets its first answer, replayed, on the unary path and on the
// stream alike), then packed with its weight and handed off.
func TestUnaryScansOverConnect(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 2}, &pb.OrderLine{Sku: "S2", Quantity: 1})
	next, err := browser[pb.NextTaskRequest, pb.NextTaskResponse](e, e.tokens[floor.RolePicker], pb.PickService_NextTask_FullMethodName, &pb.NextTaskRequest{})
	if err != nil {
		t.Fatal(err)
	}
	pick := e.tokens[floor.RolePicker]
	for _, c := range []verdictCase{
		{&pb.Scan{ScanId: "u0", Code: toteFor(next.GetTask(), 0)}, pb.Verdict_VERDICT_RIGHT, "TOTE_SET"},
		{&pb.Scan{ScanId: "u1", Code: eanS1}, pb.Verdict_VERDICT_OUT_OF_SEQUENCE, "SCAN_BIN_FIRST"},
		{&pb.Scan{ScanId: "u2", Code: "NOPE-123"}, pb.Verdict_VERDICT_UNKNOWN_BARCODE, "UNKNOWN_BARCODE"},
		{&pb.Scan{ScanId: "u3", Code: "A-02-004-1"}, pb.Verdict_VERDICT_WRONG_BIN, "WRONG_BIN"},
		{&pb.Scan{ScanId: "u4", Code: "A-01-001-1"}, pb.Verdict_VERDICT_RIGHT, "AT_BIN"},
		{&pb.Scan{ScanId: "u5", Code: eanS2}, pb.Verdict_VERDICT_WRONG_ITEM, "WRONG_ITEM"},
		{&pb.Scan{ScanId: "u6", Code: eanS1, Quantity: 3}, pb.Verdict_VERDICT_OVER_PICK, "OVER_PICK"},
		{&pb.Scan{ScanId: "u7", Code: eanS1}, pb.Verdict_VERDICT_RIGHT, "PICKED"},
	} {
		checkAnswer(t, browserScan(t, e, pick, c.sc), c)
	}
	// u7 again, as an outbox replays it after a lost answer: its first
	// answer, and the unit is not taken twice.
	again := browserScan(t, e, pick, &pb.Scan{ScanId: "u7", Code: eanS1})
	if !again.GetReplayed() || again.GetVerdict() != pb.Verdict_VERDICT_RIGHT || again.GetReason() != "PICKED" {
		t.Errorf("u7 re-sent: %v %s replayed=%v, want its first answer replayed", again.GetVerdict(), again.GetReason(), again.GetReplayed())
	}
	if l := e.level(t, "A-01-001-1", "S1"); l.OnHand != 3 || l.Reserved != 1 {
		t.Errorf("S1 after one unit, its scan sent twice: %+v, want 3 on hand, 1 reserved", l)
	}
	// The same scan id on the stream is the same scan.
	p := picker(t, e.as(floor.RolePicker), e.conn, "hh1")
	if a := p.do(&pb.Scan{ScanId: "u7", Code: eanS1}); !a.GetReplayed() || a.GetReason() != "PICKED" {
		t.Errorf("u7 on the stream: %v %s replayed=%v", a.GetVerdict(), a.GetReason(), a.GetReplayed())
	}
	for _, c := range []verdictCase{
		{&pb.Scan{ScanId: "u8", Code: eanS1}, pb.Verdict_VERDICT_LINE_DONE, "LINE_DONE"},
		{&pb.Scan{ScanId: "u9", Code: "A-03-009-1"}, pb.Verdict_VERDICT_RIGHT, "AT_BIN"},
		{&pb.Scan{ScanId: "u10", Code: eanS2}, pb.Verdict_VERDICT_TASK_DONE, "TASK_DONE"},
		{&pb.Scan{ScanId: "u11", Code: "DROP-PS1"}, pb.Verdict_VERDICT_RIGHT, "DROPPED_OFF"},
	} {
		checkAnswer(t, browserScan(t, e, pick, c.sc), c)
	}
	if l := e.level(t, "A-01-001-1", "S1"); l.OnHand != 2 || l.Reserved != 0 {
		t.Errorf("S1 after the task: %+v, want 2 on hand", l)
	}

	pack := e.tokens[floor.RolePacker]
	packOne := func(sc *pb.Scan) *pb.ScanAnswer {
		resp, err := browser[pb.PackOneRequest, pb.PackOneResponse](e, pack, pb.PackService_PackOne_FullMethodName, &pb.PackOneRequest{Scan: sc})
		if err != nil {
			t.Fatalf("PackOne %s: %v", sc.GetScanId(), err)
		}
		return resp.GetAnswer()
	}
	for _, c := range []verdictCase{
		{&pb.Scan{ScanId: "k1", Code: "O1"}, pb.Verdict_VERDICT_RIGHT, "ORDER_OPEN"},
		{&pb.Scan{ScanId: "k2", Code: eanS2}, pb.Verdict_VERDICT_RIGHT, "VERIFIED"},
		{&pb.Scan{ScanId: "k3", Code: eanS1, Quantity: 2}, pb.Verdict_VERDICT_LINE_DONE, "ITEMS_VERIFIED"},
		{&pb.Scan{ScanId: "k4", Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 1400}, pb.Verdict_VERDICT_WEIGHT_MISMATCH, "WEIGHT_MISMATCH"},
		// 2 × 350 g + 40 g + 60 g packaging = 800 g.
		{&pb.Scan{ScanId: "k5", Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 810}, pb.Verdict_VERDICT_TASK_DONE, "PACKED"},
	} {
		checkAnswer(t, packOne(c.sc), c)
	}
	if a := packOne(&pb.Scan{ScanId: "k5", Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 810}); !a.GetReplayed() || a.GetReason() != "PACKED" {
		t.Errorf("k5 re-sent: %v %s replayed=%v", a.GetVerdict(), a.GetReason(), a.GetReplayed())
	}
	if jobs, err := e.store.PrintJobs(false); err != nil || len(jobs) != 1 {
		t.Errorf("print jobs after packing once, its last scan sent twice: %d, %v; want 1", len(jobs), err)
	}

	o, err := e.store.Order("O1")
	if err != nil {
		t.Fatal(err)
	}
	handoffOne := func(sc *pb.Scan) *pb.ScanAnswer {
		resp, err := browser[pb.HandoffOneRequest, pb.HandoffOneResponse](e, pack, pb.PackService_HandoffOne_FullMethodName, &pb.HandoffOneRequest{Scan: sc})
		if err != nil {
			t.Fatalf("HandoffOne %s: %v", sc.GetScanId(), err)
		}
		return resp.GetAnswer()
	}
	for _, c := range []verdictCase{
		{&pb.Scan{ScanId: "h1", Code: "NOT-A-WAYBILL"}, pb.Verdict_VERDICT_UNKNOWN_BARCODE, "UNKNOWN_WAYBILL"},
		{&pb.Scan{ScanId: "h2", Code: o.Tracking}, pb.Verdict_VERDICT_TASK_DONE, "HANDED_OFF"},
		{&pb.Scan{ScanId: "h3", Code: o.Tracking}, pb.Verdict_VERDICT_NOTHING_OPEN, "ALREADY_HANDED_OFF"},
	} {
		checkAnswer(t, handoffOne(c.sc), c)
	}
	if a := handoffOne(&pb.Scan{ScanId: "h2", Code: o.Tracking}); !a.GetReplayed() || a.GetReason() != "HANDED_OFF" {
		t.Errorf("h2 re-sent: %v %s replayed=%v", a.GetVerdict(), a.GetReason(), a.GetReplayed())
	}
	if got := e.state(t, "O1"); got != pb.OrderState_ORDER_STATE_HANDED_OFF {
		t.Errorf("O1 at the end: %v", got)
	}
}
