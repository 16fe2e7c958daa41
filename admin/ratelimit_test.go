package admin

import (
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/server"
)

// rateClock is a clock the rate-limit tests move by hand.
type rateClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *rateClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *rateClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// limitedAPI is the admin API with a limit of perSecond per token whose
// state is in rates (nil: memory), served as the server serves it.
func limitedAPI(e *adminEnv, store *gormstore.Store, rates directory.RateLimitStore, clock *rateClock) (*Handler, http.Handler) {
	h := New(Options{Store: store, Hasher: e.hasher, Inviter: e.inviter, BaseURL: testBaseURL,
		RatePerSecond: 1, Rates: rates, Now: clock.Now})
	return h, server.New(server.Options{DB: store, Areas: []server.Area{h}}).Handler()
}

// adminWithToken creates an admin and a token of theirs.
func adminWithToken(e *adminEnv, email string) (directory.Admin, string) {
	e.t.Helper()
	adm := directory.Admin{OrgID: e.org.ID, Email: email, Role: directory.RoleSystemAdmin}
	must(e.t, e.store.CreateAdmin(e.t.Context(), &adm))
	token, hash, err := e.hasher.New(credential.KindAdmin)
	must(e.t, err)
	must(e.t, e.store.CreateAdminToken(e.t.Context(), &directory.AdminToken{OrgID: e.org.ID, AdminID: adm.ID, Name: "script", Hash: hash}))
	return adm, token
}

// wantRateLimited checks a 429 problem document with Retry-After.
func wantRateLimited(t *testing.T, r response, retryAfter string) {
	t.Helper()
	body := r.JSON()
	if r.Status != http.StatusTooManyRequests || body["code"] != "rate_limited" || body["status"] != float64(429) ||
		r.Header.Get("Content-Type") != "application/problem+json" || r.Header.Get("Retry-After") != retryAfter {
		t.Fatalf("over the limit: %d %s %v (Retry-After %q); want a rate_limited problem, Retry-After %s",
			r.Status, r.Header.Get("Content-Type"), body, r.Header.Get("Retry-After"), retryAfter)
	}
}

// TestAdminRateLimit: each admin token has its own bucket (rate 1/s,
// burst 2 here); past it the API answers 429 problem+json with
// Retry-After, on both backends with the state in the database (as
// replicas keep it) and in memory (a lone server). The console's
// in-process calls for the same admin are not charged.
func TestAdminRateLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		for _, where := range []struct {
			name  string
			rates directory.RateLimitStore
		}{{"database", e.store}, {"memory", nil}} {
			t.Run(where.name, func(t *testing.T) {
				clock := &rateClock{now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
				h, api := limitedAPI(e, e.store, where.rates, clock)
				e.http = api
				adm, script := adminWithToken(e, where.name+"-script@acme.example")
				_, other := adminWithToken(e, where.name+"-other@acme.example")
				for range 2 {
					if r := e.do(http.MethodGet, "/admin/v1/me", script, nil); r.Status != http.StatusOK {
						t.Fatalf("within the burst: %d %s", r.Status, r.Body)
					}
				}
				wantRateLimited(t, e.do(http.MethodGet, "/admin/v1/me", script, nil), "1")
				if r := e.do(http.MethodGet, "/admin/v1/me", other, nil); r.Status != http.StatusOK {
					t.Fatalf("another token, same moment: %d %s", r.Status, r.Body)
				}
				for range 5 {
					rec := httptest.NewRecorder()
					h.ServeAs(rec, httptest.NewRequest(http.MethodGet, Prefix+"/me", nil), e.org.ID, adm.ID)
					if rec.Code != http.StatusOK {
						t.Fatalf("console call while the token is limited: %d %s", rec.Code, rec.Body)
					}
				}
				clock.advance(time.Second)
				if r := e.do(http.MethodGet, "/admin/v1/me", script, nil); r.Status != http.StatusOK {
					t.Fatalf("after Retry-After: %d %s", r.Status, r.Body)
				}
				wantRateLimited(t, e.do(http.MethodGet, "/admin/v1/me", script, nil), "1")
			})
		}
	})
}

// TestAdminRateLimitSharedByReplicas: two replicas (two stores, two
// pools) on one PostgreSQL database draw on one bucket per token.
func TestAdminRateLimitSharedByReplicas(t *testing.T) {
	url := testdb.PostgresURL(t, os.Getenv)
	e := newEnv(t, backend{"postgres", gormstore.Postgres, func(testing.TB) string { return url }}, envOptions{noWorkers: true})
	second, err := gormstore.Open(t.Context(), gormstore.Options{URL: url, Dialect: gormstore.Postgres})
	must(t, err)
	t.Cleanup(func() { _ = second.Close() })
	clock := &rateClock{now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	_, first := limitedAPI(e, e.store, e.store, clock)
	_, other := limitedAPI(e, second, second, clock)
	replicas := []http.Handler{first, other}
	_, token := adminWithToken(e, "script@acme.example")
	for i := range 2 {
		e.http = replicas[i]
		if r := e.do(http.MethodGet, "/admin/v1/me", token, nil); r.Status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	for _, r := range replicas {
		e.http = r
		wantRateLimited(t, e.do(http.MethodGet, "/admin/v1/me", token, nil), "1")
	}
}
