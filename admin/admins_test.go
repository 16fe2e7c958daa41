package admin

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// auditOf returns the org's audit events with action, newest first.
func auditOf(e *adminEnv, action string) []directory.AuditEvent {
	e.t.Helper()
	events, err := e.store.ListAudit(e.t.Context(), e.org.ID, directory.AuditQuery{Action: action, Limit: 1000})
	must(e.t, err)
	return events
}

// noSecretsAudited fails if any audit record of the org holds one of the
// secrets (or anything shaped like a token).
func noSecretsAudited(e *adminEnv, secrets ...string) {
	e.t.Helper()
	for _, ev := range auditOf(e, "") {
		for _, s := range append(secrets, "lka_", "lks_") {
			if strings.Contains(string(ev.Details), s) {
				e.t.Fatalf("audit %s holds a secret: %s", ev.Action, ev.Details)
			}
		}
	}
}

// fieldsAtFault lists the fields a 400 problem names.
func fieldsAtFault(t *testing.T, r response) []string {
	t.Helper()
	var p problem
	decodeInto(t, r, &p)
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	slices.Sort(fields)
	return fields
}

func wantProblem(t *testing.T, what string, r response, status int, code string) {
	t.Helper()
	if r.Status != status || r.JSON()["code"] != code {
		t.Fatalf("%s = %d %s; want %d %s", what, r.Status, r.Body, status, code)
	}
}

func TestAdminsLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		api := newContract(e)
		root := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)
		_, me := api.get(root, Prefix+"/me")
		rootID := me["id"].(string)

		r := api.do(http.MethodPost, Prefix+"/admins", root, map[string]any{"email": "it@acme.example", "role": "account_manager", "token_name": "laptop"})
		var created adminCreateReply
		decodeInto(t, r, &created)
		if r.Status != http.StatusCreated || created.Admin.Role != directory.RoleAccountManager || created.Admin.Status != "active" ||
			created.Token.Name != "laptop" || created.Token.AdminID != created.Admin.ID || !strings.HasPrefix(created.Token.Token, "lka_") {
			t.Fatalf("POST /admins = %d %s", r.Status, r.Body)
		}
		if d := created.Token.ExpiresAt.Sub(time.Now()); d < 89*24*time.Hour || d > 91*24*time.Hour {
			t.Fatalf("the first token expires in %v; want the default 90 days", d)
		}
		if _, who := api.get(created.Token.Token, Prefix+"/me"); who["email"] != "it@acme.example" || who["role"] != "account_manager" {
			t.Fatalf("the new admin's token: GET /me = %v", who)
		}
		made := auditOf(e, "admin.create")
		if len(made) != 1 || made[0].ActorID != rootID || made[0].ActorType != directory.ActorAdmin || made[0].TargetID != created.Admin.ID {
			t.Fatalf("admin.create audit = %+v", made)
		}
		if len(auditOf(e, "admin_token.create")) != 1 {
			t.Fatal("the first token's creation is not audited")
		}

		wantProblem(t, "the same email again", api.do(http.MethodPost, Prefix+"/admins", root, map[string]any{"email": "IT@acme.example", "role": "reader"}), 409, "admin_exists")
		bad := api.do(http.MethodPost, Prefix+"/admins", root, map[string]any{"email": "it at acme", "role": "Owner!", "token_name": " ", "token_expires_in_days": 0})
		if got := fieldsAtFault(t, bad); bad.Status != 400 || !slices.Equal(got, []string{"email", "role", "token_expires_in_days", "token_name"}) {
			t.Fatalf("a body wrong in four fields = %d, fields %v", bad.Status, got)
		}
		unknownRole := api.do(http.MethodPost, Prefix+"/admins", root, map[string]any{"email": "x@acme.example", "role": "helpdesk"})
		if got := fieldsAtFault(t, unknownRole); unknownRole.Status != 400 || !slices.Equal(got, []string{"role"}) {
			t.Fatalf("a role the org lacks = %d %s", unknownRole.Status, unknownRole.Body)
		}
		typo := api.do(http.MethodPost, Prefix+"/admins", root, map[string]any{"email": "x@acme.example", "role": "reader", "rolle": "x"})
		if got := fieldsAtFault(t, typo); typo.Status != 400 || !slices.Equal(got, []string{"rolle"}) {
			t.Fatalf("an unknown member = %d %s", typo.Status, typo.Body)
		}

		list := api.do(http.MethodGet, Prefix+"/admins", root, nil)
		var admins adminsReply
		decodeInto(t, list, &admins)
		if len(admins.Items) != 2 || admins.Items[0].Email != "it@acme.example" || admins.Items[1].Email != "root@acme.example" {
			t.Fatalf("GET /admins = %s", list.Body)
		}
		if status, one := api.get(root, Prefix+"/admins/"+created.Admin.ID); status != 200 || one["email"] != "it@acme.example" {
			t.Fatalf("GET /admins/{id} = %d %v", status, one)
		}
		wantProblem(t, "an unknown admin", api.do(http.MethodGet, Prefix+"/admins/nobody", root, nil), 404, "not_found")

		testAdminRoleChange(t, e, api, root, rootID, created)
		noSecretsAudited(e, created.Token.Token)
	})
}

// testAdminRoleChange: PATCH changes the role and is audited; nobody
// disables themselves or leaves the org without a system admin; a
// disabled admin's token stops working.
func testAdminRoleChange(t *testing.T, e *adminEnv, api *contract, root, rootID string, it adminCreateReply) {
	path := Prefix + "/admins/" + it.Admin.ID
	r := api.do(http.MethodPatch, path, root, map[string]any{"role": "reader"})
	if r.Status != 200 || r.JSON()["role"] != "reader" {
		t.Fatalf("PATCH role = %d %s", r.Status, r.Body)
	}
	changed := auditOf(e, "admin.update")
	var details struct {
		Role struct{ Before, After string }
	}
	if len(changed) == 1 {
		must(t, json.Unmarshal(changed[0].Details, &details))
	}
	if len(changed) != 1 || details.Role.Before != "account_manager" || details.Role.After != "reader" {
		t.Fatalf("admin.update audit = %+v", changed)
	}
	if r := api.do(http.MethodPatch, path, root, map[string]any{"role": "reader"}); r.Status != 200 || len(auditOf(e, "admin.update")) != 1 {
		t.Fatalf("the same role again = %d, or audited twice", r.Status)
	}
	if got := fieldsAtFault(t, api.do(http.MethodPatch, path, root, map[string]any{})); !slices.Equal(got, []string{"role"}) {
		t.Fatalf("PATCH without a role names %v", got)
	}
	wantProblem(t, "disable yourself", api.do(http.MethodDelete, Prefix+"/admins/"+rootID, root, nil), 409, "cannot_disable_self")
	wantProblem(t, "demote the last system admin", api.do(http.MethodPatch, Prefix+"/admins/"+rootID, root, map[string]any{"role": "reader"}), 409, "last_system_admin")

	off := api.do(http.MethodDelete, path, root, nil)
	if off.Status != 200 || off.JSON()["status"] != "disabled" || off.JSON()["disabled_at"] == nil {
		t.Fatalf("DELETE /admins/{id} = %d %s", off.Status, off.Body)
	}
	if status, _ := api.get(it.Token.Token, Prefix+"/me"); status != http.StatusUnauthorized {
		t.Fatalf("a disabled admin's token: GET /me = %d", status)
	}
	if again := api.do(http.MethodDelete, path, root, nil); again.Status != 200 || len(auditOf(e, "admin.disable")) != 1 {
		t.Fatalf("disable twice = %d, %d audit records", again.Status, len(auditOf(e, "admin.disable")))
	}
}

// TestAdminEscalation: an admin who may manage admins still cannot give
// anyone, themselves included, more than their own role has, nor change
// an admin more powerful than they are.
func TestAdminEscalation(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		api := newContract(e)
		root := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)
		_, me := api.get(root, Prefix+"/me")
		rootID := me["id"].(string)
		if r := api.do(http.MethodPost, Prefix+"/roles", root, map[string]any{"name": "admin_manager",
			"permissions": []string{"admins.manage", "people.read"}}); r.Status != 201 {
			t.Fatalf("POST /roles = %d %s", r.Status, r.Body)
		}
		if r := api.do(http.MethodPost, Prefix+"/roles", root, map[string]any{"name": "power",
			"permissions": []string{"admins.manage", "accounts.manage"}}); r.Status != 201 {
			t.Fatalf("POST /roles = %d %s", r.Status, r.Body)
		}
		mgr := e.token(e.org.ID, "mgr@acme.example", "admin_manager")
		before := len(auditOf(e, ""))
		// Rewriting a role whose grants exceed yours changes admins more
		// powerful than you, even when the new grants are yours to give.
		wantProblem(t, "strip a more powerful role", api.do(http.MethodPut, Prefix+"/roles/power", mgr,
			map[string]any{"permissions": []string{"admins.manage"}}), 403, "escalation")

		for _, role := range []string{"system_admin", "account_manager", "reader"} {
			r := api.do(http.MethodPost, Prefix+"/admins", mgr, map[string]any{"email": role + "@acme.example", "role": role})
			wantProblem(t, "grant "+role, r, 403, "escalation")
		}
		wantProblem(t, "a role with more than yours", api.do(http.MethodPost, Prefix+"/roles", mgr,
			map[string]any{"name": "settings_reader", "permissions": []string{"settings.read"}}), 403, "escalation")
		wantProblem(t, "raise your own role", api.do(http.MethodPut, Prefix+"/roles/admin_manager", mgr,
			map[string]any{"permissions": []string{"admins.manage", "people.read", "audit.read"}}), 403, "escalation")
		wantProblem(t, "demote a system admin", api.do(http.MethodPatch, Prefix+"/admins/"+rootID, mgr, map[string]any{"role": "admin_manager"}), 403, "escalation")
		wantProblem(t, "disable a system admin", api.do(http.MethodDelete, Prefix+"/admins/"+rootID, mgr, nil), 403, "escalation")
		wantProblem(t, "mint a system admin's token", api.do(http.MethodPost, Prefix+"/admins/"+rootID+"/tokens", mgr, map[string]any{"name": "mine now"}), 403, "not_owner")
		if after := len(auditOf(e, "")); after != before {
			t.Fatalf("refused requests wrote %d audit records", after-before)
		}
		if admins, _ := e.store.ListAdmins(t.Context(), e.org.ID); len(admins) != 2 {
			t.Fatalf("refused requests made admins: %+v", admins)
		}

		if status, _ := api.get(mgr, Prefix+"/admins/"+rootID+"/tokens"); status != 200 {
			t.Fatalf("listing a system admin's tokens = %d", status)
		}
		if r := api.do(http.MethodPost, Prefix+"/roles", mgr, map[string]any{"name": "viewer", "permissions": []string{"people.read"}}); r.Status != 201 {
			t.Fatalf("a role within yours = %d %s", r.Status, r.Body)
		}
		r := api.do(http.MethodPost, Prefix+"/admins", mgr, map[string]any{"email": "viewer@acme.example", "role": "viewer"})
		if r.Status != 201 {
			t.Fatalf("grant a role within yours = %d %s", r.Status, r.Body)
		}
		var viewer adminCreateReply
		decodeInto(t, r, &viewer)
		if r := api.do(http.MethodDelete, Prefix+"/admins/"+viewer.Admin.ID, mgr, nil); r.Status != 200 {
			t.Fatalf("disable someone less powerful = %d %s", r.Status, r.Body)
		}
	})
}

// TestSystemAdminsKeepOne: two system admins may demote and disable each
// other until one is left.
func TestSystemAdminsKeepOne(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		api := newContract(e)
		first := e.token(e.org.ID, "first@acme.example", directory.RoleSystemAdmin)
		second := e.token(e.org.ID, "second@acme.example", directory.RoleSystemAdmin)
		idOf := func(token string) string {
			_, me := api.get(token, Prefix+"/me")
			return me["id"].(string)
		}
		firstID, secondID := idOf(first), idOf(second)
		if r := api.do(http.MethodPatch, Prefix+"/admins/"+firstID, first, map[string]any{"role": "reader"}); r.Status != 200 {
			t.Fatalf("demote yourself while another system admin exists = %d %s", r.Status, r.Body)
		}
		wantProblem(t, "demote the last one", api.do(http.MethodPatch, Prefix+"/admins/"+secondID, second, map[string]any{"role": "reader"}), 409, "last_system_admin")
		if r := api.do(http.MethodPatch, Prefix+"/admins/"+firstID, second, map[string]any{"role": "system_admin"}); r.Status != 200 {
			t.Fatalf("promote = %d %s", r.Status, r.Body)
		}
		if r := api.do(http.MethodDelete, Prefix+"/admins/"+firstID, second, nil); r.Status != 200 {
			t.Fatalf("disable one of two = %d %s", r.Status, r.Body)
		}
		if r := api.do(http.MethodPatch, Prefix+"/admins/"+secondID, second, map[string]any{"role": "reader"}); r.Status != 409 {
			t.Fatalf("demote the one left = %d %s", r.Status, r.Body)
		}
	})
}

func TestPermissionsListed(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		api := newContract(e)
		reader := e.token(e.org.ID, "look@acme.example", directory.RoleReader)
		r := api.do(http.MethodGet, Prefix+"/permissions", reader, nil)
		var got permissionsReply
		decodeInto(t, r, &got)
		if len(got.Permissions) != len(directory.Permissions) || len(got.Roles) != len(directory.Roles) {
			t.Fatalf("GET /permissions = %s", r.Body)
		}
		for i, p := range got.Permissions {
			if p.Name != directory.Permissions[i] || p.Description == "" {
				t.Errorf("permission %d = %+v", i, p)
			}
		}
		for _, role := range got.Roles {
			want, _ := directory.BuiltinPermissions(role.Name)
			if !role.BuiltIn || role.Description == "" || !slices.Equal(role.Permissions, want) {
				t.Errorf("role %+v; want permissions %v", role, want)
			}
		}
		raw, _ := json.Marshal(got)
		if strings.Contains(string(raw), `"description":""`) {
			t.Fatalf("an undescribed permission or role: %s", raw)
		}
	})
}
