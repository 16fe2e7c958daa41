package scim

import (
	"net/http"
	"testing"
)

// TestRFC7644Examples replays the PATCH and query examples of RFC 7644
// §3.4.2.2 and §3.5.2.
func TestRFC7644Examples(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		body := userBody("bjensen@example.com")
		body["emails"] = []any{
			map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true},
			map[string]any{"value": "babs@jensen.org", "type": "home"},
		}
		body["addresses"] = []any{map[string]any{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "region": "CA", "primary": true}}
		uid := e.do(http.MethodPost, "/scim/v2/Users", body).want(t, http.StatusCreated).str("id")
		other := e.do(http.MethodPost, "/scim/v2/Users", userBody("other@example.com")).want(t, http.StatusCreated).str("id")
		gid := e.do(http.MethodPost, "/scim/v2/Groups", groupBody("Tour Guides", other)).want(t, http.StatusCreated).str("id")

		// §3.5.2.1: add a member; §3.5.2.2: remove one by filter, then all.
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(map[string]any{"op": "add", "path": "members",
			"value": []any{map[string]any{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/" + uid, "value": uid}}})).want(t, http.StatusNoContent)
		wantMembers(t, e, gid, uid, other)
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(map[string]any{"op": "remove", "path": `members[value eq "` + uid + `"]`})).want(t, http.StatusNoContent)
		wantMembers(t, e, gid, other)
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(map[string]any{"op": "remove", "path": "members"})).want(t, http.StatusNoContent)
		wantMembers(t, e, gid)

		// §3.5.2.3: replace a filtered element and a sub-attribute of one.
		r := e.do(http.MethodPatch, "/scim/v2/Users/"+uid, patchBody(
			map[string]any{"op": "replace", "path": `addresses[type eq "work"]`, "value": map[string]any{
				"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood", "region": "CA", "primary": true}},
			map[string]any{"op": "replace", "path": `addresses[type eq "work"].streetAddress`, "value": "1010 Broadway Ave"},
			map[string]any{"op": "remove", "path": `emails[type eq "home"]`},
		)).want(t, http.StatusOK)
		if r.str("addresses.0.streetAddress") != "1010 Broadway Ave" || len(r.get("emails").([]any)) != 1 {
			t.Fatalf("after §3.5.2.3 replaces:\n%s", r.raw)
		}

		// §3.4.2.2 filters.
		for f, want := range map[string]float64{
			`userName Eq "bjensen@example.com"`:                  1,
			`name.familyName co "smi"`:                           2,
			`userName sw "B"`:                                    1,
			`emails co "example.com"`:                            2,
			`emails[type eq "work" and value co "@example.com"]`: 2,
			`title pr`: 0,
			`meta.lastModified gt "2011-05-13T04:42:34Z"`:                                            2,
			`userName eq "bjensen@example.com" and not (addresses.locality pr)`:                      0,
			`(userName sw "b" or userName sw "o") and emails.type eq "work"`:                         2,
			`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "other"`:                         1,
			`meta.lastModified ge "2011-05-13T04:42:34Z" and meta.created lt "2001-01-01T00:00:00Z"`: 0,
		} {
			r := e.do(http.MethodGet, "/scim/v2/Users?filter="+q(f), nil).want(t, http.StatusOK)
			if r.get("totalResults") != want {
				t.Errorf("filter %s: totalResults %v; want %v", f, r.get("totalResults"), want)
			}
		}
	})
}
