package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/rpc"
	"github.com/pickpack/pickpack/server/store"
)

// benchServer serves the demo warehouse (no orders) from a real data file
// and returns its gRPC address, an admin token, the store and its HTTP
// address (the Connect protocol for browsers).
func benchServer(t *testing.T, opts ...grpc.ServerOption) (string, string, *store.Store, string) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := demo.Load(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportBinMap(w.Map, false); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSKUs(w.SKUs, false); err != nil {
		t.Fatal(err)
	}
	var adjs []store.StockAdjustment
	for _, l := range w.Stock {
		adjs = append(adjs, store.StockAdjustment{Bin: l.Bin, SKU: l.SKU, Delta: l.OnHand})
	}
	if _, err := st.AdjustStock(adjs...); err != nil {
		t.Fatal(err)
	}
	admin, err := st.CreateToken("admin", floor.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	api := rpc.New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	g := grpc.NewServer(append(api.ServerOptions(), opts...)...)
	api.Register(g)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	browsers, err := rpc.Connect(g, http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(browsers)
	t.Cleanup(func() {
		web.Close()
		g.Stop()
		if err := st.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		st.Close()
	})
	return lis.Addr().String(), admin, st, strings.TrimPrefix(web.URL, "http://")
}

var (
	benchLine    = regexp.MustCompile(`^scans=(\d+) verdicts=(\d+) errors=(\d+) p50_ms=[0-9.]+ p99_ms=[0-9.]+ max_ms=[0-9.]+$`)
	baselineLine = regexp.MustCompile(`^baseline scans=(\d+) p50_ms=[0-9.]+ p99_ms=[0-9.]+ max_ms=[0-9.]+$`)
	browserLine  = regexp.MustCompile(`^browser scans=(\d+) verdicts=(\d+) errors=(\d+) p50_ms=[0-9.]+ p99_ms=[0-9.]+ max_ms=[0-9.]+ p99_ratio=[0-9.]+$`)
	nextTaskLine = regexp.MustCompile(`^next_task calls=(\d+) tasks=(\d+) p50_ms=[0-9.]+ p99_ms=[0-9.]+ max_ms=[0-9.]+ started=(\d+) last_start_s=[0-9.]+$`)
	firstLine    = regexp.MustCompile(`^first_5s scans=(\d+) p50_ms=[0-9.]+ p99_ms=[0-9.]+ max_ms=[0-9.]+ next_task_calls=(\d+) next_task_p99_ms=[0-9.]+$`)
	ratioLine    = regexp.MustCompile(`^ratio first_5s_p99=[0-9.]+ p99=[0-9.]+$`)
	serverCostRe = `server_cpu_us_per_scan=[0-9]+ file_bytes_per_scan=-?[0-9]+ rss_mb=[0-9.]+ peak_rss_mb=[0-9.]+$`
	minuteLine   = regexp.MustCompile(`^minute 1 scans=(\d+) p50_ms=[0-9.]+ p99_ms=[0-9.]+ max_ms=[0-9.]+ ` + serverCostRe)
	serverLine   = regexp.MustCompile(`^server scans=(\d+) ` + serverCostRe)
)

// With --server-pid the tool reports what the server spent per scan, by
// minute and in all. The server here runs in the test's own process.
func TestBenchServerFigures(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	addr, admin, st, _ := benchServer(t)
	var out, errOut strings.Builder
	err := Run(context.Background(), []string{"bench", "--addr", addr, "--token", admin, "--pickers", "3", "--rate", "100",
		"--duration", "1s", "--server-pid", strconv.Itoa(os.Getpid()), "--data-file", st.Path()}, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("output %q, want the summary, the start of the shift's two lines, the first minute and the whole run", out.String())
	}
	scans := benchLine.FindStringSubmatch(lines[0])
	minute, server := minuteLine.FindStringSubmatch(lines[3]), serverLine.FindStringSubmatch(lines[4])
	if scans == nil || minute == nil || server == nil {
		t.Fatalf("lines %q, %q, %q", lines[0], lines[3], lines[4])
	}
	if minute[1] != scans[1] || server[1] != scans[1] {
		t.Errorf("minute %s and server %s scans, want the run's %s", minute[1], server[1], scans[1])
	}
}

// Handhelds as browsers beside handhelds on streams, in one run: each
// path gets its summary line, every scan its verdict, and the store holds
// every scan of both paths once.
func TestBenchBrowsers(t *testing.T) {
	addr, admin, st, web := benchServer(t)
	var out, errOut strings.Builder
	err := Run(context.Background(), []string{"bench", "--addr", addr, "--http", web, "--token", admin, "--pickers", "4",
		"--browsers", "2", "--rate", "100", "--duration", "1s", "--wrong-rate", "0.2"}, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || nextTaskLine.FindString(lines[2]) == "" || firstLine.FindString(lines[3]) == "" {
		t.Fatalf("output %q, want the streams' and the browsers' lines, then the start of the shift's", out.String())
	}
	total := 0
	for i, re := range []*regexp.Regexp{benchLine, browserLine} {
		m := re.FindStringSubmatch(lines[i])
		if m == nil {
			t.Fatalf("line %q", lines[i])
		}
		scans, _ := strconv.Atoi(m[1])
		verdicts, _ := strconv.Atoi(m[2])
		if scans == 0 || scans != verdicts || m[3] != "0" {
			t.Errorf("%q: want every scan answered and no errors\n%s", lines[i], errOut.String())
		}
		total += scans
	}
	tot, err := st.Audit()
	if err != nil {
		t.Fatalf("stock audit after the bench: %v", err)
	}
	if tot.Scans != total {
		t.Errorf("the store holds %d scans, the handhelds had %d answered", tot.Scans, total)
	}
}

// The bench command against a real server: it sets up pickers, orders and
// stock, every scan gets its verdict, the summary is one line (two with the
// baseline), and the warehouse is consistent afterwards. No timing is
// asserted: that is the command's output, not its correctness.
func TestBenchCommand(t *testing.T) {
	addr, admin, st, _ := benchServer(t)
	var out, errOut strings.Builder
	err := Run(context.Background(), []string{"bench", "--addr", addr, "--token", admin, "--pickers", "4", "--rate", "200",
		"--duration", "1s", "--wrong-rate", "0.2", "--short-rate", "0.02", "--conns", "2", "--baseline"}, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("output %q, want the summary, the start of the shift's two lines, the baseline line and the ratios", out.String())
	}
	m := benchLine.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("summary %q", lines[0])
	}
	scans, _ := strconv.Atoi(m[1])
	verdicts, _ := strconv.Atoi(m[2])
	if scans == 0 || scans != verdicts || m[3] != "0" {
		t.Errorf("summary %q: want every scan answered and no errors\n%s", lines[0], errOut.String())
	}
	// Each of the 4 handhelds asked for a task at least once, and the
	// demo stock gives each of them one: the run's orders are all small.
	if nt := nextTaskLine.FindStringSubmatch(lines[1]); nt == nil {
		t.Errorf("next task line %q", lines[1])
	} else if calls, _ := strconv.Atoi(nt[1]); calls < 4 || nt[2] == "0" || nt[3] != "4" {
		t.Errorf("next task line %q: want at least 4 calls, tasks, and 4 handhelds started", lines[1])
	}
	if f := firstLine.FindStringSubmatch(lines[2]); f == nil || f[1] == "0" || f[2] == "0" {
		t.Errorf("first 5 s line %q: want scans and NextTask calls in it", lines[2])
	} else if first, _ := strconv.Atoi(f[1]); first != scans {
		t.Errorf("first 5 s line %q: a run of 1 s has all its %d scans in it", lines[2], scans)
	}
	if b := baselineLine.FindStringSubmatch(lines[3]); b == nil || b[1] == "0" {
		t.Errorf("baseline line %q", lines[3])
	}
	if !ratioLine.MatchString(lines[4]) {
		t.Errorf("ratio line %q", lines[4])
	}
	tot, err := st.Audit()
	if err != nil {
		t.Fatalf("stock audit after the bench: %v", err)
	}
	if tot.Scans != scans || tot.Picked == 0 {
		t.Errorf("after the bench: %+v, %d scans answered", tot, scans)
	}
	users, err := st.Users()
	if err != nil {
		t.Fatal(err)
	}
	pickers := 0
	for _, u := range users {
		if strings.HasPrefix(u.Name, "bench-") && u.Role == floor.RolePicker {
			pickers++
		}
	}
	if pickers != 4 {
		t.Errorf("%d bench pickers created, want 4", pickers)
	}
}

// A run in which scans fail exits non-zero and says how many failed: its
// figures are not a measurement of the scan path. The server here refuses
// every scan stream, so every handheld's scans fail.
func TestBenchFailsOnErrors(t *testing.T) {
	refuseScans := grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		if info.FullMethod == pb.PickService_Scan_FullMethodName {
			return status.Error(codes.Unavailable, "scans refused by the test")
		}
		return h(srv, ss)
	})
	addr, admin, _, _ := benchServer(t, refuseScans)
	var out, errOut strings.Builder
	err := Run(context.Background(), []string{"bench", "--addr", addr, "--token", admin, "--pickers", "2", "--rate", "50",
		"--duration", "1s"}, strings.NewReader(""), &out, &errOut)
	if err == nil {
		t.Fatalf("bench exited without error; output %q", out.String())
	}
	m := benchLine.FindStringSubmatch(strings.Split(out.String(), "\n")[0])
	if m == nil || m[3] == "0" {
		t.Fatalf("summary %q: want the errors counted", out.String())
	}
	if !strings.Contains(err.Error(), m[3]+" errors") {
		t.Errorf("error %q does not say how many (%s)", err, m[3])
	}
}

// With --import-orders the run sends one order import while the handhelds
// scan and reports the scans before, during and after it apart; the
// import's orders are all stored, and none of a dry run's.
func TestBenchImport(t *testing.T) {
	addr, admin, st, _ := benchServer(t)
	var out, errOut strings.Builder
	err := Run(context.Background(), []string{"bench", "--addr", addr, "--token", admin, "--pickers", "2", "--rate", "100",
		"--duration", "1s", "--import-orders", "3000", "--import-at", "200ms"}, strings.NewReader(""), &out, &errOut)
	// A dry run stores nothing.
	var dryOut strings.Builder
	if err := Run(context.Background(), []string{"bench", "--addr", addr, "--token", admin, "--pickers", "2", "--rate", "100",
		"--duration", "1s", "--import-orders", "3000", "--import-at", "200ms", "--import-dry-run"}, strings.NewReader(""), &dryOut, &errOut); err != nil {
		t.Fatalf("bench with a dry run: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(dryOut.String(), "import orders=3000 created=3000 seconds=") || !strings.Contains(dryOut.String(), "dry_run=true") {
		t.Errorf("output %q, want the dry run's import line", dryOut.String())
	}
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 7 || benchLine.FindString(lines[0]) == "" || !strings.HasPrefix(lines[1], "import orders=3000 created=3000 seconds=") ||
		nextTaskLine.FindString(lines[5]) == "" || firstLine.FindString(lines[6]) == "" {
		t.Fatalf("output %q, want the summary, the import, three lines of scans and the start of the shift's two", out.String())
	}
	for i, part := range []string{"before_import", "during_import", "after_import"} {
		if !regexp.MustCompile(`^` + part + ` scans=\d+ p50_ms=[0-9.]+ p99_ms=[0-9.]+ max_ms=[0-9.]+$`).MatchString(lines[2+i]) {
			t.Errorf("line %q, want the scans %s", lines[2+i], part)
		}
	}
	orders, _, err := st.ListOrders(nil, "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	imported := 0
	for _, o := range orders {
		if strings.Contains(o.ID, "-IMP-") && o.Channel == "bulk" {
			imported++
		}
	}
	if imported != 3000 {
		t.Errorf("%d imported orders stored, want 3000", imported)
	}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--pickers", "2"},
		{"bench", "--token", "pp_x", "--rate", "0"},
		{"bench", "--token", "pp_x", "--duration", "-1s"},
		{"bench", "--token", "pp_x", "--duration", "2s", "--import-orders", "10", "--import-at", "3s"},
		{"bench", "--token", "pp_x", "--import-orders", "-1"},
		{"bench", "--token", "pp_x", "--pickers", "2", "--browsers", "3"},
		{"bench", "--token", "pp_x", "--data-file", "pickpack.db"},
	} {
		err := Run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestBenchQuantile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	if got := benchPercentiles(lat); got != "p50_ms=50.00 p99_ms=99.00 max_ms=100.00" {
		t.Errorf("percentiles of 1..100 ms: %s", got)
	}
	if got := benchPercentiles(nil); got != "p50_ms=0.00 p99_ms=0.00 max_ms=0.00" {
		t.Errorf("percentiles of nothing: %s", got)
	}
}
