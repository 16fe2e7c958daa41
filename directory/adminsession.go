package directory

import (
	"context"
	"time"
)

// AdminSession is an admin's signed-in session in the admin console. The
// cookie holds a random secret; Hash is its keyed hash, the only form
// stored.
type AdminSession struct {
	Hash       string
	OrgID      string
	AdminID    string
	Method     string // how the admin signed in: password or sso
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end, whatever the activity
}

// AdminSessionStore holds the console's sessions and admins' passwords.
type AdminSessionStore interface {
	// AdminByEmail matches an admin of the org by email,
	// case-insensitively.
	AdminByEmail(ctx context.Context, orgID, email string) (Admin, error)
	// AdminPassword returns the admin's password hash, "" when none is
	// set (ErrNotFound: no such admin).
	AdminPassword(ctx context.Context, orgID, id string) (string, error)
	// SetAdminPassword stores hash ("" removes the password) and, in the
	// same transaction, ends every console session of the admin except
	// keepSession (a hash, or "").
	SetAdminPassword(ctx context.Context, orgID, id, hash string, at time.Time, keepSession string) error

	// CreateAdminSession stores s (Hash, OrgID, AdminID, times required).
	CreateAdminSession(ctx context.Context, s *AdminSession) error
	// AdminSessionByHash finds a session whatever its times; the caller
	// decides whether it is still valid.
	AdminSessionByHash(ctx context.Context, hash string) (AdminSession, error)
	// TouchAdminSession records activity.
	TouchAdminSession(ctx context.Context, hash string, at time.Time) error
	// DeleteAdminSession ends one session (idempotent).
	DeleteAdminSession(ctx context.Context, hash string) error
	// DeleteExpiredAdminSessions removes sessions past their absolute
	// expiry or idle since before idleBefore.
	DeleteExpiredAdminSessions(ctx context.Context, now, idleBefore time.Time) (int, error)
}
