package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/rpc"
	"github.com/pickpack/pickpack/server/store"
)

// The abuse suite of the imports: hostile or oversized imports, imports
// given up by their caller, and dry runs, against a real data file and,
// where a handheld is involved, the real gRPC server on loopback. An
// import is held where it stands by the hook store.SetImportChecked (once
// checked, before it writes), never by waiting for time to pass.

// floorFixture is a store holding the demo warehouse, stock of one SKU in
// one bin, and a picker with a task to pick it there.
type floorFixture struct {
	st     *store.Store
	skus   []string
	bin    string // the first stop of the picker's task
	picker string
}

func newFloor(t *testing.T) *floorFixture {
	t.Helper()
	w, err := demo.Load(1)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		if _, err := st.Audit(); err != nil {
			t.Errorf("stock audit: %v", err)
		}
		st.Close()
	})
	f := &floorFixture{st: st, skus: w.SKUIDs(), bin: w.Map.Bins[0].Code, picker: "picker-1"}
	if _, err := st.ImportBinMap(w.Map, false); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSKUs(w.SKUs, false); err != nil {
		t.Fatal(err)
	}
	if err := st.SetShipping(w.Shipping); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AdjustStock(store.StockAdjustment{Bin: f.bin, SKU: f.skus[0], Delta: 10, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	o := floor.Order{ID: "FIRST", Channel: "shop", Lines: []floor.OrderLine{{SKU: f.skus[0], Quantity: 1}},
		Recipient: floor.Address{Name: "Ann Lee", Lines: []string{"1 Main St"}, Country: "DE"}}
	if _, err := st.SubmitOrders([]floor.Order{o}, false); err != nil {
		t.Fatal(err)
	}
	task, _, err := st.NextTask(f.picker)
	if err != nil || task == nil || task.Stops[0].Bin != f.bin {
		t.Fatalf("task for %s: %+v, %v", f.picker, task, err)
	}
	return f
}

// ordersCSV is an import of n one-line orders, ids O-1 to O-n (not in key
// order).
func (f *floorFixture) ordersCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("order_id,channel,sku,quantity,recipient_name,phone,address1,address2,city,region,postal_code,country\n")
	for i := range n {
		fmt.Fprintf(&b, "O-%d,%s,%s,1,Ann Lee,,%d Main St,,Köln,,50667,DE\n", i+1, []string{"shop", "express"}[i%2], f.skus[i%len(f.skus)], i+1)
	}
	return b.Bytes()
}

// stored counts the orders of the file: FIRST and the imported ones.
func (f *floorFixture) stored(t *testing.T) int {
	t.Helper()
	orders, _, err := f.st.ListOrders(nil, "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return len(orders)
}

// stopAfter is a context that ends with err at its look after the first
// n, so an import stops part-way through at a place set by what it has
// done, not by time.
type stopAfter struct {
	context.Context
	n, looks atomic.Int64
	err      error
	once     sync.Once
	done     chan struct{}
}

func newStopAfter(n int64, err error) *stopAfter {
	c := &stopAfter{Context: context.Background(), err: err, done: make(chan struct{})}
	c.n.Store(n)
	return c
}

func (c *stopAfter) Err() error {
	if c.looks.Add(1) <= c.n.Load() {
		return nil
	}
	c.once.Do(func() { close(c.done) })
	return c.err
}

func (c *stopAfter) Done() <-chan struct{} { return c.done }

// held holds the next order import of st once checked, closing reached,
// until release is closed; later imports pass.
func held(st *store.Store) (reached, release chan struct{}) {
	reached, release = make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	store.SetImportChecked(st, func(context.Context) {
		if first.CompareAndSwap(false, true) {
			close(reached)
			<-release
		}
	})
	return reached, release
}

// TestAbuseImportsStore: imports given up part-way through store nothing
// and say why; a dry run, held, stops no write; an import of a file whose
// ids are far out of key order is stored whole.
func TestAbuseImportsStore(t *testing.T) {
	tests := []struct {
		name    string
		orders  int
		dry     bool
		ctx     func(f *floorFixture) context.Context
		during  func(t *testing.T, f *floorFixture) // run while the import is held, checked
		wantErr error                               // nil: the import succeeds
		wantOp  string                              // the step that stopped it
		wantNew int                                 // orders stored by the import
		alsoNew int                                 // orders stored by during
	}{
		{name: "cancelled mid-parse", orders: 5000, wantErr: context.Canceled, wantOp: "import orders",
			ctx: func(*floorFixture) context.Context { return newStopAfter(1, context.Canceled) }},
		{name: "deadline passed mid-parse", orders: 5000, wantErr: context.DeadlineExceeded, wantOp: "import orders",
			ctx: func(*floorFixture) context.Context { return newStopAfter(2, context.DeadlineExceeded) }},
		{name: "deadline passed before the call", orders: 10, wantErr: context.DeadlineExceeded, wantOp: "import orders",
			ctx: func(*floorFixture) context.Context {
				ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
				cancel()
				return ctx
			}},
		{name: "cancelled after the checks, before the write", orders: 3000, wantErr: context.Canceled, wantOp: "submit orders",
			ctx: func(f *floorFixture) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				store.SetImportChecked(f.st, func(context.Context) { cancel() })
				return ctx
			}},
		{name: "dry run held while a scan and an import commit", orders: 3000, dry: true, wantNew: 0, alsoNew: 1,
			during: func(t *testing.T, f *floorFixture) {
				a, err := f.st.PickScan(f.picker, floor.Scan{ID: "s1", Code: "TOTE-1"})
				if err != nil || a.Verdict != floor.VerdictRight {
					t.Errorf("scan during a dry run: %+v, %v", a, err)
				}
				one := floor.Order{ID: "DURING", Channel: "shop", Lines: []floor.OrderLine{{SKU: f.skus[1], Quantity: 1}},
					Recipient: floor.Address{Name: "Bo", Lines: []string{"2 Main St"}, Country: "DE"}}
				if _, err := f.st.SubmitOrdersContext(context.Background(), []floor.Order{one}, false); err != nil {
					t.Errorf("order during a dry run: %v", err)
				}
			}},
		{name: "real import held between checks and write while a scan commits", orders: 3000, wantNew: 3000,
			during: func(t *testing.T, f *floorFixture) {
				a, err := f.st.PickScan(f.picker, floor.Scan{ID: "s1", Code: "TOTE-1"})
				if err != nil || a.Verdict != floor.VerdictRight {
					t.Errorf("scan during an import: %+v, %v", a, err)
				}
			}},
		{name: "ids far out of key order, stored whole", orders: 20000, wantNew: 20000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFloor(t)
			before := f.stored(t)
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx(f)
			}
			var reached, release chan struct{}
			if tc.during != nil {
				reached, release = held(f.st)
			}
			type result struct {
				res []store.Submitted
				err error
			}
			done := make(chan result, 1)
			go func() {
				orders, err := floor.ParseOrdersContext(ctx, f.ordersCSV(tc.orders), floor.ImportCSV)
				if err != nil {
					done <- result{err: err}
					return
				}
				res, err := f.st.SubmitOrdersContext(ctx, orders, tc.dry)
				done <- result{res, err}
			}()
			if tc.during != nil {
				select {
				case <-reached:
				case r := <-done:
					t.Fatalf("the import ended before its checks were done: %v", r.err)
				}
				tc.during(t, f)
				select {
				case r := <-done:
					t.Fatalf("the import ended while held: %v", r.err)
				default:
				}
				close(release)
			}
			r := <-done
			if tc.wantErr != nil {
				var fe *floor.Error
				if !errors.Is(r.err, tc.wantErr) || !errors.As(r.err, &fe) || fe.Op != tc.wantOp {
					t.Fatalf("error %v, want %v from %q", r.err, tc.wantErr, tc.wantOp)
				}
			} else if r.err != nil || len(r.res) != tc.orders {
				t.Fatalf("import: %d results, %v; want %d", len(r.res), r.err, tc.orders)
			}
			if got, want := f.stored(t)-before-tc.alsoNew, tc.wantNew; got != want {
				t.Errorf("stored %d new orders, want %d", got, want)
			}
		})
	}
}

// TestAbuseImportsDryRunsTakeNoWriter runs a dry run of every import that
// has one while a write transaction is held elsewhere: none waits for it.
func TestAbuseImportsDryRunsTakeNoWriter(t *testing.T) {
	f := newFloor(t)
	w, err := demo.Load(1)
	if err != nil {
		t.Fatal(err)
	}
	orders, err := floor.ParseOrders(f.ordersCSV(2000), floor.ImportCSV)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name string
		dry  func() error
	}{
		{"orders", func() error { _, err := f.st.SubmitOrdersContext(ctx, orders, true); return err }},
		{"SKUs", func() error { return f.st.PutSKUsContext(ctx, w.SKUs, true) }},
		{"bin map", func() error { _, err := f.st.ImportBinMapContext(ctx, w.Map, true); return err }},
		{"slots", func() error {
			return f.st.SetSlotsContext(ctx, []floor.Slot{{Bin: f.bin, SKU: f.skus[0], Min: 1, Max: 5}}, true)
		}},
		{"supply", func() error {
			return f.st.SetSupplyContext(ctx, []floor.Supply{{SKU: f.skus[0], Supplier: "ACME", LeadTimeDays: 3}}, true)
		}},
	}
	release, err := store.HoldWriter(f.st)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.dry(); err != nil {
				t.Errorf("dry run with the writer held: %v", err)
			}
		})
	}
}

// TestAbuseImportsCancelled gives every import a context that ends in the
// middle of its checks, or before it starts: each stops with the context's
// error and stores nothing.
func TestAbuseImportsCancelled(t *testing.T) {
	w, err := demo.Load(1)
	if err != nil {
		t.Fatal(err)
	}
	many := func(n int) []floor.SKU { // SKUs enough for more than one look at the context
		out := make([]floor.SKU, n)
		for i := range out {
			out[i] = floor.SKU{ID: fmt.Sprintf("NEW-%05d", i), Name: "new"}
		}
		return out
	}
	tests := []struct {
		name   string
		ctx    context.Context
		run    func(ctx context.Context, f *floorFixture) error
		stored func(f *floorFixture) bool
	}{
		{"SKUs, cancelled mid-check", newStopAfter(2, context.Canceled),
			func(ctx context.Context, f *floorFixture) error { return f.st.PutSKUsContext(ctx, many(3000), false) },
			func(f *floorFixture) bool { _, err := f.st.SKU("NEW-00000"); return err == nil }},
		{"bin map, deadline passed", newStopAfter(0, context.DeadlineExceeded),
			func(ctx context.Context, f *floorFixture) error {
				m := *w.Map
				m.Warehouse = "OTHER"
				_, err := f.st.ImportBinMapContext(ctx, &m, false)
				return err
			},
			func(f *floorFixture) bool { m, _ := f.st.BinMap(); return m.Warehouse == "OTHER" }},
		{"slots, cancelled", newStopAfter(0, context.Canceled),
			func(ctx context.Context, f *floorFixture) error {
				// Reserve stock in another bin: a slot whose minimum the pick
				// bin is below makes a move task.
				if _, err := f.st.AdjustStock(store.StockAdjustment{Bin: w.Map.Bins[1].Code, SKU: f.skus[0], Delta: 50, Reason: "test"}); err != nil {
					return err
				}
				return f.st.SetSlotsContext(ctx, []floor.Slot{{Bin: f.bin, SKU: f.skus[0], Min: 20, Max: 30}}, false)
			},
			func(f *floorFixture) bool { tasks, _ := f.st.MoveTasks(); return len(tasks) > 0 }},
		{"supply, cancelled before the write", newStopAfter(2, context.Canceled),
			func(ctx context.Context, f *floorFixture) error {
				return f.st.SetSupplyContext(ctx, []floor.Supply{{SKU: f.skus[0], Supplier: "ACME", LeadTimeDays: 3}}, false)
			},
			func(f *floorFixture) bool {
				sugg, _, _ := f.st.PurchaseSuggestions(floor.DefaultPurchasePolicy)
				for _, s := range sugg {
					if s.StockPosition.SKU == f.skus[0] && s.HasSupply {
						return true
					}
				}
				return false
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFloor(t)
			want := tc.ctx.(*stopAfter).err
			if err := tc.run(tc.ctx, f); !errors.Is(err, want) {
				t.Errorf("error %v, want %v", err, want)
			}
			if tc.stored(f) {
				t.Error("the cancelled import stored something")
			}
			// The same import not cancelled is seen by the probe.
			if err := tc.run(context.Background(), f); err != nil || !tc.stored(f) {
				t.Errorf("the import not cancelled: %v, stored %v", err, tc.stored(f))
			}
		})
	}
}

// grpcFloor serves f's store on a loopback port; it returns a connection
// and the contexts of an admin and of the picker.
func grpcFloor(t *testing.T, f *floorFixture) (conn *grpc.ClientConn, admin, picker context.Context, stop func()) {
	t.Helper()
	api := rpc.New(f.st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	g := grpc.NewServer(api.ServerOptions()...)
	api.Register(g)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	conn, err = grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	as := func(user string, role floor.Role) context.Context {
		tok, err := f.st.CreateToken(user, role)
		if err != nil {
			t.Fatal(err)
		}
		return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
	}
	admin, picker = as("admin-1", floor.RoleAdmin), as(f.picker, floor.RolePicker)
	var once sync.Once
	stop = func() { once.Do(func() { conn.Close(); g.GracefulStop() }) } // GracefulStop waits for running handlers
	t.Cleanup(stop)
	return conn, admin, picker, stop
}

// TestAbuseImportsRPC sends large order imports through the gRPC API: a
// handheld's scan sent while one is held (once checked, or with part of
// its orders staged) gets its verdict, a dry run stores nothing, a call
// whose deadline passes stops and stores nothing, and a file over the
// request limit is refused before it is read.
func TestAbuseImportsRPC(t *testing.T) {
	const n = 3000
	tests := []struct {
		name     string
		dry      bool
		deadline bool // the call has a deadline, which passes while the import is held
		data     func(f *floorFixture) []byte
		scan     bool // a pick scan is sent while the import is held
		staged   bool // the import is held after its first chunk is staged, not once checked
		wantCode codes.Code
		wantNew  int
	}{
		{name: "scan during an import", scan: true, wantCode: codes.OK, wantNew: n},
		{name: "scan while an import is staged", scan: true, staged: true, wantCode: codes.OK, wantNew: n},
		{name: "deadline passes while an import is staged", deadline: true, staged: true, wantCode: codes.DeadlineExceeded, wantNew: 0},
		{name: "scan during a dry run", dry: true, scan: true, wantCode: codes.OK, wantNew: 0},
		{name: "deadline passes during an import", deadline: true, wantCode: codes.DeadlineExceeded, wantNew: 0},
		{name: "file over the request limit", wantCode: codes.ResourceExhausted, wantNew: 0,
			data: func(*floorFixture) []byte { return bytes.Repeat([]byte("x"), rpc.MaxRequestBytes+1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFloor(t)
			before := f.stored(t)
			conn, admin, pickerCtx, stop := grpcFloor(t, f)
			data := f.ordersCSV(n)
			if tc.data != nil {
				data = tc.data(f)
			}
			reached, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			hold := func(ctx context.Context) {
				once.Do(func() { close(reached) })
				if tc.deadline {
					<-ctx.Done() // the server's context of the call: its deadline passes here
					return
				}
				<-release
			}
			if tc.staged {
				store.SetImportStaged(f.st, func(ctx context.Context, _, _ int) { hold(ctx) })
			} else {
				store.SetImportChecked(f.st, hold)
			}
			ctx := admin
			if tc.deadline {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(admin, 200*time.Millisecond)
				defer cancel()
			}
			type result struct {
				resp *pb.ImportOrdersResponse
				err  error
			}
			done := make(chan result, 1)
			go func() {
				resp, err := pb.NewOrderServiceClient(conn).ImportOrders(ctx, &pb.ImportOrdersRequest{
					Format: pb.ImportFormat_IMPORT_FORMAT_CSV, Data: data, DryRun: tc.dry})
				done <- result{resp, err}
			}()
			if tc.scan {
				select {
				case <-reached:
				case r := <-done:
					t.Fatalf("the import ended before its checks were done: %v", r.err)
				}
				stream, err := pb.NewPickServiceClient(conn).Scan(pickerCtx)
				if err != nil {
					t.Fatal(err)
				}
				if err := stream.Send(&pb.ScanRequest{Scan: &pb.Scan{ScanId: "s1", Code: "TOTE-1"}}); err != nil {
					t.Fatal(err)
				}
				resp, err := stream.Recv()
				if err != nil || resp.GetAnswer().GetVerdict() != pb.Verdict_VERDICT_RIGHT {
					t.Fatalf("scan during the import: %v, %v", resp, err)
				}
				stream.CloseSend()
				select {
				case r := <-done:
					t.Fatalf("the import ended before it was released: %v", r.err)
				default: // the verdict came while the import was still running
				}
			}
			close(release)
			r := <-done
			if got := status.Code(r.err); got != tc.wantCode {
				t.Fatalf("import: %v, want %v", r.err, tc.wantCode)
			}
			if tc.wantCode == codes.OK && int(r.resp.GetCreated()) != n {
				t.Errorf("import created %d, want %d", r.resp.GetCreated(), n)
			}
			stop() // every handler has returned: nothing is stored later
			if got := f.stored(t) - before; got != tc.wantNew {
				t.Errorf("stored %d new orders, want %d", got, tc.wantNew)
			}
			if imports, lost, err := store.StagedImports(f.st); err != nil || imports+lost != 0 {
				t.Errorf("staging left behind: %d imports, %d lost entries, %v", imports, lost, err)
			}
		})
	}
}

// TestImportHonoursWritesBetweenChecksAndWrite changes what an order
// import was checked against while it is held between its checks and its
// write: an id submitted meanwhile is a duplicate (stored once), and a SKU
// whose weight changed gets its orders the carrier the new weight calls
// for.
func TestImportHonoursWritesBetweenChecksAndWrite(t *testing.T) {
	f := newFloor(t)
	w, err := demo.Load(1)
	if err != nil {
		t.Fatal(err)
	}
	orders, err := floor.ParseOrders(f.ordersCSV(10), floor.ImportCSV)
	if err != nil {
		t.Fatal(err)
	}
	between := orders[1] // O-2
	between.Recipient.Name = "Submitted meanwhile"
	heavy := w.SKUs[0] // the SKU of O-1
	heavy.WeightG = 25_000
	var first atomic.Bool
	store.SetImportChecked(f.st, func(context.Context) {
		if !first.CompareAndSwap(false, true) {
			return
		}
		if _, err := f.st.SubmitOrders([]floor.Order{between}, false); err != nil {
			t.Error(err)
		}
		if err := f.st.PutSKUs([]floor.SKU{heavy}, false); err != nil {
			t.Error(err)
		}
	})
	res, err := f.st.SubmitOrders(orders, false)
	if err != nil {
		t.Fatal(err)
	}
	if res[1].Created || res[1].Order.Recipient.Name != between.Recipient.Name {
		t.Errorf("O-2 submitted meanwhile: created %v, recipient %q", res[1].Created, res[1].Order.Recipient.Name)
	}
	again := orders[0]
	again.ID = "O-1-AGAIN"
	want, err := f.st.SubmitOrders([]floor.Order{again}, true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.st.Order("O-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Carrier != want[0].Order.Carrier || got.Service != want[0].Order.Service || got.ShippingProblem != want[0].Order.ShippingProblem {
		t.Errorf("O-1 ships by %q %q (%q), want %q %q (%q) as its SKU weighs now", got.Carrier, got.Service, got.ShippingProblem,
			want[0].Order.Carrier, want[0].Order.Service, want[0].Order.ShippingProblem)
	}
	if before := res[0].Order.Carrier; before == "" || got.Tracking == "" {
		t.Errorf("O-1: carrier %q, tracking %q", before, got.Tracking)
	}
}

// TestAbuseImportsStaged holds an import too large for one transaction
// after its first chunk is written (store.SetImportStaged): its orders are
// in the file and not shown. No reader sees them, a scan gets its verdict,
// an order submitted meanwhile under a staged id wins, a cancelled import
// leaves nothing, and one whose SKUs change is checked again; every way it
// ends, no staging is left behind.
func TestAbuseImportsStaged(t *testing.T) {
	n := 3*store.StageChunk + 100
	meanwhile := "Submitted meanwhile"
	tests := []struct {
		name    string
		cancel  bool // the import's context is cancelled while it is held
		during  func(t *testing.T, f *floorFixture, before, depth int)
		after   func(t *testing.T, f *floorFixture, res []store.Submitted)
		wantErr error
		wantNew int
	}{
		{name: "held after a chunk: its orders are hidden, a scan gets its verdict", wantNew: n,
			during: func(t *testing.T, f *floorFixture, before, depth int) {
				if _, err := f.st.Order("O-1"); !isKind(err, floor.KindNotFound) {
					t.Errorf("GetOrder of a staged order: %v, want not found", err)
				}
				if _, err := f.st.CancelOrder("admin-1", "O-10", "test"); !isKind(err, floor.KindNotFound) {
					t.Errorf("CancelOrder of a staged order: %v, want not found", err)
				}
				if got := f.stored(t); got != before {
					t.Errorf("ListOrders: %d orders, want %d (none staged)", got, before)
				}
				if got, err := f.st.QueueDepth(); err != nil || got != depth {
					t.Errorf("QueueDepth: %d, %v; want %d", got, err, depth)
				}
				if task, _, err := f.st.NextTask("picker-2"); err != nil || task != nil {
					t.Errorf("NextTask while the only queued orders are staged: %+v, %v; want none", task, err)
				}
				// The picker's first scan of the task (its tote) is written
				// and answered while the import holds its staged chunks.
				a, err := f.st.PickScan(f.picker, floor.Scan{ID: "s1", Code: "TOTE-1"})
				if err != nil || a.Verdict != floor.VerdictRight || a.Reason != "TOTE_SET" {
					t.Errorf("scan during a staged import: %+v, %v", a, err)
				}
			},
			after: func(t *testing.T, f *floorFixture, res []store.Submitted) {
				if task, _, err := f.st.NextTask("picker-2"); err != nil || task == nil {
					t.Errorf("NextTask once the import is shown: %+v, %v; want a task", task, err)
				}
			}},
		{name: "a staged id submitted meanwhile: the submit wins", wantNew: n,
			during: func(t *testing.T, f *floorFixture, before, depth int) {
				o := floor.Order{ID: "O-1", Channel: "shop", Lines: []floor.OrderLine{{SKU: f.skus[1], Quantity: 1}},
					Recipient: floor.Address{Name: meanwhile, Lines: []string{"2 Main St"}, Country: "DE"}}
				res, err := f.st.SubmitOrders([]floor.Order{o}, false)
				if err != nil || !res[0].Created {
					t.Fatalf("submit of a staged id: %+v, %v; want created", res, err)
				}
				if got, err := f.st.Order("O-1"); err != nil || got.Recipient.Name != meanwhile {
					t.Errorf("O-1 after the submit: %q, %v", got.Recipient.Name, err)
				}
			},
			after: func(t *testing.T, f *floorFixture, res []store.Submitted) {
				if res[0].Created || res[0].Order.Recipient.Name != meanwhile {
					t.Errorf("the import's O-1: created %v, recipient %q; want known, %q", res[0].Created, res[0].Order.Recipient.Name, meanwhile)
				}
				if got, err := f.st.Order("O-1"); err != nil || got.Recipient.Name != meanwhile {
					t.Errorf("O-1 stored: %q, %v; want %q", got.Recipient.Name, err, meanwhile)
				}
			}},
		{name: "cancelled after a chunk: nothing stored", cancel: true, wantErr: context.Canceled, wantNew: 0,
			during: func(t *testing.T, f *floorFixture, before, depth int) {}},
		{name: "a SKU changes after a chunk: checked again, stored whole", wantNew: n,
			during: func(t *testing.T, f *floorFixture, before, depth int) {
				w, err := demo.Load(1)
				if err != nil {
					t.Fatal(err)
				}
				heavy := w.SKUs[0] // the SKU of O-1
				heavy.WeightG = 25_000
				if err := f.st.PutSKUs([]floor.SKU{heavy}, false); err != nil {
					t.Fatal(err)
				}
			},
			after: func(t *testing.T, f *floorFixture, res []store.Submitted) {
				again := res[0].Order
				again.ID = "O-1-AGAIN"
				want, err := f.st.SubmitOrders([]floor.Order{again}, true)
				if err != nil {
					t.Fatal(err)
				}
				got, err := f.st.Order("O-1")
				if err != nil || got.Carrier != want[0].Order.Carrier || got.ShippingProblem != want[0].Order.ShippingProblem {
					t.Errorf("O-1 ships by %q (%q), %v; want %q (%q) as its SKU weighs now", got.Carrier, got.ShippingProblem, err,
						want[0].Order.Carrier, want[0].Order.ShippingProblem)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFloor(t)
			before := f.stored(t)
			depth, err := f.st.QueueDepth()
			if err != nil {
				t.Fatal(err)
			}
			orders, err := floor.ParseOrders(f.ordersCSV(n), floor.ImportCSV)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			reached, release := make(chan struct{}), make(chan struct{})
			var first atomic.Bool
			store.SetImportStaged(f.st, func(_ context.Context, staged, total int) {
				if first.CompareAndSwap(false, true) {
					if staged != store.StageChunk || total != n {
						t.Errorf("first chunk: %d of %d staged, want %d of %d", staged, total, store.StageChunk, n)
					}
					close(reached)
					<-release
				}
			})
			type result struct {
				res []store.Submitted
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := f.st.SubmitOrdersContext(ctx, orders, false)
				done <- result{res, err}
			}()
			select {
			case <-reached:
			case r := <-done:
				t.Fatalf("the import ended before its first chunk: %v", r.err)
			}
			tc.during(t, f, before, depth)
			select {
			case r := <-done:
				t.Fatalf("the import ended while held: %v", r.err)
			default: // every look above was answered while the import was running
			}
			if tc.cancel {
				cancel()
			}
			close(release)
			r := <-done
			if tc.wantErr != nil {
				var fe *floor.Error
				if !errors.Is(r.err, tc.wantErr) || !errors.As(r.err, &fe) || fe.Op != "submit orders" {
					t.Fatalf("error %v, want %v from submit orders", r.err, tc.wantErr)
				}
				if got, err := f.st.QueueDepth(); err != nil || got != depth {
					t.Errorf("QueueDepth after the import stopped: %d, %v; want %d", got, err, depth)
				}
			} else if r.err != nil || len(r.res) != n {
				t.Fatalf("import: %d results, %v; want %d", len(r.res), r.err, n)
			}
			if got := f.stored(t) - before; got != tc.wantNew {
				t.Errorf("stored %d new orders, want %d", got, tc.wantNew)
			}
			if imports, lost, err := store.StagedImports(f.st); err != nil || imports+lost != 0 {
				t.Errorf("staging left behind: %d imports, %d lost entries, %v", imports, lost, err)
			}
			if tc.after != nil {
				tc.after(t, f, r.res)
			}
		})
	}
}

// isKind reports whether err is a *floor.Error of kind k.
func isKind(err error, k floor.Kind) bool {
	var fe *floor.Error
	return errors.As(err, &fe) && fe.Kind == k
}
