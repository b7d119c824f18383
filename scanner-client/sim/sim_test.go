package sim_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/scanner-client/sim"
	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/rpc"
	"github.com/pickpack/pickpack/server/store"
)

// env is a real server over a real data file holding the demo warehouse
// (no orders), reached through a loopback connection.
type env struct {
	store *store.Store
	conn  *grpc.ClientConn
	admin string
}

func newEnv(t *testing.T) *env {
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
	if err := st.SetShipping(w.Shipping); err != nil { // waybills, for the handoff to scan
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
	g := grpc.NewServer(api.ServerOptions()...)
	api.Register(g)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		g.Stop()
		if err := st.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		st.Close()
	})
	return &env{store: st, conn: conn, admin: admin}
}

// supply creates n pickers and enough orders for them.
func (e *env) supply(t *testing.T, n, orders int) []string {
	t.Helper()
	ctx := context.Background()
	tokens, err := sim.CreateUsers(ctx, e.conn, e.admin, "sim-", n, pb.Role_ROLE_PICKER)
	if err != nil {
		t.Fatal(err)
	}
	sup, err := sim.NewSupplier(ctx, e.conn, e.admin, "SIM-", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Submit(ctx, orders); err != nil {
		t.Fatal(err)
	}
	return tokens
}

// checkRecorded checks that every answered scan is recorded with its
// answer, and that the stock moved by exactly the accepted units.
func (e *env) checkRecorded(t *testing.T, devices []*sim.Device) {
	t.Helper()
	var units int64
	answered := 0
	for i, d := range devices {
		if _, ok := d.Pending(); ok {
			t.Errorf("%s left a scan unanswered", d.Name())
		}
		for _, r := range d.Results() {
			answered++
			units += r.PickedUnits()
			a, ok, err := e.store.ScanAnswer("pick", fmt.Sprintf("sim-%d", i), r.ScanID)
			if err != nil || !ok {
				t.Fatalf("%s not recorded: %v", r.ScanID, err)
			}
			// floor's verdicts are numbered as the proto's.
			if pb.Verdict(a.Verdict) != r.Verdict || a.Reason != r.Reason || a.Message != r.Message {
				t.Errorf("%s recorded as %v %s, answered %v %s", r.ScanID, a.Verdict, a.Reason, r.Verdict, r.Reason)
			}
		}
	}
	tot, err := e.store.Audit()
	if err != nil {
		t.Fatal(err)
	}
	if tot.Picked != units {
		t.Errorf("tasks picked %d units, accepted scans took %d", tot.Picked, units)
	}
	if tot.Scans != answered {
		t.Errorf("%d scans recorded, %d answered", tot.Scans, answered)
	}
}

// One device with a fixed seed makes the same scans every run: it works
// through whole tasks and meets every verdict a picker can cause.
func TestDeviceWorksTasksThroughEveryVerdict(t *testing.T) {
	e := newEnv(t)
	tokens := e.supply(t, 1, 200)
	cat := sim.NewCatalog(e.admin)
	tasks := 0
	d := sim.New(sim.Config{Name: "hh0", Token: tokens[0], Rate: 2000, WrongRate: 0.3, ShortRate: 0.05, Seed: 7,
		Catalog: cat, MaxScans: 400, OnTaskDone: func(string, int) { tasks++ }})
	if err := d.Run(context.Background(), e.conn); err != nil {
		t.Fatal(err)
	}
	seen := map[pb.Verdict]int{}
	ids := map[string]bool{}
	for _, r := range d.Results() {
		seen[r.Verdict]++
		if ids[r.ScanID] {
			t.Errorf("scan id %s used twice", r.ScanID)
		}
		ids[r.ScanID] = true
		if r.Replayed {
			t.Errorf("%s replayed without a re-send", r.ScanID)
		}
	}
	for _, v := range []pb.Verdict{pb.Verdict_VERDICT_RIGHT, pb.Verdict_VERDICT_WRONG_BIN, pb.Verdict_VERDICT_WRONG_ITEM,
		pb.Verdict_VERDICT_UNKNOWN_BARCODE, pb.Verdict_VERDICT_OVER_PICK, pb.Verdict_VERDICT_LINE_DONE,
		pb.Verdict_VERDICT_TASK_DONE, pb.Verdict_VERDICT_SHORT_RECORDED, pb.Verdict_VERDICT_OUT_OF_SEQUENCE} {
		if seen[v] == 0 {
			t.Errorf("no %v among %d scans: %v", v, len(ids), seen)
		}
	}
	if st := d.Stats(); st.Scans != 400 || st.Verdicts != 400 || st.Tasks != tasks || tasks < 3 {
		t.Errorf("stats %+v, %d tasks reported", st, tasks)
	}
	// Every task it worked came from a NextTask call of its own: the
	// finished ones and the one it was in when it stopped, if any.
	got := 0
	for _, c := range d.TaskCalls() {
		if c.SentAt.IsZero() || c.Latency <= 0 {
			t.Errorf("NextTask call %+v: want when it was sent and how long it took", c)
		}
		if c.Got {
			got++
		}
	}
	if got != tasks && got != tasks+1 {
		t.Errorf("%d NextTask calls gave a task, %d tasks finished", got, tasks)
	}
	e.checkRecorded(t, []*sim.Device{d})
}

// Several devices at once, each its own stream: every answer is recorded
// as given and stock moved by exactly what was accepted.
func TestDevicesConcurrently(t *testing.T) {
	e := newEnv(t)
	const n = 4
	tokens := e.supply(t, n, 200)
	cat := sim.NewCatalog(e.admin)
	var devices []*sim.Device
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		d := sim.New(sim.Config{Name: fmt.Sprintf("hh%d", i), Token: tokens[i], Rate: 1000, WrongRate: 0.1, Seed: uint64(i), Catalog: cat, MaxScans: 120})
		devices = append(devices, d)
		wg.Go(func() { errs[i] = d.Run(context.Background(), e.conn) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	e.checkRecorded(t, devices)
}

// A device stopped by its context finishes the scan in flight first.
func TestDeviceStopsWithoutLosingAnAnswer(t *testing.T) {
	e := newEnv(t)
	tokens := e.supply(t, 1, 10)
	ctx, cancel := context.WithCancel(context.Background())
	var d *sim.Device
	d = sim.New(sim.Config{Name: "hh", Token: tokens[0], Rate: 1000, Catalog: sim.NewCatalog(e.admin),
		OnTaskDone: func(string, int) { cancel() }})
	if err := d.Run(ctx, e.conn); err != nil {
		t.Fatal(err)
	}
	if st := d.Stats(); st.Tasks != 1 || st.Scans != st.Verdicts {
		t.Errorf("after a stop: %+v", st)
	}
	e.checkRecorded(t, []*sim.Device{d})
}

// A packer closes the orders of finished tasks: each is packed, with the
// weight the server expects, and handed off.
func TestPackerClosesFinishedTasks(t *testing.T) {
	e := newEnv(t)
	tokens := e.supply(t, 1, 200)
	packTokens, err := sim.CreateUsers(context.Background(), e.conn, e.admin, "pk-", 1, pb.Role_ROLE_PACKER)
	if err != nil {
		t.Fatal(err)
	}
	cat := sim.NewCatalog(e.admin)
	finished := make(chan string, 100)
	d := sim.New(sim.Config{Name: "hh0", Token: tokens[0], Rate: 2000, Seed: 3, Catalog: cat, MaxScans: 120,
		OnTaskDone: func(id string, _ int) { finished <- id }})
	if err := d.Run(context.Background(), e.conn); err != nil {
		t.Fatal(err)
	}
	close(finished)
	tasks := len(finished)
	p := &sim.Packer{Name: "pk0", Token: packTokens[0], AdminToken: e.admin, Catalog: cat}
	if err := p.Run(context.Background(), e.conn, finished); err != nil {
		t.Fatal(err)
	}
	st, err := e.store.Floor()
	if err != nil {
		t.Fatal(err)
	}
	// An order no carrier took (refused goods) has no waybill to scan:
	// it is packed and stays, and the packer reports it.
	var noWaybill int64
	for _, o := range st.Open {
		switch {
		case o.State == floor.StatePacked && o.Tracking == "":
			noWaybill++
		case o.State == floor.StatePicked || o.State == floor.StatePacked:
			t.Errorf("order %s still %s", o.ID, o.State)
		}
	}
	if tasks == 0 || p.Packed.Load() == 0 || p.Shipped.Load() != p.Packed.Load()-noWaybill || p.Unusual.Load() != noWaybill {
		t.Errorf("%d tasks: packed %d, shipped %d, unusual %d, %d without a waybill", tasks, p.Packed.Load(), p.Shipped.Load(), p.Unusual.Load(), noWaybill)
	}
}
