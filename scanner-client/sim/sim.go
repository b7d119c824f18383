// Package sim simulates pickers' handhelds against a running pickpack
// server, for the load tool and for tests that need real traffic: each
// device asks for its next task, works through it over one PickService.Scan
// stream (or, as a browser does, one ScanOne call per scan over the
// Connect protocol) at a fixed scan rate, now and then scans something
// wrong on purpose, and records every answer with its latency.
package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// Config sets up one simulated handheld.
type Config struct {
	// Name prefixes the device's scan ids; ids only need to be unique per
	// picker, so one device per picker user is enough.
	Name string
	// Token is the picker's bearer token.
	Token string
	// Rate is scans per second. A tick whose scan would start while the
	// previous answer is still awaited is skipped, as a person waits for
	// the beep before the next scan.
	Rate float64
	// WrongRate is the share of scans made wrong on purpose (wrong bin,
	// wrong item, unknown barcode, over-pick, item before bin), so that
	// load exercises every verdict path and not only the happy one.
	WrongRate float64
	// ShortRate is the share of item steps reported as a short pick.
	ShortRate float64
	// Seed makes the device's choices repeatable.
	Seed uint64
	// Catalog looks up SKU barcodes; devices share one so that each SKU is
	// asked for once.
	Catalog *Catalog
	// MaxScans, if above zero, ends Run once the device has sent that
	// many scans: tests stop on a count, not on a clock.
	MaxScans int
	// OnTaskDone, if set, is called with the id and the number of orders of
	// each task the device finishes (the load tool refills the queue by it
	// and hands the task to its packers).
	OnTaskDone func(taskID string, orders int)
	// Unary sends each scan as its own PickService.ScanOne call, as the
	// handheld app in a browser does (Run's conn is then a ConnectConn),
	// instead of on a Scan stream.
	Unary bool
}

// Result is one scan and the server's answer to it.
type Result struct {
	ScanID string
	Code   string
	Action pb.ScanAction
	// Units the scan takes if the server accepts it (item and quantity
	// scans); zero for bin scans and short picks.
	Units int64
	// Wrong marks scans made wrong on purpose.
	Wrong   bool
	Verdict pb.Verdict
	Reason  string
	Message string
	// Replayed is the server saying it had seen the scan id before: the
	// scan was re-sent after its first answer was lost.
	Replayed bool
	// SentAt is when the scan was sent; Latency is from then to its
	// answer.
	SentAt  time.Time
	Latency time.Duration
}

// PickedUnits is how many units the scan took out of stock: its units if
// the verdict accepted it, else none.
func (r Result) PickedUnits() int64 {
	switch r.Verdict {
	case pb.Verdict_VERDICT_RIGHT, pb.Verdict_VERDICT_LINE_DONE, pb.Verdict_VERDICT_TASK_DONE:
		return r.Units
	}
	return 0
}

// TaskCall is one NextTask call and its answer.
type TaskCall struct {
	// SentAt is when the call was made; Latency is from then to its
	// answer.
	SentAt  time.Time
	Latency time.Duration
	// Got says a task came back (false: nothing to do).
	Got bool
}

// Sent is a scan that was sent and whose answer has not arrived (yet).
type Sent struct {
	Scan  *pb.Scan
	Units int64
	Wrong bool
}

// Stats counts what a device did.
type Stats struct {
	Scans    int // scans sent, re-sends included
	Verdicts int // answers received
	Tasks    int // tasks finished
	Starved  int // ticks without a task to work on
}

// Device is one simulated handheld. Run may be called again after it
// returns (a reconnect); the device then first re-sends its unanswered
// scan with the same id. Its other methods are safe to call concurrently
// with Run.
type Device struct {
	cfg    Config
	rng    *rand.Rand
	period time.Duration

	// Only Run touches these: one Run at a time.
	seq    int
	next   *pb.Instruction // what the server expects now; nil: ask for a task
	orders int             // orders in the current task
	bins   []string        // the current task's bins, for wrong-bin scans
	itemAt string          // bin+SKU whose item scan was accepted, so a typed quantity fits
	phased bool

	mu      sync.Mutex
	results []Result
	calls   []TaskCall
	pending *Sent
	stats   Stats
}

// New returns a device; it does nothing until Run.
func New(cfg Config) *Device {
	if cfg.Rate <= 0 {
		cfg.Rate = 1
	}
	if cfg.Catalog == nil {
		cfg.Catalog = NewCatalog("")
	}
	return &Device{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5ca22e5)),
		period: time.Duration(float64(time.Second) / cfg.Rate)}
}

// Name is the device's name.
func (d *Device) Name() string { return d.cfg.Name }

// Results returns a copy of every answered scan, in order.
func (d *Device) Results() []Result {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Result(nil), d.results...)
}

// TaskCalls returns a copy of every answered NextTask call, in order: the
// first is when the device started its shift.
func (d *Device) TaskCalls() []TaskCall {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]TaskCall(nil), d.calls...)
}

// Pending returns the scan sent without an answer, if any: after a lost
// link it may or may not have been applied.
func (d *Device) Pending() (Sent, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending == nil {
		return Sent{}, false
	}
	return *d.pending, true
}

// Stats returns the device's counters.
func (d *Device) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// Bearer returns ctx carrying token as the call's credentials, in place of
// any it carried before.
func Bearer(ctx context.Context, token string) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Set("authorization", "Bearer "+token)
	return metadata.NewOutgoingContext(ctx, md)
}

// Run works tasks over one Scan stream on conn (or, with Config.Unary,
// one ScanOne call per scan) until ctx ends, or until the stream or a
// call fails, which it returns. A scan in flight when ctx ends is still
// answered first: stopping the device never leaves an unanswered scan
// behind, so a clean stop loses no verdict.
func (d *Device) Run(ctx context.Context, conn grpc.ClientConnInterface) error {
	// The calls outlive ctx so that the last scan is answered; they end
	// when Run returns.
	callCtx, cancel := context.WithCancel(Bearer(context.WithoutCancel(ctx), d.cfg.Token))
	defer cancel()
	pick := pb.NewPickServiceClient(conn)
	scan, done, err := d.link(callCtx, pick)
	if err != nil {
		return err
	}
	if p, ok := d.Pending(); ok {
		// The link dropped with this scan unanswered: re-send it as it
		// was; the server answers a seen id with its first answer.
		if err := d.exchange(scan, p); err != nil {
			return err
		}
	}
	if !d.phased {
		// A random phase spreads a thousand devices over the period
		// instead of having them all scan on the same instant.
		d.phased = true
		select {
		case <-ctx.Done():
			return done()
		case <-time.After(time.Duration(d.rng.Int64N(int64(d.period)))):
		}
	}
	tick := time.NewTicker(d.period)
	defer tick.Stop()
	for {
		if ctx.Err() != nil {
			return done()
		}
		if d.next == nil || d.next.GetExpect() == pb.Expect_EXPECT_NOTHING {
			ok, err := d.nextTask(callCtx, pick)
			if err != nil {
				return err
			}
			if !ok {
				d.count(func(s *Stats) { s.Starved++ })
			}
		}
		if d.next != nil && d.next.GetExpect() != pb.Expect_EXPECT_NOTHING {
			s, err := d.plan(callCtx, conn)
			if err != nil {
				return err
			}
			if err := d.exchange(scan, s); err != nil {
				return err
			}
			if d.cfg.MaxScans > 0 && d.Stats().Scans >= d.cfg.MaxScans {
				return done()
			}
		}
		select {
		case <-ctx.Done():
			return done()
		case <-tick.C:
		}
	}
}

// link returns how the device sends one scan and has its answer, and
// what ends the link: a Scan stream, or ScanOne calls.
func (d *Device) link(ctx context.Context, pick pb.PickServiceClient) (func(*pb.Scan) (*pb.ScanAnswer, error), func() error, error) {
	if d.cfg.Unary {
		return func(sc *pb.Scan) (*pb.ScanAnswer, error) {
			resp, err := pick.ScanOne(ctx, &pb.ScanOneRequest{Scan: sc})
			return resp.GetAnswer(), err
		}, func() error { return nil }, nil
	}
	stream, err := pick.Scan(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: open scan stream: %w", d.cfg.Name, err)
	}
	return func(sc *pb.Scan) (*pb.ScanAnswer, error) {
		if err := stream.Send(&pb.ScanRequest{Scan: sc}); err != nil {
			_, err = stream.Recv() // Send hides the stream's real error
			return nil, err
		}
		resp, err := stream.Recv()
		return resp.GetAnswer(), err
	}, stream.CloseSend, nil
}

func (d *Device) count(f func(*Stats)) {
	d.mu.Lock()
	f(&d.stats)
	d.mu.Unlock()
}

// nextTask asks for work and reports whether there is some.
func (d *Device) nextTask(ctx context.Context, pick pb.PickServiceClient) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	start := time.Now()
	resp, err := pick.NextTask(ctx, &pb.NextTaskRequest{})
	lat := time.Since(start)
	if err != nil {
		return false, fmt.Errorf("%s: next task: %w", d.cfg.Name, err)
	}
	t := resp.GetTask()
	d.mu.Lock()
	d.calls = append(d.calls, TaskCall{SentAt: start, Latency: lat, Got: t != nil})
	d.mu.Unlock()
	d.next, d.bins, d.itemAt = nil, nil, ""
	if t == nil {
		return false, nil
	}
	d.orders = len(t.GetOrders())
	for _, st := range t.GetStops() {
		d.bins = append(d.bins, st.GetBin())
	}
	d.cfg.Catalog.noteBins(d.bins)
	if n := resp.GetNext(); n.GetExpect() == pb.Expect_EXPECT_TOTE || n.GetExpect() == pb.Expect_EXPECT_DROP_OFF {
		d.next = n // totes to scan first, or a picked cart to drop off
		return true, nil
	}
	// Start at the first stop with units left. Expecting its bin is right
	// even for a task taken over after a restart: scanning the bin one
	// stands at again is answered RIGHT.
	for _, st := range t.GetStops() {
		if rem := st.GetQuantity() - st.GetPicked() - st.GetShort(); rem > 0 {
			d.next = &pb.Instruction{Expect: pb.Expect_EXPECT_BIN, Stop: st, Remaining: rem, TaskId: t.GetId()}
			return true, nil
		}
	}
	return false, nil
}

// plan chooses the next scan from what the server expects.
func (d *Device) plan(ctx context.Context, conn grpc.ClientConnInterface) (Sent, error) {
	d.seq++
	sc := &pb.Scan{ScanId: fmt.Sprintf("%s-%d", d.cfg.Name, d.seq), DeviceTime: timestamppb.Now()}
	switch d.next.GetExpect() {
	case pb.Expect_EXPECT_TOTE:
		// An empty tote off the stack: a number no other tote of this
		// run has (one refused as in use is followed by the next).
		sc.Code = fmt.Sprintf("%s%d", "TOTE-", toteSeq.Add(1))
		return Sent{Scan: sc}, nil
	case pb.Expect_EXPECT_DROP_OFF:
		sc.Code = "DROP-SIM"
		return Sent{Scan: sc}, nil
	}
	stop, rem := d.next.GetStop(), d.next.GetRemaining()
	code, err := d.cfg.Catalog.Barcode(ctx, conn, stop.GetSku())
	if err != nil {
		return Sent{}, fmt.Errorf("%s: %w", d.cfg.Name, err)
	}
	out := Sent{Scan: sc}
	if d.rng.Float64() < d.cfg.WrongRate {
		out.Wrong = true
		d.wrong(&out, stop, rem, code)
		return out, nil
	}
	switch {
	case d.next.GetExpect() == pb.Expect_EXPECT_BIN:
		sc.Code = stop.GetBin()
	case code == "" || d.rng.Float64() < d.cfg.ShortRate:
		// No barcode to scan means the item cannot be identified: what a
		// picker would report as a short pick.
		sc.Action, sc.ShortReason = pb.ScanAction_SCAN_ACTION_SHORT, pb.ShortReason_SHORT_REASON_CANNOT_FIND
		if code != "" {
			sc.ShortReason = pb.ShortReason_SHORT_REASON_DAMAGED
		}
	case rem > 1 && d.itemAt == stopKey(stop) && d.rng.IntN(2) == 0:
		// Typing the rest once one unit was scanned, as pickers do.
		sc.Action, sc.Quantity = pb.ScanAction_SCAN_ACTION_QUANTITY, rem
		out.Units = rem
	default:
		sc.Code, out.Units = code, 1
	}
	return out, nil
}

// wrong makes a scan that the server must refuse in one of several ways.
func (d *Device) wrong(out *Sent, stop *pb.Stop, rem int64, code string) {
	sc := out.Scan
	atItem := d.next.GetExpect() == pb.Expect_EXPECT_ITEM
	switch d.rng.IntN(4) {
	case 0: // a bin other than the expected one
		if bin := d.cfg.Catalog.otherBin(d.rng, stop.GetBin()); bin != "" {
			sc.Code = bin
			return
		}
	case 1: // another SKU's item
		if other := d.cfg.Catalog.otherBarcode(d.rng, stop.GetSku()); other != "" && atItem {
			sc.Code = other
			return
		}
	case 2: // more units than the line wants, or the item before its bin
		if code != "" {
			sc.Code = code
			if atItem {
				sc.Quantity = rem + 1
			}
			out.Units = max(sc.Quantity, 1)
			return
		}
	}
	sc.Code = fmt.Sprintf("NOPE-%06d", d.rng.IntN(1_000_000)) // no bin, no barcode
}

// exchange sends one scan and waits for its answer. The scan stays pending
// until the answer arrives, so a failure leaves it to be re-sent.
func (d *Device) exchange(scan func(*pb.Scan) (*pb.ScanAnswer, error), s Sent) error {
	d.mu.Lock()
	d.pending = &s
	d.stats.Scans++
	d.mu.Unlock()
	start := time.Now()
	a, err := scan(s.Scan)
	lat := time.Since(start)
	if err != nil {
		return fmt.Errorf("%s: scan %s: %w", d.cfg.Name, s.Scan.GetScanId(), err)
	}
	if a.GetScanId() != s.Scan.GetScanId() {
		return fmt.Errorf("%s: answer for %q to scan %q", d.cfg.Name, a.GetScanId(), s.Scan.GetScanId())
	}
	r := Result{ScanID: a.GetScanId(), Code: s.Scan.GetCode(), Action: s.Scan.GetAction(), Units: s.Units, Wrong: s.Wrong,
		Verdict: a.GetVerdict(), Reason: a.GetReason(), Message: a.GetMessage(), Replayed: a.GetReplayed(), SentAt: start, Latency: lat}
	d.mu.Lock()
	d.pending = nil
	d.results = append(d.results, r)
	d.stats.Verdicts++
	d.mu.Unlock()

	prev := stopKey(d.next.GetStop())
	if a.GetVerdict() == pb.Verdict_VERDICT_RIGHT && r.Units > 0 {
		d.itemAt = prev
	}
	d.next = a.GetNext()
	if stopKey(d.next.GetStop()) != prev {
		d.itemAt = "" // a new stop starts with its item scan
	}
	if a.GetVerdict() == pb.Verdict_VERDICT_TASK_DONE {
		// Picked: the orders may be packed while the cart goes to the
		// pack station, whose drop-off code the next scan is.
		d.count(func(s *Stats) { s.Tasks++ })
		if d.cfg.OnTaskDone != nil {
			d.cfg.OnTaskDone(d.next.GetTaskId(), d.orders)
		}
	}
	if d.next.GetExpect() == pb.Expect_EXPECT_NOTHING {
		d.next = nil
	}
	return nil
}

// toteSeq numbers the totes the devices of this process take, from a
// start of its own so that a second run against the same server does not
// take the totes the first left at the pack station.
var toteSeq = func() *atomic.Uint64 {
	var n atomic.Uint64
	n.Store(uint64(time.Now().Unix()%100_000) * 100_000)
	return &n
}()

func stopKey(s *pb.Stop) string {
	if s == nil {
		return ""
	}
	return s.GetBin() + "\x00" + s.GetSku()
}

// Catalog caches what devices learn about SKUs and bins. Safe for
// concurrent use.
type Catalog struct {
	token string

	mu    sync.Mutex
	codes map[string]string // SKU -> barcode, "" if it has none
	grams map[string]int64  // SKU -> unit weight, 0 if unknown
	skus  []string          // SKUs with a barcode, for wrong-item scans
	known map[string]bool
	bins  []string // bins seen on tasks, for wrong-bin scans
	calls map[string]*call
}

type call struct {
	done chan struct{}
	err  error
}

// NewCatalog returns an empty catalog that looks barcodes up with an admin
// token (WarehouseService.GetSku is not open to pickers).
func NewCatalog(adminToken string) *Catalog {
	return &Catalog{token: adminToken, codes: map[string]string{}, grams: map[string]int64{}, known: map[string]bool{}, calls: map[string]*call{}}
}

// Barcode returns a barcode of sku, asking the server once per SKU however
// many devices want it at the same moment. A SKU without barcodes gives "".
func (c *Catalog) Barcode(ctx context.Context, conn grpc.ClientConnInterface, sku string) (string, error) {
	if sku == "" {
		return "", nil
	}
	for {
		c.mu.Lock()
		if code, ok := c.codes[sku]; ok {
			c.mu.Unlock()
			return code, nil
		}
		if cl, ok := c.calls[sku]; ok {
			c.mu.Unlock()
			<-cl.done
			if cl.err != nil {
				return "", cl.err
			}
			continue
		}
		cl := &call{done: make(chan struct{})}
		c.calls[sku] = cl
		c.mu.Unlock()

		cctx, cancel := context.WithTimeout(Bearer(ctx, c.token), 30*time.Second)
		resp, err := pb.NewWarehouseServiceClient(conn).GetSku(cctx, &pb.GetSkuRequest{Key: &pb.GetSkuRequest_Id{Id: sku}})
		cancel()
		c.mu.Lock()
		delete(c.calls, sku)
		if err == nil {
			code := ""
			if bcs := resp.GetSku().GetBarcodes(); len(bcs) > 0 {
				code = bcs[0].GetCode()
				c.skus = append(c.skus, sku)
			}
			c.codes[sku] = code
			c.grams[sku] = resp.GetSku().GetWeightG()
		} else {
			cl.err = fmt.Errorf("barcode of %s: %w", sku, err)
		}
		c.mu.Unlock()
		close(cl.done)
		if cl.err != nil {
			return "", cl.err
		}
	}
}

// Weight returns the unit weight of a SKU already looked up with Barcode;
// zero when unknown.
func (c *Catalog) Weight(sku string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.grams[sku]
}

func (c *Catalog) noteBins(bins []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range bins {
		if !c.known[b] && len(c.bins) < 10000 {
			c.known[b] = true
			c.bins = append(c.bins, b)
		}
	}
}

func (c *Catalog) otherBin(rng *rand.Rand, not string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return other(rng, c.bins, not)
}

func (c *Catalog) otherBarcode(rng *rand.Rand, notSKU string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sku := other(rng, c.skus, notSKU); sku != "" {
		return c.codes[sku]
	}
	return ""
}

// other picks an element of list other than not, or "" if there is none.
func other(rng *rand.Rand, list []string, not string) string {
	for range 4 {
		if len(list) == 0 {
			return ""
		}
		if s := list[rng.IntN(len(list))]; s != not {
			return s
		}
	}
	return ""
}
