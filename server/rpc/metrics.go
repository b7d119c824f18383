package rpc

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// Metrics counts and times every gRPC call by method and status code.
// Its interceptors go before the authenticating ones, so refused calls
// (Unauthenticated, PermissionDenied) are counted too.
type Metrics struct {
	calls   *prometheus.CounterVec
	seconds *prometheus.HistogramVec
}

// NewMetrics registers the RPC metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pickpack_rpc_calls_total",
			Help: "gRPC calls finished, by full method and status code."}, []string{"method", "code"}),
		// Scans are answered in milliseconds (a beep must feel instant);
		// streams (Scan, WatchFloor) last minutes to hours, hence the wide range.
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pickpack_rpc_duration_seconds",
			Help:    "gRPC call duration (streams: until they end), by full method and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60, 600, 3600}},
			[]string{"method", "code"}),
	}
	reg.MustRegister(m.calls, m.seconds)
	return m
}

func (m *Metrics) observe(method string, start time.Time, err error) {
	code := status.Code(err).String()
	m.calls.WithLabelValues(method, code).Inc()
	m.seconds.WithLabelValues(method, code).Observe(time.Since(start).Seconds())
}

// UnaryInterceptor counts and times unary calls.
func (m *Metrics) UnaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := next(ctx, req)
	m.observe(info.FullMethod, start, err)
	return resp, err
}

// StreamInterceptor counts and times streams, each once when it ends.
func (m *Metrics) StreamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	start := time.Now()
	err := next(srv, ss)
	m.observe(info.FullMethod, start, err)
	return err
}

// ServerOptions chain the interceptors. Put them before
// (*Server).ServerOptions so they wrap authentication:
//
//	opts := append(metrics.ServerOptions(), api.ServerOptions()...)
func (m *Metrics) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(m.UnaryInterceptor), grpc.ChainStreamInterceptor(m.StreamInterceptor)}
}
