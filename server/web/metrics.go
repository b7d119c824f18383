package web

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pickpack/pickpack/server/floor"
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
}

// FloorMetrics is a Prometheus collector of the floor's figures. It
// follows the durable scan log rather than hooking the scan path, so the
// counts cover every scan in the data file (they survive restarts and
// never miss a scan made through another door), and a scrape costs only
// the scans since the last one.
type FloorMetrics struct {
	src MetricsSource

	mu        sync.Mutex
	lastSeq   uint64
	scans     map[[2]string]uint64 // kind, verdict
	clockN    uint64
	clockSum  float64
	clockBkts map[float64]uint64 // upper bound -> count (cumulative when emitted)
	onTime    uint64
	late      uint64

	scansDesc, clockDesc, handedDesc, ratioDesc, queueDesc *prometheus.Desc
}

// clockBuckets bound the release-to-handoff histogram, in seconds: dense
// around the 15-minute target, where the question "did we make it" is.
var clockBuckets = []float64{120, 300, 480, 600, 720, 840, 900, 960, 1080, 1200, 1800, 3600}

// NewFloorMetrics returns the collector over src; register it with the
// registry /metrics serves.
func NewFloorMetrics(src MetricsSource) *FloorMetrics {
	return &FloorMetrics{src: src, scans: map[[2]string]uint64{}, clockBkts: map[float64]uint64{},
		scansDesc: prometheus.NewDesc("pickpack_scans_total",
			"Scans recorded, by kind (pick, pack, handoff) and verdict.", []string{"kind", "verdict"}, nil),
		clockDesc: prometheus.NewDesc("pickpack_order_clock_seconds",
			"Order clock of handed-off orders: release to handoff.", nil, nil),
		handedDesc: prometheus.NewDesc("pickpack_orders_handed_off_total",
			"Orders handed off, by whether they made their due time.", []string{"on_time"}, nil),
		ratioDesc: prometheus.NewDesc("pickpack_orders_on_time_ratio",
			"Share of handed-off orders that made their due time (absent until the first handoff; use rate() of pickpack_orders_handed_off_total for a window).", nil, nil),
		queueDesc: prometheus.NewDesc("pickpack_queue_depth",
			"Orders waiting in the pick queue (queued, not yet assigned to a picker).", nil, nil),
	}
}

// verdictNames label the verdicts as the API names them, in lower case.
var verdictNames = map[floor.Verdict]string{floor.VerdictRight: "right", floor.VerdictWrongBin: "wrong_bin",
	floor.VerdictWrongItem: "wrong_item", floor.VerdictUnknownBarcode: "unknown_barcode", floor.VerdictOverPick: "over_pick",
	floor.VerdictLineDone: "line_done", floor.VerdictTaskDone: "task_done", floor.VerdictShortRecorded: "short_recorded",
	floor.VerdictOutOfSequence: "out_of_sequence", floor.VerdictWeightMismatch: "weight_mismatch",
	floor.VerdictNothingOpen: "nothing_open"}

// Describe sends the descriptors of every metric.
func (m *FloorMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.scansDesc, m.clockDesc, m.handedDesc, m.ratioDesc, m.queueDesc} {
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
			v, ok := verdictNames[e.Answer.Verdict]
			if !ok {
				v = "unspecified"
			}
			if e.Kind == "handoff" && e.Answer.Reason == "HANDED_OFF" {
				o, err := m.src.Order(e.Answer.Next.OrderID)
				if err != nil {
					return err // retried from this scan at the next scrape
				}
				m.observe(o)
			}
			m.scans[[2]string{e.Kind, v}]++
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
}

// Collect reads the scans since the last scrape and the queue, and sends
// the metrics.
func (m *FloorMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.catchUp(); err != nil {
		ch <- prometheus.NewInvalidMetric(m.scansDesc, err)
	}
	for k, n := range m.scans {
		ch <- prometheus.MustNewConstMetric(m.scansDesc, prometheus.CounterValue, float64(n), k[0], k[1])
	}
	cum := map[float64]uint64{}
	var run uint64
	for _, b := range clockBuckets {
		run += m.clockBkts[b]
		cum[b] = run
	}
	ch <- prometheus.MustNewConstHistogram(m.clockDesc, m.clockN, m.clockSum, cum)
	ch <- prometheus.MustNewConstMetric(m.handedDesc, prometheus.CounterValue, float64(m.onTime), "true")
	ch <- prometheus.MustNewConstMetric(m.handedDesc, prometheus.CounterValue, float64(m.late), "false")
	if n := m.onTime + m.late; n > 0 {
		ch <- prometheus.MustNewConstMetric(m.ratioDesc, prometheus.GaugeValue, float64(m.onTime)/float64(n))
	}
	if q, err := m.src.QueueDepth(); err != nil {
		ch <- prometheus.NewInvalidMetric(m.queueDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(m.queueDesc, prometheus.GaugeValue, float64(q))
	}
}
