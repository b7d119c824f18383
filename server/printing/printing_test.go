package printing

import (
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

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// fakePrinter is a raw TCP printer on loopback that keeps every job.
type fakePrinter struct {
	lis  net.Listener
	mu   sync.Mutex
	jobs []string
	got  chan struct{}
}

func newFakePrinter(t *testing.T, addr string) *fakePrinter {
	t.Helper()
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePrinter{lis: lis, got: make(chan struct{}, 100)}
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			data, _ := io.ReadAll(conn)
			conn.Close()
			p.mu.Lock()
			p.jobs = append(p.jobs, string(data))
			p.mu.Unlock()
			p.got <- struct{}{}
		}
	}()
	t.Cleanup(func() { lis.Close() })
	return p
}

// await returns the jobs once n have arrived: the printer records a job
// after the sender has hung up, so a send can return before it is counted.
func (p *fakePrinter) await(t *testing.T, n int) []string {
	t.Helper()
	for len(p.printed()) < n {
		select {
		case <-p.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("printer got %q, waited for %d jobs", p.printed(), n)
		}
	}
	return p.printed()
}

func (p *fakePrinter) printed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.jobs...)
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// packedOrder runs an order through picking and packing on the store and
// returns it packed, with its print job queued.
func packedOrder(t *testing.T, st *store.Store, id string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.BinMap(); err != nil {
		m, err := floor.ParseBinMap([]byte(`{"warehouse":"T","depot":{"x":0,"y":0},"cross_aisles":[0,10],"aisles":[{"id":"01","x":0}],"bins":[{"code":"A-01-001-1","aisle":"01","y":2}]}`))
		must(err)
		_, err = st.ImportBinMap(m, false)
		must(err)
		// With customs data: a parcel leaving the sender's country gets no
		// waybill without it.
		must(st.PutSKUs([]floor.SKU{{ID: "S1", Name: "one", WeightG: 100, Barcodes: []floor.Barcode{{Kind: floor.BarcodeEAN13, Code: "4006381333931"}},
			Customs: floor.Customs{DescriptionEN: "one", HSCode: "392690", DeclaredValue: floor.Money{Minor: 100, Currency: "USD"}, Origin: "CN"}}}, false))
		_, err = st.AdjustStock(store.StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: 100})
		must(err)
	}
	_, err := st.SubmitOrders([]floor.Order{{ID: id, Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}},
		Recipient: floor.Address{Name: "Ann", Lines: []string{"1 Main St"}, City: "London", PostalCode: "EC1Y 8SY", Country: "GB"}}}, false)
	must(err)
	task, _, err := st.NextTask("ann")
	must(err)
	for i, code := range []string{"TOTE-" + strings.TrimPrefix(task.ID, "T"), "A-01-001-1", "4006381333931"} {
		_, err := st.PickScan("ann", floor.Scan{ID: fmt.Sprintf("%s-p%d", id, i), Code: code})
		must(err)
	}
	for i, code := range []string{id, "4006381333931"} {
		a, err := st.PackScan("pk1", floor.Scan{ID: fmt.Sprintf("%s-k%d", id, i), Code: code})
		must(err)
		if i == 1 && a.Reason != "PACKED" {
			t.Fatalf("pack: %+v", a)
		}
	}
}

func dispatcher(st *store.Store, cfg Config, c *clock) *Dispatcher {
	return (&Dispatcher{Jobs: st, Config: cfg, Clock: c, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Render: func(_ context.Context, orderID, format string) ([]byte, error) {
			return []byte(format + ":" + orderID), nil
		}}).Init()
}

// Each job reaches the printer once: across repeated looks at the queue,
// across a restart, and after a failed send is retried.
func TestJobsPrintOnceAcrossRestartsAndFailures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	c := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(path, store.Options{Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	printer := newFakePrinter(t, "127.0.0.1:0")
	cfg := Config{Default: Printer{Kind: "tcp", Addr: printer.lis.Addr().String(), Format: FormatZPL}}
	ctx := context.Background()

	packedOrder(t, st, "O1")
	d := dispatcher(st, cfg, c)
	d.Drain(ctx)
	d.Drain(ctx)
	if got := printer.await(t, 1); strings.Join(got, ",") != "zpl:O1" {
		t.Fatalf("printed %q, want O1 once", got)
	}

	st.Close() // restart
	st, err = store.Open(path, store.Options{Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d = dispatcher(st, cfg, c)
	d.Drain(ctx)
	if got := printer.printed(); len(got) != 1 {
		t.Fatalf("after a restart printed %q, want still just O1", got)
	}

	// The printer goes away: the job waits, with the failure visible.
	addr := printer.lis.Addr().String()
	printer.lis.Close()
	packedOrder(t, st, "O2")
	d.Drain(ctx)
	jobs, _ := st.PrintJobs(true)
	if len(jobs) != 1 || jobs[0].State != floor.PrintQueued || jobs[0].Attempts != 1 || jobs[0].LastError == "" {
		t.Fatalf("after a failed send: %+v", jobs)
	}
	back := newFakePrinter(t, addr)
	d.Drain(ctx) // still backing off
	if len(back.printed()) != 0 {
		t.Fatal("retried before its backoff")
	}
	c.t = c.t.Add(time.Minute)
	d.Drain(ctx)
	d.Drain(ctx)
	if got := back.await(t, 1); strings.Join(got, ",") != "zpl:O2" {
		t.Errorf("after the printer came back printed %q, want O2 once", got)
	}

	// Reprint on demand prints again, once.
	if _, err := st.Reprint(floor.User{Name: "pk1", Role: floor.RolePacker}, "O1", "pk1", ""); err != nil {
		t.Fatal(err)
	}
	d.Drain(ctx)
	if got := back.await(t, 2); strings.Join(got, ",") != "zpl:O2,zpl:O1" {
		t.Errorf("after a reprint printed %q", got)
	}
}

// A job the server was sending when it died is not sent again on its own:
// it may have printed; a person decides.
func TestJobCaughtMidSendBecomesUnknown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	c := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(path, store.Options{Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	packedOrder(t, st, "O1")
	jobs, _ := st.PrintJobs(true)
	if _, err := st.StartPrint(jobs[0].ID); err != nil {
		t.Fatal(err)
	}
	st.Close() // dies while sending
	st, err = store.Open(path, store.Options{Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	jobs, _ = st.PrintJobs(true)
	if len(jobs) != 1 || jobs[0].State != floor.PrintUnknown || !strings.Contains(jobs[0].LastError, "reprint") {
		t.Errorf("after a crash mid-send: %+v", jobs)
	}
}

func TestPrinterKinds(t *testing.T) {
	dir := t.TempDir()
	job := floor.PrintJob{ID: 7, OrderID: "O7"}
	if err := (Printer{Kind: "spool", Dir: dir, Format: FormatPDF}).Send(context.Background(), job, []byte("%PDF")); err != nil {
		t.Fatal(err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "job-000007.pdf")); len(matches) != 1 {
		t.Errorf("spool dir holds %v", matches)
	}
	out := filepath.Join(dir, "cmd.out")
	if err := (Printer{Kind: "command", Command: []string{"sh", "-c", "cat > " + out}}).Send(context.Background(), job, []byte("ZPL")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != "ZPL" {
		t.Errorf("the print command got %q on stdin, want the document", got)
	}
	if err := (Printer{Kind: "command", Command: []string{"sh", "-c", "echo out of paper >&2; exit 3"}}).Send(context.Background(), job, nil); err == nil || !strings.Contains(err.Error(), "out of paper") {
		t.Errorf("failing print command: %v", err)
	}
	_, err := ParseConfig([]byte(`{"default": {"kind": "tcp", "addr": "nohost"}, "stations": {"pk1": {"kind": "laser"}}}`))
	if err == nil || !strings.Contains(err.Error(), "default.addr") || !strings.Contains(err.Error(), "stations.pk1.kind") {
		t.Errorf("bad config: %v", err)
	}
}
