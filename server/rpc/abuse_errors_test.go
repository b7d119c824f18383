package rpc

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// rawCodec sends requests as the bytes given, so a test can send what no
// protobuf library would encode (invalid UTF-8 in a string field).
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	if b, ok := v.([]byte); ok {
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	b, err := proto.Marshal(v.(proto.Message))
	return mem.BufferSlice{mem.SliceBuffer(b)}, err
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return proto.Unmarshal(data.Materialize(), v.(proto.Message))
}

// corrupt marshals m and replaces the marker XXXX in it by invalid UTF-8.
func corrupt(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("XXXX")) {
		t.Fatal("no marker in the message")
	}
	return bytes.Replace(b, []byte("XXXX"), []byte{'X', 0xff, 0xfe, 'X'}, 1)
}

// TestAbuseUndecodable: a request that does not decode (invalid UTF-8 in a
// string field, or bytes that are no protobuf at all) is the caller's
// fault, InvalidArgument naming the field, never Internal; a caller
// without a token learns only that it is unauthenticated.
func TestAbuseUndecodable(t *testing.T) {
	e := newEnv(t)
	order := &pb.SubmitOrderRequest{Order: &pb.Order{Id: "XXXX", Lines: []*pb.OrderLine{{Sku: "S-1", Quantity: 1}},
		Recipient: &pb.Address{Name: "A", Country: "DE"}}}
	tests := []struct {
		name      string
		ctx       context.Context
		method    string
		req       []byte
		wantCode  codes.Code
		wantField string
	}{
		{"invalid UTF-8 in an order id", e.as(floor.RoleAdmin), pb.OrderService_SubmitOrder_FullMethodName,
			corrupt(t, order), codes.InvalidArgument, "order.id"},
		{"invalid UTF-8 in a lookup", e.as(floor.RoleAdmin), pb.OrderService_GetOrder_FullMethodName,
			corrupt(t, &pb.GetOrderRequest{Id: "XXXX"}), codes.InvalidArgument, "id"},
		{"not protobuf at all", e.as(floor.RoleAdmin), pb.OrderService_GetOrder_FullMethodName,
			[]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}, codes.InvalidArgument, "request"},
		{"no token", context.Background(), pb.OrderService_SubmitOrder_FullMethodName,
			corrupt(t, order), codes.Unauthenticated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp pb.SubmitOrderResponse
			err := e.conn.Invoke(tt.ctx, tt.method, tt.req, &resp, grpc.ForceCodecV2(rawCodec{}))
			st := status.Convert(err)
			if st.Code() != tt.wantCode {
				t.Fatalf("got %v %q, want %v", st.Code(), st.Message(), tt.wantCode)
			}
			if tt.wantField != "" && !hasViolation(st, tt.wantField) {
				t.Errorf("no field violation %q in %v", tt.wantField, st.Details())
			}
		})
	}
	if _, _, err := e.store.ListOrders(nil, "", 10); err != nil {
		t.Fatal(err)
	} else if got, _, _ := e.store.ListOrders(nil, "", 10); len(got) != 0 {
		t.Errorf("%d orders stored, want none", len(got))
	}
}

// TestAbuseUndecodableScan: a scan stream that sends a message that does
// not decode ends with InvalidArgument, and the scan is not applied.
func TestAbuseUndecodableScan(t *testing.T) {
	e := newEnv(t)
	desc := &grpc.StreamDesc{StreamName: "Scan", ServerStreams: true, ClientStreams: true}
	cs, err := e.conn.NewStream(e.as(floor.RolePicker), desc, pb.PickService_Scan_FullMethodName, grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		t.Fatal(err)
	}
	req := corrupt(t, &pb.ScanRequest{Scan: &pb.Scan{ScanId: "s-1", Code: "XXXX"}})
	if err := cs.SendMsg(req); err != nil {
		t.Fatal(err)
	}
	var ans pb.ScanResponse
	err = cs.RecvMsg(&ans)
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !hasViolation(st, "scan.code") {
		t.Fatalf("got %v %q %v, want InvalidArgument naming scan.code", st.Code(), st.Message(), st.Details())
	}
}

// TestAbuseNoEcho: an error never echoes a caller's huge value back.
func TestAbuseNoEcho(t *testing.T) {
	e := newEnv(t)
	huge := strings.Repeat("é", 512<<10) // 1 MiB
	tests := []struct {
		name string
		call func() error
	}{
		{"unknown order", func() error {
			_, err := pb.NewOrderServiceClient(e.conn).GetOrder(e.as(floor.RoleAdmin), &pb.GetOrderRequest{Id: huge})
			return err
		}},
		{"submitted order", func() error {
			_, err := pb.NewOrderServiceClient(e.conn).SubmitOrder(e.as(floor.RoleAdmin), &pb.SubmitOrderRequest{Order: &pb.Order{
				Id: huge, Channel: huge, Lines: []*pb.OrderLine{{Sku: huge, Quantity: 1}},
				Recipient: &pb.Address{Name: huge, Lines: []string{huge}, Country: huge}}})
			return err
		}},
		{"unknown SKU", func() error {
			_, err := pb.NewWarehouseServiceClient(e.conn).GetSku(e.as(floor.RoleAdmin), &pb.GetSkuRequest{Key: &pb.GetSkuRequest_Id{Id: huge}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := status.Convert(tt.call())
			if st.Code() == codes.OK {
				t.Fatal("no error")
			}
			if n := proto.Size(st.Proto()); n > 8<<10 {
				t.Errorf("error reply is %d bytes: %.200s", n, st.Message())
			}
		})
	}
}

func hasViolation(st *status.Status, field string) bool {
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field {
					return true
				}
			}
		}
	}
	return false
}
