package docs

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

var (
	update = flag.Bool("update", false, "rewrite the golden files in testdata/")
	outDir = flag.String("out", "", "also write each sample's PDF to this directory, to look at")
)

// testNow is the fixed clock of these tests: documents are dated with it.
var testNow = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

// shanghaiShipping ships from Shanghai: China Post with S10 numbers abroad
// and its domestic scheme at home, refusing lithium batteries packed
// alone; an express courier that takes them, numbering the boxes of an
// order in several as pieces under one master number.
const shanghaiShipping = `{
  "sender": {"name": "上海云仓 Shanghai Cloud Warehouse", "phone": "+86 21 5080 0000", "lines": ["浦东新区张江路88号"],
             "city": "上海", "region": "上海", "postal_code": "201203", "country": "CN"},
  "carriers": [
    {"name": "China Post", "services": ["registered"], "tracking": {"kind": "s10", "prefix": "RR", "country": "CN"},
     "domestic_tracking": {"kind": "gs1", "prefix": "11", "digits": 13},
     "max_weight_g": 2000, "refuses": ["lithium_ion_alone", "lithium_metal_alone", "powder"],
     "price": "4.10", "price_per_kg": "6.50", "currency": "USD"},
    {"name": "Global Express", "services": ["express"], "tracking": {"kind": "gs1", "prefix": "880", "digits": 14},
     "pieces": "master", "refuses": ["lithium_metal_alone"], "price": "19.00", "price_per_kg": "2.20", "currency": "USD"}
  ],
  "rules": [{"name": "batteries alone by express", "goods": ["lithium_ion_alone"], "carrier": "Global Express"}],
  "customs": {"cn23_above_sdr": 300, "sdr_per_unit": {"USD": "0.74", "CNY": "0.10", "EUR": "0.86"},
              "channel_categories": {"samples": "commercial_sample"}}
}`

// sampleSKUs: a flask and a cable, a power bank (lithium ion alone,
// UN3480) and a speaker with its battery inside (UN3481).
func sampleSKUs() ([]floor.SKU, map[string]string) {
	sku := func(id, code, name string, g int64, en, zh, hs string, cents int64, goods ...string) floor.SKU {
		return floor.SKU{ID: id, Name: name, WeightG: g, Barcodes: []floor.Barcode{{Kind: floor.BarcodeInternal, Code: code}},
			Customs: floor.Customs{DescriptionEN: en, DescriptionZH: zh, HSCode: hs, Origin: "CN",
				DeclaredValue: floor.Money{Minor: cents, Currency: "USD"}}, Goods: goods}
	}
	skus := []floor.SKU{
		sku("S1", "I-FLASK", "Thermos 500 ml", 350, "Vacuum flask", "保温杯", "961700", 1250),
		sku("S2", "I-CABLE", "USB-C cable 1 m", 40, "Cable", "数据线", "854442", 300),
		sku("S3", "I-POWER", "Power bank 20000 mAh", 420, "Power bank", "移动电源", "850760", 2500, floor.GoodsLithiumIonAlone),
		sku("S4", "I-SPEAK", "Bluetooth speaker", 650, "Loudspeaker", "蓝牙音箱", "851822", 42000, floor.GoodsLithiumIonInEquipment),
	}
	codes := map[string]string{}
	for _, s := range skus {
		codes[s.ID] = s.Barcodes[0].Code
	}
	return skus, codes
}

// openWarehouse imports the Shanghai set-up, restarts the store (close and
// open the file again), then loads the bins, SKUs and stock.
func openWarehouse(t *testing.T) (*store.Store, map[string]string) {
	t.Helper()
	return openWarehouseAt(t, filepath.Join(t.TempDir(), "pickpack.db"), &fixedClock{testNow})
}

// openWarehouseAt is openWarehouse with the data file at path and the
// store's clock, for tests that restart the store themselves.
func openWarehouseAt(t *testing.T, path string, clock *fixedClock) (*store.Store, map[string]string) {
	t.Helper()
	opts := store.Options{Clock: clock}
	st := must(store.Open(path, opts))(t)
	sh := must(floor.ParseShipping([]byte(shanghaiShipping)))(t)
	if err := st.SetShipping(sh); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = must(store.Open(path, opts))(t)
	t.Cleanup(func() { st.Close() })
	m := must(floor.ParseBinMap(must(os.ReadFile("../rpc/testdata/binmap.json"))(t)))(t)
	must(st.ImportBinMap(m, false))(t)
	skus, codes := sampleSKUs()
	if err := st.PutSKUs(skus, false); err != nil {
		t.Fatal(err)
	}
	must(st.AdjustStock(store.StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: 9},
		store.StockAdjustment{Bin: "A-03-009-1", SKU: "S2", Delta: 9},
		store.StockAdjustment{Bin: "A-02-004-1", SKU: "S3", Delta: 9},
		store.StockAdjustment{Bin: "A-02-006-1", SKU: "S4", Delta: 9}))(t)
	return st, codes
}

// shipThrough submits o, picks its task and packs it, weighing the
// parcel at weighG when it has more than one unit.
func shipThrough(t *testing.T, st *store.Store, codes map[string]string, o floor.Order, weighG int64) floor.Order {
	t.Helper()
	must(st.SubmitOrders([]floor.Order{o}, false))(t)
	task, _, err := st.NextTask("ann")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	scan := func(pack bool, sc floor.Scan) floor.Answer {
		n++
		sc.ID = fmt.Sprintf("%s-%d", o.ID, n)
		if pack {
			return must(st.PackScan("pk1", sc))(t)
		}
		return must(st.PickScan("ann", sc))(t)
	}
	scan(false, floor.Scan{Code: "TOTE-" + strings.TrimPrefix(task.ID, "T")}) // the order's tote first
	units := int64(0)
	for _, s := range task.Stops {
		scan(false, floor.Scan{Code: s.Bin})
		scan(false, floor.Scan{Code: codes[s.SKU], Quantity: s.Quantity})
		units += s.Quantity
	}
	scan(true, floor.Scan{Code: o.ID})
	var last floor.Answer
	for _, l := range o.Lines {
		last = scan(true, floor.Scan{Code: codes[l.SKU], Quantity: l.Quantity})
	}
	if units > 1 {
		last = scan(true, floor.Scan{Action: floor.ActionWeight, WeightG: weighG})
	}
	if last.Reason != "PACKED" {
		t.Fatalf("%s: last answer %+v", o.ID, last)
	}
	return must(st.Order(o.ID))(t)
}

// pdfText is what pdftotext reads from a PDF, laid out.
func pdfText(t *testing.T, name string, pdf []byte) string {
	t.Helper()
	dir := t.TempDir()
	if *outDir != "" {
		dir = *outDir
	}
	file := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %.200s\nwant: %.200s\n(run go test -update if the change is intended)", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs in length: got %d lines, want %d (run go test -update if intended)", path, len(gl), len(wl))
	}
}

// The three sample parcels go through the store (set-up imported before a
// restart), picking and packing; their waybills are read back as text.
// Each checks what a carrier checks: the sender, the scale's weight, the
// right customs form (none at home) with every field, the lithium mark,
// and a tracking number of the right scheme.
func TestWaybillsThroughTheStore(t *testing.T) {
	need(t, "pdftotext")
	st, codes := openWarehouse(t)
	shanghai := floor.Address{Name: "王小明", Phone: "+86 138 0013 8000", Lines: []string{"浦东新区世纪大道100号"}, City: "上海市", Region: "上海市", PostalCode: "200120", Country: "CN"}
	sf := floor.Address{Name: "Jane Doe", Phone: "+1 415 555 0100", Lines: []string{"500 Howard St"}, City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US"}
	berlin := floor.Address{Name: "Max Mustermann", Phone: "+49 30 1234567", Lines: []string{"Friedrichstraße 123"}, City: "Berlin", PostalCode: "10117", Country: "DE"}
	line := func(sku string, n int64) floor.OrderLine { return floor.OrderLine{SKU: sku, Quantity: n} }
	tests := []struct {
		name    string
		order   floor.Order
		weighG  int64
		carrier string
		track   *regexp.Regexp
		want    []string // in the PDF's text
		notWant []string
		zpl     []string // in the ZPL
	}{{
		name:   "domestic-cn",
		order:  floor.Order{ID: "CN-1001", Channel: "shop", Lines: []floor.OrderLine{line("S1", 1), line("S2", 1)}, Recipient: shanghai},
		weighG: 462, carrier: "China Post", track: regexp.MustCompile(`^11\d{11}$`),
		want:    []string{"上海云仓", "Shanghai Cloud Warehouse", "浦东新区张江路88号", "王小明", "0.462 kg"},
		notWant: []string{"CN22", "CN23", "CUSTOMS", "LITHIUM", "0.390 kg"},
		zpl:     []string{"^GFA,", "0.462 kg"}, // Chinese as a graphic field: no font on the printer
	}, {
		name:   "cn-us-cn22",
		order:  floor.Order{ID: "US-2002", Channel: "shop", Lines: []floor.OrderLine{line("S1", 2)}, Recipient: sf},
		weighG: 771, carrier: "China Post", track: regexp.MustCompile(`^RR\d{9}CN$`),
		want: []string{"Shanghai Cloud Warehouse", "0.771 kg", "CN22 CUSTOMS DECLARATION", "Gift", "Documents",
			"Commercial sample", "Returned goods", "Sale of goods", "Other", "Vacuum flask", "保温杯", "961700",
			"0.700", "USD 25.00", "Total net 0.700 kg · gross 0.771 kg", "Total USD 25.00", "Date 2026-03-01",
			"Sender's signature"},
		notWant: []string{"CN23", "LITHIUM", "Importer", "Licence no.", "If undeliverable"},
		zpl:     []string{"CN22 CUSTOMS DECLARATION", "Sale of goods", "0.771 kg", "Date 2026-03-01", "Sender's signature"},
	}, {
		name: "cn-de-cn23-battery",
		order: floor.Order{ID: "DE-3003", Channel: "shop", Lines: []floor.OrderLine{line("S3", 1), line("S4", 1)}, Recipient: berlin,
			Customs: floor.OrderCustoms{ImporterReference: "DE123456789", InvoiceNumber: "INV-2026-0042"}},
		weighG: 1142, carrier: "Global Express", track: regexp.MustCompile(`^880\d{11}$`),
		want: []string{"Shanghai Cloud Warehouse", "1.142 kg", "CN23 CUSTOMS DECLARATION", "Importer's reference: DE123456789",
			"Invoice no.: INV-2026-0042", "Power bank", "Loudspeaker", "USD 445.00", "Total net 1.070 kg · gross 1.142 kg",
			"LITHIUM BATTERIES", "UN3480 UN3481", "Tel +86 21 5080 0000",
			// The CN23 sheet after the waybill: every field of the form.
			"Addressee: Max Mustermann", "Licence no.", "Certificate no.", "Postal charges/fees", "Comments",
			"If undeliverable:", "Return to sender", "Treat as abandoned"},
		notWant: []string{"CN22"},
		zpl:     []string{"CN23 CUSTOMS DECLARATION", "UN3480 UN3481", "DE123456789", "INV-2026-0042", "LITHIUM BATTERIES", "Treat as abandoned"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := shipThrough(t, st, codes, tc.order, tc.weighG)
			if o.Carrier != tc.carrier || !tc.track.MatchString(o.Tracking) {
				t.Errorf("carrier %s, tracking %s; want %s, %v", o.Carrier, o.Tracking, tc.carrier, tc.track)
			}
			if len(o.ParcelWeightsG) != 1 || o.ParcelWeightsG[0] != tc.weighG {
				t.Errorf("stored weights %v, want [%d]", o.ParcelWeightsG, tc.weighG)
			}
			doc := must(Render(context.Background(), st, o.ID, PDF, testNow))(t)
			if doc.State != floor.StatePacked {
				t.Errorf("rendered in state %s, want packed", doc.State)
			}
			if !bytes.Contains(doc.Data, []byte("/CreationDate (D:20260301093000")) {
				t.Errorf("the PDF is not dated by the clock it was made at")
			}
			text := pdfText(t, tc.name, doc.Data)
			flat := strings.Join(strings.Fields(text), " ")
			for _, w := range append(tc.want, o.Tracking) {
				if !strings.Contains(flat, w) {
					t.Errorf("the waybill's text lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(flat, w) {
					t.Errorf("the waybill's text has %q", w)
				}
			}
			golden(t, tc.name+".pdf.txt", []byte(text))
			zpl := must(Render(context.Background(), st, o.ID, ZPL, testNow))(t)
			for _, w := range append(tc.zpl, o.Tracking) {
				if !bytes.Contains(zpl.Data, []byte(w)) {
					t.Errorf("the ZPL lacks %q", w)
				}
			}
			golden(t, tc.name+".zpl", zpl.Data)
		})
	}
}
