package scim

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/scim/schemas"
	"github.com/latchkeyhq/latchkey/server"
)

// TestRateLimitPerClient: tokens a SCIM client fetched from the OAuth
// endpoint share one bucket, so fetching more tokens buys no more rate.
func TestRateLimitPerClient(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{rate: 0.01, burst: 2})
	c := e.newClient(e.org.ID, "Entra ID gallery")
	first := e.postToken(clientCredentials(), "Authorization", basic(c.ClientID, c.secret)).wantToken(t)
	second := e.postToken(clientCredentials(), "Authorization", basic(c.ClientID, c.secret)).wantToken(t)
	e.doAs(first, http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	e.doAs(second, http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	e.doAs(second, http.MethodGet, "/scim/v2/Users", nil).wantError(t, http.StatusTooManyRequests, typeTooMany)
	// A static token has a bucket of its own.
	e.do(http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
}

// TestBulkPaysPerOperation: a bulk request costs one unit per operation;
// refused for the rate, it changes nothing.
func TestBulkPaysPerOperation(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{rate: 0.01, burst: 5})
	ops := []any{}
	for i := range 6 {
		ops = append(ops, map[string]any{"method": "POST", "path": "/Users", "bulkId": fmt.Sprint(i), "data": userBody(fmt.Sprintf("bulk%d@corp.com", i))})
	}
	bulk := map[string]any{"schemas": []string{schemas.BulkRequestURN}, "Operations": ops}
	r := e.do(http.MethodPost, "/scim/v2/Bulk", bulk).wantError(t, http.StatusTooManyRequests, typeTooMany)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	if n, _ := e.store.CountAccounts(t.Context(), e.org.ID); n != 0 {
		t.Fatalf("a bulk request refused for its rate created %d users", n)
	}
	e2 := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{rate: 0.01, burst: 5})
	bulk["Operations"] = ops[:4]
	e2.do(http.MethodPost, "/scim/v2/Bulk", bulk).want(t, http.StatusOK)
	e2.do(http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	e2.do(http.MethodGet, "/scim/v2/Users", nil).wantError(t, http.StatusTooManyRequests, typeTooMany)
}

// TestRateLimitSharedByReplicas: two replicas (each its own store, its
// own pool) on one PostgreSQL database enforce one limit per SCIM token
// and one per OAuth client: what one admitted, the other does not.
func TestRateLimitSharedByReplicas(t *testing.T) {
	url := testdb.PostgresURL(t, os.Getenv)
	e := newEnv(t, gormstore.Postgres, url, envOptions{})
	second, err := gormstore.Open(t.Context(), gormstore.Options{URL: url, Dialect: gormstore.Postgres})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = second.Close() })
	replica := func(store *gormstore.Store) http.Handler {
		h := New(Options{Store: store, Hasher: e.hasher, BaseURL: "https://latchkey.example.com",
			RatePerSecond: 0.01, Burst: 3, Rates: store})
		return server.New(server.Options{DB: store, Areas: []server.Area{h, h.TokenEndpoint()}}).Handler()
	}
	replicas := []http.Handler{replica(e.store), replica(second)}
	for i := range 3 {
		e.http = replicas[i%2]
		e.do(http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	}
	for i, r := range replicas {
		e.http = r
		if got := e.do(http.MethodGet, "/scim/v2/Users", nil).wantError(t, http.StatusTooManyRequests, typeTooMany); got.header.Get("Retry-After") == "" {
			t.Fatalf("replica %d: 429 without Retry-After", i)
		}
	}

	c := e.newClient(e.org.ID, "Okta")
	wrong := withForm(clientCredentials(), "client_id", c.ClientID, "client_secret", "lksc_wrong")
	for i := range tokenBurstPerClient {
		e.http = replicas[i%2]
		e.postToken(wrong, "RemoteAddr", fmt.Sprintf("198.51.100.%d:1000", i)).wantOAuthError(t, http.StatusUnauthorized, errInvalidClient)
	}
	for _, r := range replicas {
		e.http = r
		e.postToken(wrong, "RemoteAddr", "198.51.100.99:1000").wantOAuthError(t, http.StatusTooManyRequests, errSlowDown)
	}
}

// failingRates is a rate-limit store whose database is down.
type failingRates struct{ calls int }

func (f *failingRates) TakeRate(context.Context, string, directory.RateLimit, int, time.Time) (directory.RateDecision, error) {
	f.calls++
	return directory.RateDecision{}, directory.ErrUnavailable
}

// TestRateLimitFailsOpen: when the limits cannot be read the requests go
// on (they meet the database's real state next), and the outage is
// logged once, not once per request.
func TestRateLimitFailsOpen(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{})
	var log bytes.Buffer
	rates := &failingRates{}
	h := New(Options{Store: e.store, Hasher: e.hasher, BaseURL: "https://latchkey.example.com",
		RatePerSecond: 0.01, Burst: 1, Rates: rates, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	e.http = server.New(server.Options{DB: e.store, Areas: []server.Area{h, h.TokenEndpoint()}}).Handler()
	for range 4 {
		e.do(http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	}
	if rates.calls != 4 {
		t.Fatalf("the limiter was asked %d times; want 4", rates.calls)
	}
	if n := strings.Count(log.String(), "rate limits unavailable"); n != 1 {
		t.Fatalf("the outage was logged %d times; want once:\n%s", n, log.String())
	}
}

func TestMeIsNotImplemented(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{})
	e.do(http.MethodGet, "/scim/v2/Me", nil).wantError(t, http.StatusNotImplemented, "")
	e.do(http.MethodGet, "/scim/v2/Nope", nil).wantError(t, http.StatusNotFound, "")
}

// TestBulkResultsNameTheResource: every successful result carries its
// location, also those whose single-resource answer has no body.
func TestBulkResultsNameTheResource(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		bulk := map[string]any{"schemas": []string{schemas.BulkRequestURN}, "Operations": []any{
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "u", "data": userBody("loc@corp.com")},
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g", "data": groupBody("Loc")},
			map[string]any{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(map[string]any{
				"op": "add", "path": "members", "value": []any{map[string]any{"value": "bulkId:u"}}})},
			map[string]any{"method": "DELETE", "path": "/Users/bulkId:u"},
		}}
		r := e.do(http.MethodPost, "/scim/v2/Bulk", bulk).want(t, http.StatusOK)
		user := r.str("Operations.0.location")
		group := r.str("Operations.1.location")
		if user == "" || r.str("Operations.2.location") != group || r.str("Operations.3.location") != user {
			t.Fatalf("bulk locations:\n%s", r.raw)
		}
		if r.str("Operations.2.status") != "204" || r.str("Operations.3.status") != "204" {
			t.Fatalf("bulk statuses:\n%s", r.raw)
		}
	})
}
