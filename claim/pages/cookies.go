package pages

import (
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
)

// cookies names and writes the two cookies the pages use: the session
// (SameSite=Lax) and the SSO binding (SameSite=None, so the IdP's
// cross-site POST to the ACS carries it; it holds nothing but a random
// value whose hash the sign-in request remembers).
type cookies struct {
	session, binding string
	secure           bool
}

// bindingLifetime matches sso.DefaultRequestTTL: a sign-in at the IdP
// that takes longer fails there anyway.
const bindingLifetime = 10 * time.Minute

// newCookies uses __Host- names and Secure when the base URL is https or
// a loopback host (browsers treat http://localhost as a secure context),
// else plain names without Secure: development on a plain-http host.
func newCookies(base *url.URL) cookies {
	if base.Scheme == "https" || isLoopback(base.Hostname()) {
		return cookies{session: "__Host-latchkey_session", binding: "__Host-latchkey_sso", secure: true}
	}
	return cookies{session: "latchkey_session", binding: "latchkey_sso"}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (k cookies) write(c echo.Context, name, value string, maxAge time.Duration, sameSite http.SameSite) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", Secure: k.secure, HttpOnly: true, SameSite: sameSite,
		MaxAge: int(maxAge / time.Second)}
	if maxAge < 0 {
		ck.MaxAge = -1
	}
	c.SetCookie(ck)
}

func (k cookies) read(c echo.Context, name string) string {
	ck, err := c.Cookie(name)
	if err != nil {
		return ""
	}
	return ck.Value
}

func (k cookies) setSession(c echo.Context, secret string, maxAge time.Duration) {
	k.write(c, k.session, secret, maxAge, http.SameSiteLaxMode)
}

func (k cookies) clearSession(c echo.Context) { k.write(c, k.session, "", -1, http.SameSiteLaxMode) }

func (k cookies) sessionSecret(c echo.Context) string { return k.read(c, k.session) }

// bindingSameSite is None where the cookie can be Secure (browsers refuse
// None without it); on plain-http development hosts SSO then works only
// with an IdP on the same site.
func (k cookies) bindingSameSite() http.SameSite {
	if k.secure {
		return http.SameSiteNoneMode
	}
	return http.SameSiteLaxMode
}

func (k cookies) setBinding(c echo.Context, secret string) {
	k.write(c, k.binding, secret, bindingLifetime, k.bindingSameSite())
}

func (k cookies) clearBinding(c echo.Context) { k.write(c, k.binding, "", -1, k.bindingSameSite()) }

func (k cookies) bindingSecret(c echo.Context) string { return k.read(c, k.binding) }
