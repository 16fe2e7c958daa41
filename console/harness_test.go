package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
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

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/admin"
	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/claim/pages"
	"github.com/latchkeyhq/latchkey/console"
	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/jobqueue"
	"github.com/latchkeyhq/latchkey/mailer"
	"github.com/latchkeyhq/latchkey/mailer/mailtest"
	"github.com/latchkeyhq/latchkey/migrations"
	"github.com/latchkeyhq/latchkey/password"
	"github.com/latchkeyhq/latchkey/server"
	"github.com/latchkeyhq/latchkey/sso"
)

const testServerKey = "an-example-server-key-for-tests-only-0123"

type backend struct {
	name    string
	dialect gormstore.Dialect
	url     func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", gormstore.SQLite, testdb.SQLitePath},
	{"postgres", gormstore.Postgres, func(t testing.TB) string { return testdb.PostgresURL(t, os.Getenv) }},
}

// env is the whole console as `latchkey serve` wires it, on a real,
// migrated database: the admin API under it, the claim pages (for the
// SAML ACS), River workers, and a real SMTP server receiving every
// email, behind the real HTTP server on loopback.
type env struct {
	t       *testing.T
	store   *gormstore.Store
	org     directory.Organization
	sp      *sso.ServiceProvider
	smtp    *mailtest.Server
	inviter *claim.Inviter
	hasher  credential.Hasher
	server  *httptest.Server
	// base is the server's URL: https (Go clients) or http on loopback
	// (browsers, which treat it as a secure context).
	base string
	logs *syncBuffer
}

func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, newEnv(t, b, true)) })
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newEnv(t *testing.T, b backend, tls bool) *env { return newEnvWith(t, b, tls, nil) }

// newEnvWith is newEnv with the console's options changed by change.
func newEnvWith(t *testing.T, b backend, tls bool, change func(*console.Options)) *env {
	t.Helper()
	dbURL := b.url(t)
	e := &env{t: t, logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server warnings and errors:\n%s", e.logs.grep("level=WARN", "level=ERROR"))
		}
	})
	store, err := gormstore.Open(t.Context(), gormstore.Options{URL: dbURL, Dialect: b.dialect})
	must(t, err)
	t.Cleanup(func() { _ = store.Close() })
	e.store = store
	_, err = migrations.Up(t.Context(), store.DB(), migrations.Dialect(b.dialect))
	must(t, err)
	_, err = jobqueue.Migrate(t.Context(), jobqueue.Dialect(b.dialect), store.DB())
	must(t, err)
	e.org = directory.Organization{Slug: "acme", Name: "Acme"}
	must(t, store.CreateOrganization(t.Context(), &e.org))

	e.server = httptest.NewUnstartedServer(nil)
	e.base = "http://" + e.server.Listener.Addr().String()
	if tls {
		e.base = "https://" + e.server.Listener.Addr().String()
	}
	inserts, err := jobqueue.New(t.Context(), jobqueue.Options{Dialect: jobqueue.Dialect(b.dialect), DB: store.DB(), DatabaseURL: dbURL, Logger: log})
	must(t, err)
	secrets, err := claim.NewSecrets([]byte(testServerKey))
	must(t, err)
	e.inviter = claim.NewInviter(claim.Options{Secrets: secrets, Jobs: inserts, BaseURL: e.base, Reminders: []time.Duration{}, Logger: log})
	e.hasher, err = credential.NewHasher([]byte(testServerKey))
	must(t, err)

	e.smtp = mailtest.NewServer(t, mailtest.Options{})
	cfg, err := mailer.ParseURL(e.smtp.URL())
	must(t, err)
	m, err := mailer.New(cfg, mailer.Options{From: "Latchkey <no-reply@latchkey.example.com>", RootCAs: e.smtp.CertPool()})
	must(t, err)
	t.Cleanup(func() { _ = m.Close() })
	postman := claim.SMTPPostman{Sender: m}

	api := admin.New(admin.Options{Store: store, Hasher: e.hasher, Inviter: e.inviter, Jobs: inserts, Postman: postman,
		BaseURL: e.base, SigningKey: []byte(strings.Repeat("s", 32)), Logger: log})
	workers := river.NewWorkers()
	claim.AddWorkers(workers, store, e.inviter, postman, nil)
	api.AddWorkers(workers)
	q, err := jobqueue.New(t.Context(), jobqueue.Options{Dialect: jobqueue.Dialect(b.dialect), DB: store.DB(), DatabaseURL: dbURL,
		Workers: workers, PollInterval: 50 * time.Millisecond, MaxAttempts: 3, Logger: log,
		RescueAfter: 2 * time.Minute, JobTimeout: time.Minute})
	must(t, err)
	must(t, q.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})

	e.sp, err = sso.New(sso.Options{BaseURL: e.base, Store: store, Logger: log})
	must(t, err)
	p, err := pages.New(pages.Options{Store: store, Inviter: e.inviter, Secrets: secrets, SSO: e.sp,
		Guard: claim.NewGuard(store, claim.GuardOptions{Logger: log}), BaseURL: e.base, Logger: log})
	must(t, err)
	opts := console.Options{Store: store, API: api, SSO: p, Secrets: secrets,
		Guard: claim.NewGuard(store, claim.GuardOptions{Logger: log}), BaseURL: e.base, Logger: log,
		// Tests read the tabs' counts on the page itself, so the page
		// waits for them however slow a loaded CI machine is; the tests of
		// late counts set their own budget.
		CountsBudget: time.Minute}
	if change != nil {
		change(&opts)
	}
	k, err := console.New(opts)
	must(t, err)
	p.OnAdminSignIn(k.FinishSSO)
	areas := append(append([]server.Area{api}, p.Areas()...), k)
	e.server.Config.Handler = server.New(server.Options{DB: store, Areas: areas, Logger: log}).Handler()
	if tls {
		e.server.StartTLS()
	} else {
		e.server.Start()
	}
	t.Cleanup(e.server.Close)
	return e
}

// testPassword is every test admin's console password.
const testPassword = "correct horse battery staple"

// admin creates an admin of the org with role and the console password
// testPassword.
func (e *env) admin(email string, role directory.Role) directory.Admin {
	e.t.Helper()
	adm := directory.Admin{OrgID: e.org.ID, Email: email, Role: role}
	must(e.t, e.store.CreateAdmin(e.t.Context(), &adm))
	hash, err := password.Hash(testPassword)
	must(e.t, err)
	must(e.t, e.store.SetAdminPassword(e.t.Context(), e.org.ID, adm.ID, hash, time.Now(), ""))
	return adm
}

// token mints an admin API token of adm, for tests that set things up
// through the API.
func (e *env) token(adm directory.Admin) string {
	e.t.Helper()
	token, hash, err := e.hasher.New(credential.KindAdmin)
	must(e.t, err)
	tok := directory.AdminToken{OrgID: e.org.ID, AdminID: adm.ID, Name: "test", Hash: hash}
	must(e.t, e.store.CreateAdminToken(e.t.Context(), &tok))
	return token
}

// api calls the admin API with token and a JSON body (nil: none).
func (e *env) api(method, path, token string, body any) (int, map[string]any) {
	e.t.Helper()
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		must(e.t, err)
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.base+path, reader)
	must(e.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.server.Client().Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// person stores an account as an identity provider would have pushed it
// (state not_invited, active, with a work email unless email is "");
// change may set more.
func (e *env) person(userName, email string, change func(a *directory.Account)) directory.Account {
	e.t.Helper()
	a := directory.Account{OrgID: e.org.ID, UserName: userName, DisplayName: userName, Active: true,
		State: directory.StateNotInvited, AuthMethod: directory.AuthPassword, Resource: json.RawMessage(`{}`)}
	if email != "" {
		a.Emails = []directory.Email{{Type: "work", Value: email, Primary: true}}
	}
	if change != nil {
		change(&a)
	}
	must(e.t, e.store.CreateAccount(e.t.Context(), &a))
	return a
}

// account reads an account back.
func (e *env) account(id string) directory.Account {
	e.t.Helper()
	a, err := e.store.Account(e.t.Context(), e.org.ID, id)
	must(e.t, err)
	return a
}

// audited reports whether the audit log has an event of action.
func (e *env) audited(action string) bool {
	e.t.Helper()
	events, err := e.store.ListAudit(e.t.Context(), e.org.ID, directory.AuditQuery{Action: action, Limit: 10})
	must(e.t, err)
	return len(events) > 0
}

// waitFor polls cond until it holds or 30 s pass (background jobs).
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// client is a browser without JavaScript: a cookie jar over the env's
// server, following redirects.
type client struct {
	e    *env
	http *http.Client
}

// response is a page the client got: its status, final URL and body.
type response struct {
	status int
	url    string
	body   string
	header http.Header
}

func (e *env) client() *client {
	e.t.Helper()
	jar, err := cookiejar.New(nil)
	must(e.t, err)
	hc := *e.server.Client()
	hc.Jar = jar
	return &client{e: e, http: &hc}
}

func (c *client) do(req *http.Request) response {
	c.e.t.Helper()
	resp, err := c.http.Do(req)
	must(c.e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(c.e.t, err)
	return response{status: resp.StatusCode, url: resp.Request.URL.String(), body: string(b), header: resp.Header}
}

// get loads a page (a path on the server, or an absolute URL).
func (c *client) get(path string) response {
	c.e.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = c.e.base + path
	}
	req, err := http.NewRequest(http.MethodGet, path, nil)
	must(c.e.t, err)
	return c.do(req)
}

// post submits a form as a same-origin browser does.
func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.e.base+path, strings.NewReader(form.Encode()))
	must(c.e.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// signIn signs the client in as email with testPassword and checks it
// lands in the console.
func (c *client) signIn(email string) {
	c.e.t.Helper()
	r := c.post("/admin/signin", url.Values{"email": {email}, "password": {testPassword}})
	if !strings.Contains(r.url, "/admin/people") {
		c.e.t.Fatalf("sign-in of %s: %d at %s\n%s", email, r.status, r.url, r.body)
	}
}

// signedInAs is a client signed in as a new admin of role.
func (e *env) signedInAs(email string, role directory.Role) (*client, directory.Admin) {
	e.t.Helper()
	adm := e.admin(email, role)
	c := e.client()
	c.signIn(email)
	return c, adm
}

// text is a page's visible text, roughly: tags dropped, space collapsed,
// entities of quotes and ampersands undone. Tests look for words in it.
func text(body string) string {
	s := tagPattern.ReplaceAllString(body, " ")
	s = strings.NewReplacer("&#39;", "'", "&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

var tagPattern = regexp.MustCompile(`(?s)<[^>]*>`)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) grep(words ...string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, line := range strings.Split(b.buf.String(), "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
