package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/scanner-client/sim"
	"github.com/pickpack/pickpack/server/store"
)

// crashServerEnv, when set, makes the test binary run the server with the
// newline-separated arguments it holds instead of the tests: the crash test
// needs a server in a process of its own, to kill it for real.
const crashServerEnv = "PICKPACK_CRASH_SERVER"

// cpuProfileEnv, with crashServerEnv, names a file for a CPU profile of
// the server until it stops cleanly: the way to profile the real server
// under the load tool without a profiling flag in the server itself.
//
//	go test -c -o /tmp/server.test ./server
//	PICKPACK_CRASH_SERVER=$'--demo\n--data\n/tmp/d\n--addr\n127.0.0.1:7070' \
//	  PICKPACK_CPUPROFILE=/tmp/cpu.out /tmp/server.test
const cpuProfileEnv = "PICKPACK_CPUPROFILE"

// blockProfileEnv likewise names a file prefix for the block and mutex
// profiles (PREFIX.block, PREFIX.mutex): scan latency under load is mostly
// waiting for the one bbolt writer, which a CPU profile does not show.
const blockProfileEnv = "PICKPACK_BLOCKPROFILE"

func TestMain(m *testing.M) {
	if args := os.Getenv(crashServerEnv); args != "" {
		if path := os.Getenv(cpuProfileEnv); path != "" {
			f, err := os.Create(path)
			if err == nil {
				err = pprof.StartCPUProfile(f)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "cpu profile:", err)
				os.Exit(1)
			}
		}
		prefix := os.Getenv(blockProfileEnv)
		if prefix != "" {
			runtime.SetBlockProfileRate(int(10 * time.Microsecond))
			runtime.SetMutexProfileFraction(5)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := Run(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr)
		stop()
		pprof.StopCPUProfile() // flushes the profile; a no-op without one
		if prefix != "" {
			for _, name := range []string{"block", "mutex"} {
				if f, err := os.Create(prefix + "." + name); err == nil {
					pprof.Lookup(name).WriteTo(f, 0)
					f.Close()
				}
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "pickpack:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// procServer is the server running in a child process.
type procServer struct {
	cmd    *exec.Cmd
	addr   string
	tokens map[string]string // role -> demo token
	exited chan error
	stderr *syncBuffer
}

// syncBuffer keeps a child's log for the failure message.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startProc runs the server on dir in a child process (this test binary
// again) and waits until it serves.
func startProc(t *testing.T, dir string) *procServer {
	t.Helper()
	args := []string{"--demo", "--demo-every", "0", "--data", dir, "--addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashServerEnv+"="+strings.Join(args, "\n"))
	p := &procServer{cmd: cmd, tokens: map[string]string{}, exited: make(chan error, 1), stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	serving := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() { // read to the end: Wait must come after the last read
			line := sc.Text()
			if f := strings.Fields(line); len(f) == 3 && strings.HasPrefix(f[2], "pp_") {
				p.tokens[f[0]] = f[2]
			}
			if addr, ok := strings.CutPrefix(line, "pickpack serving gRPC on "); ok {
				p.addr = addr
				close(serving)
			}
		}
		p.exited <- cmd.Wait()
		close(p.exited)
	}()
	select {
	case <-serving:
	case err := <-p.exited:
		t.Fatalf("server exited before serving: %v\n%s", err, p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start\n%s", p.stderr.String())
	}
	return p
}

func (p *procServer) dial(t *testing.T) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(p.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// stop ends the server as an operator does (SIGTERM) and waits for it.
func (p *procServer) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-p.exited; err != nil {
		t.Fatalf("server after SIGTERM: %v\n%s", err, p.stderr.String())
	}
}

// The server runs as a child process under load from simulated handhelds
// and is killed with SIGKILL at a random moment while scans are in flight.
// It restarts on the same file; the handhelds reconnect and re-send the
// scan each had unanswered, then go on scanning. After a clean stop the
// file must hold every answered scan exactly once with the answer given,
// stock consistent with the tasks, and exactly the units of the accepted
// scans picked. The kill moment varies from run to run; the assertions
// hold for any moment.
func TestCrashUnderLoadLosesNoAnsweredScan(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	dir := t.TempDir()
	s1 := startProc(t, dir)
	conn := s1.dial(t)
	admin := s1.tokens["admin"]
	ctx := context.Background()
	const pickers = 6
	tokens, err := sim.CreateUsers(ctx, conn, admin, "crash-", pickers, pb.Role_ROLE_PICKER)
	if err != nil {
		t.Fatal(err)
	}
	sup, err := sim.NewSupplier(ctx, conn, admin, "CRASH-", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Submit(ctx, 300); err != nil {
		t.Fatal(err)
	}

	cat := sim.NewCatalog(admin)
	devices := make([]*sim.Device, pickers)
	for i := range devices {
		devices[i] = sim.New(sim.Config{Name: fmt.Sprintf("hh%d", i), Token: tokens[i], Rate: 200,
			WrongRate: 0.1, ShortRate: 0.02, Seed: uint64(i), Catalog: cat})
	}
	// Phase 1: scan until the kill. Every device must end by the kill.
	var killed atomic.Bool
	var wg sync.WaitGroup
	for _, d := range devices {
		wg.Go(func() {
			err := d.Run(ctx, conn)
			if !killed.Load() {
				t.Errorf("%s stopped before the kill: %v", d.Name(), err)
			}
		})
	}
	answered := func() int {
		n := 0
		for _, d := range devices {
			n += d.Stats().Verdicts
		}
		return n
	}
	deadline := time.Now().Add(15 * time.Second)
	for answered() < 100 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(rand.N(100 * time.Millisecond)) // an arbitrary moment
	killed.Store(true)
	if err := s1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s1.exited
	wg.Wait()
	lost := 0
	for _, d := range devices {
		if _, ok := d.Pending(); ok {
			lost++
		}
	}
	t.Logf("killed after %d answered scans, %d scans in flight", answered(), lost)

	// Phase 2: the same file again; each handheld re-sends its unanswered
	// scan first, then works on.
	s2 := startProc(t, dir)
	conn2 := s2.dial(t)
	ctx2, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	for _, d := range devices {
		wg.Go(func() {
			if err := d.Run(ctx2, conn2); err != nil {
				t.Errorf("%s after the restart: %v", d.Name(), err)
			}
		})
	}
	wg.Wait()
	s2.stop(t)

	st, err := store.Open(filepath.Join(dir, "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Fatalf("consistency check: %v", err)
	}
	tot, err := st.Audit()
	if err != nil {
		t.Fatalf("stock audit after the crash: %v", err)
	}
	var units int64
	scans, replayed := 0, 0
	for i, d := range devices {
		user := fmt.Sprintf("crash-%d", i)
		for _, r := range d.Results() {
			scans++
			units += r.PickedUnits()
			if r.Replayed {
				replayed++
			}
			a, ok, err := st.ScanAnswer("pick", user, r.ScanID)
			switch {
			case err != nil:
				t.Fatal(err)
			case !ok:
				t.Errorf("%s/%s was answered %v but is not recorded", user, r.ScanID, r.Verdict)
			// The store's verdicts are numbered as the proto's.
			case pb.Verdict(a.Verdict) != r.Verdict || a.Reason != r.Reason || a.Message != r.Message:
				t.Errorf("%s/%s recorded as %v %s, answered %v %s", user, r.ScanID, pb.Verdict(a.Verdict), a.Reason, r.Verdict, r.Reason)
			}
		}
		// A clean stop answers the scan in flight, so nothing is left
		// unanswered; should it be, it may be recorded or not.
		if p, ok := d.Pending(); ok {
			t.Errorf("%s still has %s unanswered after a clean stop", d.Name(), p.Scan.GetScanId())
		}
	}
	if tot.Scans != scans {
		t.Errorf("%d scans recorded, %d answered: a scan was recorded twice or without its answer reaching anyone", tot.Scans, scans)
	}
	if tot.Picked != units {
		t.Errorf("tasks picked %d units; the accepted scans took %d", tot.Picked, units)
	}
	if scans < 100 {
		t.Errorf("only %d scans answered: the load did not run", scans)
	}
	t.Logf("%d scans answered (%d re-sent after the kill and found applied), %d units picked, %d on hand, %d reserved",
		scans, replayed, tot.Picked, tot.OnHand, tot.Reserved)
}
