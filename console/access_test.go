package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// newTokenPattern finds the secret of a token the page just made.
var newTokenPattern = regexp.MustCompile(`<code id="new-token"[^>]*>([^<]+)</code>`)

// items is the "items" list of an API answer.
func accessItems(t *testing.T, doc map[string]any) []map[string]any {
	t.Helper()
	raw, _ := doc["items"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		m, _ := r.(map[string]any)
		out = append(out, m)
	}
	return out
}

// byField is the first item whose field is value (nil: none).
func accessByField(list []map[string]any, field, value string) map[string]any {
	for _, m := range list {
		if m[field] == value {
			return m
		}
	}
	return nil
}

func TestAccessSCIMTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, ada := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		tok := e.token(ada)

		r := c.get("/admin/access")
		if r.status != http.StatusOK || !strings.HasSuffix(r.url, "/admin/access/scim-tokens") {
			t.Fatalf("/admin/access: %d at %s", r.status, r.url)
		}
		if body := text(r.body); !strings.Contains(body, "No SCIM tokens yet") || !strings.Contains(body, e.base+"/scim/v2") {
			t.Fatalf("empty SCIM tokens page:\n%s", body)
		}

		// Form errors: shown next to their field, nothing created.
		for _, bad := range []struct {
			form  url.Values
			field string
		}{
			{url.Values{"name": {" "}, "expires_in_days": {"30"}}, "must not be empty"},
			{url.Values{"name": {"Okta"}, "expires_in_days": {"soon"}}, "Enter a whole number of days"},
			{url.Values{"name": {"Okta"}, "expires_in_days": {"99999"}}, "from 1 to 3650"},
		} {
			r = c.post("/admin/access/scim-tokens", bad.form)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `class="field-error"`) || !strings.Contains(text(r.body), bad.field) {
				t.Errorf("create %v: %d\n%s", bad.form, r.status, text(r.body))
			}
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/scim-tokens", tok, nil); len(accessItems(t, doc)) != 0 {
			t.Fatalf("refused forms made tokens: %v", doc)
		}

		// Create: the answer shows the token once, with the SCIM URL.
		r = c.post("/admin/access/scim-tokens", url.Values{"name": {"Entra ID"}, "expires_in_days": {"30"}})
		m := newTokenPattern.FindStringSubmatch(r.body)
		if r.status != http.StatusCreated || m == nil || !strings.Contains(r.body, `data-copy="`+m[1]+`"`) ||
			!strings.Contains(text(r.body), "shown only this once") || !strings.HasSuffix(r.url, "/admin/access/scim-tokens") {
			t.Fatalf("create: %d at %s\n%s", r.status, r.url, text(r.body))
		}
		secret := m[1]
		if strings.Contains(r.header.Get("Set-Cookie"), secret) || strings.Contains(r.url, secret) {
			t.Fatal("the secret is in a cookie or the URL")
		}
		_, doc := e.api(http.MethodGet, "/admin/v1/scim-tokens", tok, nil)
		entra := accessByField(accessItems(t, doc), "name", "Entra ID")
		if entra == nil || entra["status"] != "active" {
			t.Fatalf("the API does not list the new token: %v", doc)
		}
		r = c.get("/admin/access/scim-tokens")
		if r.status != http.StatusOK || strings.Contains(r.body, secret) || !strings.Contains(text(r.body), "Entra ID") ||
			!strings.Contains(text(r.body), "never") {
			t.Fatalf("reloaded list: %d, shows the secret again or not the token\n%s", r.status, text(r.body))
		}

		// Revoke.
		id := entra["id"].(string)
		if !strings.Contains(r.body, `action="/admin/access/scim-tokens/`+id+`/revoke" data-confirm=`) {
			t.Fatalf("no revoke form with a confirmation:\n%s", r.body)
		}
		r = c.post("/admin/access/scim-tokens/"+id+"/revoke", nil)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Token Entra ID is revoked") {
			t.Fatalf("revoke: %d\n%s", r.status, text(r.body))
		}
		_, doc = e.api(http.MethodGet, "/admin/v1/scim-tokens", tok, nil)
		if got := accessByField(accessItems(t, doc), "id", id); got["status"] != "revoked" || !e.audited("scim_token.revoke") {
			t.Fatalf("after revoke: %v", got)
		}
		if r = c.get("/admin/access/scim-tokens"); strings.Contains(r.body, "/"+id+"/revoke") {
			t.Error("a revoked token still offers Revoke")
		}
	})
}

func TestAccessAdmins(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, ada := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		tok := e.token(ada)

		r := c.get("/admin/access/admins")
		if body := text(r.body); r.status != http.StatusOK || !strings.Contains(body, "ada@acme.example (you)") || !strings.Contains(body, "set") {
			t.Fatalf("admins page: %d\n%s", r.status, body)
		}
		for _, role := range []string{"system_admin", "account_manager", "reader"} {
			if !strings.Contains(r.body, `<option value="`+role+`"`) {
				t.Errorf("no role %s to choose", role)
			}
		}

		// A bad email is shown next to its field; nothing is added.
		r = c.post("/admin/access/admins", url.Values{"email": {"not an email"}, "role": {"reader"}})
		if r.status != http.StatusBadRequest || !strings.Contains(text(r.body), "must be a plain address") {
			t.Fatalf("bad email: %d\n%s", r.status, text(r.body))
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/admins", tok, nil); len(accessItems(t, doc)) != 1 {
			t.Fatalf("a refused form added an admin: %v", doc)
		}

		// Add: how they sign in, and their first API token once.
		r = c.post("/admin/access/admins", url.Values{"email": {"bob@acme.example"}, "role": {"account_manager"}})
		body := text(r.body)
		if r.status != http.StatusCreated || !strings.Contains(body, "latchkey admin password --org acme --email bob@acme.example") ||
			!strings.Contains(body, "bob@acme.example is now an admin (account_manager)") || !strings.Contains(body, "shown only this once") {
			t.Fatalf("add admin: %d\n%s", r.status, body)
		}
		_, doc := e.api(http.MethodGet, "/admin/v1/admins", tok, nil)
		bob := accessByField(accessItems(t, doc), "email", "bob@acme.example")
		if bob == nil || bob["role"] != "account_manager" {
			t.Fatalf("the API does not list bob: %v", doc)
		}
		bobID := bob["id"].(string)
		r = c.post("/admin/access/admins", url.Values{"email": {"bob@acme.example"}, "role": {"reader"}})
		if r.status != http.StatusConflict || !strings.Contains(text(r.body), "already an admin") {
			t.Fatalf("add bob again: %d\n%s", r.status, text(r.body))
		}
		if r = c.get("/admin/access/admins"); !strings.Contains(text(r.body), "not set") {
			t.Errorf("bob's missing password is not shown:\n%s", text(r.body))
		}

		// Change role.
		r = c.post("/admin/access/admins/"+bobID+"/role", url.Values{"role": {"reader"}})
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "bob@acme.example now has the role reader") {
			t.Fatalf("change role: %d\n%s", r.status, text(r.body))
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/admins/"+bobID, tok, nil); doc["role"] != "reader" {
			t.Fatalf("bob's role: %v", doc)
		}

		// The last system admin keeps their role: a notice, nothing changed.
		r = c.post("/admin/access/admins/"+ada.ID+"/role", url.Values{"role": {"reader"}})
		if r.status != http.StatusConflict || !strings.Contains(r.body, `class="alert"`) || !strings.Contains(text(r.body), "last active system_admin") {
			t.Fatalf("demote the last system admin: %d\n%s", r.status, text(r.body))
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/admins/"+ada.ID, tok, nil); doc["role"] != "system_admin" {
			t.Fatalf("ada's role: %v", doc)
		}

		// Bob's page: his API token, which may be revoked (not minted).
		r = c.get("/admin/access/admins/" + bobID)
		_, tokens := e.api(http.MethodGet, "/admin/v1/admins/"+bobID+"/tokens", tok, nil)
		first := accessItems(t, tokens)
		if r.status != http.StatusOK || len(first) != 1 || !strings.Contains(r.body, "/tokens/"+first[0]["id"].(string)+"/revoke") {
			t.Fatalf("bob's page: %d %v\n%s", r.status, tokens, text(r.body))
		}
		r = c.post("/admin/access/admins/"+bobID+"/tokens/"+first[0]["id"].(string)+"/revoke", nil)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "is revoked") {
			t.Fatalf("revoke bob's token: %d\n%s", r.status, text(r.body))
		}
		if _, tokens = e.api(http.MethodGet, "/admin/v1/admins/"+bobID+"/tokens", tok, nil); accessItems(t, tokens)[0]["status"] != "revoked" {
			t.Fatalf("bob's token: %v", tokens)
		}

		// Disable.
		r = c.get("/admin/access/admins")
		if !strings.Contains(r.body, `action="/admin/access/admins/`+bobID+`/disable" data-confirm=`) {
			t.Fatalf("no disable form with a confirmation:\n%s", r.body)
		}
		r = c.post("/admin/access/admins/"+bobID+"/disable", nil)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "bob@acme.example is disabled") {
			t.Fatalf("disable: %d\n%s", r.status, text(r.body))
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/admins/"+bobID, tok, nil); doc["status"] != "disabled" {
			t.Fatalf("bob: %v", doc)
		}
		// Disabling yourself is refused with a notice.
		r = c.post("/admin/access/admins/"+ada.ID+"/disable", nil)
		if r.status != http.StatusConflict || !strings.Contains(text(r.body), "You cannot disable yourself") {
			t.Fatalf("disable yourself: %d\n%s", r.status, text(r.body))
		}
	})
}

func TestAccessOwnTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, ada := e.signedInAs("ada@acme.example", directory.RoleAccountManager)
		tok := e.token(ada)
		r := c.post("/admin/access/tokens", url.Values{"name": {"sync script"}, "expires_in_days": {"7"}})
		m := newTokenPattern.FindStringSubmatch(r.body)
		if r.status != http.StatusCreated || m == nil {
			t.Fatalf("create own token: %d\n%s", r.status, text(r.body))
		}
		if status, me := e.api(http.MethodGet, "/admin/v1/me", m[1], nil); status != http.StatusOK || me["email"] != "ada@acme.example" {
			t.Fatalf("the new token does not work: %d %v", status, me)
		}
		if r = c.get("/admin/access/tokens"); strings.Contains(r.body, m[1]) || !strings.Contains(text(r.body), "sync script") {
			t.Fatalf("reloaded tokens page:\n%s", text(r.body))
		}
		_, doc := e.api(http.MethodGet, "/admin/v1/admins/"+ada.ID+"/tokens", tok, nil)
		id := accessByField(accessItems(t, doc), "name", "sync script")["id"].(string)
		r = c.post("/admin/access/tokens/"+id+"/revoke", nil)
		if status, _ := e.api(http.MethodGet, "/admin/v1/me", m[1], nil); r.status != http.StatusOK || status != http.StatusUnauthorized {
			t.Fatalf("revoke own token: %d, then the token gets %d", r.status, status)
		}
	})
}

func TestAccessRoles(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, ada := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		tok := e.token(ada)

		r := c.get("/admin/access/roles")
		body := text(r.body)
		if r.status != http.StatusOK || !strings.Contains(body, "No custom roles yet") || !strings.Contains(body, "account_manager") ||
			!strings.Contains(body, "Read the audit log") {
			t.Fatalf("roles page: %d\n%s", r.status, body)
		}
		r = c.get("/admin/access/roles/new")
		for _, p := range []string{"people.read", "sso.manage", "admins.manage"} {
			if !strings.Contains(r.body, `name="permissions" value="`+p+`"`) {
				t.Errorf("new role form: no checkbox for %s", p)
			}
		}

		// Refused forms: the field's message, nothing created.
		for _, bad := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"name": {"Help Desk"}, "permissions": {"people.read"}}, "lower-case letters"},
			{url.Values{"name": {"helpdesk"}}, "list at least one permission"},
		} {
			r = c.post("/admin/access/roles", bad.form)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `class="field-error"`) || !strings.Contains(text(r.body), bad.want) {
				t.Errorf("create %v: %d\n%s", bad.form, r.status, text(r.body))
			}
		}

		r = c.post("/admin/access/roles", url.Values{"name": {"helpdesk"}, "description": {"First line support"},
			"permissions": {"people.read", "audit.read"}})
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "The role helpdesk is created") {
			t.Fatalf("create role: %d\n%s", r.status, text(r.body))
		}
		if status, doc := e.api(http.MethodGet, "/admin/v1/roles/helpdesk", tok, nil); status != http.StatusOK ||
			len(doc["permissions"].([]any)) != 2 || doc["description"] != "First line support" {
			t.Fatalf("helpdesk: %d %v", status, doc)
		}
		r = c.get("/admin/access/roles/helpdesk")
		if r.status != http.StatusOK || !strings.Contains(r.body, `value="audit.read" checked`) || strings.Contains(r.body, `value="sso.manage" checked`) {
			t.Fatalf("edit form: %d\n%s", r.status, r.body)
		}
		r = c.post("/admin/access/roles/helpdesk", url.Values{"description": {"Support"}, "permissions": {"people.read"}})
		if _, doc := e.api(http.MethodGet, "/admin/v1/roles/helpdesk", tok, nil); r.status != http.StatusOK || len(doc["permissions"].([]any)) != 1 {
			t.Fatalf("save role: %d %v", r.status, doc)
		}
		// The new role can be given to an admin.
		if r = c.get("/admin/access/admins"); !strings.Contains(r.body, `<option value="helpdesk"`) {
			t.Error("the custom role is not offered to admins")
		}
		r = c.post("/admin/access/roles/helpdesk/delete", nil)
		if status, _ := e.api(http.MethodGet, "/admin/v1/roles/helpdesk", tok, nil); r.status != http.StatusOK || status != http.StatusNotFound {
			t.Fatalf("delete role: %d, then GET %d", r.status, status)
		}

		// Escalation: an admin manager without sso.manage cannot grant it.
		must(t, e.store.CreateRole(t.Context(), &directory.AdminRole{OrgID: e.org.ID, Name: "admin_manager",
			Permissions: []directory.Permission{directory.PermReadPeople, directory.PermManageAdmins}}))
		carol, _ := e.signedInAs("carol@acme.example", "admin_manager")
		r = carol.get("/admin/access/roles/new")
		if !strings.Contains(text(r.body), "sso.manage not in your role") {
			t.Errorf("the form does not mark permissions carol lacks:\n%s", text(r.body))
		}
		r = carol.post("/admin/access/roles", url.Values{"name": {"sso_admin"}, "permissions": {"people.read", "sso.manage"}})
		if r.status != http.StatusForbidden || !strings.Contains(r.body, `class="alert"`) || !strings.Contains(text(r.body), "permissions your role lacks (sso.manage)") ||
			!strings.Contains(r.body, `value="sso_admin"`) {
			t.Fatalf("escalation: %d\n%s", r.status, text(r.body))
		}
		if status, _ := e.api(http.MethodGet, "/admin/v1/roles/sso_admin", tok, nil); status != http.StatusNotFound {
			t.Fatalf("the refused role exists: %d", status)
		}
		r = carol.post("/admin/access/admins", url.Values{"email": {"dan@acme.example"}, "role": {"system_admin"}})
		if r.status != http.StatusForbidden || !strings.Contains(text(r.body), "permissions your role lacks") {
			t.Fatalf("carol adds a system admin: %d\n%s", r.status, text(r.body))
		}
		if r = carol.get("/admin/access"); !strings.HasSuffix(r.url, "/admin/access/admins") {
			t.Errorf("/admin/access for an admin manager led to %s", r.url)
		}
	})
}

// TestAccessNeedsPermissions: an account manager sees no Access link and
// gets 403 on every access page and form; nothing changes.
func TestAccessNeedsPermissions(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		root := e.admin("root@acme.example", directory.RoleSystemAdmin)
		tok := e.token(root)
		c, _ := e.signedInAs("mia@acme.example", directory.RoleAccountManager)
		if r := c.get("/admin/account"); r.status != http.StatusOK || strings.Contains(r.body, `href="/admin/access"`) {
			t.Fatalf("an account manager's navigation: %d, has Access: %v", r.status, strings.Contains(r.body, `href="/admin/access"`))
		}
		for _, path := range []string{"/admin/access", "/admin/access/scim-tokens", "/admin/access/admins", "/admin/access/admins/" + root.ID,
			"/admin/access/roles", "/admin/access/roles/new"} {
			if r := c.get(path); r.status != http.StatusForbidden || !strings.Contains(text(r.body), "Not allowed") {
				t.Errorf("GET %s: %d\n%s", path, r.status, text(r.body))
			}
		}
		for path, form := range map[string]url.Values{
			"/admin/access/scim-tokens":                    {"name": {"x"}, "expires_in_days": {"1"}},
			"/admin/access/admins":                         {"email": {"eve@acme.example"}, "role": {"reader"}},
			"/admin/access/admins/" + root.ID + "/role":    {"role": {"reader"}},
			"/admin/access/admins/" + root.ID + "/disable": nil,
			"/admin/access/roles":                          {"name": {"x"}, "permissions": {"people.read"}},
			"/admin/settings/sso":                          {"email_domains": {"acme.example"}},
			"/admin/settings/sso/test":                     nil,
			"/admin/settings/sso/remove":                   nil,
		} {
			if r := c.post(path, form); r.status != http.StatusForbidden {
				t.Errorf("POST %s: %d\n%s", path, r.status, text(r.body))
			}
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/scim-tokens", tok, nil); len(accessItems(t, doc)) != 0 {
			t.Errorf("a SCIM token was made: %v", doc)
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/admins", tok, nil); len(accessItems(t, doc)) != 2 {
			t.Errorf("admins changed: %v", doc)
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/admins/"+root.ID, tok, nil); doc["role"] != "system_admin" || doc["status"] != "active" {
			t.Errorf("root changed: %v", doc)
		}
		// Their own API tokens are theirs to manage.
		if r := c.get("/admin/access/tokens"); r.status != http.StatusOK {
			t.Errorf("own tokens: %d", r.status)
		}
	})
}
