package floor

import (
	"strings"
	"testing"
)

func TestParseBarcode(t *testing.T) {
	tests := []struct {
		code     string
		wantKind BarcodeKind
		wantErr  string // substring; "" for valid
	}{
		{"4006381333931", BarcodeEAN13, ""}, // Stabilo pen
		{"5901234123457", BarcodeEAN13, ""}, // GS1 example
		{"036000291452", BarcodeUPCA, ""},   // Wrigley's gum
		{"96385074", BarcodeEAN8, ""},
		{"4006381333932", 0, "EAN-13 4006381333932: check digit 2 is wrong, expected 1"},
		{"036000291453", 0, "UPC-A 036000291453: check digit 3 is wrong, expected 2"},
		{"96385075", 0, "EAN-8 96385075: check digit 5 is wrong, expected 4"},
		// Digits of other lengths are not GTINs; they are internal codes.
		{"12345", BarcodeInternal, ""},
		{"40063813339310", BarcodeInternal, ""},
		{"SKU-0001/A.B_C", BarcodeInternal, ""},
		{strings.Repeat("A", MaxInternalBarcodeLen), BarcodeInternal, ""},
		{strings.Repeat("A", MaxInternalBarcodeLen+1), 0, "49 characters, at most 48"},
		{"", 0, "barcode is empty"},
		{"sku-1", 0, `position 1 is lowercase "s"; internal codes are uppercase`},
		{"SKU 1", 0, `position 4 is " "`},
		{"SKU-1\n", 0, `position 6 is "\n"`},
		{"SKU-Ü", 0, `position 5 is "Ü"`},
		{"4006381333931 ", 0, `position 14 is " "`},
	}
	for _, tt := range tests {
		got, err := ParseBarcode(tt.code)
		if tt.wantErr == "" {
			if err != nil || got != (Barcode{Kind: tt.wantKind, Code: tt.code}) {
				t.Errorf("ParseBarcode(%q) = %+v, %v; want kind %v", tt.code, got, err, tt.wantKind)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseBarcode(%q) = %+v, %v; want error containing %q", tt.code, got, err, tt.wantErr)
			continue
		}
		invalidError(t, err)
	}
}

func TestGTINCheckDigit(t *testing.T) {
	tests := []struct {
		digits  string
		want    byte
		wantErr bool
	}{
		{"400638133393", '1', false},
		{"590123412345", '7', false},
		{"03600029145", '2', false},
		{"9638507", '4', false},
		{"0", '0', false},
		{"1234567890123", '1', false}, // GTIN-14 body
		{"", 0, true},
		{"12a", 0, true},
		{strings.Repeat("1", 18), 0, true},
	}
	for _, tt := range tests {
		got, err := GTINCheckDigit(tt.digits)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("GTINCheckDigit(%q) = %q, %v; want %q, error %v", tt.digits, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestBarcodeKeyUPCEqualsEAN(t *testing.T) {
	upc, _ := ParseBarcode("036000291452")
	ean, _ := ParseBarcode("0036000291452")
	if upc.Key() != ean.Key() {
		t.Errorf("keys %q and %q differ; a scanner reports this UPC-A either way", upc.Key(), ean.Key())
	}
	internal, _ := ParseBarcode("00036000291452")
	if internal.Key() == ean.Key() {
		t.Errorf("internal 14-digit code shares key %q with a GTIN", ean.Key())
	}
}

func FuzzParseBarcode(f *testing.F) {
	for _, s := range []string{"4006381333931", "4006381333932", "036000291452", "96385074", "SKU-1", "sku-1", "", "12345", "A\x00", "Ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		b, err := ParseBarcode(code)
		if err != nil {
			invalidError(t, err)
			return
		}
		if b.Code != code {
			t.Fatalf("ParseBarcode(%q) changed the code to %q", code, b.Code)
		}
		again, err := ParseBarcode(b.Code)
		if err != nil || again != b {
			t.Fatalf("ParseBarcode(%q) = %+v, re-parse gives %+v, %v", code, b, again, err)
		}
		gtin := map[BarcodeKind]int{BarcodeEAN13: 13, BarcodeUPCA: 12, BarcodeEAN8: 8}
		if n, ok := gtin[b.Kind]; ok {
			if len(code) != n || !allDigits(code) {
				t.Fatalf("%q classified %v", code, b.Kind)
			}
			if d, _ := GTINCheckDigit(code[:n-1]); d != code[n-1] {
				t.Fatalf("%q accepted with wrong check digit", code)
			}
		} else if b.Kind != BarcodeInternal || len(code) > MaxInternalBarcodeLen {
			t.Fatalf("%q classified %v", code, b.Kind)
		}
	})
}
