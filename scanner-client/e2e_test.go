package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/rpc"
	"github.com/pickpack/pickpack/server/store"
)

const (
	eanS1 = "4006381333931" // S1 Thermos, 350 g, 4 in A-01-001-1
	eanS2 = "5901234123457" // S2 USB-C cable, 40 g, 10 in A-03-009-1
)

// server is a real pickpack server on a loopback port over a real data
// file. It can be stopped and started again on the same address and file,
// as a server restart or a network outage looks to a handheld.
type server struct {
	t      *testing.T
	st     *store.Store
	addr   string
	g      *grpc.Server
	admin  *grpc.ClientConn
	tokens map[floor.Role]string
}

func newServer(t *testing.T) *server {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, st: st, tokens: map[floor.Role]string{}}
	s.start("127.0.0.1:0")
	s.admin, err = grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.admin.Close()
		s.stop()
		if err := st.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		if _, err := st.Audit(); err != nil {
			t.Errorf("stock audit: %v", err)
		}
		st.Close()
	})
	for _, r := range []floor.Role{floor.RolePicker, floor.RolePacker, floor.RoleAdmin, floor.RoleReceiver, floor.RoleCounter} {
		tok, err := st.CreateToken(r.String()+"-1", r)
		if err != nil {
			t.Fatal(err)
		}
		s.tokens[r] = tok
	}
	return s
}

// start serves on addr ("127.0.0.1:0": any free port).
func (s *server) start(addr string) {
	s.t.Helper()
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatal(err)
	}
	api := rpc.New(s.st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	// Stop must wait for handlers: the test checks and closes the store
	// right after.
	s.g = grpc.NewServer(append(api.ServerOptions(), grpc.WaitForHandlers(true))...)
	api.Register(s.g)
	s.addr = lis.Addr().String()
	go s.g.Serve(lis)
}

// stop closes the listener and every connection at once.
func (s *server) stop() {
	if s.g != nil {
		s.g.Stop()
		s.g = nil
	}
}

func (s *server) as(role floor.Role) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+s.tokens[role])
}

// load imports the example bin map and SKUs of the server's tests, puts
// stock in two bins and submits order O1: 3 × S1, 1 × S2.
func (s *server) load() {
	t := s.t
	t.Helper()
	ctx := s.as(floor.RoleAdmin)
	wh := pb.NewWarehouseServiceClient(s.admin)
	data, err := os.ReadFile("../server/rpc/testdata/binmap.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wh.ImportBinMap(ctx, &pb.ImportBinMapRequest{Data: data}); err != nil {
		t.Fatal(err)
	}
	// Carriers, so that each order has a waybill for the handoff to scan.
	if data, err = os.ReadFile("../server/rpc/testdata/shipping.json"); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.ImportShipping(ctx, &pb.ImportShippingRequest{Data: data}); err != nil {
		t.Fatal(err)
	}
	if data, err = os.ReadFile("../server/rpc/testdata/skus.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.ImportSkus(ctx, &pb.ImportSkusRequest{Data: data, Format: pb.ImportFormat_IMPORT_FORMAT_CSV}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*pb.AdjustStockRequest{
		{Bin: "A-01-001-1", Sku: "S1", Delta: 4, Reason: "receipt"},
		{Bin: "A-03-009-1", Sku: "S2", Delta: 10, Reason: "receipt"},
	} {
		if _, err := wh.AdjustStock(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	_, err = pb.NewOrderServiceClient(s.admin).SubmitOrder(ctx, &pb.SubmitOrderRequest{Order: &pb.Order{
		Id: "O1", Lines: []*pb.OrderLine{{Sku: "S1", Quantity: 3}, {Sku: "S2", Quantity: 1}},
		Recipient: &pb.Address{Name: "Ann", Lines: []string{"1 Main St"}, City: "London", PostalCode: "EC1Y 8SY", Country: "GB"}}})
	if err != nil {
		t.Fatal(err)
	}
}

func (s *server) level(bin, sku string) floor.StockLevel {
	s.t.Helper()
	levels, _, err := s.st.ListStock(store.StockFilter{Bin: bin}, "", 10)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, l := range levels {
		if l.SKU == sku {
			return l
		}
	}
	return floor.StockLevel{Bin: bin, SKU: sku}
}

func (s *server) orderState(id string) floor.OrderState {
	s.t.Helper()
	o, err := s.st.Order(id)
	if err != nil {
		s.t.Fatal(err)
	}
	return o.State
}

// takeTask gives the picker their task and scans its tote, as a picker
// does at the start of a task before the scans a test is about.
func (s *server) takeTask() {
	s.t.Helper()
	ctx := s.as(floor.RolePicker)
	if _, err := pb.NewPickServiceClient(s.admin).NextTask(ctx, &pb.NextTaskRequest{}); err != nil {
		s.t.Fatal(err)
	}
	st, err := pb.NewPickServiceClient(s.admin).Scan(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.CloseSend()
	if err := st.Send(&pb.ScanRequest{Scan: &pb.Scan{ScanId: "setup-tote", Code: "TOTE-1"}}); err != nil {
		s.t.Fatal(err)
	}
	if r, err := st.Recv(); err != nil || r.GetAnswer().GetReason() != "TOTE_SET" {
		s.t.Fatalf("tote: %v, %v", r, err)
	}
}

// openTask is the picker's open task as the store has it.
func (s *server) openTask() floor.Task {
	s.t.Helper()
	resp, err := pb.NewPickServiceClient(s.admin).NextTask(s.as(floor.RolePicker), &pb.NextTaskRequest{})
	if err != nil || resp.GetTask() == nil || resp.GetAssigned() {
		s.t.Fatalf("open task: %v %v", resp, err)
	}
	task, err := s.st.Task(resp.GetTask().GetId())
	if err != nil {
		s.t.Fatal(err)
	}
	return task
}

// screen collects what the client prints and lets a test wait for a text
// to appear, without sleeping.
type screen struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
	pos     int // how far waitFor has read
}

func newScreen() *screen { return &screen{changed: make(chan struct{})} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	close(s.changed)
	s.changed = make(chan struct{})
	return len(p), nil
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// terminal is one scanner-client run through Run, typed at through a pipe.
type terminal struct {
	t      *testing.T
	in     *io.PipeWriter
	out    *screen
	errOut *screen
	done   chan error
}

func startClient(t *testing.T, args ...string) *terminal {
	t.Helper()
	r, w := io.Pipe()
	tm := &terminal{t: t, in: w, out: newScreen(), errOut: newScreen(), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { tm.done <- Run(ctx, args, r, tm.out, tm.errOut) }()
	t.Cleanup(func() {
		cancel()
		w.Close()
		select {
		case <-tm.done:
		case <-time.After(10 * time.Second):
			t.Error("client did not stop")
		}
	})
	return tm
}

// waitLimit only bounds a test that is broken; passing tests never reach it.
const waitLimit = 15 * time.Second

// waitFor waits until text appears after what earlier waits consumed, and
// returns the output from there up to and including it.
func (tm *terminal) waitFor(text string) string {
	tm.t.Helper()
	limit := time.After(waitLimit)
	for {
		tm.out.mu.Lock()
		rest := tm.out.buf.String()[tm.out.pos:]
		ch := tm.out.changed
		if i := strings.Index(rest, text); i >= 0 {
			tm.out.pos += i + len(text)
			tm.out.mu.Unlock()
			return rest[:i+len(text)]
		}
		tm.out.mu.Unlock()
		select {
		case <-ch:
		case err := <-tm.done:
			tm.done <- err
			tm.t.Fatalf("client ended (%v) before printing %q; output:\n%s\nstderr:\n%s", err, text, tm.out, tm.errOut)
		case <-limit:
			tm.t.Fatalf("no %q after %v; output:\n%s", text, waitLimit, tm.out)
		}
	}
}

// line waits until the text appears and returns the whole line it is on,
// with the bell if it rang.
func (tm *terminal) line(text string) string {
	tm.t.Helper()
	before := tm.waitFor(text)
	if i := strings.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return before + strings.TrimSuffix(tm.waitFor("\n"), "\n")
}

func (tm *terminal) typeLine(s string) {
	tm.t.Helper()
	if _, err := fmt.Fprintln(tm.in, s); err != nil {
		tm.t.Fatal(err)
	}
}

// end waits for Run to return.
func (tm *terminal) end() error {
	tm.t.Helper()
	select {
	case err := <-tm.done:
		tm.done <- err
		return err
	case <-time.After(waitLimit):
		tm.t.Fatalf("client still running; output:\n%s", tm.out)
		return nil
	}
}

// expectLine types a scan and checks the line its answer starts with.
func (tm *terminal) expectLine(scan, answer string) string {
	tm.t.Helper()
	tm.typeLine(scan)
	return tm.line(answer)
}

func clientArgs(mode Mode, s *server, role floor.Role, dir string) []string {
	return []string{string(mode), "--addr", s.addr, "--token", s.tokens[role], "--state", dir, "--device", "hh1"}
}

// A picker's whole task through the terminal, every kind of wrong scan on
// the way; then the pack station and the handoff of the same order.
func TestPickPackHandoffThroughTheClient(t *testing.T) {
	s := newServer(t)
	s.load()
	dir := t.TempDir()

	p := startClient(t, clientArgs(ModePick, s, floor.RolePicker, dir)...)
	p.waitFor("TASK ")
	route := p.waitFor("(* = a bin you know)")
	for _, want := range []string{"order O1 → tote 1, due ", "A-01-001-1   S1       Thermos 500 ml", "A-03-009-1   S2       USB-C cable"} {
		if !strings.Contains(route, want) {
			t.Errorf("route lacks %q:\n%s", want, route)
		}
	}
	p.waitFor("next: scan an empty tote (TOTE-…) for order O1, cart position 1")
	p.expectLine("A-01-001-1", "\a[NOT NOW] A-01-001-1: scan an empty tote (TOTE-NNNN) for order O1")
	p.expectLine("TOTE-1", "[OK] TOTE-1: TOTE-1 for order O1 (cart position 1); totes ready: go to A-01-001-1")
	p.waitFor("next: go to bin A-01-001-1 and scan its label: 3 × S1 Thermos 500 ml into TOTE-1")
	p.waitFor("0/2 lines done · order O1 TOTE-1 · ")

	for _, tc := range []struct{ scan, answer string }{
		{"A-02-004-1", "\a[WRONG BIN] A-02-004-1: wrong bin A-02-004-1: go to A-01-001-1"},
		{"NOPE-123", "\a[UNKNOWN BARCODE] NOPE-123:"},
		{eanS1, "\a[NOT NOW] " + eanS1 + ": scan the bin label of A-01-001-1 first"},
		{"A-01-001-1", "[OK] A-01-001-1: at A-01-001-1: take 3 × S1 Thermos 500 ml"},
		{eanS2, "\a[WRONG ITEM] " + eanS2 + ": wrong item"},
		{eanS1, "[OK] " + eanS1 + ": 1 of 3 into TOTE-1: 2 more of S1"},
		{"*5", "\a[TOO MANY] quantity 5: too many: only 2 more of S1 here; put 3 back"},
		{"!p", "[OK] postpone: S1 at A-01-001-1 moved to the end of the route: go to A-03-009-1"},
		{"A-03-009-1", "[OK] A-03-009-1: at A-03-009-1: take 1 × S2 USB-C cable into TOTE-1"},
		{eanS2, "[LINE DONE] " + eanS2 + ": S2 done into TOTE-1: next A-01-001-1, 2 × S1"},
		{"A-01-001-1", "[OK] A-01-001-1: at A-01-001-1: take 2 × S1"},
		{eanS1, "[OK] " + eanS1 + ": 2 of 3 into TOTE-1: 1 more of S1"},
		{"*1", "[TASK DONE] quantity 1: S1 done into TOTE-1: task picked (O1 in TOTE-1)"},
		{"A-03-009-1", "\a[NOT NOW] A-03-009-1: task T000001 is picked: take the totes to the pack station"},
	} {
		if got := p.expectLine(tc.scan, tc.answer); !strings.HasPrefix(got, tc.answer) {
			t.Errorf("%s: answer line %q, want it to start %q (bell first when wrong)", tc.scan, got, tc.answer)
		}
		if tc.scan == "A-01-001-1" {
			if status := p.line(" left"); !strings.Contains(status, "lines done · order O1 TOTE-1 · ") {
				t.Errorf("status after the bin: %q, want progress and the clock", status)
			}
		}
	}
	p.expectLine("DROP-PS1", "[OK] DROP-PS1: totes of task T000001 dropped off at PS1: O1 in TOTE-1")
	p.waitFor("no work right now")
	p.typeLine("?")
	p.waitFor("!f              short pick: cannot find the item")
	p.typeLine("=300")
	p.line("\a[NOT SENT] a weight belongs at the pack station")
	p.typeLine("q")
	if err := p.end(); err != nil {
		t.Fatal(err)
	}
	if got := s.orderState("O1"); got != floor.StatePicked {
		t.Errorf("O1 after the pick: %v", got)
	}
	if l := s.level("A-01-001-1", "S1"); l.OnHand != 1 || l.Reserved != 0 {
		t.Errorf("S1 after picking 3 of 4: %+v", l)
	}
	if strings.Contains(p.out.String()+p.errOut.String(), s.tokens[floor.RolePicker]) {
		t.Error("the token was printed")
	}

	k := startClient(t, clientArgs(ModePack, s, floor.RolePacker, dir)...)
	for _, tc := range []struct{ scan, answer string }{
		{"O1", "[OK] O1: order O1: scan each of its 4 items"},
		{eanS1, "[OK] " + eanS1},
		{"*2", "[OK] quantity 2"},
		{eanS2, "[ALL ITEMS VERIFIED] " + eanS2},
		{"=1400", "\a[WRONG WEIGHT] weight 1400 g"},
		{"=1170", "[PACKED] weight 1170 g"},
	} {
		if got := k.expectLine(tc.scan, tc.answer); !strings.HasPrefix(got, tc.answer) {
			t.Errorf("pack %s: %q, want %q", tc.scan, got, tc.answer)
		}
	}
	k.typeLine("q")
	if err := k.end(); err != nil {
		t.Fatal(err)
	}
	if got := s.orderState("O1"); got != floor.StatePacked {
		t.Errorf("O1 after packing: %v", got)
	}

	h := startClient(t, clientArgs(ModeHandoff, s, floor.RolePacker, dir)...)
	h.expectLine("NOT-A-WAYBILL", "\a[UNKNOWN BARCODE] NOT-A-WAYBILL")
	h.expectLine("O1", "\a[UNKNOWN BARCODE] O1: \"O1\" is an order id, not a waybill")
	waybill, err := s.st.Order("O1")
	if err != nil {
		t.Fatal(err)
	}
	h.expectLine(waybill.Tracking, "[HANDED OFF] "+waybill.Tracking)
	h.in.Close() // end of input quits like q
	if err := h.end(); err != nil {
		t.Fatal(err)
	}
	if got := s.orderState("O1"); got != floor.StateHandedOff {
		t.Errorf("O1 after handoff: %v", got)
	}
}

// Scans made while the server is unreachable are kept, shown pending, and
// applied exactly once when it comes back on the same address.
func TestOfflineScansReplayedByTheClient(t *testing.T) {
	s := newServer(t)
	s.load()
	dir := t.TempDir()
	p := startClient(t, clientArgs(ModePick, s, floor.RolePicker, dir)...)
	p.waitFor("next: scan an empty tote")
	p.expectLine("TOTE-1", "[OK] TOTE-1")
	p.waitFor("next: go to bin A-01-001-1")
	p.expectLine("A-01-001-1", "[OK] A-01-001-1")

	addr := s.addr
	s.stop() // the link drops
	p.line("\aOFFLINE: ")
	p.expectLine(eanS1, "… "+eanS1+": PENDING, offline")
	p.expectLine("*2", "… quantity 2: PENDING, offline")
	p.typeLine("")
	p.line("[OFFLINE, 2 pending]")
	queued, err := os.ReadFile(queuePath(dir, "hh1", ModePick))
	if err != nil || strings.Count(string(queued), "\n") != 2 {
		t.Fatalf("queue file while offline: %q, %v; want 2 scans", queued, err)
	}
	if l := s.level("A-01-001-1", "S1"); l.OnHand != 4 || l.Reserved != 3 {
		t.Errorf("S1 while the scans are pending: %+v, want nothing taken yet", l)
	}

	s.start(addr) // the link returns: same address, same data file
	p.line("ONLINE again: sending 2 pending scans")
	if got := p.line("[OK] " + eanS1); strings.Contains(got, "applied once") {
		t.Errorf("first delivery marked as a replay: %q", got)
	}
	p.line("[LINE DONE] quantity 2: S1 done")
	p.typeLine("")
	p.line("[online, 0 pending]")
	if queued, _ := os.ReadFile(queuePath(dir, "hh1", ModePick)); len(queued) != 0 {
		t.Errorf("queue after the answers: %q", queued)
	}
	if l := s.level("A-01-001-1", "S1"); l.OnHand != 1 || l.Reserved != 0 {
		t.Errorf("S1 after the replay: %+v, want 3 taken once", l)
	}
	if task := s.openTask(); task.Stops[0].Picked != 3 || task.Stops[0].Bin != "A-01-001-1" {
		t.Errorf("task after the replay: first stop %+v, want 3 picked", task.Stops[0])
	}
	p.expectLine("A-03-009-1", "[OK] A-03-009-1")
	p.expectLine(eanS2, "[TASK DONE]")
	p.typeLine("q")
	if err := p.end(); err != nil {
		t.Fatal(err)
	}
	if got := s.orderState("O1"); got != floor.StatePicked {
		t.Errorf("O1: %v", got)
	}
}

// A client that crashed after sending scans but before their answers
// finds them in its queue on restart and sends them again before reading
// anything new; the server recognises the ones it applied (replayed) and
// applies the rest, each exactly once.
func TestRestartReplaysQueuedScans(t *testing.T) {
	s := newServer(t)
	s.load()
	s.takeTask()
	dir := t.TempDir()

	// What the crashed client left: three scans queued, the first two of
	// which reached the server.
	ids, err := openIDMaker(dir, "hh1", ModePick, 0)
	if err != nil {
		t.Fatal(err)
	}
	q, _, err := OpenQueue(queuePath(dir, "hh1", ModePick))
	if err != nil {
		t.Fatal(err)
	}
	scans := []*pb.Scan{{Code: "A-01-001-1"}, {Code: eanS1}, {Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Quantity: 2}}
	for _, sc := range scans {
		seq, err := ids.next(sc, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Append(entryOf(seq, sc)); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	ids.close()
	st, err := pb.NewPickServiceClient(s.admin).Scan(s.as(floor.RolePicker))
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scans[:2] {
		if err := st.Send(&pb.ScanRequest{Scan: sc}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	st.CloseSend()

	p := startClient(t, clientArgs(ModePick, s, floor.RolePicker, dir)...)
	p.line("3 scans from before are still unanswered: sending them first")
	if got := p.line("[OK] A-01-001-1"); !strings.Contains(got, "(sent again after a lost answer; applied once)") {
		t.Errorf("bin scan the server had: %q, want it marked replayed", got)
	}
	if got := p.line("[OK] " + eanS1); !strings.Contains(got, "applied once") {
		t.Errorf("item scan the server had: %q, want it marked replayed", got)
	}
	if got := p.line("[LINE DONE] quantity 2"); strings.Contains(got, "applied once") {
		t.Errorf("quantity the server never had: %q, marked replayed", got)
	}
	// Only now the task is fetched and new input read.
	p.waitFor("TASK ")
	p.expectLine("A-03-009-1", "[OK] A-03-009-1")
	if l := s.level("A-01-001-1", "S1"); l.OnHand != 1 || l.Reserved != 0 {
		t.Errorf("S1 after the restart: %+v, want 3 taken once", l)
	}
	p.typeLine("q")
	if err := p.end(); err != nil {
		t.Fatal(err)
	}
	// The counter went on from the queued scans: no id is ever reused.
	ids, err = openIDMaker(dir, "hh1", ModePick, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ids.close()
	if ids.n != 4 {
		t.Errorf("counter after 3 queued scans and one new: %d, want 4", ids.n)
	}
}

func TestWrongTokenEndsTheClient(t *testing.T) {
	s := newServer(t)
	p := startClient(t, string(ModePick), "--addr", s.addr, "--token", "pp_forged_secret", "--state", t.TempDir())
	err := p.end()
	if err == nil || !strings.Contains(err.Error(), "Unauthenticated") {
		t.Errorf("Run with a forged token: %v, want Unauthenticated", err)
	}
	if strings.Contains(p.out.String()+p.errOut.String()+fmt.Sprint(err), "pp_forged_secret") {
		t.Error("the token was printed")
	}
}

func TestRunRefusesBadUse(t *testing.T) {
	var out bytes.Buffer
	t.Setenv("PICKPACK_TOKEN", "")
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{nil, "no command"},
		{[]string{"fly"}, `unknown command "fly"`},
		{[]string{"pick", "--state", t.TempDir()}, "no token"},
		{[]string{"pick", "--token", "x", "--state", t.TempDir(), "--device", "../etc"}, "--device"},
		{[]string{"pick", "--token", "x", "--state", t.TempDir(), "extra"}, "unexpected arguments"},
	} {
		err := Run(context.Background(), tc.args, strings.NewReader(""), &out, &out)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Run(%q) = %v, want %q", tc.args, err, tc.err)
		}
	}
}

func TestPlaintextOnlyToLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:7070": true, "localhost:7070": true, "[::1]:7070": true,
		"10.0.0.5:7070": false, "wms.example.com:443": false,
	} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// queueScans leaves scans in a device's queue as a client that stopped
// before their answers would.
func queueScans(t *testing.T, dir string, mode Mode, scans ...*pb.Scan) {
	t.Helper()
	ids, err := openIDMaker(dir, "hh1", mode, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ids.close()
	q, _, err := OpenQueue(queuePath(dir, "hh1", mode))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for _, sc := range scans {
		seq, err := ids.next(sc, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Append(entryOf(seq, sc)); err != nil {
			t.Fatal(err)
		}
	}
}

// A client started while the server is down works offline from the first
// scan, and catches up when the server appears on its address.
func TestStartOfflineThenServerAppears(t *testing.T) {
	s := newServer(t)
	s.load()
	s.takeTask()
	addr := s.addr
	s.stop()
	p := startClient(t, clientArgs(ModePick, s, floor.RolePicker, t.TempDir())...)
	p.line("\aOFFLINE: cannot reach the server")
	p.expectLine("A-01-001-1", "… A-01-001-1: PENDING, offline")
	p.expectLine(eanS1, "… "+eanS1+": PENDING, offline")
	s.start(addr)
	p.line("ONLINE again: sending 2 pending scans")
	p.line("[OK] A-01-001-1")
	p.line("[OK] " + eanS1 + ": 1 of 3")
	p.waitFor("TASK ") // the open task, fetched once the queue is empty
	if l := s.level("A-01-001-1", "S1"); l.OnHand != 3 || l.Reserved != 2 {
		t.Errorf("S1: %+v, want one unit taken", l)
	}
}

// A scan the server refuses as malformed (a device bug) ends the stream.
// The client takes it out of the queue, keeps it aside and goes on with the
// next, instead of sending it again forever.
func TestMalformedQueuedScanIsSetAside(t *testing.T) {
	s := newServer(t)
	s.load()
	s.takeTask()
	dir := t.TempDir()
	queueScans(t, dir, ModePick,
		&pb.Scan{Code: "A-01-001-1"},
		&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_QUANTITY}, // no quantity: malformed
		&pb.Scan{Code: eanS1})
	p := startClient(t, clientArgs(ModePick, s, floor.RolePicker, dir)...)
	p.line("[OK] A-01-001-1")
	if got := p.line("[REFUSED] quantity 0"); !strings.Contains(got, "scan.quantity") {
		t.Errorf("refusal %q does not say what was wrong", got)
	}
	p.line("[OK] " + eanS1 + ": 1 of 3")
	p.waitFor("TASK ")
	kept, err := os.ReadFile(queuePath(dir, "hh1", ModePick) + ".rejected")
	if err != nil || !strings.Contains(string(kept), "SCAN_ACTION_QUANTITY") {
		t.Errorf("refused scan not kept: %q, %v", kept, err)
	}
}
