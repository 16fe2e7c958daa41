package scim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestOktaSpecTest replays Okta's 12-step "SCIM 2.0 SPEC Test"
// (research/idp-clients.md §2.3, O-S1 … O-S12).
func TestOktaSpecTest(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		e.do(http.MethodPost, "/scim/v2/Users", userBody("existing@okta.example")).want(t, http.StatusCreated)
		e.do(http.MethodPost, "/scim/v2/Groups", groupBody("Existing group")).want(t, http.StatusCreated)
		oktaHeaders := []string{"Accept", "application/scim+json", "Content-Type", "application/scim+json; charset=utf-8", "Accept-Charset", "utf-8"}

		s1 := e.do(http.MethodGet, "/scim/v2/Users?count=1&startIndex=1", nil, oktaHeaders...).want(t, http.StatusOK)
		for _, path := range []string{"Resources.0.id", "Resources.0.name.familyName", "Resources.0.name.givenName", "Resources.0.userName", "Resources.0.emails.0.value"} {
			if s1.str(path) == "" {
				t.Fatalf("O-S1: %s empty\n%s", path, s1.raw)
			}
		}
		if s1.get("itemsPerPage") != float64(1) || s1.get("totalResults") != float64(1) || s1.get("Resources.0.active") != true {
			t.Fatalf("O-S1:\n%s", s1.raw)
		}
		id := s1.str("Resources.0.id")
		e.do(http.MethodGet, "/scim/v2/Users/"+id, nil, oktaHeaders...).want(t, http.StatusOK)
		s3 := e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "invalid@okta.example"`), nil).want(t, http.StatusOK)
		if s3.get("totalResults") != float64(0) {
			t.Fatalf("O-S3:\n%s", s3.raw)
		}
		e.do(http.MethodGet, "/scim/v2/Users/010101001010101011001010101011", nil).wantError(t, http.StatusNotFound, "")

		body := map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "Random.User@okta.example",
			"name":        map[string]any{"givenName": "Random", "familyName": "User"},
			"emails":      []any{map[string]any{"primary": true, "value": "random@okta.example", "type": "work"}},
			"displayName": "Random User", "active": true,
		}
		// The create steps send no Content-Type.
		created := e.do(http.MethodPost, "/scim/v2/Users", body, "Content-Type", "").want(t, http.StatusCreated)
		if created.get("active") != true || created.str("name.givenName") != "Random" {
			t.Fatalf("O-S6:\n%s", created.raw)
		}
		e.do(http.MethodGet, "/scim/v2/Users/"+created.str("id"), nil).want(t, http.StatusOK)
		e.do(http.MethodPost, "/scim/v2/Users", body).wantError(t, http.StatusConflict, "uniqueness")
		s9 := e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "RANDOM.USER@OKTA.EXAMPLE"`), nil).want(t, http.StatusOK)
		if s9.get("totalResults") != float64(1) {
			t.Fatalf("O-S9:\n%s", s9.raw)
		}
		e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`RANDOM.USER@OKTA.EXAMPLE`), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		s10 := e.do(http.MethodGet, "/scim/v2/Groups", nil).want(t, http.StatusOK)
		if s10.get("totalResults") != float64(1) {
			t.Fatalf("O-S10:\n%s", s10.raw)
		}
		r := e.doAs("", http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "x"`), nil, "Authorization", "non-token")
		r.wantError(t, http.StatusUnauthorized, "")
		e.do(http.MethodGet, "/scim/v2/Users/00919288221112222", nil).wantError(t, http.StatusNotFound, "")
	})
}

// TestOktaProvisioning replays Okta's provisioning engine (O-P, O-G).
func TestOktaProvisioning(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		p1 := e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "test.user@okta.local"`)+"&startIndex=1&count=100", nil).want(t, http.StatusOK)
		if p1.get("itemsPerPage") != float64(0) || p1.get("startIndex") != float64(1) {
			t.Fatalf("O-P1:\n%s", p1.raw)
		}
		body := userBody("test.user@okta.local")
		body["externalId"], body["locale"], body["groups"], body["password"] = "00u1okta", "en-US", []any{}, "1mz050nq"
		created := e.do(http.MethodPost, "/scim/v2/Users", body).want(t, http.StatusCreated)
		if strings.Contains(string(created.raw), "1mz050nq") {
			t.Fatal("O-P2: the password came back")
		}
		id := created.str("id")
		// O-P6 / O-P9: PUT of everything read (id, meta, groups included).
		read := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK).body
		read["name"] = map[string]any{"givenName": "Changed", "familyName": "User"}
		read["groups"] = []any{}
		read["active"] = false
		put := e.do(http.MethodPut, "/scim/v2/Users/"+id, read).want(t, http.StatusOK)
		if put.str("externalId") != "00u1okta" || put.str("name.givenName") != "Changed" || put.get("active") != false {
			t.Fatalf("O-P6:\n%s", put.raw)
		}
		// O-P7, O-P8: path-less replace of active.
		for _, active := range []bool{true, false, true} {
			r := e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{"op": "replace", "value": map[string]any{"active": active}})).want(t, http.StatusOK)
			if r.get("active") != active {
				t.Fatalf("O-P7/8 active=%v:\n%s", active, r.raw)
			}
		}
		// O-P10: a synced password is accepted and never stored or echoed.
		r := e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{"op": "replace", "value": map[string]any{"password": "new-secret"}})).want(t, http.StatusOK)
		a, err := e.store.Account(t.Context(), e.org.ID, id)
		if err != nil || strings.Contains(string(r.raw)+string(a.Resource), "new-secret") {
			t.Fatal("O-P10: the password was stored or echoed")
		}

		// O-P4: import walk with stable order, every user exactly once.
		for i := range 7 {
			e.do(http.MethodPost, "/scim/v2/Users", userBody(fmt.Sprintf("walk%d@okta.local", i))).want(t, http.StatusCreated)
		}
		seen := map[string]bool{}
		for start := 1; ; start += 3 {
			page := e.do(http.MethodGet, fmt.Sprintf("/scim/v2/Users?startIndex=%d&count=3", start), nil).want(t, http.StatusOK)
			list, _ := page.get("Resources").([]any)
			if page.get("totalResults") != float64(8) || page.get("startIndex") != float64(start) {
				t.Fatalf("O-P4 page at %d:\n%s", start, page.raw)
			}
			for _, res := range list {
				uid := res.(map[string]any)["id"].(string)
				if seen[uid] {
					t.Fatalf("O-P4: %s twice", uid)
				}
				seen[uid] = true
			}
			if len(list) < 3 {
				break
			}
		}
		if len(seen) != 8 {
			t.Fatalf("O-P4 walked %d users; want 8", len(seen))
		}

		// O-G: group push.
		u2 := e.do(http.MethodPost, "/scim/v2/Users", userBody("u2@okta.local")).want(t, http.StatusCreated).str("id")
		g := e.do(http.MethodPost, "/scim/v2/Groups", groupBody("Test SCIMv2")).want(t, http.StatusCreated)
		gid := g.str("id")
		e.do(http.MethodGet, "/scim/v2/Groups?filter="+q(`displayName eq "Test SCIMv2"`)+"&startIndex=1&count=100", nil).want(t, http.StatusOK)
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(map[string]any{"op": "replace", "value": map[string]any{"id": gid, "displayName": "Test SCIMv2 renamed"}})).want(t, http.StatusNoContent)
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(
			map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": id, "display": "test.user@okta.local"}}},
		)).want(t, http.StatusNoContent)
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(
			map[string]any{"op": "remove", "path": `members[value eq "` + id + `"]`},
			map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": u2, "display": "u2@okta.local"}}},
		)).want(t, http.StatusNoContent)
		wantMembers(t, e, gid, u2)
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(map[string]any{"op": "replace", "path": "members",
			"value": []any{map[string]any{"value": id}, map[string]any{"value": u2}}})).want(t, http.StatusNoContent)
		wantMembers(t, e, gid, id, u2)
		full := e.do(http.MethodGet, "/scim/v2/Groups/"+gid, nil).want(t, http.StatusOK).body
		full["members"] = []any{map[string]any{"value": u2}}
		e.do(http.MethodPut, "/scim/v2/Groups/"+gid, full).want(t, http.StatusOK)
		wantMembers(t, e, gid, u2)
		e.do(http.MethodDelete, "/scim/v2/Groups/"+gid, nil).want(t, http.StatusNoContent)
	})
}
