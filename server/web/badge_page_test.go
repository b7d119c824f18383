package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/pickpack/pickpack/server/floor"
)

// A supervisor issues a badge from the page's badge dialog: the PDF it offers decodes to
// a code that signs in; a badge for an admin is refused in the panel
// without logging the supervisor out.
func TestBadgePanelInChromium(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard, not a wait
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true), chromedp.WindowSize(1920, 1080))...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	poll := func(what, expr string) {
		t.Helper()
		if err := chromedp.Do(tab, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			text, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("%s: %v\npage text:\n%s", what, err, text)
		}
	}
	// The page offers the PDF as a download: the test's browser saves it.
	downloads := t.TempDir()
	done := make(chan string, 1)
	if err := chromedp.Do(tab,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			on := true
			_, err := cdp.Call(ctx, tg, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
				Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads, EventsEnabled: &on})
			return err
		}),
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", e.tokens[floor.RoleSupervisor]),
		chromedp.Click(`#login-form button[type="submit"]`),
		chromedp.WaitVisible("#badge-open"),
		chromedp.Click("#badge-open"),
		chromedp.WaitVisible("#badge-user"),
	); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Listen(tab, func(ev any) {
		if p, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && p.State == cdpbrowser.DownloadProgressStateCompleted {
			done <- p.FilePath
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab,
		chromedp.SendKeys("#badge-user", "kim"),
		chromedp.SetValue("#badge-role", "picker"),
		chromedp.Click(`#badge-form button[type="submit"]`),
	); err != nil {
		t.Fatal(err)
	}
	poll("badge offered", `document.querySelector('#badge-result a[download="badge-kim.pdf"]') !== null`)
	var saved string
	select {
	case saved = <-done:
	case <-ctx.Done():
		t.Fatal("the badge was not downloaded")
	}
	if filepath.Base(saved) != "badge-kim.pdf" {
		t.Errorf("saved as %s, want badge-kim.pdf", saved)
	}
	pdf, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	codes := decodePDF(t, pdf)
	if len(codes) != 2 || codes[0] != codes[1] {
		t.Fatalf("the offered badge decodes to %q", codes)
	}
	if in, err := e.st.SignInBadge(codes[0], time.Hour, "TC52-01"); err != nil || in.User.Name != "kim" {
		t.Fatalf("sign-in with the badge from the page: %+v, %v", in.User, err)
	}
	png, err := chromedp.Run(tab, chromedp.Screenshot("#badge-dialog"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(artefacts(t), "supervisor-badge-dialog.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	// A supervisor may not issue an admin's badge: said in the panel, and
	// the page stays signed in.
	if err := chromedp.Do(tab,
		chromedp.SendKeys("#badge-user", "root"),
		chromedp.SetValue("#badge-role", ""),
		chromedp.Click(`#badge-form button[type="submit"]`),
	); err != nil {
		t.Fatal(err)
	}
	poll("refusal shown", `document.querySelector('#badge-result.error') && document.querySelector('#badge-result').textContent.includes('may not manage')`)
	text, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('app').hidden + ' ' + sessionStorage.getItem('pickpack-token')`))
	if err := chromedp.Do(tab, chromedp.Click("#badge-close")); err != nil {
		t.Fatal(err)
	}
	poll("dialog closed", `!document.getElementById('badge-dialog').open`)
	if err != nil || !strings.HasPrefix(text, "false ") || !strings.HasSuffix(text, e.tokens[floor.RoleSupervisor]) {
		t.Errorf("after the refusal: %q, %v (want the page still signed in)", text, err)
	}
}
