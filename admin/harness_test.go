package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/jobqueue"
	"github.com/latchkeyhq/latchkey/mailer"
	"github.com/latchkeyhq/latchkey/mailer/mailtest"
	"github.com/latchkeyhq/latchkey/migrations"
	"github.com/latchkeyhq/latchkey/server"
)

// testBaseURL is the public URL links in tests start with.
const testBaseURL = "https://latchkey.example.com"

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

// adminEnv is the admin API on a real, migrated database behind the real
// HTTP server, with the real inviter, River workers (claim's and the
// admin API's own) and a real SMTP server receiving every email.
type adminEnv struct {
	t       *testing.T
	b       backend
	store   *gormstore.Store
	hasher  credential.Hasher
	inviter *claim.Inviter
	handler *Handler
	smtp    *mailtest.Server
	org     directory.Organization
	http    http.Handler
}

// envOptions change the environment; the zero value is the usual one.
type envOptions struct {
	// noWorkers leaves jobs queued, for tests that inspect them.
	noWorkers bool
	// exportDir keeps export files in a directory instead of the database.
	exportDir string
	now       func() time.Time
}

func eachBackend(t *testing.T, fn func(t *testing.T, e *adminEnv)) {
	eachBackendWith(t, envOptions{}, fn)
}

func eachBackendWith(t *testing.T, opts envOptions, fn func(t *testing.T, e *adminEnv)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, newEnv(t, b, opts)) })
	}
}

func newEnv(t *testing.T, b backend, opts envOptions) *adminEnv {
	t.Helper()
	url := b.url(t)
	e := &adminEnv{t: t, b: b}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := gormstore.Open(t.Context(), gormstore.Options{URL: url, Dialect: b.dialect})
	must(t, err)
	t.Cleanup(func() { _ = store.Close() })
	e.store = store
	_, err = migrations.Up(t.Context(), store.DB(), migrations.Dialect(b.dialect))
	must(t, err)
	_, err = jobqueue.Migrate(t.Context(), jobqueue.Dialect(b.dialect), store.DB())
	must(t, err)
	e.org = directory.Organization{Slug: "acme", Name: "Acme"}
	must(t, store.CreateOrganization(t.Context(), &e.org))

	inserts, err := jobqueue.New(t.Context(), jobqueue.Options{Dialect: jobqueue.Dialect(b.dialect), DB: store.DB(), DatabaseURL: url, Logger: log})
	must(t, err)
	secrets, err := claim.NewSecrets([]byte(testServerKey))
	must(t, err)
	e.inviter = claim.NewInviter(claim.Options{Secrets: secrets, Jobs: inserts, BaseURL: testBaseURL, Reminders: []time.Duration{}, Now: opts.now, Logger: log})
	e.hasher, err = credential.NewHasher([]byte(testServerKey))
	must(t, err)

	e.smtp = mailtest.NewServer(t, mailtest.Options{})
	cfg, err := mailer.ParseURL(e.smtp.URL())
	must(t, err)
	m, err := mailer.New(cfg, mailer.Options{From: "Latchkey <no-reply@latchkey.example.com>", RootCAs: e.smtp.CertPool()})
	must(t, err)
	t.Cleanup(func() { _ = m.Close() })
	postman := claim.SMTPPostman{Sender: m}

	e.handler = New(Options{Store: store, Hasher: e.hasher, Inviter: e.inviter, Jobs: inserts, Postman: postman,
		BaseURL: testBaseURL, SigningKey: []byte(strings.Repeat("s", 32)), ExportDir: opts.exportDir, Logger: log, Now: opts.now})
	if !opts.noWorkers {
		workers := river.NewWorkers()
		claim.AddWorkers(workers, store, e.inviter, postman, nil)
		e.handler.AddWorkers(workers)
		q, err := jobqueue.New(t.Context(), jobqueue.Options{Dialect: jobqueue.Dialect(b.dialect), DB: store.DB(), DatabaseURL: url,
			Workers: workers, PollInterval: 50 * time.Millisecond, MaxAttempts: 3, Logger: log,
			RescueAfter: 2 * time.Minute, JobTimeout: time.Minute})
		must(t, err)
		must(t, q.Start(context.Background()))
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = q.Stop(ctx)
		})
	}
	e.http = server.New(server.Options{DB: store, Areas: []server.Area{e.handler}}).Handler()
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// token creates an admin with role in org and returns a token of theirs.
func (e *adminEnv) token(orgID, email string, role directory.Role) string {
	e.t.Helper()
	adm := directory.Admin{OrgID: orgID, Email: email, Role: role}
	must(e.t, e.store.CreateAdmin(e.t.Context(), &adm))
	token, hash, err := e.hasher.New(credential.KindAdmin)
	must(e.t, err)
	tok := directory.AdminToken{OrgID: orgID, AdminID: adm.ID, Name: "test", Hash: hash}
	must(e.t, e.store.CreateAdminToken(e.t.Context(), &tok))
	return token
}

// response is an answer of the API.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object (nil when it is not one).
func (r response) JSON() map[string]any {
	var out map[string]any
	_ = json.Unmarshal(r.Body, &out)
	return out
}

// do sends a request with token (none when "") and body (JSON-encoded
// unless it is a string, sent as is).
func (e *adminEnv) do(method, path, token string, body any) response {
	e.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		must(e.t, err)
		reader = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, testBaseURL+path, reader)
	if reader != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, req)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// get is do for GET, decoding the body.
func (e *adminEnv) get(token, path string) (int, map[string]any) {
	e.t.Helper()
	r := e.do(http.MethodGet, path, token, nil)
	return r.Status, r.JSON()
}

// person stores an account as an identity provider would have pushed it
// (state not_invited, active, with a work email unless email is "").
func (e *adminEnv) person(userName, email string, change func(a *directory.Account)) directory.Account {
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

// waitFor polls cond until it holds or 30 s pass (background jobs).
func (e *adminEnv) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
