package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// ConnectConn calls the server's unary RPCs the way the handheld app in a
// browser does: the Connect protocol over HTTP/1.1, one POST per call with
// the message as JSON and the token in the Authorization header. It
// stands in for a gRPC connection (the generated clients take it), so a
// simulated device runs the same code on either path; it cannot open
// streams, as a browser cannot send one.
type ConnectConn struct {
	base   string
	client *http.Client
}

var _ grpc.ClientConnInterface = (*ConnectConn)(nil)

// NewConnectConn returns a link to the server's HTTP address base (e.g.
// "http://127.0.0.1:8080") with a connection of its own, kept alive
// between calls as a browser keeps it.
func NewConnectConn(base string) *ConnectConn {
	return &ConnectConn{base: strings.TrimSuffix(base, "/"),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second}}}
}

// Close closes the link's idle connections.
func (c *ConnectConn) Close() { c.client.CloseIdleConnections() }

// maxAnswerBytes bounds an answer read; the unary answers are small.
const maxAnswerBytes = 16 << 20

// Invoke makes one unary call. The authorization metadata of ctx becomes
// the Authorization header; a Connect error becomes a gRPC status with the
// same code and message.
func (c *ConnectConn) Invoke(ctx context.Context, method string, args, reply any, _ ...grpc.CallOption) error {
	in, ok := args.(proto.Message)
	out, ok2 := reply.(proto.Message)
	if !ok || !ok2 {
		return fmt.Errorf("connect: %s: not protobuf messages", method)
	}
	body, err := protojson.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Connect-Protocol-Version", "1")
	if md, ok := metadata.FromOutgoingContext(ctx); ok {
		if v := md.Get("authorization"); len(v) > 0 {
			req.Header.Set("Authorization", v[0])
		}
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return status.Error(codes.Unavailable, err.Error())
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return status.Error(codes.Unavailable, err.Error())
	}
	if resp.StatusCode != http.StatusOK {
		return connectError(resp.StatusCode, raw)
	}
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(raw, out)
}

// NewStream refuses: a browser cannot send a client stream.
func (c *ConnectConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, errors.New("connect: streams are not used over the browser's protocol")
}

// connectError reads a Connect error body ({"code": "unauthenticated",
// "message": ...}) as a gRPC status.
func connectError(httpStatus int, raw []byte) error {
	var e struct{ Code, Message string }
	if json.Unmarshal(raw, &e) != nil || e.Code == "" {
		return status.Errorf(codes.Unknown, "HTTP %d: %.200s", httpStatus, raw)
	}
	name := strings.ReplaceAll(e.Code, "_", "")
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if strings.EqualFold(c.String(), name) {
			return status.Error(c, e.Message)
		}
	}
	return status.Errorf(codes.Unknown, "%s: %s", e.Code, e.Message)
}
