package floor

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxInternalBarcodeLen bounds the warehouse's own codes so that they fit a
// shelf or item label as a Code 128 barcode.
const MaxInternalBarcodeLen = 48

var barcodeKindNames = [...]string{"unknown", "EAN-13", "UPC-A", "internal", "EAN-8"}

// String names the kind as printed in messages.
func (k BarcodeKind) String() string {
	if k >= 0 && int(k) < len(barcodeKindNames) {
		return barcodeKindNames[k]
	}
	return fmt.Sprintf("BarcodeKind(%d)", int(k))
}

// ParseBarcode classifies a scanned or imported code. All-digit codes of 13,
// 12 and 8 digits are EAN-13, UPC-A and EAN-8 and must carry a correct check
// digit, because a mistyped GTIN would otherwise match nothing or, worse,
// another product. Every other code is internal: 1 to MaxInternalBarcodeLen
// characters of A-Z, 0-9 and - . _ /. Lowercase is refused rather than
// folded, because scanners type what the label says and two spellings of
// one code would be two codes in the catalogue.
func ParseBarcode(code string) (Barcode, error) {
	b, p := parseBarcode(code)
	if p != "" {
		return Barcode{}, E("parse barcode", KindInvalid, "%s", p)
	}
	return b, nil
}

func parseBarcode(code string) (Barcode, string) {
	kind := BarcodeInternal
	if allDigits(code) {
		switch len(code) {
		case 8:
			kind = BarcodeEAN8
		case 12:
			kind = BarcodeUPCA
		case 13:
			kind = BarcodeEAN13
		}
	}
	if kind != BarcodeInternal {
		last := len(code) - 1
		if want := gtinCheckDigit(code[:last]); code[last] != want {
			return Barcode{}, fmt.Sprintf("%s %s: check digit %c is wrong, expected %c", kind, code, code[last], want)
		}
		return Barcode{Kind: kind, Code: code}, ""
	}
	if code == "" {
		return Barcode{}, "barcode is empty"
	}
	if n := utf8.RuneCountInString(code); n > MaxInternalBarcodeLen {
		return Barcode{}, fmt.Sprintf("internal barcode %s has %d characters, at most %d", Quote(code), n, MaxInternalBarcodeLen)
	}
	for i, r := range []rune(code) {
		switch {
		case 'A' <= r && r <= 'Z', '0' <= r && r <= '9', strings.ContainsRune("-._/", r):
		case 'a' <= r && r <= 'z':
			return Barcode{}, fmt.Sprintf("internal barcode %s: position %d is lowercase %q; internal codes are uppercase", Quote(code), i+1, string(r))
		default:
			return Barcode{}, fmt.Sprintf("internal barcode %s: position %d is %q; allowed are A-Z, 0-9 and - . _ /", Quote(code), i+1, string(r))
		}
	}
	return Barcode{Kind: BarcodeInternal, Code: code}, ""
}

// GTINCheckDigit returns the GS1 mod-10 check digit, as the ASCII character
// '0' to '9' so that it can be appended to the code, for the digits of a
// GTIN-8, -12, -13 or -14 (or an SSCC) without their check digit.
func GTINCheckDigit(digitsWithoutCheck string) (byte, error) {
	if len(digitsWithoutCheck) > 17 || !allDigits(digitsWithoutCheck) {
		return 0, E("compute check digit", KindInvalid, "want 1 to 17 digits, got %s", Quote(digitsWithoutCheck))
	}
	return gtinCheckDigit(digitsWithoutCheck), nil
}

// gtinCheckDigit weights digits 3, 1, 3, ... from the right, which makes one
// rule serve every GTIN length.
func gtinCheckDigit(digits string) byte {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// Key is what makes two barcodes the same code: a UPC-A is the EAN-13
// with a leading zero, and scanners report either, so GTINs compare padded
// to 14 digits.
func (b Barcode) Key() string {
	if b.Kind == BarcodeInternal || b.Kind == BarcodeUnknown {
		return "internal:" + b.Code
	}
	return strings.Repeat("0", 14-len(b.Code)) + b.Code
}
