package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
)

// chromium finds Debian's chromium (CI installs it with .ci/run).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install chromium): the supervisor page is not tested in a browser")
	return ""
}

// artefacts is where screenshots are kept: $PICKPACK_ARTIFACTS, else the
// test's temporary directory.
func artefacts(t *testing.T) string {
	if dir := os.Getenv("PICKPACK_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// The supervisor page in a real headless Chromium: log in with a
// supervisor token, see the demo floor's clocks, and watch a clock turn
// from on time to at risk when the fixed clock moves on and the hub ticks.
func TestSupervisorPageInChromium(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t)
	orders := demo.NewOrders(1, e.skus)
	for range 40 {
		if _, err := e.st.SubmitOrders([]floor.Order{orders.Next()}, false); err != nil {
			t.Fatal(err)
		}
	}
	// ann takes a trip, so the map has a route and the lanes a task.
	if _, _, err := e.st.NextTask("ann"); err != nil {
		t.Fatal(err)
	}
	e.tick(t)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard, not a wait
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true), chromedp.WindowSize(1920, 1080))...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()

	var target, clock string
	poll := func(what, expr string) {
		t.Helper()
		if err := chromedp.Do(tab, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			html, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("%s: %v\npage text:\n%s", what, err, html)
		}
	}
	if err := chromedp.Do(tab,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", e.tokens[floor.RoleSupervisor]),
		chromedp.Click(`#login-form button[type="submit"]`),
	); err != nil {
		t.Fatal(err)
	}
	poll("40 clocks shown", `document.querySelectorAll('#clocks [data-order]').length === 40 && document.querySelector('#status').textContent === 'live'`)
	// Forty orders for one picker: the queue's tail is late at once, and
	// a queued order that is still on time waits behind ann's trip.
	poll("a queued order late from the start", `[...document.querySelectorAll('#clocks .clock.at-risk .m')].some(m => m.textContent.startsWith('queued'))`)
	target, err := chromedp.Run(tab, chromedp.Evaluate[string](
		`[...document.querySelectorAll('#clocks .clock.on-time')].find(c => c.querySelector('.m').textContent.startsWith('queued')).dataset.order`))
	if err != nil {
		t.Fatalf("no queued order on time: %v", err)
	}
	clock = `document.querySelector('#clocks [data-order="` + target + `"]')`
	poll("lanes and map drawn", `document.querySelector('#lanes tr[data-picker="ann"]') && document.querySelector('#map polyline.route') && document.querySelector('#map circle.picker')`)
	stored, err := chromedp.Run(tab, chromedp.Evaluate[string](`sessionStorage.getItem('pickpack-token')`))
	if err != nil || stored != e.tokens[floor.RoleSupervisor] {
		t.Errorf("token in sessionStorage: %q, %v", stored, err)
	}
	before, err := chromedp.Run(tab, chromedp.Evaluate[string](`getComputedStyle(`+clock+`).backgroundColor`))
	if err != nil {
		t.Fatal(err)
	}

	// Eleven minutes on, with no scan from ann, she is as far from done as
	// she was: the queued order behind her passes its due time.
	e.clock.advance(11 * time.Minute)
	e.tick(t)
	poll(target+" at risk", clock+`.classList.contains('at-risk')`)
	after, err := chromedp.Run(tab, chromedp.Evaluate[string](`getComputedStyle(`+clock+`).backgroundColor`))
	if err != nil {
		t.Fatal(err)
	}
	if before == after {
		t.Errorf("%s stayed %s when it went at risk", target, after)
	}
	// The countdown follows the server's clock, not the browser's: 4
	// minutes left, less the moments since the event arrived.
	poll("countdown from the server's time", `/^(4:00|3:5\d)$/.test(`+clock+`.querySelector('.t').textContent)`)
	poll("at-risk alert listed", `document.querySelector('#alerts [data-kind="predicted-late"]')`)

	dir := artefacts(t)
	for _, shot := range []struct {
		name string
		w, h int64
	}{{"supervisor-page-wall.png", 1920, 1080}, {"supervisor-page-phone.png", 390, 844}} {
		if err := chromedp.Do(tab, chromedp.EmulateViewport(shot.w, shot.h)); err != nil {
			t.Fatal(err)
		}
		poll("relaid out", `document.documentElement.clientWidth === `+itoa64(shot.w))
		png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, shot.name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
