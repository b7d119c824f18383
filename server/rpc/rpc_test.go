package rpc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/feed"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

// env is a real server on a loopback port over a real data file, with one
// token per role.
type env struct {
	store  *store.Store
	conn   *grpc.ClientConn
	tokens map[floor.Role]string
	clock  *fixedClock
	hub    *feed.Hub
	api    *Server
	// web serves the same grpc.Server to browsers over the Connect
	// protocol (Connect), on another loopback port.
	web *httptest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, store.Options{}, nil)
}

// newEnvWith is newEnv with store options (the clock is the env's) and a
// hook called when a print job was queued.
func newEnvWith(t *testing.T, opts store.Options, onPrint func()) *env {
	t.Helper()
	return newEnvFeed(t, opts, onPrint, floor.DefaultFeedConfig)
}

// newEnvFeed is newEnvWith with the floor feed's configuration.
func newEnvFeed(t *testing.T, opts store.Options, onPrint func(), cfg floor.FeedConfig) *env {
	t.Helper()
	clock := &fixedClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	opts.Clock = clock
	st, err := store.Open(filepath.Join(t.TempDir(), "pickpack.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	hub := feed.NewHub(st, cfg, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api := New(st, hub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.OnPrint = onPrint
	api.Clock = clock
	g := grpc.NewServer(api.ServerOptions()...)
	api.Register(g)
	browsers, err := Connect(g, http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(browsers)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		web.Close()
		g.Stop()
		if err := st.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		if _, err := st.Audit(); err != nil {
			t.Errorf("stock audit: %v", err)
		}
		st.Close()
	})
	e := &env{store: st, conn: conn, tokens: map[floor.Role]string{}, clock: clock, hub: hub, api: api, web: web}
	for _, r := range []floor.Role{floor.RolePicker, floor.RolePacker, floor.RoleSupervisor, floor.RoleAdmin, floor.RoleReceiver, floor.RoleCounter} {
		tok, err := st.CreateToken(r.String()+"-1", r)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = tok
	}
	return e
}

// as returns a context carrying the token of a user with role.
func (e *env) as(role floor.Role) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+e.tokens[role])
}

// methods lists every RPC of the pickpack.v1 services.
func methods(t *testing.T) []protoreflect.MethodDescriptor {
	var out []protoreflect.MethodDescriptor
	protoregistry.GlobalFiles.RangeFilesByPackage("pickpack.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				out = append(out, sd.Methods().Get(j))
			}
		}
		return true
	})
	if len(out) < 15 {
		t.Fatalf("found only %d methods", len(out))
	}
	return out
}

func fullName(m protoreflect.MethodDescriptor) string {
	return "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
}

// invoke calls any RPC with one request and returns the status of the
// first answer: for streams, the request is the stream's only message.
func invoke(ctx context.Context, e *env, m protoreflect.MethodDescriptor, req proto.Message) error {
	resp := dynamicpb.NewMessage(m.Output())
	if !m.IsStreamingClient() && !m.IsStreamingServer() {
		return e.conn.Invoke(ctx, fullName(m), req, resp)
	}
	st, err := e.conn.NewStream(ctx, &grpc.StreamDesc{ClientStreams: m.IsStreamingClient(), ServerStreams: m.IsStreamingServer()}, fullName(m))
	if err != nil {
		return err
	}
	if err := st.SendMsg(req); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	st.CloseSend()
	return st.RecvMsg(resp)
}

func TestEveryRPCNeedsAValidToken(t *testing.T) {
	e := newEnv(t)
	for _, m := range methods(t) {
		if fullName(m) == pb.SignInService_SignIn_FullMethodName {
			continue // how a token is had (TestSignIn)
		}
		req := dynamicpb.NewMessage(m.Input())
		for name, ctx := range map[string]context.Context{
			"no token":   context.Background(),
			"bad token":  metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer pp_forged"),
			"not bearer": metadata.AppendToOutgoingContext(context.Background(), "authorization", e.tokens[floor.RoleAdmin]),
		} {
			if got := status.Code(invoke(ctx, e, m, req)); got != codes.Unauthenticated {
				t.Errorf("%s with %s: %v, want Unauthenticated", fullName(m), name, got)
			}
		}
	}
	// A revoked token stops working at once.
	if _, err := e.store.RevokeTokens("picker-1"); err != nil {
		t.Fatal(err)
	}
	_, err := pb.NewPickServiceClient(e.conn).NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("revoked token: %v", err)
	}
}

// openToAll are the RPCs every signed-in user may call: about their own
// token.
var openToAll = map[string]bool{
	pb.SignInService_SignOut_FullMethodName: true,
	pb.SignInService_WhoAmI_FullMethodName:  true,
}

func TestEveryRPCRefusesWrongRoles(t *testing.T) {
	e := newEnv(t)
	for _, m := range methods(t) {
		if public(fullName(m)) {
			continue // SignIn: no token, no role
		}
		wrong := 0
		for _, r := range []floor.Role{floor.RolePicker, floor.RolePacker, floor.RoleSupervisor, floor.RoleReceiver, floor.RoleCounter} {
			if roleAllowed(fullName(m), r) {
				continue
			}
			wrong++
			err := invoke(e.as(r), e, m, dynamicpb.NewMessage(m.Input()))
			if status.Code(err) != codes.PermissionDenied {
				t.Errorf("%s as %s: %v, want PermissionDenied", fullName(m), r, err)
			}
		}
		if wrong == 0 && !openToAll[fullName(m)] {
			t.Errorf("%s is open to every role", fullName(m))
		}
	}
}

// malformed holds, for every RPC whose request has fields, a request that
// is wrong, and the field the violation must name.
var malformed = map[string]struct {
	req   proto.Message
	field string
}{
	pb.WarehouseService_ImportBinMap_FullMethodName:   {&pb.ImportBinMapRequest{Data: []byte(`{"warehouse": "W", "cross_aisles": [0]}`)}, "data: "},
	pb.WarehouseService_ImportSkus_FullMethodName:     {&pb.ImportSkusRequest{Data: []byte("sku,name\n")}, "format"},
	pb.WarehouseService_GetSku_FullMethodName:         {&pb.GetSkuRequest{}, "key"},
	pb.WarehouseService_ListStock_FullMethodName:      {&pb.ListStockRequest{PageToken: "%%%"}, "page_token"},
	pb.WarehouseService_AdjustStock_FullMethodName:    {&pb.AdjustStockRequest{Bin: "A-01-001-1", Sku: "S1", Reason: "count"}, "delta"},
	pb.WarehouseService_ImportShipping_FullMethodName: {&pb.ImportShippingRequest{Data: []byte(`{"carriers": []}`)}, "data: "},
	pb.OrderService_SubmitOrder_FullMethodName:        {&pb.SubmitOrderRequest{Order: &pb.Order{Id: "O1"}}, "order.lines"},
	pb.OrderService_ImportOrders_FullMethodName:       {&pb.ImportOrdersRequest{Data: []byte("{"), Format: pb.ImportFormat_IMPORT_FORMAT_JSON}, "data: "},
	pb.OrderService_GetOrder_FullMethodName:           {&pb.GetOrderRequest{}, "id"},
	pb.OrderService_ListOrders_FullMethodName:         {&pb.ListOrdersRequest{PageSize: -1}, "page_size"},
	pb.OrderService_CancelOrder_FullMethodName:        {&pb.CancelOrderRequest{Id: "bad\x01id"}, "id"},
	pb.PickService_GetTask_FullMethodName:             {&pb.GetTaskRequest{}, "id"},
	pb.AuthService_CreateToken_FullMethodName:         {&pb.CreateTokenRequest{User: "Ann Smith", Role: pb.Role_ROLE_PICKER}, "user"},
	pb.AuthService_RevokeToken_FullMethodName:         {&pb.RevokeTokenRequest{}, "user"},
	pb.PickService_Scan_FullMethodName:                {&pb.ScanRequest{Scan: &pb.Scan{Code: "A-01-001-1"}}, "scan.scan_id"},
	pb.PackService_Pack_FullMethodName:                {&pb.PackRequest{Scan: &pb.Scan{ScanId: "s1", Action: pb.ScanAction_SCAN_ACTION_WEIGHT}}, "scan.weight_g"},
	pb.PackService_Handoff_FullMethodName:             {&pb.HandoffRequest{Scan: &pb.Scan{ScanId: "s1"}}, "scan.code"},
	pb.PackService_Reprint_FullMethodName:             {&pb.ReprintRequest{}, "order_id"},
	pb.FloorService_RaisePriority_FullMethodName:      {&pb.RaisePriorityRequest{OrderId: "O1"}, "reason"},
	pb.FloorService_TakeOffShift_FullMethodName:       {&pb.TakeOffShiftRequest{Picker: "Ann Smith", Reason: "break"}, "picker"},
	pb.FloorService_PutOnShift_FullMethodName:         {&pb.PutOnShiftRequest{Picker: "ann", Reason: "back\x00"}, "reason"},
	pb.PickService_ScanOne_FullMethodName:             {&pb.ScanOneRequest{Scan: &pb.Scan{Code: "A-01-001-1"}}, "scan.scan_id"},
	pb.PackService_PackOne_FullMethodName:             {&pb.PackOneRequest{Scan: &pb.Scan{ScanId: "s1", Action: pb.ScanAction_SCAN_ACTION_WEIGHT}}, "scan.weight_g"},
	pb.PackService_HandoffOne_FullMethodName:          {&pb.HandoffOneRequest{Scan: &pb.Scan{ScanId: "s1"}}, "scan.code"},
	pb.SignInService_SignIn_FullMethodName:            {&pb.SignInRequest{User: "picker-1", Pin: "12a4"}, "pin"},
	pb.SignInService_SetPin_FullMethodName:            {&pb.SetPinRequest{User: "picker-1", Pin: "1111"}, "pin"},
	pb.SignInService_IssueBadge_FullMethodName:        {&pb.IssueBadgeRequest{User: "Picker 1"}, "user"},
	pb.TaskService_ReleaseTask_FullMethodName:         {&pb.ReleaseTaskRequest{TaskId: "T1", Reason: "end\x00of shift"}, "reason"},
	pb.TaskService_ReassignTask_FullMethodName:        {&pb.ReassignTaskRequest{TaskId: "T1"}, "picker"},

	pb.InventoryService_ExpectDelivery_FullMethodName:      {&pb.ExpectDeliveryRequest{Delivery: &pb.Delivery{Id: "PO-1"}}, "delivery.kind"},
	pb.InventoryService_GetDelivery_FullMethodName:         {&pb.GetDeliveryRequest{}, "id"},
	pb.InventoryService_Receive_FullMethodName:             {&pb.ReceiveRequest{ScanId: "r1", DeliveryId: "PO-1", Code: "S1", Damaged: -1}, "damaged"},
	pb.InventoryService_CloseDelivery_FullMethodName:       {&pb.CloseDeliveryRequest{}, "id"},
	pb.InventoryService_SuggestBin_FullMethodName:          {&pb.SuggestBinRequest{}, "code"},
	pb.InventoryService_PutAway_FullMethodName:             {&pb.PutAwayRequest{Code: "S1", Bin: "A-01-001-1"}, "scan_id"},
	pb.InventoryService_Transfer_FullMethodName:            {&pb.TransferRequest{ScanId: "t1", FromBin: "A-01-001-1", Code: "S1", Quantity: 1}, "to_bin"},
	pb.InventoryService_CreateCountTasks_FullMethodName:    {&pb.CreateCountTasksRequest{Bins: []string{"Z-99"}}, "bins[0]"},
	pb.InventoryService_StartCount_FullMethodName:          {&pb.StartCountRequest{Bin: "Z-99"}, "bin"},
	pb.InventoryService_SubmitCount_FullMethodName:         {&pb.SubmitCountRequest{ScanId: "c1", Bin: "A-01-001-1", Items: []*pb.CountedItem{{Code: "S1", Quantity: -2}}}, "items[0].quantity"},
	pb.InventoryService_SetSlots_FullMethodName:            {&pb.SetSlotsRequest{Csv: []byte("bin,sku,min,max\nA-01-001-1,S1,x,5\n")}, "csv: row 2.min"},
	pb.InventoryService_SetSupply_FullMethodName:           {&pb.SetSupplyRequest{}, "supply"},
	pb.InventoryService_PurchaseSuggestions_FullMethodName: {&pb.PurchaseSuggestionsRequest{SalesDays: -1}, "sales_days"},
	pb.InventoryService_History_FullMethodName:             {&pb.HistoryRequest{PageToken: "%%%"}, "page_token"},
}

func TestEveryRPCRejectsMalformedRequests(t *testing.T) {
	e := newEnv(t)
	for _, m := range methods(t) {
		name := fullName(m)
		tc, ok := malformed[name]
		if !ok {
			if !onlyFlags(m.Input()) {
				t.Errorf("%s has request fields but no malformed case", name)
			}
			continue // nothing in an empty request, or one of flags, can be malformed
		}
		err := invoke(e.as(floor.RoleAdmin), e, m, tc.req)
		st := status.Convert(err)
		if st.Code() != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", name, err)
			continue
		}
		var fields []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					fields = append(fields, v.GetField())
					if v.GetDescription() == "" {
						t.Errorf("%s: violation of %s has no description", name, v.GetField())
					}
				}
			}
		}
		if !containsPrefix(fields, tc.field) {
			t.Errorf("%s: violations name %q, want one starting %q", name, fields, tc.field)
		}
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestOversizeRequestIsRefused(t *testing.T) {
	e := newEnv(t)
	_, err := pb.NewWarehouseServiceClient(e.conn).ImportBinMap(e.as(floor.RoleAdmin),
		&pb.ImportBinMapRequest{Data: make([]byte, MaxRequestBytes+1)})
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("oversize import: %v, want ResourceExhausted", err)
	}
}

// onlyFlags reports whether a message has no fields but booleans.
func onlyFlags(md protoreflect.MessageDescriptor) bool {
	for i := 0; i < md.Fields().Len(); i++ {
		if md.Fields().Get(i).Kind() != protoreflect.BoolKind {
			return false
		}
	}
	return true
}
