package web

import (
	"bytes"
	"net/http"
	"net/url"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// parseTimeParam reads an RFC 3339 query parameter; its errors name the
// parameter, so a script author sees which one to fix.
func parseTimeParam(op, name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, floor.E(op, floor.KindInvalid, "missing parameter %q: give an RFC 3339 time such as 2026-03-01T06:00:00Z", name)
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, floor.E(op, floor.KindInvalid, "parameter %q: %s is not an RFC 3339 time such as 2026-03-01T06:00:00Z", name, floor.Quote(v))
	}
	return t, nil
}

// parseRange reads the from and to parameters of a report, from before to
// and at most maxSpan apart (0: any span).
func parseRange(op string, q url.Values, maxSpan time.Duration) (from, to time.Time, err error) {
	if from, err = parseTimeParam(op, "from", q.Get("from")); err != nil {
		return from, to, err
	}
	if to, err = parseTimeParam(op, "to", q.Get("to")); err != nil {
		return from, to, err
	}
	return from, to, checkSpan(op, from, to, maxSpan)
}

// checkSpan says what is wrong with the range [from, to) of a report, or
// returns nil.
func checkSpan(op string, from, to time.Time, maxSpan time.Duration) error {
	switch {
	case !to.After(from):
		return floor.E(op, floor.KindInvalid, "parameter \"to\" (%s) must be after \"from\" (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	case maxSpan > 0 && to.Sub(from) > maxSpan:
		return floor.E(op, floor.KindInvalid, "from %s to %s is longer than %d days; ask for the days in parts",
			from.Format(time.RFC3339), to.Format(time.RFC3339), maxSpan/(24*time.Hour))
	}
	return nil
}

// maxReportSpan bounds a shift report's range: a report reads every order,
// task and scan of its range into memory, and a month is the longest a
// supervisor asks for. The history export pages through any range.
const maxReportSpan = 31 * 24 * time.Hour

// shiftReport serves the report of [from, to) as "csv" or "pdf".
func (s *Server) shiftReport(format string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from, to, err := parseRange("shift report", r.URL.Query(), maxReportSpan)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rep, err := s.report(from, to)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// Rendered to memory first, so a failure is still a clean 500.
		var buf bytes.Buffer
		contentType := "text/csv; charset=utf-8"
		if format == "csv" {
			err = rep.WriteCSV(&buf)
		} else {
			contentType = "application/pdf"
			err = rep.WritePDF(&buf, s.Location)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		name := "shift-" + from.UTC().Format("20060102T1504Z") + "-" + to.UTC().Format("20060102T1504Z")
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", contentDisposition("attachment", name, format))
		w.Write(buf.Bytes())
	})
}
