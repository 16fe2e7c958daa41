package claim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
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
	"github.com/latchkeyhq/latchkey/scim"
	"github.com/latchkeyhq/latchkey/server"
)

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

// env is the invitation pipeline on a real database: the SCIM endpoint
// with the inviter as its policy, River workers, and a real SMTP server.
type env struct {
	t       *testing.T
	b       backend
	url     string
	store   *gormstore.Store
	org     directory.Organization
	inviter *claim.Inviter
	jobs    *jobqueue.Queue
	smtp    *mailtest.Server
	http    http.Handler
	token   string
	logs    *syncBuffer
	metrics *prometheus.Registry
}

type envOptions struct {
	reminders []time.Duration
	smtp      mailtest.Options
	noWorkers bool
}

// workerRescue is how soon the test workers take a job whose process
// died for stuck (River's rescuer; production waits 15 minutes).
const workerRescue = 2 * time.Second

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func eachBackend(t *testing.T, opts envOptions, fn func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, newEnv(t, b, b.url(t), opts)) })
	}
}

func newEnv(t *testing.T, b backend, url string, opts envOptions) *env {
	t.Helper()
	e := &env{t: t, b: b, url: url, logs: &syncBuffer{}, metrics: prometheus.NewRegistry()}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store, err := gormstore.Open(t.Context(), gormstore.Options{URL: url, Dialect: b.dialect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	e.store = store
	if _, err := migrations.Up(t.Context(), store.DB(), migrations.Dialect(b.dialect)); err != nil {
		t.Fatal(err)
	}
	if _, err := jobqueue.Migrate(t.Context(), jobqueue.Dialect(b.dialect), store.DB()); err != nil {
		t.Fatal(err)
	}
	e.org = directory.Organization{Slug: "acme", Name: "Acme"}
	if err := store.CreateOrganization(t.Context(), &e.org); err != nil {
		t.Fatal(err)
	}
	e.jobs, err = jobqueue.New(t.Context(), jobqueue.Options{Dialect: jobqueue.Dialect(b.dialect), DB: store.DB(), DatabaseURL: url, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := claim.NewSecrets([]byte(serverKey))
	if err != nil {
		t.Fatal(err)
	}
	reminders := opts.reminders
	if reminders == nil {
		reminders = []time.Duration{}
	}
	e.inviter = claim.NewInviter(claim.Options{Secrets: secrets, Jobs: e.jobs, BaseURL: "https://latchkey.example.com",
		Reminders: reminders, Logger: log})
	e.smtp = mailtest.NewServer(t, opts.smtp)
	if !opts.noWorkers {
		e.startWorkers(store, log)
	}
	hasher, err := credential.NewHasher([]byte(serverKey))
	if err != nil {
		t.Fatal(err)
	}
	token, hash, err := hasher.New(credential.KindScim)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateScimToken(t.Context(), &directory.ScimToken{OrgID: e.org.ID, Name: "Entra ID", Hash: hash}); err != nil {
		t.Fatal(err)
	}
	e.token = token
	h := scim.New(scim.Options{Store: store, Hasher: hasher, BaseURL: "https://latchkey.example.com", Policy: e.inviter, Claims: e.inviter,
		RatePerSecond: 10000, Burst: 10000})
	e.http = server.New(server.Options{DB: store, Areas: []server.Area{h}}).Handler()
	return e
}

// startWorkers runs a River worker set on store, as one server process.
func (e *env) startWorkers(store *gormstore.Store, log *slog.Logger) *jobqueue.Queue {
	e.t.Helper()
	cfg, err := mailer.ParseURL(e.smtp.URL())
	if err != nil {
		e.t.Fatal(err)
	}
	m, err := mailer.New(cfg, mailer.Options{From: "Acme IT <it@acme.example>", RootCAs: e.smtp.CertPool()})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = m.Close() })
	workers := river.NewWorkers()
	claim.AddWorkers(workers, store, e.inviter, claim.SMTPPostman{Sender: m}, claim.NewMetrics(e.metrics))
	q, err := jobqueue.New(e.t.Context(), jobqueue.Options{Dialect: jobqueue.Dialect(e.b.dialect), DB: store.DB(), DatabaseURL: e.url,
		Workers: workers, PollInterval: 50 * time.Millisecond, MaxAttempts: 3, Logger: log,
		RescueAfter: workerRescue, JobTimeout: workerRescue / 2})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	return q
}

// scim sends a SCIM request and decodes the answer.
func (e *env) scim(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var reader io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		reader = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, "https://latchkey.example.com"+path, reader)
	req.Header.Set("Authorization", "Bearer "+e.token)
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	if rec.Code >= 400 {
		e.t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
	}
	return rec.Code, out
}

// user creates a user over SCIM; department and email may be empty.
func (e *env) user(userName, email, department string, extra map[string]any) directory.Account {
	e.t.Helper()
	body := map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName, "name": map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": department},
	}
	if email != "" {
		body["emails"] = []any{map[string]any{"value": email, "type": "work", "primary": true}}
	}
	for k, v := range extra {
		body[k] = v
	}
	_, out := e.scim(http.MethodPost, "/scim/v2/Users", body)
	return e.account(out["id"].(string))
}

func (e *env) account(id string) directory.Account {
	e.t.Helper()
	a, err := e.store.Account(e.t.Context(), e.org.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) rule(name, filter string, action directory.InviteAction) directory.InviteRule {
	e.t.Helper()
	r := directory.InviteRule{OrgID: e.org.ID, Name: name, Filter: filter, Action: action, Message: "Welcome, " + name}
	err := e.store.InTx(e.t.Context(), func(tx directory.Store) error {
		if err := tx.CreateInviteRule(e.t.Context(), &r); err != nil {
			return err
		}
		return e.inviter.StartBackfill(e.t.Context(), tx, r)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

var linkPattern = regexp.MustCompile(`https://latchkey\.example\.com/claim/([A-Za-z0-9_-]+)`)

// linkIn reads the claim token out of a delivered message's text part.
func linkIn(t *testing.T, m mailtest.Message) string {
	t.Helper()
	found := linkPattern.FindStringSubmatch(m.Text)
	if found == nil {
		t.Fatalf("no claim link in the message:\n%s", m.Text)
	}
	return found[1]
}

// counter reads the delivery counter of a message kind and outcome; a
// second worker set (TestTwoServersDeliverOnce) registers on its own
// registry.
func (e *env) counter(message, outcome string) float64 {
	e.t.Helper()
	families, err := e.metrics.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "latchkey_invitation_deliveries_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["message"] == message && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// auditActions lists the actions recorded about a target, oldest first.
func (e *env) auditActions(targetID string) []string {
	e.t.Helper()
	events, err := e.store.ListAudit(e.t.Context(), e.org.ID, directory.AuditQuery{TargetID: targetID, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for i := len(events) - 1; i >= 0; i-- {
		out = append(out, events[i].Action)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// quiet waits long enough for a job that should not run to show that it
// does not: past a marker message that was enqueued after it.
func (e *env) settle(before int) {
	e.t.Helper()
	time.Sleep(300 * time.Millisecond)
	if n := e.smtp.Count(); n != before {
		e.t.Fatalf("%d messages arrived; want %d", n, before)
	}
}
