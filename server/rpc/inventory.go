package rpc

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

type inventoryService struct {
	pb.UnimplementedInventoryServiceServer
	*Server
}

// scanRequest is a stock-moving request: one scan of a code, in fields of
// the request's own.
type scanRequest interface {
	GetScanId() string
	GetDeviceTime() *timestamppb.Timestamp
	GetCode() string
	GetQuantity() int64
}

// inventoryScan validates the scan of a stock-moving request by the rules
// of every scan (checkScan), under the request's field names.
func inventoryScan(vs *floor.Violations, req scanRequest) floor.Scan {
	p := &pb.Scan{ScanId: req.GetScanId(), DeviceTime: req.GetDeviceTime(), Code: req.GetCode(), Quantity: req.GetQuantity()}
	return checkScan(vs, p, &requestScanFields)
}

// countScanFields names a count's scan: its scanned code is the bin it counts.
var countScanFields = func() scanFields {
	f := requestScanFields
	f.code = "bin"
	return f
}()

func inventoryAnswer(a floor.Answer) *pb.InventoryAnswer {
	return &pb.InventoryAnswer{ScanId: a.ScanID, Verdict: verdicts[a.Verdict], Reason: a.Reason, Message: a.Message, Replayed: a.Replayed}
}

var deliveryKinds = map[pb.DeliveryKind]floor.DeliveryKind{
	pb.DeliveryKind_DELIVERY_KIND_PURCHASE_ORDER: floor.DeliveryPurchaseOrder,
	pb.DeliveryKind_DELIVERY_KIND_ADVANCE_NOTICE: floor.DeliveryAdvanceNotice,
}

func deliveryLineToProto(l floor.DeliveryLine) *pb.DeliveryLine {
	return &pb.DeliveryLine{Sku: l.SKU, Expected: l.Expected, Received: l.Received, Damaged: l.Damaged, Discrepancy: l.Discrepancy()}
}

func deliveryToProto(d floor.Delivery) *pb.Delivery {
	out := &pb.Delivery{Id: d.ID, Supplier: d.Supplier, ExpectedAt: ts(d.ExpectedAt), CreatedAt: ts(d.Created), ClosedAt: ts(d.Closed)}
	out.Kind, _ = keyOf(deliveryKinds, d.Kind)
	for _, l := range d.Lines {
		out.Lines = append(out.Lines, deliveryLineToProto(l))
	}
	return out
}

func (s inventoryService) ExpectDelivery(_ context.Context, req *pb.ExpectDeliveryRequest) (*pb.ExpectDeliveryResponse, error) {
	p := req.GetDelivery()
	if err := p.GetExpectedAt().CheckValid(); p.GetExpectedAt() != nil && err != nil {
		return nil, floor.Invalid("expect delivery", []floor.Violation{{Field: "delivery.expected_at", Description: err.Error()}})
	}
	// The rest is checked once, by floor.Delivery.Validate in the store.
	d := floor.Delivery{ID: p.GetId(), Kind: deliveryKinds[p.GetKind()], Supplier: p.GetSupplier(), ExpectedAt: timeOrZero(p.GetExpectedAt())}
	for _, l := range p.GetLines() {
		d.Lines = append(d.Lines, floor.DeliveryLine{SKU: l.GetSku(), Expected: l.GetExpected()})
	}
	d, err := s.store.ExpectDelivery(d)
	if err != nil {
		return nil, prefixViolations(err, "delivery.")
	}
	return &pb.ExpectDeliveryResponse{Delivery: deliveryToProto(d)}, nil
}

func (s inventoryService) GetDelivery(_ context.Context, req *pb.GetDeliveryRequest) (*pb.GetDeliveryResponse, error) {
	var vs floor.Violations
	floor.IDDelivery.Check(&vs, "id", req.GetId())
	if err := vs.Err("get delivery"); err != nil {
		return nil, err
	}
	d, err := s.store.Delivery(req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetDeliveryResponse{Delivery: deliveryToProto(d)}, nil
}

func (s inventoryService) Receive(ctx context.Context, req *pb.ReceiveRequest) (*pb.ReceiveResponse, error) {
	var vs floor.Violations
	sc := inventoryScan(&vs, req)
	floor.IDDelivery.Check(&vs, "delivery_id", req.GetDeliveryId())
	if req.GetDamaged() < 0 || req.GetDamaged() > maxScanUnits {
		vs.Add("damaged", "want 0 to %d, got %d", maxScanUnits, req.GetDamaged())
	}
	if err := vs.Err("receive"); err != nil {
		return nil, err
	}
	ans, line, err := s.store.Receive(caller(ctx).Name, req.GetDeliveryId(), sc, req.GetDamaged())
	if err != nil {
		return nil, err
	}
	resp := &pb.ReceiveResponse{Answer: inventoryAnswer(ans), Line: deliveryLineToProto(line)}
	if line.SKU != "" {
		if adv, err := s.store.SuggestBin(line.SKU); err == nil {
			resp.PutAway = &pb.SuggestBinResponse{Sku: adv.SKU, Bin: adv.Bin, Reason: adv.Reason, AtDock: adv.AtDock}
		}
	}
	return resp, nil
}

func (s inventoryService) CloseDelivery(_ context.Context, req *pb.CloseDeliveryRequest) (*pb.CloseDeliveryResponse, error) {
	var vs floor.Violations
	floor.IDDelivery.Check(&vs, "id", req.GetId())
	if err := vs.Err("close delivery"); err != nil {
		return nil, err
	}
	d, off, err := s.store.CloseDelivery(req.GetId())
	if err != nil {
		return nil, err
	}
	resp := &pb.CloseDeliveryResponse{Delivery: deliveryToProto(d)}
	for _, l := range off {
		resp.Discrepancies = append(resp.Discrepancies, deliveryLineToProto(l))
	}
	return resp, nil
}

func (s inventoryService) SuggestBin(_ context.Context, req *pb.SuggestBinRequest) (*pb.SuggestBinResponse, error) {
	var vs floor.Violations
	codeField(&vs, "code", req.GetCode())
	if err := vs.Err("suggest bin"); err != nil {
		return nil, err
	}
	adv, err := s.store.SuggestBin(req.GetCode())
	if err != nil {
		return nil, err
	}
	return &pb.SuggestBinResponse{Sku: adv.SKU, Bin: adv.Bin, Reason: adv.Reason, AtDock: adv.AtDock}, nil
}

func (s inventoryService) PutAway(ctx context.Context, req *pb.PutAwayRequest) (*pb.PutAwayResponse, error) {
	var vs floor.Violations
	sc := inventoryScan(&vs, req)
	codeField(&vs, "bin", req.GetBin())
	if err := vs.Err("put away"); err != nil {
		return nil, err
	}
	ans, left, err := s.store.PutAway(caller(ctx).Name, req.GetBin(), sc)
	if err != nil {
		return nil, err
	}
	return &pb.PutAwayResponse{Answer: inventoryAnswer(ans), AtDock: left}, nil
}

func (s inventoryService) Transfer(ctx context.Context, req *pb.TransferRequest) (*pb.TransferResponse, error) {
	var vs floor.Violations
	sc := inventoryScan(&vs, req)
	codeField(&vs, "from_bin", req.GetFromBin())
	codeField(&vs, "to_bin", req.GetToBin())
	if err := vs.Err("transfer"); err != nil {
		return nil, err
	}
	ans, err := s.store.Transfer(caller(ctx).Name, req.GetFromBin(), req.GetToBin(), sc)
	if err != nil {
		return nil, err
	}
	return &pb.TransferResponse{Answer: inventoryAnswer(ans)}, nil
}

func countTaskToProto(t floor.CountTask) *pb.CountTask {
	return &pb.CountTask{Bin: t.Bin, Reason: t.Reason, CreatedAt: ts(t.Created), StartedAt: ts(t.Started), Attempts: int32(len(t.Attempts))}
}

func countTasksToProto(ts []floor.CountTask) []*pb.CountTask {
	out := make([]*pb.CountTask, len(ts))
	for i, t := range ts {
		out[i] = countTaskToProto(t)
	}
	return out
}

func (s inventoryService) CreateCountTasks(ctx context.Context, req *pb.CreateCountTasksRequest) (*pb.CreateCountTasksResponse, error) {
	var vs floor.Violations
	if len(req.GetBins()) == 0 && req.GetPrefix() == "" {
		vs.Add("bins", "name bins, or a prefix of bin codes")
	}
	for i, b := range req.GetBins() {
		codeField(&vs, fmt.Sprintf("bins[%d]", i), b)
	}
	if p := req.GetPrefix(); len(p) > maxCodeLen {
		vs.Add("prefix", "%d bytes, at most %d", len(p), maxCodeLen)
	}
	floor.CheckText(&vs, "reason", req.GetReason(), floor.MaxReasonLen)
	if err := vs.Err("create count tasks"); err != nil {
		return nil, err
	}
	tasks, err := s.store.CreateCountTasks(caller(ctx).Name, req.GetBins(), req.GetPrefix(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &pb.CreateCountTasksResponse{Tasks: countTasksToProto(tasks)}, nil
}

func (s inventoryService) ListCountTasks(context.Context, *pb.ListCountTasksRequest) (*pb.ListCountTasksResponse, error) {
	tasks, err := s.store.CountTasks()
	if err != nil {
		return nil, err
	}
	return &pb.ListCountTasksResponse{Tasks: countTasksToProto(tasks)}, nil
}

func (s inventoryService) StartCount(ctx context.Context, req *pb.StartCountRequest) (*pb.StartCountResponse, error) {
	var vs floor.Violations
	codeField(&vs, "bin", req.GetBin())
	if err := vs.Err("start count"); err != nil {
		return nil, err
	}
	t, err := s.store.StartCount(caller(ctx).Name, req.GetBin())
	if err != nil {
		return nil, err
	}
	return &pb.StartCountResponse{Task: countTaskToProto(t)}, nil
}

func (s inventoryService) SubmitCount(ctx context.Context, req *pb.SubmitCountRequest) (*pb.SubmitCountResponse, error) {
	var vs floor.Violations
	sc := checkScan(&vs, &pb.Scan{ScanId: req.GetScanId(), DeviceTime: req.GetDeviceTime(), Code: req.GetBin()}, &countScanFields)
	found := map[string]int64{}
	for i, it := range req.GetItems() {
		field := fmt.Sprintf("items[%d]", i)
		codeField(&vs, field+".code", it.GetCode())
		if it.GetQuantity() < 0 || it.GetQuantity() > maxScanUnits {
			vs.Add(field+".quantity", "want 0 to %d, got %d", maxScanUnits, it.GetQuantity())
		}
		found[it.GetCode()] += it.GetQuantity()
	}
	if err := vs.Err("submit count"); err != nil {
		return nil, err
	}
	res, err := s.store.SubmitCount(caller(ctx).Name, req.GetBin(), sc, found)
	if err != nil {
		return nil, err
	}
	resp := &pb.SubmitCountResponse{Answer: inventoryAnswer(res.Answer), Done: res.Done}
	for _, l := range res.Lines {
		resp.Lines = append(resp.Lines, &pb.CountLine{Sku: l.SKU, System: l.System, Reserved: l.Reserved, Counted: l.Counted})
	}
	return resp, nil
}

func (s inventoryService) SetSlots(ctx context.Context, req *pb.SetSlotsRequest) (*pb.SetSlotsResponse, error) {
	var slots []floor.Slot
	if len(req.GetCsv()) > 0 {
		var err error
		if slots, err = floor.ParseSlotsCSV(req.GetCsv()); err != nil {
			return nil, prefixViolations(err, "csv: ")
		}
		for i := range slots {
			slots[i].At = "csv: " + slots[i].At
		}
	}
	for i, p := range req.GetSlots() {
		slots = append(slots, floor.Slot{Bin: p.GetBin(), SKU: p.GetSku(), Min: p.GetMin(), Max: p.GetMax(), At: fmt.Sprintf("slots[%d]", i)})
	}
	if len(slots) == 0 { // replacing every slot with none is a mistake more often than a wish
		return nil, floor.Invalid("set slots", []floor.Violation{{Field: "slots", Description: "no slots given (in slots or csv)"}})
	}
	if err := s.store.SetSlotsContext(ctx, slots, false); err != nil {
		return nil, err
	}
	return &pb.SetSlotsResponse{Slots: int32(len(slots))}, nil
}

func (s inventoryService) ListMoveTasks(context.Context, *pb.ListMoveTasksRequest) (*pb.ListMoveTasksResponse, error) {
	tasks, err := s.store.MoveTasks()
	if err != nil {
		return nil, err
	}
	resp := &pb.ListMoveTasksResponse{}
	for _, t := range tasks {
		resp.Tasks = append(resp.Tasks, &pb.MoveTask{Sku: t.SKU, FromBin: t.From, ToBin: t.To, Units: t.Units, Reason: t.Reason})
	}
	return resp, nil
}

func (s inventoryService) SetSupply(ctx context.Context, req *pb.SetSupplyRequest) (*pb.SetSupplyResponse, error) {
	var supply []floor.Supply
	if len(req.GetCsv()) > 0 {
		var err error
		if supply, err = floor.ParseSupplyCSV(req.GetCsv()); err != nil {
			return nil, prefixViolations(err, "csv: ")
		}
		for i := range supply {
			supply[i].At = "csv: " + supply[i].At
		}
	}
	for i, p := range req.GetSupply() {
		supply = append(supply, floor.Supply{SKU: p.GetSku(), Supplier: p.GetSupplier(), LeadTimeDays: int(p.GetLeadTimeDays()),
			SafetyStock: p.GetSafetyStock(), MinOrder: p.GetMinOrder(), At: fmt.Sprintf("supply[%d]", i)})
	}
	if len(supply) == 0 {
		return nil, floor.Invalid("set supply", []floor.Violation{{Field: "supply", Description: "no SKUs given"}})
	}
	if err := s.store.SetSupplyContext(ctx, supply, false); err != nil {
		return nil, err
	}
	return &pb.SetSupplyResponse{Skus: int32(len(supply))}, nil
}

// purchasePolicy reads a request's policy: fields left at zero take the
// defaults (proto3 cannot tell zero from unset).
func purchasePolicy(salesDays, reviewDays int32, vs *floor.Violations) floor.PurchasePolicy {
	pol := floor.DefaultPurchasePolicy
	if salesDays != 0 {
		pol.SalesDays = int(salesDays)
	}
	if reviewDays != 0 {
		pol.ReviewDays = int(reviewDays)
	}
	pol.Validate(vs)
	return pol
}

func (s inventoryService) PurchaseSuggestions(_ context.Context, req *pb.PurchaseSuggestionsRequest) (*pb.PurchaseSuggestionsResponse, error) {
	var vs floor.Violations
	pol := purchasePolicy(req.GetSalesDays(), req.GetReviewDays(), &vs)
	if err := vs.Err("purchase suggestions"); err != nil {
		return nil, err
	}
	got, asOf, err := s.store.PurchaseSuggestions(pol)
	if err != nil {
		return nil, err
	}
	resp := &pb.PurchaseSuggestionsResponse{AsOf: ts(asOf)}
	for _, g := range got {
		if req.GetOnlyToOrder() && g.Suggested == 0 {
			continue
		}
		resp.Suggestions = append(resp.Suggestions, &pb.PurchaseSuggestion{Sku: g.StockPosition.SKU, Supplier: g.Supplier,
			OnHand: g.OnHand, Reserved: g.Reserved, OnOrder: g.OnOrder, Sold: g.Sold, DailySales: g.DailySales,
			LeadTimeDays: int32(g.LeadTimeDays), SafetyStock: g.SafetyStock, ReorderPoint: g.ReorderPoint,
			Suggested: g.Suggested, RunsOut: ts(g.RunsOut), Reason: g.Reason})
	}
	return resp, nil
}

func (s inventoryService) History(_ context.Context, req *pb.HistoryRequest) (*pb.HistoryResponse, error) {
	var vs floor.Violations
	limit, after := page(req.GetPageSize(), req.GetPageToken(), &vs)
	if req.GetPageSize() == 0 {
		limit = maxPageSize
	}
	var seq uint64
	if after != "" {
		var err error
		if seq, err = strconv.ParseUint(after, 10, 64); err != nil {
			vs.Add("page_token", "not a token from a previous response")
		}
	}
	for _, f := range []struct {
		name string
		t    *timestamppb.Timestamp
	}{{"from", req.GetFrom()}, {"to", req.GetTo()}} {
		if err := f.t.CheckValid(); f.t != nil && err != nil {
			vs.Add(f.name, "%v", err)
		}
	}
	from, to := timeOrZero(req.GetFrom()), timeOrZero(req.GetTo())
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		vs.Add("to", "must be after from (%s), got %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if err := vs.Err("history"); err != nil {
		return nil, err
	}
	ms, next, err := s.store.History(from, to, seq, limit)
	if err != nil {
		return nil, err
	}
	resp := &pb.HistoryResponse{}
	if next != 0 {
		resp.NextPageToken = pageToken(strconv.FormatUint(next, 10))
	}
	for _, m := range ms {
		resp.Movements = append(resp.Movements, &pb.Movement{Seq: m.Seq, At: ts(m.At), User: m.User, Kind: m.Kind.String(),
			Bin: m.Bin, Sku: m.SKU, Units: m.Units, Ref: m.Ref, Note: m.Note})
	}
	return resp, nil
}
