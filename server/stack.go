package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/pickpack/pickpack/server/docs"
	"github.com/pickpack/pickpack/server/feed"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/printing"
	"github.com/pickpack/pickpack/server/rpc"
	"github.com/pickpack/pickpack/server/session"
	"github.com/pickpack/pickpack/server/store"
	"github.com/pickpack/pickpack/server/web"
)

// stackConfig is what the serving stack needs besides its store and its
// listeners: serve's flags, read once, and what cluster mode adds.
type stackConfig struct {
	log    *slog.Logger
	stdout io.Writer

	feed         floor.FeedConfig
	loc          *time.Location
	feedEvery    time.Duration
	releaseEvery time.Duration
	retainDays   int // 0: retention off
	demo         bool
	demoEvery    time.Duration
	printers     printing.Config
	shift        time.Duration
	limits       map[session.Kind]session.Limit

	creds           credentials.TransportCredentials
	tlsCert, tlsKey string

	// drain says, when ctx ends, how long calls may still finish; then
	// the remaining calls are closed. Zero closes them at once (a leader
	// that lost its leadership cannot commit their writes anyway).
	drain func() time.Duration
	// collectors join /metrics (the cluster's replication metrics).
	collectors []prometheus.Collector
	// health, if set, is called with the gRPC health server once it is
	// registered (cluster mode marks the leader's service there).
	health func(*health.Server)
	// cluster, if set, is the membership the site's admin routes change.
	cluster web.Cluster
	// wrapHTTP, if set, wraps the HTTP handler (cluster mode answers
	// /healthz in front of the site).
	wrapHTTP func(site http.Handler) http.Handler
}

// serveStack serves st: gRPC on lis, the site and the Connect protocol on
// hlis (nil: no HTTP), the supervisors' feed, the printers, the metrics
// and, if configured, the demo, until ctx ends or a listener fails. When
// ctx ends it drains the calls for at most c.drain and returns nil. The
// single server runs it once over its data file; a cluster node runs it
// over its replica each time it becomes leader.
func serveStack(ctx context.Context, st *store.Store, c stackConfig, lis, hlis net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // the background loops below end with the stack
	log := c.log
	if c.releaseEvery > 0 {
		// Otherwise each page bbolt ever read stays in the server's
		// resident memory, and the file grows all day.
		go every(ctx, c.releaseEvery, log, "release mapped pages", st.ReleaseMapped)
	}
	go retain(ctx, st, c.retainDays, log)

	if c.demo {
		if err := loadDemo(ctx, st, log, c.stdout, c.demoEvery); err != nil {
			return err
		}
	}

	hub := feed.NewHub(st, c.feed, floor.SystemClock{}, log)
	go hub.Run(ctx, c.feedEvery)
	// Documents are dated when they are made.
	documents := func(ctx context.Context, orderID, format string) (docs.Rendered, error) {
		return docs.Render(ctx, st, orderID, format, time.Now())
	}
	render := func(ctx context.Context, orderID, format string) ([]byte, error) {
		doc, err := documents(ctx, orderID, format)
		return doc.Data, err
	}
	renderTask := func(ctx context.Context, taskID, format string) ([]byte, error) {
		return docs.RenderTask(ctx, st, taskID, format, time.Now())
	}
	dispatcher := (&printing.Dispatcher{Jobs: st, Config: c.printers, Render: render, RenderTask: renderTask, Log: log}).Init()
	go dispatcher.Run(ctx)
	api := rpc.New(st, hub, log)
	api.OnPrint = dispatcher.Wake
	api.Shift = c.shift
	// One register for both sides: a token revoked through gRPC ends the
	// user's event streams on HTTP too.
	api.Streams = session.New(st, c.limits)
	// /metrics: process, floor and RPC metrics in one registry; the RPC
	// interceptors go first so that refused calls are counted too.
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		web.NewFloorMetrics(st, hub))
	for _, col := range c.collectors {
		metrics.MustRegister(col)
	}
	opts := append(rpc.NewMetrics(metrics).ServerOptions(), api.ServerOptions()...)
	opts = append(opts, grpc.Creds(c.creds))
	g := grpc.NewServer(opts...)
	api.Register(g)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(g, hs)
	if c.health != nil {
		c.health(hs)
	}
	reflection.Register(g)

	errc := make(chan error, 2)
	go func() { errc <- g.Serve(lis) }()
	var hs2 *http.Server
	if hlis != nil {
		site := &web.Server{Auth: st, Documents: documents, Log: log, Floor: hub, Data: st, Inventory: st, Metrics: metrics,
			Badges: st, Streams: api.Streams, Location: c.loc, Actions: st, OnPrint: dispatcher.Wake, Backup: st,
			Cluster: c.cluster}
		// Browsers (the handheld app) call the same services over the
		// Connect protocol on this port; the rest is the site.
		handler, err := rpc.Connect(g, site.Handler())
		if err != nil {
			g.Stop()
			return err
		}
		if c.wrapHTTP != nil {
			handler = c.wrapHTTP(handler)
		}
		hs2 = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			var err error
			if c.tlsCert != "" {
				err = hs2.ServeTLS(hlis, c.tlsCert, c.tlsKey)
			} else {
				err = hs2.Serve(hlis)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
		fmt.Fprintf(c.stdout, "pickpack serving HTTP on %s\n", hlis.Addr())
	}
	log.Info("serving gRPC", "addr", lis.Addr().String(), "data", st.Path(), "tls", c.tlsCert != "")
	fmt.Fprintf(c.stdout, "pickpack serving gRPC on %s\n", lis.Addr())

	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	drain := c.drain()
	log.Info("stopping the serving stack: draining calls", "within", drain)
	hs.Shutdown() // health answers NOT_SERVING while calls drain
	hub.Close()   // watch streams would otherwise hold the drain open
	if hs2 != nil {
		sctx, cancel := context.WithTimeout(context.Background(), drain)
		defer cancel()
		if hs2.Shutdown(sctx) != nil {
			hs2.Close()
		}
	}
	drained := make(chan struct{})
	go func() { g.GracefulStop(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(drain):
		if drain > 0 {
			log.Warn("drain timed out; closing remaining calls")
		}
		g.Stop()
		<-drained
	}
	log.Info("stopped")
	return err
}
