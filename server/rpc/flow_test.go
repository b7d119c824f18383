package rpc

import (
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// load imports the example bin map and SKUs and puts stock in two bins.
func (e *env) load(t *testing.T) {
	t.Helper()
	ctx := e.as(floor.RoleAdmin)
	wh := pb.NewWarehouseServiceClient(e.conn)
	data, _ := os.ReadFile("testdata/binmap.json")
	if _, err := wh.ImportBinMap(ctx, &pb.ImportBinMapRequest{Data: data}); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile("testdata/shipping.json")
	if _, err := wh.ImportShipping(ctx, &pb.ImportShippingRequest{Data: data}); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile("testdata/skus.csv")
	resp, err := wh.ImportSkus(ctx, &pb.ImportSkusRequest{Data: data, Format: pb.ImportFormat_IMPORT_FORMAT_CSV})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetIncomplete()) != 1 || resp.GetIncomplete()[0].GetField() != "S3" {
		t.Errorf("incomplete = %v, want S3 reported", resp.GetIncomplete())
	}
	for _, a := range []*pb.AdjustStockRequest{
		{Bin: "A-01-001-1", Sku: "S1", Delta: 4, Reason: "receipt"},
		{Bin: "A-03-009-1", Sku: "S2", Delta: 10, Reason: "receipt"},
	} {
		if _, err := wh.AdjustStock(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOrderToTaskToCancel(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	admin := e.as(floor.RoleAdmin)
	orders := pb.NewOrderServiceClient(e.conn)
	pick := pb.NewPickServiceClient(e.conn)
	wh := pb.NewWarehouseServiceClient(e.conn)

	order := &pb.Order{Id: "SHOP-1", Channel: "shop", Lines: []*pb.OrderLine{{Sku: "S1", Quantity: 3}, {Sku: "S2", Quantity: 1}},
		Recipient: &pb.Address{Name: "王小明", Lines: []string{"上海市浦东新区世纪大道100号"}, City: "上海", Country: "CN"}}
	first, err := orders.SubmitOrder(admin, &pb.SubmitOrderRequest{Order: order})
	if err != nil || !first.GetCreated() {
		t.Fatalf("submit: %v, %v", first, err)
	}
	if got, want := first.GetOrder().GetDueAt().AsTime(), e.clock.t.Add(floor.DefaultSLA); !got.Equal(want) {
		t.Errorf("due at %v, want %v", got, want)
	}
	again, err := orders.SubmitOrder(admin, &pb.SubmitOrderRequest{Order: order})
	if err != nil || again.GetCreated() {
		t.Errorf("resubmit: created=%v, %v; want the first order back", again.GetCreated(), err)
	}

	picker := e.as(floor.RolePicker)
	next, err := pick.NextTask(picker, &pb.NextTaskRequest{})
	if err != nil || !next.GetAssigned() {
		t.Fatalf("next task: %v, %v", next, err)
	}
	task := next.GetTask()
	if len(task.GetStops()) != 2 || task.GetStops()[0].GetBin() != "A-01-001-1" || task.GetStops()[0].GetName() != "Thermos 500 ml" {
		t.Errorf("stops = %v", task.GetStops())
	}
	got, _ := orders.GetOrder(admin, &pb.GetOrderRequest{Id: "SHOP-1"})
	if got.GetOrder().GetState() != pb.OrderState_ORDER_STATE_ASSIGNED || got.GetOrder().GetRecipient().GetName() != "王小明" {
		t.Errorf("order after assignment: %v", got.GetOrder())
	}

	// A second picker gets nothing, and may not read the first one's task.
	other, err := e.store.CreateToken("picker-2", floor.RolePicker)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens[floor.RoleUnspecified] = other
	picker2 := e.as(floor.RoleUnspecified)
	if n, err := pick.NextTask(picker2, &pb.NextTaskRequest{}); err != nil || n.GetTask() != nil {
		t.Errorf("picker-2 next task: %v, %v; want none", n, err)
	}
	_, err = pick.GetTask(picker2, &pb.GetTaskRequest{Id: task.GetId()})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("picker-2 reading picker-1's task: %v", err)
	}

	stock, _ := wh.ListStock(admin, &pb.ListStockRequest{Sku: "S1"})
	if l := stock.GetLevels()[0]; l.GetReserved() != 3 || l.GetAvailable() != 1 {
		t.Errorf("S1 stock after assignment: %v", l)
	}
	if _, err := orders.CancelOrder(admin, &pb.CancelOrderRequest{Id: "SHOP-1", Reason: "customer"}); err != nil {
		t.Fatal(err)
	}
	stock, _ = wh.ListStock(admin, &pb.ListStockRequest{Sku: "S1"})
	if l := stock.GetLevels()[0]; l.GetReserved() != 0 {
		t.Errorf("S1 stock after cancel: %v", l)
	}
	_, err = orders.CancelOrder(admin, &pb.CancelOrderRequest{Id: "SHOP-1"})
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("second cancel: %v", err)
	}
}

func TestRejectedImportsStoreNothing(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	admin := e.as(floor.RoleAdmin)
	wh := pb.NewWarehouseServiceClient(e.conn)

	// A map without the bin that holds S1's stock.
	data, _ := os.ReadFile("testdata/binmap.json")
	m, err := floor.ParseBinMap(data)
	if err != nil {
		t.Fatal(err)
	}
	_, err = wh.ImportBinMap(admin, &pb.ImportBinMapRequest{Data: []byte(`{"warehouse":"EX","depot":{"x":0,"y":0},"cross_aisles":[0,10],"aisles":[{"id":"01","x":0}],"bins":[{"code":"A-01-002-1","aisle":"01","y":3}]}`)})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "A-01-001-1 still holds 4 of S1") {
		t.Errorf("import dropping a stocked bin: %v", err)
	}
	got, _ := wh.GetBinMap(admin, &pb.GetBinMapRequest{})
	if len(got.GetBinMap().GetBins()) != len(m.Bins) {
		t.Errorf("bin map has %d bins after a rejected import, want %d", len(got.GetBinMap().GetBins()), len(m.Bins))
	}

	// One bad row rejects the whole SKU file.
	_, err = wh.ImportSkus(admin, &pb.ImportSkusRequest{Format: pb.ImportFormat_IMPORT_FORMAT_CSV,
		Data: []byte("sku,name,barcodes\nS7,Good,4006381333932\nS8,Fine,\n")})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("bad SKU file: %v", err)
	}
	if _, err := wh.GetSku(admin, &pb.GetSkuRequest{Key: &pb.GetSkuRequest_Id{Id: "S8"}}); status.Code(err) != codes.NotFound {
		t.Errorf("S8 from a rejected file: %v", err)
	}
}
