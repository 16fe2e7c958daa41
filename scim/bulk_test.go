package scim

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

func bulkBody(failOnErrors int, ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}, "failOnErrors": failOnErrors, "Operations": list}
}

// TestBulk: a group created with members created in the same request
// (bulkId references, even forward ones), per-operation results, and
// failOnErrors.
func TestBulk(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		r := e.do(http.MethodPost, "/scim/v2/Bulk", bulkBody(0,
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g1", "data": map[string]any{
				"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Bulk group",
				"members": []any{map[string]any{"type": "User", "value": "bulkId:u1"}, map[string]any{"type": "User", "value": "bulkId:u2"}}}},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "u1", "data": userBody("bulk1@acme.example")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "u2", "data": userBody("bulk2@acme.example")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "dup", "data": userBody("BULK1@acme.example")},
			map[string]any{"method": "PATCH", "path": "/Users/bulkId:u2", "data": patchBody(map[string]any{"op": "replace", "path": "title", "value": "Bulked"})},
		)).want(t, http.StatusOK)
		ops, _ := r.get("Operations").([]any)
		if len(ops) != 5 {
			t.Fatalf("results:\n%s", r.raw)
		}
		status := map[string]string{}
		for _, op := range ops {
			m := op.(map[string]any)
			key, _ := m["bulkId"].(string)
			if key == "" {
				key = m["method"].(string)
			}
			status[key] = m["status"].(string)
		}
		if status["g1"] != "201" || status["u1"] != "201" || status["u2"] != "201" || status["dup"] != "409" || status["PATCH"] != "200" {
			t.Fatalf("statuses = %v\n%s", status, r.raw)
		}
		g := e.do(http.MethodGet, "/scim/v2/Groups?filter="+q(`displayName eq "Bulk group"`), nil).want(t, http.StatusOK)
		if members, _ := g.get("Resources.0.members").([]any); len(members) != 2 {
			t.Fatalf("bulk group members:\n%s", g.raw)
		}

		// failOnErrors=1 stops after the first failure.
		r = e.do(http.MethodPost, "/scim/v2/Bulk", bulkBody(1,
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "x", "data": userBody("bulk1@acme.example")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "y", "data": userBody("never@acme.example")},
		)).want(t, http.StatusOK)
		if ops, _ := r.get("Operations").([]any); len(ops) != 1 {
			t.Fatalf("failOnErrors=1 ran more:\n%s", r.raw)
		}
		e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "never@acme.example"`), nil).want(t, http.StatusOK)

		// Circular and dangling references fail cleanly.
		r = e.do(http.MethodPost, "/scim/v2/Bulk", bulkBody(0,
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "a", "data": groupBody("A", "bulkId:b")},
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "b", "data": groupBody("B", "bulkId:a")},
			map[string]any{"method": "PATCH", "path": "/Users/bulkId:nowhere", "data": patchBody(map[string]any{"op": "replace", "path": "title", "value": "x"})},
		)).want(t, http.StatusOK)
		if !strings.Contains(string(r.raw), `"status":"409"`) {
			t.Fatalf("unresolvable references:\n%s", r.raw)
		}

		// Limits are enforced with 413.
		var many []map[string]any
		for range maxBulkOperations + 1 {
			many = append(many, map[string]any{"method": "DELETE", "path": "/Users/x"})
		}
		e.do(http.MethodPost, "/scim/v2/Bulk", bulkBody(0, many...)).wantError(t, http.StatusRequestEntityTooLarge, "")
		e.do(http.MethodPost, "/scim/v2/Bulk", `{"Operations":[]}`).wantError(t, http.StatusBadRequest, "invalidSyntax")
	})
}

// TestConcurrentMemberPatches: Entra sends member additions to one group
// in parallel; none may be lost and none may fail.
func TestConcurrentMemberPatches(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		gid := e.do(http.MethodPost, "/scim/v2/Groups", groupBody("Crowd")).want(t, http.StatusCreated).str("id")
		const n = 30
		ids := make([]string, n)
		for i := range ids {
			ids[i] = e.do(http.MethodPost, "/scim/v2/Users", userBody(strings.Repeat("p", i+1)+"@acme.example")).want(t, http.StatusCreated).str("id")
		}
		var wg sync.WaitGroup
		statuses := make(chan int, n)
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(map[string]any{
					"op": "Add", "path": "members", "value": []any{map[string]any{"value": id}}})).status
			}()
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != http.StatusNoContent {
				t.Fatalf("a concurrent member PATCH answered %d", s)
			}
		}
		wantMembers(t, e, gid, ids...)
		// If-Match with a stale version is refused; the current one passes.
		g := e.do(http.MethodGet, "/scim/v2/Groups/"+gid+"?excludedAttributes=members", nil).want(t, http.StatusOK)
		rename := patchBody(map[string]any{"op": "replace", "path": "displayName", "value": "Crowd 2"})
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, rename, "If-Match", `W/"1"`).wantError(t, http.StatusPreconditionFailed, "")
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, rename, "If-Match", g.header.Get("ETag")).want(t, http.StatusNoContent)
		e.do(http.MethodGet, "/scim/v2/Groups/"+gid, nil, "If-None-Match", g.header.Get("ETag")).want(t, http.StatusOK)
	})
}
