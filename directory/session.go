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
	// Purpose is PurposeSignIn for a signed-in person, or PurposeClaim
	// while a person works through the first-access steps (not signed
	// in yet).
	Purpose string
	// InviteGeneration is the account's invite generation when a claim
	// session began: a re-invite, revocation or deactivation moves the
	// account's generation on and so ends the claim.
	InviteGeneration int64
	// Steps lists the first-access steps done so far in a claim session.
	Steps []string
}

// Session purposes.
const (
	PurposeSignIn = "signin"
	PurposeClaim  = "claim"
)

// SessionStore holds sessions.
type SessionStore interface {
	// CreateSession stores s (Hash, OrgID, AccountID, times required).
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash finds a session whatever its times; the caller
	// decides whether it is still valid.
	SessionByHash(ctx context.Context, hash string) (Session, error)
	// TouchSession records activity.
	TouchSession(ctx context.Context, hash string, at time.Time) error
	// SaveSessionSteps records the steps done in a claim session.
	SaveSessionSteps(ctx context.Context, hash string, steps []string) error
	// DeleteSession ends one session (idempotent).
	DeleteSession(ctx context.Context, hash string) error
	// DeleteAccountSessions ends every session of an account and says
	// how many there were.
	DeleteAccountSessions(ctx context.Context, orgID, accountID string) (int, error)
	// DeleteExpiredSessions removes sessions past their absolute expiry
	// or idle since before idleBefore.
	DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error)
}
