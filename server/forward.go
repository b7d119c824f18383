package main

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
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
// and bidirectional streams with their trailers) as HTTP/2, the site, the
// Connect protocol and the event streams as HTTP; over TLS both ways when
// the site has certificates (serverTLS and clientTLS), in clear otherwise.
// Health and /healthz are answered here, by this node.
type forwarder struct {
	// leader returns the current leader's addresses, if one is known.
	leader func() (upstream, bool)
	// self is this node's id: a leader that is this node has no stack up
	// yet (or no more), and forwarding to it would loop.
	self    string
	healthz http.Handler
	log     *slog.Logger
	// serverTLS, if set, holds this node's certificate: both ports serve
	// TLS with it, the gRPC port HTTP/2 negotiated by ALPN (h2).
	serverTLS *tls.Config
	// clientTLS, if set, verifies the leader's certificate: calls go to
	// it over TLS (https, HTTP/2 for gRPC).
	clientTLS *tls.Config
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
	if f.serverTLS != nil {
		protos.SetHTTP2(true) // gRPC over TLS: h2 by ALPN, nothing else
	} else {
		protos.SetUnencryptedHTTP2(true) // gRPC clients speak HTTP/2 with prior knowledge
	}
	gs := &http.Server{Handler: f.grpcHandler(local), Protocols: &protos, ReadHeaderTimeout: 10 * time.Second}
	servers := []*http.Server{gs}
	errc := make(chan error, 2)
	go func() { errc <- f.serveOn(gs, glis, "h2") }()
	if hlis != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /healthz", f.healthz)
		mux.Handle("/", f.httpHandler())
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, hs)
		go func() { errc <- f.serveOn(hs, hlis, "h2", "http/1.1") }()
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

// serveOn serves s on l, over TLS offering alpn if the node has a
// certificate.
func (f *forwarder) serveOn(s *http.Server, l net.Listener, alpn ...string) error {
	if f.serverTLS == nil {
		return s.Serve(l)
	}
	cfg := f.serverTLS.Clone()
	cfg.NextProtos = alpn
	return s.Serve(tls.NewListener(l, cfg))
}

// scheme is how the leader's ports are spoken to.
func (f *forwarder) scheme() string {
	if f.clientTLS != nil {
		return "https"
	}
	return "http"
}

// dialConfig is a copy of clientTLS for one transport: a transport that
// speaks HTTP/2 adds h2 to its configuration's protocols, and another
// that shares it would then offer h2 and speak HTTP/1.
func (f *forwarder) dialConfig() *tls.Config {
	if f.clientTLS == nil {
		return nil
	}
	return f.clientTLS.Clone()
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
	if f.clientTLS != nil {
		protos.SetHTTP2(true)
	} else {
		protos.SetUnencryptedHTTP2(true)
	}
	scheme := f.scheme()
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: scheme, Host: pr.In.Context().Value(upstreamKey{}).(string)})
			if pr.Out.Body != nil {
				pr.Out.Body = &abortable{ReadCloser: pr.Out.Body, in: pr.In.Body}
			}
		},
		Transport: &http.Transport{Protocols: &protos, DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
			TLSClientConfig: f.dialConfig(), TLSHandshakeTimeout: 2 * time.Second, MaxIdleConnsPerHost: 16},
		// Each message goes on at once: a scan's answer must not wait
		// in a buffer.
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			f.log.Debug("forwarding a gRPC call failed", "method", r.URL.Path, "err", err)
			grpcRefuse(w, "the leader cannot be reached: "+err.Error())
		},
		ModifyResponse: func(res *http.Response) error {
			if b, ok := res.Request.Context().Value(brokenKey{}).(*breakable); ok {
				b.ReadCloser, res.Body = res.Body, b
			}
			return nil
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
		ctx := context.WithValue(r.Context(), upstreamKey{}, up.grpc)
		b := &breakable{}
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(ctx, brokenKey{}, b)))
		if b.err != nil {
			// The leader went away in the middle of the call: its
			// trailers will never come, so the call ends with ours.
			w.Header().Set(http.TrailerPrefix+"Grpc-Status", strconv.Itoa(int(codes.Unavailable)))
			w.Header().Set(http.TrailerPrefix+"Grpc-Message", url.PathEscape("the leader went away: "+b.err.Error()))
		}
	})
}

// abortable is a forwarded call's request body as the transport reads it.
// The proxy keeps the transport from closing the client's body (an
// HTTP/1 body may hang in Close), which leaves a stream whose leader went
// away waiting for the client's next message before its answer fails;
// and a handheld sends nothing until it has its answer. On HTTP/2, where
// Close only breaks the pipe, closing the client's body when the
// transport gives up on it ends that wait.
type abortable struct {
	io.ReadCloser
	in io.ReadCloser
}

// Close ends the client's body too.
func (a *abortable) Close() error {
	a.in.Close()
	return a.ReadCloser.Close()
}

// brokenKey carries a call's breakable from the handler to the proxy's
// ModifyResponse.
type brokenKey struct{}

// breakable is the leader's response body as the proxy reads it: a
// failure to read it ends the body as if it were complete and is kept,
// so that the handler ends the call with Unavailable instead of the
// proxy resetting the stream (which the client would take for Internal).
type breakable struct {
	io.ReadCloser
	err error
}

func (b *breakable) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
		return n, io.EOF
	}
	return n, err
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
	scheme := f.scheme()
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: scheme, Host: pr.In.Context().Value(upstreamKey{}).(string)})
			pr.SetXForwarded()
		},
		Transport: &http.Transport{DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
			TLSClientConfig: f.dialConfig(), TLSHandshakeTimeout: 2 * time.Second, MaxIdleConnsPerHost: 64},
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
