package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// The inventory modes call unary methods of the InventoryService, not a
// scan stream. Their requests still go through the device's queue and the
// link, like scans: kept on disk until answered, sent in order, and sent
// again with the same scan id after a lost answer or a dropped link (the
// server answers an id it has seen with its first answer). unaryStream
// makes a run of unary calls look like the stream the link drives, so
// the offline handling is the same code for every mode.

// callTimeout bounds one queued call: past it the link counts as down and
// the request is sent again, which the scan id makes safe.
const callTimeout = 15 * time.Second

// invCall is one kind of request an inventory queue entry can carry.
type invCall struct {
	newReq func() proto.Message
	do     func(ctx context.Context, c pb.InventoryServiceClient, req proto.Message) (proto.Message, error)
}

// callOf makes the invCall of a method of the generated client.
func callOf[R any, Req interface {
	*R
	proto.Message
}, Resp proto.Message](m func(pb.InventoryServiceClient, context.Context, Req, ...grpc.CallOption) (Resp, error)) invCall {
	return invCall{
		newReq: func() proto.Message { return Req(new(R)) },
		do: func(ctx context.Context, c pb.InventoryServiceClient, req proto.Message) (proto.Message, error) {
			resp, err := m(c, ctx, req.(Req))
			if err != nil {
				return nil, err // not a typed nil in an interface
			}
			return resp, nil
		},
	}
}

// invCalls are the requests an inventory queue entry can carry, by the
// method name kept in the entry. Only what changes stock or a task is
// queued, in the order it was made: reads are asked directly, as nothing
// is lost when one fails.
var invCalls = map[string]invCall{
	"Receive":       callOf(pb.InventoryServiceClient.Receive),
	"CloseDelivery": callOf(pb.InventoryServiceClient.CloseDelivery),
	"PutAway":       callOf(pb.InventoryServiceClient.PutAway),
	"Transfer":      callOf(pb.InventoryServiceClient.Transfer),
	"StartCount":    callOf(pb.InventoryServiceClient.StartCount),
	"SubmitCount":   callOf(pb.InventoryServiceClient.SubmitCount),
}

// callName is the method a request is for: its message name without
// "Request".
func callName(req proto.Message) string {
	return strings.TrimSuffix(string(req.ProtoReflect().Descriptor().Name()), "Request")
}

// inventoryEntry makes the queue entry of an inventory request, setting
// its scan id and device time when the request has them (StartCount and
// CloseDelivery carry none: starting or closing twice changes nothing).
func inventoryEntry(req proto.Message, seq uint64, id string, at time.Time) (Entry, error) {
	m := req.ProtoReflect()
	fields := m.Descriptor().Fields()
	if f := fields.ByName("scan_id"); f != nil {
		m.Set(f, protoreflect.ValueOfString(id))
	}
	if f := fields.ByName("device_time"); f != nil {
		m.Set(f, protoreflect.ValueOfMessage(timestamppb.New(at).ProtoReflect()))
	}
	body, err := protojson.Marshal(req)
	if err != nil {
		return Entry{}, err
	}
	return Entry{ID: id, Seq: seq, DeviceTime: at.UTC(), Call: callName(req), Request: body}, nil
}

// requestOf reads back the request an inventory entry carries.
func requestOf(e Entry) (proto.Message, invCall, error) {
	c, ok := invCalls[e.Call]
	if !ok {
		return nil, c, fmt.Errorf("unknown inventory call %q", e.Call)
	}
	req := c.newReq()
	if err := protojson.Unmarshal(e.Request, req); err != nil {
		return nil, c, fmt.Errorf("the queued %s request cannot be read: %v", e.Call, err)
	}
	return req, c, nil
}

// retry reports whether a call failed for the link, not for the request:
// it is kept and sent again with the same scan id.
func retry(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.Canceled:
		return true
	}
	return false
}

// errBroken tells the link that a call of this stream failed and the
// link is down.
var errBroken = errors.New("link down")

// unaryStream runs the entries sent to it one at a time, in order, as
// unary calls. A call failing for the link (or refused for the token)
// breaks the stream like a stream's error, so the link reconnects and
// sends it again; a call the server refuses for the request itself is its
// answer.
type unaryStream struct {
	ctx    context.Context
	client pb.InventoryServiceClient
	sent   chan Entry
	broken chan struct{}
}

// openUnary checks with probe that the server answers and lets this token
// in (a mode's harmless read), so "online" means what it means for a
// stream; then it returns a unaryStream.
func openUnary(ctx context.Context, conn grpc.ClientConnInterface, probe func(context.Context, pb.InventoryServiceClient) error) (scanStream, error) {
	c := pb.NewInventoryServiceClient(conn)
	pctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := probe(pctx, c); err != nil && (retry(err) || fatal(err)) {
		return nil, err
	}
	return &unaryStream{ctx: ctx, client: c, sent: make(chan Entry), broken: make(chan struct{})}, nil
}

// Send hands e to Recv, which runs it.
func (u *unaryStream) Send(e Entry) error {
	select {
	case u.sent <- e:
		return nil
	case <-u.broken:
		return errBroken
	case <-u.ctx.Done():
		return u.ctx.Err()
	}
}

// Recv runs the next entry sent and returns its answer.
func (u *unaryStream) Recv() (reply, error) {
	var e Entry
	select {
	case e = <-u.sent:
	case <-u.ctx.Done():
		return reply{}, u.ctx.Err()
	}
	req, c, err := requestOf(e)
	if err != nil {
		return reply{id: e.ID, err: status.Error(codes.InvalidArgument, err.Error())}, nil
	}
	ctx, cancel := context.WithTimeout(u.ctx, callTimeout)
	defer cancel()
	resp, err := c.do(ctx, u.client, req)
	if err != nil && (retry(err) || fatal(err)) {
		close(u.broken)
		return reply{}, err
	}
	return reply{id: e.ID, req: req, msg: resp, err: err}, nil
}
