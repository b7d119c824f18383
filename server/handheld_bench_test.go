package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// BenchmarkHandheldScanToVerdict measures, in headless Chromium on
// loopback, the time from a scan's Enter to its verdict drawn on the
// screen, as the app itself marks it (performance.measure
// "scan-to-verdict": from the Enter's keydown to the frame after the
// verdict's DOM change). The picker follows the instructions through
// whole tasks (totes, bins, items, drop-off); b.N scans in all. It also
// logs where each scan's time goes, from the call's resource timing: until
// the request leaves the browser, the request to its response (loopback
// and server), the response to the answer in the app, and the answer to
// its frame drawn:
//
//	go test -run '^$' -bench HandheldScanToVerdict -benchtime 200x ./server/
func BenchmarkHandheldScanToVerdict(b *testing.B) {
	s := startDemo(b)
	conn := s.dial(b)
	codes := &barcodes{t: b, ws: pb.NewWarehouseServiceClient(conn), admin: s.tokens["admin"], of: map[string]string{}}
	p := newPhone(b, s)
	p.open(s.tokens["picker"])
	p.wait("a task", `['TOTE', 'BIN'].includes(document.getElementById('work').dataset.expect)`)
	// Room for every call's resource timing (the default keeps 250).
	eval[bool](p, `performance.clearMeasures(), performance.clearResourceTimings(), performance.setResourceTimingBufferSize(4 * `+strconv.Itoa(b.N)+` + 100), true`)
	tote := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := p.work()
		var code string
		switch w["expect"] {
		case "TOTE":
			tote++
			code = fmt.Sprintf("TOTE-%04d", tote)
		case "BIN":
			code = w["bin"]
		case "ITEM":
			code = codes.code(w["sku"])
		case "DROP_OFF":
			code = "DROP-PACK1"
		default:
			b.StopTimer()
			p.do(chromedp.Click("#act-next-task"))
			p.wait("the next task", `['TOTE', 'BIN'].includes(document.getElementById('work').dataset.expect)`)
			b.StartTimer()
			i--
			continue
		}
		before := p.verdictSeq()
		p.scanKeys(code)
		p.nextVerdict(before, code)
		if w["expect"] == "DROP_OFF" {
			p.wait("the next task", `['TOTE', 'BIN', 'NOTHING'].includes(document.getElementById('work').dataset.expect)`)
		}
	}
	b.StopTimer()
	p.wait("every verdict measured", fmt.Sprintf(`performance.getEntriesByName('scan-to-verdict').length >= %d`, b.N))
	// Whether the scans went past the service worker (its static route
	// for the API): Chromium names the source each request matched.
	b.Logf("the last scans' route (network: past the service worker): %s", eval[string](p,
		`performance.getEntriesByType('resource').filter(e => e.name.includes('ScanOne')).slice(-5).map(e => e.workerMatchedSourceType || (e.workerStart > 0 ? 'worker' : 'none')).join(' ')`))
	verdict := measures(b, p, "scan-to-verdict")
	answer := measures(b, p, "scan-to-answer")
	// Where a scan's time goes, from the page's own timings: the scan's
	// call in the resource timing, matched to its measures by start time.
	var parts [][4]float64
	if err := json.Unmarshal([]byte(eval[string](p, `JSON.stringify((() => {
		const calls = performance.getEntriesByType('resource').filter(e => e.name.includes('ScanOne'));
		const drawn = new Map(performance.getEntriesByName('scan-to-verdict').map(e => [e.startTime, e.startTime + e.duration]));
		return performance.getEntriesByName('scan-to-answer').flatMap(a => {
			const end = a.startTime + a.duration, c = calls.find(c => c.startTime >= a.startTime && c.responseEnd <= end);
			if (!c || !drawn.has(a.startTime)) return [];
			return [[c.requestStart - a.startTime, c.responseEnd - c.requestStart, end - c.responseEnd, drawn.get(a.startTime) - end]];
		});
	})())`)), &parts); err != nil {
		b.Fatal(err)
	}
	if len(parts) > 0 {
		var split []string
		for i, name := range []string{"Enter to request sent (app, fetch)", "request to response (loopback, server)", "response to answer in the app", "answer to its frame"} {
			col := make([]float64, len(parts))
			for j, p := range parts {
				col[j] = p[i]
			}
			slices.Sort(col)
			split = append(split, fmt.Sprintf("%s p50 %.1f p99 %.1f", name, quantile(col, 0.5), quantile(col, 0.99)))
		}
		b.Logf("where the time goes, %d scans (ms): %s", len(parts), strings.Join(split, "; "))
	}
	b.ReportMetric(quantile(verdict, 0.50), "p50-ms")
	b.ReportMetric(quantile(verdict, 0.99), "p99-ms")
	b.ReportMetric(quantile(answer, 0.99), "answer-p99-ms")
	b.Logf("over %d scans: scan-to-verdict p50 %.1f ms, p99 %.1f ms, max %.1f ms; of which scan-to-answer (link and server) p50 %.1f ms, p99 %.1f ms",
		len(verdict), quantile(verdict, 0.5), quantile(verdict, 0.99), verdict[len(verdict)-1], quantile(answer, 0.5), quantile(answer, 0.99))
}

// measures reads the page's performance measures of a name, sorted.
func measures(b *testing.B, p *phone, name string) []float64 {
	var ms []float64
	if err := json.Unmarshal([]byte(eval[string](p, `JSON.stringify(performance.getEntriesByName('`+name+`').map(e => e.duration))`)), &ms); err != nil {
		b.Fatal(err)
	}
	if len(ms) == 0 {
		b.Fatalf("no %s measured", name)
	}
	slices.Sort(ms)
	return ms
}

// quantile is the q-quantile of sorted values (nearest rank).
func quantile(sorted []float64, q float64) float64 {
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}
