package rpc

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// exampleExport reads one of the floor package's example mappings or
// exports, whose orders use the SKUs that env.load imports.
func exampleExport(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "floor", "testdata", "mappings", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestImportOrdersWithMapping(t *testing.T) {
	tests := []struct {
		mapping, data string
		format        pb.ImportFormat   // a mapping names its format; the request may too
		want          map[string]string // order id to its lines as "SKU×quantity"
	}{
		{"marketplace.json", "marketplace-orders.csv", pb.ImportFormat_IMPORT_FORMAT_UNSPECIFIED, map[string]string{
			"302-1111111-0000001": "S1×2 S2×3", "302-1111111-0000002": "S2×1",
		}},
		{"shop.json", "shop-orders.json", pb.ImportFormat_IMPORT_FORMAT_JSON, map[string]string{
			"#1001": "S1×2 S2×3", "#1002": "S2×1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.mapping, func(t *testing.T) {
			e := newEnv(t)
			e.load(t)
			orders := pb.NewOrderServiceClient(e.conn)
			ctx := e.as(floor.RoleAdmin)
			resp, err := orders.ImportOrders(ctx, &pb.ImportOrdersRequest{
				Data: exampleExport(t, tt.data), Mapping: exampleExport(t, tt.mapping), Format: tt.format})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := resp.GetCreated(), int32(len(tt.want)); got != want {
				t.Errorf("created %d orders, want %d", got, want)
			}
			for id, want := range tt.want {
				got, err := orders.GetOrder(ctx, &pb.GetOrderRequest{Id: id})
				if err != nil {
					t.Fatalf("get %s: %v", id, err)
				}
				var lines []string
				for _, l := range got.GetOrder().GetLines() {
					lines = append(lines, fmt.Sprintf("%s×%d", l.GetSku(), l.GetQuantity()))
				}
				if got := strings.Join(lines, " "); got != want {
					t.Errorf("%s lines = %s, want %s", id, got, want)
				}
			}
		})
	}
}

func TestImportOrdersWithMappingRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	orders := pb.NewOrderServiceClient(e.conn)
	ctx := e.as(floor.RoleAdmin)
	mapping := exampleExport(t, "marketplace.json")
	good := string(exampleExport(t, "marketplace-orders.csv"))
	// The second order's quantity on its row (row 3) is not a number; the
	// first order is fine and must not be stored either.
	badRow := strings.Replace(good, "USB-C cable,1,3.00", "USB-C cable,one,3.00", 1)
	tests := []struct {
		name string
		req  *pb.ImportOrdersRequest
		want string // a violation, field and description
	}{
		{"bad row", &pb.ImportOrdersRequest{Data: []byte(badRow), Mapping: mapping},
			`data: row 3 (302-1111111-0000002), column quantity-purchased: want a whole number, got "one"`},
		{"bad mapping", &pb.ImportOrdersRequest{Data: []byte(good), Mapping: []byte(`{"format": "csv", "fields": {"order": "order-id"}}`)},
			`mapping: fields: unknown field "order"`},
		{"format disagrees", &pb.ImportOrdersRequest{Data: []byte(good), Mapping: mapping, Format: pb.ImportFormat_IMPORT_FORMAT_JSON},
			"format: the mapping reads csv, not json"},
		{"unknown format", &pb.ImportOrdersRequest{Data: []byte(good), Mapping: mapping, Format: 99},
			"format: unknown format 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := orders.ImportOrders(ctx, tt.req)
			st := status.Convert(err)
			if st.Code() != codes.InvalidArgument {
				t.Fatalf("import: %v, want InvalidArgument", err)
			}
			var got []string
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.GetFieldViolations() {
						got = append(got, v.GetField()+": "+v.GetDescription())
					}
				}
			}
			if !containsPrefix(got, tt.want) {
				t.Errorf("violations %q, want %q", got, tt.want)
			}
			for _, id := range []string{"302-1111111-0000001", "302-1111111-0000002"} {
				if _, err := orders.GetOrder(ctx, &pb.GetOrderRequest{Id: id}); status.Code(err) != codes.NotFound {
					t.Errorf("order %s after a refused import: %v, want NotFound", id, err)
				}
			}
		})
	}
}
