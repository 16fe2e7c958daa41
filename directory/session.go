package directory

import (
	"context"
	"time"
)

// Session is a person's signed-in session. The cookie holds a random
// secret; Hash is its keyed hash, the only form stored.
type Session struct {
	Hash       string
	OrgID      string
	AccountID  string
	Method     string // how the person signed in: link, code, sso, password
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end, whatever the activity
}

// SessionStore holds sessions.
type SessionStore interface {
	// CreateSession stores s (Hash, OrgID, AccountID, times required).
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash finds a session whatever its times; the caller
	// decides whether it is still valid.
	SessionByHash(ctx context.Context, hash string) (Session, error)
	// TouchSession records activity.
	TouchSession(ctx context.Context, hash string, at time.Time) error
	// DeleteSession ends one session (idempotent).
	DeleteSession(ctx context.Context, hash string) error
	// DeleteAccountSessions ends every session of an account and says
	// how many there were.
	DeleteAccountSessions(ctx context.Context, orgID, accountID string) (int, error)
	// DeleteExpiredSessions removes sessions past their absolute expiry
	// or idle since before idleBefore.
	DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error)
}
