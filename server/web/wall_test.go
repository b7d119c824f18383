package web

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// browser starts a headless Chromium at 1920x1080 for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a guard, not a wait
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.WindowSize(1920, 1080))...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	return tab
}

// poll waits for a JavaScript condition on the page, and on failure shows
// what the page says.
func poll(t *testing.T, tab context.Context, what, expr string) {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		text, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("%s: %v\npage text:\n%s", what, err, text)
	}
}

func eval[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// login opens the page at w x h and logs in as the supervisor.
func (e *env) login(t *testing.T, tab context.Context, w, h int64) {
	t.Helper()
	if err := chromedp.Do(tab,
		chromedp.EmulateViewport(w, h),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", e.tokens[floor.RoleSupervisor]),
		chromedp.Click(`#login-form button[type="submit"]`),
	); err != nil {
		t.Fatal(err)
	}
	poll(t, tab, "live", `document.querySelector('#status').textContent === 'live'`)
}

// fitsScreen is true when the page does not scroll and nothing on the
// board is cut off: every clock and "+N more" lies inside the board.
const fitsScreen = `(() => {
  const se = document.scrollingElement;
  if (se.scrollHeight > innerHeight || se.scrollWidth > innerWidth) return false;
  const box = document.querySelector('#clocks').getBoundingClientRect();
  for (const el of document.querySelectorAll('#clocks .clock, #clocks .more, #clocks h3')) {
    const r = el.getBoundingClientRect();
    if (r.bottom > box.bottom + 0.5 || r.right > box.right + 0.5) return false;
  }
  const lanes = document.querySelector('.lanes').getBoundingClientRect();
  for (const el of document.querySelectorAll('#lanes button')) {
    if (el.getBoundingClientRect().right > lanes.right + 0.5) return false;
  }
  return true;
})()`

// overlapsDepotLabel is true when a picker's dot covers the pack station's
// label.
const overlapsDepotLabel = `(() => {
  const l = document.querySelector('#map text.depot-l').getBoundingClientRect();
  return [...document.querySelectorAll('#map circle.picker')].some((c) => {
    const r = c.getBoundingClientRect();
    return r.left < l.right && r.right > l.left && r.top < l.bottom && r.bottom > l.top;
  });
})()`

// labelsOnTop is true when every text of the map follows every shape in
// document order: SVG paints in that order, so no shape covers a label.
const labelsOnTop = `(() => {
  const texts = [...document.querySelectorAll('#map text')];
  const shapes = [...document.querySelectorAll('#map circle, #map rect, #map line, #map polyline')];
  return texts.length > 0 && texts.every((t) => shapes.every((s) => s.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING));
})()`

// The wall screen with 200 open orders and one picker stuck on a task:
// it fits 1920x1080 (and 3840x2160) without scrolling, with the clocks
// grouped most urgent first, the alerts grouped in time order, the map
// named; a supervisor releases the stuck picker's task from the page, and
// the store's stock and history agree. Screenshots at both wall sizes and
// at 390x844 go to $PICKPACK_ARTIFACTS.
func TestWallScreenInChromium(t *testing.T) {
	e := newEnv(t)
	t.Cleanup(func() {
		if _, err := e.st.Audit(); err != nil {
			t.Errorf("audit: %v", err)
		}
	})
	tab := browser(t)
	orders := demo.NewOrders(1, e.skus)
	batch := make([]floor.Order, 200)
	for i := range batch {
		batch[i] = orders.Next()
	}
	if _, err := e.st.SubmitOrders(batch, false); err != nil {
		t.Fatal(err)
	}
	task, ok, err := e.st.NextTask("ann")
	if err != nil || !ok {
		t.Fatalf("next task: %v %v", ok, err)
	}
	e.tick(t)
	// Eight minutes at one stop without a scan: ann is stuck, and the
	// queue behind her runs late.
	e.clock.advance(8 * time.Minute)
	e.tick(t)

	e.login(t, tab, 1920, 1080)
	poll(t, tab, "200 open orders counted", `document.querySelector('#fig-open').textContent === '200'`)
	poll(t, tab, "lanes and map drawn", `document.querySelector('#lanes tr[data-picker="ann"] button') && document.querySelector('#map circle.picker') && document.querySelector('#map text.zone-l')`)
	poll(t, tab, "fits 1920x1080 without scrolling", fitsScreen)
	if h := eval[int](t, tab, `document.scrollingElement.scrollHeight`); h > 1080 {
		t.Errorf("page height %d px at 1920x1080, want at most 1080", h)
	}

	// Grouped by risk, the most urgent group first, and so condensed.
	if mode := eval[string](t, tab, `document.querySelector('#clocks').dataset.mode`); mode != "grouped" {
		t.Errorf("board mode %q with 200 orders, want grouped", mode)
	}
	risks := eval[[]string](t, tab, `[...document.querySelectorAll('#clocks .group')].map((g) => g.dataset.risk)`)
	if want := []string{"late", "at-risk", "on-time"}; !inOrder(risks, want) {
		t.Errorf("groups %v, want a subsequence of %v", risks, want)
	}
	firstRisk := eval[string](t, tab, `document.querySelector('#clocks .clock').dataset.risk`)
	if firstRisk != risks[0] {
		t.Errorf("first clock is %s, first group %s", firstRisk, risks[0])
	}

	// Alerts: grouped by kind, newest group first, one summary line for
	// the many orders predicted late, which opens to list them.
	summary := eval[string](t, tab, `document.querySelector('#alerts details[data-kind="predicted-late"] summary')?.textContent ?? ''`)
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d\d+ orders predicted late$`).MatchString(summary) {
		t.Fatalf("predicted-late summary %q, want \"HH:MM:SS N orders predicted late\"; alerts:\n%s", summary,
			eval[string](t, tab, `document.querySelector('#alerts').innerText`))
	}
	times := eval[[]string](t, tab, `[...document.querySelectorAll('#alerts > * > time, #alerts summary > time')].map((t) => t.textContent)`)
	for i := 1; i < len(times); i++ {
		if times[i] > times[i-1] {
			t.Errorf("alert groups out of time order: %v", times)
			break
		}
	}
	if err := chromedp.Do(tab, chromedp.Click(`#alerts details[data-kind="predicted-late"] summary`)); err != nil {
		t.Fatal(err)
	}
	poll(t, tab, "the group opens to list its orders", `document.querySelectorAll('#alerts details[data-kind="predicted-late"][open] li').length > 1`)

	// The map names its aisles and zones; no dot covers a label.
	if n := eval[int](t, tab, `document.querySelectorAll('#map text.aisle-l').length`); n != 20 {
		t.Errorf("%d aisle names on the map, want 20", n)
	}
	if z := eval[string](t, tab, `[...document.querySelectorAll('#map text.zone-l')].map((t) => t.textContent).join(',')`); z != "Zone A,Zone B" {
		t.Errorf("zone names %q, want Zone A,Zone B", z)
	}
	if eval[bool](t, tab, overlapsDepotLabel) {
		t.Error("a picker's dot covers the pack station's label")
	}
	// Every label is painted after every shape, so none can be covered.
	if !eval[bool](t, tab, labelsOnTop) {
		t.Error("a map label comes before a shape that can cover it")
	}
	// The figures say what they count.
	heads := eval[string](t, tab, `document.querySelector('.lanes thead').textContent`)
	for _, want := range []string{"Picks last hour", "Picks/h shift"} {
		if !strings.Contains(heads, want) {
			t.Errorf("picker columns %q lack %q", heads, want)
		}
	}

	dir := artefacts(t)
	shoot := func(name string, w, h int64) {
		t.Helper()
		if err := chromedp.Do(tab, chromedp.EmulateViewport(w, h)); err != nil {
			t.Fatal(err)
		}
		poll(t, tab, "relaid out at "+name, `document.documentElement.clientWidth === `+itoa64(w))
		if w >= 1100 {
			poll(t, tab, name+" fits without scrolling", fitsScreen)
		} else {
			// A phone scrolls down, never across.
			poll(t, tab, name+" as wide as the screen", `document.scrollingElement.scrollWidth <= innerWidth`)
		}
		png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	shoot("wall-1920x1080.png", 1920, 1080)
	shoot("wall-3840x2160.png", 3840, 2160)
	shoot("phone-390x844.png", 390, 844)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	poll(t, tab, "back at 1920", `document.documentElement.clientWidth === 1920`)

	// Release ann's task from the page: a confirmation with a reason.
	before := e.history(t)
	if err := chromedp.Do(tab,
		chromedp.Click(`#lanes tr[data-picker="ann"] button`), // Release
		chromedp.WaitVisible(`#confirm-reason`),
	); err != nil {
		t.Fatal(err)
	}
	if h := eval[string](t, tab, `document.querySelector('#confirm-h').textContent`); h != "Release task "+task.ID+"?" {
		t.Errorf("dialog asks %q", h)
	}
	// Without a reason nothing is sent.
	if err := chromedp.Do(tab, chromedp.Click(`#confirm-ok`)); err != nil {
		t.Fatal(err)
	}
	poll(t, tab, "a reason is asked for", `document.querySelector('#confirm-error').textContent.startsWith('Say why')`)
	if got, err := e.st.Task(task.ID); err != nil || got.Done {
		t.Fatalf("task released without a reason: %+v %v", got, err)
	}
	if err := chromedp.Do(tab,
		chromedp.SendKeys(`#confirm-reason`, "scanner dead"),
		chromedp.Click(`#confirm-ok`),
	); err != nil {
		t.Fatal(err)
	}
	poll(t, tab, "released", `!document.querySelector('#confirm').open && document.querySelector('#toast').textContent.includes('released')`)

	got, err := e.st.Task(task.ID)
	if err != nil || !got.Done {
		t.Fatalf("task %s after release: done=%v %v", task.ID, got.Done, err)
	}
	for _, to := range task.Orders {
		o, err := e.st.Order(to.OrderID)
		if err != nil || o.State != floor.StateQueued || o.TaskID != "" {
			t.Errorf("order %s after release: %v %q %v, want queued with no task", to.OrderID, o.State, o.TaskID, err)
		}
	}
	for _, stop := range task.Stops {
		levels, _, err := e.st.ListStock(storeFilter(stop.Bin, stop.SKU), "", 1)
		if err != nil || len(levels) != 1 || levels[0].Reserved != 0 {
			t.Errorf("stock at %s/%s after release: %+v %v, want nothing reserved", stop.Bin, stop.SKU, levels, err)
		}
	}
	var released []floor.Movement
	for _, m := range e.history(t)[len(before):] {
		if m.Kind == floor.MoveRelease {
			released = append(released, m)
		}
	}
	if len(released) != len(task.Stops) {
		t.Errorf("%d release movements, want one per stop (%d)", len(released), len(task.Stops))
	}
	for _, m := range released {
		if m.User != "sue" || m.Ref != task.ID || !strings.Contains(m.Note, "scanner dead") {
			t.Errorf("history %+v, want by sue for %s saying why", m, task.ID)
		}
	}

	// The page follows: ann is free, and may be taken off shift.
	e.tick(t)
	poll(t, tab, "ann free", `document.querySelector('#lanes tr[data-picker="ann"] button').textContent === 'Off shift'`)
	poll(t, tab, "still fits", fitsScreen)

	// Raise a queued order's priority from its clock: the order's dialog
	// offers it, the confirmation asks why, the clock shows it raised.
	target := eval[string](t, tab, `[...document.querySelectorAll('#clocks .clock')].find((c) => c.querySelector('.m')?.textContent.startsWith('queued') ?? c.title.includes(': queued')).dataset.order`)
	if err := chromedp.Do(tab,
		chromedp.Click(`#clocks [data-order="`+target+`"]`),
		chromedp.WaitVisible(`#confirm-actions button`),
	); err != nil {
		t.Fatal(err)
	}
	poll(t, tab, "the order's actions", `[...document.querySelectorAll('#confirm-actions button')].map((b) => b.textContent).join('|') === 'Raise priority|Cancel order'`)
	if err := chromedp.Do(tab,
		chromedp.Click(`#confirm-actions button`),
		chromedp.WaitVisible(`#confirm-reason`),
		chromedp.SendKeys(`#confirm-reason`, "VIP customer"),
		chromedp.Click(`#confirm-ok`),
	); err != nil {
		t.Fatal(err)
	}
	poll(t, tab, "raised", `!document.querySelector('#confirm').open && document.querySelector('#toast').textContent.includes('next picker')`)
	if o, err := e.st.Order(target); err != nil || o.RaisedAt.IsZero() {
		t.Errorf("%s after raising: %+v %v", target, o.RaisedAt, err)
	}
	e.tick(t)
	poll(t, tab, "the clock shows it raised", `document.querySelector('#clocks [data-order="`+target+`"]').classList.contains('raised')`)
}

func inOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		for i < len(want) && want[i] != g {
			i++
		}
		if i == len(want) {
			return false
		}
		i++
	}
	return len(got) > 0
}

func (e *env) history(t *testing.T) []floor.Movement {
	t.Helper()
	ms, _, err := e.st.History(time.Time{}, e.clock.Now().Add(time.Hour), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func storeFilter(bin, sku string) store.StockFilter { return store.StockFilter{Bin: bin, SKU: sku} }
