package floor

import (
	"fmt"
	"strconv"
)

// Tracking number schemes.
const (
	// SchemeS10 is the UPU S10 scheme for postal items: two letters of
	// service, eight digits of serial, a check digit, two letters of
	// country, e.g. RR473124829GB.
	SchemeS10 = "s10"
	// SchemeGS1 is Prefix, then a zero-padded serial, then the GS1 mod-10
	// check digit, Digits long in all (couriers' numeric labels).
	SchemeGS1 = "gs1"
)

// TrackingScheme says how a carrier's tracking numbers are made.
type TrackingScheme struct {
	Kind    string `json:"kind"`
	Prefix  string `json:"prefix"`  // S10: the two service letters; GS1: leading digits
	Country string `json:"country"` // S10: ISO country code of the issuing post
	Digits  int    `json:"digits"`  // GS1: total length with the check digit
}

// s10Weights are the S10 check digit weights of the eight serial digits.
var s10Weights = [8]int{8, 6, 4, 2, 3, 5, 9, 7}

// S10CheckDigit is the check digit of an eight-digit S10 serial.
func S10CheckDigit(serial string) (byte, error) {
	if len(serial) != 8 || !allDigits(serial) {
		return 0, fmt.Errorf("S10 serial %s: want 8 digits", Quote(serial))
	}
	sum := 0
	for i := range 8 {
		sum += int(serial[i]-'0') * s10Weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return '0', nil
	case 11:
		return '5', nil
	default:
		return byte('0' + c), nil
	}
}

// Validate checks the scheme itself.
func (s TrackingScheme) Validate() error {
	switch s.Kind {
	case SchemeS10:
		if !upperASCII(s.Prefix, 2) || !upperASCII(s.Country, 2) {
			return fmt.Errorf("s10 wants a two-letter prefix and country, got %s and %s", Quote(s.Prefix), Quote(s.Country))
		}
	case SchemeGS1:
		if !allDigits(s.Prefix) || s.Digits < len(s.Prefix)+4 || s.Digits > 30 {
			return fmt.Errorf("gs1 wants a digit prefix and 4 to 30 digits in all leaving room for a serial, got %s and %d", Quote(s.Prefix), s.Digits)
		}
	default:
		return fmt.Errorf("unknown tracking scheme %s: s10 or gs1", Quote(s.Kind))
	}
	return nil
}

// Make returns the tracking number of serial, which must fit the scheme:
// numbers are never reused, so a scheme that runs out is an error, not a
// wrap-around.
func (s TrackingScheme) Make(serial uint64) (string, error) {
	switch s.Kind {
	case SchemeS10:
		if serial > 99_999_999 {
			return "", fmt.Errorf("S10 serials of %s%s are used up", s.Prefix, s.Country)
		}
		num := fmt.Sprintf("%08d", serial)
		c, err := S10CheckDigit(num)
		return s.Prefix + num + string(c) + s.Country, err
	case SchemeGS1:
		width := s.Digits - len(s.Prefix) - 1
		num := strconv.FormatUint(serial, 10)
		if len(num) > width {
			return "", fmt.Errorf("serials of prefix %s are used up", s.Prefix)
		}
		body := s.Prefix + fmt.Sprintf("%0*d", width, serial)
		c, err := GTINCheckDigit(body)
		return body + string(c), err
	}
	return "", s.Validate()
}

// Check reports whether code is a well-formed number of the scheme with
// the right check digit.
func (s TrackingScheme) Check(code string) bool {
	switch s.Kind {
	case SchemeS10:
		if len(code) != 13 || code[:2] != s.Prefix || code[11:] != s.Country {
			return false
		}
		c, err := S10CheckDigit(code[2:10])
		return err == nil && c == code[10]
	case SchemeGS1:
		if len(code) != s.Digits || !allDigits(code) || code[:len(s.Prefix)] != s.Prefix {
			return false
		}
		c, err := GTINCheckDigit(code[:len(code)-1])
		return err == nil && c == code[len(code)-1]
	}
	return false
}

// How the boxes of an order packed in several are numbered (Carrier.Pieces).
const (
	// PiecesTracking gives every box a tracking number of its own from the
	// carrier's scheme, as posts number items: each S10 item travels, is
	// tracked and is declared (CN22/CN23) on its own. Box 1 keeps the
	// number issued at release; the others are issued at packing.
	PiecesTracking = "tracking"
	// PiecesMaster keeps the order's number as the master waybill of all
	// its boxes and labels box n of N with the piece number PieceNumber
	// makes (as JD Logistics' package codes and the 子母单 of Chinese
	// express carriers do): one shipment and one number to track, a piece
	// number per box for the scans.
	PiecesMaster = "master"
)

// PieceNumber is the piece number of box n of count under master:
// "<master>-<n>-<count>", e.g. 8800000000013-2-3.
func PieceNumber(master string, n, count int) string {
	return fmt.Sprintf("%s-%d-%d", master, n, count)
}
