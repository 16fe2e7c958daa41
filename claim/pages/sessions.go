package pages

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/server"
)

// touchEvery bounds how often a session's activity is written: the idle
// timeout does not need more precision than that, and most requests then
// cost no write.
const touchEvery = time.Minute

// errNoSession: the request carries no session secret, or one whose
// session ended (signed out, expired, idle, or its account deactivated).
var errNoSession = errors.New("pages: no live session")

// newSecret is 256 bits from crypto/rand, base64url: a session secret or
// an SSO binding.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// startSession stores s (OrgID, AccountID, Purpose, Method and the claim
// fields set by the caller) under a new secret, through tx, and returns
// the secret: the only copy, for the cookie or the API client.
func (p *Pages) startSession(ctx context.Context, tx directory.Store, s directory.Session) (string, directory.Session, error) {
	secret := newSecret()
	now := p.now().UTC()
	s.Hash = p.secrets.SessionHash(secret)
	s.CreatedAt, s.LastSeenAt = now, now
	s.ExpiresAt = now.Add(p.lifetime[s.Purpose].absolute)
	if err := tx.CreateSession(ctx, &s); err != nil {
		return "", directory.Session{}, err
	}
	return secret, s, nil
}

// session finds the live session secret names, of the given purpose. One
// past its absolute end or idle too long is deleted on sight. Activity is
// recorded at most once per touchEvery.
func (p *Pages) session(ctx context.Context, secret, purpose string) (directory.Session, error) {
	if secret == "" {
		return directory.Session{}, errNoSession
	}
	return p.liveSession(ctx, p.secrets.SessionHash(secret), purpose)
}

// liveSession is session for a session's hash.
func (p *Pages) liveSession(ctx context.Context, hash, purpose string) (directory.Session, error) {
	s, err := p.store.SessionByHash(ctx, hash)
	switch {
	case errors.Is(err, directory.ErrNotFound):
		return s, errNoSession
	case err != nil:
		return s, err
	case s.Purpose != purpose:
		return s, errNoSession
	}
	now := p.now()
	if !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) > p.lifetime[s.Purpose].idle {
		if err := p.store.DeleteSession(ctx, s.Hash); err != nil {
			return s, err
		}
		return s, errNoSession
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := p.store.TouchSession(ctx, s.Hash, now.UTC()); err != nil {
			return s, err
		}
		s.LastSeenAt = now.UTC()
	}
	server.SetOrg(ctx, s.OrgID) // logs of this request carry org_id
	return s, nil
}

// endSession deletes the session secret names, if any.
func (p *Pages) endSession(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return p.store.DeleteSession(ctx, p.secrets.SessionHash(secret))
}

// cookieLifetime is how long the browser keeps the cookie of a session
// of purpose: its absolute lifetime (the server enforces both limits).
func (p *Pages) cookieLifetime(purpose string) time.Duration { return p.lifetime[purpose].absolute }

// CleanUp deletes the sessions that have ended, as a periodic job does;
// the pages also delete each one they meet.
func (p *Pages) CleanUp(ctx context.Context) (int, error) {
	idle := max(p.lifetime[directory.PurposeClaim].idle, p.lifetime[directory.PurposeSignIn].idle)
	now := p.now().UTC()
	return p.store.DeleteExpiredSessions(ctx, now, now.Add(-idle))
}
