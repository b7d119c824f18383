package floor

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidateCodeScheme(t *testing.T) {
	tests := []struct {
		scheme string
		want   string // substring of the error; "" for valid
	}{
		{DefaultCodeScheme, ""},
		{"XX-9999", ""},
		{"A", ""},
		{"WH1/A-99", ""}, // literals around placeholders
		{"", "empty"},
		{"---", "no A, 9 or X"},
		{"a-99", ""}, // lowercase a is a literal, 9 still a placeholder
		{"A-99\t", "printable ASCII"},
		{"A-99-é", "position 6"},
		{strings.Repeat("9", MaxCodeSchemeLen), ""},
		{strings.Repeat("9", MaxCodeSchemeLen+1), "at most 32"},
	}
	for _, tt := range tests {
		err := ValidateCodeScheme(tt.scheme)
		if tt.want == "" {
			if err != nil {
				t.Errorf("ValidateCodeScheme(%q) = %v, want nil", tt.scheme, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ValidateCodeScheme(%q) = %v, want error containing %q", tt.scheme, err, tt.want)
			continue
		}
		invalidError(t, err)
	}
}

func TestValidateBinCode(t *testing.T) {
	tests := []struct {
		scheme, code string
		want         string // error message after the op; "" for valid
	}{
		{DefaultCodeScheme, "A-03-012-2", ""},
		{DefaultCodeScheme, "Z-99-999-9", ""},
		{"XX-99", "A7-01", ""},
		{"XX-99", "7A-01", ""},
		{DefaultCodeScheme, "A-3-012-2", `"A-3-012-2" has 9 characters, scheme A-99-999-9 wants 10 (first difference: position 4 should be a digit, got "-")`},
		{DefaultCodeScheme, "A-03-12-2", `"A-03-12-2" has 9 characters, scheme A-99-999-9 wants 10 (first difference: position 8 should be a digit, got "-")`},
		{DefaultCodeScheme, "A-03-012-", `"A-03-012-" has 9 characters, scheme A-99-999-9 wants 10`},
		{DefaultCodeScheme, "A-03-012-23", `"A-03-012-23" has 11 characters, scheme A-99-999-9 wants 10`},
		{DefaultCodeScheme, "a-03-012-2", `"a-03-012-2": position 1 should be an uppercase letter, got "a"`},
		{DefaultCodeScheme, "A_03-012-2", `"A_03-012-2": position 2 should be "-", got "_"`},
		{DefaultCodeScheme, "A-0O-012-2", `"A-0O-012-2": position 4 should be a digit, got "O"`},
		{"XX-99", "A--01", `"A--01": position 2 should be an uppercase letter or a digit, got "-"`},
		{DefaultCodeScheme, "Ä-03-012-2", `"Ä-03-012-2": position 1 should be an uppercase letter, got "Ä"`},
		{DefaultCodeScheme, "", "bin code is empty"},
		{"", "A-03-012-2", "code scheme is empty"},
	}
	for _, tt := range tests {
		err := ValidateBinCode(tt.scheme, tt.code)
		if tt.want == "" {
			if err != nil {
				t.Errorf("ValidateBinCode(%q, %q) = %v, want nil", tt.scheme, tt.code, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("ValidateBinCode(%q, %q) = nil, want %s", tt.scheme, tt.code, tt.want)
			continue
		}
		if got := invalidError(t, err).Msg; got != tt.want {
			t.Errorf("ValidateBinCode(%q, %q) = %s\nwant %s", tt.scheme, tt.code, got, tt.want)
		}
	}
}

func FuzzValidateBinCode(f *testing.F) {
	for _, s := range [][2]string{
		{DefaultCodeScheme, "A-03-012-2"}, {DefaultCodeScheme, "A-3-012-2"}, {"XX-99", "a7-01"},
		{"", ""}, {"9", "\xff"}, {"A-99", "A-99-"}, {"~X~", "~Ä~"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, scheme, code string) {
		err := ValidateBinCode(scheme, code)
		if err != nil {
			invalidError(t, err)
			return
		}
		// A valid code implies a valid scheme and, character by character,
		// the meaning of the mask, checked here independently of maskWants.
		if ValidateCodeScheme(scheme) != nil {
			t.Fatalf("code %q accepted under invalid scheme %q", code, scheme)
		}
		if utf8.RuneCountInString(code) != len(scheme) || !utf8.ValidString(code) {
			t.Fatalf("code %q accepted with a length other than scheme %q", code, scheme)
		}
		for i := range len(scheme) {
			c, m := code[i], scheme[i]
			ok := map[byte]bool{
				'A': c >= 'A' && c <= 'Z',
				'9': c >= '0' && c <= '9',
				'X': c >= 'A' && c <= 'Z' || c >= '0' && c <= '9',
			}
			if want, placeholder := ok[m]; placeholder && !want || !placeholder && c != m {
				t.Fatalf("code %q accepted under %q although position %d does not fit", code, scheme, i+1)
			}
		}
	})
}
