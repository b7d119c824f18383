package rpc

import (
	"context"
	"errors"
	"io"
	"unicode/utf8"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// Limits of one scan.
const (
	maxCodeLen     = 128
	maxScanUnits   = 10000
	maxParcelGrams = 1_000_000
)

var actions = map[pb.ScanAction]floor.ScanAction{
	pb.ScanAction_SCAN_ACTION_UNSPECIFIED: floor.ActionCode,
	pb.ScanAction_SCAN_ACTION_QUANTITY:    floor.ActionQuantity,
	pb.ScanAction_SCAN_ACTION_SHORT:       floor.ActionShort,
	pb.ScanAction_SCAN_ACTION_WEIGHT:      floor.ActionWeight,
	pb.ScanAction_SCAN_ACTION_POSTPONE:    floor.ActionPostpone,
	pb.ScanAction_SCAN_ACTION_NEW_BOX:     floor.ActionNewBox,
}

var shortReasons = map[pb.ShortReason]floor.ShortReason{
	pb.ShortReason_SHORT_REASON_EMPTY_BIN:   floor.ShortEmptyBin,
	pb.ShortReason_SHORT_REASON_DAMAGED:     floor.ShortDamaged,
	pb.ShortReason_SHORT_REASON_CANNOT_FIND: floor.ShortCannotFind,
}

// scanFromProto validates a scan. A malformed scan ends the stream with
// InvalidArgument: it is a device bug, and answering it with a verdict would
// hide that.
func scanFromProto(p *pb.Scan) (floor.Scan, error) {
	var vs floor.Violations
	sc := checkScan(&vs, p, &streamScanFields)
	if err := vs.Err("scan"); err != nil {
		// Name the scan, so a device can set that one aside and go on;
		// an id too long to be one is not echoed.
		fe := err.(*floor.Error)
		fe.Reason, fe.Meta = "MALFORMED_SCAN", map[string]string{}
		if id := p.GetScanId(); len(id) <= floor.MaxIDLen {
			fe.Meta["scan_id"] = id
		}
		return sc, fe
	}
	return sc, nil
}

// scanFields names each of a scan's fields in the request that carried it:
// the streams carry a scan message, while the inventory RPCs have the
// scan's fields in the request itself. The names are fixed strings, so a
// good scan costs no allocation for them.
type scanFields struct {
	id, action, deviceTime, code, quantity, shortReason, weight string
}

var (
	streamScanFields  = scanFields{"scan.scan_id", "scan.action", "scan.device_time", "scan.code", "scan.quantity", "scan.short_reason", "scan.weight_g"}
	requestScanFields = scanFields{"scan_id", "action", "device_time", "code", "quantity", "short_reason", "weight_g"}
)

// checkScan converts a scan, adding to vs a violation of each rule it
// breaks under the names in f, so that every scan is held to the same
// rules under the names its client sent.
func checkScan(vs *floor.Violations, p *pb.Scan, f *scanFields) floor.Scan {
	floor.IDScan.Check(vs, f.id, p.GetScanId())
	action, ok := actions[p.GetAction()]
	if !ok {
		vs.Add(f.action, "unknown action %v", p.GetAction())
	}
	sc := floor.Scan{ID: p.GetScanId(), Code: p.GetCode(), Action: action, Quantity: p.GetQuantity(), WeightG: p.GetWeightG()}
	if p.GetDeviceTime() != nil {
		if err := p.GetDeviceTime().CheckValid(); err != nil {
			vs.Add(f.deviceTime, "%v", err)
		}
		sc.DeviceTime = p.GetDeviceTime().AsTime()
	}
	// A code scan is its code; the other actions need none, but one sent
	// is checked all the same.
	if action == floor.ActionCode || sc.Code != "" {
		codeField(vs, f.code, sc.Code)
	}
	if sc.Quantity < 0 || sc.Quantity > maxScanUnits {
		vs.Add(f.quantity, "want 0 to %d, got %d", maxScanUnits, sc.Quantity)
	}
	switch action {
	case floor.ActionQuantity:
		if sc.Quantity == 0 {
			vs.Add(f.quantity, "required with SCAN_ACTION_QUANTITY")
		}
	case floor.ActionShort:
		if sc.ShortReason, ok = shortReasons[p.GetShortReason()]; !ok {
			vs.Add(f.shortReason, "required with SCAN_ACTION_SHORT: empty bin, damaged or cannot find")
		}
	case floor.ActionWeight:
		if sc.WeightG <= 0 || sc.WeightG > maxParcelGrams {
			vs.Add(f.weight, "want 1 to %d grams, got %d", maxParcelGrams, sc.WeightG)
		}
	}
	return sc
}

// codeField checks a scanned code: present, short, UTF-8.
func codeField(vs *floor.Violations, field, code string) {
	switch {
	case code == "":
		vs.Add(field, "required")
	case len(code) > maxCodeLen:
		vs.Add(field, "longer than %d bytes", maxCodeLen)
	case !utf8.ValidString(code):
		vs.Add(field, "not valid UTF-8")
	}
}

var verdicts = map[floor.Verdict]pb.Verdict{
	floor.VerdictRight:          pb.Verdict_VERDICT_RIGHT,
	floor.VerdictWrongBin:       pb.Verdict_VERDICT_WRONG_BIN,
	floor.VerdictWrongItem:      pb.Verdict_VERDICT_WRONG_ITEM,
	floor.VerdictUnknownBarcode: pb.Verdict_VERDICT_UNKNOWN_BARCODE,
	floor.VerdictOverPick:       pb.Verdict_VERDICT_OVER_PICK,
	floor.VerdictLineDone:       pb.Verdict_VERDICT_LINE_DONE,
	floor.VerdictTaskDone:       pb.Verdict_VERDICT_TASK_DONE,
	floor.VerdictShortRecorded:  pb.Verdict_VERDICT_SHORT_RECORDED,
	floor.VerdictOutOfSequence:  pb.Verdict_VERDICT_OUT_OF_SEQUENCE,
	floor.VerdictWeightMismatch: pb.Verdict_VERDICT_WEIGHT_MISMATCH,
	floor.VerdictNothingOpen:    pb.Verdict_VERDICT_NOTHING_OPEN,
	floor.VerdictDiscrepancy:    pb.Verdict_VERDICT_DISCREPANCY,
	floor.VerdictRecount:        pb.Verdict_VERDICT_RECOUNT,
	floor.VerdictWrongTote:      pb.Verdict_VERDICT_WRONG_TOTE,
}

var expects = map[floor.Expect]pb.Expect{
	floor.ExpectBin:     pb.Expect_EXPECT_BIN,
	floor.ExpectItem:    pb.Expect_EXPECT_ITEM,
	floor.ExpectWeight:  pb.Expect_EXPECT_WEIGHT,
	floor.ExpectOrder:   pb.Expect_EXPECT_ORDER,
	floor.ExpectNothing: pb.Expect_EXPECT_NOTHING,
	floor.ExpectTote:    pb.Expect_EXPECT_TOTE,
	floor.ExpectDropOff: pb.Expect_EXPECT_DROP_OFF,
}

func instructionToProto(n floor.Instruction) *pb.Instruction {
	next := &pb.Instruction{Expect: expects[n.Expect], Remaining: n.Remaining, TaskId: n.TaskID, OrderId: n.OrderID,
		Done: int32(n.Done), Total: int32(n.Total), DueAt: ts(n.DueAt), Box: int32(n.Box), Tote: int32(n.Tote)}
	if n.Stop != nil {
		next.Stop = stopToProto(*n.Stop)
	}
	for _, l := range n.Lines {
		next.PackLines = append(next.PackLines, &pb.PackLine{Sku: l.SKU, Name: l.Name, Quantity: l.Quantity, Verified: l.Verified})
	}
	return next
}

func answerToProto(a floor.Answer) *pb.ScanAnswer {
	return &pb.ScanAnswer{ScanId: a.ScanID, Verdict: verdicts[a.Verdict], Reason: a.Reason, Message: a.Message,
		Next: instructionToProto(a.Next), Replayed: a.Replayed}
}

// scanLoop answers a stream's scans one by one, in order, each after apply
// has made it durable. It ends as soon as ctx does (the token was revoked,
// a newer stream of the user took this one's place), even while waiting
// for a scan, with ctx's cause; a scan received after that is not applied.
func scanLoop[Req interface{ GetScan() *pb.Scan }](ctx context.Context, recv func() (Req, error),
	send func(*pb.ScanAnswer) error, apply func(floor.Scan) (floor.Answer, error)) error {
	type received struct {
		req Req
		err error
	}
	// Recv blocks until a scan comes and knows nothing of ctx, so it runs
	// on its own; once the handler returns, gRPC ends the stream and Recv
	// returns.
	in := make(chan received)
	go func() {
		for {
			req, err := recv()
			select {
			case in <- received{req, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		var r received
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case r = <-in:
		}
		if ctx.Err() != nil {
			return context.Cause(ctx) // both were ready: the end wins
		}
		if errors.Is(r.err, io.EOF) {
			return nil
		}
		if r.err != nil {
			return r.err
		}
		ans, err := answerScan(r.req.GetScan(), apply)
		if err != nil {
			return err
		}
		if err := send(ans); err != nil {
			return err
		}
	}
}

// answerScan is one step of every scan path, stream or unary: it checks
// the scan, has apply make it durable (apply answers a scan id seen before
// with its first answer) and converts the answer. The stream and unary
// forms of a service differ only in how the scan arrives.
func answerScan(p *pb.Scan, apply func(floor.Scan) (floor.Answer, error)) (*pb.ScanAnswer, error) {
	sc, err := scanFromProto(p)
	if err != nil {
		return nil, err
	}
	ans, err := apply(sc)
	if err != nil {
		return nil, err
	}
	return answerToProto(ans), nil
}

// Scan serves a picker's handheld.
func (s pickService) Scan(stream pb.PickService_ScanServer) error {
	return scanLoop(stream.Context(), stream.Recv,
		func(a *pb.ScanAnswer) error { return stream.Send(&pb.ScanResponse{Answer: a}) },
		s.applyPick(caller(stream.Context()).Name))
}

// ScanOne serves one scan of a browser handheld the way Scan serves a
// stream's.
func (s pickService) ScanOne(ctx context.Context, req *pb.ScanOneRequest) (*pb.ScanOneResponse, error) {
	ans, err := answerScan(req.GetScan(), s.applyPick(caller(ctx).Name))
	if err != nil {
		return nil, err
	}
	return &pb.ScanOneResponse{Answer: ans}, nil
}

func (s pickService) applyPick(picker string) func(floor.Scan) (floor.Answer, error) {
	return func(sc floor.Scan) (floor.Answer, error) { return s.store.PickScan(picker, sc) }
}

type packService struct {
	*Server
	pb.UnimplementedPackServiceServer
}

// Pack serves a pack station.
func (s packService) Pack(stream pb.PackService_PackServer) error {
	return scanLoop(stream.Context(), stream.Recv,
		func(a *pb.ScanAnswer) error { return stream.Send(&pb.PackResponse{Answer: a}) },
		s.applyPack(caller(stream.Context()).Name))
}

// PackOne serves one scan of a browser pack station the way Pack serves a
// stream's.
func (s packService) PackOne(ctx context.Context, req *pb.PackOneRequest) (*pb.PackOneResponse, error) {
	ans, err := answerScan(req.GetScan(), s.applyPack(caller(ctx).Name))
	if err != nil {
		return nil, err
	}
	return &pb.PackOneResponse{Answer: ans}, nil
}

// applyPack applies a packer's scan; a parcel packed by it (not by a
// replay) has queued its documents, so the printer is woken.
func (s packService) applyPack(packer string) func(floor.Scan) (floor.Answer, error) {
	return func(sc floor.Scan) (floor.Answer, error) {
		ans, err := s.store.PackScan(packer, sc)
		if err == nil && ans.Reason == "PACKED" && !ans.Replayed {
			s.printed()
		}
		return ans, err
	}
}

// Handoff serves the handoff scanner.
func (s packService) Handoff(stream pb.PackService_HandoffServer) error {
	return scanLoop(stream.Context(), stream.Recv,
		func(a *pb.ScanAnswer) error { return stream.Send(&pb.HandoffResponse{Answer: a}) },
		s.applyHandoff(caller(stream.Context()).Name))
}

// HandoffOne serves one waybill scan of a browser the way Handoff serves
// a stream's.
func (s packService) HandoffOne(ctx context.Context, req *pb.HandoffOneRequest) (*pb.HandoffOneResponse, error) {
	ans, err := answerScan(req.GetScan(), s.applyHandoff(caller(ctx).Name))
	if err != nil {
		return nil, err
	}
	return &pb.HandoffOneResponse{Answer: ans}, nil
}

func (s packService) applyHandoff(user string) func(floor.Scan) (floor.Answer, error) {
	return func(sc floor.Scan) (floor.Answer, error) { return s.store.Handoff(user, sc) }
}

var printStates = map[floor.PrintState]pb.PrintJobState{
	floor.PrintQueued:  pb.PrintJobState_PRINT_JOB_STATE_QUEUED,
	floor.PrintSending: pb.PrintJobState_PRINT_JOB_STATE_SENDING,
	floor.PrintSent:    pb.PrintJobState_PRINT_JOB_STATE_SENT,
	floor.PrintUnknown: pb.PrintJobState_PRINT_JOB_STATE_UNKNOWN,
}

func printJobToProto(j floor.PrintJob) *pb.PrintJob {
	return &pb.PrintJob{Id: j.ID, OrderId: j.OrderID, TaskId: j.TaskID, Station: j.Station, State: printStates[j.State],
		Attempts: int32(j.Attempts), LastError: j.LastError, Reprint: j.Reprint, CreatedAt: ts(j.CreatedAt), SentAt: ts(j.SentAt)}
}

// Reprint queues an order's documents again: a packer's at their own
// station, a supervisor's where they say or where they printed last.
func (s packService) Reprint(ctx context.Context, req *pb.ReprintRequest) (*pb.ReprintResponse, error) {
	const op = "reprint"
	by := caller(ctx)
	var vs floor.Violations
	floor.IDOrder.Check(&vs, "order_id", req.GetOrderId())
	station := req.GetStation()
	if station != "" {
		floor.IDUser.Check(&vs, "station", station)
	}
	floor.CheckText(&vs, "reason", req.GetReason(), floor.MaxReasonLen)
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	if by.Role == floor.RolePacker {
		if station != "" && station != by.Name {
			return nil, &floor.Error{Op: op, Kind: floor.KindPermission, Reason: "NOT_YOUR_STATION",
				Msg: "a packer reprints at their own station: leave station empty"}
		}
		station = by.Name
	}
	j, err := s.store.Reprint(by, req.GetOrderId(), station, req.GetReason())
	if err != nil {
		return nil, err
	}
	s.printed()
	return &pb.ReprintResponse{Job: printJobToProto(j)}, nil
}

// ListPrintJobs shows the print queue.
func (s packService) ListPrintJobs(_ context.Context, req *pb.ListPrintJobsRequest) (*pb.ListPrintJobsResponse, error) {
	jobs, err := s.store.PrintJobs(!req.GetIncludeSent())
	if err != nil {
		return nil, err
	}
	resp := &pb.ListPrintJobsResponse{}
	for _, j := range jobs {
		resp.Jobs = append(resp.Jobs, printJobToProto(j))
	}
	return resp, nil
}
