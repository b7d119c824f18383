package floor

import "testing"

func TestS10CheckDigit(t *testing.T) {
	// Examples from UPU S10 documentation and real postal items.
	tests := []struct {
		serial string
		want   byte
	}{
		{"47312482", '9'}, // RR473124829GB
		{"12345678", '5'}, // sum 11*k -> check 5
		{"00000000", '5'},
		{"00000001", '4'},
	}
	for _, tt := range tests {
		got, err := S10CheckDigit(tt.serial)
		if err != nil || got != tt.want {
			t.Errorf("S10CheckDigit(%s) = %c, %v; want %c", tt.serial, got, err, tt.want)
		}
	}
	if _, err := S10CheckDigit("1234567"); err == nil {
		t.Error("7 digits accepted")
	}
}

func TestTrackingSchemes(t *testing.T) {
	s10 := TrackingScheme{Kind: SchemeS10, Prefix: "RR", Country: "GB"}
	gs1 := TrackingScheme{Kind: SchemeGS1, Prefix: "3400", Digits: 14}
	tests := []struct {
		scheme TrackingScheme
		serial uint64
		want   string
	}{
		{s10, 47312482, "RR473124829GB"},
		{s10, 1, "RR000000014GB"},
		{gs1, 1, "34000000000014"},
	}
	for _, tt := range tests {
		got, err := tt.scheme.Make(tt.serial)
		if err != nil || got != tt.want {
			t.Errorf("Make(%d) = %q, %v; want %q", tt.serial, got, err, tt.want)
		}
		if !tt.scheme.Check(got) {
			t.Errorf("Check(%q) = false", got)
		}
		wrong := []byte(got)
		wrong[len(wrong)-3]++ // a digit of the serial (S10) or near the end (GS1)
		if tt.scheme.Check(string(wrong)) {
			t.Errorf("Check(%q) accepted a changed digit", wrong)
		}
	}
	if _, err := s10.Make(100_000_000); err == nil {
		t.Error("S10 serial beyond 8 digits accepted: numbers would be reused")
	}
}
