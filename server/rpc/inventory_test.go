package rpc

import (
	"slices"

	"context"
	"fmt"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// clerk makes inventory requests with scan ids of its own.
type clerk struct {
	t   *testing.T
	ctx context.Context
	inv pb.InventoryServiceClient
	id  string
	n   int
}

func (e *env) clerk(t *testing.T, role floor.Role, id string) *clerk {
	return &clerk{t: t, ctx: e.as(role), inv: pb.NewInventoryServiceClient(e.conn), id: id}
}

func (c *clerk) scanID() string { c.n++; return fmt.Sprintf("%s-%d", c.id, c.n) }

func wantInv(t *testing.T, a *pb.InventoryAnswer, err error, reason string) {
	t.Helper()
	if err != nil {
		t.Fatalf("want %s, got %v", reason, err)
	}
	if a.GetReason() != reason || a.GetMessage() == "" {
		t.Fatalf("got %v %s (%q), want %s", a.GetVerdict(), a.GetReason(), a.GetMessage(), reason)
	}
}

func (c *clerk) receive(po, code string, n, damaged int64) (*pb.ReceiveResponse, error) {
	return c.inv.Receive(c.ctx, &pb.ReceiveRequest{ScanId: c.scanID(), DeliveryId: po, Code: code, Quantity: n, Damaged: damaged})
}

func (c *clerk) putAway(code, bin string, n int64) (*pb.PutAwayResponse, error) {
	return c.inv.PutAway(c.ctx, &pb.PutAwayRequest{ScanId: c.scanID(), Code: code, Quantity: n, Bin: bin})
}

func (c *clerk) transfer(from, code, to string, n int64) (*pb.TransferResponse, error) {
	return c.inv.Transfer(c.ctx, &pb.TransferRequest{ScanId: c.scanID(), FromBin: from, Code: code, Quantity: n, ToBin: to})
}

func (c *clerk) count(bin string, found map[string]int64) (*pb.SubmitCountResponse, error) {
	req := &pb.SubmitCountRequest{ScanId: c.scanID(), Bin: bin}
	for code, n := range found {
		req.Items = append(req.Items, &pb.CountedItem{Code: code, Quantity: n})
	}
	return c.inv.SubmitCount(c.ctx, req)
}

// Receiving, put-away, a transfer, a count and the history, each through
// gRPC with the stock checked after it.
func TestInventoryMovementsEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.load(t) // S1: 4 in A-01-001-1; S2: 10 in A-03-009-1
	admin := e.clerk(t, floor.RoleAdmin, "admin")
	_, err := admin.inv.ExpectDelivery(admin.ctx, &pb.ExpectDeliveryRequest{Delivery: &pb.Delivery{Id: "PO-1", Supplier: "ACME",
		Kind: pb.DeliveryKind_DELIVERY_KIND_PURCHASE_ORDER, Lines: []*pb.DeliveryLine{{Sku: "S1", Expected: 6}, {Sku: "S2", Expected: 5}}}})
	if err != nil {
		t.Fatal(err)
	}

	rita := e.clerk(t, floor.RoleReceiver, "rita")
	r, err := rita.receive("PO-1", eanS1, 6, 0)
	wantInv(t, r.GetAnswer(), err, "RECEIVED")
	if r.GetLine().GetReceived() != 6 || r.GetPutAway().GetBin() != "A-01-001-1" || r.GetPutAway().GetAtDock() != 6 {
		t.Errorf("receive S1: line %v, put away %v", r.GetLine(), r.GetPutAway())
	}
	again, err := rita.inv.Receive(rita.ctx, &pb.ReceiveRequest{ScanId: "rita-1", DeliveryId: "PO-1", Code: eanS1, Quantity: 6})
	if wantInv(t, again.GetAnswer(), err, "RECEIVED"); !again.GetAnswer().GetReplayed() {
		t.Error("re-sent receipt not replayed")
	}
	r, err = rita.receive("PO-1", eanS2, 3, 1)
	wantInv(t, r.GetAnswer(), err, "DAMAGED")
	r, err = rita.receive("PO-1", upcS3, 1, 0)
	wantInv(t, r.GetAnswer(), err, "NOT_ON_DELIVERY")
	closed, err := rita.inv.CloseDelivery(rita.ctx, &pb.CloseDeliveryRequest{Id: "PO-1"})
	if err != nil || len(closed.GetDiscrepancies()) != 1 || closed.GetDiscrepancies()[0].GetDiscrepancy() != -2 || closed.GetDiscrepancies()[0].GetDamaged() != 1 {
		t.Fatalf("close: %v %v", closed, err)
	}

	p, err := rita.putAway(eanS1, "A-01-001-1", 6)
	wantInv(t, p.GetAnswer(), err, "PUT_AWAY")
	p, err = rita.putAway(eanS2, "A-02-004-1", 4)
	wantInv(t, p.GetAnswer(), err, "NOT_AT_DOCK")
	p, err = rita.putAway(eanS2, "A-02-004-1", 3)
	wantInv(t, p.GetAnswer(), err, "PUT_AWAY")
	if l := e.level(t, "A-01-001-1", "S1"); l.OnHand != 10 {
		t.Errorf("S1 after put-away: %+v, want 10", l)
	}

	carl := e.clerk(t, floor.RoleCounter, "carl")
	tr, err := carl.transfer("A-03-009-1", eanS2, "A-02-006-1", 2)
	wantInv(t, tr.GetAnswer(), err, "TRANSFERRED")
	if from, to := e.level(t, "A-03-009-1", "S2"), e.level(t, "A-02-006-1", "S2"); from.OnHand != 8 || to.OnHand != 2 {
		t.Errorf("after transfer: from %+v, to %+v", from, to)
	}

	sup := e.as(floor.RoleSupervisor)
	if _, err := carl.inv.CreateCountTasks(sup, &pb.CreateCountTasksRequest{Bins: []string{"A-02-004-1"}}); err != nil {
		t.Fatal(err)
	}
	tasks, err := carl.inv.ListCountTasks(carl.ctx, &pb.ListCountTasksRequest{})
	if err != nil || len(tasks.GetTasks()) != 1 || tasks.GetTasks()[0].GetBin() != "A-02-004-1" {
		t.Fatalf("count tasks: %v %v", tasks, err)
	}
	if _, err := carl.inv.StartCount(carl.ctx, &pb.StartCountRequest{Bin: "A-02-004-1"}); err != nil {
		t.Fatal(err)
	}
	c, err := carl.count("A-02-004-1", map[string]int64{eanS2: 2})
	if wantInv(t, c.GetAnswer(), err, "COUNT_DIFFERS"); len(c.GetLines()) != 0 {
		t.Errorf("a count in progress shows the system's figures: %v", c.GetLines())
	}
	c, err = carl.count("A-02-004-1", map[string]int64{"S2": 2})
	if wantInv(t, c.GetAnswer(), err, "COUNT_ADJUSTED"); !c.GetDone() || len(c.GetLines()) != 1 || c.GetLines()[0].GetSystem() != 3 {
		t.Errorf("confirmed count: %v", c)
	}
	if l := e.level(t, "A-02-004-1", "S2"); l.OnHand != 2 {
		t.Errorf("S2 after the count: %+v, want 2", l)
	}

	h, err := carl.inv.History(sup, &pb.HistoryRequest{From: ts(e.clock.t)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range h.GetMovements()[2:] { // after the two adjustments of load
		got = append(got, fmt.Sprintf("%s %s %s %s %d", m.GetUser(), m.GetKind(), m.GetBin(), m.GetSku(), m.GetUnits()))
	}
	want := []string{
		"receiver-1 receive DOCK S1 6", "receiver-1 receive DOCK S2 3", "receiver-1 damaged DOCK S2 1",
		"receiver-1 put-away DOCK S1 -6", "receiver-1 put-away A-01-001-1 S1 6",
		"receiver-1 put-away DOCK S2 -3", "receiver-1 put-away A-02-004-1 S2 3",
		"counter-1 transfer A-03-009-1 S2 -2", "counter-1 transfer A-02-006-1 S2 2",
		"counter-1 count A-02-004-1 S2 -1",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("history:\n got %q\nwant %q", got, want)
	}
}

// Stock is never negative and always adds up while pickers, counters and
// stockers work the same bins at once (run with -race).
func TestConcurrentPicksCountsTransfers(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	admin := e.clerk(t, floor.RoleAdmin, "admin")
	bins := []string{"A-01-001-1", "A-01-008-1", "A-02-004-1"}
	for _, b := range bins {
		if _, err := pb.NewWarehouseServiceClient(e.conn).AdjustStock(admin.ctx, &pb.AdjustStockRequest{Bin: b, Sku: "S1", Delta: 30, Reason: "set-up"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		e.submit(t, fmt.Sprint("O", i), &pb.OrderLine{Sku: "S1", Quantity: 2})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 3 { // pickers
		wg.Go(func() {
			name := fmt.Sprint("picker-", w+10)
			tok, _ := e.store.CreateToken(name, floor.RolePicker)
			ctx := metadataCtx(tok)
			pick := pb.NewPickServiceClient(e.conn)
			st, err := pick.Scan(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer st.CloseSend()
			n := 0
			do := func(code string) error {
				n++
				if err := st.Send(&pb.ScanRequest{Scan: &pb.Scan{ScanId: fmt.Sprint(name, "-", n), Code: code}}); err != nil {
					return err
				}
				_, err := st.Recv()
				return err
			}
			for {
				resp, err := pick.NextTask(ctx, &pb.NextTaskRequest{})
				if err != nil {
					errs <- err
				}
				if err != nil || resp.GetTask() == nil {
					return
				}
				for i := range resp.GetTask().GetOrders() {
					if err := do(toteFor(resp.GetTask(), i)); err != nil {
						errs <- err
						return
					}
				}
				for _, stop := range resp.GetTask().GetStops() {
					if err := do(stop.GetBin()); err != nil {
						errs <- err
						return
					}
					for range stop.GetQuantity() {
						if err := do(eanS1); err != nil {
							errs <- err
							return
						}
					}
				}
				if err := do("DROP-PS1"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() { // a stocker moving units around
		c := e.clerk(t, floor.RoleReceiver, "rob")
		for i := range 40 {
			if _, err := c.transfer(bins[i%3], eanS1, bins[(i+1)%3], int64(1+i%4)); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() { // a counter counting what the system says, or one less
		c := e.clerk(t, floor.RoleCounter, "cat")
		for i := range 30 {
			bin := bins[i%3]
			if _, err := c.inv.StartCount(c.ctx, &pb.StartCountRequest{Bin: bin}); err != nil {
				errs <- err
				return
			}
			n := e.level(t, bin, "S1").OnHand - int64(i%2)
			for range 2 {
				if _, err := c.count(bin, map[string]int64{"S1": max(n, 0)}); err != nil {
					errs <- err
					return
				}
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Conservation: what is on hand is the start, less what was picked,
	// plus what counts corrected (transfers move, never create).
	var onHand, corrected int64
	for _, b := range bins {
		onHand += e.level(t, b, "S1").OnHand
	}
	ms, _, err := e.store.History(time.Time{}, time.Time{}, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var picked int64
	for _, m := range ms {
		switch m.Kind {
		case floor.MoveCount:
			corrected += m.Units
		case floor.MovePick:
			picked -= m.Units
		}
	}
	t.Logf("picked %d, corrected %d, %d movements", picked, corrected, len(ms))
	if picked != 40 { // 20 orders of 2, all picked while the others worked
		t.Errorf("picked %d units, want all 40 of the orders", picked)
	}
	if want := 4 + 90 - picked + corrected; onHand != want {
		t.Errorf("S1 on hand %d, want 94 - %d picked + %d corrected = %d", onHand, picked, corrected, want)
	}
}

func metadataCtx(token string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
}

// Every verdict the domain gives has a name on the wire.
func TestEveryVerdictIsSent(t *testing.T) {
	for v := floor.VerdictRight; v <= floor.VerdictWrongTote; v++ {
		if verdicts[v] == pb.Verdict_VERDICT_UNSPECIFIED {
			t.Errorf("floor verdict %d has no proto verdict", v)
		}
	}
}

// Slot errors name the CSV row or the request entry they come from; an
// empty request does not wipe every slot.
func TestSetSlotsNamesItsEntries(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	inv := pb.NewInventoryServiceClient(e.conn)
	ctx := e.as(floor.RoleAdmin)
	_, err := inv.SetSlots(ctx, &pb.SetSlotsRequest{Csv: []byte("bin,sku,min,max\nA-01-001-1,S1,2,8\nZ-09,S1,1,3\n"),
		Slots: []*pb.Slot{{Bin: "A-01-008-1", Sku: "NOPE", Min: 1, Max: 2}}})
	fields := violationFields(t, err)
	if !slices.Contains(fields, "csv: row 3.bin") || !slices.Contains(fields, "slots[0].sku") {
		t.Errorf("violations name %q, want csv: row 3.bin and slots[0].sku", fields)
	}
	if _, err := inv.SetSlots(ctx, &pb.SetSlotsRequest{Slots: []*pb.Slot{{Bin: "A-01-001-1", Sku: "S1", Min: 2, Max: 8}}}); err != nil {
		t.Fatal(err)
	}
	if fields := violationFields(t, func() error { _, err := inv.SetSlots(ctx, &pb.SetSlotsRequest{}); return err }()); !slices.Contains(fields, "slots") {
		t.Errorf("empty request: violations %q", fields)
	}
}

// violationFields returns the fields of an InvalidArgument's violations.
func violationFields(t *testing.T, err error) []string {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("%v, want InvalidArgument", err)
	}
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	return out
}

// Each bad field is named once, by the path of the request it is in.
func TestInventoryRequestsNameTheirFields(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	inv := pb.NewInventoryServiceClient(e.conn)
	ctx := e.as(floor.RoleAdmin)
	_, err := inv.ExpectDelivery(ctx, &pb.ExpectDeliveryRequest{Delivery: &pb.Delivery{Id: "PO-1",
		Kind: pb.DeliveryKind_DELIVERY_KIND_PURCHASE_ORDER, Lines: []*pb.DeliveryLine{{Expected: 1}, {Sku: "S1"}}}})
	if got := violationFields(t, err); !slices.Equal(got, []string{"delivery.lines[0].sku", "delivery.lines[1].expected"}) {
		t.Errorf("delivery violations %q", got)
	}
	from := ts(e.clock.t)
	_, err = inv.History(ctx, &pb.HistoryRequest{From: from, To: from})
	if got := violationFields(t, err); !slices.Equal(got, []string{"to"}) {
		t.Errorf("history violations %q", got)
	}
	_, err = inv.PurchaseSuggestions(ctx, &pb.PurchaseSuggestionsRequest{SalesDays: -1, ReviewDays: 400})
	if got := violationFields(t, err); !slices.Equal(got, []string{"sales_days", "review_days"}) {
		t.Errorf("policy violations %q", got)
	}
}

// A stock-moving request's scan is held to the rules of every scan, each
// violation named by the request's own field: a count's scanned code is its
// bin.
func TestInventoryScansNameTheirFields(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	inv := pb.NewInventoryServiceClient(e.conn)
	ctx := e.as(floor.RoleAdmin)
	long := strings.Repeat("x", maxCodeLen+1)
	badTime := &timestamppb.Timestamp{Nanos: -1}
	tests := []struct {
		name string
		call func() error
		want []string // in order
	}{
		{"receive", func() error {
			_, err := inv.Receive(ctx, &pb.ReceiveRequest{DeviceTime: badTime, Code: long, Quantity: -1, Damaged: -1})
			return err
		}, []string{"scan_id", "device_time", "code", "quantity", "delivery_id", "damaged"}},
		{"put away", func() error {
			_, err := inv.PutAway(ctx, &pb.PutAwayRequest{ScanId: "p\x01", Quantity: maxScanUnits + 1, Bin: long})
			return err
		}, []string{"scan_id", "code", "quantity", "bin"}},
		{"transfer", func() error {
			_, err := inv.Transfer(ctx, &pb.TransferRequest{ScanId: "t1", DeviceTime: badTime, Code: "S1", Quantity: 1})
			return err
		}, []string{"device_time", "from_bin", "to_bin"}},
		{"submit count", func() error {
			_, err := inv.SubmitCount(ctx, &pb.SubmitCountRequest{DeviceTime: badTime, Items: []*pb.CountedItem{{Quantity: -1}}})
			return err
		}, []string{"scan_id", "device_time", "bin", "items[0].code", "items[0].quantity"}},
		{"submit count, long bin", func() error {
			_, err := inv.SubmitCount(ctx, &pb.SubmitCountRequest{ScanId: "c1", Bin: long})
			return err
		}, []string{"bin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := violationFields(t, tt.call()); !slices.Equal(got, tt.want) {
				t.Errorf("violations name %q, want %q", got, tt.want)
			}
		})
	}
}
