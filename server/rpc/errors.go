// Package rpc serves the pickpack.v1 gRPC API: it authenticates callers,
// checks their roles, validates requests, converts between protos and the
// domain, and turns domain errors into gRPC statuses, in one place.
package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/pickpack/pickpack/server/floor"
)

// errorDomain names our ErrorInfo reasons, per the gRPC error model.
const errorDomain = "pickpack.v1"

var kindCodes = map[floor.Kind]codes.Code{
	floor.KindInternal:        codes.Internal,
	floor.KindInvalid:         codes.InvalidArgument,
	floor.KindNotFound:        codes.NotFound,
	floor.KindConflict:        codes.FailedPrecondition,
	floor.KindPermission:      codes.PermissionDenied,
	floor.KindUnauthenticated: codes.Unauthenticated,
	floor.KindUnavailable:     codes.Unavailable,
	floor.KindExhausted:       codes.ResourceExhausted,
}

// toStatus is the one place where errors become gRPC statuses. Invalid
// input carries BadRequest field violations; classified errors carry an
// ErrorInfo reason clients can switch on; internal errors are logged with
// their details and sent without them.
func toStatus(ctx context.Context, log *slog.Logger, method string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return status.Error(codes.Canceled, "request cancelled")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	}
	var fe *floor.Error
	if !errors.As(err, &fe) || fe.Kind == floor.KindInternal {
		log.ErrorContext(ctx, "internal error", "method", method, "err", err)
		return status.Error(codes.Internal, "internal error; the server log has the details")
	}
	st := status.New(kindCodes[fe.Kind], clip(fe.Error(), maxMessageBytes))
	var details []protoadapt.MessageV1
	if len(fe.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range fe.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: clip(v.Field, maxFieldBytes), Description: clip(v.Description, maxFieldBytes)})
		}
		details = append(details, br)
	}
	if fe.Reason != "" {
		details = append(details, &errdetails.ErrorInfo{Reason: fe.Reason, Domain: errorDomain, Metadata: fe.Meta})
	}
	if len(details) > 0 {
		if withDetails, derr := st.WithDetails(details...); derr == nil {
			st = withDetails
		}
	}
	return st.Err()
}

// Bounds of what an error sends back. The domain quotes a caller's values
// clipped already; these bounds are the last guard, so that no message
// built anywhere can echo a huge request back (a 1 MB id must not make a
// 2 MB reply).
const (
	maxMessageBytes = 1024
	maxFieldBytes   = 256
)

// clip cuts s to at most n bytes on a rune boundary, saying how long it was.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 32
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}
