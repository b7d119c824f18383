package rpc

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/session"
	"github.com/pickpack/pickpack/server/store"
)

// MaxRequestBytes bounds every request. Imports of whole files are the
// largest messages; 16 MiB holds a bin map of ~200,000 bins or a SKU file
// of ~50,000 rows, and larger requests are refused with ResourceExhausted
// before they reach a handler.
const MaxRequestBytes = 16 << 20

// Store is what the services need from the state. *store.Store implements
// it; the interface keeps the services free of bbolt and lets another
// backend take its place.
type Store interface {
	Authenticator
	ImportBinMapContext(ctx context.Context, m *floor.BinMap, dry bool) (store.BinMapChange, error)
	BinMap() (*floor.BinMap, error)
	PutSKUsContext(ctx context.Context, skus []floor.SKU, dry bool) error
	SKU(id string) (floor.SKU, error)
	SKUByBarcode(code string) (floor.SKU, error)
	ListStock(f store.StockFilter, after string, limit int) ([]floor.StockLevel, string, error)
	AdjustStock(adjs ...store.StockAdjustment) ([]floor.StockLevel, error)
	SetShipping(sh *floor.Shipping) error
	SubmitOrdersContext(ctx context.Context, orders []floor.Order, dry bool) ([]store.Submitted, error)
	ImportOrdersContext(ctx context.Context, orders []floor.Order, dry bool) (created, known int, err error)
	Order(id string) (floor.Order, error)
	ListOrders(states []floor.OrderState, after string, limit int) ([]floor.Order, string, error)
	CancelOrder(user, id, reason string) (floor.Order, error)
	NextTask(picker string) (*floor.Task, bool, error)
	Task(id string) (floor.Task, error)
	PickScan(picker string, sc floor.Scan) (floor.Answer, error)
	ReleaseTask(by floor.User, taskID, reason string) (store.Released, error)
	ReassignTask(by floor.User, taskID, to, reason string) (floor.Task, string, error)
	PackScan(packer string, sc floor.Scan) (floor.Answer, error)
	Handoff(user string, sc floor.Scan) (floor.Answer, error)
	Reprint(by floor.User, orderID, station, reason string) (floor.PrintJob, error)
	RaisePriority(by floor.User, orderID, reason string) (floor.Order, error)
	TakeOffShift(by floor.User, picker, reason string) (floor.OffShift, error)
	PutOnShift(by floor.User, picker, reason string) error
	PrintJobs(open bool) ([]floor.PrintJob, error)
	CreateToken(user string, role floor.Role) (string, error)
	RevokeTokens(user string) (int, error)
	TokenInfo(token string) (floor.User, time.Time, error)
	RevokeToken(token string) (string, error)
	SignInPIN(user, pin string, ttl time.Duration, device string, pol floor.SignInPolicy) (store.SignedIn, error)
	SignInBadge(code string, ttl time.Duration, device string) (store.SignedIn, error)
	SetPIN(user string, role floor.Role, pin string, may func(floor.Role) bool) error
	IssueBadgeTo(user string, role floor.Role, may func(floor.Role) bool) (store.IssuedBadge, error)
	Users() ([]store.UserInfo, error)
	InventoryStore
}

// InventoryStore is what the inventory service needs from the state.
type InventoryStore interface {
	ExpectDelivery(d floor.Delivery) (floor.Delivery, error)
	Delivery(id string) (floor.Delivery, error)
	Receive(user, deliveryID string, sc floor.Scan, damaged int64) (floor.Answer, floor.DeliveryLine, error)
	CloseDelivery(id string) (floor.Delivery, []floor.DeliveryLine, error)
	SuggestBin(code string) (store.PutAwayAdvice, error)
	PutAway(user, bin string, sc floor.Scan) (floor.Answer, int64, error)
	Transfer(user, from, to string, sc floor.Scan) (floor.Answer, error)
	CountTasks() ([]floor.CountTask, error)
	CreateCountTasks(user string, bins []string, prefix, reason string) ([]floor.CountTask, error)
	StartCount(user, bin string) (floor.CountTask, error)
	SubmitCount(user, bin string, sc floor.Scan, found map[string]int64) (store.CountResult, error)
	SetSlotsContext(ctx context.Context, slots []floor.Slot, dry bool) error
	MoveTasks() ([]floor.MoveTask, error)
	SetSupplyContext(ctx context.Context, supply []floor.Supply, dry bool) error
	PurchaseSuggestions(pol floor.PurchasePolicy) ([]floor.PurchaseSuggestion, time.Time, error)
	History(from, to time.Time, after uint64, limit int) ([]floor.Movement, uint64, error)
}

// Server implements the pickpack.v1 services over a Store.
type Server struct {
	store Store
	log   *slog.Logger
	floor Watcher
	// Streams is the register of open streams: it caps them and ends a
	// user's streams when their tokens are revoked. New gives the server a
	// register of its own with session.DefaultLimits; replace it before
	// serving to share one with the HTTP side (so that a revocation here
	// ends the user's event streams there too) or to change the limits.
	Streams *session.Registry
	// OnPrint, if set, is called after a print job was queued, so the
	// printer dispatcher sends it without waiting for its next look.
	OnPrint func()
	// watchStalled, if set, is called when a WatchFloor stream has
	// inFlight messages waiting for its reader: the tests' way to know a
	// watcher stalled without watching a clock.
	watchStalled func()
	// Shift is how long a device token from SignIn lasts; DefaultShift if
	// zero.
	Shift time.Duration
	// SignInPolicy bounds failed sign-ins; floor.DefaultSignInPolicy if
	// zero.
	SignInPolicy floor.SignInPolicy
	// Clock times the sign-in limits; the system clock if nil.
	Clock floor.Clock

	signIns addressLimiter
}

func (s *Server) now() time.Time {
	if s.Clock != nil {
		return s.Clock.Now()
	}
	return time.Now()
}

func (s *Server) printed() {
	if s.OnPrint != nil {
		s.OnPrint()
	}
}

// New returns the services over st, logging to log; floor is the live
// view for supervisors (nil: WatchFloor answers Unavailable).
func New(st Store, floor Watcher, log *slog.Logger) *Server {
	return &Server{store: st, floor: floor, log: log, Streams: session.New(st, session.DefaultLimits)}
}

// ServerOptions are the grpc.Server options the services rely on: the
// authenticating interceptors and the request size limit.
func (s *Server) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		// Requests that do not decode are the caller's fault; floor
		// events are marshalled once for all their watchers (codec.go).
		grpc.ForceServerCodecV2(newRequestCodec()),
		grpc.ChainUnaryInterceptor(s.decodeUnary, s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.decodeStream, s.streamInterceptor),
		grpc.MaxRecvMsgSize(MaxRequestBytes),
		// Handhelds on flaky Wi-Fi ping to notice a dead link quickly.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
		// A forced stop still lets running handlers return before the
		// store closes under them.
		grpc.WaitForHandlers(true),
		// A thousand handhelds hold a thousand connections of tiny messages:
		// small per-connection buffers, taken from a pool only while data
		// moves (write buffers shared when idle). 4 KiB rather than 16:
		// hundreds of floor watchers receiving at once held 16 KiB each.
		grpc.ReadBufferSize(4 << 10),
		grpc.WriteBufferSize(4 << 10),
		grpc.SharedWriteBuffer(true),
		// Fixed flow-control windows turn off gRPC's bandwidth probe, which
		// otherwise answers nearly every scan of a quiet connection with a
		// window update and a ping that the handheld must acknowledge:
		// four extra frames per scan, each a write or a wake-up on both
		// ends. Scans are ~100 bytes; a largest import (MaxRequestBytes)
		// still goes through in a few round trips.
		grpc.InitialWindowSize(WindowBytes),
		grpc.InitialConnWindowSize(WindowBytes),
	}
}

// WindowBytes is the fixed HTTP/2 flow-control window of every stream and
// connection.
const WindowBytes = 4 << 20

// Register adds every pickpack.v1 service to g.
func (s *Server) Register(g *grpc.Server) {
	pb.RegisterWarehouseServiceServer(g, warehouseService{Server: s})
	pb.RegisterOrderServiceServer(g, orderService{Server: s})
	pb.RegisterPickServiceServer(g, pickService{Server: s})
	pb.RegisterTaskServiceServer(g, taskService{Server: s})
	pb.RegisterAuthServiceServer(g, authService{Server: s})
	pb.RegisterPackServiceServer(g, packService{Server: s})
	pb.RegisterFloorServiceServer(g, floorService{Server: s})
	pb.RegisterInventoryServiceServer(g, inventoryService{Server: s})
	pb.RegisterSignInServiceServer(g, signInService{Server: s})
}
