package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/scanner-client/sim"
	"github.com/pickpack/pickpack/server/store"
)

func init() { commands["bench"] = benchCmd }

const benchUsage = `usage: scanner-client bench --addr HOST:PORT[,HOST:PORT...] --token ADMIN_TOKEN [--pickers N] [--rate R] [--duration D] [--import-orders N] [--baseline]
       [--browsers B --http HOST:PORT] [--server-pid PID [--data-file FILE]] [--acked FILE] [--allow-errors]

Drives N simulated handhelds, each on its own Scan stream at R scans/s,
through real pick tasks for D. It creates the pickers' users and tokens,
orders (ids BENCH-<run>-<n>) and stock top-ups with the admin token, and
ends with one line:
  scans=... verdicts=... errors=... p50_ms=... p99_ms=... max_ms=...
With --import-orders N it also imports a CSV file of N orders (ids
BENCH-<run>-IMP-<n>, channel --import-channel) through ImportOrders
(--import-dry-run: as a dry run),
--import-at into the run, and prints the scans sent before, while and
after the import ran apart:
  import orders=... created=... seconds=... dry_run=...
  before_import scans=... p50_ms=... p99_ms=... max_ms=...
  during_import scans=... p50_ms=... p99_ms=... max_ms=...
  after_import scans=... p50_ms=... p99_ms=... max_ms=...
Give that channel a long target on the server (serve --channel-sla
bulk=72h) so that the imported orders queue behind the handhelds' own.
With --browsers B, B of the N handhelds scan as the app in a browser does
instead (one PickService.ScanOne call per scan, Connect protocol with JSON
over HTTP/1.1 to --http, a connection each), in the same run; the line
above is then the stream handhelds' and a second one is theirs:
  browser scans=... verdicts=... errors=... p50_ms=... p99_ms=... max_ms=... p99_ratio=...
(p99_ratio: the browsers' p99 over the streams'.)
It then prints the NextTask calls (every handheld asks for its first
task at the start, all within one scan period: the start of a shift) and
the scans sent in the first 5 seconds, while the pickers start:
  next_task calls=... tasks=... p50_ms=... p99_ms=... max_ms=... started=... last_start_s=...
  first_5s scans=... p50_ms=... p99_ms=... max_ms=... next_task_calls=... next_task_p99_ms=...
(started: handhelds that got a first task; last_start_s: when the last of
them had it, from the start of the run.)
With --baseline it then runs a bare bbolt group-commit loop with the same
concurrency, rate and duration in a temporary directory and prints it,
and the p99 of the first 5 seconds and of the run over the baseline's:
  baseline scans=... p50_ms=... p99_ms=... max_ms=...
  ratio first_5s_p99=... p99=...
With --server-pid PID (a server on this machine; Linux) it reads the
server's CPU time and memory (and with --data-file its data file's size)
at the start, every minute and at the end, and prints before the
baseline a line per minute and one for the run (with three minutes or
more, the last minute's p99 over the second's):
  minute N scans=... p50_ms=... p99_ms=... max_ms=... server_cpu_us_per_scan=... file_bytes_per_scan=... rss_mb=... peak_rss_mb=...
  server scans=... server_cpu_us_per_scan=... file_bytes_per_scan=... rss_mb=... peak_rss_mb=...
  creep last_minute_p99_ms=... second_minute_p99_ms=... ratio=...
Against a cluster give every node's address (--addr A,B,C): a handheld
whose node is unavailable moves to the next and re-sends its unanswered
scan with its id; with --allow-errors the streams that broke are counted
but do not fail the run (a leader killed on purpose). With either, it
prints the run's longest time without any verdict (from the run's start)
and the scans sent from 5 s before it to 5 s after it: what a leader's
loss costs.
  stall longest_s=... from_s=... to_s=... around_scans=... p50_ms=... p99_ms=... max_ms=...
With --acked FILE every answered scan is written to FILE, for a check
that each is stored exactly once.
The links are plaintext: run it beside the server (loopback).
`

// benchConfig is the bench command's flags.
type benchConfig struct {
	addr, token string
	ca          string // PEM of the CA to trust for the server's TLS; none: plaintext
	pickers     int
	rate        float64
	duration    time.Duration
	wrongRate   float64
	shortRate   float64
	conns       int
	baseline    bool
	seed        uint64
	warmup      time.Duration
	packers     int
	cpuProfile  string

	importOrders  int
	importAt      time.Duration
	importChannel string
	importDryRun  bool
	browsers      int
	http          string

	// acked, if set, is the file every answered scan is written to.
	acked string
	// allowErrors: failed streams and calls (a node killed on purpose)
	// are reported but do not fail the run, and the order supply goes on.
	allowErrors bool

	// With serverPID, the server's CPU, memory and data file (dataFile)
	// are read at the start, every minute and at the end.
	serverPID int
	dataFile  string
}

func benchCmd(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	var c benchConfig
	fs.StringVar(&c.addr, "addr", "127.0.0.1:7070", "server address, or a cluster's addresses A,B,C: a handheld whose node is unavailable moves to the next and re-sends its unanswered scan")
	fs.StringVar(&c.acked, "acked", "", "write every answered scan to this file, a line each: USER<TAB>SCAN_ID<TAB>VERDICT (the failover test checks each is stored exactly once)")
	fs.StringVar(&c.token, "token", "", "an admin token (creates pickers, orders and stock)")
	fs.StringVar(&c.ca, "ca", "", "PEM file of the CA (or certificate) to trust for the server's TLS certificate; none: plaintext, as on loopback")
	fs.BoolVar(&c.allowErrors, "allow-errors", false, "failed streams and calls (a cluster node killed on purpose) are counted and reported but do not fail the run; the order supply retries")
	fs.IntVar(&c.pickers, "pickers", 10, "simulated handhelds, each a picker of its own on its own stream")
	fs.Float64Var(&c.rate, "rate", 2, "scans per second per handheld")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "how long to scan")
	fs.Float64Var(&c.wrongRate, "wrong-rate", 0.05, "share of scans made wrong on purpose (wrong bin, wrong item, unknown, over-pick)")
	fs.Float64Var(&c.shortRate, "short-rate", 0, "share of item steps reported as short picks")
	fs.IntVar(&c.conns, "conns", 0, "gRPC connections the handhelds share (0: one each, as real devices have)")
	fs.BoolVar(&c.baseline, "baseline", false, "also measure a bare bbolt group-commit loop with the same concurrency and rate")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the orders and the handhelds' choices")
	fs.IntVar(&c.packers, "packers", 0, "pack stations packing (documents print to the server's printers) and handing off finished tasks at the same scan rate")
	fs.DurationVar(&c.warmup, "warmup", 0, "leave scans sent in the run's first part out of the summary (all handhelds take their first task at once)")
	fs.IntVar(&c.importOrders, "import-orders", 0, "also import a CSV file of this many orders during the run, and report the scans sent meanwhile apart")
	fs.DurationVar(&c.importAt, "import-at", 5*time.Second, "when into the run the import starts")
	fs.BoolVar(&c.importDryRun, "import-dry-run", false, "send the import as a dry run (parsed and checked, nothing stored): the scans during it show what the parse and the checks cost")
	fs.StringVar(&c.importChannel, "import-channel", "bulk", "the channel of the imported orders (give it a long target on the server: --channel-sla bulk=72h)")
	fs.IntVar(&c.browsers, "browsers", 0, "how many of the --pickers handhelds scan as the browser app does: unary ScanOne calls over the Connect protocol to --http")
	fs.StringVar(&c.http, "http", "127.0.0.1:8080", "the server's HTTP address, for --browsers")
	fs.IntVar(&c.serverPID, "server-pid", 0, "the server's process id, on this machine (Linux): report its CPU per scan and memory, per minute and in all")
	fs.StringVar(&c.dataFile, "data-file", "", "with --server-pid, the server's data file: report the bytes it grows per scan")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write the load tool's own CPU profile of the run to this file: server and tool share the machine's cores")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	switch {
	case c.token == "":
		return errors.New("bench: --token (an admin token) is required")
	case c.pickers <= 0 || c.rate <= 0 || c.duration <= 0:
		return errors.New("bench: --pickers, --rate and --duration must be above zero")
	case c.warmup < 0 || c.warmup >= c.duration:
		return errors.New("bench: --warmup must be at least zero and shorter than --duration")
	case c.importOrders < 0 || c.importOrders > 0 && (c.importAt < 0 || c.importAt >= c.duration):
		return errors.New("bench: --import-orders must be at least zero, and --import-at within --duration")
	case c.browsers < 0 || c.browsers > c.pickers:
		return errors.New("bench: --browsers must be between 0 and --pickers")
	case c.dataFile != "" && c.serverPID <= 0:
		return errors.New("bench: --data-file needs --server-pid")
	}
	if c.conns <= 0 || c.conns > c.pickers {
		c.conns = c.pickers
	}
	res, err := runBench(ctx, c, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "scans=%d verdicts=%d errors=%d %s\n", res.scans, res.verdicts, res.errors, benchPercentiles(res.latencies))
	if imp := res.imported; imp != nil {
		fmt.Fprintf(stdout, "import orders=%d created=%d seconds=%.2f dry_run=%v\n", c.importOrders, imp.created, imp.took.Seconds(), c.importDryRun)
		fmt.Fprintf(stdout, "before_import scans=%d %s\n", len(imp.before), benchPercentiles(imp.before))
		fmt.Fprintf(stdout, "during_import scans=%d %s\n", len(imp.during), benchPercentiles(imp.during))
		fmt.Fprintf(stdout, "after_import scans=%d %s\n", len(imp.after), benchPercentiles(imp.after))
	}
	if c.browsers > 0 {
		b := res.browser
		fmt.Fprintf(stdout, "browser scans=%d verdicts=%d errors=%d %s p99_ratio=%.2f\n", b.scans, b.verdicts, b.errors,
			benchPercentiles(b.latencies), benchRatio(b.latencies, res.latencies))
	}
	fmt.Fprintf(stdout, "next_task calls=%d tasks=%d %s started=%d last_start_s=%.2f\n", len(res.taskCalls), res.tasksGot,
		benchPercentiles(res.taskCalls), res.started, res.lastStart.Seconds())
	fmt.Fprintf(stdout, "first_5s scans=%d %s next_task_calls=%d next_task_p99_ms=%s\n", len(res.firstScans), benchPercentiles(res.firstScans),
		len(res.firstCalls), benchMillis(benchQuantile(sorted(res.firstCalls), 0.99)))
	if c.serverPID > 0 {
		printServer(stdout, res)
	}
	if st := res.stall; c.allowErrors || strings.Contains(c.addr, ",") {
		fmt.Fprintf(stdout, "stall longest_s=%.2f from_s=%.2f to_s=%.2f around_scans=%d %s\n", (st.to - st.from).Seconds(),
			st.from.Seconds(), st.to.Seconds(), len(st.around), benchPercentiles(st.around))
	}
	if c.allowErrors {
		return nil
	}
	// A run with errors measured something else than the scan path: its
	// figures must not pass for a result in a script or CI.
	var failed error
	if errs, scans := res.errors+res.browser.errors, res.scans+res.browser.scans; errs > 0 {
		failed = fmt.Errorf("bench: %d errors in %d scans (the first is on stderr)", errs, scans)
	}
	if !c.baseline {
		return failed
	}
	dir, err := os.MkdirTemp("", "pickpack-baseline-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(stderr, "bench: baseline: %d bbolt writers at %g/s for %v in %s\n", c.pickers, c.rate, c.duration, dir)
	lat, err := store.RawBatchBaseline(dir, c.pickers, c.rate, c.duration)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	fmt.Fprintf(stdout, "baseline scans=%d %s\n", len(lat), benchPercentiles(lat))
	fmt.Fprintf(stdout, "ratio first_5s_p99=%.2f p99=%.2f\n", benchRatio(res.firstScans, lat), benchRatio(res.latencies, lat))
	return failed
}

// benchResult is what a run measured: on the stream handhelds, and on
// the browser handhelds in browser.
type benchResult struct {
	pathResult
	browser  pathResult
	imported *benchImport // with --import-orders

	// The start of the shift: every NextTask call of the run, those sent
	// in the first window, the scans sent in it (of both paths), how
	// many handhelds got a first task, and when the last of them had it.
	taskCalls, firstCalls []time.Duration
	tasksGot              int
	firstScans            []time.Duration
	started               int
	lastStart             time.Duration

	// The longest time without a verdict, and the scans sent around it.
	stall benchStall

	// With --server-pid: the server sampled at the start, each minute and
	// at the end, and the scans sent in each minute (both paths).
	server  []serverSample
	minutes [][]time.Duration
}

// benchStall is the run's longest time without any verdict (from the run's
// start), and the latencies of the scans sent from 5 s before it began to
// 5 s after it ended: what a leader's loss costs the handhelds.
type benchStall struct {
	from, to time.Duration
	around   []time.Duration
}

// longestStall finds the longest gap between answers in results, counting
// from the first answer.
func longestStall(results []sim.Result, began time.Time) benchStall {
	at := make([]time.Duration, len(results))
	for i, r := range results {
		at[i] = r.SentAt.Add(r.Latency).Sub(began)
	}
	slices.Sort(at)
	var st benchStall
	for i := 1; i < len(at); i++ {
		if at[i]-at[i-1] > st.to-st.from {
			st.from, st.to = at[i-1], at[i]
		}
	}
	for _, r := range results {
		if sent := r.SentAt.Sub(began); sent >= st.from-5*time.Second && sent <= st.to+5*time.Second {
			st.around = append(st.around, r.Latency)
		}
	}
	return st
}

// writeAcked writes every answered scan of the devices (user prefix+i for
// device i) to path: USER, scan id and verdict, tab-separated.
func writeAcked(path, prefix string, devices []*sim.Device) error {
	var b bytes.Buffer
	for i, d := range devices {
		for _, r := range d.Results() {
			fmt.Fprintf(&b, "%s%d\t%s\t%s\n", prefix, i, r.ScanID, r.Verdict)
		}
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// pathResult is what the handhelds of one path measured.
type pathResult struct {
	scans, verdicts, errors int
	latencies               []time.Duration
}

// benchImport is the import of a run and the scans sent before it, while
// it ran and after it (those of the warm-up left out). After an import the
// floor holds its orders open, which costs the server more than before.
type benchImport struct {
	created               int
	start, end            time.Time
	took                  time.Duration
	before, during, after []time.Duration
}

// importCSV is an order file of n one-line orders of the given SKUs, ids
// prefix1 to prefixN, about 70 bytes a row.
func importCSV(prefix, channel string, skus []string, n int) []byte {
	var b bytes.Buffer
	b.WriteString("order_id,channel,sku,quantity,recipient_name,phone,address1,address2,city,region,postal_code,country\n")
	for i := range n {
		fmt.Fprintf(&b, "%s%d,%s,%s,1,Load Test,,%d Bench Street,,London,,EC1Y 8SY,GB\n", prefix, i+1, channel, skus[i%len(skus)], i%200+1)
	}
	return b.Bytes()
}

// runImport sends data as one ImportOrders call (a dry run if dry) at
// began+at and returns what it did.
func runImport(ctx context.Context, conn grpc.ClientConnInterface, token string, data []byte, dry bool, began time.Time, at time.Duration) (*benchImport, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Until(began.Add(at))):
	}
	imp := &benchImport{start: time.Now()}
	resp, err := pb.NewOrderServiceClient(conn).ImportOrders(sim.Bearer(ctx, token),
		&pb.ImportOrdersRequest{Format: pb.ImportFormat_IMPORT_FORMAT_CSV, Data: data, DryRun: dry}, grpc.MaxCallSendMsgSize(len(data)+1<<20))
	imp.end = time.Now()
	imp.took = imp.end.Sub(imp.start)
	if err != nil {
		return nil, fmt.Errorf("import of %d bytes: %w", len(data), err)
	}
	imp.created = int(resp.GetCreated())
	return imp, nil
}

// runBench sets the warehouse up, runs the handhelds for the duration and
// gathers their figures. Setup failures are returned; failures during the
// run are counted as errors, since that is what the run measures.
func runBench(ctx context.Context, c benchConfig, stderr io.Writer) (benchResult, error) {
	var res benchResult
	conns := make([]*site, c.conns)
	for i := range conns {
		conn, err := dialSite(c.addr, func(addr string) (*grpc.ClientConn, error) {
			// The tool puts its tokens in each call's metadata, so a
			// plaintext link is the person's choice of no --ca.
			creds, err := transport(addr, c.ca, true)
			if err != nil {
				return nil, err
			}
			return grpc.NewClient(addr, append(fixedWindows(), grpc.WithTransportCredentials(creds))...)
		})
		if err != nil {
			return res, err
		}
		defer conn.Close()
		conns[i] = conn
	}
	// Every handheld starts at the leader, if a node says it leads.
	if lead := conns[0].preferLeader(ctx); lead != 0 {
		for _, c := range conns[1:] {
			c.cur.Store(int32(lead))
		}
	}
	admin := conns[0]
	run := strconv.FormatInt(time.Now().Unix(), 36)

	start := time.Now()
	tokens, err := sim.CreateUsers(ctx, admin, c.token, "bench-"+run+"-", c.pickers, pb.Role_ROLE_PICKER)
	if err != nil {
		return res, err
	}
	packTokens, err := sim.CreateUsers(ctx, admin, c.token, "bench-"+run+"-pk", c.packers, pb.Role_ROLE_PACKER)
	if err != nil {
		return res, err
	}
	sup, err := sim.NewSupplier(ctx, admin, c.token, "BENCH-"+run+"-", c.seed)
	if err != nil {
		return res, err
	}
	// Every unit takes at least one scan, and most lines a bin scan too:
	// half the scans is plenty of units, and Submit tops up beyond it.
	if err := sup.Reserve(ctx, int64(float64(c.pickers)*c.rate*c.duration.Seconds()/2)); err != nil {
		return res, err
	}
	// Each picker holds up to a batch of orders (the planner's default
	// is 4) and the queue keeps as many again waiting.
	backlog := 8*c.pickers + 100
	if err := sup.Submit(ctx, backlog); err != nil {
		return res, err
	}
	fmt.Fprintf(stderr, "bench: run %s: %d pickers, %d orders ready in %v; scanning for %v at %g scans/s each over %d connections\n",
		run, c.pickers, sup.Submitted(), time.Since(start).Round(time.Millisecond), c.duration, c.rate, c.conns)
	if c.browsers > 0 {
		fmt.Fprintf(stderr, "bench: %d of them scan as browsers: ScanOne over Connect to http://%s, a connection each\n", c.browsers, c.http)
	}

	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	var importData []byte
	if c.importOrders > 0 {
		importData = importCSV("BENCH-"+run+"-IMP-", c.importChannel, sup.SKUs(), c.importOrders)
	}
	began := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, c.duration)
	sampled := make(chan []serverSample, 1)
	if c.serverPID > 0 {
		first, err := sampleServer(c.serverPID, c.dataFile)
		if err != nil {
			cancel()
			return res, fmt.Errorf("bench: --server-pid: %w", err)
		}
		go func() {
			out := []serverSample{first}
			tick := time.NewTicker(time.Minute)
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
				case <-runCtx.Done():
					if s, err := sampleServer(c.serverPID, c.dataFile); err == nil {
						out = append(out, s)
					}
					sampled <- out
					return
				}
				if s, err := sampleServer(c.serverPID, c.dataFile); err == nil {
					out = append(out, s)
				}
			}
		}()
	} else {
		sampled <- nil
	}
	defer cancel()
	var importErr error
	importDone := make(chan struct{})
	go func() {
		defer close(importDone)
		if importData != nil {
			// ctx, not runCtx: an import still running when the
			// scanning ends is waited for, not cancelled.
			res.imported, importErr = runImport(ctx, admin, c.token, importData, c.importDryRun, began, c.importAt)
		}
	}()
	var supErr error
	var supRetries int
	supDone := make(chan struct{})
	go func() {
		defer close(supDone)
		for {
			supErr = sup.Keep(runCtx, backlog, 250*time.Millisecond)
			if supErr == nil || !c.allowErrors {
				return
			}
			// A node went away: the next call goes to another.
			supRetries++
			select {
			case <-runCtx.Done():
				supErr = nil
				return
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()

	cat := sim.NewCatalog(c.token)
	finished := make(chan string, 100_000)
	packers := make([]*sim.Packer, c.packers)
	var packWG sync.WaitGroup
	for i := range packers {
		p := &sim.Packer{Name: fmt.Sprintf("pk%d", i), Token: packTokens[i], AdminToken: c.token, Catalog: cat, Rate: c.rate}
		packers[i] = p
		conn := conns[i%len(conns)]
		packWG.Go(func() {
			if err := p.Run(runCtx, conn, finished); err != nil && runCtx.Err() == nil {
				fmt.Fprintf(stderr, "bench: packer %s: %v\n", p.Name, err)
			}
		})
	}
	taskDone := func(id string, orders int) {
		sup.Done(orders)
		if c.packers > 0 {
			select {
			case finished <- id:
			default: // packers far behind: the orders stay open
			}
		}
	}
	devices := make([]*sim.Device, c.pickers)
	// The first c.browsers handhelds are browsers.
	browser := func(i int) bool { return i < c.browsers }
	var runErrs, browserErrs atomic.Int64
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for i := range devices {
		d := sim.New(sim.Config{Name: fmt.Sprintf("hh%d", i), Token: tokens[i], Rate: c.rate, WrongRate: c.wrongRate,
			ShortRate: c.shortRate, Seed: c.seed*1_000_003 + uint64(i), Catalog: cat, OnTaskDone: taskDone, Unary: browser(i)})
		devices[i] = d
		var conn grpc.ClientConnInterface = conns[i%len(conns)]
		errs := &runErrs
		if browser(i) {
			hc := sim.NewConnectConn("http://" + c.http)
			defer hc.Close()
			conn, errs = hc, &browserErrs
		}
		wg.Go(func() {
			for {
				err := d.Run(runCtx, conn)
				if err == nil {
					return
				}
				// A failed stream or call is an error of the run; the
				// handheld reconnects and re-sends its unanswered scan,
				// as a real one does.
				errs.Add(1)
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				select {
				case <-runCtx.Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		})
	}
	wg.Wait()
	res.server = <-sampled
	cancel()
	<-supDone
	<-importDone
	if importErr != nil {
		fmt.Fprintf(stderr, "bench: %v\n", importErr)
		res.errors++
	} else if imp := res.imported; imp != nil {
		fmt.Fprintf(stderr, "bench: import of %d orders (%d bytes) from %.2fs to %.2fs into the run\n", c.importOrders, len(importData),
			imp.start.Sub(began).Seconds(), imp.end.Sub(began).Seconds())
	}
	packWG.Wait()
	var packed, shipped, unusual int64
	for _, p := range packers {
		packed, shipped, unusual = packed+p.Packed.Load(), shipped+p.Shipped.Load(), unusual+p.Unusual.Load()
	}
	if c.packers > 0 {
		fmt.Fprintf(stderr, "bench: %d packers packed %d orders and handed off %d (%d unexpected answers)\n", c.packers, packed, shipped, unusual)
	}

	var tasks, starved, wrong, replayed int
	verdicts := map[pb.Verdict]int{}
	// Latencies by 5-second window show a stall or a start-up burst that
	// the percentiles of the whole run would hide.
	const window = 5 * time.Second
	windows := make([][]time.Duration, int((c.duration+window-1)/window))
	for _, d := range devices {
		first := true
		for _, tc := range d.TaskCalls() {
			res.taskCalls = append(res.taskCalls, tc.Latency)
			if tc.SentAt.Sub(began) < window {
				res.firstCalls = append(res.firstCalls, tc.Latency)
			}
			if tc.Got {
				res.tasksGot++
				if first {
					first = false
					res.started++
					res.lastStart = max(res.lastStart, tc.SentAt.Add(tc.Latency).Sub(began))
				}
			}
		}
	}
	for i, d := range devices {
		path := &res.pathResult
		if browser(i) {
			path = &res.browser
		}
		st := d.Stats()
		path.scans += st.Scans
		path.verdicts += st.Verdicts
		tasks += st.Tasks
		starved += st.Starved
		if _, ok := d.Pending(); ok {
			path.errors++ // a scan that never got its answer
		}
		for _, r := range d.Results() {
			w := min(max(int(r.SentAt.Sub(began)/window), 0), len(windows)-1)
			windows[w] = append(windows[w], r.Latency)
			// A scan sent as the run ends counts in its last minute.
			if m := min(int(r.SentAt.Sub(began)/time.Minute), int((c.duration-1)/time.Minute)); m >= 0 {
				for len(res.minutes) <= m {
					res.minutes = append(res.minutes, nil)
				}
				res.minutes[m] = append(res.minutes[m], r.Latency)
			}
			if r.SentAt.Sub(began) < c.warmup {
				continue
			}
			path.latencies = append(path.latencies, r.Latency)
			if imp := res.imported; imp != nil {
				switch {
				case r.SentAt.Before(imp.start):
					imp.before = append(imp.before, r.Latency)
				case r.SentAt.Before(imp.end):
					imp.during = append(imp.during, r.Latency)
				default:
					imp.after = append(imp.after, r.Latency)
				}
			}
			verdicts[r.Verdict]++
			if r.Wrong {
				wrong++
			}
			if r.Replayed {
				replayed++
			}
		}
	}
	res.errors += int(runErrs.Load())
	var all []sim.Result
	for _, d := range devices {
		all = append(all, d.Results()...)
	}
	res.stall = longestStall(all, began)
	if supRetries > 0 {
		fmt.Fprintf(stderr, "bench: the order supply failed %d times and went on\n", supRetries)
	}
	if c.acked != "" {
		if err := writeAcked(c.acked, "bench-"+run+"-", devices); err != nil {
			return res, err
		}
	}
	res.browser.errors += int(browserErrs.Load())
	if firstErr != nil {
		fmt.Fprintf(stderr, "bench: first error: %v\n", firstErr)
	}
	if supErr != nil {
		fmt.Fprintf(stderr, "bench: order supply failed: %v\n", supErr)
		res.errors++
	}
	res.firstScans = windows[0]
	for i, w := range windows {
		if len(w) > 0 {
			fmt.Fprintf(stderr, "bench: %3.0fs-%3.0fs scans=%d %s\n", (time.Duration(i) * window).Seconds(),
				min(time.Duration(i+1)*window, c.duration).Seconds(), len(w), benchPercentiles(w))
		}
	}
	if c.warmup > 0 {
		fmt.Fprintf(stderr, "bench: the summary leaves out scans sent in the first %v\n", c.warmup)
	}
	fmt.Fprintf(stderr, "bench: %.0f scans/s, %d tasks done, %d wrong on purpose, %d replayed, %d ticks without a task; verdicts %s\n",
		float64(res.scans+res.browser.scans)/c.duration.Seconds(), tasks, wrong, replayed, starved, benchVerdicts(verdicts))
	return res, nil
}

// benchPercentiles formats p50, p99 and max in milliseconds.
func benchPercentiles(lat []time.Duration) string {
	s := sorted(lat)
	return fmt.Sprintf("p50_ms=%s p99_ms=%s max_ms=%s", benchMillis(benchQuantile(s, 0.50)), benchMillis(benchQuantile(s, 0.99)), benchMillis(benchQuantile(s, 1)))
}

// benchMillis formats d in milliseconds.
func benchMillis(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}

// sorted is a sorted copy of lat.
func sorted(lat []time.Duration) []time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	return s
}

// benchRatio is the p99 of a over the p99 of b (0 if b has none).
func benchRatio(a, b []time.Duration) float64 {
	pa, pb := slices.Clone(a), slices.Clone(b)
	slices.Sort(pa)
	slices.Sort(pb)
	if q := benchQuantile(pb, 0.99); q > 0 {
		return float64(benchQuantile(pa, 0.99)) / float64(q)
	}
	return 0
}

// benchQuantile is the nearest-rank quantile q of sorted (0 if empty).
func benchQuantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func benchVerdicts(m map[pb.Verdict]int) string {
	keys := make([]pb.Verdict, 0, len(m))
	for v := range m {
		keys = append(keys, v)
	}
	slices.Sort(keys)
	out := ""
	for _, v := range keys {
		out += fmt.Sprintf(" %s=%d", v.String()[len("VERDICT_"):], m[v])
	}
	if out == "" {
		return "none"
	}
	return out[1:]
}
