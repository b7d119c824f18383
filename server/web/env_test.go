package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/docs"
	"github.com/pickpack/pickpack/server/feed"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// fixedClock is a clock the test moves by hand.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is the whole HTTP side over a real store in a temporary directory,
// on a fixed clock, with the live feed ticked by the test.
type env struct {
	st     *store.Store
	clock  *fixedClock
	hub    *feed.Hub
	srv    *httptest.Server
	tokens map[floor.Role]string
	skus   []string
	reg    *prometheus.Registry
	log    *slog.Logger
}

var shiftStart = time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)

// newEnv opens a store with the demo warehouse (map, SKUs, stock) and one
// user per role, and serves it.
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, store.Options{})
}

// newEnvWith is newEnv with store options; the clock is the env's.
func newEnvWith(t *testing.T, opts store.Options) *env {
	t.Helper()
	e := &env{clock: &fixedClock{t: shiftStart}, tokens: map[floor.Role]string{}}
	opts.Clock = e.clock
	st, err := store.Open(filepath.Join(t.TempDir(), "pickpack.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	m, err := floor.ParseBinMap(demo.BinMapJSON(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportBinMap(m, false); err != nil {
		t.Fatal(err)
	}
	skus, err := floor.ParseSKUs(demo.SKUsJSON(1), floor.ImportJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutSKUs(skus, false); err != nil {
		t.Fatal(err)
	}
	var bins []string
	for _, b := range m.Bins {
		bins = append(bins, b.Code)
	}
	for _, s := range skus {
		e.skus = append(e.skus, s.ID)
	}
	var adjs []store.StockAdjustment
	for _, l := range demo.Stock(1, bins, e.skus) {
		adjs = append(adjs, store.StockAdjustment{Bin: l.Bin, SKU: l.SKU, Delta: l.OnHand, Reason: "test"})
	}
	if _, err := st.AdjustStock(adjs...); err != nil {
		t.Fatal(err)
	}
	sh, err := floor.ParseShipping(demo.ShippingJSON())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetShipping(sh); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		name string
		role floor.Role
	}{{"ann", floor.RolePicker}, {"pk1", floor.RolePacker}, {"sue", floor.RoleSupervisor}, {"root", floor.RoleAdmin}} {
		tok, err := st.CreateToken(u.name, u.role)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[u.role] = tok
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.log = log
	e.hub = feed.NewHub(st, floor.DefaultFeedConfig, e.clock, log)
	t.Cleanup(e.hub.Close) // ends event streams before the server closes
	e.reg = prometheus.NewRegistry()
	e.reg.MustRegister(NewFloorMetrics(st, e.hub))
	site := &Server{Auth: st, Log: log, Floor: e.hub, Data: st, Inventory: st, Actions: st, Backup: st, Badges: st, HistoryPage: 2, Clock: e.clock, Metrics: e.reg, Heartbeat: time.Hour,
		Documents: func(context.Context, string, string) (docs.Rendered, error) {
			return docs.Rendered{}, floor.E("documents", floor.KindUnavailable, "not in this test")
		}}
	e.srv = httptest.NewServer(site.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) submit(t *testing.T, id string, lines ...floor.OrderLine) {
	t.Helper()
	if _, err := e.st.SubmitOrders([]floor.Order{{ID: id, Channel: "shop", Lines: lines,
		Recipient: floor.Address{Name: "R", Lines: []string{"1 Road"}, City: "Town", PostalCode: "10115", Country: "DE"}}}, false); err != nil {
		t.Fatal(err)
	}
}

func (e *env) tick(t *testing.T) {
	t.Helper()
	if err := e.hub.Tick(); err != nil {
		t.Fatal(err)
	}
}

// itemCode is a barcode of sku.
func (e *env) itemCode(t *testing.T, sku string) string {
	t.Helper()
	s, err := e.st.SKU(sku)
	if err != nil || len(s.Barcodes) == 0 {
		t.Fatalf("SKU %s: %v, no barcode", sku, err)
	}
	return s.Barcodes[0].Code
}

var scanSeq atomic.Int64

func scanOf(code string) floor.Scan {
	return floor.Scan{ID: fmt.Sprint("s", scanSeq.Add(1)), Code: code}
}

// pickTask has picker take the next task and pick it, following the
// server's instructions, with one wrong bin scan first; each scan takes a
// step of the clock.
func (e *env) pickTask(t *testing.T, picker string, step time.Duration) *floor.Task {
	t.Helper()
	task, ok, err := e.st.NextTask(picker)
	if err != nil || !ok {
		t.Fatalf("next task: %v %v", ok, err)
	}
	for i := range task.Orders { // a tote for each order first, as on the floor
		e.pick(t, picker, scanOf(fmt.Sprintf("TOTE-%s%d", strings.TrimPrefix(task.ID, "T"), i)), floor.VerdictRight)
	}
	wrongDone := false
	for _, stop := range task.Stops {
		if !wrongDone {
			wrongDone = true
			other := "A-01-001-1"
			if stop.Bin == other {
				other = "A-01-002-1"
			}
			e.pick(t, picker, scanOf(other), floor.VerdictWrongBin)
		}
		e.clock.advance(step)
		e.pick(t, picker, scanOf(stop.Bin), 0)
		for range stop.Quantity {
			e.clock.advance(step)
			e.pick(t, picker, scanOf(e.itemCode(t, stop.SKU)), 0)
		}
	}
	e.pick(t, picker, scanOf("DROP-PS1"), floor.VerdictRight) // the cart back at the pack station
	return task
}

func (e *env) pick(t *testing.T, picker string, sc floor.Scan, want floor.Verdict) floor.Answer {
	t.Helper()
	a, err := e.st.PickScan(picker, sc)
	if err != nil {
		t.Fatalf("scan %s: %v", sc.Code, err)
	}
	if want != 0 && a.Verdict != want {
		t.Fatalf("scan %s: %v %s %s, want verdict %v", sc.Code, a.Verdict, a.Reason, a.Message, want)
	}
	return a
}

// packAndHandOff packs a one-item order (its waybill prints on the item
// scan) and hands it off.
func (e *env) packAndHandOff(t *testing.T, orderID, sku string) {
	t.Helper()
	for _, code := range []string{orderID, e.itemCode(t, sku)} {
		a, err := e.st.PackScan("pk1", scanOf(code))
		if err != nil {
			t.Fatalf("pack scan %s: %v", code, err)
		}
		if a.Verdict == floor.VerdictWrongItem || a.Verdict == floor.VerdictOutOfSequence || a.Verdict == floor.VerdictUnknownBarcode {
			t.Fatalf("pack scan %s: %s %s", code, a.Reason, a.Message)
		}
	}
	o, err := e.st.Order(orderID)
	if err != nil || o.Tracking == "" {
		t.Fatalf("waybill of %s: %q %v", orderID, o.Tracking, err)
	}
	a, err := e.st.Handoff("pk1", scanOf(o.Tracking)) // the label's barcode
	if err != nil || a.Reason != "HANDED_OFF" {
		t.Fatalf("handoff %s: %v %s %s", orderID, err, a.Reason, a.Message)
	}
}

func (e *env) get(t *testing.T, path string, role floor.Role) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	if tok := e.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}
