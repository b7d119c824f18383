package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/pickpack/pickpack/server/floor"
)

var seeds = []uint64{1, 42, 20260101}

func parseMap(t *testing.T, seed uint64) *floor.BinMap {
	t.Helper()
	m, err := floor.ParseBinMap(BinMapJSON(seed))
	if err != nil {
		t.Fatalf("ParseBinMap(BinMapJSON(%d)): %v", seed, err)
	}
	return m
}

func parseSKUs(t *testing.T, seed uint64) []floor.SKU {
	t.Helper()
	skus, err := floor.ParseSKUs(SKUsJSON(seed), floor.ImportJSON)
	if err != nil {
		t.Fatalf("ParseSKUs(SKUsJSON(%d)): %v", seed, err)
	}
	return skus
}

// fixture returns the bin codes and SKU ids of the demo warehouse for seed.
func fixture(t *testing.T, seed uint64) (bins, skus []string) {
	t.Helper()
	for _, b := range parseMap(t, seed).Bins {
		bins = append(bins, b.Code)
	}
	for _, s := range parseSKUs(t, seed) {
		skus = append(skus, s.ID)
	}
	return bins, skus
}

func TestBinMap(t *testing.T) {
	code := regexp.MustCompile(`^([AB])-(\d\d)-(\d{3})-([1-9])$`)
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			m := parseMap(t, seed)
			counts := []struct {
				what      string
				got, want int
			}{
				{"aisles", len(m.Aisles), 20},
				{"cross aisles", len(m.CrossAisles), 3},
				{"bins >= 1200", min(len(m.Bins), 1200), 1200},
			}
			for _, c := range counts {
				if c.got != c.want {
					t.Errorf("%s: got %d, want %d", c.what, c.got, c.want)
				}
			}
			if got, want := m.Warehouse, "DEMO"; got != want {
				t.Errorf("warehouse: got %q, want %q", got, want)
			}
			if got, want := m.Depot, (floor.Point{X: 28.5, Y: 0}); got != want {
				t.Errorf("depot: got %v, want %v", got, want)
			}
			if got, want := m.CodeScheme, floor.DefaultCodeScheme; got != want {
				t.Errorf("code scheme: got %q, want %q", got, want)
			}
			for i, a := range m.Aisles {
				if got, want := a, (floor.Aisle{ID: fmt.Sprintf("%02d", i+1), X: 1.5 + 3*float64(i)}); got != want {
					t.Errorf("aisle %d: got %v, want %v", i, got, want)
				}
			}
			lastY := map[string]float64{} // by aisle, bins come in bay order
			for _, b := range m.Bins {
				p := code.FindStringSubmatch(b.Code)
				if p == nil || p[2] != b.Aisle {
					t.Errorf("bin %s in aisle %s: code does not follow ZONE-AISLE-BAY-LEVEL", b.Code, b.Aisle)
					continue
				}
				if wantZone := map[bool]string{true: "A", false: "B"}[p[2] <= "10"]; p[1] != wantZone {
					t.Errorf("bin %s: zone %s, want %s", b.Code, p[1], wantZone)
				}
				for _, y := range m.CrossAisles {
					if b.Y == y {
						t.Errorf("bin %s lies on the cross aisle at y = %v", b.Code, y)
					}
				}
				if b.Y < lastY[b.Aisle] {
					t.Errorf("bin %s: y %v below an earlier bay's %v", b.Code, b.Y, lastY[b.Aisle])
				}
				lastY[b.Aisle] = b.Y
			}
		})
	}
}

func TestSKUs(t *testing.T) {
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			skus := parseSKUs(t, seed)
			if got, want := len(skus), 600; got != want {
				t.Fatalf("SKUs: got %d, want %d", got, want)
			}
			scripts := map[*unicode.RangeTable]bool{}
			for i, s := range skus {
				if got, want := s.ID, fmt.Sprintf("SKU-%05d", i+1); got != want {
					t.Errorf("SKU %d id: got %q, want %q", i, got, want)
				}
				gap, wantGap := incomplete(i)
				if got, want := fmt.Sprint(s.Missing), fmt.Sprint([]string{gap}); wantGap && got != want {
					t.Errorf("%s: Missing %s, want %s", s.ID, got, want)
				} else if !wantGap && len(s.Missing) > 0 {
					t.Errorf("%s: Missing %v, want none", s.ID, s.Missing)
				}
				kinds := map[floor.BarcodeKind]string{}
				for _, b := range s.Barcodes {
					kinds[b.Kind] = b.Code
				}
				if ean := kinds[floor.BarcodeEAN13]; len(kinds) != 2 || ean < "200" || ean >= "300" || kinds[floor.BarcodeInternal] != fmt.Sprintf("I-%05d", i+1) {
					t.Errorf("%s: barcodes %v, want an in-store EAN-13 (200-299) and I-%05d", s.ID, s.Barcodes, i+1)
				}
				if !wantGap && (s.WeightG < 20 || s.WeightG > 5000) {
					t.Errorf("%s: weight %d g, want 20-5000", s.ID, s.WeightG)
				}
				for _, rt := range []*unicode.RangeTable{unicode.Han, unicode.Cyrillic, unicode.Latin} {
					if strings.ContainsFunc(s.Name, func(r rune) bool { return unicode.Is(rt, r) }) {
						scripts[rt] = true
					}
				}
			}
			if len(scripts) != 3 {
				t.Errorf("names use %d of the scripts Han, Cyrillic, Latin, want all", len(scripts))
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	bins, skus := fixture(t, 7)
	orders := func(seed uint64) []byte {
		o := NewOrders(seed, skus)
		var all []floor.Order
		for range 50 {
			all = append(all, o.Next())
		}
		b, _ := json.Marshal(all)
		return b
	}
	stock := func(seed uint64) []byte {
		b, _ := json.Marshal(Stock(seed, bins, skus))
		return b
	}
	for _, tc := range []struct {
		name string
		gen  func(uint64) []byte
	}{{"BinMapJSON", BinMapJSON}, {"SKUsJSON", SKUsJSON}, {"Stock", stock}, {"Orders", orders}} {
		t.Run(tc.name, func(t *testing.T) {
			if a, b := tc.gen(7), tc.gen(7); !bytes.Equal(a, b) {
				t.Errorf("seed 7 twice: outputs differ")
			}
			if a, b := tc.gen(7), tc.gen(8); bytes.Equal(a, b) {
				t.Errorf("seeds 7 and 8: outputs equal")
			}
		})
	}
}

func TestStock(t *testing.T) {
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			bins, skus := fixture(t, seed)
			isBin := map[string]bool{}
			for _, b := range bins {
				isBin[b] = true
			}
			perSKU := map[string]int{}
			for _, s := range skus {
				perSKU[s] = 0
			}
			inBin := map[string]string{}
			for _, l := range Stock(seed, bins, skus) {
				if !isBin[l.Bin] {
					t.Errorf("stock in unknown bin %q", l.Bin)
				}
				if _, ok := perSKU[l.SKU]; !ok {
					t.Errorf("stock of unknown SKU %q", l.SKU)
				}
				if other, ok := inBin[l.Bin]; ok {
					t.Errorf("bin %s holds %s and %s", l.Bin, other, l.SKU)
				}
				inBin[l.Bin] = l.SKU
				perSKU[l.SKU]++
				if l.OnHand < 20 || l.OnHand > 200 || l.Reserved != 0 {
					t.Errorf("%s in %s: on hand %d, reserved %d; want 20-200, 0", l.SKU, l.Bin, l.OnHand, l.Reserved)
				}
			}
			for s, n := range perSKU {
				if n < 1 || n > 3 {
					t.Errorf("%s in %d bins, want 1-3", s, n)
				}
			}
			// The most popular SKU has the bin nearest the depot.
			top := popularity(seed, skus)[0]
			if got, want := inBin["A-10-001-1"], top; got != want {
				t.Errorf("nearest bin holds %q, want the most popular SKU %q", got, want)
			}
		})
	}
}

func TestOrders(t *testing.T) {
	scripts := []struct {
		name  string
		table *unicode.RangeTable
	}{{"Han", unicode.Han}, {"Katakana", unicode.Katakana}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek}, {"Latin", unicode.Latin}}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			bins, skus := fixture(t, seed)
			stock := map[string]int64{}
			for _, l := range Stock(seed, bins, skus) {
				stock[l.SKU] += l.OnHand
			}
			demand := map[string]int64{}
			seen := map[string]int{}
			accented := 0
			o := NewOrders(seed, skus)
			for i := 1; i <= 300; i++ {
				ord := o.Next()
				if got, want := ord.ID, fmt.Sprintf("DEMO-%04d", i); got != want {
					t.Fatalf("order %d id: got %q, want %q", i, got, want)
				}
				if !strings.Contains(" shop marketplace express ", " "+ord.Channel+" ") {
					t.Errorf("%s: channel %q", ord.ID, ord.Channel)
				}
				if n := len(ord.Lines); n < 1 || n > 6 {
					t.Errorf("%s: %d lines, want 1-6", ord.ID, n)
				}
				if ord.State != floor.StateUnspecified || !ord.DueAt.IsZero() || !ord.ReleasedAt.IsZero() {
					t.Errorf("%s: state %v, due %v, released %v; want zero", ord.ID, ord.State, ord.DueAt, ord.ReleasedAt)
				}
				lineSKUs := map[string]bool{}
				for _, l := range ord.Lines {
					if _, ok := stock[l.SKU]; !ok {
						t.Errorf("%s: unknown or unstocked SKU %q", ord.ID, l.SKU)
					}
					if lineSKUs[l.SKU] {
						t.Errorf("%s: SKU %s on two lines", ord.ID, l.SKU)
					}
					lineSKUs[l.SKU] = true
					if l.Quantity < 1 || l.Quantity > 3 {
						t.Errorf("%s: quantity %d, want 1-3", ord.ID, l.Quantity)
					}
					demand[l.SKU] += l.Quantity
				}
				a := ord.Recipient
				if a.Name == "" || len(a.Lines) == 0 || a.City == "" || len(a.Country) != 2 {
					t.Errorf("%s: incomplete recipient %+v", ord.ID, a)
				}
				if p := floor.AddressProblem(a); p != "" {
					t.Errorf("%s: %s", ord.ID, p)
				}
				text := a.Name + a.City + strings.Join(a.Lines, "")
				for _, s := range scripts {
					if strings.ContainsFunc(text, func(r rune) bool { return unicode.Is(s.table, r) }) {
						seen[s.name]++
					}
				}
				if strings.ContainsFunc(text, func(r rune) bool { return r > 0x7f && unicode.Is(unicode.Latin, r) }) {
					accented++
				}
			}
			for _, s := range scripts {
				if seen[s.name] == 0 {
					t.Errorf("no recipient address in %s script", s.name)
				}
			}
			if accented == 0 {
				t.Errorf("no recipient address in accented Latin")
			}
			for sku, d := range demand {
				if d > stock[sku] {
					t.Errorf("%s: first 300 orders ask %d, stock holds %d", sku, d, stock[sku])
				}
			}
		})
	}
}

func TestOrdersConcurrent(t *testing.T) {
	o := NewOrders(3, []string{"SKU-00001", "SKU-00002", "SKU-00003"})
	var mu sync.Mutex
	ids := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				id := o.Next().ID
				mu.Lock()
				ids[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if got, want := len(ids), 400; got != want {
		t.Errorf("distinct ids from 400 concurrent calls: got %d, want %d", got, want)
	}
}

func TestStockFewBins(t *testing.T) {
	bins := []string{"A-10-001-1", "X", "A-10-001-1", "B-11-003-2", "A-01-040-4"}
	skus := []string{"S1", "S2", "S3", "S4", "S5", "S6"}
	got := Stock(5, bins, skus)
	held := map[string]bool{}
	for _, l := range got {
		if held[l.Bin] {
			t.Errorf("bin %s stocked twice", l.Bin)
		}
		held[l.Bin] = true
	}
	if want := 4; len(got) != want {
		t.Errorf("stock levels in 4 distinct bins: got %d, want %d", len(got), want)
	}
}
