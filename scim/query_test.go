package scim

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

func TestListingAndProjection(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		for i, name := range []string{"carol", "alice", "Bob", "dave", "Émile"} {
			body := userBody(name + "@acme.example")
			body["title"] = fmt.Sprintf("T%d", i%2)
			e.do(http.MethodPost, "/scim/v2/Users", body).want(t, http.StatusCreated)
		}
		names := func(r response) []string {
			var out []string
			list, _ := r.get("Resources").([]any)
			for _, res := range list {
				out = append(out, res.(map[string]any)["userName"].(string))
			}
			return out
		}
		r := e.do(http.MethodGet, "/scim/v2/Users?sortBy=userName&sortOrder=descending&count=2&startIndex=2", nil).want(t, http.StatusOK)
		if got := names(r); len(got) != 2 || got[0] != "dave@acme.example" || got[1] != "carol@acme.example" || r.get("itemsPerPage") != float64(2) {
			t.Fatalf("sorted page = %v\n%s", got, r.raw)
		}
		r = e.do(http.MethodGet, "/scim/v2/Users?count=0", nil).want(t, http.StatusOK)
		if r.get("totalResults") != float64(5) || len(r.get("Resources").([]any)) != 0 {
			t.Fatalf("count=0:\n%s", r.raw)
		}
		r = e.do(http.MethodGet, "/scim/v2/Users?count=100000&startIndex=-4", nil).want(t, http.StatusOK)
		if r.get("startIndex") != float64(1) || len(names(r)) != 5 {
			t.Fatalf("clamped page:\n%s", r.raw)
		}
		// RFC 9865 cursor walk, sorted, through every user once.
		var walked []string
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			r = e.do(http.MethodGet, "/scim/v2/Users?sortBy=userName&count=2&cursor="+url.QueryEscape(cursor), nil).want(t, http.StatusOK)
			walked = append(walked, names(r)...)
			cursor = r.str("nextCursor")
			if cursor == "" {
				break
			}
		}
		want := []string{"alice@acme.example", "Bob@acme.example", "carol@acme.example", "dave@acme.example", "Émile@acme.example"}
		if fmt.Sprint(walked) != fmt.Sprint(want) {
			t.Fatalf("cursor walk = %v; want %v", walked, want)
		}
		e.do(http.MethodGet, "/scim/v2/Users?cursor=garbage", nil).wantError(t, http.StatusBadRequest, "invalidCursor")
		e.do(http.MethodGet, "/scim/v2/Users?cursor=&startIndex=1", nil).wantError(t, http.StatusBadRequest, "invalidValue")
		e.do(http.MethodGet, "/scim/v2/Users?sortBy=password", nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		e.do(http.MethodGet, "/scim/v2/Users?sortOrder=sideways", nil).wantError(t, http.StatusBadRequest, "invalidValue")
		e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`password eq "x"`), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`nosuch eq "x"`), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "x' OR '1'='1"`), nil).want(t, http.StatusOK)

		// Projection.
		r = e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "alice@acme.example"`)+"&attributes=userName,name.givenName", nil).want(t, http.StatusOK)
		res := r.get("Resources.0").(map[string]any)
		if _, ok := res["emails"]; ok || res["id"] == nil || r.str("Resources.0.name.givenName") != "Alice" || r.get("Resources.0.name.familyName") != nil {
			t.Fatalf("attributes projection:\n%s", r.raw)
		}
		r = e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "alice@acme.example"`)+"&excludedAttributes=emails,meta,id", nil).want(t, http.StatusOK)
		res = r.get("Resources.0").(map[string]any)
		if _, ok := res["emails"]; ok || res["id"] == nil || res["meta"] != nil || res["userName"] == nil {
			t.Fatalf("excludedAttributes projection (id is always returned):\n%s", r.raw)
		}

		// POST /.search with the same abilities.
		s := e.do(http.MethodPost, "/scim/v2/Users/.search", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
			"filter":  `title eq "T1"`, "sortBy": "userName", "attributes": []string{"userName"}, "count": 10,
		}).want(t, http.StatusOK)
		if got := names(s); fmt.Sprint(got) != "[alice@acme.example dave@acme.example]" {
			t.Fatalf(".search = %v\n%s", got, s.raw)
		}
	})
}

func TestWorkplaceCompatibility(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		status := "urn:ietf:params:scim:schemas:extension:facebook:accountstatusdetails:2.0:User"
		method := "urn:ietf:params:scim:schemas:extension:facebook:authmethod:2.0:User"
		dates := "urn:ietf:params:scim:schemas:extension:facebook:starttermdates:2.0:User"
		frontline := "urn:ietf:params:scim:schemas:extension:facebook:frontline:2.0:User"
		latchkey := "urn:ietf:params:scim:schemas:extension:latchkey:2.0:User"
		body := userBody("wp@acme.example")
		body["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0/User", method, dates}
		body[method] = map[string]any{"authMethod": "sso"}
		body[dates] = map[string]any{"startDate": 1514764800, "termDate": 0}
		body[frontline] = map[string]any{"is_frontline": true}
		created := e.do(http.MethodPost, "/scim/v2/Users", body).want(t, http.StatusCreated)
		id := created.str("id")
		for path, want := range map[string]any{
			latchkey + "|authMethod": "sso", latchkey + "|startDate": "2018-01-01T00:00:00.000Z", latchkey + "|frontline": true,
			method + "|authMethod": "sso", dates + "|startDate": float64(1514764800), dates + "|termDate": float64(0),
			frontline + "|is_frontline": true, status + "|invited": false, status + "|canDelete": true,
		} {
			if got := created.get(path); got != want {
				t.Errorf("%s = %v; want %v", path, got, want)
			}
		}
		// Writing invited=true through either URN invites the account once.
		r := e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{"op": "replace", "path": status + ":invited", "value": true})).want(t, http.StatusOK)
		if r.get(latchkey+"|invited") != true || r.str(latchkey+"|inviteDate") == "" || r.get(status+"|inviteDate") == nil {
			t.Fatalf("invite through the Workplace alias:\n%s", r.raw)
		}
		f := e.do(http.MethodGet, "/scim/v2/Users?filter="+q(status+`:invited eq true and `+method+`:authMethod eq "sso"`), nil).want(t, http.StatusOK)
		if f.get("totalResults") != float64(1) {
			t.Fatalf("filter on Workplace aliases:\n%s", f.raw)
		}
		// Read-only lifecycle attributes cannot be written.
		e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{"op": "replace", "path": latchkey + ":claimed", "value": true})).
			wantError(t, http.StatusBadRequest, "mutability")
		e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{"op": "replace", "path": latchkey + ":authMethod", "value": "kerberos"})).
			wantError(t, http.StatusBadRequest, "invalidValue")
	})
}
