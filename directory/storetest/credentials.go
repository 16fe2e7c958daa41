package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func testScimTokens(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	expires := at(20, 0)
	tok := directory.ScimToken{OrgID: org.ID, Name: "Entra ID", Hash: "h-entra", ExpiresAt: &expires}
	noErr(t, "CreateScimToken", s.CreateScimToken(ctx(t), &tok))
	if tok.ID == "" || tok.CreatedAt.IsZero() {
		t.Fatalf("created token = %+v", tok)
	}
	dup := directory.ScimToken{OrgID: org.ID, Name: "copy", Hash: "h-entra"}
	wantErr(t, "duplicate hash", s.CreateScimToken(ctx(t), &dup), directory.ErrConflict)
	noName := directory.ScimToken{OrgID: org.ID, Hash: "h2"}
	wantErr(t, "token without a name", s.CreateScimToken(ctx(t), &noName), directory.ErrInvalid)
	orphan := directory.ScimToken{OrgID: "no-such-org", Name: "x", Hash: "h3"}
	wantErr(t, "token of an unknown org", s.CreateScimToken(ctx(t), &orphan), directory.ErrNotFound)

	got, err := s.ScimTokenByHash(ctx(t), "h-entra")
	noErr(t, "ScimTokenByHash", err)
	if got.ID != tok.ID || got.OrgID != org.ID || got.Name != "Entra ID" {
		t.Fatalf("ScimTokenByHash = %+v", got)
	}
	sameTime(t, "ExpiresAt", got.ExpiresAt, &expires)
	_, err = s.ScimTokenByHash(ctx(t), "unknown")
	wantErr(t, "unknown hash", err, directory.ErrNotFound)
	byID, err := s.ScimToken(ctx(t), org.ID, tok.ID)
	noErr(t, "ScimToken", err)
	if byID.ID != tok.ID || byID.Name != "Entra ID" || byID.Hash != "h-entra" {
		t.Fatalf("ScimToken = %+v", byID)
	}
	other := mustOrg(t, s, "other")
	for _, key := range []struct{ org, id string }{{other.ID, tok.ID}, {org.ID, "nope"}} {
		_, err = s.ScimToken(ctx(t), key.org, key.id)
		wantErr(t, "ScimToken("+key.org+", "+key.id+")", err, directory.ErrNotFound)
	}

	used := at(5, 42)
	noErr(t, "TouchScimToken", s.TouchScimToken(ctx(t), org.ID, tok.ID, used))
	first := at(6, 0)
	noErr(t, "RevokeScimToken", s.RevokeScimToken(ctx(t), org.ID, tok.ID, first))
	noErr(t, "RevokeScimToken again", s.RevokeScimToken(ctx(t), org.ID, tok.ID, at(7, 0)))
	wantErr(t, "revoke unknown", s.RevokeScimToken(ctx(t), org.ID, "nope", first), directory.ErrNotFound)

	list, err := s.ListScimTokens(ctx(t), org.ID)
	noErr(t, "ListScimTokens", err)
	if len(list) != 1 {
		t.Fatalf("ListScimTokens = %+v", list)
	}
	sameTime(t, "LastUsedAt", list[0].LastUsedAt, &used)
	sameTime(t, "RevokedAt (first revocation kept)", list[0].RevokedAt, &first)
	if list[0].UsableAt(at(5, 0)) {
		t.Fatal("a revoked token is usable")
	}
}

func testAdminsAndTokens(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	admin := directory.Admin{OrgID: org.ID, Email: "Root@Acme.com", Role: directory.RoleSystemAdmin}
	noErr(t, "CreateAdmin", s.CreateAdmin(ctx(t), &admin))
	dup := directory.Admin{OrgID: org.ID, Email: "root@acme.COM", Role: directory.RoleReader}
	wantErr(t, "same email in other case", s.CreateAdmin(ctx(t), &dup), directory.ErrConflict)
	elsewhere := directory.Admin{OrgID: other.ID, Email: "root@acme.com", Role: directory.RoleReader}
	noErr(t, "same email in another org", s.CreateAdmin(ctx(t), &elsewhere))
	for _, bad := range []directory.Admin{
		{OrgID: org.ID, Email: "not an address", Role: directory.RoleReader},
		{OrgID: org.ID, Email: "Name <a@b.c>", Role: directory.RoleReader},
		{OrgID: org.ID, Email: "a@b.c", Role: "Owner!"},
	} {
		wantErr(t, "invalid admin "+bad.Email, s.CreateAdmin(ctx(t), &bad), directory.ErrInvalid)
	}
	got, err := s.Admin(ctx(t), org.ID, admin.ID)
	noErr(t, "Admin", err)
	if got.Email != "Root@Acme.com" || got.Role != directory.RoleSystemAdmin {
		t.Fatalf("Admin = %+v", got)
	}
	_, err = s.Admin(ctx(t), other.ID, admin.ID)
	wantErr(t, "admin of another org", err, directory.ErrNotFound)
	admins, err := s.ListAdmins(ctx(t), org.ID)
	noErr(t, "ListAdmins", err)
	if len(admins) != 1 {
		t.Fatalf("ListAdmins = %+v", admins)
	}

	tok := directory.AdminToken{OrgID: org.ID, AdminID: admin.ID, Name: "cli", Hash: "a-1"}
	noErr(t, "CreateAdminToken", s.CreateAdminToken(ctx(t), &tok))
	orphan := directory.AdminToken{OrgID: org.ID, AdminID: "nobody", Name: "cli", Hash: "a-2"}
	wantErr(t, "token of an unknown admin", s.CreateAdminToken(ctx(t), &orphan), directory.ErrNotFound)
	crossOrg := directory.AdminToken{OrgID: other.ID, AdminID: admin.ID, Name: "cli", Hash: "a-3"}
	wantErr(t, "token for another org's admin", s.CreateAdminToken(ctx(t), &crossOrg), directory.ErrNotFound)

	found, err := s.AdminTokenByHash(ctx(t), "a-1")
	noErr(t, "AdminTokenByHash", err)
	if found.ID != tok.ID || found.AdminID != admin.ID || !found.UsableAt(time.Now()) {
		t.Fatalf("AdminTokenByHash = %+v", found)
	}
	second := directory.AdminToken{OrgID: org.ID, AdminID: admin.ID, Name: "ci", Hash: "a-4"}
	noErr(t, "CreateAdminToken", s.CreateAdminToken(ctx(t), &second))
	testAdminTokenReads(t, s, admin, tok, second)
	// The last active system admin cannot be disabled; with a second one
	// the first can.
	backup := directory.Admin{OrgID: org.ID, Email: "backup@acme.com", Role: directory.RoleSystemAdmin}
	noErr(t, "CreateAdmin", s.CreateAdmin(ctx(t), &backup))
	noErr(t, "DisableAdmin", s.DisableAdmin(ctx(t), org.ID, admin.ID, at(8, 0)))
	noErr(t, "DisableAdmin again", s.DisableAdmin(ctx(t), org.ID, admin.ID, at(9, 0)))
	wantErr(t, "disable another org's admin", s.DisableAdmin(ctx(t), other.ID, admin.ID, at(9, 0)), directory.ErrNotFound)
	found, err = s.AdminTokenByHash(ctx(t), "a-4")
	noErr(t, "AdminTokenByHash of a disabled admin", err)
	if found.UsableAt(time.Now()) {
		t.Fatal("a disabled admin's token is usable")
	}
	byID, err := s.AdminToken(ctx(t), org.ID, second.ID)
	noErr(t, "AdminToken of a disabled admin", err)
	if byID.AdminDisabledAt == nil || byID.UsableAt(time.Now()) {
		t.Fatalf("AdminToken of a disabled admin = %+v", byID)
	}
	noErr(t, "RevokeAdminToken", s.RevokeAdminToken(ctx(t), org.ID, tok.ID, at(9, 0)))
	found, err = s.AdminTokenByHash(ctx(t), "a-1")
	noErr(t, "AdminTokenByHash after revoke", err)
	if found.UsableAt(time.Now()) {
		t.Fatal("a revoked admin token is usable")
	}
}

// testAdminTokenReads: one token by id, an admin's tokens oldest first,
// the time of last use, and nothing across organizations.
func testAdminTokenReads(t *testing.T, s directory.Store, admin directory.Admin, first, second directory.AdminToken) {
	t.Helper()
	got, err := s.AdminToken(ctx(t), admin.OrgID, first.ID)
	noErr(t, "AdminToken", err)
	if got.ID != first.ID || got.AdminID != admin.ID || got.Name != "cli" || got.Hash != "a-1" || got.AdminDisabledAt != nil {
		t.Fatalf("AdminToken = %+v", got)
	}
	other, err := s.OrganizationBySlug(ctx(t), "other")
	noErr(t, "OrganizationBySlug", err)
	_, err = s.AdminToken(ctx(t), other.ID, first.ID)
	wantErr(t, "AdminToken of another org", err, directory.ErrNotFound)
	_, err = s.AdminToken(ctx(t), admin.OrgID, "nope")
	wantErr(t, "unknown AdminToken", err, directory.ErrNotFound)

	used := at(3, 17)
	noErr(t, "TouchAdminToken", s.TouchAdminToken(ctx(t), admin.OrgID, second.ID, used))
	list, err := s.ListAdminTokens(ctx(t), admin.OrgID, admin.ID)
	noErr(t, "ListAdminTokens", err)
	if len(list) != 2 || list[0].ID != first.ID || list[1].ID != second.ID {
		t.Fatalf("ListAdminTokens = %+v; want cli, ci", list)
	}
	sameTime(t, "LastUsedAt", list[1].LastUsedAt, &used)
	if list[0].LastUsedAt != nil {
		t.Fatalf("an unused token has LastUsedAt %v", list[0].LastUsedAt)
	}
	for _, owner := range []struct{ org, admin string }{{other.ID, admin.ID}, {admin.OrgID, "nobody"}} {
		none, err := s.ListAdminTokens(ctx(t), owner.org, owner.admin)
		noErr(t, "ListAdminTokens of nobody", err)
		if len(none) != 0 {
			t.Fatalf("ListAdminTokens(%q, %q) = %+v; want none", owner.org, owner.admin, none)
		}
	}
}
