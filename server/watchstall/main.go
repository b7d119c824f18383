// Command watchstall measures what stalled floor watchers cost the server:
// it starts the demo server, opens WatchFloor streams that read only their
// first message (each on its own connection) and SSE clients that never
// read, runs the load tool beside them, and reports the server's peak RSS
// (VmHWM) against a control run without watchers, run after run:
//
//	go run ./server/watchstall                  # 500 + 500, 1 pair of runs
//	go run ./server/watchstall -runs 3 -grpc 500 -sse 0
//
// Every run is printed, not the best. The watchers' caps are raised to let
// them all in; the server otherwise runs with its defaults (its own flags
// after --).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "watchstall:", err)
		os.Exit(1)
	}
}

type config struct {
	server, client string
	grpcN, sseN    int
	runs           int
	settle, bench  time.Duration
	logs           string
	serverFlags    []string
}

func run() error {
	var c config
	flag.StringVar(&c.server, "server", "", "server binary (default: built from ./server)")
	flag.StringVar(&c.client, "client", "", "scanner-client binary (default: built from ./scanner-client)")
	flag.IntVar(&c.grpcN, "grpc", 500, "WatchFloor streams that read only their first message, each on its own connection")
	flag.IntVar(&c.sseN, "sse", 500, "SSE clients (/api/floor/events) that never read")
	flag.IntVar(&c.runs, "runs", 1, "pairs of runs (with watchers, then without), alternating")
	flag.DurationVar(&c.settle, "settle", 15*time.Second, "demo activity with the watchers open before the load starts")
	flag.DurationVar(&c.bench, "bench", 60*time.Second, "the load tool's run (bench --pickers 20)")
	flag.StringVar(&c.logs, "logs", "", "keep the server's and the load tool's output in this directory")
	flag.Parse()
	c.serverFlags = flag.Args()
	tmp, err := os.MkdirTemp("", "watchstall")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if c.logs == "" {
		c.logs = tmp
	}
	for _, b := range []struct {
		bin *string
		pkg string
	}{{&c.server, "./server"}, {&c.client, "./scanner-client"}} {
		if *b.bin != "" {
			continue
		}
		*b.bin = filepath.Join(tmp, filepath.Base(b.pkg))
		if out, err := exec.Command("go", "build", "-o", *b.bin, b.pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	fmt.Printf("%d WatchFloor streams + %d SSE clients, %s of demo activity then bench --pickers 20 for %s; VmHWM in MB\n",
		c.grpcN, c.sseN, c.settle, c.bench)
	fmt.Println("| run | watchers: start / open / end | control: start / end | added |")
	fmt.Println("| --- | --- | --- | --- |")
	for i := 1; i <= c.runs; i++ {
		w, err := c.once(fmt.Sprintf("%s/run%d-watchers", c.logs, i), c.grpcN, c.sseN)
		if err != nil {
			return err
		}
		ctl, err := c.once(fmt.Sprintf("%s/run%d-control", c.logs, i), 0, 0)
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %.1f / %.1f / %.1f | %.1f / %.1f | %.1f |\n", i, mb(w.start), mb(w.open), mb(w.end),
			mb(ctl.start), mb(ctl.end), mb(w.end-ctl.end))
	}
	return nil
}

// peaks are the server's VmHWM in kB when it had started, once the
// watchers were open, and after the load.
type peaks struct{ start, open, end int64 }

func mb(kb int64) float64 { return float64(kb) / 1024 }

// once runs the server with grpcN and sseN stalled watchers and returns
// its peaks; the outputs go to files named from prefix.
func (c config) once(prefix string, grpcN, sseN int) (peaks, error) {
	var p peaks
	data, err := os.MkdirTemp("", "watchstall-data")
	if err != nil {
		return p, err
	}
	defer os.RemoveAll(data)
	args := append([]string{"serve", "--demo", "--demo-every", "200ms", "--data", data,
		"--addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--max-watchers", "2000", "--max-watchers-per-user", "2000"}, c.serverFlags...)
	srv := exec.Command(c.server, args...)
	errf, err := os.Create(prefix + ".server.err")
	if err != nil {
		return p, err
	}
	defer errf.Close()
	srv.Stderr = errf
	out, err := srv.StdoutPipe()
	if err != nil {
		return p, err
	}
	if err := srv.Start(); err != nil {
		return p, err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	s, err := started(out)
	if err != nil {
		return p, err
	}
	if p.start, err = hwm(srv.Process.Pid); err != nil {
		return p, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	closers, err := stall(ctx, s, grpcN, sseN)
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	if err != nil {
		return p, err
	}
	time.Sleep(c.settle)
	if p.open, err = hwm(srv.Process.Pid); err != nil {
		return p, err
	}
	bench := exec.Command(c.client, "bench", "--addr", s.grpc, "--token", s.admin, "--pickers", "20", "--duration", c.bench.String())
	benchOut, err := bench.CombinedOutput()
	os.WriteFile(prefix+".bench", benchOut, 0o644)
	if err != nil {
		return p, fmt.Errorf("bench: %v (output in %s.bench)", err, prefix)
	}
	p.end, err = hwm(srv.Process.Pid)
	return p, err
}

// server is what a started demo server printed.
type server struct{ grpc, http, supervisor, admin string }

var (
	tokenLine = regexp.MustCompile(`^\s+\w+\s+demo-(supervisor|admin)\s+(\S+)$`)
	serving   = regexp.MustCompile(`^pickpack serving (gRPC|HTTP) on (\S+)$`)
)

// started reads the server's output until it serves, and keeps draining
// it after.
func started(out io.Reader) (server, error) {
	var s server
	sc := bufio.NewScanner(out)
	for s.grpc == "" && sc.Scan() {
		if m := tokenLine.FindStringSubmatch(sc.Text()); m != nil {
			if m[1] == "supervisor" {
				s.supervisor = m[2]
			} else {
				s.admin = m[2]
			}
		}
		if m := serving.FindStringSubmatch(sc.Text()); m != nil {
			if m[1] == "gRPC" {
				s.grpc = m[2]
			} else {
				s.http = m[2]
			}
		}
	}
	go io.Copy(io.Discard, out)
	if s.grpc == "" || s.http == "" || s.supervisor == "" || s.admin == "" {
		return s, errors.New("the server did not start (see its .server.err)")
	}
	return s, nil
}

// stall opens the stalled watchers and returns what closes them.
func stall(ctx context.Context, s server, grpcN, sseN int) ([]io.Closer, error) {
	var closers []io.Closer
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+s.supervisor)
	for range grpcN {
		conn, err := grpc.NewClient(s.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return closers, err
		}
		closers = append(closers, conn)
		w, err := pb.NewFloorServiceClient(conn).WatchFloor(ctx, &pb.WatchFloorRequest{})
		if err == nil {
			_, err = w.Recv()
		}
		if err != nil {
			return closers, fmt.Errorf("WatchFloor: %w", err)
		}
	}
	for range sseN {
		conn, err := net.Dial("tcp", s.http)
		if err != nil {
			return closers, err
		}
		closers = append(closers, conn)
		// The smallest receive buffer: the client takes as little of the
		// stream as it can.
		conn.(*net.TCPConn).SetReadBuffer(4096)
		if _, err := fmt.Fprintf(conn, "GET /api/floor/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", s.supervisor); err != nil {
			return closers, err
		}
	}
	return closers, nil
}

// hwm is the peak resident set of process pid in kB.
func hwm(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			_, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb)
			return kb, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}
