package pages_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/claim/pages"
	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/migrations"
	"github.com/latchkeyhq/latchkey/scim"
	"github.com/latchkeyhq/latchkey/server"
	"github.com/latchkeyhq/latchkey/sso"
)

// backend is a database the tests run on; PostgreSQL is skipped unless
// LATCHKEY_TEST_DATABASE_URL is set.
type backend struct {
	name    string
	dialect gormstore.Dialect
	url     func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", gormstore.SQLite, testdb.SQLitePath},
	{"postgres", gormstore.Postgres, func(t testing.TB) string { return testdb.PostgresURL(t, os.Getenv) }},
}

const serverKey = "an-example-server-key-for-tests-only-0123"

// eachBackend runs fn with a fresh environment per backend.
func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, newEnv(t, b)) })
	}
}

// testClock is real time plus an offset the test moves.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// nopJobs drops the jobs the inviter enqueues (invitation emails): these
// tests take links and codes from the inviter directly.
type nopJobs struct{}

func (nopJobs) Enqueue(context.Context, directory.Store, river.JobArgs, *river.InsertOpts) error {
	return nil
}

// env is the pages, the SCIM endpoint (with the inviter as its policy)
// and an https server on one database, the way `latchkey serve` wires
// them, plus a clock the test moves.
type env struct {
	t        *testing.T
	b        backend
	store    *gormstore.Store
	org      directory.Organization
	clock    *testClock
	inviter  *claim.Inviter
	sp       *sso.ServiceProvider
	server   *httptest.Server
	base     string
	scimAuth string
	secrets  claim.Secrets
	logs     *syncBuffer
	// metrics is where the pages count; read it through reg.
	metrics *claim.Metrics
	reg     *prometheus.Registry
}

func openStore(t testing.TB, b backend, url string) *gormstore.Store {
	t.Helper()
	// Few connections: the test PostgreSQL is shared with other suites.
	s, err := gormstore.Open(context.Background(), gormstore.Options{URL: url, Dialect: b.dialect, MaxOpenConns: 4})
	if err != nil {
		t.Fatalf("open %s: %v", b.name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := migrations.Up(context.Background(), s.DB(), migrations.Dialect(b.dialect)); err != nil {
		t.Fatalf("migrate %s: %v", b.name, err)
	}
	return s
}

func newEnv(t *testing.T, b backend) *env { return newEnvAt(t, b, true) }

// newEnvAt is newEnv serving https (tls) or, for the browser tests, plain
// http on loopback, which browsers treat as a secure context (so the
// cookies keep Secure and their __Host- names) without a certificate to
// trust.
func newEnvAt(t *testing.T, b backend, tls bool) *env {
	t.Helper()
	e := &env{t: t, b: b, store: openStore(t, b, b.url(t)), clock: &testClock{}, logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server warnings and errors:\n%s", e.logs.grep("level=WARN", "level=ERROR"))
		}
	})
	e.org = directory.Organization{Slug: "acme", Name: "Acme"}
	if err := e.store.CreateOrganization(t.Context(), &e.org); err != nil {
		t.Fatal(err)
	}
	e.server = httptest.NewUnstartedServer(nil)
	e.base = "http://" + e.server.Listener.Addr().String()
	if tls {
		e.base = "https://" + e.server.Listener.Addr().String()
	}
	secrets, err := claim.NewSecrets([]byte(serverKey))
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = secrets
	e.inviter = claim.NewInviter(claim.Options{Secrets: secrets, Jobs: nopJobs{}, BaseURL: e.base,
		Reminders: []time.Duration{}, Now: e.clock.Now, Logger: log})
	e.sp, err = sso.New(sso.Options{BaseURL: e.base, Store: e.store, Now: e.clock.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	e.reg = prometheus.NewRegistry()
	e.metrics = claim.NewMetrics(e.reg)
	p, err := pages.New(pages.Options{Store: e.store, Inviter: e.inviter, Secrets: secrets, SSO: e.sp,
		Guard: claim.NewGuard(e.store, claim.GuardOptions{Now: e.clock.Now, Logger: log, Metrics: e.metrics}), BaseURL: e.base,
		Logger: log, Now: e.clock.Now, Metrics: e.metrics})
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := credential.NewHasher([]byte(serverKey))
	if err != nil {
		t.Fatal(err)
	}
	token, hash, err := hasher.New(credential.KindScim)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateScimToken(t.Context(), &directory.ScimToken{OrgID: e.org.ID, Name: "IdP", Hash: hash}); err != nil {
		t.Fatal(err)
	}
	e.scimAuth = "Bearer " + token
	scimArea := scim.New(scim.Options{Store: e.store, Hasher: hasher, BaseURL: e.base, Policy: e.inviter, Claims: e.inviter,
		RatePerSecond: 10000, Burst: 10000, Now: e.clock.Now})
	areas := append([]server.Area{scimArea}, p.Areas()...)
	e.server.Config.Handler = server.New(server.Options{DB: e.store, Areas: areas, Logger: log}).Handler()
	if tls {
		e.server.StartTLS()
	} else {
		e.server.Start()
	}
	t.Cleanup(e.server.Close)
	return e
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// grep returns the lines containing any of words.
func (b *syncBuffer) grep(words ...string) string {
	var out []string
	for _, line := range strings.Split(b.String(), "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// --- people ---

// person is what a test asks of a new SCIM user.
type person struct {
	userName, email, given, family, phone string
	authMethod                            string
	frontline, invited                    bool
}

// user provisions a person over SCIM, as an identity provider does.
func (e *env) user(p person) directory.Account {
	e.t.Helper()
	body := map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
			"urn:ietf:params:scim:schemas:extension:latchkey:2.0:User"},
		"userName": p.userName,
		"name":     map[string]any{"givenName": p.given, "familyName": p.family, "formatted": p.given + " " + p.family},
		"title":    "Engineer",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "R&D"},
	}
	if p.email != "" {
		body["emails"] = []any{map[string]any{"value": p.email, "type": "work", "primary": true}}
	}
	if p.phone != "" {
		body["phoneNumbers"] = []any{map[string]any{"value": p.phone, "type": "work"}}
	}
	lk := map[string]any{"frontline": p.frontline}
	if p.authMethod != "" {
		lk["authMethod"] = p.authMethod
	}
	body["urn:ietf:params:scim:schemas:extension:latchkey:2.0:User"] = lk
	status, out := e.scim(http.MethodPost, "/scim/v2/Users", body)
	if status != http.StatusCreated {
		e.t.Fatalf("create user: %d %v", status, out)
	}
	id := out["id"].(string)
	if p.invited {
		// A PATCH, as an admin's IdP does: invited=true in the POST
		// itself is not applied by the SCIM endpoint today.
		e.setInvited(id, true)
	}
	return e.account(id)
}

// setInvited invites (or revokes) over SCIM.
func (e *env) setInvited(id string, invited bool) {
	e.t.Helper()
	status, out := e.scim(http.MethodPatch, "/scim/v2/Users/"+id, map[string]any{
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace",
			"path": "urn:ietf:params:scim:schemas:extension:latchkey:2.0:User:invited", "value": invited}},
	})
	if status != http.StatusOK {
		e.t.Fatalf("invited=%v: %d %v", invited, status, out)
	}
}

func (e *env) scim(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.base+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", e.scimAuth)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := e.server.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// deactivate sets active=false over SCIM.
func (e *env) deactivate(id string) {
	e.t.Helper()
	status, out := e.scim(http.MethodPatch, "/scim/v2/Users/"+id, map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}},
	})
	if status != http.StatusOK {
		e.t.Fatalf("deactivate: %d %v", status, out)
	}
}

func (e *env) account(id string) directory.Account {
	e.t.Helper()
	a, err := e.store.Account(e.t.Context(), e.org.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// link is the account's claim link path (/claim/<token>).
func (e *env) link(a directory.Account) string {
	e.t.Helper()
	full := e.inviter.ClaimLink(e.account(a.ID))
	if full == "" {
		e.t.Fatalf("account %s has no claim link", a.UserName)
	}
	return strings.TrimPrefix(full, e.base)
}

func (e *env) code(a directory.Account) string {
	e.t.Helper()
	code := e.inviter.AccessCode(e.account(a.ID))
	if code == "" {
		e.t.Fatalf("account %s has no access code", a.UserName)
	}
	return code
}

func (e *env) updateOrg(change func(o *directory.Organization)) {
	e.t.Helper()
	change(&e.org)
	if err := e.store.UpdateOrganization(e.t.Context(), &e.org); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) publishTerms(text string) directory.Terms {
	e.t.Helper()
	terms := directory.Terms{OrgID: e.org.ID, Text: text}
	if err := e.store.PublishTerms(e.t.Context(), &terms); err != nil {
		e.t.Fatal(err)
	}
	return terms
}

func (e *env) group(name string, flags directory.GroupFlags) directory.Group {
	e.t.Helper()
	g := directory.Group{OrgID: e.org.ID, DisplayName: name, Resource: json.RawMessage(`{"displayName":"` + name + `"}`)}
	if err := e.store.CreateGroup(e.t.Context(), &g); err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.SetGroupFlags(e.t.Context(), e.org.ID, g.ID, flags); err != nil {
		e.t.Fatal(err)
	}
	return g
}

// session is the stored session a cookie or claim token names.
func (e *env) session(secret string) (directory.Session, error) {
	return e.store.SessionByHash(e.t.Context(), e.secrets.SessionHash(secret))
}

func (e *env) audited(action string) bool {
	e.t.Helper()
	events, err := e.store.ListAudit(e.t.Context(), e.org.ID, directory.AuditQuery{Action: action, Limit: 10})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(events) > 0
}

// --- a browser ---

// browser is a cookie-keeping client that follows redirects, like a
// person's browser; page is the last response.
type browser struct {
	e      *env
	client *http.Client
	page   response
}

type response struct {
	status int
	url    string
	header http.Header
	body   string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := e.server.Client()
	client := &http.Client{Transport: c.Transport, Jar: jar, Timeout: 60 * time.Second}
	return &browser{e: e, client: client}
}

func (b *browser) do(req *http.Request) response {
	b.e.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.page = response{status: resp.StatusCode, url: resp.Request.URL.String(), header: resp.Header, body: string(body)}
	return b.page
}

func (b *browser) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.e.base + path
}

func (b *browser) get(path string) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.url(path), nil)
	return b.do(req)
}

// post sends a form as a browser does from one of our pages: same-origin.
func (b *browser) post(path string, fields url.Values) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url(path), strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// submit fills in and posts the form with id on the current page.
func (b *browser) submit(id string, fields url.Values) response {
	b.e.t.Helper()
	f := findForm(b.e.t, b.page.body, id)
	for k, v := range fields {
		f.fields[k] = v
	}
	return b.post(f.action, f.fields)
}

// upload posts the picture form with a file.
func (b *browser) upload(name string, data []byte) response {
	b.e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("picture", name)
	_, _ = fw.Write(data)
	_ = w.WriteField("action", "continue")
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.url("/claim/steps/picture"), &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// want checks the current page's status and that it is at path and
// shows each text.
func (b *browser) want(status int, path string, texts ...string) {
	b.e.t.Helper()
	if b.page.status != status {
		b.e.t.Fatalf("at %s: status %d; want %d\n%s", b.page.url, b.page.status, status, b.page.body)
	}
	if path != "" {
		u, _ := url.Parse(b.page.url)
		if u.Path != path {
			b.e.t.Fatalf("at %s; want path %s\n%s", b.page.url, path, b.page.body)
		}
	}
	for _, text := range texts {
		if !strings.Contains(html.UnescapeString(b.page.body), text) {
			b.e.t.Fatalf("at %s: no %q in\n%s", b.page.url, text, b.page.body)
		}
	}
}

// form is an HTML form of a page: where it posts, and its fields with
// their values.
type form struct {
	action string
	fields url.Values
}

var (
	formPattern  = regexp.MustCompile(`(?s)<form ([^>]*)>(.*?)</form>`)
	attrPattern  = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
	inputPattern = regexp.MustCompile(`<input ([^>]*)>`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrPattern.FindAllStringSubmatch(s, -1) {
		m[a[1]] = html.UnescapeString(a[2])
	}
	return m
}

func findForm(t testing.TB, page, id string) form {
	t.Helper()
	for _, m := range formPattern.FindAllStringSubmatch(page, -1) {
		fa := attrs(m[1])
		if fa["id"] != id {
			continue
		}
		f := form{action: fa["action"], fields: url.Values{}}
		for _, in := range inputPattern.FindAllStringSubmatch(m[2], -1) {
			ia := attrs(in[1])
			if ia["name"] == "" || ia["type"] == "checkbox" || ia["type"] == "file" {
				continue
			}
			f.fields.Set(ia["name"], ia["value"])
		}
		return f
	}
	t.Fatalf("no form#%s in\n%s", id, page)
	return form{}
}

// pngPicture is a small PNG image.
func pngPicture(t testing.TB, size int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for x := range size {
		for y := range size {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
