package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pickpack/pickpack/server/floor"
)

// TestAbuseQuery: hostile query parameters of the report routes get a 400
// that says what is wrong without echoing the value whole, and a report
// never spans more than maxReportSpan.
func TestAbuseQuery(t *testing.T) {
	e := newEnv(t)
	huge := strings.Repeat("9", 100_000)
	tests := []struct{ path, want string }{
		{"/reports/shift.csv?from=" + huge + "&to=2026-03-02T14:00:00Z", `parameter "from"`},
		{"/reports/shift.csv?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", "longer than 31 days"},
		{"/reports/shift.pdf?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "longer than 31 days"},
		{"/api/floor/figures?from=0001-01-01T00:00:00Z", "longer than 31 days"},
		{"/api/floor/figures?from=2999-01-01T00:00:00Z", `must be after "from"`},
		{"/reports/purchase.csv?sales_days=" + huge, "sales_days"},
		{"/reports/purchase.csv?sales_days=-5", "want 1 to 366 days"},
		{"/reports/purchase.csv?review_days=99999999999999999999", "review_days"},
		{"/reports/history.csv?from=%ff%fe&to=2026-03-02T14:00:00Z", `parameter "from"`},
	}
	for _, tt := range tests {
		resp, body := e.get(t, tt.path, floor.RoleAdmin)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tt.want) {
			t.Errorf("GET %.80s: %d %.200q, want 400 naming %q", tt.path, resp.StatusCode, body, tt.want)
		}
		if len(body) > 400 {
			t.Errorf("GET %.80s: a %d-byte answer echoes the request", tt.path, len(body))
		}
	}
}

// FuzzQueryParams: any query string is either refused with a short error
// or read into a range and a policy that the handlers can serve: from
// before to, within the span, days within the policy's bounds.
func FuzzQueryParams(f *testing.F) {
	for _, q := range []string{
		"from=2026-03-02T06:00:00Z&to=2026-03-02T14:00:00Z",
		"from=2026-03-02T06:00:00%2B08:00&to=2026-03-03T06:00:00Z&sales_days=28&review_days=14",
		"from=yesterday", "sales_days=0&review_days=-1", "from=%ff&to=;&&==",
		"from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw) // what net/http gives a handler: the pairs it could read
		from, to, err := parseRange("fuzz", q, maxReportSpan)
		if err != nil {
			// floor.Quote keeps 64 bytes of a value; escaped, each may
			// take 4 characters (\xfa).
			if n := len(err.Error()); n > 400 {
				t.Errorf("range error of %d bytes: %.100s", n, err)
			}
		} else if !to.After(from) || to.Sub(from) > maxReportSpan {
			t.Errorf("range %v to %v accepted", from, to)
		}
		if from, to, err := parseRange("fuzz", q, 0); err == nil && !to.After(from) {
			t.Errorf("unbounded range %v to %v accepted", from, to)
		}
		pol, err := parsePurchasePolicy(q)
		if err != nil {
			if n := len(err.Error()); n > 400 || !utf8.ValidString(err.Error()) {
				t.Errorf("policy error of %d bytes: %.100q", n, err)
			}
		} else if pol.SalesDays < 1 || pol.SalesDays > 366 || pol.ReviewDays < 0 || pol.ReviewDays > 366 {
			t.Errorf("policy %+v accepted", pol)
		}
	})
}
