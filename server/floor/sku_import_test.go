package floor

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

const skuCSV = "\xef\xbb\xbfSKU,Name,spec,barcodes,length_mm,width_mm,height_mm,weight_g,customs_description_en,customs_description_zh,hs_code,declared_value,currency,origin\n" +
	"PEN-1,Ballpoint pen,blue,4006381333931|PEN-1-INT,140,10,10,12,Ballpoint pen,圆珠笔,960810,1.20,EUR,DE\n" +
	"GUM-1, Chewing gum ,,036000291452,,,,,,,,,,\n"

const skuJSON = `{"skus": [
  {"sku": "PEN-1", "name": "Ballpoint pen", "spec": "blue", "barcodes": ["4006381333931", "PEN-1-INT"],
   "length_mm": 140, "width_mm": 10, "height_mm": 10, "weight_g": 12,
   "customs_description_en": "Ballpoint pen", "customs_description_zh": "圆珠笔", "hs_code": "960810",
   "declared_value": "1.20", "currency": "EUR", "origin": "DE"},
  {"sku": "GUM-1", "name": "Chewing gum", "barcodes": ["036000291452"], "weight_g": null}
]}`

func wantSKUs() []SKU {
	return []SKU{{
		ID:       "PEN-1",
		Barcodes: []Barcode{{BarcodeEAN13, "4006381333931"}, {BarcodeInternal, "PEN-1-INT"}},
		Name:     "Ballpoint pen", Spec: "blue",
		Size:    Dimensions{140, 10, 10},
		WeightG: 12,
		Customs: Customs{"Ballpoint pen", "圆珠笔", "960810", Money{120, "EUR"}, "DE"},
	}, {
		ID:       "GUM-1",
		Barcodes: []Barcode{{BarcodeUPCA, "036000291452"}},
		Name:     "Chewing gum",
		Missing: []string{"weight_g", "length_mm", "width_mm", "height_mm", "customs_description_en",
			"customs_description_zh", "hs_code", "declared_value", "currency", "origin"},
	}}
}

func TestParseSKUs(t *testing.T) {
	for _, tt := range []struct {
		name   string
		format ImportFormat
		data   string
	}{
		{"csv", ImportCSV, skuCSV},
		{"json object", ImportJSON, skuJSON},
		{"json array", ImportJSON, skuJSON[strings.Index(skuJSON, "[") : strings.LastIndex(skuJSON, "]")+1]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSKUs([]byte(tt.data), tt.format)
			if err != nil {
				t.Fatal(err)
			}
			if want := wantSKUs(); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseSKUsErrors(t *testing.T) {
	const head = "sku,name,barcodes,weight_g,hs_code,declared_value,currency,origin\n"
	tests := []struct {
		name   string
		format ImportFormat
		data   string
		want   []Violation
	}{
		{"no format", ImportUnspecified, skuCSV, []Violation{{"format", "not supported"}}},
		{"empty csv", ImportCSV, "\xef\xbb\xbf\n", []Violation{{"file", "empty"}}},
		{"header only", ImportCSV, head, []Violation{{"file", "no SKUs"}}},
		{"header", ImportCSV, "sku,Colour,name,name,,size\nA,b,c,d,e,f\n", []Violation{
			{"header", `unknown columns "colour", "size"`}, {"header", `column "name" appears twice`}, {"header", "column 5 has no name"},
		}},
		{"required columns", ImportCSV, "spec\nx\n", []Violation{{"header", `missing required column "sku"`}, {"header", `missing required column "name"`}}},
		{"quote", ImportCSV, "sku,name\nA,\"b\nC,d\"x\n", []Violation{{"line 3, column 4", "extraneous or missing \""}}},
		{"cell count", ImportCSV, "sku,name\nA,b,c\n", []Violation{{"row 2", "has 3 cells, the header has 2"}}},
		{"rows", ImportCSV, head +
			"S-1,Pen,4006381333932,-5,12345,1.234,eur,deu\n" +
			"S 2,,abc|SKU-2,12.5,96081000,12.50,,\n" +
			"S-1,Again,4006381333931|4006381333931,,,,,\n" +
			"S-3,Other,04006381333931|4006381333931|SKU-2,,,,,\n", []Violation{
			{"row 2 (S-1).barcodes[0]", "check digit 2 is wrong, expected 1"},
			{"row 2 (S-1).weight_g", "must not be negative"},
			{"row 2 (S-1).hs_code", "6 to 10 digits"},
			{"row 2 (S-1).declared_value", "at most 2 decimals"},
			{"row 2 (S-1).currency", "3 uppercase letters"},
			{"row 2 (S-1).origin", "2 uppercase letters"},
			{"row 3 (S 2).sku", `"S 2": character 2 is " "`},
			{"row 3 (S 2).name", "missing"},
			{"row 3 (S 2).barcodes[0]", "lowercase"},
			{"row 3 (S 2).weight_g", `want a whole number, got "12.5"`},
			{"row 3 (S 2).currency", "required when declared_value is given"},
			{"row 4 (S-1).sku", "duplicate SKU id, also row 2 (S-1)"},
			{"row 4 (S-1).barcodes", "barcode 4006381333931 is listed twice"},
			{"row 5 (S-3).barcodes", "barcode 4006381333931 is also on row 4 (S-1)"},
			{"row 5 (S-3).barcodes", "barcode SKU-2 is also on row 3"},
		}},
		{"json null", ImportJSON, "null", []Violation{{"file", "want an array of skus or an object with \"skus\", got null"}}},
		{"json syntax", ImportJSON, "[\n{\"sku\": \"A\",}\n]", []Violation{{"line 2, column 13", "invalid character '}'"}}},
		{"json wrapper", ImportJSON, `{"items": [], "skus": {}}`, []Violation{{"file", `unknown field "items"`}, {"skus", "want an array, got object"}}},
		{"json no skus key", ImportJSON, `{}`, []Violation{{"file", `without it`}}},
		{"json fields", ImportJSON, `[{"sku": "A", "name": "x", "colour": "red", "weight_g": "12", "length_mm": 1.5,
			"declared_value": 12.5, "barcodes": "4006381333931", "hs_code": 960810},
			7, {"sku": 12, "name": "y", "barcodes": ["SKU-1", null, 5]}]`, []Violation{
			{"skus[0] (A)", `unknown field "colour"`},
			{"skus[0] (A).weight_g", "want a number, got string"},
			{"skus[0] (A).length_mm", `want a whole number, got "1.5"`},
			{"skus[0] (A).declared_value", `want a string such as "12.50"`},
			{"skus[0] (A).barcodes", "want an array, got string"},
			{"skus[0] (A).hs_code", "want a string, got number"},
			{"skus[1]", "want an object, got number"},
			{"skus[2].sku", "want a string, got number"},
			{"skus[2].barcodes[1]", "want a string, got null"},
			{"skus[2].barcodes[2]", "want a string, got number"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSKUs([]byte(tt.data), tt.format)
			if got != nil {
				t.Errorf("got SKUs from a rejected file: %+v", got)
			}
			checkViolations(t, err, tt.want...)
		})
	}
}

func TestValidateSKU(t *testing.T) {
	ok := wantSKUs()[0]
	tests := []struct {
		name   string
		change func(*SKU)
		want   []Violation
	}{
		{"valid", func(*SKU) {}, nil},
		{"kind mismatch", func(s *SKU) { s.Barcodes[0].Kind = BarcodeUnknown }, []Violation{{"sku.barcodes[0]", "4006381333931 is EAN-13, not unknown"}}},
		{"same GTIN as UPC and EAN", func(s *SKU) {
			s.Barcodes = []Barcode{{BarcodeUPCA, "036000291452"}, {BarcodeEAN13, "0036000291452"}}
		}, []Violation{{"sku.barcodes", "0036000291452 is listed twice"}}},
		{"negative", func(s *SKU) { s.Size.WidthMM, s.Customs.DeclaredValue.Minor = -1, -5 }, []Violation{
			{"sku.width_mm", "negative"}, {"sku.declared_value", "negative"},
		}},
		{"control", func(s *SKU) { s.Spec = "a\x00b"; s.ID = "" }, []Violation{{"sku.spec", "control"}, {"sku.sku", "missing"}}},
		{"long id", func(s *SKU) { s.ID = strings.Repeat("x", 65) }, []Violation{{"sku.sku", "at most 64"}}},
	}
	for _, tt := range tests {
		s := ok
		s.Barcodes = slices.Clone(ok.Barcodes)
		tt.change(&s)
		got := ValidateSKU(s, "sku")
		if len(tt.want) == 0 {
			if len(got) != 0 {
				t.Errorf("%s: got %v, want none", tt.name, got)
			}
			continue
		}
		checkViolations(t, got.Err("test"), tt.want...)
	}
	if got := ValidateSKU(SKU{ID: "X", Name: "n", WeightG: -1}, ""); len(got) != 1 || got[0].Field != "weight_g" {
		t.Errorf("without a prefix got %v, want one violation at weight_g", got)
	}
}

func TestFillMissing(t *testing.T) {
	s := wantSKUs()[0]
	s.Missing = []string{"stale"}
	s.FillMissing()
	if s.Missing != nil {
		t.Errorf("complete SKU: Missing = %q, want nil", s.Missing)
	}
	s.WeightG, s.Customs.HSCode = 0, ""
	s.FillMissing()
	if want := []string{"weight_g", "hs_code"}; !slices.Equal(s.Missing, want) {
		t.Errorf("Missing = %q, want %q", s.Missing, want)
	}
}

func FuzzParseSKUs(f *testing.F) {
	f.Add([]byte(skuCSV), true)
	f.Add([]byte(skuJSON), false)
	f.Add([]byte("sku,name,barcodes\nA,b,4006381333931|4006381333931\n"), true)
	f.Add([]byte("sku,name\n\"A\n"), true)
	f.Add([]byte(`[{"sku":"A","name":"b","weight_g":1e3,"declared_value":"0.5"}]`), false)
	f.Add([]byte(`{"skus":null}`), false)
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		format := ImportJSON
		if csv {
			format = ImportCSV
		}
		skus, err := ParseSKUs(data, format)
		if err != nil {
			if skus != nil || len(invalidError(t, err).Violations) == 0 {
				t.Fatalf("rejected file returned %v with error %v", skus, err)
			}
			return
		}
		ids, codes := map[string]bool{}, map[string]bool{}
		for _, s := range skus {
			if vs := ValidateSKU(s, ""); len(vs) > 0 {
				t.Fatalf("imported SKU %+v does not validate: %v", s, vs)
			}
			if ids[s.ID] {
				t.Fatalf("SKU id %q imported twice", s.ID)
			}
			ids[s.ID] = true
			for _, b := range s.Barcodes {
				if codes[b.Key()] {
					t.Fatalf("barcode %q imported twice", b.Code)
				}
				codes[b.Key()] = true
			}
			missing := slices.Clone(s.Missing)
			if s.FillMissing(); !slices.Equal(missing, s.Missing) {
				t.Fatalf("Missing %q, recomputed %q", missing, s.Missing)
			}
		}
	})
}
