package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// leaderHealthService is the gRPC health service that tells a cluster's
// leader from its followers: SERVING on the leader, NOT_SERVING on a
// follower (whose "" service is SERVING: it answers, by forwarding).
const leaderHealthService = "pickpack.leader"

// upstream is where a follower forwards to: the leader's ports.
type upstream struct {
	id, grpc, http string
}

// forwarder serves a follower's two ports by passing every call on to the
// leader, so that any node's address works for every client: gRPC (unary
// and bidirectional streams with their trailers) as HTTP/2 without TLS,
// the site, the Connect protocol and the event streams as HTTP. Health and
// /healthz are answered here, by this node.
type forwarder struct {
	// leader returns the current leader's addresses, if one is known.
	leader func() (upstream, bool)
	// self is this node's id: a leader that is this node has no stack up
	// yet (or no more), and forwarding to it would loop.
	self    string
	healthz http.Handler
	log     *slog.Logger
}

// serve forwards on glis (gRPC) and hlis (HTTP, nil: none) until ctx
// ends, then closes every forwarded call at once: their clients reconnect
// to whatever serves the ports next.
func (f *forwarder) serve(ctx context.Context, glis, hlis net.Listener) error {
	local := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus(leaderHealthService, healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(local, hs)
	defer local.Stop()

	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true) // gRPC clients speak HTTP/2 with prior knowledge
	gs := &http.Server{Handler: f.grpcHandler(local), Protocols: &protos, ReadHeaderTimeout: 10 * time.Second}
	servers := []*http.Server{gs}
	errc := make(chan error, 2)
	go func() { errc <- gs.Serve(glis) }()
	if hlis != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /healthz", f.healthz)
		mux.Handle("/", f.httpHandler())
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, hs)
		go func() { errc <- hs.Serve(hlis) }()
	}
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	for _, s := range servers {
		s.Close()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// target returns the leader to forward to, or false.
func (f *forwarder) target() (upstream, bool) {
	up, ok := f.leader()
	if !ok || up.id == f.self {
		return upstream{}, false
	}
	return up, true
}

// upstreamKey carries the chosen leader address from the handler to the
// proxy's Rewrite.
type upstreamKey struct{}

// grpcHandler forwards gRPC calls to the leader's gRPC port; the health
// service is answered by local.
func (f *forwarder) grpcHandler(local *grpc.Server) http.Handler {
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: "http", Host: pr.In.Context().Value(upstreamKey{}).(string)})
		},
		Transport: &http.Transport{Protocols: &protos, DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 16},
		// Each message goes on at once: a scan's answer must not wait
		// in a buffer.
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			f.log.Debug("forwarding a gRPC call failed", "method", r.URL.Path, "err", err)
			grpcRefuse(w, "the leader cannot be reached: "+err.Error())
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/grpc.health.v1.Health/") {
			local.ServeHTTP(w, r)
			return
		}
		up, ok := f.target()
		if !ok {
			grpcRefuse(w, "no leader is known: the cluster is electing one, or this node is cut off")
			return
		}
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), upstreamKey{}, up.grpc)))
	})
}

// grpcRefuse answers a gRPC call with Unavailable and nothing else (a
// trailers-only response), which clients retry.
func grpcRefuse(w http.ResponseWriter, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/grpc")
	h.Set("Grpc-Status", strconv.Itoa(int(codes.Unavailable)))
	h.Set("Grpc-Message", url.PathEscape(msg))
	w.WriteHeader(http.StatusOK)
}

// httpHandler forwards everything else on the HTTP port to the leader's
// HTTP port: pages, documents, the Connect protocol, event streams.
func (f *forwarder) httpHandler() http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: "http", Host: pr.In.Context().Value(upstreamKey{}).(string)})
			pr.SetXForwarded()
		},
		Transport: &http.Transport{DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext, MaxIdleConnsPerHost: 64},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			f.log.Debug("forwarding an HTTP request failed", "path", r.URL.Path, "err", err)
			http.Error(w, "the leader cannot be reached", http.StatusServiceUnavailable)
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up, ok := f.target()
		if !ok || up.http == "" {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "no leader is known: the cluster is electing one, or this node is cut off", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), upstreamKey{}, up.http)))
	})
}
