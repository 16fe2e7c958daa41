package admin

import (
	"net/http"
	"slices"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestCustomRoles(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		api := newContract(e)
		root := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)

		r := api.do(http.MethodPost, Prefix+"/roles", root, map[string]any{"name": "helpdesk", "description": "Front-line IT",
			"permissions": []string{"accounts.manage", "people.read", "people.read"}})
		var made roleReply
		decodeInto(t, r, &made)
		want := []directory.Permission{directory.PermReadPeople, directory.PermManageAccounts}
		if r.Status != 201 || made.BuiltIn || !slices.Equal(made.Permissions, want) || made.CreatedAt == nil {
			t.Fatalf("POST /roles = %d %s", r.Status, r.Body)
		}
		if audited := auditOf(e, "role.create"); len(audited) != 1 || audited[0].TargetID != "helpdesk" {
			t.Fatalf("role.create audit = %+v", audited)
		}
		wantProblem(t, "the same name again", api.do(http.MethodPost, Prefix+"/roles", root,
			map[string]any{"name": "helpdesk", "permissions": []string{"people.read"}}), 409, "role_exists")
		for _, bad := range []map[string]any{
			{"name": "reader", "permissions": []string{"people.read"}},
			{"name": "new", "permissions": []string{"people.read"}},
			{"name": "Help Desk", "permissions": []string{"people.read"}},
			{"name": "empty", "permissions": []string{}},
			{"name": "typo", "permissions": []string{"people.write"}},
			{"name": "extra", "permissions": []string{"people.read"}, "color": "red"},
		} {
			if r := api.do(http.MethodPost, Prefix+"/roles", root, bad); r.Status != 400 || len(fieldsAtFault(t, r)) != 1 {
				t.Fatalf("POST /roles %v = %d %s", bad, r.Status, r.Body)
			}
		}

		var all rolesReply
		decodeInto(t, api.do(http.MethodGet, Prefix+"/roles", root, nil), &all)
		var names []directory.Role
		for _, role := range all.Items {
			names = append(names, role.Name)
		}
		if !slices.Equal(names, []directory.Role{"system_admin", "account_manager", "reader", "helpdesk"}) {
			t.Fatalf("GET /roles names %v", names)
		}
		if status, one := api.get(root, Prefix+"/roles/reader"); status != 200 || one["built_in"] != true {
			t.Fatalf("GET a built-in role = %d %v", status, one)
		}
		wantProblem(t, "an unknown role", api.do(http.MethodGet, Prefix+"/roles/nope", root, nil), 404, "not_found")

		testRoleChanges(t, e, api, root)
	})
}

// testRoleChanges: a custom role's permissions are what its admins get,
// at once; built-in roles stay as they are; a role in use stays.
func testRoleChanges(t *testing.T, e *adminEnv, api *contract, root string) {
	helper := e.token(e.org.ID, "help@acme.example", "helpdesk")
	if _, me := api.get(helper, Prefix+"/me"); len(me["permissions"].([]any)) != 2 {
		t.Fatalf("a helpdesk admin's permissions = %v", me["permissions"])
	}
	r := api.do(http.MethodPut, Prefix+"/roles/helpdesk", root, map[string]any{"description": "Look only", "permissions": []string{"people.read"}})
	if r.Status != 200 || r.JSON()["description"] != "Look only" {
		t.Fatalf("PUT /roles/helpdesk = %d %s", r.Status, r.Body)
	}
	if _, me := api.get(helper, Prefix+"/me"); len(me["permissions"].([]any)) != 1 {
		t.Fatalf("after the change, a helpdesk admin's permissions = %v", me["permissions"])
	}
	if audited := auditOf(e, "role.update"); len(audited) != 1 {
		t.Fatalf("role.update audit = %+v", audited)
	}
	wantProblem(t, "change a role that does not exist", api.do(http.MethodPut, Prefix+"/roles/nope", root,
		map[string]any{"permissions": []string{"people.read"}}), 404, "not_found")
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		var body any
		if method == http.MethodPut {
			body = map[string]any{"permissions": []string{"people.read"}}
		}
		wantProblem(t, method+" a built-in role", api.do(method, Prefix+"/roles/account_manager", root, body), 409, "built_in_role")
	}

	wantProblem(t, "delete a role in use", api.do(http.MethodDelete, Prefix+"/roles/helpdesk", root, nil), 409, "role_in_use")
	helperID := adminID(api, helper)
	if r := api.do(http.MethodDelete, Prefix+"/admins/"+helperID, root, nil); r.Status != 200 {
		t.Fatalf("disable the helpdesk admin = %d", r.Status)
	}
	if r := api.do(http.MethodDelete, Prefix+"/roles/helpdesk", root, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete a role no active admin has = %d %s", r.Status, r.Body)
	}
	wantProblem(t, "the deleted role", api.do(http.MethodGet, Prefix+"/roles/helpdesk", root, nil), 404, "not_found")
	if audited := auditOf(e, "role.delete"); len(audited) != 1 {
		t.Fatalf("role.delete audit = %+v", audited)
	}
	wantProblem(t, "give the deleted role", api.do(http.MethodPatch, Prefix+"/admins/"+helperID, root, map[string]any{"role": "helpdesk"}), 400, "invalid")
}
