package scim

import (
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/faultproxy"
	"github.com/latchkeyhq/latchkey/internal/testdb"
)

// TestDatabaseOutage cuts the connection to PostgreSQL under a running
// SCIM endpoint: requests answer 503 with Retry-After and a SCIM error
// body (never a 500 or a hang), a write attempted during the outage leaves
// nothing behind, and service resumes by itself.
func TestDatabaseOutage(t *testing.T) {
	dbURL, err := url.Parse(testdb.PostgresURL(t, os.Getenv))
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := faultproxy.Start(dbURL.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	dbURL.Host = proxy.Addr()
	e := newEnv(t, gormstore.Postgres, dbURL.String(), envOptions{})
	e.do(http.MethodPost, "/scim/v2/Users", userBody("before@acme.example")).want(t, http.StatusCreated)

	proxy.Cut()
	for _, r := range []response{
		e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "before@acme.example"`), nil),
		e.do(http.MethodPost, "/scim/v2/Users", userBody("during@acme.example")),
	} {
		r.wantError(t, http.StatusServiceUnavailable, "")
		if r.header.Get("Retry-After") == "" {
			t.Fatalf("503 without Retry-After:\n%s", r.raw)
		}
	}
	proxy.Restore()

	deadline := time.Now().Add(20 * time.Second)
	for {
		r := e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "during@acme.example"`), nil)
		if r.status == http.StatusOK {
			if r.get("totalResults") != float64(0) {
				t.Fatalf("a write refused during the outage was stored:\n%s", r.raw)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d after the database came back:\n%s", r.status, r.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.do(http.MethodPost, "/scim/v2/Users", userBody("after@acme.example")).want(t, http.StatusCreated)
}
