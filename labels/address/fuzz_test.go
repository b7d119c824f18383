package address

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFormat: any text in any field, for any country code, lays out
// without a panic into lines that are single, trimmed, non-empty lines, and
// Check answers for it.
func FuzzFormat(f *testing.F) {
	f.Add("Jane Doe", "548 Market St", "San Francisco", "CA", "94103", "US", "CN")
	f.Add("王小明", "世纪大道100号", "上海市", "上海市", "200120", "CN", "CN")
	f.Add("%N%n", "%A, %S", "%", "~", "\n", "JP", "")
	f.Fuzz(func(t *testing.T, name, line, city, region, zip, country, from string) {
		a := Address{Name: name, Lines: []string{line, line}, City: city, Region: region, PostalCode: zip, Country: country}
		valid := true
		for _, s := range []string{name, line, city, region, zip, country} {
			valid = valid && utf8.ValidString(s)
		}
		for _, l := range Format(a, from) {
			if l.Text == "" || l.Text != strings.TrimSpace(l.Text) || strings.ContainsAny(l.Text, "\n\r") {
				t.Fatalf("line %q", l.Text)
			}
			if valid && !utf8.ValidString(l.Text) {
				t.Fatalf("line %q is not UTF-8", l.Text)
			}
		}
		for _, p := range Check(a) {
			if p.Field == "" || p.Msg == "" {
				t.Fatalf("problem %+v", p)
			}
		}
	})
}
