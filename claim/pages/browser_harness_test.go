package pages_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive a real Chromium over the DevTools protocol
// (chromedp) through the pages of an env served over plain http on
// loopback: Chromium treats http://127.0.0.1 as a secure context, so it
// keeps the Secure __Host- cookies the server sets there.

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
	browserBudget = 60 * time.Second
	// actionBudget bounds one action or wait of a test.
	actionBudget = 20 * time.Second
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

// eachBrowserBackend is eachBackend for the browser tests: a fresh env,
// served over http, and a fresh browser per backend. They run on
// PostgreSQL too (when LATCHKEY_TEST_DATABASE_URL is set), which roughly
// doubles their share of a CI run; the pages reach the store through the
// same code on both, so SQLite alone would do if that ever matters.
func eachBrowserBackend(t *testing.T, fn func(t *testing.T, e *env, c *chrome)) {
	path := browserPath(t)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnvAt(t, b, false)
			fn(t, e, newChrome(t, e, path))
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

// chrome is one browser (its own profile) showing the pages of e, with
// what it saw: the responses of the documents it loaded and what it
// logged (among that, Content-Security-Policy violations).
type chrome struct {
	t     *testing.T
	e     *env
	ctx   context.Context
	shots string
	n     int

	mu     sync.Mutex
	docs   []document
	logged []string
}

// document is the response of a page the browser loaded.
type document struct {
	url    string
	status int
}

func newChrome(t *testing.T, e *env, path string) *chrome {
	t.Helper()
	c := &chrome{t: t, e: e, shots: screenshotDir(t)}
	var output syncBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // the tests may run as root (CI does)
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&output),
	)
	budget, cancelBudget := context.WithTimeout(t.Context(), browserBudget)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(budget, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	c.ctx = ctx
	// Cleanups run last-in first-out: the browser has exited before its
	// profile directory is removed.
	t.Cleanup(func() {
		if t.Failed() {
			c.mu.Lock()
			t.Logf("pages the browser loaded:\n%s\nbrowser log:\n%s", c.history(), strings.Join(c.logged, "\n"))
			c.mu.Unlock()
			if out := output.String(); out != "" {
				t.Logf("browser output:\n%s", out)
			}
		}
		cancelTab()
		cancelAlloc()
		cancelBudget()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v\n%s", path, err, output.String())
	}
	if err := chromedp.Listen(ctx, c.event); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The pages have no scripts, and every redirect and form must be
		// allowed by the CSP of the page it leaves: the browser must not
		// have refused anything.
		for _, line := range c.log() {
			if strings.Contains(line, "Content Security Policy") {
				t.Errorf("the browser refused something: %s", line)
			}
		}
	})
	return c
}

// event records, in the tab's event loop, the document responses and the
// browser's log.
func (c *chrome) event(ev any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument && ev.Response != nil {
			c.docs = append(c.docs, document{url: ev.Response.URL, status: int(ev.Response.Status)})
		}
	case *log.EventEntryAdded:
		if e := ev.Entry; e != nil {
			c.logged = append(c.logged, fmt.Sprintf("%s %s: %s %s", e.Level, e.Source, e.Text, e.URL))
		}
	}
}

func (c *chrome) history() string {
	var lines []string
	for _, d := range c.docs {
		lines = append(lines, fmt.Sprintf("  %d %s", d.status, d.url))
	}
	return strings.Join(lines, "\n")
}

func (c *chrome) log() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.logged...)
}

// lastDocument is the response of the last page the browser loaded.
func (c *chrome) lastDocument() (document, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.docs) == 0 {
		return document{}, false
	}
	return c.docs[len(c.docs)-1], true
}

// do runs actions within actionBudget, failing the test on an error.
func (c *chrome) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, actionBudget)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		c.t.Fatalf("%s: %v (at %s)", what, err, c.location())
	}
}

// eval evaluates a JavaScript expression in the page (the DevTools
// protocol is not bound by the page's CSP).
func eval[T any](c *chrome, expr string) T {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, actionBudget)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		c.t.Fatalf("evaluate %s: %v (at %s)", expr, err, c.location())
	}
	return v
}

func (c *chrome) location() string {
	ctx, cancel := context.WithTimeout(c.ctx, actionBudget)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

func (c *chrome) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return c.e.base + path
}

// open goes to path as a person typing it in the address bar does.
func (c *chrome) open(path string) {
	c.t.Helper()
	c.do("open "+path, chromedp.Navigate(c.url(path)))
}

// click clicks the element sel (a button, a link) and waits for the page
// it leads to.
func (c *chrome) click(sel string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, actionBudget)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		c.t.Fatalf("click %s: %v (at %s)", sel, err, c.location())
	}
}

// fill types value into the field sel, replacing what it held.
func (c *chrome) fill(sel, value string) {
	c.t.Helper()
	c.do("fill "+sel, chromedp.Clear(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.SendKeys(chromedp.CSS(sel), value))
}

// tick ticks the checkbox sel (by clicking it, or its label).
func (c *chrome) tick(sel string) {
	c.t.Helper()
	c.do("tick "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if !eval[bool](c, jsQuery(sel)+".checked") {
		c.t.Fatalf("%s is not ticked after a click", sel)
	}
}

// jsQuery is JavaScript for the element sel.
func jsQuery(sel string) string { return fmt.Sprintf("document.querySelector(%q)", sel) }

// has reports whether the page has an element sel, at once.
func (c *chrome) has(sel string) bool {
	c.t.Helper()
	return eval[bool](c, jsQuery(sel)+" !== null")
}

// visible reports whether sel is on the page and takes room in its
// layout; an image must also have loaded.
func (c *chrome) visible(sel string) bool {
	c.t.Helper()
	return eval[bool](c, fmt.Sprintf(`(() => {
		const el = %s;
		if (!el) return false;
		const box = el.getBoundingClientRect();
		if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") return false;
		return el.tagName !== "IMG" || (el.complete && el.naturalWidth > 0);
	})()`, jsQuery(sel)))
}

// text is the visible text of sel ("" when there is none).
func (c *chrome) text(sel string) string {
	c.t.Helper()
	return eval[string](c, fmt.Sprintf(`(() => { const el = %s; return el ? el.innerText : ""; })()`, jsQuery(sel)))
}

// value is the value of the field sel.
func (c *chrome) value(sel string) string {
	c.t.Helper()
	return eval[string](c, jsQuery(sel)+".value")
}

// want waits (within actionBudget) until the browser has loaded a page at
// path (a path of ours, or an absolute URL up to its query), then checks
// the HTTP status of that page and that it shows each text.
func (c *chrome) want(status int, path string, texts ...string) {
	c.t.Helper()
	want := c.url(path)
	deadline := time.Now().Add(actionBudget)
	var at string
	for {
		ctx, cancel := context.WithTimeout(c.ctx, time.Second)
		at, _ = chromedp.Run(ctx, chromedp.Location())
		ready, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.readyState"))
		cancel()
		if withoutQuery(at) == want && ready == "complete" {
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("the browser is at %s (%s); want %s", at, ready, want)
		}
		select {
		case <-c.ctx.Done():
			c.t.Fatalf("waiting for %s: %v", want, c.ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	doc, ok := c.lastDocument()
	if !ok || doc.url != at {
		c.t.Fatalf("at %s, but the last document the browser received is %+v", at, doc)
	}
	if doc.status != status {
		c.t.Fatalf("at %s: status %d; want %d\n%s", at, doc.status, status, c.text("body"))
	}
	body := c.text("body")
	for _, text := range texts {
		if !strings.Contains(body, text) {
			c.t.Fatalf("at %s: no %q in what the page shows:\n%s", at, text, body)
		}
	}
}

func withoutQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// errorNextTo checks that the page shows message in p.error#err-<field>,
// inside the same .field as the input the error is about (named name,
// or field), and that the input points to it for screen readers.
func (c *chrome) errorNextTo(field, input, message string) {
	c.t.Helper()
	errSel := "#err-" + field
	if !c.visible(errSel) {
		c.t.Fatalf("no visible %s at %s", errSel, c.location())
	}
	if got := c.text(errSel); !strings.Contains(got, message) {
		c.t.Fatalf("%s says %q; want %q", errSel, got, message)
	}
	inSel := fmt.Sprintf("input[name=%q]", input)
	together := eval[bool](c, fmt.Sprintf(`(() => {
		const err = %s, input = %s;
		const box = err && err.closest(".field, fieldset");
		return !!(box && input && box.contains(input));
	})()`, jsQuery(errSel), jsQuery(inSel)))
	if !together {
		c.t.Fatalf("%s is not next to %s", errSel, inSel)
	}
	if described := eval[string](c, jsQuery(inSel)+`.getAttribute("aria-describedby") || ""`); !strings.Contains(described, "err-"+field) {
		c.t.Fatalf("%s is not described by %s (aria-describedby=%q)", inSel, errSel, described)
	}
}

// cookie is the browser's cookie name for our pages, if it has one.
func (c *chrome) cookie(name string) (*network.Cookie, bool) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, actionBudget)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{c.e.base + "/"}})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, ck := range res.Cookies {
		if ck.Name == name {
			return ck, true
		}
	}
	return nil, false
}

// shot saves a full-page PNG of what the browser shows as the test's next
// numbered screenshot, NN-step.png.
func (c *chrome) shot(step string) {
	c.t.Helper()
	c.n++
	ctx, cancel := context.WithTimeout(c.ctx, actionBudget)
	defer cancel()
	png, err := chromedp.Run(ctx, fullPage)
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", step, err)
	}
	name := filepath.Join(c.shots, fmt.Sprintf("%02d-%s.png", c.n, step))
	if err := os.WriteFile(name, png, 0o644); err != nil {
		c.t.Fatal(err)
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

// phone makes the browser a 375×812 phone (touch, mobile viewport) until
// desktop is called.
func (c *chrome) phone() {
	c.t.Helper()
	c.do("emulate a phone", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulatePortrait))
}

// desktop ends phone: the browser's own window size again.
func (c *chrome) desktop() {
	c.t.Helper()
	c.do("stop emulating", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{})
		return err
	}))
}

// pngFile writes a generated PNG picture to a temporary file.
func pngFile(t *testing.T, size int) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "me.png")
	if err := os.WriteFile(name, pngPicture(t, size), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}
