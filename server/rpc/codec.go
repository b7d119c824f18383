package rpc

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	protov2 "google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pickpack/pickpack/server/floor"
)

// grpc-go reports every request that fails to decode as Internal
// ("grpc: failed to unmarshal the received message"), whatever the codec
// returns: a caller sending invalid UTF-8 in a string field would be told
// the server is broken. The codec below decodes as usual, but a request
// that does not decode is reset to its empty value and its error parked
// here, keyed by the message; the interceptors take it out before any
// handler sees the message and answer InvalidArgument.
var undecodable sync.Map // proto.Message -> undecoded

// requestCodec is grpc's own proto codec with undecodable requests parked
// in undecodable instead of failing inside grpc, and messages encoded
// beforehand (floor events, shared by every watcher) sent as they are.
type requestCodec struct{ encoding.CodecV2 }

// Marshal encodes v, or sends an encoded message's bytes as they are
// (floor events, shared by every watcher: never pooled or recycled).
func (c requestCodec) Marshal(v any) (mem.BufferSlice, error) {
	if e, ok := v.(*encoded); ok {
		return e.data, nil
	}
	return c.CodecV2.Marshal(v)
}

func newRequestCodec() requestCodec {
	return requestCodec{encoding.GetCodecV2(proto.Name)}
}

// Unmarshal decodes data into v; see undecodable.
func (c requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	m, ok := v.(protov2.Message)
	if !ok {
		return err
	}
	bad := undecoded{err: err, desc: m.ProtoReflect().Descriptor(), data: data.Materialize()}
	protov2.Reset(m)
	undecodable.Store(m, bad)
	return nil
}

// decodeError takes the parked decode error of req out, as an invalid
// floor.Error naming the field.
func decodeError(req any) error {
	v, ok := undecodable.LoadAndDelete(req)
	if !ok {
		return nil
	}
	field, desc := "request", "not a valid protobuf message of this method's request type"
	// protobuf-go does not say which string was not UTF-8; find it, so the
	// caller is told where as for any other bad field.
	if bad, ok := v.(undecoded); ok && strings.Contains(bad.err.Error(), "UTF-8") {
		desc = "not valid UTF-8; string fields must be UTF-8"
		if f := invalidUTF8Field(bad.desc, bad.data, ""); f != "" {
			field = f
		}
	}
	return floor.Invalid("decode request", []floor.Violation{{Field: field, Description: desc}})
}

// undecoded is a request that did not decode: its bytes and the error.
type undecoded struct {
	err  error
	desc protoreflect.MessageDescriptor
	data []byte
}

// invalidUTF8Field returns the path ("order.recipient.lines[1]") of the
// first string field in b, a message of type md, that is not UTF-8, or ""
// when there is none or b is malformed.
func invalidUTF8Field(md protoreflect.MessageDescriptor, b []byte, prefix string) string {
	seen := map[protowire.Number]int{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return ""
		}
		value := b[:n]
		b = b[n:]
		fd := md.Fields().ByNumber(num)
		if fd == nil || typ != protowire.BytesType {
			continue
		}
		path := prefix + string(fd.Name())
		if fd.IsList() {
			path += "[" + strconv.Itoa(seen[num]) + "]"
			seen[num]++
		}
		content, _ := protowire.ConsumeBytes(value)
		switch fd.Kind() {
		case protoreflect.StringKind:
			if !utf8.Valid(content) {
				return path
			}
		case protoreflect.MessageKind:
			if f := invalidUTF8Field(fd.Message(), content, path+"."); f != "" {
				return f
			}
		}
	}
	return ""
}

// decodeUnary is the first unary interceptor: a request that did not
// decode is answered InvalidArgument, after its caller was authenticated
// (so an anonymous caller learns nothing more than Unauthenticated).
func (s *Server) decodeUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if derr := decodeError(req); derr != nil {
		if _, _, _, err := s.authorize(ctx, info.FullMethod); err != nil {
			return nil, err
		}
		return nil, toStatus(ctx, s.log, info.FullMethod, derr)
	}
	return handler(ctx, req)
}

// decodeStream is the first stream interceptor: every message received on
// the stream is checked as it arrives, so a stream that sends one bad
// message ends with InvalidArgument.
func (s *Server) decodeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return handler(srv, decodingStream{ServerStream: ss})
}

type decodingStream struct{ grpc.ServerStream }

// RecvMsg receives m and returns its decode error, if it had one.
func (d decodingStream) RecvMsg(m any) error {
	if err := d.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return decodeError(m)
}
