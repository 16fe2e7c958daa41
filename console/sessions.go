package console

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// touchEvery bounds how often a session's activity is written: the idle
// timeout needs no more precision, and most requests then cost no write.
const touchEvery = time.Minute

// errNoSession: no session cookie, or one whose session ended.
var errNoSession = errors.New("console: no live session")

// newSecret is 256 bits from crypto/rand, base64url.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cookies names and writes the session cookie.
type cookies struct {
	session string
	secure  bool
}

// newCookies uses the __Host- name and Secure when the base URL is https
// or a loopback host (browsers treat http://localhost as secure), else a
// plain name without Secure: development on a plain-http host.
func newCookies(base *url.URL) cookies {
	host := base.Hostname()
	ip := net.ParseIP(host)
	if base.Scheme == "https" || host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return cookies{session: "__Host-latchkey_admin", secure: true}
	}
	return cookies{session: "latchkey_admin"}
}

func (k cookies) set(c echo.Context, secret string, maxAge time.Duration) {
	c.SetCookie(&http.Cookie{Name: k.session, Value: secret, Path: "/", Secure: k.secure, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge / time.Second)})
}

func (k cookies) clear(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: k.session, Value: "", Path: "/", Secure: k.secure, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func (k cookies) secret(c echo.Context) string {
	ck, err := c.Cookie(k.session)
	if err != nil {
		return ""
	}
	return ck.Value
}

// startSession signs admin in: a new session under a new secret, set as
// the cookie (replacing any earlier session of this browser).
func (k *Console) startSession(c echo.Context, admin directory.Admin, method string) error {
	ctx := c.Request().Context()
	if old := k.cookies.secret(c); old != "" {
		if err := k.store.DeleteAdminSession(ctx, k.secrets.SessionHash(old)); err != nil {
			return err
		}
	}
	secret := newSecret()
	now := k.now().UTC()
	s := directory.AdminSession{Hash: k.secrets.SessionHash(secret), OrgID: admin.OrgID, AdminID: admin.ID, Method: method,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(k.lifetime)}
	if err := k.store.CreateAdminSession(ctx, &s); err != nil {
		return err
	}
	k.cookies.set(c, secret, k.lifetime)
	return nil
}

// session finds the live session of the request's cookie. One past its
// end or idle too long is deleted on sight; activity is recorded at most
// once per touchEvery.
func (k *Console) session(ctx context.Context, secret string) (directory.AdminSession, error) {
	if secret == "" {
		return directory.AdminSession{}, errNoSession
	}
	s, err := k.store.AdminSessionByHash(ctx, k.secrets.SessionHash(secret))
	switch {
	case errors.Is(err, directory.ErrNotFound):
		return s, errNoSession
	case err != nil:
		return s, err
	}
	now := k.now()
	if !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) > k.idle {
		if err := k.store.DeleteAdminSession(ctx, s.Hash); err != nil {
			return s, err
		}
		return s, errNoSession
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := k.store.TouchAdminSession(ctx, s.Hash, now.UTC()); err != nil {
			return s, err
		}
		s.LastSeenAt = now.UTC()
	}
	return s, nil
}

// CleanUp deletes the sessions that have ended, as a periodic job does.
func (k *Console) CleanUp(ctx context.Context) (int, error) {
	now := k.now().UTC()
	return k.store.DeleteExpiredAdminSessions(ctx, now, now.Add(-k.idle))
}
