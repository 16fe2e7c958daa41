package scim

import (
	"net/http"
	"net/url"
	"testing"
)

const (
	enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

func q(filter string) string { return url.QueryEscape(filter) }

// TestEntraProvisioning replays Microsoft Entra ID's provisioning sequence
// (research/idp-clients.md §1.3) in both PATCH dialects: the default
// ("legacy") one with capitalised ops, string booleans and remove-by-value,
// and the aadOptscim062020 one with path-less dotted and URN keys.
func TestEntraProvisioning(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		// E-D2: test connection with a random GUID.
		r := e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "5a2f6c3e-0000-4000-8000-000000000000"`), nil).want(t, http.StatusOK)
		if r.get("totalResults") != float64(0) || r.get("Resources") == nil || len(r.get("Resources").([]any)) != 0 || r.get("startIndex") != float64(1) {
			t.Fatalf("test connection:\n%s", r.raw)
		}

		// E-U1 with the odd parts of real requests: meta in the body, roles: [], nulls.
		mgr := e.do(http.MethodPost, "/scim/v2/Users", userBody("manager@contoso.example")).want(t, http.StatusCreated).str("id")
		created := e.do(http.MethodPost, "/scim/v2/Users", map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User", enterprise},
			"externalId": "8f2a-guid", "userName": "Test_User_8f2a@contoso.example", "active": true,
			"emails": []any{map[string]any{"primary": true, "type": "work", "value": "test@contoso.example"}},
			"meta":   map[string]any{"resourceType": "User"},
			"name":   map[string]any{"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
			"roles":  []any{}, "addresses": nil, "phoneNumbers": nil, "title": nil, "preferredLanguage": nil,
			enterprise: map[string]any{"department": "Engines", "manager": nil},
		}).want(t, http.StatusCreated)
		id := created.str("id")

		// E-U4, E-U6, emails value path (Entra's other matching attribute), E-V3 case.
		for _, f := range []string{
			`userName eq "test_user_8F2A@contoso.example"`, `externalId eq "8f2a-guid"`,
			`emails[type eq "work"].value eq "test@contoso.example"`,
			`emails[type eq "work" and value sw "TEST@"] and active eq true`,
			`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "Test_User_8f2a@contoso.example" and ` + enterprise + `:department eq "engines"`,
		} {
			r := e.do(http.MethodGet, "/scim/v2/Users?filter="+q(f), nil).want(t, http.StatusOK)
			if r.get("totalResults") != float64(1) || r.str("Resources.0.id") != id {
				t.Fatalf("filter %s:\n%s", f, r.raw)
			}
		}
		// externalId is caseExact.
		r = e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`externalId eq "8F2A-GUID"`), nil).want(t, http.StatusOK)
		if r.get("totalResults") != float64(0) {
			t.Fatalf("externalId matched case-insensitively:\n%s", r.raw)
		}

		// Legacy dialect: E-U7, E-U10, E-U12, E-U14, E-U15.
		e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(
			map[string]any{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "updated@contoso.example"},
			map[string]any{"op": "Replace", "path": "name.familyName", "value": "Byron"},
			map[string]any{"op": "Add", "path": "nickName", "value": "Ada"},
			map[string]any{"op": "Replace", "path": enterprise + ":employeeNumber", "value": "E-1815"},
			map[string]any{"op": "Add", "path": "manager", "value": []any{map[string]any{"$ref": "https://x/Users/" + mgr, "value": mgr}}},
			map[string]any{"op": "Replace", "path": "active", "value": "False"},
		)).want(t, http.StatusOK)
		got := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		for path, want := range map[string]any{
			"emails.0.value": "updated@contoso.example", "emails.0.primary": true, "emails.0.type": "work",
			"name.familyName": "Byron", "nickName": "Ada", "active": false,
			enterprise + "|employeeNumber": "E-1815", enterprise + "|manager.value": mgr, enterprise + "|department": "Engines",
		} {
			if v := got.get(path); v != want {
				t.Errorf("after legacy PATCH %s = %v; want %v", path, v, want)
			}
		}
		// Still found while inactive (E-U9), by the new email.
		r = e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`emails[type eq "work"].value eq "updated@contoso.example"`), nil).want(t, http.StatusOK)
		if r.get("totalResults") != float64(1) {
			t.Fatalf("inactive user not found by filter:\n%s", r.raw)
		}

		// aadOptscim062020 dialect: E-U13, E-U16, E-U18, E-V7.
		e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(
			map[string]any{"op": "replace", "value": map[string]any{
				"displayName": "Ada L.", "name.givenName": "Augusta", enterprise + ":employeeNumber": "E-1816", "active": true}},
			map[string]any{"op": "add", "path": enterprise + ":manager", "value": map[string]any{"value": mgr}},
			map[string]any{"op": "remove", "path": "nickName"},
		)).want(t, http.StatusOK)
		got = e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		for path, want := range map[string]any{
			"displayName": "Ada L.", "name.givenName": "Augusta", "name.familyName": "Byron", "active": true,
			enterprise + "|employeeNumber": "E-1816", enterprise + "|manager.value": mgr, "nickName": nil,
		} {
			if v := got.get(path); v != want {
				t.Errorf("after aadOptscim062020 PATCH %s = %v; want %v", path, v, want)
			}
		}
		e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{"op": "remove", "path": enterprise + ":manager"})).want(t, http.StatusOK)
		got = e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		if got.get(enterprise+"|manager") != nil {
			t.Fatalf("manager still set after remove:\n%s", got.raw)
		}
		e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{"op": "replace", "value": map[string]any{"userName": "renamed@contoso.example"}})).want(t, http.StatusOK)
		r = e.do(http.MethodGet, "/scim/v2/Users?filter="+q(`userName eq "renamed@contoso.example"`), nil).want(t, http.StatusOK)
		if r.get("totalResults") != float64(1) {
			t.Fatalf("rename not found:\n%s", r.raw)
		}
		// A no-op PATCH leaves version and lastModified alone.
		before := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil)
		after := e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(
			map[string]any{"op": "replace", "path": "userName", "value": "renamed@contoso.example"},
			map[string]any{"op": "replace", "path": "id", "value": id},
		)).want(t, http.StatusOK)
		if after.str("meta.version") != before.str("meta.version") || after.str("meta.lastModified") != before.str("meta.lastModified") {
			t.Fatalf("no-op PATCH changed the version: %s → %s", before.str("meta.version"), after.str("meta.version"))
		}
		e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{"op": "replace", "path": "id", "value": "other"})).
			wantError(t, http.StatusBadRequest, "mutability")
		e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{"op": "replace", "path": "nosuch", "value": "x"})).
			wantError(t, http.StatusBadRequest, "invalidPath")
		e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{"op": "remove"})).
			wantError(t, http.StatusBadRequest, "noTarget")

		// E-U11 and E-V8.
		e.do(http.MethodDelete, "/scim/v2/Users/"+id, nil).want(t, http.StatusNoContent)
		e.do(http.MethodDelete, "/scim/v2/Users/"+id, nil).wantError(t, http.StatusNotFound, "")
	})
}

// TestEntraGroups replays Entra's group sequence (E-G1 … E-G12).
func TestEntraGroups(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		u1 := e.do(http.MethodPost, "/scim/v2/Users", userBody("u1@contoso.example")).want(t, http.StatusCreated).str("id")
		u2 := e.do(http.MethodPost, "/scim/v2/Users", userBody("u2@contoso.example")).want(t, http.StatusCreated).str("id")
		g := e.do(http.MethodPost, "/scim/v2/Groups", map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"},
			"externalId": "grp-guid", "displayName": "Sales EMEA", "meta": map[string]any{"resourceType": "Group"},
		}).want(t, http.StatusCreated)
		gid := g.str("id")
		if members, ok := g.get("members").([]any); !ok || len(members) != 0 {
			t.Fatalf("new group members = %v; want []", g.get("members"))
		}
		e.do(http.MethodPost, "/scim/v2/Groups", groupBody("sales emea")).wantError(t, http.StatusConflict, "uniqueness")

		r := e.do(http.MethodGet, "/scim/v2/Groups/"+gid+"?excludedAttributes=members", nil).want(t, http.StatusOK)
		if _, has := r.body["members"]; has {
			t.Fatalf("excludedAttributes=members still returned members:\n%s", r.raw)
		}
		r = e.do(http.MethodGet, "/scim/v2/Groups?excludedAttributes=members&filter="+q(`displayName eq "sales emea"`), nil).want(t, http.StatusOK)
		if r.get("totalResults") != float64(1) || r.get("Resources.0.members") != nil {
			t.Fatalf("group by displayName:\n%s", r.raw)
		}

		add := func(id string) map[string]any {
			return map[string]any{"op": "Add", "path": "members", "value": []any{map[string]any{"$ref": nil, "value": id}}}
		}
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(add(u1), add(u2))).want(t, http.StatusNoContent)
		wantMembers(t, e, gid, u1, u2)
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(map[string]any{
			"op": "Remove", "path": "members", "value": []any{map[string]any{"$ref": nil, "value": u1}}})).want(t, http.StatusNoContent)
		wantMembers(t, e, gid, u2)
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(map[string]any{
			"op": "remove", "path": `members[value eq "` + u2 + `"]`})).want(t, http.StatusNoContent)
		wantMembers(t, e, gid)
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(map[string]any{
			"op": "replace", "path": "members", "value": []any{map[string]any{"value": u1}}})).want(t, http.StatusNoContent)
		wantMembers(t, e, gid, u1)
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(
			map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": u2}}},
			map[string]any{"op": "remove", "path": `members[value eq "` + u2 + `"]`},
			map[string]any{"op": "replace", "value": map[string]any{"displayName": "Sales Europe", "externalId": "grp-guid-2"}},
		)).want(t, http.StatusNoContent)
		wantMembers(t, e, gid, u1)
		r = e.do(http.MethodGet, "/scim/v2/Groups/"+gid, nil).want(t, http.StatusOK)
		if r.str("displayName") != "Sales Europe" || r.str("externalId") != "grp-guid-2" {
			t.Fatalf("group after replace:\n%s", r.raw)
		}
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(add("no-such-user"))).wantError(t, http.StatusBadRequest, "invalidValue")
		e.do(http.MethodPatch, "/scim/v2/Groups/"+gid, patchBody(map[string]any{"op": "remove", "path": "members"})).want(t, http.StatusNoContent)
		wantMembers(t, e, gid)

		e.do(http.MethodDelete, "/scim/v2/Groups/"+gid, nil).want(t, http.StatusNoContent)
		e.do(http.MethodGet, "/scim/v2/Groups/"+gid, nil).wantError(t, http.StatusNotFound, "")
	})
}

func wantMembers(t *testing.T, e *scimEnv, groupID string, ids ...string) {
	t.Helper()
	r := e.do(http.MethodGet, "/scim/v2/Groups/"+groupID, nil).want(t, http.StatusOK)
	list, _ := r.get("members").([]any)
	got := map[string]bool{}
	for _, m := range list {
		got[m.(map[string]any)["value"].(string)] = true
	}
	if len(got) != len(ids) {
		t.Fatalf("members = %v; want %v", got, ids)
	}
	for _, id := range ids {
		if !got[id] {
			t.Fatalf("members = %v; want %v", got, ids)
		}
	}
}
