package pages

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// mountClaim lists the /claim routes. Static segments win over
// /claim/:token in echo's router, and no token is one of them.
func (p *Pages) mountClaim(g *echo.Group) {
	g.GET("/assets/style.css", p.serveStyle)
	g.GET("/code", p.html(p.showCode))
	g.POST("/code", p.html(p.redeemCode))
	p.mountSteps(g)
	g.GET("/:token", p.html(p.showLink))
	g.POST("/:token", p.html(p.startLinkClaim))
}

// landingView is the claim link page's Data.
type landingView struct {
	Name, Email, Action string
	SSO                 bool
}

// showLink names the organization and the person a claim link is for,
// with a button to start. It only reads: mail scanners open links too.
func (p *Pages) showLink(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	a, err := p.inviter.ResolveLink(ctx, p.store, token)
	if err != nil {
		return err
	}
	org, err := p.store.Organization(ctx, a.OrgID)
	if err != nil {
		return err
	}
	needsSSO, err := p.needsSSO(ctx, org, a)
	if err != nil {
		return err
	}
	pg := page{Title: "Welcome to " + org.Name, OrgName: org.Name,
		Data: landingView{Name: personName(a), Email: a.PrimaryEmail(), Action: "/claim/" + token, SSO: needsSSO}}
	if needsSSO {
		pg.formOrigins = p.idpOrigins(ctx, org)
	}
	return p.render(c, 200, "landing", pg)
}

// startLinkClaim starts a claim session for the link's account and goes
// to the first step, or first to the IdP when the account needs SSO.
func (p *Pages) startLinkClaim(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := p.inviter.ResolveLink(ctx, p.store, c.Param("token"))
	if err != nil {
		return err
	}
	return p.beginClaim(c, a, claim.MethodLink)
}

// beginClaim starts a claim session of method for a (in the browser,
// replacing any session it had) and sends the person on.
func (p *Pages) beginClaim(c echo.Context, a directory.Account, method claim.Method) error {
	ctx := c.Request().Context()
	org, err := p.store.Organization(ctx, a.OrgID)
	if err != nil {
		return err
	}
	secret, s, err := p.startSession(ctx, p.store, directory.Session{OrgID: a.OrgID, AccountID: a.ID,
		Method: string(method), Purpose: directory.PurposeClaim, InviteGeneration: a.InviteGeneration})
	if err != nil {
		return err
	}
	if err := p.replaceSessionCookie(c, secret, directory.PurposeClaim); err != nil {
		return err
	}
	needsSSO, err := p.needsSSO(ctx, org, a)
	if err != nil {
		return err
	}
	if needsSSO {
		if method == claim.MethodCode {
			return p.showSSOFirst(c, org, a)
		}
		return p.redirectToIdP(c, org, s.Hash)
	}
	return seeOther(c, "/claim/steps")
}

// showSSOFirst is the page a claim begun with an access code shows before
// the IdP. The code page cannot send the browser there itself: it cannot
// know the IdP before the code is typed, so its CSP lets its form lead
// only to us, and browsers apply form-action to every redirect of a
// form's answer (Chromium refuses the redirect). This page's CSP allows
// the IdP, and its button (POST /claim/steps) redirects there as the
// landing page's does.
func (p *Pages) showSSOFirst(c echo.Context, org directory.Organization, a directory.Account) error {
	pg := page{Title: "Welcome to " + org.Name, OrgName: org.Name, formOrigins: p.idpOrigins(c.Request().Context(), org),
		Data: landingView{Name: personName(a), Email: a.PrimaryEmail(), Action: "/claim/steps", SSO: true}}
	return p.render(c, http.StatusOK, "landing", pg)
}

// replaceSessionCookie gives the browser the session secret names, and
// ends the session it had before (a new id at every sign-in and claim).
func (p *Pages) replaceSessionCookie(c echo.Context, secret, purpose string) error {
	if err := p.endSession(c.Request().Context(), p.cookies.sessionSecret(c)); err != nil {
		return err
	}
	p.cookies.setSession(c, secret, p.cookieLifetime(purpose))
	return nil
}

// personName is how pages address a person.
func personName(a directory.Account) string {
	for _, n := range []string{a.DisplayName, strings.TrimSpace(a.GivenName + " " + a.FamilyName)} {
		if n != "" {
			return n
		}
	}
	return shownUserName(a)
}

// shownUserName is the username pages and the API show a person: the
// sign-in name they chose, else the IdP's userName. Both sign in; the
// chosen one is the one they know.
func shownUserName(a directory.Account) string {
	if a.SignInName != "" {
		return a.SignInName
	}
	return a.UserName
}

// idpOrigins is the origin of the organization's IdP sign-in URL, for
// the form-action of pages whose form redirects there; none when SSO is
// not set up (the redirect then fails with a page of ours anyway).
func (p *Pages) idpOrigins(ctx context.Context, org directory.Organization) []string {
	settings, err := p.store.SAMLSettings(ctx, org.ID)
	if err != nil {
		return nil
	}
	if origin := originOf(settings.SSOURL); origin != "" {
		return []string{origin}
	}
	return nil
}
