package rpc

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// badIDs are ids every id field must refuse, each by the rule of its kind.
var badIDs = []struct{ name, id string }{
	{"traversal", "x/../../../../../tmp/x/PWNED"},
	{"backslash", `..\..\PWNED`},
	{"dot dot", ".."},
	{"space", "O 1"},
	{"control", "O1\x00"},
	{"non-ASCII", "订单1"},
	{"65 characters", strings.Repeat("A", floor.MaxIDLen+1)},
	{"1 MB", strings.Repeat("A", 1<<20)},
}

// maxErrorReply bounds the size of an error reply (status message and
// details) for one bad field: a caller's value is never echoed whole.
const maxErrorReply = 2048

// violation returns the description of the violation at field, or fails.
func violation(t *testing.T, err error, field string) string {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("%v, want InvalidArgument", err)
	}
	if n := proto.Size(st.Proto()); n > maxErrorReply {
		t.Errorf("the error reply is %d bytes, at most %d: %.200s", n, maxErrorReply, st.Message())
	}
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field {
					return v.GetDescription()
				}
				fields = append(fields, v.GetField())
			}
		}
	}
	t.Fatalf("no violation at %s; violations at %q", field, fields)
	return ""
}

// TestAbuseIDsOverGRPC: every RPC that takes an id, in a submit or a
// lookup, refuses an id that breaks its kind's rule with InvalidArgument
// and a violation naming the field and the rule, in a small reply.
func TestAbuseIDsOverGRPC(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(floor.RoleAdmin)
	orders, wh, pick := pb.NewOrderServiceClient(e.conn), pb.NewWarehouseServiceClient(e.conn), pb.NewPickServiceClient(e.conn)
	pack, inv, auth := pb.NewPackServiceClient(e.conn), pb.NewInventoryServiceClient(e.conn), pb.NewAuthServiceClient(e.conn)
	order := func(id, sku string) *pb.Order {
		return &pb.Order{Id: id, Lines: []*pb.OrderLine{{Sku: sku, Quantity: 1}},
			Recipient: &pb.Address{Name: "Ann", Country: "DE"}}
	}
	delivery := func(id, sku string) *pb.Delivery {
		return &pb.Delivery{Id: id, Kind: pb.DeliveryKind_DELIVERY_KIND_PURCHASE_ORDER, Lines: []*pb.DeliveryLine{{Sku: sku, Expected: 1}}}
	}
	scan := func(id string) *pb.Scan { return &pb.Scan{ScanId: id, Code: "4006381333931"} }
	calls := []struct {
		name, field string
		user        bool // the field is a user name
		call        func(id string) error
	}{
		{"SubmitOrder id", "order.id", false, func(id string) error {
			_, err := orders.SubmitOrder(ctx, &pb.SubmitOrderRequest{Order: order(id, "S1")})
			return err
		}},
		{"SubmitOrder sku", "order.lines[0].sku", false, func(id string) error {
			_, err := orders.SubmitOrder(ctx, &pb.SubmitOrderRequest{Order: order("O1", id)})
			return err
		}},
		{"GetOrder", "id", false, func(id string) error { _, err := orders.GetOrder(ctx, &pb.GetOrderRequest{Id: id}); return err }},
		{"CancelOrder", "id", false, func(id string) error {
			_, err := orders.CancelOrder(ctx, &pb.CancelOrderRequest{Id: id})
			return err
		}},
		{"GetSku", "id", false, func(id string) error {
			_, err := wh.GetSku(ctx, &pb.GetSkuRequest{Key: &pb.GetSkuRequest_Id{Id: id}})
			return err
		}},
		{"ListStock", "sku", false, func(id string) error { _, err := wh.ListStock(ctx, &pb.ListStockRequest{Sku: id}); return err }},
		{"AdjustStock", "sku", false, func(id string) error {
			_, err := wh.AdjustStock(ctx, &pb.AdjustStockRequest{Bin: "A-01-001-1", Sku: id, Delta: 1, Reason: "found"})
			return err
		}},
		{"GetTask", "id", false, func(id string) error { _, err := pick.GetTask(ctx, &pb.GetTaskRequest{Id: id}); return err }},
		{"Reprint", "order_id", false, func(id string) error { _, err := pack.Reprint(ctx, &pb.ReprintRequest{OrderId: id}); return err }},
		{"ExpectDelivery id", "delivery.id", false, func(id string) error {
			_, err := inv.ExpectDelivery(ctx, &pb.ExpectDeliveryRequest{Delivery: delivery(id, "S1")})
			return err
		}},
		{"ExpectDelivery sku", "delivery.lines[0].sku", false, func(id string) error {
			_, err := inv.ExpectDelivery(ctx, &pb.ExpectDeliveryRequest{Delivery: delivery("PO-1", id)})
			return err
		}},
		{"GetDelivery", "id", false, func(id string) error { _, err := inv.GetDelivery(ctx, &pb.GetDeliveryRequest{Id: id}); return err }},
		{"CloseDelivery", "id", false, func(id string) error {
			_, err := inv.CloseDelivery(ctx, &pb.CloseDeliveryRequest{Id: id})
			return err
		}},
		{"Receive delivery", "delivery_id", false, func(id string) error {
			_, err := inv.Receive(ctx, &pb.ReceiveRequest{ScanId: "r1", DeliveryId: id, Code: "4006381333931", Quantity: 1})
			return err
		}},
		{"Receive scan", "scan_id", false, func(id string) error {
			_, err := inv.Receive(ctx, &pb.ReceiveRequest{ScanId: id, DeliveryId: "PO-1", Code: "4006381333931", Quantity: 1})
			return err
		}},
		{"PutAway scan", "scan_id", false, func(id string) error {
			_, err := inv.PutAway(ctx, &pb.PutAwayRequest{ScanId: id, Bin: "A-01-001-1", Code: "4006381333931", Quantity: 1})
			return err
		}},
		{"Transfer scan", "scan_id", false, func(id string) error {
			_, err := inv.Transfer(ctx, &pb.TransferRequest{ScanId: id, FromBin: "A-01-001-1", ToBin: "A-01-002-1", Code: "4006381333931", Quantity: 1})
			return err
		}},
		{"SubmitCount scan", "scan_id", false, func(id string) error {
			_, err := inv.SubmitCount(ctx, &pb.SubmitCountRequest{ScanId: id, Bin: "A-01-001-1"})
			return err
		}},
		{"SetSlots sku", "slots[0].sku", false, func(id string) error {
			_, err := inv.SetSlots(ctx, &pb.SetSlotsRequest{Slots: []*pb.Slot{{Bin: "A-01-001-1", Sku: id, Min: 1, Max: 2}}})
			return err
		}},
		{"SetSupply sku", "supply[0].sku", false, func(id string) error {
			_, err := inv.SetSupply(ctx, &pb.SetSupplyRequest{Supply: []*pb.Supply{{Sku: id, LeadTimeDays: 3}}})
			return err
		}},
		{"Scan stream", "scan.scan_id", false, func(id string) error {
			s, err := pick.Scan(ctx)
			if err != nil {
				return err
			}
			s.Send(&pb.ScanRequest{Scan: scan(id)})
			_, err = s.Recv()
			return err
		}},
		{"Pack stream", "scan.scan_id", false, func(id string) error {
			s, err := pack.Pack(ctx)
			if err != nil {
				return err
			}
			s.Send(&pb.PackRequest{Scan: scan(id)})
			_, err = s.Recv()
			return err
		}},
		{"Handoff stream", "scan.scan_id", false, func(id string) error {
			s, err := pack.Handoff(ctx)
			if err != nil {
				return err
			}
			s.Send(&pb.HandoffRequest{Scan: scan(id)})
			_, err = s.Recv()
			return err
		}},
		{"CreateToken", "user", true, func(id string) error {
			_, err := auth.CreateToken(ctx, &pb.CreateTokenRequest{User: id, Role: pb.Role_ROLE_PACKER})
			return err
		}},
		{"RevokeToken", "user", true, func(id string) error {
			_, err := auth.RevokeToken(ctx, &pb.RevokeTokenRequest{User: id})
			return err
		}},
	}
	for _, c := range calls {
		for _, bad := range badIDs {
			t.Run(c.name+"/"+bad.name, func(t *testing.T) {
				desc := violation(t, c.call(bad.id), c.field)
				rule := floor.IDRule
				if c.user {
					rule = floor.UserNameRule
				}
				if !strings.Contains(desc, rule) {
					t.Errorf("violation %q does not state the rule %q", desc, rule)
				}
			})
		}
	}
	// Real marketplace ids pass the rule: the lookups get as far as the store.
	for _, id := range []string{"123-4567890-1234567", "#1001", "12-34567-89012", "4012345678901234567", "SKU-00001", "ABC_12.3", "ns:O.1"} {
		if _, err := orders.GetOrder(ctx, &pb.GetOrderRequest{Id: id}); status.Code(err) != codes.NotFound {
			t.Errorf("GetOrder %q: %v, want NotFound", id, err)
		}
	}
	if users, _ := e.store.Users(); len(users) != 6 {
		t.Errorf("%d users after refused CreateTokens, want the 6 of the test", len(users))
	}
}

// TestAbuseFieldLimitsOverGRPC: every free-text field of an order and a
// SKU over its limit is refused naming the field and the limit, and
// nothing is stored.
func TestAbuseFieldLimitsOverGRPC(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(floor.RoleAdmin)
	orders := pb.NewOrderServiceClient(e.conn)
	long := func(n int) string { return strings.Repeat("长", n+1) } // one over, in CJK to count characters
	tests := []struct {
		field string
		max   int
		edit  func(o *pb.Order)
	}{
		{"order.channel", floor.MaxChannelLen, func(o *pb.Order) { o.Channel = long(floor.MaxChannelLen) }},
		{"order.recipient.name", floor.MaxRecipientNameLen, func(o *pb.Order) { o.Recipient.Name = long(floor.MaxRecipientNameLen) }},
		{"order.recipient.phone", floor.MaxPhoneLen, func(o *pb.Order) { o.Recipient.Phone = long(floor.MaxPhoneLen) }},
		{"order.recipient.lines[1]", floor.MaxAddressLineLen, func(o *pb.Order) {
			o.Recipient.Lines = []string{"Hauptstr. 1", long(floor.MaxAddressLineLen)}
		}},
		{"order.recipient.lines", floor.MaxAddressLines, func(o *pb.Order) {
			o.Recipient.Lines = make([]string, floor.MaxAddressLines+1)
		}},
		{"order.recipient.city", floor.MaxCityLen, func(o *pb.Order) { o.Recipient.City = long(floor.MaxCityLen) }},
		{"order.recipient.region", floor.MaxRegionLen, func(o *pb.Order) { o.Recipient.Region = long(floor.MaxRegionLen) }},
		{"order.recipient.postal_code", floor.MaxPostalCodeLen, func(o *pb.Order) { o.Recipient.PostalCode = long(floor.MaxPostalCodeLen) }},
		{"order.lines", floor.MaxOrderLines, func(o *pb.Order) {
			o.Lines = nil
			for i := range floor.MaxOrderLines + 1 {
				o.Lines = append(o.Lines, &pb.OrderLine{Sku: fmt.Sprintf("S%d", i), Quantity: 1})
			}
		}},
		{"order.recipient.name", floor.MaxRecipientNameLen, func(o *pb.Order) { o.Recipient.Name = strings.Repeat("A", 1<<20) }},
	}
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			o := &pb.Order{Id: "O-LIMIT", Channel: "shop", Lines: []*pb.OrderLine{{Sku: "S1", Quantity: 1}},
				Recipient: &pb.Address{Name: "Ann", Lines: []string{"Hauptstr. 1"}, City: "Berlin", PostalCode: "10115", Country: "DE"}}
			tc.edit(o)
			_, err := orders.SubmitOrder(ctx, &pb.SubmitOrderRequest{Order: o})
			if desc := violation(t, err, tc.field); !strings.Contains(desc, fmt.Sprintf("at most %d", tc.max)) {
				t.Errorf("violation %q does not name the limit %d", desc, tc.max)
			}
			if _, err := orders.GetOrder(ctx, &pb.GetOrderRequest{Id: "O-LIMIT"}); status.Code(err) != codes.NotFound {
				t.Errorf("after a refused submit GetOrder says %v, want NotFound", err)
			}
		})
	}
	// An order at every limit is taken.
	if err := e.store.PutSKUs([]floor.SKU{{ID: strings.Repeat("S", floor.MaxIDLen), Name: "long id"}}, false); err != nil {
		t.Fatal(err)
	}
	max := func(n int) string { return strings.Repeat("长", n) }
	o := &pb.Order{Id: strings.Repeat("O", floor.MaxIDLen), Channel: max(floor.MaxChannelLen), Lines: []*pb.OrderLine{{Sku: strings.Repeat("S", floor.MaxIDLen), Quantity: 1}},
		Recipient: &pb.Address{Name: max(floor.MaxRecipientNameLen), Phone: max(floor.MaxPhoneLen), City: max(floor.MaxCityLen),
			Region: max(floor.MaxRegionLen), PostalCode: max(floor.MaxPostalCodeLen), Country: "CN",
			Lines: []string{max(floor.MaxAddressLineLen), max(floor.MaxAddressLineLen), max(floor.MaxAddressLineLen), max(floor.MaxAddressLineLen)}}}
	if _, err := orders.SubmitOrder(ctx, &pb.SubmitOrderRequest{Order: o}); err != nil {
		t.Errorf("an order at every limit: %v", err)
	}
}

// TestAbuseImportsOverGRPC: an import file with one bad id or one field
// over its limit is refused whole over the API, naming the entry.
func TestAbuseImportsOverGRPC(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(floor.RoleAdmin)
	orders, wh := pb.NewOrderServiceClient(e.conn), pb.NewWarehouseServiceClient(e.conn)
	const header = "order_id,sku,quantity,recipient_name,country\n"
	tests := []struct {
		name, data, field, want string
	}{
		{"traversal id", header + "O1,S1,1,Ann,DE\nx/../../PWNED,S1,1,Bob,DE\n", "data: row 3 (x/../../PWNED).order_id", floor.IDRule},
		{"long name", header + "O1,S1,1," + strings.Repeat("N", floor.MaxRecipientNameLen+1) + ",DE\n", "data: row 2 (O1).recipient_name", "at most 70"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := orders.ImportOrders(ctx, &pb.ImportOrdersRequest{Data: []byte(tc.data), Format: pb.ImportFormat_IMPORT_FORMAT_CSV})
			if desc := violation(t, err, tc.field); !strings.Contains(desc, tc.want) {
				t.Errorf("violation %q, want it to contain %q", desc, tc.want)
			}
			if _, err := orders.GetOrder(ctx, &pb.GetOrderRequest{Id: "O1"}); status.Code(err) != codes.NotFound {
				t.Errorf("after a refused import GetOrder O1 says %v, want NotFound", err)
			}
		})
	}
	_, err := wh.ImportSkus(ctx, &pb.ImportSkusRequest{Format: pb.ImportFormat_IMPORT_FORMAT_CSV,
		Data: []byte("sku,name\nS1,one\nS/2," + strings.Repeat("n", floor.MaxSKUNameLen+1) + "\n")})
	violation(t, err, "data: row 3 (S/2).sku")
	if desc := violation(t, err, "data: row 3 (S/2).name"); !strings.Contains(desc, fmt.Sprintf("at most %d", floor.MaxSKUNameLen)) {
		t.Errorf("SKU name violation %q", desc)
	}
	if _, err := wh.GetSku(ctx, &pb.GetSkuRequest{Key: &pb.GetSkuRequest_Id{Id: "S1"}}); status.Code(err) != codes.NotFound {
		t.Errorf("after a refused SKU import GetSku S1 says %v, want NotFound", err)
	}
}
