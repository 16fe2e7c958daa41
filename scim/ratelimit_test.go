package scim

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/latchkeyhq/latchkey/scim/schemas"
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
