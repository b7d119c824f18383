package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/report"
)

// Inventory is what the inventory exports are read from.
type Inventory interface {
	History(from, to time.Time, after uint64, limit int) ([]floor.Movement, uint64, error)
	PurchaseSuggestions(pol floor.PurchasePolicy) ([]floor.PurchaseSuggestion, time.Time, error)
}

// withInventory answers 503 when the server has no inventory to read.
func (s *Server) withInventory(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Inventory == nil {
			s.fail(w, r, floor.E("inventory export", floor.KindUnavailable, "this server keeps no inventory"))
			return
		}
		h(w, r)
	})
}

// defaultHistoryPage is how many movements are read per transaction
// while streaming the export.
const defaultHistoryPage = 5000

func (s *Server) historyPage() int {
	if s.HistoryPage > 0 {
		return s.HistoryPage
	}
	return defaultHistoryPage
}

// history serves the stock movements of [from, to) as CSV. The first page
// is read before anything is written, so a bad store still gets a clean
// error; after that the rows stream.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	from, to, err := parseRange("history", r.URL.Query(), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, next, err := s.Inventory.History(from, to, 0, s.historyPage())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := "history-" + from.UTC().Format("20060102T1504Z") + "-" + to.UTC().Format("20060102T1504Z")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", contentDisposition("attachment", name, "csv"))
	out := report.NewHistoryCSV(w)
	for {
		if err := out.Write(ms); err != nil || next == 0 {
			return // a client gone mid-stream has nothing to be told
		}
		if ms, next, err = s.Inventory.History(from, to, next, s.historyPage()); err != nil {
			s.Log.Error("history export cut short", "err", err)
			return
		}
	}
}

// parsePurchasePolicy reads the optional sales_days and review_days of a
// purchase report over the default policy.
func parsePurchasePolicy(q url.Values) (floor.PurchasePolicy, error) {
	pol := floor.DefaultPurchasePolicy
	var vs floor.Violations
	for _, p := range []struct {
		name string
		dst  *int
	}{{"sales_days", &pol.SalesDays}, {"review_days", &pol.ReviewDays}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				vs.Add(p.name, "want a whole number of days, got %s", floor.Quote(v))
				continue
			}
			*p.dst = n
		}
	}
	pol.Validate(&vs)
	return pol, vs.Err("purchase suggestions")
}

// purchases serves the purchase suggestions as CSV; sales_days and
// review_days override the default policy.
func (s *Server) purchases(w http.ResponseWriter, r *http.Request) {
	pol, err := parsePurchasePolicy(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, asOf, err := s.Inventory.PurchaseSuggestions(pol)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := report.WritePurchaseCSV(&buf, rows); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", contentDisposition("attachment", "purchase-"+asOf.UTC().Format("20060102"), "csv"))
	w.Write(buf.Bytes())
}
