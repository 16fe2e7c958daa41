package console_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/latchkeyhq/latchkey/console"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive a real Chromium over the DevTools protocol
// (chromedp) through the console of an env served over plain http on
// loopback: Chromium treats http://127.0.0.1 as a secure context, so it
// keeps the Secure __Host- cookie the console sets there. Modelled on
// claim/pages/browser_harness_test.go (a test file: it cannot be
// imported).
//
// A test gets a *browser with helpers to open pages, click, fill in and
// submit forms, wait for text (also text a page's script puts there, as
// live progress does), read text, and save numbered screenshots under
// <$LATCHKEY_TEST_ARTIFACTS or <repo>/test-artifacts>/screenshots/<test>/.
// Everything the page writes to the console is kept; an error, an
// uncaught exception or a Content-Security-Policy violation fails the
// test when it ends.

const (
	// browserEnv names the browser binary. CI sets it: a missing browser
	// then fails the run. Without it the tests look for chromium on PATH
	// and are skipped when there is none.
	browserEnv = "LATCHKEY_TEST_BROWSER"
	// artifactsEnv is where the screenshots go (default: test-artifacts
	// at the repository root).
	artifactsEnv = "LATCHKEY_TEST_ARTIFACTS"
	// browserBudget bounds a whole browser test on one backend: a hang
	// fails it instead of stalling the run.
	browserBudget = 2 * time.Minute
	// actionBudget bounds one action or wait of a test.
	actionBudget = 20 * time.Second
)

// Viewports: a laptop (the window) and a phone.
const (
	laptopWidth, laptopHeight = 1280, 900
	phoneWidth, phoneHeight   = 390, 844
)

// browserPath is the browser to drive: $LATCHKEY_TEST_BROWSER (which must
// exist), else chromium on PATH; without either the test is skipped.
func browserPath(t *testing.T) string {
	t.Helper()
	if want := os.Getenv(browserEnv); want != "" {
		path, err := exec.LookPath(want)
		if err != nil {
			t.Fatalf("%s=%s, but there is no such browser: %v", browserEnv, want, err)
		}
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skipf("no chromium on PATH: install it (apt-get install chromium) or set %s to a Chromium or Chrome binary", browserEnv)
	return ""
}

// eachBrowserBackend is eachBackend for the browser tests: a fresh env
// served over http on loopback, and a fresh browser, per backend.
func eachBrowserBackend(t *testing.T, fn func(t *testing.T, e *env, b *browser)) {
	eachBrowserBackendWith(t, nil, fn)
}

// eachBrowserBackendWith is eachBrowserBackend with the console's
// options changed by change.
func eachBrowserBackendWith(t *testing.T, change func(*console.Options), fn func(t *testing.T, e *env, b *browser)) {
	path := browserPath(t)
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			e := newEnvWith(t, be, false, change)
			fn(t, e, newBrowser(t, e, path))
		})
	}
}

// screenshotDir is <artifacts>/screenshots/<test name>, emptied.
func screenshotDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv(artifactsEnv)
	if root == "" {
		root = filepath.Join(repoRoot(t), "test-artifacts")
	}
	dir := filepath.Join(root, "screenshots", filepath.FromSlash(t.Name()))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// repoRoot is the directory of go.mod above the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// browser is one Chromium (its own fresh profile) showing the console
// of e, with what it saw: the responses of the documents it loaded and
// the console messages of its pages.
type browser struct {
	t     *testing.T
	e     *env
	ctx   context.Context
	shots string
	n     int

	mu       sync.Mutex
	docs     []document
	messages []chromedp.ConsoleMessage
}

// document is the response of a page the browser loaded.
type document struct {
	url    string
	status int
}

// cspProbe runs in every page before its own scripts (the DevTools
// protocol is not bound by the page's CSP) and reports every
// Content-Security-Policy violation to the console, where the browser
// collects it: nothing the console serves may be refused.
const cspProbe = `document.addEventListener("securitypolicyviolation", function (e) {
	console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

func newBrowser(t *testing.T, e *env, path string) *browser {
	t.Helper()
	b := &browser{t: t, e: e, shots: screenshotDir(t)}
	var output syncBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // the tests may run as root (CI does)
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(laptopWidth, laptopHeight),
		chromedp.CombinedOutput(&output),
	)
	budget, cancelBudget := context.WithTimeout(t.Context(), browserBudget)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(budget, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b.ctx = ctx
	// Cleanups run last-in first-out: the browser has exited before its
	// profile directory is removed.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pages the browser loaded:\n%s\nconsole:\n%s", b.history(), strings.Join(b.console(), "\n"))
			if out := output.grep(""); out != "" {
				t.Logf("browser output:\n%s", out)
			}
		}
		cancelTab()
		cancelAlloc()
		cancelBudget()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v\n%s", path, err, output.grep(""))
	}
	if err := chromedp.Listen(ctx, b.event); err != nil {
		t.Fatal(err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, line := range b.problems() {
			t.Errorf("the browser reported: %s", line)
		}
	})
	return b
}

// event records, in the tab's event loop, the document responses.
func (b *browser) event(ev any) {
	if ev, ok := ev.(*network.EventResponseReceived); ok && ev.Type == network.ResourceTypeDocument && ev.Response != nil {
		b.mu.Lock()
		b.docs = append(b.docs, document{url: ev.Response.URL, status: int(ev.Response.Status)})
		b.mu.Unlock()
	}
}

func (b *browser) history() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var lines []string
	for _, d := range b.docs {
		lines = append(lines, fmt.Sprintf("  %d %s", d.status, d.url))
	}
	return strings.Join(lines, "\n")
}

// console is every console message so far, as text.
func (b *browser) console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.messages {
		out = append(out, fmt.Sprintf("%s (%s %s:%d)", m.String(), m.Source, m.URL, m.Line))
	}
	return out
}

// problems are the console's errors, exceptions and CSP violations.
// Failed loads of pages the test meant to fail (a 403 page) are
// expected, and the browser logs them as network errors: they are not
// problems.
func (b *browser) problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.messages {
		csp := strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "CSP violation")
		failedLoad := m.Source == "network" && strings.Contains(m.Text, "Failed to load resource: the server responded with a status of")
		if csp || ((m.Type == chromedp.ConsoleError || m.IsException()) && !failedLoad) {
			out = append(out, fmt.Sprintf("%s (%s %s:%d)", m.String(), m.Source, m.URL, m.Line))
		}
	}
	return out
}

// documents is how many documents the browser has loaded so far: a page
// that updates itself (by fetch) loads none.
func (b *browser) documents() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.docs)
}

// lastDocument is the response of the last page the browser loaded.
func (b *browser) lastDocument() (document, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.docs) == 0 {
		return document{}, false
	}
	return b.docs[len(b.docs)-1], true
}

// do runs actions within actionBudget, failing the test on an error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionBudget)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (at %s)", what, err, b.location())
	}
}

// evalIn evaluates a JavaScript expression in the page (the DevTools
// protocol is not bound by the page's CSP).
func evalIn[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionBudget)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v (at %s)", expr, err, b.location())
	}
	return v
}

// location is the URL the browser shows.
func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, actionBudget)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

func (b *browser) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.e.base + path
}

// open goes to path as a person typing it in the address bar does.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.url(path)))
}

// click clicks the element sel (a button, a link, a summary) and, when
// that loads a page, waits for it.
func (b *browser) click(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionBudget)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("click %s: %v (at %s)", sel, err, b.location())
	}
}

// toggle clicks sel where no page load follows (a checkbox, a <summary>
// opening a menu).
func (b *browser) toggle(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// fill types value into the field sel, replacing what it held.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.Clear(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.SendKeys(chromedp.CSS(sel), value))
}

// choose selects the option of value in the <select> sel.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	b.do("choose "+value+" in "+sel, chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible))
}

// submit submits the form of the element sel (the form or a field of it)
// as pressing Enter does, and waits for the page it leads to.
func (b *browser) submit(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionBudget)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("submit %s: %v (at %s)", sel, err, b.location())
	}
}

// jsQuery is JavaScript for the element sel.
func jsQuery(sel string) string { return fmt.Sprintf("document.querySelector(%q)", sel) }

// has reports whether the page has an element sel, at once.
func (b *browser) has(sel string) bool {
	b.t.Helper()
	return evalIn[bool](b, jsQuery(sel)+" !== null")
}

// text is the visible text of sel ("" when there is none).
func (b *browser) text(sel string) string {
	b.t.Helper()
	return evalIn[string](b, fmt.Sprintf(`(() => { const el = %s; return el ? el.innerText : ""; })()`, jsQuery(sel)))
}

// waitText waits (within actionBudget) until the element sel shows text,
// whether a page load or the page's own script put it there.
func (b *browser) waitText(sel, text string) {
	b.t.Helper()
	deadline := time.Now().Add(actionBudget)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const el = %s; return el ? el.innerText : ""; })()`, jsQuery(sel))))
		cancel()
		if err == nil && strings.Contains(got, text) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("at %s: %s does not show %q:\n%s", b.location(), sel, text, got)
		}
		select {
		case <-b.ctx.Done():
			b.t.Fatalf("waiting for %q: %v", text, b.ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// want waits (within actionBudget) until the browser has loaded a page at
// path (a path of ours, or an absolute URL, up to its query), then checks
// the HTTP status of that page and that it shows each text.
func (b *browser) want(status int, path string, texts ...string) {
	b.t.Helper()
	want := b.url(path)
	deadline := time.Now().Add(actionBudget)
	var at string
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		at, _ = chromedp.Run(ctx, chromedp.Location())
		ready, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.readyState"))
		cancel()
		if withoutQuery(at) == withoutQuery(want) && ready == "complete" {
			break
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the browser is at %s (%s); want %s", at, ready, want)
		}
		select {
		case <-b.ctx.Done():
			b.t.Fatalf("waiting for %s: %v", want, b.ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	doc, ok := b.lastDocument()
	if !ok || doc.url != at {
		b.t.Fatalf("at %s, but the last document the browser received is %+v", at, doc)
	}
	if doc.status != status {
		b.t.Fatalf("at %s: status %d; want %d\n%s", at, doc.status, status, b.text("body"))
	}
	body := b.text("body")
	for _, text := range texts {
		if !strings.Contains(body, text) {
			b.t.Fatalf("at %s: no %q in what the page shows:\n%s", at, text, body)
		}
	}
}

func withoutQuery(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i]
	}
	return raw
}

// shot saves a full-page PNG of what the browser shows as the test's next
// numbered screenshot, NN-step.png.
func (b *browser) shot(step string) {
	b.t.Helper()
	b.n++
	ctx, cancel := context.WithTimeout(b.ctx, actionBudget)
	defer cancel()
	png, err := chromedp.Run(ctx, fullPage)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", step, err)
	}
	name := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, step))
	if err := os.WriteFile(name, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// fullPage captures the whole page, beyond the viewport, as PNG.
func fullPage(ctx context.Context, t *chromedp.Target) ([]byte, error) {
	m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
	if err != nil {
		return nil, err
	}
	if m.CSSContentSize == nil || m.CSSLayoutViewport == nil {
		return nil, errors.New("no layout metrics")
	}
	width := max(m.CSSContentSize.Width, float64(m.CSSLayoutViewport.ClientWidth))
	height := max(m.CSSContentSize.Height, float64(m.CSSLayoutViewport.ClientHeight))
	beyond := true
	res, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		Clip:                  &page.Viewport{Width: width, Height: height, Scale: 1},
		CaptureBeyondViewport: &beyond,
	})
	return res.Data, err
}

// phone makes the browser a 390×844 phone (touch, mobile viewport) until
// laptop is called.
func (b *browser) phone() {
	b.t.Helper()
	b.do("emulate a phone", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile, chromedp.EmulatePortrait))
}

// laptop ends phone: the browser's own window size again.
func (b *browser) laptop() {
	b.t.Helper()
	b.do("stop emulating", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{})
		return err
	}))
}

// overflows reports whether the page is wider than the viewport (a
// layout that does not fit a phone scrolls sideways).
func (b *browser) overflows() bool {
	b.t.Helper()
	return evalIn[bool](b, "document.documentElement.scrollWidth > window.innerWidth + 1")
}
