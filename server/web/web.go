// Package web serves the HTTP side of the server, with the same bearer
// tokens as the gRPC API: order documents for browsers and printers, the
// supervisor page with its live feed (server-sent events), its JSON
// endpoints, shift reports, /metrics for Prometheus, and the handheld app
// (/handheld/: its own embedded files; it calls the API over the Connect
// protocol, served beside these routes).
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pickpack/pickpack/server/docs"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/session"
)

// Authenticator finds the user holding a bearer token.
type Authenticator interface {
	Authenticate(token string) (floor.User, error)
}

// Server holds what the handlers need.
type Server struct {
	Auth Authenticator
	// Documents renders an order's documents as "pdf" or "zpl", stopping
	// when ctx ends, and says the order's state they show.
	Documents func(ctx context.Context, orderID, format string) (docs.Rendered, error)
	// RenderTimeout bounds one rendering of documents, on top of the
	// request's own context; DefaultRenderTimeout if zero.
	RenderTimeout time.Duration
	Log           *slog.Logger

	// Floor is the live view the supervisor page streams; nil: the feed
	// and the map answer 503.
	Floor Watcher
	// Data is what the map, the figures and the reports are read from;
	// nil: they answer 503.
	Data Data
	// Inventory is what the history and purchase exports are read from;
	// nil: they answer 503.
	Inventory Inventory
	// HistoryPage is how many movements the history export reads per
	// transaction; 5,000 if zero.
	HistoryPage int
	// Clock gives "now" for the figures and the page's countdowns; the
	// system clock if nil. Tests inject a fixed one.
	Clock floor.Clock
	// Actions are what supervisors may do from the page; nil: the action
	// routes answer 503.
	Actions Actions
	// OnPrint, if set, is called after a reprint was queued, so the
	// printer dispatcher sends it without waiting for its next look.
	OnPrint func()
	// Badges issues the sign-in badges POST /api/users/{user}/badge
	// prints; nil: that route answers 503.
	Badges Badges
	// Metrics is what /metrics serves; nil: no /metrics.
	Metrics prometheus.Gatherer
	// Shift is how far back the page's figures reach; 8 hours if zero.
	Shift time.Duration
	// Location is the time zone of report PDFs; UTC if nil.
	Location *time.Location
	// Heartbeat is how often an idle event stream sends the time, so the
	// page's countdowns stay in step and proxies keep the stream open;
	// 15 s if zero.
	Heartbeat time.Duration
	// Streams is the register of open streams that caps the event streams
	// and ends them when their user's tokens are revoked. Share the gRPC
	// server's (rpc.Server.Streams): revocations are made there. Nil: a
	// register of this server's own with session.DefaultLimits, set by
	// Handler.
	Streams *session.Registry
	// Backup is what GET /admin/backup copies, for admins only; nil: the
	// route answers 503.
	Backup Backuper
	// BackupStall is how long one write of a backup may wait for the
	// client; DefaultBackupStall if zero.
	BackupStall time.Duration
	// Cluster is the site's membership on a cluster's leader, for admins
	// under /admin/cluster; nil (one server): no such routes.
	Cluster Cluster

	// backingUp is set while a backup runs: one at a time, since each
	// reads the whole file and keeps its pages from being reused.
	backingUp atomic.Bool
}

func (s *Server) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// Handler routes the HTTP API.
func (s *Server) Handler() http.Handler {
	if s.Streams == nil {
		s.Streams = session.New(s.Auth, session.DefaultLimits)
	}
	mux := http.NewServeMux()
	docRoles := []floor.Role{floor.RolePacker, floor.RoleSupervisor, floor.RoleAdmin}
	mux.Handle("GET /orders/{id}/documents.pdf", s.authorized(docRoles, s.documents("pdf", "application/pdf")))
	mux.Handle("GET /orders/{id}/documents.zpl", s.authorized(docRoles, s.documents("zpl", "application/vnd.zebra-zpl")))

	// The page itself holds no data: it is public, and asks for the token.
	mux.Handle("GET /{$}", page())
	mux.Handle("GET /assets/", page())
	// The handheld app: public like the page; it signs in through the API.
	mux.Handle("GET /handheld/", handheld())
	mux.Handle("GET /handheld", http.RedirectHandler("/handheld/", http.StatusMovedPermanently))
	supervisors := []floor.Role{floor.RoleSupervisor, floor.RoleAdmin}
	mux.Handle("GET /api/floor/events", s.authorized(supervisors, http.HandlerFunc(s.events)))
	mux.Handle("GET /api/floor/map", s.authorized(supervisors, http.HandlerFunc(s.floorMap)))
	mux.Handle("GET /api/floor/figures", s.authorized(supervisors, http.HandlerFunc(s.figures)))
	mux.Handle("POST /api/users/{user}/badge", s.authorized(supervisors, http.HandlerFunc(s.badge)))
	mux.Handle("GET /api/floor/off-shift", s.authorized(supervisors, http.HandlerFunc(s.offShiftList)))
	// The supervisors' actions, each a POST of {"reason": ...} (and the
	// picker or station it takes) recorded in the history.
	for path, a := range map[string]action{
		"/api/tasks/{id}/release":     releaseTask,
		"/api/tasks/{id}/reassign":    reassignTask,
		"/api/orders/{id}/cancel":     cancelOrder,
		"/api/orders/{id}/reprint":    reprint,
		"/api/orders/{id}/priority":   raisePriority,
		"/api/pickers/{id}/off-shift": offShift,
		"/api/pickers/{id}/on-shift":  onShift,
	} {
		mux.Handle("POST "+path, s.authorized(supervisors, s.act(a)))
	}
	mux.Handle("GET /reports/shift.csv", s.authorized(supervisors, s.shiftReport("csv")))
	mux.Handle("GET /reports/shift.pdf", s.authorized(supervisors, s.shiftReport("pdf")))
	mux.Handle("GET /reports/history.csv", s.authorized(supervisors, s.withInventory(s.history)))
	mux.Handle("GET /reports/purchase.csv", s.authorized(supervisors, s.withInventory(s.purchases)))
	mux.Handle("GET /admin/backup", s.authorized([]floor.Role{floor.RoleAdmin}, http.HandlerFunc(s.backup)))
	if s.Cluster != nil {
		s.clusterRoutes(mux)
	}
	if s.Metrics != nil {
		// Scrapers send a supervisor or admin token like everyone else:
		// queue depth and throughput are the business's own figures.
		mux.Handle("GET /metrics", s.authorized(supervisors, s.metrics()))
	}
	return mux
}

// authorized checks "Authorization: Bearer TOKEN" (the scheme in any case)
// and the caller's role, and hands the user and token on in the request's
// context.
func (s *Server) authorized(roles []floor.Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := session.Bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pickpack"`)
			http.Error(w, "missing bearer token: send \"Authorization: Bearer <token>\"", http.StatusUnauthorized)
			return
		}
		u, err := s.Auth.Authenticate(token)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !slices.Contains(roles, u.Role) {
			http.Error(w, "role "+u.Role.String()+" may not fetch this", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, callerOf{user: u, token: token})))
	})
}

// OrderStateHeader names the response header of the documents route that
// says which state the order was in when its documents were rendered
// ("assigned", "picked", "packed", "handed off" ...).
const OrderStateHeader = "Pickpack-Order-State"

// DefaultRenderTimeout bounds the rendering of an order's documents: the
// slowest document a valid order makes renders in about 40 ms, so only a
// stored record from before the limits, or a starved machine, reaches it.
const DefaultRenderTimeout = 5 * time.Second

type callerKey struct{}

// callerOf is who made an authorized request, with the token they sent.
type callerOf struct {
	user  floor.User
	token string
}

// renderTimeout is RenderTimeout or its default.
func (s *Server) renderTimeout() time.Duration {
	if s.RenderTimeout == 0 {
		return DefaultRenderTimeout
	}
	return s.RenderTimeout
}

func (s *Server) documents(format, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if p := floor.IDOrder.Problem(id); p != "" {
			s.fail(w, r, floor.Invalid("documents", []floor.Violation{{Field: "id", Description: p}}))
			return
		}
		// The request's context ends the render when the client goes
		// away; the timeout, when a document is too slow to be worth
		// waiting for (Documents then says so: 503).
		ctx, cancel := context.WithTimeout(r.Context(), s.renderTimeout())
		defer cancel()
		doc, err := s.Documents(ctx, id, format)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", contentDisposition("inline", id, format))
		// The order's state at rendering: a waybill made before packing
		// has the SKUs' weight, not the scale's.
		w.Header().Set(OrderStateHeader, doc.State.String())
		w.Write(doc.Data)
	})
}

var kindStatus = map[floor.Kind]int{
	floor.KindInvalid:         http.StatusBadRequest,
	floor.KindNotFound:        http.StatusNotFound,
	floor.KindConflict:        http.StatusConflict,
	floor.KindPermission:      http.StatusForbidden,
	floor.KindUnauthenticated: http.StatusUnauthorized,
	floor.KindUnavailable:     http.StatusServiceUnavailable,
	floor.KindExhausted:       http.StatusTooManyRequests,
}

// fail is the one place where errors become HTTP statuses; internal
// details are logged, not sent.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var fe *floor.Error
	code, ok := kindStatus[floor.KindOf(err)]
	if !ok || !errors.As(err, &fe) {
		s.Log.ErrorContext(r.Context(), "internal error", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error; the server log has the details", http.StatusInternalServerError)
		return
	}
	http.Error(w, fe.Error(), code)
}
