package rpc

import (
	"context"
	"net/http"
	"testing"

	"connectrpc.com/connect"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// The Connect path is the gRPC path: the same interceptors refuse a call
// without a token, with a token in the URL instead of the header, with a
// forged, revoked or expired token, from a role that may not make it,
// and a malformed scan (InvalidArgument naming its fields, nothing
// applied).
func TestAbuseConnectRefuses(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	e.submit(t, "O1", &pb.OrderLine{Sku: "S1", Quantity: 1})
	if err := e.store.SetPIN("ann", floor.RolePicker, "482915", func(floor.Role) bool { return true }); err != nil {
		t.Fatal(err)
	}
	device, err := e.store.SignInPIN("ann", "482915", DefaultShift, "TC52-01", floor.DefaultSignInPolicy)
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := e.store.SignInPIN("ann", "482915", DefaultShift, "TC52-02", floor.DefaultSignInPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.RevokeToken(revoked.Token); err != nil {
		t.Fatal(err)
	}
	good := &pb.Scan{ScanId: "s1", Code: "A-01-001-1"}
	tests := []struct {
		name      string
		token     string
		procedure string // ScanOne unless set
		path      string // appended to the URL
		scan      *pb.Scan
		code      connect.Code
		reason    string
		field     string
	}{
		{name: "no token", scan: good, code: connect.CodeUnauthenticated},
		{name: "token in the URL", path: "?authorization=Bearer+" + e.tokens[floor.RolePicker], scan: good, code: connect.CodeUnauthenticated},
		{name: "forged token", token: "pp_forged", scan: good, code: connect.CodeUnauthenticated},
		{name: "revoked device token", token: revoked.Token, scan: good, code: connect.CodeUnauthenticated},
		{name: "packer picking", token: e.tokens[floor.RolePacker], scan: good, code: connect.CodePermissionDenied},
		{name: "picker packing", token: device.Token, procedure: pb.PackService_PackOne_FullMethodName, scan: good, code: connect.CodePermissionDenied},
		{name: "no scan id", token: device.Token, scan: &pb.Scan{Code: "A-01-001-1"}, code: connect.CodeInvalidArgument,
			reason: "MALFORMED_SCAN", field: "scan.scan_id"},
		{name: "short without reason", token: device.Token, scan: &pb.Scan{ScanId: "s2", Action: pb.ScanAction_SCAN_ACTION_SHORT},
			code: connect.CodeInvalidArgument, reason: "MALFORMED_SCAN", field: "scan.short_reason"},
		{name: "weight out of range", token: e.tokens[floor.RolePacker], procedure: pb.PackService_PackOne_FullMethodName,
			scan: &pb.Scan{ScanId: "s3", Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: -5}, code: connect.CodeInvalidArgument,
			reason: "MALFORMED_SCAN", field: "scan.weight_g"},
		{name: "code too long", token: device.Token, scan: &pb.Scan{ScanId: "s4", Code: string(make([]byte, 200))},
			code: connect.CodeInvalidArgument, reason: "MALFORMED_SCAN", field: "scan.code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			procedure := pb.PickService_ScanOne_FullMethodName
			if tt.procedure != "" {
				procedure = tt.procedure
			}
			c := connect.NewClient[pb.ScanOneRequest, pb.ScanOneResponse](http.DefaultClient, e.web.URL+procedure+tt.path, connect.WithProtoJSON())
			r := connect.NewRequest(&pb.ScanOneRequest{Scan: tt.scan})
			if tt.token != "" {
				r.Header().Set("Authorization", "Bearer "+tt.token)
			}
			_, err := c.CallUnary(context.Background(), r)
			if got := connect.CodeOf(err); got != tt.code {
				t.Fatalf("%v, want %v", err, tt.code)
			}
			if tt.reason != "" && connectReason(err) != tt.reason {
				t.Errorf("reason %q, want %q", connectReason(err), tt.reason)
			}
			if tt.field != "" && !containsPrefix(connectViolations(err), tt.field) {
				t.Errorf("violations %q, want %s", connectViolations(err), tt.field)
			}
		})
	}
	for _, id := range []string{"s1", "s2", "s3", "s4"} {
		for _, kind := range []string{"pick", "pack"} {
			for _, user := range []string{"ann", "picker-1", "packer-1"} {
				if _, ok, _ := e.store.ScanAnswer(kind, user, id); ok {
					t.Errorf("refused scan %s of %s was stored", id, user)
				}
			}
		}
	}
	// The end of the shift ends the device token.
	e.clock.t = device.Expires
	_, err = browser[pb.ScanOneRequest, pb.ScanOneResponse](e, device.Token, pb.PickService_ScanOne_FullMethodName, &pb.ScanOneRequest{Scan: good})
	if connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("expired device token: %v, want Unauthenticated", err)
	}
}

// Connect requests are bounded like gRPC's: a body past MaxRequestBytes
// is refused before it is decoded.
func TestAbuseConnectOversize(t *testing.T) {
	e := newEnv(t)
	_, err := browser[pb.ImportBinMapRequest, pb.ImportBinMapResponse](e, e.tokens[floor.RoleAdmin], pb.WarehouseService_ImportBinMap_FullMethodName,
		&pb.ImportBinMapRequest{Data: make([]byte, MaxRequestBytes+1)})
	if code := connect.CodeOf(err); code != connect.CodeResourceExhausted {
		t.Errorf("oversize import over Connect: %v, want ResourceExhausted", err)
	}
}
