package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/pickpack/pickpack/server/cluster"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/printing"
	"github.com/pickpack/pickpack/server/route"
	"github.com/pickpack/pickpack/server/rpc"
	"github.com/pickpack/pickpack/server/session"
)

// drainTimeout bounds how long in-flight calls may finish after a signal.
const drainTimeout = 10 * time.Second

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var d dataFlags
	d.register(fs)
	var pf plannerFlags
	pf.register(fs)
	addr := fs.String("addr", "127.0.0.1:7070", "gRPC listen address")
	tlsCert := fs.String("tls-cert", "", "TLS certificate file (PEM)")
	tlsKey := fs.String("tls-key", "", "TLS key file (PEM)")
	tlsCA := fs.String("tls-ca", "", "with --cluster and --tls-cert, the site's CA certificate (PEM): Raft accepts and dials only nodes with a certificate it signed, and followers verify the leader with it")
	allowPlaintext := fs.Bool("allow-plaintext", false, "serve without TLS on a non-loopback address (tokens travel in clear)")
	demoFlag := fs.Bool("demo", false, "load the built-in demo warehouse, create one user per role and print their tokens")
	demoEvery := fs.Duration("demo-every", 20*time.Second, "with --demo, how often a new demo order arrives (0: never)")
	feedEvery := fs.Duration("feed-every", 2*time.Second, "how often the supervisors' view is recomputed")
	releaseEvery := fs.Duration("release-mapped-every", time.Second,
		"how often the data file's pages are dropped from the server's memory map (they stay in the kernel's page cache); 0: never")
	memLimit := fs.Int64("memory-limit", 160<<20, "soft limit of the Go heap in bytes (GOMEMLIMIT); 0: none")
	gcPercent := fs.Int("gc-percent", 200, "heap growth between collections in percent (GOGC); 0: leave GOGC as it is")
	httpAddr := fs.String("http-addr", "127.0.0.1:8080", "HTTP listen address (documents, supervisor page, metrics); empty: none")
	printers := fs.String("printers", "", "printer configuration (JSON); default: PDFs spooled to DATA/spool")
	maxWatchers := fs.Int("max-watchers", session.DefaultLimits[session.KindWatch].Total,
		"most floor watchers (WatchFloor and the page's event stream) open at once; more are refused (ResourceExhausted, HTTP 429); 0: no cap")
	maxUserWatchers := fs.Int("max-watchers-per-user", session.DefaultLimits[session.KindWatch].PerUser,
		"most floor watchers of one user; another one ends that user's oldest; 0: no cap")
	maxScans := fs.Int("max-scan-streams", session.DefaultLimits[session.KindScan].Total,
		"most scan streams (Scan, Pack, Handoff) open at once; more are refused (ResourceExhausted); 0: no cap")
	maxUserScans := fs.Int("max-scan-streams-per-user", session.DefaultLimits[session.KindScan].PerUser,
		"most scan streams of one user; another one ends that user's oldest (a handheld reconnecting before its dead link was noticed); 0: no cap")
	shiftsFlag := fs.String("shifts", "06:00,14:00,22:00",
		"start of each shift as HH:MM in the site's time zone, comma-separated; a shift ends where the next starts (the figures' window)")
	tzFlag := fs.String("tz", "Local", "the site's time zone (IANA name, e.g. Europe/Berlin): of --shifts, the figures and the report PDFs")
	shift := fs.Duration("shift", rpc.DefaultShift, "how long a device token from SignIn (badge or PIN) lasts")
	logFormat := fs.String("log-format", "text", "text or json")
	retainDays := fs.Int("retain-days", defaultRetainDays, "whole days before today of scans, movements and closed orders kept in the data file; older ones move to DATA/archive every hour (0: keep everything)")
	cpuProfile := fs.String("cpuprofile", "", "write the server's CPU profile to this file until it stops (for finding where a scan's time goes)")
	var logLevel slog.Level
	fs.TextVar(&logLevel, "log-level", slog.LevelInfo, "debug (logs every call), info, warn or error")
	nodeID := fs.String("node", "", "with --cluster, this node's id in it")
	clusterFlag := fs.String("cluster", "",
		"serve as one node of a site replicated through Raft: every node as ID=RAFT/GRPC/HTTP (host:port each), comma-separated, e.g. "+
			"n1=127.0.0.1:7001/127.0.0.1:7071/127.0.0.1:8081,n2=...; this node's --addr and --http-addr come from its entry")
	join := fs.Bool("join", false, "with --cluster, this node is being added to a running site (server cluster join on the leader): it does not bootstrap")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	var node nodeConfig
	if *clusterFlag != "" || *nodeID != "" || *join {
		var err error
		if node, err = clusterFlags(fs, *nodeID, *clusterFlag, *join, *tlsCert, *tlsCA); err != nil {
			return err
		}
		*addr, *httpAddr = node.self.GRPC, node.self.HTTP
	}
	if *retainDays < 0 {
		return fmt.Errorf("--retain-days must be 0 (keep everything) or more, got %d", *retainDays)
	}
	if *shift <= 0 {
		return fmt.Errorf("--shift must be above zero, got %v", *shift)
	}
	log := newLogger(*logFormat, logLevel, stderr)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	loc, err := time.LoadLocation(*tzFlag)
	if err != nil {
		return fmt.Errorf("--tz: %w", err)
	}
	shifts, err := floor.ParseShifts(*shiftsFlag, loc)
	if err != nil {
		return fmt.Errorf("--shifts: %w", err)
	}
	if *memLimit > 0 {
		// Garbage from a thousand streams comes in bursts; a soft limit makes
		// the collector work harder instead of letting the heap balloon.
		debug.SetMemoryLimit(*memLimit)
	}
	if *gcPercent > 0 {
		// Each collection scans every stream's stack and steals a processor
		// from the scans: fewer of them while the heap is small, and the
		// memory limit above still bounds the heap.
		debug.SetGCPercent(*gcPercent)
	}

	creds, err := transportCredentials(*addr, *tlsCert, *tlsKey, *allowPlaintext)
	if err != nil {
		return err
	}
	if *httpAddr != "" && *tlsCert == "" && !*allowPlaintext && !loopback(*httpAddr) {
		return fmt.Errorf("refusing plaintext HTTP on %s: give --tls-cert and --tls-key, or --allow-plaintext", *httpAddr)
	}
	switch {
	case *tlsCA != "" && node.self.ID == "":
		return errors.New("--tls-ca is for --cluster: it is the CA of the site's nodes")
	case node.self.ID != "" && *tlsCert != "":
		if node.raftTLS, node.serveTLS, node.dialTLS, err = nodeTLS(*tlsCert, *tlsKey, *tlsCA); err != nil {
			return err
		}
	case node.self.ID != "" && !*allowPlaintext && !loopback(node.self.Raft):
		return fmt.Errorf("refusing plaintext Raft on %s: the nodes' log travels in clear; give --allow-plaintext on a trusted network", node.self.Raft)
	}
	printCfg := printing.Config{Default: printing.Printer{Kind: "spool", Dir: filepath.Join(d.dir, "spool")}}
	if *printers != "" {
		data, err := os.ReadFile(*printers)
		if err != nil {
			return err
		}
		if printCfg, err = printing.ParseConfig(data); err != nil {
			return fmt.Errorf("%s: %w", *printers, err)
		}
	}
	d.planner, d.paper = route.NewPlanner(pf.config()), printCfg.Paper
	sc := stackConfig{log: log, stdout: stdout, feed: pf.feedConfig(shifts), loc: loc, feedEvery: *feedEvery,
		releaseEvery: *releaseEvery, retainDays: *retainDays, demo: *demoFlag, demoEvery: *demoEvery, printers: printCfg,
		shift: *shift, creds: creds, tlsCert: *tlsCert, tlsKey: *tlsKey, drain: func() time.Duration { return drainTimeout },
		limits: map[session.Kind]session.Limit{
			session.KindScan:  {PerUser: *maxUserScans, Total: *maxScans},
			session.KindWatch: {PerUser: *maxUserWatchers, Total: *maxWatchers},
		}}
	if node.self.ID != "" {
		node.data, node.stack = d, sc
		return serveNode(ctx, node)
	}
	st, err := d.open(floor.SystemClock{})
	if err != nil {
		return err
	}
	defer st.Close()
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var hlis net.Listener
	if *httpAddr != "" {
		if hlis, err = net.Listen("tcp", *httpAddr); err != nil {
			lis.Close()
			return err
		}
	}
	return serveStack(ctx, st, sc, lis, hlis)
}

// clusterFlags checks serve's cluster flags and finds this node's entry.
func clusterFlags(fs *flag.FlagSet, id, list string, join bool, tlsCert, tlsCA string) (nodeConfig, error) {
	var c nodeConfig
	switch {
	case id == "" || list == "":
		return c, errors.New("--node and --cluster go together")
	case tlsCert != "" && tlsCA == "":
		// The system's CAs would let anyone with a public certificate
		// speak Raft to the site.
		return c, errors.New("--tls-ca is required with --cluster and --tls-cert: only nodes with a certificate from the site's CA may speak Raft")
	case tlsCA != "" && tlsCert == "":
		return c, errors.New("--tls-ca goes with --tls-cert and --tls-key: the node needs its own certificate to present")
	}
	var clash []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "addr" || f.Name == "http-addr" {
			clash = append(clash, "--"+f.Name)
		}
	})
	if len(clash) > 0 {
		return c, fmt.Errorf("%s: with --cluster, this node's addresses come from its entry in --cluster", strings.Join(clash, " and "))
	}
	peers, err := cluster.ParsePeers(list)
	if err != nil {
		return c, fmt.Errorf("--cluster: %w", err)
	}
	for _, p := range peers {
		if p.ID == id {
			c.self = p
		}
	}
	if c.self.ID == "" {
		return c, fmt.Errorf("--node %s is not one of --cluster's nodes", floor.Quote(id))
	}
	c.peers, c.join = peers, join
	return c, nil
}

// nodeTLS loads a node's certificate and the site's CA: Raft's mutual
// TLS, the ports' server side (this node's certificate) and a follower's
// client side (the leader verified against the CA).
func nodeTLS(cert, key, ca string) (raftTLS, serveTLS, dialTLS *tls.Config, err error) {
	if raftTLS, err = cluster.MutualTLS(cert, key, ca); err != nil {
		return nil, nil, nil, err
	}
	serveTLS = &tls.Config{Certificates: raftTLS.Certificates, MinVersion: tls.VersionTLS12}
	dialTLS = &tls.Config{RootCAs: raftTLS.RootCAs, MinVersion: tls.VersionTLS12}
	return raftTLS, serveTLS, dialTLS, nil
}

func newLogger(format string, level slog.Level, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// transportCredentials refuses plaintext where tokens would cross a network:
// only loopback addresses may go without TLS unless explicitly allowed.
func transportCredentials(addr, cert, key string, allowPlaintext bool) (credentials.TransportCredentials, error) {
	if (cert == "") != (key == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if cert != "" {
		c, err := credentials.NewServerTLSFromFile(cert, key)
		if err != nil {
			return nil, fmt.Errorf("TLS: %w", err)
		}
		return c, nil
	}
	if !allowPlaintext && !loopback(addr) {
		return nil, fmt.Errorf("refusing plaintext on %s: give --tls-cert and --tls-key, or --allow-plaintext on a trusted network", addr)
	}
	return insecureCreds(), nil
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// every runs fn each period until ctx ends, logging what fails as what.
func every(ctx context.Context, period time.Duration, log *slog.Logger, what string, fn func() error) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := fn(); err != nil {
				log.Warn(what, "err", err)
			}
		}
	}
}
