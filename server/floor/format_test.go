package floor

import (
	"errors"
	"strings"
	"testing"
)

// invalidError fails the test unless err is the domain's invalid-input error,
// the contract every parser and validator here keeps.
func invalidError(t testing.TB, err error) *Error {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != KindInvalid {
		t.Fatalf("error %v (%T) is not a *floor.Error of kind invalid", err, err)
	}
	return fe
}

// checkViolations fails the test unless err is invalid and reports, for each
// want, a violation with exactly that field whose description contains the
// wanted text. Tests match on substrings so that wording can improve without
// rewriting every table.
func checkViolations(t testing.TB, err error, want ...Violation) {
	t.Helper()
	fe := invalidError(t, err)
	if len(fe.Violations) == 0 {
		t.Fatalf("error %v has no violations", err)
	}
	for _, w := range want {
		found := false
		for _, v := range fe.Violations {
			found = found || (v.Field == w.Field && strings.Contains(v.Description, w.Description))
		}
		if !found {
			t.Errorf("got violations %q, want one at %q containing %q", fe.Violations, w.Field, w.Description)
		}
	}
}

func TestParseImportFormat(t *testing.T) {
	tests := []struct {
		in   string
		want ImportFormat
		ok   bool
	}{
		{"json", ImportJSON, true},
		{"CSV", ImportCSV, true},
		{"unspecified", ImportUnspecified, false},
		{"", ImportUnspecified, false},
		{"xml", ImportUnspecified, false},
	}
	for _, tt := range tests {
		got, ok := ParseImportFormat(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseImportFormat(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && got.String() != strings.ToLower(tt.in) {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), strings.ToLower(tt.in))
		}
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		problem string
	}{
		{"", 0, ""},
		{"12.50", 1250, ""},
		{"12.5", 1250, ""},
		{"12", 1200, ""},
		{"0.07", 7, ""},
		{"0.1", 10, ""},
		{"19.99", 1999, ""}, // 19.99 * 100 is 1998.9999999999998 in float64
		{"12.505", 0, "at most 2 decimals"},
		{"12.", 0, "want an amount"},
		{".5", 0, "want an amount"},
		{"1,234.50", 0, "want an amount"},
		{"-1.00", 0, "negative"},
		{"1e3", 0, "want an amount"},
		{"99999999999999999", 0, "too large"},
	}
	for _, tt := range tests {
		got, p := parseMoney(tt.in)
		if got != tt.want || !strings.Contains(p, tt.problem) || (tt.problem == "") != (p == "") {
			t.Errorf("parseMoney(%q) = %d, %q; want %d, %q", tt.in, got, p, tt.want, tt.problem)
		}
	}
}

func TestParseWhole(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		problem string
	}{
		{"", 0, ""},
		{"0", 0, ""},
		{"250", 250, ""},
		{"-1", 0, "negative"},
		{"2.5", 0, "whole number"},
		{"1e3", 0, "whole number"},
		{"+3", 0, "whole number"},
		{"99999999999999999999", 0, "too large"},
	}
	for _, tt := range tests {
		got, p := parseWhole(tt.in)
		if got != tt.want || !strings.Contains(p, tt.problem) || (tt.problem == "") != (p == "") {
			t.Errorf("parseWhole(%q) = %d, %q; want %d, %q", tt.in, got, p, tt.want, tt.problem)
		}
	}
}

func TestReadCSVRowNumbers(t *testing.T) {
	// Row numbers must be those a spreadsheet shows: blank lines are rows,
	// a quoted cell spanning lines is one row, the header is row 1.
	data := "sku,name\r\nA,x\r\n\r\nB,\"two\nlines\"\r\nC,y\r\n,\r\n"
	var vs Violations
	rows := readCSV([]byte(data), []string{"sku", "name"}, nil, &vs)
	var got []string
	for _, r := range rows {
		got = append(got, r.at+"="+r.val["sku"])
	}
	want := "row 2=A row 4=B row 5=C"
	if strings.Join(got, " ") != want || len(vs) != 0 {
		t.Errorf("rows %q, violations %v; want %s and none", got, vs, want)
	}
}

func TestInputText(t *testing.T) {
	tests := []struct {
		in        string
		wantField string
	}{
		{"", "file"},
		{" \n\t", "file"},
		{"\xef\xbb\xbf", "file"},
		{"ok\nab\xffc", "line 2, column 3"},
		{"\xef\xbb\xbfok", ""},
	}
	for _, tt := range tests {
		var vs Violations
		_, ok := inputText([]byte(tt.in), &vs)
		if ok != (tt.wantField == "") || (!ok && vs[0].Field != tt.wantField) {
			t.Errorf("inputText(%q): ok %v, violations %v; want field %q", tt.in, ok, vs, tt.wantField)
		}
	}
}
