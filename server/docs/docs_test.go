package docs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/printing"
	"github.com/pickpack/pickpack/server/store"
)

func need(t *testing.T, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install poppler-utils zbar-tools; .ci/run does)", tool)
		}
	}
}

// must stops the test on a set-up error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// packOrder loads the rpc test warehouse and takes a cross-border order
// with a Chinese address through picking and packing.
func packOrder(t *testing.T, st *store.Store) floor.Order {
	t.Helper()
	read := func(name string) []byte { return must(os.ReadFile(filepath.Join("../rpc/testdata", name)))(t) }
	m := must(floor.ParseBinMap(read("binmap.json")))(t)
	must(st.ImportBinMap(m, false))(t)
	skus := must(floor.ParseSKUs(read("skus.csv"), floor.ImportCSV))(t)
	if err := st.PutSKUs(skus, false); err != nil {
		t.Fatal(err)
	}
	sh := must(floor.ParseShipping(read("shipping.json")))(t)
	if err := st.SetShipping(sh); err != nil {
		t.Fatal(err)
	}
	must(st.AdjustStock(store.StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: 5},
		store.StockAdjustment{Bin: "A-03-009-1", SKU: "S2", Delta: 5}))(t)
	o := floor.Order{ID: "SHOP-88", Channel: "shop", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 2}, {SKU: "S2", Quantity: 1}},
		Recipient: floor.Address{Name: "王小明", Lines: []string{"浦东新区世纪大道100号"}, City: "上海市", Region: "上海市", PostalCode: "200120", Country: "CN", Phone: "+86 21 5555 0100"}}
	must(st.SubmitOrders([]floor.Order{o}, false))(t)
	if _, _, err := st.NextTask("ann"); err != nil {
		t.Fatal(err)
	}
	scans := []struct {
		pack bool
		sc   floor.Scan
	}{
		{false, floor.Scan{Code: "TOTE-1"}}, // the order's tote, before the first pick
		{false, floor.Scan{Code: "A-01-001-1"}}, {false, floor.Scan{Code: "4006381333931", Quantity: 2}},
		{false, floor.Scan{Code: "A-03-009-1"}}, {false, floor.Scan{Code: "5901234123457"}},
		{true, floor.Scan{Code: "SHOP-88"}}, {true, floor.Scan{Code: "4006381333931", Quantity: 2}},
		{true, floor.Scan{Code: "5901234123457"}}, {true, floor.Scan{Action: floor.ActionWeight, WeightG: 800}},
	}
	var last floor.Answer
	for i, s := range scans {
		s.sc.ID = fmt.Sprintf("s%d", i)
		if s.pack {
			last = must(st.PackScan("pk1", s.sc))(t)
		} else {
			last = must(st.PickScan("ann", s.sc))(t)
		}
	}
	if last.Reason != "PACKED" {
		t.Fatalf("last answer %+v", last)
	}
	return must(st.Order("SHOP-88"))(t)
}

// A packer's verified order prints one document on the station's printer;
// every barcode on it decodes to the right value and the Chinese address
// is Chinese text.
func TestPackedOrderPrintsScannableDocuments(t *testing.T) {
	need(t, "pdftoppm", "zbarimg", "pdftotext")
	st := must(store.Open(filepath.Join(t.TempDir(), "pickpack.db"), store.Options{}))(t)
	defer st.Close()
	o := packOrder(t, st)

	lis := must(net.Listen("tcp", "127.0.0.1:0"))(t)
	defer lis.Close()
	got := make(chan []byte, 10)
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			data, _ := io.ReadAll(conn)
			conn.Close()
			got <- data
		}
	}()
	d := (&printing.Dispatcher{Jobs: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Config: printing.Config{Stations: map[string]printing.Printer{"pk1": {Kind: "tcp", Addr: lis.Addr().String(), Format: printing.FormatPDF}}},
		Render: func(ctx context.Context, id, format string) ([]byte, error) {
			doc, err := Render(ctx, st, id, format, testNow)
			return doc.Data, err
		}}).Init()
	d.Drain(context.Background())
	var pdf []byte
	select {
	case pdf = <-got:
	case <-time.After(10 * time.Second): // a guard: the job was sent before Drain returned
		t.Fatal("the printer got nothing")
	}
	d.Drain(context.Background())
	if len(got) != 0 {
		t.Fatal("the document printed twice")
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "doc.pdf")
	os.WriteFile(file, pdf, 0o600)
	run := func(name string, args ...string) string {
		out, err := exec.Command(name, args...).Output()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return string(out)
	}
	run("pdftoppm", "-r", "203", "-png", file, filepath.Join(dir, "page"))
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	var codes []string
	for _, p := range pages {
		out, _ := exec.Command("zbarimg", "--raw", "-q", p).Output() // exit 4 on a page without codes
		codes = append(codes, strings.Fields(string(out))...)
	}
	for _, want := range []string{o.Tracking, o.ID, "A-01-001-1", "A-03-009-1"} {
		if !slices.Contains(codes, want) {
			t.Errorf("barcodes %q: %s missing", codes, want)
		}
	}
	text := run("pdftotext", file, "-")
	for _, want := range []string{"王小明", "浦东新区世纪大道100号", "保温杯", "Thermos 500 ml"} {
		if !strings.Contains(text, want) {
			t.Errorf("the document's text lacks %q", want)
		}
	}

	zpl := must(Render(context.Background(), st, o.ID, ZPL, testNow))(t).Data
	if !bytes.Contains(zpl, []byte(o.Tracking)) || !bytes.Contains(zpl, []byte("^CI28")) {
		t.Errorf("ZPL lacks the tracking number or UTF-8: %.200s", zpl)
	}
}

func TestOrderWithoutCarrierHasNoWaybill(t *testing.T) {
	st := must(store.Open(filepath.Join(t.TempDir(), "pickpack.db"), store.Options{}))(t)
	defer st.Close()
	must(st.SubmitOrders(nil, false))(t)
	if err := st.PutSKUs([]floor.SKU{{ID: "S1", Name: "one"}}, false); err != nil {
		t.Fatal(err)
	}
	must(st.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}, Recipient: floor.Address{Name: "A", Country: "GB"}}}, false))(t)
	_, err := Render(context.Background(), st, "O1", PDF, testNow)
	if floor.KindOf(err) != floor.KindConflict || !strings.Contains(err.Error(), "no shipping set-up") {
		t.Errorf("render without a carrier: %v", err)
	}
}
