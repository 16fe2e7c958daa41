package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func mustAdmin(t *testing.T, s directory.Store, orgID, email string, role directory.Role) directory.Admin {
	t.Helper()
	a := directory.Admin{OrgID: orgID, Email: email, Role: role}
	if err := s.CreateAdmin(ctx(t), &a); err != nil {
		t.Fatalf("CreateAdmin(%q, %q): %v", email, role, err)
	}
	return a
}

func mustRole(t *testing.T, s directory.Store, orgID string, name directory.Role, perms ...directory.Permission) directory.AdminRole {
	t.Helper()
	r := directory.AdminRole{OrgID: orgID, Name: name, Permissions: perms}
	if err := s.CreateRole(ctx(t), &r); err != nil {
		t.Fatalf("CreateRole(%q): %v", name, err)
	}
	return r
}

func testRoles(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	role := directory.AdminRole{OrgID: org.ID, Name: "helpdesk", Description: "Front-line IT",
		Permissions: []directory.Permission{directory.PermReadPeople, directory.PermManageAccounts}}
	noErr(t, "CreateRole", s.CreateRole(ctx(t), &role))
	if role.CreatedAt.IsZero() || !role.UpdatedAt.Equal(role.CreatedAt) {
		t.Fatalf("created role = %+v", role)
	}
	dup := directory.AdminRole{OrgID: org.ID, Name: "helpdesk", Permissions: []directory.Permission{directory.PermReadAudit}}
	wantErr(t, "taken name", s.CreateRole(ctx(t), &dup), directory.ErrConflict)
	elsewhere := directory.AdminRole{OrgID: other.ID, Name: "helpdesk", Permissions: []directory.Permission{directory.PermReadAudit}}
	noErr(t, "same name in another org", s.CreateRole(ctx(t), &elsewhere))
	orphan := directory.AdminRole{OrgID: "no-such-org", Name: "x", Permissions: []directory.Permission{directory.PermReadAudit}}
	wantErr(t, "role of an unknown org", s.CreateRole(ctx(t), &orphan), directory.ErrNotFound)
	for _, bad := range []directory.AdminRole{
		{OrgID: org.ID, Name: "reader", Permissions: []directory.Permission{directory.PermReadAudit}},
		{OrgID: org.ID, Name: "Help Desk", Permissions: []directory.Permission{directory.PermReadAudit}},
		{OrgID: org.ID, Name: "empty"},
		{OrgID: org.ID, Name: "unknown", Permissions: []directory.Permission{"people.write"}},
	} {
		wantErr(t, "invalid role "+string(bad.Name), s.CreateRole(ctx(t), &bad), directory.ErrInvalid)
	}

	got, err := s.Role(ctx(t), org.ID, "helpdesk")
	noErr(t, "Role", err)
	if got.Description != "Front-line IT" || !slices.Equal(got.Permissions, role.Permissions) || !got.CreatedAt.Equal(role.CreatedAt) {
		t.Fatalf("Role = %+v; want %+v", got, role)
	}
	_, err = s.Role(ctx(t), org.ID, directory.RoleSystemAdmin)
	wantErr(t, "a built-in role is not stored", err, directory.ErrNotFound)

	noErr(t, "CreateRole", s.CreateRole(ctx(t), &directory.AdminRole{OrgID: org.ID, Name: "auditor", Permissions: []directory.Permission{directory.PermReadAudit}}))
	list, err := s.ListRoles(ctx(t), org.ID)
	noErr(t, "ListRoles", err)
	if len(list) != 2 || list[0].Name != "auditor" || list[1].Name != "helpdesk" {
		t.Fatalf("ListRoles = %+v; want auditor, helpdesk", list)
	}

	role.Description = "Front-line IT, no exports"
	role.Permissions = []directory.Permission{directory.PermReadPeople}
	noErr(t, "UpdateRole", s.UpdateRole(ctx(t), &role))
	got, err = s.Role(ctx(t), org.ID, "helpdesk")
	noErr(t, "Role after update", err)
	if got.Description != role.Description || !slices.Equal(got.Permissions, role.Permissions) || got.UpdatedAt.Before(got.CreatedAt) {
		t.Fatalf("Role after update = %+v", got)
	}
	missing := directory.AdminRole{OrgID: org.ID, Name: "nobody", Permissions: []directory.Permission{directory.PermReadAudit}}
	wantErr(t, "update an unknown role", s.UpdateRole(ctx(t), &missing), directory.ErrNotFound)
	crossOrg := directory.AdminRole{OrgID: other.ID, Name: "auditor", Permissions: []directory.Permission{directory.PermReadAudit}}
	wantErr(t, "update another org's role", s.UpdateRole(ctx(t), &crossOrg), directory.ErrNotFound)
	bad := role
	bad.Permissions = nil
	wantErr(t, "update to no permissions", s.UpdateRole(ctx(t), &bad), directory.ErrInvalid)

	testDeleteRole(t, s, org.ID)
	others, err := s.ListRoles(ctx(t), other.ID)
	noErr(t, "ListRoles of the other org", err)
	if len(others) != 1 || others[0].Name != "helpdesk" {
		t.Fatalf("the other org's roles = %+v", others)
	}
}

// testDeleteRole: a role is deleted only once no admin who is not
// disabled has it.
func testDeleteRole(t *testing.T, s directory.Store, orgID string) {
	alice := mustAdmin(t, s, orgID, "alice@acme.example", "helpdesk")
	wantErr(t, "delete a role an admin has", s.DeleteRole(ctx(t), orgID, "helpdesk"), directory.ErrConflict)
	noErr(t, "DisableAdmin", s.DisableAdmin(ctx(t), orgID, alice.ID, at(1, 0)))
	noErr(t, "delete a role only a disabled admin has", s.DeleteRole(ctx(t), orgID, "helpdesk"))
	_, err := s.Role(ctx(t), orgID, "helpdesk")
	wantErr(t, "Role after delete", err, directory.ErrNotFound)
	wantErr(t, "delete again", s.DeleteRole(ctx(t), orgID, "helpdesk"), directory.ErrNotFound)
	wantErr(t, "delete a built-in role", s.DeleteRole(ctx(t), orgID, directory.RoleReader), directory.ErrNotFound)
}

func testAdminUpdates(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	mustRole(t, s, org.ID, "helpdesk", directory.PermReadPeople)
	mustRole(t, s, other.ID, "auditor", directory.PermReadAudit)

	root := mustAdmin(t, s, org.ID, "root@acme.example", directory.RoleSystemAdmin)
	helper := mustAdmin(t, s, org.ID, "help@acme.example", "helpdesk")
	for _, role := range []directory.Role{"auditor", "nobody"} {
		a := directory.Admin{OrgID: org.ID, Email: "x-" + string(role) + "@acme.example", Role: role}
		wantErr(t, "create with a custom role the org lacks: "+string(role), s.CreateAdmin(ctx(t), &a), directory.ErrNotFound)
	}
	if admins, err := s.ListAdmins(ctx(t), org.ID); err != nil || len(admins) != 2 {
		t.Fatalf("a refused CreateAdmin wrote something: %d admins, %v", len(admins), err)
	}

	change := directory.Admin{OrgID: org.ID, ID: helper.ID, Role: directory.RoleAccountManager}
	noErr(t, "UpdateAdmin", s.UpdateAdmin(ctx(t), &change))
	if change.Email != helper.Email || change.Role != directory.RoleAccountManager || !change.CreatedAt.Equal(helper.CreatedAt) {
		t.Fatalf("UpdateAdmin filled in %+v", change)
	}
	got, err := s.Admin(ctx(t), org.ID, helper.ID)
	noErr(t, "Admin after update", err)
	if got.Role != directory.RoleAccountManager {
		t.Fatalf("role after update = %q", got.Role)
	}
	for _, tc := range []struct {
		what  string
		admin directory.Admin
		want  error
	}{
		{"a custom role of another org", directory.Admin{OrgID: org.ID, ID: helper.ID, Role: "auditor"}, directory.ErrNotFound},
		{"an admin of another org", directory.Admin{OrgID: other.ID, ID: helper.ID, Role: directory.RoleReader}, directory.ErrNotFound},
		{"an unknown admin", directory.Admin{OrgID: org.ID, ID: "nobody", Role: directory.RoleReader}, directory.ErrNotFound},
		{"an invalid role name", directory.Admin{OrgID: org.ID, ID: helper.ID, Role: "Root!"}, directory.ErrInvalid},
		{"the last system admin demoted", directory.Admin{OrgID: org.ID, ID: root.ID, Role: directory.RoleReader}, directory.ErrConflict},
	} {
		a := tc.admin
		wantErr(t, "UpdateAdmin with "+tc.what, s.UpdateAdmin(ctx(t), &a), tc.want)
	}
	wantErr(t, "disable the last system admin", s.DisableAdmin(ctx(t), org.ID, root.ID, at(1, 0)), directory.ErrConflict)
	if got, _ := s.Admin(ctx(t), org.ID, root.ID); got.Role != directory.RoleSystemAdmin || got.DisabledAt != nil {
		t.Fatalf("a refused change changed the last system admin: %+v", got)
	}

	promote := directory.Admin{OrgID: org.ID, ID: helper.ID, Role: directory.RoleSystemAdmin}
	noErr(t, "promote a second system admin", s.UpdateAdmin(ctx(t), &promote))
	demote := directory.Admin{OrgID: org.ID, ID: root.ID, Role: "helpdesk"}
	noErr(t, "demote one of two system admins", s.UpdateAdmin(ctx(t), &demote))
	wantErr(t, "disable the one left", s.DisableAdmin(ctx(t), org.ID, helper.ID, at(1, 0)), directory.ErrConflict)
	noErr(t, "disable someone else", s.DisableAdmin(ctx(t), org.ID, root.ID, at(1, 0)))
	testConcurrentDemotions(t, s)
}

// testConcurrentDemotions: two system admins demoting each other at the
// same moment never leave the organization without one.
func testConcurrentDemotions(t *testing.T, s directory.Store) {
	for round := range 5 {
		org := mustOrg(t, s, name("race", round))
		a := mustAdmin(t, s, org.ID, "a@race.example", directory.RoleSystemAdmin)
		b := mustAdmin(t, s, org.ID, "b@race.example", directory.RoleSystemAdmin)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, id := range []string{a.ID, b.ID} {
			wg.Go(func() {
				change := directory.Admin{OrgID: org.ID, ID: id, Role: directory.RoleReader}
				errs[i] = s.UpdateAdmin(ctx(t), &change)
			})
		}
		wg.Wait()
		refused := 0
		for _, err := range errs {
			switch {
			case errors.Is(err, directory.ErrConflict):
				refused++
			case err != nil:
				t.Fatalf("round %d: UpdateAdmin: %v", round, err)
			}
		}
		admins, err := s.ListAdmins(ctx(t), org.ID)
		noErr(t, "ListAdmins", err)
		active := 0
		for _, adm := range admins {
			if adm.Role == directory.RoleSystemAdmin && adm.DisabledAt == nil {
				active++
			}
		}
		if active != 1 || refused != 1 {
			t.Fatalf("round %d: %d active system admins left, %d demotions refused; want 1 and 1", round, active, refused)
		}
	}
}
