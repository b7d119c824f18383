package rpc

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/session"
)

// allowed lists, per RPC, the roles that may call it besides admin, who
// may call everything. An RPC missing here is refused to everyone but
// admin: new RPCs are closed until someone decides who may call them.
var allowed = map[string][]floor.Role{
	pb.WarehouseService_GetBinMap_FullMethodName: {floor.RoleSupervisor},
	pb.WarehouseService_GetSku_FullMethodName:    {floor.RoleSupervisor, floor.RolePacker},
	pb.WarehouseService_ListStock_FullMethodName: {floor.RoleSupervisor},
	pb.OrderService_GetOrder_FullMethodName:      {floor.RoleSupervisor, floor.RolePacker},
	pb.OrderService_ListOrders_FullMethodName:    {floor.RoleSupervisor},
	pb.OrderService_CancelOrder_FullMethodName:   {floor.RoleSupervisor},
	pb.PickService_NextTask_FullMethodName:       {floor.RolePicker},
	pb.PickService_GetTask_FullMethodName:        {floor.RolePicker, floor.RoleSupervisor},
	pb.PickService_Scan_FullMethodName:           {floor.RolePicker},
	pb.PickService_ScanOne_FullMethodName:        {floor.RolePicker},
	pb.PackService_PackOne_FullMethodName:        {floor.RolePacker},
	pb.PackService_HandoffOne_FullMethodName:     {floor.RolePacker},
	pb.TaskService_ReleaseTask_FullMethodName:    {floor.RolePicker, floor.RoleSupervisor}, // a picker only their own: the store checks
	pb.TaskService_ReassignTask_FullMethodName:   {floor.RoleSupervisor},
	pb.PackService_Pack_FullMethodName:           {floor.RolePacker},
	pb.PackService_Handoff_FullMethodName:        {floor.RolePacker},
	pb.PackService_Reprint_FullMethodName:        {floor.RolePacker, floor.RoleSupervisor}, // a packer only at their own station: the handler checks
	pb.PackService_ListPrintJobs_FullMethodName:  {floor.RolePacker, floor.RoleSupervisor},
	pb.FloorService_WatchFloor_FullMethodName:    {floor.RoleSupervisor},
	pb.FloorService_RaisePriority_FullMethodName: {floor.RoleSupervisor},
	pb.FloorService_TakeOffShift_FullMethodName:  {floor.RoleSupervisor},
	pb.FloorService_PutOnShift_FullMethodName:    {floor.RoleSupervisor},
	pb.SignInService_SignOut_FullMethodName:      everyone,
	pb.SignInService_WhoAmI_FullMethodName:       everyone,
	pb.SignInService_SetPin_FullMethodName:       {floor.RoleSupervisor},
	pb.SignInService_IssueBadge_FullMethodName:   {floor.RoleSupervisor},

	pb.InventoryService_GetDelivery_FullMethodName:         {floor.RoleReceiver, floor.RoleSupervisor},
	pb.InventoryService_Receive_FullMethodName:             {floor.RoleReceiver},
	pb.InventoryService_CloseDelivery_FullMethodName:       {floor.RoleReceiver},
	pb.InventoryService_SuggestBin_FullMethodName:          {floor.RoleReceiver},
	pb.InventoryService_PutAway_FullMethodName:             {floor.RoleReceiver},
	pb.InventoryService_Transfer_FullMethodName:            {floor.RoleReceiver, floor.RoleCounter},
	pb.InventoryService_CreateCountTasks_FullMethodName:    {floor.RoleSupervisor},
	pb.InventoryService_ListCountTasks_FullMethodName:      {floor.RoleCounter, floor.RoleSupervisor},
	pb.InventoryService_StartCount_FullMethodName:          {floor.RoleCounter},
	pb.InventoryService_SubmitCount_FullMethodName:         {floor.RoleCounter},
	pb.InventoryService_ListMoveTasks_FullMethodName:       {floor.RoleReceiver, floor.RoleCounter, floor.RoleSupervisor},
	pb.InventoryService_PurchaseSuggestions_FullMethodName: {floor.RoleSupervisor},
	pb.InventoryService_History_FullMethodName:             {floor.RoleSupervisor},
}

// everyone is every role: RPCs about the caller's own token.
var everyone = []floor.Role{floor.RolePicker, floor.RolePacker, floor.RoleSupervisor, floor.RoleReceiver, floor.RoleCounter}

// public RPCs need no token: load balancers and grpcurl must reach
// health and reflection, and SignIn is how a device gets its token.
func public(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(method, "/grpc.reflection.") ||
		method == pb.SignInService_SignIn_FullMethodName
}

type (
	userKey  struct{}
	tokenKey struct{}
)

// callerToken returns the bearer token a request was authenticated with.
func callerToken(ctx context.Context) string {
	t, _ := ctx.Value(tokenKey{}).(string)
	return t
}

// caller returns the authenticated user of a request.
func caller(ctx context.Context) floor.User {
	u, _ := ctx.Value(userKey{}).(floor.User)
	return u
}

// Authenticator finds the user holding a bearer token.
type Authenticator interface {
	Authenticate(token string) (floor.User, error)
}

// authorize checks the bearer token and the caller's role for method and
// returns a context carrying the user and the token, the token, and when
// it expires (zero: never).
func (s *Server) authorize(ctx context.Context, method string) (context.Context, string, time.Time, error) {
	if public(method) {
		return ctx, "", time.Time{}, nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	auth := md.Get("authorization")
	if len(auth) == 0 {
		return nil, "", time.Time{}, status.Error(codes.Unauthenticated, "missing bearer token: send metadata \"authorization: Bearer <token>\"")
	}
	token, ok := session.Bearer(auth[0])
	if !ok {
		return nil, "", time.Time{}, status.Error(codes.Unauthenticated, "authorization metadata must be \"Bearer <token>\"")
	}
	u, exp, err := s.store.TokenInfo(token)
	if err != nil {
		return nil, "", time.Time{}, toStatus(ctx, s.log, method, err)
	}
	if u.Role != floor.RoleAdmin && !roleAllowed(method, u.Role) {
		return nil, "", time.Time{}, status.Errorf(codes.PermissionDenied, "%s: role %s may not call this", method, u.Role)
	}
	return context.WithValue(context.WithValue(ctx, userKey{}, u), tokenKey{}, token), token, exp, nil
}

func roleAllowed(method string, r floor.Role) bool {
	for _, a := range allowed[method] {
		if a == r {
			return true
		}
	}
	return false
}

func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, _, _, err := s.authorize(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := handler(ctx, req)
	err = toStatus(ctx, s.log, info.FullMethod, err)
	s.log.DebugContext(ctx, "rpc", "method", info.FullMethod, "user", caller(ctx).Name,
		"code", status.Code(err).String(), "ms", float64(time.Since(start).Microseconds())/1000)
	return resp, err
}

type authedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (a authedStream) Context() context.Context { return a.ctx }

// streamKinds are the streams the register caps and revocation ends.
// Every streaming RPC must be here (a test checks it).
var streamKinds = map[string]session.Kind{
	pb.PickService_Scan_FullMethodName:        session.KindScan,
	pb.PackService_Pack_FullMethodName:        session.KindScan,
	pb.PackService_Handoff_FullMethodName:     session.KindScan,
	pb.FloorService_WatchFloor_FullMethodName: session.KindWatch,
}

func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, token, exp, err := s.authorize(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	if !exp.IsZero() {
		// A stream open at the end of the shift ends with it, as a
		// revocation would end it.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, exp.Sub(s.now()), &floor.Error{Op: "authenticate", Kind: floor.KindUnauthenticated,
			Reason: "TOKEN_EXPIRED", Msg: "the shift's sign-in ended: sign in again"})
		defer cancel()
	}
	if kind, ok := streamKinds[info.FullMethod]; ok {
		// The stream runs under the register's context: a revoked token
		// or a newer stream of the same user ends it.
		sctx, release, err := s.Streams.Open(ctx, kind, caller(ctx).Name, token)
		if err != nil {
			return toStatus(ctx, s.log, info.FullMethod, err)
		}
		defer release()
		ctx = sctx
	}
	return toStatus(ctx, s.log, info.FullMethod, handler(srv, authedStream{ServerStream: ss, ctx: ctx}))
}
