package scim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestUserLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		body := userBody("Alice@Acme.example")
		body["externalId"] = "00u1"
		body["title"] = "Engineer"
		body["id"] = "attacker-chosen"
		body["meta"] = map[string]any{"created": "1999-01-01T00:00:00Z"}
		body["password"] = "1mz050nq"
		body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = map[string]any{
			"department": "Sales", "employeeNumber": "E-7", "manager": "mgr-1"}
		body["urn:example:custom:1.0:User"] = map[string]any{"shoeSize": json.Number("38")}
		body["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:custom:1.0:User"}

		created := e.do(http.MethodPost, "/scim/v2/Users", body).want(t, http.StatusCreated)
		id := created.str("id")
		if id == "attacker-chosen" || id == "" {
			t.Fatalf("id = %q; the server must assign it", id)
		}
		if created.header.Get("Location") != "https://latchkey.example.com/scim/v2/Users/"+id ||
			created.header.Get("ETag") != `W/"1"` || created.str("meta.version") != `W/"1"` {
			t.Fatalf("Location %q ETag %q meta.version %q", created.header.Get("Location"), created.header.Get("ETag"), created.str("meta.version"))
		}
		if strings.HasPrefix(created.str("meta.created"), "1999") || created.get("password") != nil {
			t.Fatalf("client-set meta or password leaked into the resource:\n%s", created.raw)
		}
		for path, want := range map[string]any{
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User|manager.value": "mgr-1",
			"urn:ietf:params:scim:schemas:extension:latchkey:2.0:User|invited":         false,
			"urn:ietf:params:scim:schemas:extension:latchkey:2.0:User|authMethod":      "password",
			"urn:example:custom:1.0:User|shoeSize":                                     float64(38),
			"externalId":                                                               "00u1",
			"active":                                                                   true,
		} {
			if got := created.get(path); got != want {
				t.Errorf("%s = %v; want %v", path, got, want)
			}
		}

		got := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		if got.str("userName") != "Alice@Acme.example" || got.get("urn:example:custom:1.0:User|shoeSize") != float64(38) {
			t.Fatalf("GET lost data:\n%s", got.raw)
		}
		e.do(http.MethodGet, "/scim/v2/Users/"+id, nil, "If-None-Match", `W/"1"`).want(t, http.StatusNotModified)

		dup := userBody("alice@ACME.example")
		e.do(http.MethodPost, "/scim/v2/Users", dup).wantError(t, http.StatusConflict, "uniqueness")
		found := e.do(http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "ALICE@acme.EXAMPLE"`), nil).want(t, http.StatusOK)
		if found.get("totalResults") != float64(1) || found.str("Resources.0.id") != id {
			t.Fatalf("case-insensitive lookup after a conflict:\n%s", found.raw)
		}

		// Okta's PUT sends back everything it read, plus a password.
		put := got.body
		put["title"] = "Staff Engineer"
		put["password"] = "new-secret"
		delete(put, "externalId")
		replaced := e.do(http.MethodPut, "/scim/v2/Users/"+id, put, "If-Match", `W/"1"`).want(t, http.StatusOK)
		if replaced.str("title") != "Staff Engineer" || replaced.get("externalId") != nil || replaced.str("meta.version") != `W/"2"` {
			t.Fatalf("PUT result:\n%s", replaced.raw)
		}
		e.do(http.MethodPut, "/scim/v2/Users/"+id, put, "If-Match", `W/"1"`).wantError(t, http.StatusPreconditionFailed, "")

		e.do(http.MethodDelete, "/scim/v2/Users/"+id, nil).want(t, http.StatusNoContent)
		e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).wantError(t, http.StatusNotFound, "")
		e.do(http.MethodDelete, "/scim/v2/Users/"+id, nil).wantError(t, http.StatusNotFound, "")

		events, err := e.store.ListAudit(t.Context(), e.org.ID, directory.AuditQuery{TargetID: id})
		if err != nil || len(events) != 3 || events[0].Action != "user.delete" || events[2].ActorName != "Entra ID" {
			t.Fatalf("audit = %+v, %v; want create, replace, delete by the token", events, err)
		}
	})
}

// TestDeleteClaimedUserDeactivates: people who claimed their account keep
// it; DELETE deactivates instead (documented in the README).
func TestDeleteClaimedUserDeactivates(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		id := e.do(http.MethodPost, "/scim/v2/Users", userBody("claimed@acme.example")).want(t, http.StatusCreated).str("id")
		a, err := e.store.Account(t.Context(), e.org.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		a.State = directory.StateClaimed
		if err := e.store.UpdateAccount(t.Context(), &a); err != nil {
			t.Fatal(err)
		}
		e.do(http.MethodDelete, "/scim/v2/Users/"+id, nil).want(t, http.StatusNoContent)
		got := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		if got.get("active") != false || got.get("urn:ietf:params:scim:schemas:extension:latchkey:2.0:User|claimed") != true {
			t.Fatalf("claimed user after DELETE:\n%s", got.raw)
		}
	})
}

func TestUserRequestErrors(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{bodyLimit: 4096})
	for name, tc := range map[string]struct {
		body     any
		status   int
		scimType string
	}{
		"not JSON":        {"{", 400, "invalidSyntax"},
		"array":           {"[]", 400, "invalidSyntax"},
		"no schemas":      {map[string]any{"userName": "x"}, 400, "invalidSyntax"},
		"no userName":     {map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}}, 400, "invalidValue"},
		"active not bool": {map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "x", "active": "maybe"}, 400, "invalidValue"},
		"emails not list": {map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "x", "emails": 7}, 400, "invalidValue"},
		"duplicate keys":  {`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","USERNAME":"b"}`, 400, "invalidSyntax"},
		"too large":       {`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + stringOf('x', 5000) + `"}`, 413, ""},
	} {
		t.Run(name, func(t *testing.T) {
			e.do(http.MethodPost, "/scim/v2/Users", tc.body).wantError(t, tc.status, tc.scimType)
		})
	}
	n, err := e.store.CountAccounts(t.Context(), e.org.ID)
	if err != nil || n != 0 {
		t.Fatalf("accounts after refused requests = %d, %v; want 0", n, err)
	}
	// Booleans as strings, as Entra sends them, are accepted.
	body := userBody("entra@acme.example")
	body["active"] = "False"
	r := e.do(http.MethodPost, "/scim/v2/Users", body).want(t, http.StatusCreated)
	if r.get("active") != false {
		t.Fatalf(`active "False" became %v`, r.get("active"))
	}
	// application/json and no Content-Type at all are accepted too.
	r = e.do(http.MethodPost, "/scim/v2/Users", userBody("json@acme.example"), "Content-Type", "application/json")
	r.want(t, http.StatusCreated)
}

// TestConcurrentDuplicateCreates: an IdP retrying a create it timed out on
// gets one 201 and 409s, never a 500, and one account exists.
func TestConcurrentDuplicateCreates(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		const n = 20
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- e.do(http.MethodPost, "/scim/v2/Users", userBody("retry@acme.example")).status
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		if count[http.StatusCreated] != 1 || count[http.StatusConflict] != n-1 {
			t.Fatalf("statuses = %v; want one 201 and %d 409", count, n-1)
		}
	})
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{rate: 1, burst: 2})
	e.do(http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	e.do(http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	r := e.do(http.MethodGet, "/scim/v2/Users", nil).wantError(t, http.StatusTooManyRequests, "tooMany")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}
