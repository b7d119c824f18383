package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// HistoryColumns are the header of the stock history export.
var HistoryColumns = []string{"seq", "at", "user", "kind", "bin", "sku", "units", "ref", "note"}

// HistoryCSV writes movements as CSV, header first, a page at a time, so
// that a year of history streams out without being held in memory.
type HistoryCSV struct {
	w      *csv.Writer
	header bool
}

// NewHistoryCSV writes to w.
func NewHistoryCSV(w io.Writer) *HistoryCSV { return &HistoryCSV{w: csv.NewWriter(w)} }

// Write adds movements; times are RFC 3339 in UTC with nanoseconds, so
// rows sort as text in the order they happened.
func (h *HistoryCSV) Write(ms []floor.Movement) error {
	if !h.header {
		h.w.Write(HistoryColumns)
		h.header = true
	}
	for _, m := range ms {
		h.w.Write([]string{strconv.FormatUint(m.Seq, 10), m.At.UTC().Format(time.RFC3339Nano), m.User, m.Kind.String(),
			m.Bin, m.SKU, strconv.FormatInt(m.Units, 10), m.Ref, m.Note})
	}
	h.w.Flush()
	return h.w.Error()
}

// PurchaseColumns are the header of the purchase suggestions export.
var PurchaseColumns = []string{"sku", "supplier", "on_hand", "reserved", "on_order", "sold", "daily_sales",
	"lead_time_days", "safety_stock", "reorder_point", "suggested", "runs_out", "reason"}

// WritePurchaseCSV writes one row per SKU. A SKU without supply data has
// empty supply cells, not zeros, and a SKU that does not sell has no
// run-out date.
func WritePurchaseCSV(w io.Writer, rows []floor.PurchaseSuggestion) error {
	cw := csv.NewWriter(w)
	cw.Write(PurchaseColumns)
	for _, r := range rows {
		supplier, lead, safety, reorder := "", "", "", ""
		if r.HasSupply {
			supplier, lead, safety = r.Supplier, strconv.Itoa(r.LeadTimeDays), strconv.FormatInt(r.SafetyStock, 10)
			reorder = strconv.FormatFloat(r.ReorderPoint, 'f', 1, 64)
		}
		runsOut := ""
		if !r.RunsOut.IsZero() {
			runsOut = r.RunsOut.Format(time.DateOnly)
		}
		cw.Write([]string{r.StockPosition.SKU, supplier, i64(r.OnHand), i64(r.Reserved), i64(r.OnOrder), i64(r.Sold),
			strconv.FormatFloat(r.DailySales, 'f', 2, 64), lead, safety, reorder, i64(r.Suggested), runsOut, r.Reason})
	}
	cw.Flush()
	return cw.Error()
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }
