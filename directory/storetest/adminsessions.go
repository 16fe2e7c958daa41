package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// testAdminSessions: console sessions and admin passwords. Setting a
// password ends the admin's other sessions; disabling the admin ends all.
func testAdminSessions(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	ada := mustAdmin(t, s, org.ID, "Ada@Acme.example", directory.RoleSystemAdmin)
	bob := mustAdmin(t, s, org.ID, "bob@acme.example", directory.RoleReader)
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

	got, err := s.AdminByEmail(ctx(t), org.ID, "ada@ACME.example")
	noErr(t, "AdminByEmail", err)
	if got.ID != ada.ID || got.PasswordSetAt != nil {
		t.Fatalf("AdminByEmail = %+v; want ada without a password", got)
	}
	_, err = s.AdminByEmail(ctx(t), other.ID, "ada@acme.example")
	wantErr(t, "AdminByEmail in another org", err, directory.ErrNotFound)

	hash, err := s.AdminPassword(ctx(t), org.ID, ada.ID)
	noErr(t, "AdminPassword", err)
	if hash != "" {
		t.Fatalf("password before one is set = %q", hash)
	}
	_, err = s.AdminPassword(ctx(t), org.ID, "nobody")
	wantErr(t, "AdminPassword of nobody", err, directory.ErrNotFound)
	wantErr(t, "SetAdminPassword of nobody", s.SetAdminPassword(ctx(t), org.ID, "nobody", "h", t0, ""), directory.ErrNotFound)

	mk := func(hash string, a directory.Admin, expires time.Time) {
		sess := directory.AdminSession{Hash: hash, OrgID: org.ID, AdminID: a.ID, Method: "password",
			CreatedAt: t0, LastSeenAt: t0, ExpiresAt: expires}
		noErr(t, "CreateAdminSession", s.CreateAdminSession(ctx(t), &sess))
	}
	mk("s1", ada, t0.Add(12*time.Hour))
	mk("s2", ada, t0.Add(12*time.Hour))
	mk("s3", bob, t0.Add(time.Hour))
	wantErr(t, "a session without expiry",
		s.CreateAdminSession(ctx(t), &directory.AdminSession{Hash: "x", OrgID: org.ID, AdminID: ada.ID}), directory.ErrInvalid)
	dup := directory.AdminSession{Hash: "s1", OrgID: org.ID, AdminID: ada.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
	wantErr(t, "a session hash twice", s.CreateAdminSession(ctx(t), &dup), directory.ErrConflict)
	sess, err := s.AdminSessionByHash(ctx(t), "s1")
	noErr(t, "AdminSessionByHash", err)
	if sess.AdminID != ada.ID || sess.Method != "password" || !sess.ExpiresAt.Equal(t0.Add(12*time.Hour)) {
		t.Fatalf("session = %+v", sess)
	}

	noErr(t, "SetAdminPassword", s.SetAdminPassword(ctx(t), org.ID, ada.ID, "argon2id-hash", t0, "s1"))
	hash, err = s.AdminPassword(ctx(t), org.ID, ada.ID)
	noErr(t, "AdminPassword", err)
	if hash != "argon2id-hash" {
		t.Fatalf("password = %q", hash)
	}
	if got, _ := s.Admin(ctx(t), org.ID, ada.ID); got.PasswordSetAt == nil || !got.PasswordSetAt.Equal(t0) {
		t.Fatalf("PasswordSetAt = %v; want %s", got.PasswordSetAt, t0)
	}
	_, err = s.AdminSessionByHash(ctx(t), "s2")
	wantErr(t, "a session ended by the password change", err, directory.ErrNotFound)
	_, err = s.AdminSessionByHash(ctx(t), "s1")
	noErr(t, "the session that changed the password", err)

	noErr(t, "TouchAdminSession", s.TouchAdminSession(ctx(t), "s1", t0.Add(30*time.Minute)))
	n, err := s.DeleteExpiredAdminSessions(ctx(t), t0.Add(2*time.Hour), t0.Add(20*time.Minute))
	noErr(t, "DeleteExpiredAdminSessions", err)
	if n != 1 { // s3 past its expiry; s1 was touched
		t.Fatalf("expired sessions removed = %d; want 1", n)
	}
	mk("s4", bob, t0.Add(12*time.Hour))
	noErr(t, "DisableAdmin", s.DisableAdmin(ctx(t), org.ID, bob.ID, t0))
	_, err = s.AdminSessionByHash(ctx(t), "s4")
	wantErr(t, "the session of a disabled admin", err, directory.ErrNotFound)
	noErr(t, "DeleteAdminSession", s.DeleteAdminSession(ctx(t), "s1"))
	noErr(t, "DeleteAdminSession of a missing one", s.DeleteAdminSession(ctx(t), "s1"))
	noErr(t, "removing the password", s.SetAdminPassword(ctx(t), org.ID, ada.ID, "", t0, ""))
	if hash, _ := s.AdminPassword(ctx(t), org.ID, ada.ID); hash != "" {
		t.Fatalf("password after removal = %q", hash)
	}
}
