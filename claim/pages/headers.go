package pages

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// acsRoute is the one unsafe route without the cross-origin check: the
// identity provider posts SAML responses to it from its own origin, and
// sso.HandleACS's own checks (signature, InResponseTo, replay) and the
// binding cookie protect it.
const acsRoute = "/saml/:slug/acs"

// pageHeaders sets the headers every page response carries, on top of
// the server's (nosniff, no-referrer, DENY framing, no-store): a content
// security policy that allows nothing but our own stylesheet, images and
// form targets (render widens form-action for pages whose form leads to
// the identity provider), and HSTS when the base URL is https. Then it
// refuses cross-origin unsafe requests (CSRF), except on the ACS.
func (p *Pages) pageHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy(nil))
		if p.base.Scheme == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if c.Path() != acsRoute {
			if err := p.csrf.Check(c.Request()); err != nil {
				return p.errorPage(c, errCrossOrigin)
			}
		}
		return next(c)
	}
}

// contentSecurityPolicy allows our own stylesheet and images, forms
// posting to us and to formOrigins (an identity provider a form's answer
// redirects to: browsers apply form-action to redirects too), and
// nothing else: no scripts, no frames, no base URL.
func contentSecurityPolicy(formOrigins []string) string {
	formAction := "'self'"
	if len(formOrigins) > 0 {
		formAction += " " + strings.Join(formOrigins, " ")
	}
	return "default-src 'none'; style-src 'self'; img-src 'self'; form-action " + formAction +
		"; frame-ancestors 'none'; base-uri 'none'"
}
