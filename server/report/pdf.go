package report

import (
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// Title heads the PDF.
const Title = "Shift report"

// WritePDF writes the report on A4 landscape: the range, a table per
// picker with the total, and a bar chart of picks per hour and on-time
// percentage per picker, drawn as vector shapes so it prints sharp.
func (r Report) WritePDF(w io.Writer, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetTitle(Title, true)
	pdf.SetCreator("pickpack", true)
	pdf.SetAutoPageBreak(true, 12)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(0, 10, Title, "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 6, fmt.Sprintf("%s to %s", r.From.In(loc).Format("2006-01-02 15:04 MST"), r.To.In(loc).Format("2006-01-02 15:04 MST")), "", 1, "L", false, 0, "")
	pdf.Ln(3)

	cols := []struct {
		head  string
		width float64
		cell  func(Row) string
	}{
		{"Picker", 36, func(x Row) string { return x.Picker }},
		{"Orders", 17, func(x Row) string { return itoa(x.Orders) }},
		{"Handed off", 19, func(x Row) string { return itoa(x.HandedOff) }},
		{"On time", 18, func(x Row) string {
			if p, ok := x.OnTimePercent(); ok {
				return fmt.Sprintf("%.0f %%", p)
			}
			return "-"
		}},
		{"Lines", 15, func(x Row) string { return itoa(x.Lines) }},
		{"Units", 15, func(x Row) string { return fmt.Sprint(x.Units) }},
		{"Picks/h", 18, func(x Row) string { return fmt.Sprintf("%.0f", x.PicksPerHour()) }},
		{"Short", 15, func(x Row) string { return itoa(x.ShortPicks) }},
		{"Wrong scans", 18, func(x Row) string { return itoa(x.WrongScans) }},
		{"Tasks", 15, func(x Row) string { return itoa(x.Tasks) }},
		{"Mean clock", 18, func(x Row) string { return minutes(x.MeanClock) }},
		{"p90 clock", 18, func(x Row) string { return minutes(x.P90Clock) }},
		{"Mean pick", 18, func(x Row) string { return minutes(x.MeanPick) }},
		// The time model against the actual handoffs.
		{"Time err.", 17, func(x Row) string {
			if x.Prediction.Orders == 0 {
				return "-"
			}
			return fmt.Sprintf("%.0f %%", x.Prediction.MAPE)
		}},
		{"Bias", 15, func(x Row) string {
			if x.Prediction.Orders == 0 {
				return "-"
			}
			return signedMinutes(x.Prediction.Bias)
		}},
	}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetFillColor(225, 230, 238)
	for i, c := range cols {
		align := "R"
		if i == 0 {
			align = "L"
		}
		pdf.CellFormat(c.width, 7, c.head, "B", 0, align, true, 0, "")
	}
	pdf.Ln(-1)
	rows := append(append([]Row(nil), r.Pickers...), r.Total)
	for n, row := range rows {
		style := ""
		if n == len(rows)-1 {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 9)
		for i, c := range cols {
			align := "R"
			if i == 0 {
				align = "L"
			}
			pdf.CellFormat(c.width, 6, c.cell(row), "", 0, align, false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.SetFont("Helvetica", "", 8)
	pdf.MultiCell(0, 4, "Time err.: mean absolute percentage error of the handoff predicted at assignment against the actual, "+
		"over the time from assignment to handoff. Bias: mean of actual less predicted (+ later than predicted).", "", "L", false)
	pdf.Ln(4)
	if len(r.Pickers) > 0 {
		chart(pdf, r.Pickers)
	}
	return pdf.Output(w)
}

func minutes(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// signedMinutes writes d as +m:ss or -m:ss.
func signedMinutes(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%s%d:%02d", sign, int(d.Minutes()), int(d.Seconds())%60)
}

// chart draws, per picker, a bar of picks per hour (left axis) and a bar
// of on-time percentage (right axis, 0-100).
func chart(pdf *fpdf.Fpdf, rows []Row) {
	const h, w = 70.0, 250.0
	if _, y := pdf.GetXY(); y+h+20 > 200 {
		pdf.AddPage()
	}
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(0, 7, "Picks per hour and on-time % per picker", "", 1, "L", false, 0, "")
	x0, y0 := pdf.GetX()+12, pdf.GetY()+4
	top := 0.0
	for _, r := range rows {
		top = max(top, r.PicksPerHour())
	}
	top = niceCeil(top)
	pdf.SetDrawColor(160, 160, 160)
	pdf.SetLineWidth(0.2)
	pdf.SetFont("Helvetica", "", 7)
	for i := 0; i <= 4; i++ {
		y := y0 + h - h*float64(i)/4
		pdf.Line(x0, y, x0+w, y)
		pdf.Text(x0-10, y+1, fmt.Sprintf("%.0f", top*float64(i)/4))
		pdf.Text(x0+w+2, y+1, fmt.Sprintf("%d%%", 25*i))
	}
	slot := w / float64(len(rows))
	bw := min(slot*0.35, 18)
	for i, r := range rows {
		x := x0 + slot*float64(i) + slot/2 - bw
		ph := h * r.PicksPerHour() / top
		pdf.SetFillColor(52, 101, 164)
		pdf.Rect(x, y0+h-ph, bw, ph, "F")
		if p, ok := r.OnTimePercent(); ok {
			oh := h * p / 100
			pdf.SetFillColor(78, 154, 6)
			pdf.Rect(x+bw, y0+h-oh, bw, oh, "F")
		}
		pdf.SetFont("Helvetica", "", 8)
		pdf.Text(x, y0+h+5, r.Picker)
	}
	ly := y0 + h + 11
	pdf.SetFillColor(52, 101, 164)
	pdf.Rect(x0, ly-3, 4, 4, "F")
	pdf.Text(x0+6, ly, "picks per hour (left axis)")
	pdf.SetFillColor(78, 154, 6)
	pdf.Rect(x0+60, ly-3, 4, 4, "F")
	pdf.Text(x0+66, ly, "on time % (right axis)")
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten, so axis labels
// are round numbers.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 10
	}
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
