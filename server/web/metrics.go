package web

import (
	"maps"
	"math"
	"net/http"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/report"
	"github.com/pickpack/pickpack/server/store"
)

func (s *Server) metrics() http.Handler {
	// ContinueOnError: a store hiccup loses the floor figures of one
	// scrape, not the process and RPC metrics with them.
	return promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError,
		ErrorLog: slogPrinter{s}})
}

type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.Log.Error("metrics", "err", v) }

// MetricsSource is the store as the floor metrics read it.
type MetricsSource interface {
	ScanLog(after uint64, limit int) ([]store.ScanEntry, error)
	Order(id string) (floor.Order, error)
	QueueDepth() (int, error)
	PrintJobs(open bool) ([]floor.PrintJob, error)
	PrintJobsAfter(after uint64, limit int) ([]floor.PrintJob, error)
	PrintJobsByID(ids ...uint64) ([]floor.PrintJob, error)
}

// Summarizer is the live floor view as the metrics read it (a *feed.Hub).
type Summarizer interface {
	Summary() floor.FloorSummary
}

// FloorMetrics is a Prometheus collector of the floor's figures. It
// follows the durable scan log rather than hooking the scan path, so the
// counts cover every scan in the data file (they survive restarts and
// never miss a scan made through another door), and a scrape costs only
// the scans since the last one. Print jobs are followed the same way, by
// id; open orders, the queue and the shift come from the floor feed.
type FloorMetrics struct {
	src   MetricsSource
	floor Summarizer

	mu        sync.Mutex
	lastSeq   uint64
	scans     map[[2]string]uint64 // kind, verdict
	clockN    uint64
	clockSum  float64
	clockBkts map[float64]uint64 // upper bound -> count (cumulative when emitted)
	onTime    uint64
	late      uint64
	pred      map[string]*predictionSums // by picker

	lastJob      uint64              // the highest print job id seen
	pendingJobs  map[uint64]struct{} // jobs seen before they were sent
	jobsSent     uint64
	jobLatencyN  uint64
	jobLatency   float64
	jobLatencyBk map[float64]uint64

	scansDesc, clockDesc, handedDesc, ratioDesc, queueDesc *prometheus.Desc
	predErrDesc, predAbsDesc, mapeDesc, biasDesc           *prometheus.Desc
	jobsDesc, jobsSentDesc, jobLatencyDesc                 *prometheus.Desc
	openDesc, dueDesc, onShiftDesc, neededDesc             *prometheus.Desc
}

// predictionSums add up one picker's prediction errors.
type predictionSums struct {
	n              uint64
	errSum, absSum float64 // seconds (actual - predicted); |actual - predicted| / actual
}

// clockBuckets bound the release-to-handoff histogram, in seconds: dense
// around the 15-minute target, where the question "did we make it" is.
var clockBuckets = []float64{120, 300, 480, 600, 720, 840, 900, 960, 1080, 1200, 1800, 3600}

// jobLatencyBuckets bound the print jobs' time from queued to sent, in
// seconds: a label should be out while the parcel is still in hand.
var jobLatencyBuckets = []float64{0.5, 1, 2, 5, 10, 30, 60, 300, 1800}

// NewFloorMetrics returns the collector over src and the live floor view
// (nil: no figures of open orders, and the queue's depth unsplit); register
// it with the registry /metrics serves.
func NewFloorMetrics(src MetricsSource, view Summarizer) *FloorMetrics {
	return &FloorMetrics{src: src, floor: view, scans: map[[2]string]uint64{}, clockBkts: map[float64]uint64{},
		pred: map[string]*predictionSums{}, pendingJobs: map[uint64]struct{}{}, jobLatencyBk: map[float64]uint64{},
		scansDesc: prometheus.NewDesc("pickpack_scans_total",
			"Scans recorded, by kind (pick, pack, handoff) and verdict; a pack scan that closes the parcel is verdict packed, a handoff handed_off.",
			[]string{"kind", "verdict"}, nil),
		clockDesc: prometheus.NewDesc("pickpack_order_clock_seconds",
			"Order clock of handed-off orders: release to handoff.", nil, nil),
		handedDesc: prometheus.NewDesc("pickpack_orders_handed_off_total",
			"Orders handed off, by whether they made their due time.", []string{"on_time"}, nil),
		ratioDesc: prometheus.NewDesc("pickpack_orders_on_time_ratio",
			"Share of handed-off orders that made their due time (absent until the first handoff; use rate() of pickpack_orders_handed_off_total for a window).", nil, nil),
		queueDesc: prometheus.NewDesc("pickpack_queue_depth",
			"Orders waiting in the pick queue (queued, not yet assigned to a picker), by sales channel.", []string{"channel"}, nil),
		predErrDesc: prometheus.NewDesc("pickpack_prediction_error_seconds",
			"Handed-off orders' actual less predicted time from assignment to handoff, by picker (sum/count: the bias; + later than predicted).",
			[]string{"picker"}, nil),
		predAbsDesc: prometheus.NewDesc("pickpack_prediction_abs_percentage_error_ratio",
			"Handed-off orders' |actual - predicted| / actual time from assignment to handoff, by picker (sum/count: the MAPE as a ratio).",
			[]string{"picker"}, nil),
		mapeDesc: prometheus.NewDesc("pickpack_prediction_mape_ratio",
			"Mean absolute percentage error of the handoff predicted at assignment, as a ratio, since the server started; picker=\"ALL\" is everyone.",
			[]string{"picker"}, nil),
		biasDesc: prometheus.NewDesc("pickpack_prediction_bias_seconds",
			"Mean of actual less predicted time from assignment to handoff (+ later than predicted) since the server started; picker=\"ALL\" is everyone.",
			[]string{"picker"}, nil),
		jobsDesc: prometheus.NewDesc("pickpack_print_jobs",
			"Print jobs not yet sent, by state (queued, sending, unknown: the server stopped while sending).", []string{"state"}, nil),
		jobsSentDesc: prometheus.NewDesc("pickpack_print_jobs_sent_total",
			"Print jobs a printer took.", nil, nil),
		jobLatencyDesc: prometheus.NewDesc("pickpack_print_job_latency_seconds",
			"Print jobs' time from queued to sent.", nil, nil),
		openDesc: prometheus.NewDesc("pickpack_orders_open",
			"Open orders by their clock's risk: on_time, at_risk (predicted after the due time), late (past it).", []string{"risk"}, nil),
		dueDesc: prometheus.NewDesc("pickpack_shift_orders_due",
			"Orders due in the current shift by outcome: handed_on_time, handed_late, open_past_due, predicted_on_time, predicted_late.",
			[]string{"outcome"}, nil),
		onShiftDesc: prometheus.NewDesc("pickpack_pickers_on_shift",
			"Pickers the queue's predictions count on (with a task or a recent scan).", nil, nil),
		neededDesc: prometheus.NewDesc("pickpack_pickers_needed",
			"Pickers that would bring the queue back on time; 0 when it is on time.", nil, nil),
	}
}

// verdictNames label the verdicts as the API names them, in lower case.
var verdictNames = map[floor.Verdict]string{floor.VerdictRight: "right", floor.VerdictWrongBin: "wrong_bin",
	floor.VerdictWrongItem: "wrong_item", floor.VerdictUnknownBarcode: "unknown_barcode", floor.VerdictOverPick: "over_pick",
	floor.VerdictLineDone: "line_done", floor.VerdictTaskDone: "task_done", floor.VerdictShortRecorded: "short_recorded",
	floor.VerdictOutOfSequence: "out_of_sequence", floor.VerdictWeightMismatch: "weight_mismatch",
	floor.VerdictNothingOpen: "nothing_open"}

// verdictName names a scan's verdict as it is: the verdict that closes a
// pick task closes a parcel at the pack station and hands one off at the
// courier's, and is named so there.
func verdictName(e store.ScanEntry) string {
	if e.Answer.Verdict == floor.VerdictTaskDone {
		switch e.Kind {
		case "pack":
			return "packed"
		case "handoff":
			return "handed_off"
		}
	}
	if v, ok := verdictNames[e.Answer.Verdict]; ok {
		return v
	}
	return "unspecified"
}

// Describe sends the descriptors of every metric.
func (m *FloorMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.scansDesc, m.clockDesc, m.handedDesc, m.ratioDesc, m.queueDesc,
		m.predErrDesc, m.predAbsDesc, m.mapeDesc, m.biasDesc, m.jobsDesc, m.jobsSentDesc, m.jobLatencyDesc,
		m.openDesc, m.dueDesc, m.onShiftDesc, m.neededDesc} {
		ch <- d
	}
}

// catchUp folds the scans committed since the last look into the counts.
func (m *FloorMetrics) catchUp() error {
	for {
		entries, err := m.src.ScanLog(m.lastSeq, 1000)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Kind == "handoff" && e.Answer.Reason == "HANDED_OFF" {
				o, err := m.src.Order(e.Answer.Next.OrderID)
				if err != nil {
					return err // retried from this scan at the next scrape
				}
				m.observe(o)
			}
			m.scans[[2]string{e.Kind, verdictName(e)}]++
			m.lastSeq = e.Seq
		}
		if len(entries) < 1000 {
			return nil
		}
	}
}

func (m *FloorMetrics) observe(o floor.Order) {
	secs := o.HandedOffAt.Sub(o.ReleasedAt).Seconds()
	m.clockN++
	m.clockSum += secs
	for _, b := range clockBuckets {
		if secs <= b {
			m.clockBkts[b]++
			break
		}
	}
	if o.HandedOffAt.After(o.DueAt) {
		m.late++
	} else {
		m.onTime++
	}
	if predicted, actual, ok := report.PredictionSample(o); ok {
		for _, who := range []string{o.Picker, report.Total} {
			p := m.pred[who]
			if p == nil {
				p = &predictionSums{}
				m.pred[who] = p
			}
			e := (actual - predicted).Seconds()
			p.n++
			p.errSum += e
			p.absSum += math.Abs(e) / actual.Seconds()
		}
	}
}

// catchUpJobs follows print jobs: new ones by id, and those seen before
// they were sent until they are.
func (m *FloorMetrics) catchUpJobs() error {
	sent := func(j floor.PrintJob) {
		delete(m.pendingJobs, j.ID)
		m.jobsSent++
		secs := max(j.SentAt.Sub(j.CreatedAt).Seconds(), 0)
		m.jobLatencyN++
		m.jobLatency += secs
		for _, b := range jobLatencyBuckets {
			if secs <= b {
				m.jobLatencyBk[b]++
				break
			}
		}
	}
	if len(m.pendingJobs) > 0 {
		jobs, err := m.src.PrintJobsByID(slices.Collect(maps.Keys(m.pendingJobs))...)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if j.State == floor.PrintSent {
				sent(j)
			}
		}
	}
	for {
		jobs, err := m.src.PrintJobsAfter(m.lastJob, 1000)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			m.lastJob = j.ID
			if j.State == floor.PrintSent {
				sent(j)
			} else {
				m.pendingJobs[j.ID] = struct{}{}
			}
		}
		if len(jobs) < 1000 {
			return nil
		}
	}
}

func histogram(buckets []float64, counts map[float64]uint64) map[float64]uint64 {
	cum := map[float64]uint64{}
	var run uint64
	for _, b := range buckets {
		run += counts[b]
		cum[b] = run
	}
	return cum
}

// Collect reads the scans and print jobs since the last scrape, the open
// jobs, the queue and the floor's figures, and sends the metrics.
func (m *FloorMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.catchUp(); err != nil {
		ch <- prometheus.NewInvalidMetric(m.scansDesc, err)
	}
	for k, n := range m.scans {
		ch <- prometheus.MustNewConstMetric(m.scansDesc, prometheus.CounterValue, float64(n), k[0], k[1])
	}
	ch <- prometheus.MustNewConstHistogram(m.clockDesc, m.clockN, m.clockSum, histogram(clockBuckets, m.clockBkts))
	ch <- prometheus.MustNewConstMetric(m.handedDesc, prometheus.CounterValue, float64(m.onTime), "true")
	ch <- prometheus.MustNewConstMetric(m.handedDesc, prometheus.CounterValue, float64(m.late), "false")
	if n := m.onTime + m.late; n > 0 {
		ch <- prometheus.MustNewConstMetric(m.ratioDesc, prometheus.GaugeValue, float64(m.onTime)/float64(n))
	}
	for who, p := range m.pred {
		ch <- prometheus.MustNewConstSummary(m.predErrDesc, p.n, p.errSum, nil, who)
		ch <- prometheus.MustNewConstSummary(m.predAbsDesc, p.n, p.absSum, nil, who)
		ch <- prometheus.MustNewConstMetric(m.mapeDesc, prometheus.GaugeValue, p.absSum/float64(p.n), who)
		ch <- prometheus.MustNewConstMetric(m.biasDesc, prometheus.GaugeValue, p.errSum/float64(p.n), who)
	}

	if err := m.catchUpJobs(); err != nil {
		ch <- prometheus.NewInvalidMetric(m.jobsSentDesc, err)
	}
	ch <- prometheus.MustNewConstMetric(m.jobsSentDesc, prometheus.CounterValue, float64(m.jobsSent))
	ch <- prometheus.MustNewConstHistogram(m.jobLatencyDesc, m.jobLatencyN, m.jobLatency, histogram(jobLatencyBuckets, m.jobLatencyBk))
	if open, err := m.src.PrintJobs(true); err != nil {
		ch <- prometheus.NewInvalidMetric(m.jobsDesc, err)
	} else {
		by := map[floor.PrintState]int{floor.PrintQueued: 0, floor.PrintSending: 0, floor.PrintUnknown: 0}
		for _, j := range open {
			by[j.State]++
		}
		for st, n := range by {
			ch <- prometheus.MustNewConstMetric(m.jobsDesc, prometheus.GaugeValue, float64(n), st.String())
		}
	}

	var sum floor.FloorSummary
	if m.floor != nil {
		sum = m.floor.Summary()
	}
	if sum.At.IsZero() {
		// No floor view (or it has not looked yet): the queue's depth
		// from the store, not split by channel.
		if q, err := m.src.QueueDepth(); err != nil {
			ch <- prometheus.NewInvalidMetric(m.queueDesc, err)
		} else {
			ch <- prometheus.MustNewConstMetric(m.queueDesc, prometheus.GaugeValue, float64(q), "")
		}
		return
	}
	for channel, n := range sum.QueuedByChannel {
		ch <- prometheus.MustNewConstMetric(m.queueDesc, prometheus.GaugeValue, float64(n), channel)
	}
	for risk, n := range map[string]int{"on_time": sum.OpenOnTime, "at_risk": sum.OpenAtRisk, "late": sum.OpenLate} {
		ch <- prometheus.MustNewConstMetric(m.openDesc, prometheus.GaugeValue, float64(n), risk)
	}
	for outcome, n := range map[string]int{"handed_on_time": sum.HandedOnTime, "handed_late": sum.HandedLate,
		"open_past_due": sum.OpenPastDue, "predicted_on_time": sum.PredictedOnTime, "predicted_late": sum.PredictedLate} {
		ch <- prometheus.MustNewConstMetric(m.dueDesc, prometheus.GaugeValue, float64(n), outcome)
	}
	ch <- prometheus.MustNewConstMetric(m.onShiftDesc, prometheus.GaugeValue, float64(sum.PickersOnShift))
	ch <- prometheus.MustNewConstMetric(m.neededDesc, prometheus.GaugeValue, float64(sum.PickersNeeded))
}
