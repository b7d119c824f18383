package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pickpack/pickpack/server/feed"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/report"
	"github.com/pickpack/pickpack/server/session"
	"github.com/pickpack/pickpack/server/store"
)

// Watcher is the live floor view (a *feed.Hub).
type Watcher interface {
	Watch(ctx context.Context) *feed.Watch
	Pickers() []floor.PickerStatus
	// Summary is the current shift's figures as of the feed's last look.
	Summary() floor.FloorSummary
}

// watchBatch is how many events the event stream takes from the feed at a
// time, and writes before one flush; a stalled stream holds one batch
// (events shared with every watcher).
const watchBatch = 32

// Data is the store as the page and the reports read it.
type Data interface {
	BinMap() (*floor.BinMap, error)
	Floor() (store.FloorState, error)
	ReportData(from, to time.Time) (store.ReportData, error)
}

var unavailable = floor.E("floor view", floor.KindUnavailable, "the floor feed is not running on this server")

// riskNames are the CSS classes of the page's clocks.
var riskNames = map[floor.Risk]string{floor.RiskOnTime: "on-time", floor.RiskAtRisk: "at-risk", floor.RiskLate: "late"}

var alertNames = map[floor.AlertKind]string{floor.AlertPredictedLate: "predicted-late", floor.AlertNoPickerFree: "no-picker-free",
	floor.AlertPickerIdle: "picker-idle", floor.AlertPickerStuck: "picker-stuck", floor.AlertShortPick: "short-pick",
	floor.AlertQueueLate: "queue-late"}

// orderJSON is an order clock on the page. Times are absolute so the page
// counts down on its own between events.
type orderJSON struct {
	ID          string     `json:"id"`
	State       string     `json:"state"`
	Open        bool       `json:"open"`
	Picker      string     `json:"picker,omitempty"`
	Task        string     `json:"task,omitempty"`
	ReleasedAt  time.Time  `json:"releasedAt"`
	DueAt       time.Time  `json:"dueAt"`
	PredictedAt *time.Time `json:"predictedAt"` // null: no picker on shift to predict with
	HandedOffAt *time.Time `json:"handedOffAt,omitempty"`
	Risk        string     `json:"risk"`
	SlackS      *float64   `json:"slackS"` // null with predictedAt
	// Reason says why a queued order is predicted when it is ("no picker
	// free before 09:07", "no picker on shift").
	Reason string `json:"reason,omitempty"`
	// PredictedAtAssignment is the handoff predicted when it was assigned.
	PredictedAtAssignment *time.Time `json:"predictedAtAssignment,omitempty"`
	// RaisedAt is when a supervisor raised its priority (queued orders).
	RaisedAt *time.Time `json:"raisedAt,omitempty"`
}

type pickerJSON struct {
	Picker        string     `json:"picker"`
	Task          string     `json:"task,omitempty"`
	LastBin       string     `json:"lastBin,omitempty"`
	LastScanAt    *time.Time `json:"lastScanAt,omitempty"`
	PicksLastHour int        `json:"picksLastHour"`
	IdleS         float64    `json:"idleS"`
	AtStopS       float64    `json:"atStopS"`
	OnShift       bool       `json:"onShift"`
}

type alertJSON struct {
	Kind    string    `json:"kind"`
	Order   string    `json:"order,omitempty"`
	Picker  string    `json:"picker,omitempty"`
	Bin     string    `json:"bin,omitempty"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
	// PickersNeeded (queue-late) is how many pickers would bring the
	// queue back on time; Count is how many orders an alert is about.
	PickersNeeded int `json:"pickersNeeded,omitempty"`
	Count         int `json:"count,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// sse turns one feed event into its server-sent event name and data.
func sse(e feed.Event) (string, any) {
	switch {
	case e.Order != nil:
		c := e.Order
		risk := riskNames[c.Risk]
		if !c.State.Open() {
			risk = "closed"
		}
		oj := orderJSON{ID: c.OrderID, State: c.State.String(), Open: c.State.Open(), Picker: c.Picker, Task: c.TaskID,
			ReleasedAt: c.ReleasedAt, DueAt: c.DueAt, PredictedAt: optTime(c.PredictedHandoffAt), HandedOffAt: optTime(c.HandedOffAt),
			Risk: risk, Reason: c.Reason, PredictedAtAssignment: optTime(c.PredictedAtAssignment), RaisedAt: optTime(c.RaisedAt)}
		if !c.PredictedHandoffAt.IsZero() {
			slack := c.Slack().Seconds()
			oj.SlackS = &slack
		}
		return "order", oj
	case e.Picker != nil:
		p := e.Picker
		return "picker", pickerJSON{Picker: p.Picker, Task: p.TaskID, LastBin: p.LastBin, LastScanAt: optTime(p.LastScanAt),
			PicksLastHour: p.PicksLastHour, IdleS: p.Idle.Seconds(), AtStopS: p.AtStop.Seconds(), OnShift: p.OnShift}
	case e.Summary != nil:
		return "summary", summaryOf(*e.Summary)
	default:
		a := e.Alert
		return "alert", alertJSON{Kind: alertNames[a.Kind], Order: a.OrderID, Picker: a.Picker, Bin: a.Bin, Message: a.Message, At: a.At,
			PickersNeeded: a.PickersNeeded, Count: a.Count}
	}
}

// summaryJSON is the shift's figures, as the "summary" event and in
// /api/floor/figures. Every order due in the shift counts once: handed
// off on time or late, open past due, or open and due later (predicted
// on time or late); cancelled orders are not counted.
type summaryJSON struct {
	At         time.Time `json:"at"`
	ShiftStart time.Time `json:"shiftStart"` // the shift is defined by its start (--shifts)
	ShiftEnd   time.Time `json:"shiftEnd"`
	ShiftLabel string    `json:"shiftLabel"` // "06:00–14:00" in the site's time zone
	// Orders due in the shift so far, and the on-time share of them:
	// open past due counts as late. Null: none due yet.
	HandedOnTime int      `json:"handedOnTime"`
	HandedLate   int      `json:"handedLate"`
	OpenPastDue  int      `json:"openPastDue"`
	OnTimePct    *float64 `json:"onTimePct"`
	// Open orders due later in the shift by their prediction, and the
	// share on time so far or predicted on time of the whole shift.
	PredictedOnTime int      `json:"predictedOnTime"`
	PredictedLate   int      `json:"predictedLate"`
	OutlookPct      *float64 `json:"outlookPct"`
	// Every open order by its clock's risk, and the queue.
	OpenOnTime      int            `json:"openOnTime"`
	OpenAtRisk      int            `json:"openAtRisk"`
	OpenLate        int            `json:"openLate"`
	Queued          int            `json:"queued"`
	QueuedByChannel map[string]int `json:"queuedByChannel"`
	PickersOnShift  int            `json:"pickersOnShift"`
	PickersNeeded   int            `json:"pickersNeeded"` // 0: the queue is on time
	// Accepted pick scans: since the shift's start, per hour of the shift
	// so far, and in the last hour.
	ShiftPicks        int                 `json:"shiftPicks"`
	ShiftPicksPerHour float64             `json:"shiftPicksPerHour"`
	LastHourPicks     int                 `json:"lastHourPicks"`
	Pickers           []summaryPickerJSON `json:"pickers"`
}

type summaryPickerJSON struct {
	Picker            string  `json:"picker"`
	ShiftPicks        int     `json:"shiftPicks"`
	ShiftPicksPerHour float64 `json:"shiftPicksPerHour"`
	LastHourPicks     int     `json:"lastHourPicks"`
	HandedOnTime      int     `json:"handedOnTime"`
	HandedLate        int     `json:"handedLate"`
}

func optPct(p float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	p = math.Round(p*10) / 10
	return &p
}

func summaryOf(s floor.FloorSummary) summaryJSON {
	perHour := func(n int) float64 { return math.Round(s.PerHour(n)*10) / 10 }
	out := summaryJSON{At: s.At, ShiftStart: s.ShiftStart, ShiftEnd: s.ShiftEnd, ShiftLabel: s.ShiftLabel,
		HandedOnTime: s.HandedOnTime, HandedLate: s.HandedLate, OpenPastDue: s.OpenPastDue, OnTimePct: optPct(s.OnTimePercent()),
		PredictedOnTime: s.PredictedOnTime, PredictedLate: s.PredictedLate, OutlookPct: optPct(s.OutlookPercent()),
		OpenOnTime: s.OpenOnTime, OpenAtRisk: s.OpenAtRisk, OpenLate: s.OpenLate, Queued: s.Queued,
		QueuedByChannel: map[string]int{}, PickersOnShift: s.PickersOnShift, PickersNeeded: s.PickersNeeded,
		ShiftPicks: s.ShiftPicks, ShiftPicksPerHour: perHour(s.ShiftPicks), LastHourPicks: s.LastHourPicks,
		Pickers: []summaryPickerJSON{}}
	for ch, n := range s.QueuedByChannel {
		out.QueuedByChannel[ch] = n
	}
	for _, p := range s.Pickers {
		out.Pickers = append(out.Pickers, summaryPickerJSON{Picker: p.Picker, ShiftPicks: p.ShiftPicks,
			ShiftPicksPerHour: perHour(p.ShiftPicks), LastHourPicks: p.LastHourPicks,
			HandedOnTime: p.HandedOnTime, HandedLate: p.HandedLate})
	}
	return out
}

// events streams the floor as server-sent events: the full picture, then
// "ready" with the server's time, then changes, each batch followed by a
// "tick" with the time, and a "tick" every Heartbeat when idle. The page
// reads it with fetch() rather than EventSource so the token travels in
// the Authorization header, never in a URL (and so never in access logs or
// browser history). A slow reader gets the latest state of what changed,
// not every state in between. The stream ends when the watch does: the
// token was revoked, a newer stream of the user took its place, it fell
// behind or the server is stopping; the page reconnects for a fresh
// picture. Too many open streams are refused with 429.
//
// On HTTP/1.1 the stream takes the connection over from the HTTP server
// and runs on a goroutine of its own: the server's goroutine for the
// connection, the one reading it and their buffers are gone, and the
// events (shared by every stream) are written with one writev per batch
// from no buffer of the stream's own. A stream then costs a few KiB
// however slowly its client reads. On HTTP/2 the response carries it.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if s.Floor == nil {
		s.fail(w, r, unavailable)
		return
	}
	who, _ := r.Context().Value(callerKey{}).(callerOf)
	// On HTTP/1.1 the stream outlives this handler: the end of the
	// request must not end it.
	ctx, release, err := s.Streams.Open(context.WithoutCancel(r.Context()), session.KindWatch, who.user.Name, who.token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	watch := s.Floor.Watch(ctx)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not hold events back
	rc := http.NewResponseController(w)
	conn, _, err := rc.Hijack()
	switch {
	case errors.Is(err, http.ErrNotSupported):
		defer release()
		defer watch.Stop()
		defer context.AfterFunc(r.Context(), watch.Stop)() // the client went away
		// A client that does not read blocks a write until the buffers
		// drain; when the watch ends, an expired deadline fails that write.
		defer expireOnEnd(watch.Context(), rc.SetWriteDeadline)()
		w.WriteHeader(http.StatusOK)
		s.pump(ctx, watch, &responseOut{w: w, rc: rc})
	case err != nil:
		watch.Stop()
		release()
		s.Log.ErrorContext(r.Context(), "floor events", "err", err)
	default:
		if tcp, ok := conn.(interface{ SetWriteBuffer(int) error }); ok { // *net.TCPConn
			tcp.SetWriteBuffer(streamSendBuffer)
		}
		// The body runs until the connection closes: no length, no chunks.
		h := w.Header().Clone()
		h.Set("Connection", "close")
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		head := bytes.NewBufferString("HTTP/1.1 200 OK\r\n")
		h.Write(head)
		head.WriteString("\r\n")
		out := &connOut{conn: conn}
		out.add(head.Bytes())
		go func() {
			defer release()
			defer watch.Stop()
			defer conn.Close()
			defer expireOnEnd(watch.Context(), conn.SetWriteDeadline)()
			s.pump(ctx, watch, out)
		}()
	}
}

// expireOnEnd sets an expired write deadline when ctx ends, failing a
// write blocked by a client that does not read, until the returned stop
// is called; once stop has returned the deadline is left alone (a
// response may not be touched after its handler returned).
func expireOnEnd(ctx context.Context, set func(time.Time) error) (stop func()) {
	var mu sync.Mutex
	done := false
	after := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			set(time.Now())
		}
	})
	return func() {
		after()
		mu.Lock()
		done = true
		mu.Unlock()
	}
}

// pump writes the watch's events to out until the watch ends or a write
// fails.
func (s *Server) pump(ctx context.Context, watch *feed.Watch, out eventOut) {
	clock := func(name string) bool {
		data, err := json.Marshal(map[string]time.Time{"now": s.now()})
		if err != nil {
			s.Log.ErrorContext(ctx, "floor event", "err", err)
			return true
		}
		out.add(fmt.Appendf(nil, "event: %s\ndata: %s\n\n", name, data))
		return out.flush() == nil
	}
	every := s.Heartbeat
	if every <= 0 {
		every = 15 * time.Second
	}
	beat := time.NewTicker(every)
	defer beat.Stop()
	pictured := false
	for {
		events, done := watch.Next(watchBatch)
		for _, e := range events {
			// Each event is written out once for all the streams.
			out.add(e.Memo(sseKey{}, func() any { return sseText(e) }).([]byte))
		}
		ok := true
		switch {
		case done && !pictured:
			pictured = true
			ok = clock("ready")
		case len(events) > 0 && pictured:
			// The time with every batch keeps the page's countdowns on
			// the server's clock, whatever the browser's clock says.
			ok = clock("tick")
		case len(events) > 0:
			ok = out.flush() == nil
		}
		if !ok {
			return
		}
		if len(events) == watchBatch || !done {
			continue
		}
		select {
		case <-watch.Context().Done():
			return
		case <-beat.C:
			if !clock("tick") {
				return
			}
		case <-watch.Ready():
		}
	}
}

// eventOut is where an event stream writes.
type eventOut interface {
	// add queues bytes to write; they are not modified or kept after
	// the next flush.
	add(b []byte)
	// flush writes what was queued.
	flush() error
}

// connOut writes to a connection taken over from the HTTP server: a
// batch's events, shared by every stream, go out in one writev.
type connOut struct {
	conn net.Conn
	bufs net.Buffers
}

func (o *connOut) add(b []byte) { o.bufs = append(o.bufs, b) }

func (o *connOut) flush() error {
	b := o.bufs // WriteTo consumes its receiver
	_, err := b.WriteTo(o.conn)
	clear(o.bufs)
	o.bufs = o.bufs[:0]
	return err
}

// responseOut writes to a response (HTTP/2).
type responseOut struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

func (o *responseOut) add(b []byte) {
	if o.err == nil {
		_, o.err = o.w.Write(b)
	}
}

func (o *responseOut) flush() error {
	if o.err != nil {
		return o.err
	}
	return o.rc.Flush()
}

type sseKey struct{}

// streamSendBuffer is the kernel's send buffer of an event stream's
// connection. Linux grows a socket's buffer up to 4 MiB while the peer
// does not read: 500 stalled clients held 800 MB of the machine's memory.
// 64 KiB (128 KiB as the kernel counts) still carries a busy floor's
// picture at a few MB/s across a WAN.
const streamSendBuffer = 64 << 10

// sseText is one feed event as a server-sent event.
func sseText(e feed.Event) []byte {
	name, v := sse(e)
	data, err := json.Marshal(v)
	if err != nil {
		return nil // a time past year 9999: the event is left out
	}
	return fmt.Appendf(nil, "event: %s\ndata: %s\n\n", name, data)
}

func (s *Server) writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

// mapJSON is the warehouse map: the layout, each picker's last position
// and the open tasks' routes, in floor metres (X across aisles, Y along).
type mapJSON struct {
	Warehouse   string         `json:"warehouse"`
	Depot       [2]float64     `json:"depot"`
	Aisles      []aisleJSON    `json:"aisles"`
	CrossAisles []float64      `json:"crossAisles"`
	Pickers     []positionJSON `json:"pickers"`
	Routes      []routeJSON    `json:"routes"`
	Bounds      [4]float64     `json:"bounds"` // minX, minY, maxX, maxY
}

type aisleJSON struct {
	ID   string  `json:"id"`
	Zone string  `json:"zone,omitempty"` // from its bins' codes (zoneOf); "" if none or mixed
	X    float64 `json:"x"`
	MinY float64 `json:"minY"` // the shelving's extent, where bins are
	MaxY float64 `json:"maxY"`
}

type positionJSON struct {
	Picker string     `json:"picker"`
	Bin    string     `json:"bin,omitempty"`
	At     [2]float64 `json:"at"`
	Task   string     `json:"task,omitempty"`
}

type routeJSON struct {
	Task   string       `json:"task"`
	Picker string       `json:"picker"`
	Path   [][2]float64 `json:"path"` // along aisles and cross aisles
	Stops  []stopJSON   `json:"stops"`
}

type stopJSON struct {
	Bin  string     `json:"bin"`
	At   [2]float64 `json:"at"`
	Done bool       `json:"done"`
}

func (s *Server) floorMap(w http.ResponseWriter, r *http.Request) {
	if s.Floor == nil || s.Data == nil {
		s.fail(w, r, unavailable)
		return
	}
	m, err := s.Data.BinMap()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.Data.Floor()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, buildMap(m, st, s.Floor.Pickers()))
}

func buildMap(m *floor.BinMap, st store.FloorState, pickers []floor.PickerStatus) mapJSON {
	out := mapJSON{Warehouse: m.Warehouse, Depot: [2]float64{m.Depot.X, m.Depot.Y}, CrossAisles: m.CrossAisles,
		Pickers: []positionJSON{}, Routes: []routeJSON{}}
	ext := map[string][2]float64{}
	zones := map[string]string{} // aisle -> zone of its bins, "\x00" when they differ
	faces := map[string]floor.Point{}
	xs := map[string]float64{}
	for _, a := range m.Aisles {
		xs[a.ID] = a.X
	}
	for _, b := range m.Bins {
		faces[b.Code] = floor.Point{X: xs[b.Aisle], Y: b.Y}
		e, ok := ext[b.Aisle]
		if !ok {
			e = [2]float64{b.Y, b.Y}
		}
		ext[b.Aisle] = [2]float64{math.Min(e[0], b.Y), math.Max(e[1], b.Y)}
		z := zoneOf(m.CodeScheme, b.Code)
		if prev, seen := zones[b.Aisle]; seen && prev != z {
			z = "\x00"
		}
		zones[b.Aisle] = z
	}
	minX, minY, maxX, maxY := m.Depot.X, m.Depot.Y, m.Depot.X, m.Depot.Y
	grow := func(x, y float64) {
		minX, maxX, minY, maxY = math.Min(minX, x), math.Max(maxX, x), math.Min(minY, y), math.Max(maxY, y)
	}
	for _, a := range m.Aisles {
		e := ext[a.ID]
		z := zones[a.ID]
		if z == "\x00" {
			z = ""
		}
		out.Aisles = append(out.Aisles, aisleJSON{ID: a.ID, Zone: z, X: a.X, MinY: e[0], MaxY: e[1]})
		grow(a.X, e[0])
		grow(a.X, e[1])
	}
	for _, y := range m.CrossAisles {
		grow(minX, y)
	}
	out.Bounds = [4]float64{minX, minY, maxX, maxY}

	busy := map[string]string{}
	for _, t := range st.Tasks {
		if t.Done {
			continue
		}
		busy[t.Picker] = t.ID
		rt := routeJSON{Task: t.ID, Picker: t.Picker}
		points := []floor.Point{m.Depot}
		for _, stop := range t.Stops {
			p, ok := faces[stop.Bin]
			if !ok {
				continue
			}
			points = append(points, p)
			rt.Stops = append(rt.Stops, stopJSON{Bin: stop.Bin, At: [2]float64{p.X, p.Y}, Done: stop.Remaining() == 0})
		}
		points = append(points, m.Depot)
		rt.Path = walk(m.CrossAisles, points)
		out.Routes = append(out.Routes, rt)
	}
	for _, p := range pickers {
		pos := positionJSON{Picker: p.Picker, Bin: p.LastBin, At: [2]float64{m.Depot.X, m.Depot.Y}, Task: busy[p.Picker]}
		if f, ok := faces[p.LastBin]; ok {
			pos.At = [2]float64{f.X, f.Y}
		}
		out.Pickers = append(out.Pickers, pos)
	}
	return out
}

// zoneOf reads the zone from a bin code when the warehouse's code scheme
// starts with it: letter placeholders up to the first literal character
// ("A-99-999-9", ZONE-AISLE-BAY-LEVEL: "A-03-012-2" is in zone A). Other
// schemes name no zone, and the map shows none.
func zoneOf(scheme, code string) string {
	if scheme == "" {
		scheme = floor.DefaultCodeScheme
	}
	n := 0
	for n < len(scheme) && scheme[n] == 'A' {
		n++
	}
	if n == 0 || n == len(scheme) || n > len(code) || strings.ContainsRune("9X", rune(scheme[n])) {
		return ""
	}
	return code[:n]
}

// walk draws a path through points that keeps to the aisles: between two
// aisles it changes over at the cross aisle that makes the shortest detour,
// as a picker walks. It is for the eye; the planner's metres are exact.
func walk(cross []float64, points []floor.Point) [][2]float64 {
	var out [][2]float64
	add := func(x, y float64) {
		if n := len(out); n > 0 && out[n-1] == [2]float64{x, y} {
			return
		}
		out = append(out, [2]float64{x, y})
	}
	for i, p := range points {
		if i > 0 {
			a := points[i-1]
			if a.X != p.X && len(cross) > 0 {
				best := cross[0]
				for _, c := range cross {
					if math.Abs(a.Y-c)+math.Abs(p.Y-c) < math.Abs(a.Y-best)+math.Abs(p.Y-best) {
						best = c
					}
				}
				add(a.X, best)
				add(p.X, best)
			}
		}
		add(p.X, p.Y)
	}
	return out
}

// figuresJSON are the shift's figures on the page: the current shift's
// summary (orders by due time, the queue, picks; see summaryJSON) and,
// over [from, to), the orders released with their clocks and the time
// model's error.
type figuresJSON struct {
	summaryJSON
	From       time.Time `json:"from"` // the shift's start unless asked otherwise
	To         time.Time `json:"to"`
	Orders     int       `json:"orders"`    // released in [from, to)
	HandedOff  int       `json:"handedOff"` // of those
	MeanClockS float64   `json:"meanClockS"`
	P90ClockS  float64   `json:"p90ClockS"`
	// Prediction compares the handoff predicted at assignment with the
	// actual one over the handed-off orders released in [from, to).
	Prediction predictionJSON `json:"prediction"`
	Released   []pickerFigs   `json:"released"` // per picker, over [from, to)
}

// predictionJSON is the time model's error; the figures are null with no
// prediction to compare.
type predictionJSON struct {
	Orders  int      `json:"orders"`
	MAPEPct *float64 `json:"mapePct"` // mean absolute percentage error
	BiasS   *float64 `json:"biasS"`   // mean actual - predicted: + later than predicted
	BiasPct *float64 `json:"biasPct"` // the same in percent of the actual
}

func predictionOf(p report.PredictionError) predictionJSON {
	out := predictionJSON{Orders: p.Orders}
	if p.Orders > 0 {
		out.MAPEPct = optPct(p.MAPE, true)
		out.BiasPct = optPct(p.BiasPercent, true)
		b := math.Round(p.Bias.Seconds())
		out.BiasS = &b
	}
	return out
}

type pickerFigs struct {
	Picker    string   `json:"picker"`
	Orders    int      `json:"orders"`
	HandedOff int      `json:"handedOff"`
	OnTimePct *float64 `json:"onTimePct"` // of its handed-off orders
	Units     int64    `json:"units"`
	// UnitsPerBusyHour is units over the hours spent on tasks: the pace
	// while picking, unlike shiftPicksPerHour of the summary.
	UnitsPerBusyHour float64        `json:"unitsPerBusyHour"`
	Prediction       predictionJSON `json:"prediction"`
}

func pct(r report.Row) *float64 {
	if p, ok := r.OnTimePercent(); ok {
		return &p
	}
	return nil
}

// figures answers the current shift's figures, and the released orders'
// figures from the shift's start (or from the optional parameter "from")
// up to now.
func (s *Server) figures(w http.ResponseWriter, r *http.Request) {
	to := s.now()
	from := to.Add(-s.shift())
	var sum floor.FloorSummary
	if s.Floor != nil {
		sum = s.Floor.Summary()
		if !sum.ShiftStart.IsZero() {
			from = sum.ShiftStart
		}
	}
	if v := r.URL.Query().Get("from"); v != "" {
		t, err := parseTimeParam("shift figures", "from", v)
		if err == nil {
			err = checkSpan("shift figures", t, to, maxReportSpan)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		from = t
	}
	rep, err := s.report(from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := figuresJSON{summaryJSON: summaryOf(sum), From: from, To: to, Orders: rep.Total.Orders, HandedOff: rep.Total.HandedOff,
		MeanClockS: rep.Total.MeanClock.Seconds(), P90ClockS: rep.Total.P90Clock.Seconds(),
		Prediction: predictionOf(rep.Total.Prediction), Released: []pickerFigs{}}
	for _, p := range rep.Pickers {
		out.Released = append(out.Released, pickerFigs{Picker: p.Picker, Orders: p.Orders, HandedOff: p.HandedOff,
			OnTimePct: pct(p), Units: p.Units, UnitsPerBusyHour: math.Round(p.PicksPerHour()*10) / 10,
			Prediction: predictionOf(p.Prediction)})
	}
	s.writeJSON(w, out)
}

func (s *Server) shift() time.Duration {
	if s.Shift > 0 {
		return s.Shift
	}
	return 8 * time.Hour
}

// report reads the store and builds the report of [from, to).
func (s *Server) report(from, to time.Time) (report.Report, error) {
	if s.Data == nil {
		return report.Report{}, unavailable
	}
	d, err := s.Data.ReportData(from, to)
	if err != nil {
		return report.Report{}, err
	}
	in := report.Input{From: from, To: to, Orders: d.Orders, Tasks: d.Tasks}
	for _, e := range d.Scans {
		in.Scans = append(in.Scans, report.Scan{Kind: e.Kind, User: e.User, At: e.Scan.At, Action: e.Scan.Action, Verdict: e.Answer.Verdict})
	}
	return report.Build(in), nil
}
