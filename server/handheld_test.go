package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// The handheld app in a real headless Chromium with a phone's viewport
// (360x640 CSS px, mobile, touch), against the whole server started by
// Run: the app comes from /handheld/ and speaks the Connect protocol to
// the same port. Scans are typed as a scanner types them (keystrokes 0 to
// 20 ms apart and Enter) or as Android delivers them (Unidentified keys,
// the text in input events).

// chromiumPath finds Debian's chromium; .ci/run installs it.
func chromiumPath(t testing.TB) string {
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install chromium): the handheld app is not tested in a browser")
	return ""
}

// handheldArtefacts is where screenshots are kept: $PICKPACK_ARTIFACTS,
// else the test's temporary directory (logged).
func handheldArtefacts(t testing.TB) string {
	if dir := os.Getenv("PICKPACK_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// phone is one browser tab sized and behaving like a handheld.
type phone struct {
	t    testing.TB
	tab  context.Context
	base string
}

func newPhone(t testing.TB, s *server, flags ...chromedp.ExecAllocatorOption) *phone {
	t.Helper()
	bin := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(360, 640))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, flags...)...)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	p := &phone{t: t, tab: tab, base: "http://" + s.httpAddr + "/handheld/"}
	// The first action starts the browser, which lives as long as the
	// context of that call: the tab's own, without a timeout.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(360, 640, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *phone) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.tab, 30*time.Second) // a guard, not a wait
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%v\npage: %s", err, p.pageText())
	}
}

// eval evaluates a JavaScript expression into T.
func eval[T any](p *phone, expr string, opts ...chromedp.EvaluateOption) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.tab, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func (p *phone) pageText() string {
	ctx, cancel := context.WithTimeout(p.tab, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`'verdict ' + document.body.dataset.verdict + ' #' + document.getElementById('verdict').dataset.seq +
		', focus ' + (document.activeElement && document.activeElement.id) + ', field ' + JSON.stringify(document.getElementById('scan').value) +
		', online ' + navigator.onLine + ', pending ' + document.getElementById('pending').textContent + ' | ' + document.body.innerText.replace(/\s+/g, ' ') +
		' | events: ' + (window.__trace || []).join(', ')`))
	return s
}

// wait waits until expr is true in the page.
func (p *phone) wait(what, expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		p.t.Fatalf("%s: %v\npage: %s", what, err, p.pageText())
	}
}

// open loads the app and signs in with a token.
func (p *phone) open(token string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base))
	p.trace()
	p.signIn(token)
}

// trace keeps the page's last key and input events, for the message of a
// failed wait.
func (p *phone) trace() {
	eval[bool](p, `window.__trace = [], ['keydown', 'input', 'focusin', 'focusout'].forEach(t => document.addEventListener(t, e => {
		window.__trace.push(t + ' ' + (e.key || e.data || '') + ' @' + ((e.target && e.target.id) || (e.target && e.target.tagName)));
		if (window.__trace.length > 40) window.__trace.shift();
	}, true)), true`)
}

// signIn signs in on the sign-in screen with a token.
func (p *phone) signIn(token string) {
	p.t.Helper()
	p.wait("sign-in screen", `!document.getElementById('signin').hidden`)
	if !eval[bool](p, `document.getElementById('token-box').open`) {
		p.do(chromedp.Click("#token-box summary"))
	}
	p.do(chromedp.SendKeys("#token", token), chromedp.Click("#token-form button"))
	p.wait("signed in", `document.getElementById('signin').hidden`)
}

// key sends one key as a scanner's keyboard wedge does.
func (p *phone) key(typ input.DispatchKeyEventType, params input.DispatchKeyEventParams) chromedp.Action[chromedp.Void] {
	params.Type = typ
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, params)
		return err
	})
}

// keyOf is a printable key as a keyboard sends it.
func keyOf(ch string) input.DispatchKeyEventParams {
	return input.DispatchKeyEventParams{Key: ch, Text: ch, UnmodifiedText: ch}
}

// verdictSeq is the number of verdicts shown so far.
func (p *phone) verdictSeq() int {
	n, _ := strconv.Atoi(eval[string](p, `document.getElementById('verdict').dataset.seq || '0'`))
	return n
}

// scanKeys types code as a keystroke scanner does: a character every 0 to
// 20 ms, then Enter. The pace is in the key events' own timestamps, as a
// device's events carry them, so a slow test machine does not turn a scan
// into typing.
func (p *phone) scanKeys(code string) {
	p.t.Helper()
	at := time.Now()
	for i, r := range code {
		ch := string(r)
		at = at.Add(time.Duration(i*7%21) * time.Millisecond)
		down := keyOf(ch)
		down.Timestamp = stamp(at)
		p.do(p.key(input.DispatchKeyEventTypeKeyDown, down), p.key(input.DispatchKeyEventTypeKeyUp, keyOf(ch)))
	}
	p.enter(at.Add(5 * time.Millisecond))
}

// scanAndroid delivers code as Android keyboards do: keydowns of
// "Unidentified" keys (key code 229) with the text arriving as input.
func (p *phone) scanAndroid(code string) {
	p.t.Helper()
	at := time.Now()
	for i, r := range code {
		at = at.Add(time.Duration(i*3%11) * time.Millisecond)
		p.do(p.key(input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventParams{Key: "Unidentified", WindowsVirtualKeyCode: 229, Timestamp: stamp(at)}),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: string(r)})
				return err
			}),
			p.key(input.DispatchKeyEventTypeKeyUp, input.DispatchKeyEventParams{Key: "Unidentified", WindowsVirtualKeyCode: 229}))
	}
	p.enter(at.Add(5 * time.Millisecond))
}

func stamp(t time.Time) input.TimeSinceEpoch {
	return input.TimeSinceEpoch(float64(t.UnixMicro()) / 1e6)
}

// enter presses Enter; at is when (zero: now).
func (p *phone) enter(at time.Time) {
	p.do(p.key(input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventParams{Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, Timestamp: stamp(at)}),
		p.key(input.DispatchKeyEventTypeChar, input.DispatchKeyEventParams{Key: "Enter", Text: "\r"}),
		p.key(input.DispatchKeyEventTypeKeyUp, input.DispatchKeyEventParams{Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13}))
}

// verdict is the screen after a scan.
type verdict struct{ tone, text string }

// scan scans code and waits for its verdict on the screen.
func (p *phone) scan(code string) verdict {
	p.t.Helper()
	before := p.verdictSeq()
	p.scanKeys(code)
	return p.nextVerdict(before, code)
}

func (p *phone) nextVerdict(before int, what string) verdict {
	p.t.Helper()
	p.wait("verdict on "+what, fmt.Sprintf(`Number(document.getElementById('verdict').dataset.seq || 0) > %d`, before))
	return verdict{tone: eval[string](p, `document.body.dataset.verdict`), text: eval[string](p, `document.getElementById('verdict').textContent`)}
}

// work is what the work screen asks for (its data attributes).
func (p *phone) work() map[string]string {
	p.t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(eval[string](p, `JSON.stringify(document.getElementById('work').dataset)`)), &m); err != nil {
		p.t.Fatal(err)
	}
	return m
}

// setOffline cuts the tab's link (CDP network emulation) or restores it.
func (p *phone) setOffline(off bool) {
	p.t.Helper()
	conds := []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}
	p.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}

// shot saves a screenshot of the viewport as a test artefact, after
// checking what a gloved hand needs of the screen: nothing wider than the
// viewport, every visible button and field at least 48 px each way.
func (p *phone) shot(name string) string {
	p.t.Helper()
	if bad := eval[string](p, `(() => {
		const out = [];
		if (document.documentElement.scrollWidth > innerWidth) out.push('page ' + document.documentElement.scrollWidth + ' px wide in ' + innerWidth);
		for (const el of document.querySelectorAll('button, input, summary')) {
			const r = el.getBoundingClientRect();
			if (r.width === 0 || el.closest('[hidden], dialog:not([open])')) continue;
			if (r.width < 48 || r.height < 48) out.push((el.id || el.textContent.trim()) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
		}
		return out.join('; ');
	})()`); bad != "" {
		p.t.Errorf("%s: %s", name, bad)
	}
	ctx, cancel := context.WithTimeout(p.tab, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(handheldArtefacts(p.t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
	return path
}

// barcodes finds item barcodes of SKUs through the API.
type barcodes struct {
	t     testing.TB
	ws    pb.WarehouseServiceClient
	admin string
	of    map[string]string
}

func (b *barcodes) code(sku string) string {
	b.t.Helper()
	if c, ok := b.of[sku]; ok {
		return c
	}
	r, err := b.ws.GetSku(bearer(b.admin), &pb.GetSkuRequest{Key: &pb.GetSkuRequest_Id{Id: sku}})
	if err != nil || len(r.GetSku().GetBarcodes()) == 0 {
		b.t.Fatalf("SKU %s: %v", sku, err)
	}
	b.of[sku] = r.GetSku().GetBarcodes()[0].GetCode()
	return b.of[sku]
}

func startDemo(t testing.TB) *server {
	return startServer(t, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo", "--demo-every", "0")
}

func hasWord(v verdict, tone, word string) bool {
	return v.tone == tone && strings.Contains(strings.ToLower(v.text), word)
}
