package rpc

import (
	"net/http"
	"strings"

	"connectrpc.com/vanguard"
	"connectrpc.com/vanguard/vanguardgrpc"
	"google.golang.org/grpc"
)

// ConnectPrefix starts the path of every pickpack.v1 call over HTTP:
// "/pickpack.v1.PickService/ScanOne", as on gRPC.
const ConnectPrefix = "/pickpack.v1."

// Connect serves the pickpack.v1 services of g to browsers, which cannot
// speak gRPC: the Connect protocol (and gRPC-Web) over HTTP/1.1 or
// HTTP/2, JSON or binary, on the paths under ConnectPrefix; every other
// path goes to next. Each call is transcoded into a call of g itself, so
// the same interceptors (token, role, metrics, decoding, stream caps and
// revocation) and handlers serve it: there is no second API. The token
// travels in the Authorization header, as on gRPC.
func Connect(g *grpc.Server, next http.Handler) (http.Handler, error) {
	tc, err := vanguardgrpc.NewTranscoder(g, vanguard.WithDefaultServiceOptions(
		// Buffered messages are bounded like gRPC's (the default is 4 GB).
		vanguard.WithMaxMessageBufferBytes(MaxRequestBytes),
	))
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, ConnectPrefix) {
			tc.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	}), nil
}
