package pages

import (
	"crypto/hmac"
	"errors"
	"net/url"
	"regexp"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/sso"
)

func (p *Pages) mountSAML(g *echo.Group) {
	g.GET("/:slug/metadata", p.html(p.serveMetadata))
	g.GET("/:slug/login", p.html(p.startSSOLogin))
	g.POST("/:slug/acs", p.html(p.acs)) // acsRoute: no cross-origin check
}

func (p *Pages) serveMetadata(c echo.Context) error {
	org, err := p.orgBySlug(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	p.sp.Metadata(c.Response(), c.Request(), org)
	return nil
}

func (p *Pages) startSSOLogin(c echo.Context) error {
	org, err := p.orgBySlug(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	return p.redirectToIdP(c, org, "")
}

func (p *Pages) startSSOSignIn(c echo.Context) error {
	org, err := p.signInOrg(c.Request().Context(), c.QueryParam("org"))
	if err != nil {
		return err
	}
	return p.redirectToIdP(c, org, "")
}

// redirectToIdP starts an SP-initiated sign-in at org's IdP. The browser
// gets a fresh binding cookie; the sign-in request remembers, in its
// return path (stored in the database, never sent to the IdP), the
// binding's keyed hash and, for a claim, the claim session's hash.
func (p *Pages) redirectToIdP(c echo.Context, org directory.Organization, claimHash string) error {
	q := url.Values{}
	if claimHash != "" {
		q.Set("c", claimHash)
	}
	return p.redirectToIdPWith(c, org, q)
}

// StartAdminSignIn starts an SP-initiated sign-in at org's IdP for the
// admin console: the ACS checks the answer as for anyone, then hands the
// identity to the function OnAdminSignIn set (IdP-initiated sign-ins
// never reach it: they carry no binding).
func (p *Pages) StartAdminSignIn(c echo.Context, org directory.Organization) error {
	if p.adminSignIn == nil {
		return errors.New("pages: admin sign-in through SSO is not wired")
	}
	return p.redirectToIdPWith(c, org, url.Values{"a": {"1"}})
}

// AdminSignIn finishes an admin console sign-in at the ACS.
type AdminSignIn func(c echo.Context, org directory.Organization, id sso.Identity) error

// OnAdminSignIn sets what finishes admin sign-ins (the console's); call
// it before the server serves.
func (p *Pages) OnAdminSignIn(fn AdminSignIn) { p.adminSignIn = fn }

// redirectToIdPWith is redirectToIdP with the return path's query q
// (the binding's hash is added).
func (p *Pages) redirectToIdPWith(c echo.Context, org directory.Organization, q url.Values) error {
	binding := newSecret()
	q.Set("b", p.secrets.SessionHash(binding))
	target, err := p.sp.StartLogin(c.Request().Context(), org, "/saml/"+url.PathEscape(org.Slug)+"/done?"+q.Encode())
	if err != nil {
		return err
	}
	p.cookies.setBinding(c, binding)
	return seeOther(c, target)
}

// acs receives the IdP's answer. After sso's checks it requires the
// browser that started the sign-in (the binding cookie; an IdP-initiated
// sign-in has none and is only accepted where the organization allows
// it), finds the account, and then: goes on with the claim that sent the
// person to the IdP (only for that claim's account), starts a claim for
// an invited account, or signs a claimed account in.
func (p *Pages) acs(c echo.Context) error {
	err := p.finishSSO(c)
	if err != nil {
		p.metrics.SSOFailure(ssoFailureReason(err))
	}
	return err
}

// ssoFailureReason names a refused single sign-on for the metrics: the
// check the SAML answer failed, else the code of the page the person is
// shown (sso_restart, no_account, not_invited, sso_account_mismatch).
func ssoFailureReason(err error) string {
	if sso.Reason(err) != nil {
		return sso.ReasonLabel(err)
	}
	return classify(err).code
}

// finishSSO is acs up to its outcome.
func (p *Pages) finishSSO(c echo.Context) error {
	ctx := c.Request().Context()
	org, err := p.orgBySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	id, err := p.sp.HandleACS(ctx, org, c.Request())
	if err != nil {
		return err
	}
	started, err := p.checkBinding(c, id)
	if err != nil {
		return err
	}
	p.cookies.clearBinding(c)
	if started.Get("a") == "1" && p.adminSignIn != nil {
		return p.adminSignIn(c, org, id)
	}
	claimHash := started.Get("c")
	a, err := sso.MatchAccount(ctx, p.store, org.ID, id)
	if claimHash != "" {
		return p.continueClaim(c, id, a, err, claimHash)
	}
	if errors.Is(err, directory.ErrNotFound) {
		return errNoSSOAccount
	}
	if err != nil {
		return err
	}
	switch a.State {
	case directory.StateClaimed:
		return p.signInAs(c, a, string(claim.MethodSSO), "/account")
	case directory.StateInvited:
		return p.beginSSOClaim(c, a, directory.Session{InviteGeneration: a.InviteGeneration})
	}
	return errNotInvited
}

// checkBinding compares the binding cookie with the hash the sign-in
// request remembered, and returns what the request remembered: the
// claim session hash (c), or that an admin signs in (a).
func (p *Pages) checkBinding(c echo.Context, id sso.Identity) (url.Values, error) {
	if id.IdPInitiated {
		return url.Values{}, nil
	}
	u, err := url.Parse(id.ReturnPath)
	if err != nil {
		return nil, errSSOBinding
	}
	q := u.Query()
	secret := p.cookies.bindingSecret(c)
	want := q.Get("b")
	if secret == "" || want == "" || !hmac.Equal([]byte(want), []byte(p.secrets.SessionHash(secret))) {
		return nil, errSSOBinding
	}
	return q, nil
}

// continueClaim goes on with the claim whose session is claimHash, if
// the person signed in as its account (a, or matchErr when the identity
// matched no account, or a deactivated one).
func (p *Pages) continueClaim(c echo.Context, id sso.Identity, a directory.Account, matchErr error, claimHash string) error {
	ctx := c.Request().Context()
	pending, err := p.liveSession(ctx, claimHash, directory.PurposeClaim)
	if err != nil {
		return err
	}
	switch {
	case errors.Is(matchErr, directory.ErrNotFound), matchErr == nil && pending.AccountID != a.ID:
		return p.mismatch(c, id, pending)
	case matchErr != nil:
		return matchErr
	}
	if err := claimable(a, pending); err != nil {
		return err
	}
	return p.beginSSOClaim(c, a, pending)
}

// mismatch explains that the IdP signed in someone else than the person
// the claim is for.
func (p *Pages) mismatch(c echo.Context, id sso.Identity, pending directory.Session) error {
	claimFor := "another person"
	if want, err := p.store.Account(c.Request().Context(), pending.OrgID, pending.AccountID); err == nil {
		claimFor = want.PrimaryEmail()
		if claimFor == "" {
			claimFor = want.UserName
		}
	}
	signedInAs := id.Email
	if signedInAs == "" {
		signedInAs = id.NameID
	}
	return &ssoMismatch{signedInAs: signedInAs, claimFor: claimFor}
}

// beginSSOClaim replaces the claim session from (if any: from.Hash) with
// a new one of method sso that keeps its generation and steps, and sends
// the person to the steps.
func (p *Pages) beginSSOClaim(c echo.Context, a directory.Account, from directory.Session) error {
	ctx := c.Request().Context()
	var secret string
	err := p.store.InTx(ctx, func(tx directory.Store) error {
		if from.Hash != "" {
			if err := tx.DeleteSession(ctx, from.Hash); err != nil {
				return err
			}
		}
		var err error
		secret, _, err = p.startSession(ctx, tx, directory.Session{OrgID: a.OrgID, AccountID: a.ID,
			Method: string(claim.MethodSSO), Purpose: directory.PurposeClaim,
			InviteGeneration: from.InviteGeneration, Steps: from.Steps})
		return err
	})
	if err != nil {
		return err
	}
	if err := p.replaceSessionCookie(c, secret, directory.PurposeClaim); err != nil {
		return err
	}
	return seeOther(c, "/claim/steps")
}

// originPattern is what an origin in the CSP may look like.
var originPattern = regexp.MustCompile(`^https?://[A-Za-z0-9.\-\[\]:]+$`)

// originOf is the scheme://host[:port] of an absolute URL, or "".
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	origin := u.Scheme + "://" + u.Host
	if !originPattern.MatchString(origin) {
		return ""
	}
	return origin
}
