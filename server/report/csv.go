package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"time"
)

// Columns are the CSV header, in order; durations are in seconds so that
// spreadsheets can sum and average them.
var Columns = []string{"picker", "orders", "handed_off", "on_time", "on_time_pct", "lines", "units_picked",
	"picks_per_hour", "short_picks", "wrong_scans", "tasks", "mean_clock_s", "p90_clock_s", "mean_pick_s",
	"predicted_orders", "prediction_mape_pct", "prediction_bias_s"}

// WriteCSV writes one row per picker, then the ALL row. A figure with no
// data (on-time % with nothing handed off, prediction error with no
// prediction to compare) is an empty cell, not 0.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(Columns)
	for _, row := range slices.Concat(r.Pickers, []Row{r.Total}) {
		pct := ""
		if p, ok := row.OnTimePercent(); ok {
			pct = strconv.FormatFloat(p, 'f', 1, 64)
		}
		mape, bias := "", ""
		if p := row.Prediction; p.Orders > 0 {
			mape, bias = strconv.FormatFloat(p.MAPE, 'f', 1, 64), strconv.FormatFloat(p.Bias.Seconds(), 'f', 0, 64)
		}
		cw.Write([]string{row.Picker, itoa(row.Orders), itoa(row.HandedOff), itoa(row.OnTime), pct, itoa(row.Lines),
			strconv.FormatInt(row.Units, 10), strconv.FormatFloat(row.PicksPerHour(), 'f', 1, 64),
			itoa(row.ShortPicks), itoa(row.WrongScans), itoa(row.Tasks),
			secs(row.MeanClock), secs(row.P90Clock), secs(row.MeanPick),
			itoa(row.Prediction.Orders), mape, bias})
	}
	cw.Flush()
	return cw.Error()
}

func itoa(n int) string { return strconv.Itoa(n) }

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 0, 64) }
