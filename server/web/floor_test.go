package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/report"
	"github.com/pickpack/pickpack/server/rpc"
	"github.com/pickpack/pickpack/server/session"
)

// Every supervisor endpoint: no token 401, a forged one 401, pickers and
// packers 403, supervisors and admins 200. The page itself is public.
func TestSupervisorAuth(t *testing.T) {
	e := newEnv(t)
	e.tick(t)
	const forged floor.Role = 99
	e.tokens[forged] = "pp_forged"
	paths := []string{"/api/floor/map", "/api/floor/figures", "/metrics",
		"/reports/shift.csv?from=2026-03-02T06:00:00Z&to=2026-03-02T14:00:00Z",
		"/reports/shift.pdf?from=2026-03-02T06:00:00Z&to=2026-03-02T14:00:00Z",
		"/reports/history.csv?from=2026-03-02T06:00:00Z&to=2026-03-02T14:00:00Z", "/reports/purchase.csv"}
	roles := []struct {
		role floor.Role
		want int
	}{
		{floor.RoleUnspecified, http.StatusUnauthorized}, {forged, http.StatusUnauthorized},
		{floor.RolePicker, http.StatusForbidden}, {floor.RolePacker, http.StatusForbidden},
		{floor.RoleSupervisor, http.StatusOK}, {floor.RoleAdmin, http.StatusOK},
	}
	for _, p := range paths {
		for _, r := range roles {
			if resp, body := e.get(t, p, r.role); resp.StatusCode != r.want {
				t.Errorf("GET %s as %v: %d %q, want %d", p, r.role, resp.StatusCode, body, r.want)
			}
		}
	}
	// The event stream is checked for refusals only: a 200 streams on.
	for _, r := range roles[:4] {
		if resp, _ := e.get(t, "/api/floor/events", r.role); resp.StatusCode != r.want {
			t.Errorf("GET /api/floor/events as %v: %d, want %d", r.role, resp.StatusCode, r.want)
		}
	}
	for _, p := range []string{"/", "/assets/app.js", "/assets/app.css"} {
		resp, body := e.get(t, p, floor.RoleUnspecified)
		if resp.StatusCode != http.StatusOK || len(body) == 0 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: %d, %d bytes, CSP %q", p, resp.StatusCode, len(body), resp.Header.Get("Content-Security-Policy"))
		}
	}
}

func TestShiftReportParameters(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ query, want string }{
		{"", `missing parameter "from"`},
		{"?from=2026-03-02T06:00:00Z", `missing parameter "to"`},
		{"?from=yesterday&to=2026-03-02T14:00:00Z", `parameter "from": "yesterday"`},
		{"?from=2026-03-02T06:00:00Z&to=2026-03-02", `parameter "to": "2026-03-02"`},
		{"?from=2026-03-02T14:00:00Z&to=2026-03-02T06:00:00Z", `parameter "to" (2026-03-02T06:00:00Z) must be after "from"`},
	}
	for _, tt := range tests {
		for _, ext := range []string{"csv", "pdf"} {
			resp, body := e.get(t, "/reports/shift."+ext+tt.query, floor.RoleSupervisor)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tt.want) {
				t.Errorf("shift.%s%s: %d %q, want 400 naming %q", ext, tt.query, resp.StatusCode, body, tt.want)
			}
		}
	}
}

// shift runs a small shift on the fixed clock: ann picks T1 (one unit, with
// one wrong bin scan first), it is packed and handed off 6 minutes after
// release; T2 waits in the queue.
func (e *env) shift(t *testing.T) {
	t.Helper()
	sku := e.skus[0]
	e.submit(t, "T1", floor.OrderLine{SKU: sku, Quantity: 1})
	e.clock.advance(time.Minute)
	e.pickTask(t, "ann", time.Minute)
	e.clock.advance(3 * time.Minute)
	e.packAndHandOff(t, "T1", sku)
	e.submit(t, "T2", floor.OrderLine{SKU: e.skus[1], Quantity: 2})
}

// /metrics parses with Prometheus' own text parser and carries scans by
// verdict, the order clock, the on-time ratio, the queue depth and the RPC
// counts and latencies of calls made through real gRPC.
func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.shift(t)

	// A real gRPC server with the metrics interceptors chained as serve.go does.
	api := rpc.New(e.st, e.hub, e.log)
	g := grpc.NewServer(append(rpc.NewMetrics(e.reg).ServerOptions(), api.ServerOptions()...)...)
	api.Register(g)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	orders := pb.NewOrderServiceClient(conn)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+e.tokens[floor.RoleSupervisor])
	if _, err := orders.GetOrder(ctx, &pb.GetOrderRequest{Id: "T1"}); err != nil {
		t.Fatal(err)
	}
	orders.GetOrder(context.Background(), &pb.GetOrderRequest{Id: "T1"}) // no token: Unauthenticated

	e.tick(t) // the floor's figures: open orders, the queue by channel, the shift
	resp, body := e.get(t, "/metrics", floor.RoleSupervisor)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	value := func(name string, labels map[string]string) (float64, bool) {
		f, ok := fams[name]
		if !ok {
			return 0, false
		}
	next:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue(), true
			case m.Gauge != nil:
				return m.GetGauge().GetValue(), true
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
		return 0, false
	}
	method := pb.OrderService_GetOrder_FullMethodName
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"pickpack_scans_total", map[string]string{"kind": "pick", "verdict": "wrong_bin"}, 1},
		{"pickpack_scans_total", map[string]string{"kind": "pick", "verdict": "task_done"}, 1},
		// A handoff is named as one, and so is the pack scan that closes the parcel.
		{"pickpack_scans_total", map[string]string{"kind": "handoff", "verdict": "handed_off"}, 1},
		{"pickpack_scans_total", map[string]string{"kind": "pack", "verdict": "packed"}, 1},
		{"pickpack_order_clock_seconds", nil, 1},
		{"pickpack_orders_handed_off_total", map[string]string{"on_time": "true"}, 1},
		{"pickpack_orders_handed_off_total", map[string]string{"on_time": "false"}, 0},
		{"pickpack_orders_on_time_ratio", nil, 1},
		{"pickpack_queue_depth", map[string]string{"channel": "shop"}, 1},
		{"pickpack_orders_open", map[string]string{"risk": "on_time"}, 1},
		{"pickpack_orders_open", map[string]string{"risk": "at_risk"}, 0},
		{"pickpack_orders_open", map[string]string{"risk": "late"}, 0},
		{"pickpack_shift_orders_due", map[string]string{"outcome": "handed_on_time"}, 1},
		{"pickpack_shift_orders_due", map[string]string{"outcome": "open_past_due"}, 0},
		{"pickpack_shift_orders_due", map[string]string{"outcome": "predicted_on_time"}, 1},
		{"pickpack_pickers_on_shift", nil, 1},
		{"pickpack_pickers_needed", nil, 0},
		// T1's waybill was queued at the pack station; no printer sent it yet.
		{"pickpack_print_jobs", map[string]string{"state": "queued"}, 1},
		{"pickpack_print_jobs", map[string]string{"state": "unknown"}, 0},
		{"pickpack_print_jobs_sent_total", nil, 0},
		{"pickpack_rpc_calls_total", map[string]string{"method": method, "code": "OK"}, 1},
		{"pickpack_rpc_calls_total", map[string]string{"method": method, "code": "Unauthenticated"}, 1},
		{"pickpack_rpc_duration_seconds", map[string]string{"method": method, "code": "OK"}, 1},
	}
	for _, tt := range tests {
		if got, ok := value(tt.name, tt.labels); !ok || got != tt.want {
			t.Errorf("%s%v = %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if _, ok := value("pickpack_scans_total", map[string]string{"kind": "handoff", "verdict": "task_done"}); ok {
		t.Error("a handoff counted as task_done")
	}
	// The clock histogram puts T1 (6 minutes) in the 8-minute bucket.
	for _, b := range fams["pickpack_order_clock_seconds"].GetMetric()[0].GetHistogram().GetBucket() {
		if want := map[bool]uint64{true: 1, false: 0}[b.GetUpperBound() >= 480]; b.GetCumulativeCount() != want {
			t.Errorf("clock bucket le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}

	// A printer takes the waybill, queued at the pack scan, 2 s from now:
	// the job is sent, and its latency observed, between two scrapes.
	jobs, err := e.st.PrintJobs(true)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("open print jobs %v, %v", jobs, err)
	}
	queuedFor := e.clock.Now().Add(2 * time.Second).Sub(jobs[0].CreatedAt).Seconds()
	if _, err := e.st.StartPrint(jobs[0].ID); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(2 * time.Second)
	if _, err := e.st.FinishPrint(jobs[0].ID, nil, 0); err != nil {
		t.Fatal(err)
	}

	// A second scrape counts only what happened since: no double counting.
	_, body = e.get(t, "/metrics", floor.RoleSupervisor)
	if fams, err = parser.TextToMetricFamilies(bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if got, _ := value("pickpack_scans_total", map[string]string{"kind": "pick", "verdict": "wrong_bin"}); got != 1 {
		t.Errorf("second scrape: wrong_bin scans %v, want 1", got)
	}
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"pickpack_print_jobs", map[string]string{"state": "queued"}, 0},
		{"pickpack_print_jobs_sent_total", nil, 1},
		{"pickpack_print_job_latency_seconds", nil, 1},
	} {
		if got, ok := value(tt.name, tt.labels); !ok || got != tt.want {
			t.Errorf("second scrape: %s%v = %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if got := fams["pickpack_print_job_latency_seconds"].GetMetric()[0].GetHistogram().GetSampleSum(); got != queuedFor {
		t.Errorf("print latency %v s, want %v", got, queuedFor)
	}
}

// The report over HTTP reads the real store: CSV numbers and a PDF whose
// text names the picker.
func TestShiftReportOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.shift(t)
	q := "?from=2026-03-02T06:00:00Z&to=2026-03-02T14:00:00Z"
	resp, body := e.get(t, "/reports/shift.csv"+q, floor.RoleSupervisor)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "shift-20260302T0600Z-20260302T1400Z.csv") {
		t.Fatalf("csv: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	if len(recs) != 3 || recs[1][0] != "ann" || recs[2][0] != report.Total {
		t.Fatalf("rows %v, want ann and ALL", recs)
	}
	for _, c := range []struct{ row, col, want string }{
		{"ann", "orders", "1"}, {"ann", "handed_off", "1"}, {"ann", "on_time_pct", "100.0"}, {"ann", "units_picked", "1"},
		{"ann", "wrong_scans", "1"}, {"ann", "mean_clock_s", "360"}, {"ALL", "orders", "2"}, {"ALL", "lines", "2"},
	} {
		row := recs[1]
		if c.row == "ALL" {
			row = recs[2]
		}
		if got := row[col[c.col]]; got != c.want {
			t.Errorf("%s %s = %s, want %s", c.row, c.col, got, c.want)
		}
	}

	resp, body = e.get(t, "/reports/shift.pdf"+q, floor.RoleAdmin)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %v", resp.StatusCode, resp.Header)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	path := filepath.Join(t.TempDir(), "shift.pdf")
	os.WriteFile(path, body, 0o600)
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), report.Title) || !strings.Contains(string(out), "ann") {
		t.Errorf("PDF text lacks the title or the picker:\n%s", out)
	}
}

// The figures and the map as the page reads them.
func TestFiguresAndMap(t *testing.T) {
	e := newEnv(t)
	e.shift(t)
	e.submit(t, "T3", floor.OrderLine{SKU: e.skus[2], Quantity: 1})
	if _, _, err := e.st.NextTask("ann"); err != nil { // an open task: a route on the map
		t.Fatal(err)
	}
	e.tick(t)
	_, body := e.get(t, "/api/floor/figures", floor.RoleSupervisor)
	var f figuresJSON
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatal(err)
	}
	if f.HandedOff != 1 || f.OnTimePct == nil || *f.OnTimePct != 100 || f.HandedOnTime != 1 || f.MeanClockS != 360 || f.P90ClockS != 360 ||
		len(f.Released) != 1 || f.Released[0].Picker != "ann" || f.Released[0].UnitsPerBusyHour <= 0 ||
		len(f.Pickers) != 1 || f.Pickers[0].Picker != "ann" || f.Pickers[0].ShiftPicks != 1 || !f.From.Equal(shiftStart) {
		t.Errorf("figures %s", body)
	}
	_, body = e.get(t, "/api/floor/map", floor.RoleSupervisor)
	var m mapJSON
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Aisles) == 0 || len(m.CrossAisles) == 0 || len(m.Routes) != 1 || m.Routes[0].Picker != "ann" ||
		len(m.Routes[0].Path) < 3 || len(m.Pickers) != 1 || m.Pickers[0].Task == "" {
		t.Errorf("map: %d aisles, %d cross aisles, routes %+v, pickers %+v", len(m.Aisles), len(m.CrossAisles), m.Routes, m.Pickers)
	}
	// Paths keep to aisles and cross aisles: every leg is straight.
	for _, r := range m.Routes {
		for i := 1; i < len(r.Path); i++ {
			a, b := r.Path[i-1], r.Path[i]
			if a[0] != b[0] && a[1] != b[1] {
				t.Errorf("route leg %v -> %v cuts across the shelves", a, b)
			}
		}
	}
}

// The event stream: the full picture, "ready" with the server's time,
// then changes as the hub sees them.
func TestEventStream(t *testing.T) {
	e := newEnv(t)
	// ann takes T0, too large to batch: T1 waits in the queue for her.
	e.submit(t, "T0", floor.OrderLine{SKU: e.skus[1], Quantity: 5})
	e.submit(t, "T1", floor.OrderLine{SKU: e.skus[0], Quantity: 1})
	if task, _, err := e.st.NextTask("ann"); err != nil || len(task.Orders) != 1 || task.Orders[0].OrderID != "T0" {
		t.Fatalf("ann's task %+v, %v: want T0 alone", task, err)
	}
	e.tick(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a guard, not a wait
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/floor/events", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[floor.RoleSupervisor])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	next := func() (string, string) {
		var name, data string
		for sc.Scan() {
			line := sc.Text()
			if line == "" && name != "" {
				return name, data
			}
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				name = v
			}
			if v, ok := strings.CutPrefix(line, "data: "); ok {
				data = v
			}
		}
		t.Fatalf("stream ended: %v", sc.Err())
		return "", ""
	}
	var got []string
	for {
		name, data := next()
		got = append(got, name)
		if name == "ready" {
			if !strings.Contains(data, `"now":"2026-03-02T06:00:00Z"`) {
				t.Errorf("ready %s: want the fixed clock's time", data)
			}
			break
		}
		if name == "order" && strings.Contains(data, `"id":"T1"`) && !strings.Contains(data, `"risk":"on-time"`) {
			t.Errorf("snapshot order %s: want T1 on time", data)
		}
	}
	if got[0] != "order" || got[len(got)-1] != "ready" || !slices.Contains(got, "summary") {
		t.Errorf("snapshot events %v: want the clocks first, the shift's summary, ready last", got)
	}
	// Eleven minutes on and ann has not scanned: she is still as far
	// from done, so T1, behind her, can no longer make its due time.
	e.clock.advance(11 * time.Minute)
	e.tick(t)
	for {
		name, data := next()
		if name == "order" && strings.Contains(data, `"id":"T1"`) {
			if !strings.Contains(data, `"risk":"at-risk"`) {
				t.Errorf("change %s: want T1 at risk", data)
			}
			return
		}
	}
}

// Over HTTP/2 the connection cannot be taken over: the response carries
// the stream, the same events, and the client's leaving ends it.
func TestEventStreamHTTP2(t *testing.T) {
	e := newEnv(t)
	e.submit(t, "T1", floor.OrderLine{SKU: e.skus[0], Quantity: 1})
	e.tick(t)
	site := &Server{Auth: e.st, Log: e.log, Floor: e.hub, Data: e.st, Clock: e.clock, Heartbeat: time.Hour,
		Streams: session.New(e.st, session.DefaultLimits)}
	srv := httptest.NewUnstartedServer(site.Handler())
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard, not a wait
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/floor/events", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[floor.RoleSupervisor])
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%s, content type %q: want HTTP/2 and an event stream", resp.Proto, resp.Header.Get("Content-Type"))
	}
	s := &eventStream{resp: resp, sc: bufio.NewScanner(resp.Body)}
	var got []string
	for len(got) == 0 || got[len(got)-1] != "ready" {
		name, err := s.next()
		if err != nil {
			t.Fatalf("stream ended before ready: %v (after %v)", err, got)
		}
		got = append(got, name)
	}
	if got[0] != "order" {
		t.Errorf("picture %v: want T1's clock first", got)
	}
	// No picker is on shift: T1 is at risk from the start, and late once
	// its due time passes.
	e.clock.advance(16 * time.Minute)
	e.tick(t)
	if name, err := s.next(); name != "order" || err != nil {
		t.Errorf("after a change: %q, %v; want T1's clock", name, err)
	}
	resp.Body.Close()
	for site.Streams.Count(session.KindWatch) != 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the stream outlived its client")
		case <-time.After(time.Millisecond): // polls a condition that must come
		}
	}
}
