package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func testSessions(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	a := mustAccount(t, s, org.ID, "ada")
	b := mustAccount(t, s, org.ID, "bob")
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	mk := func(hash string, acc directory.Account, expires time.Time) directory.Session {
		sess := directory.Session{Hash: hash, OrgID: org.ID, AccountID: acc.ID, Method: "link", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: expires}
		noErr(t, "CreateSession", s.CreateSession(ctx(t), &sess))
		return sess
	}
	mk("h1", a, t0.Add(12*time.Hour))
	mk("h2", a, t0.Add(12*time.Hour))
	mk("h3", b, t0.Add(time.Hour))
	wantErr(t, "a session without expiry", s.CreateSession(ctx(t), &directory.Session{Hash: "x", OrgID: org.ID, AccountID: a.ID}), directory.ErrInvalid)
	dup := directory.Session{Hash: "h1", OrgID: org.ID, AccountID: a.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
	wantErr(t, "a session hash twice", s.CreateSession(ctx(t), &dup), directory.ErrConflict)

	got, err := s.SessionByHash(ctx(t), "h1")
	noErr(t, "SessionByHash", err)
	if got.AccountID != a.ID || got.Method != "link" || !got.ExpiresAt.Equal(t0.Add(12*time.Hour)) {
		t.Fatalf("session = %+v", got)
	}
	noErr(t, "TouchSession", s.TouchSession(ctx(t), "h1", t0.Add(30*time.Minute)))
	if got, _ := s.SessionByHash(ctx(t), "h1"); !got.LastSeenAt.Equal(t0.Add(30 * time.Minute)) {
		t.Fatalf("last seen after touch = %s", got.LastSeenAt)
	}
	n, err := s.DeleteExpiredSessions(ctx(t), t0.Add(2*time.Hour), t0.Add(20*time.Minute))
	noErr(t, "DeleteExpiredSessions", err)
	if n != 2 { // h2 idle since t0, h3 past its expiry; h1 was touched
		t.Fatalf("expired sessions removed = %d; want 2", n)
	}
	mk("h4", a, t0.Add(12*time.Hour))
	n, err = s.DeleteAccountSessions(ctx(t), org.ID, a.ID)
	noErr(t, "DeleteAccountSessions", err)
	if n != 2 {
		t.Fatalf("sessions of ada removed = %d; want 2", n)
	}
	_, err = s.SessionByHash(ctx(t), "h1")
	wantErr(t, "a deleted session", err, directory.ErrNotFound)
	noErr(t, "DeleteSession of a missing one", s.DeleteSession(ctx(t), "h1"))

	mk("h5", b, t0.Add(12*time.Hour))
	noErr(t, "DeleteAccount with a session", s.DeleteAccount(ctx(t), org.ID, b.ID))
	_, err = s.SessionByHash(ctx(t), "h5")
	wantErr(t, "the session of a deleted account", err, directory.ErrNotFound)
}
