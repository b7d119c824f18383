package rpc

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Metrics counts and times every gRPC call by method and status code.
// Its interceptors go before the authenticating ones, so refused calls
// (Unauthenticated, PermissionDenied) are counted too.
//
// A call the client ended (it cancelled, or went away) is no error of the
// server's: it is counted apart, in pickpack_rpc_client_cancels_total, and
// its duration in pickpack_rpc_client_cancel_duration_seconds (a watcher
// closing its page ends a WatchFloor stream so), never as code Canceled.
type Metrics struct {
	calls         *prometheus.CounterVec
	seconds       *prometheus.HistogramVec
	cancels       *prometheus.CounterVec
	cancelSeconds *prometheus.HistogramVec
}

// NewMetrics registers the RPC metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	// Scans are answered in milliseconds (a beep must feel instant);
	// streams (Scan, WatchFloor) last minutes to hours, hence the wide range.
	buckets := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60, 600, 3600}
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pickpack_rpc_calls_total",
			Help: "gRPC calls the server finished, by full method and status code (calls the client ended are in pickpack_rpc_client_cancels_total)."},
			[]string{"method", "code"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pickpack_rpc_duration_seconds",
			Help:    "gRPC call duration (streams: until they end), by full method and status code.",
			Buckets: buckets}, []string{"method", "code"}),
		cancels: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pickpack_rpc_client_cancels_total",
			Help: "gRPC calls the client ended (cancelled, or went away) before the server finished them, by full method."},
			[]string{"method"}),
		cancelSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pickpack_rpc_client_cancel_duration_seconds",
			Help:    "Duration of the gRPC calls the client ended, by full method (streams: how long they were watched).",
			Buckets: buckets}, []string{"method"}),
	}
	reg.MustRegister(m.calls, m.seconds, m.cancels, m.cancelSeconds)
	return m
}

// observe counts a finished call. ctx is the call's: when the client
// ended the call, it is done with context.Canceled and the handler
// returns Canceled or a bare context error, or nil (a stream whose client
// closed it cleanly).
func (m *Metrics) observe(ctx context.Context, method string, start time.Time, err error) {
	code := status.Code(err)
	took := time.Since(start).Seconds()
	if errors.Is(ctx.Err(), context.Canceled) && (code == codes.Canceled || code == codes.OK || errors.Is(err, context.Canceled)) {
		m.cancels.WithLabelValues(method).Inc()
		m.cancelSeconds.WithLabelValues(method).Observe(took)
		return
	}
	m.calls.WithLabelValues(method, code.String()).Inc()
	m.seconds.WithLabelValues(method, code.String()).Observe(took)
}

// UnaryInterceptor counts and times unary calls.
func (m *Metrics) UnaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := next(ctx, req)
	m.observe(ctx, info.FullMethod, start, err)
	return resp, err
}

// StreamInterceptor counts and times streams, each once when it ends.
func (m *Metrics) StreamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	start := time.Now()
	err := next(srv, ss)
	m.observe(ss.Context(), info.FullMethod, start, err)
	return err
}

// ServerOptions chain the interceptors. Put them before
// (*Server).ServerOptions so they wrap authentication:
//
//	opts := append(metrics.ServerOptions(), api.ServerOptions()...)
func (m *Metrics) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(m.UnaryInterceptor), grpc.ChainStreamInterceptor(m.StreamInterceptor)}
}
