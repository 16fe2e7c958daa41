package pages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
	"github.com/latchkeyhq/latchkey/sso"
)

// wrongPassword is the one answer to a failed sign-in, whatever failed:
// it must not tell whether the account exists.
const wrongPassword = "Wrong username or password."

func (p *Pages) mountSignIn(g *echo.Group) {
	g.GET("", p.html(p.showSignIn))
	g.POST("", p.html(p.signIn))
	g.GET("/sso", p.html(p.startSSOSignIn))
}

type signInView struct{ Org, Login, SSOURL string }

// signInPage is the sign-in form of org; its form may lead to the IdP
// (SSO accounts are sent there), so the CSP allows that origin.
func (p *Pages) signInPage(ctx context.Context, org directory.Organization, login string) page {
	view := signInView{Org: org.Slug, Login: login}
	origins := p.idpOrigins(ctx, org)
	if len(origins) > 0 {
		view.SSOURL = "/signin/sso?org=" + org.Slug
	}
	return page{Title: "Sign in", OrgName: org.Name, Data: view, formOrigins: origins}
}

func (p *Pages) showSignIn(c echo.Context) error {
	ctx := c.Request().Context()
	org, err := p.signInOrg(ctx, c.QueryParam("org"))
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "signin", p.signInPage(ctx, org, ""))
}

// signInOrg is directory.SignInOrganization, an unknown slug being
// errUnknownOrg.
func (p *Pages) signInOrg(ctx context.Context, slug string) (directory.Organization, error) {
	org, err := directory.SignInOrganization(ctx, p.store, slug)
	if errors.Is(err, directory.ErrNotFound) {
		return org, errUnknownOrg
	}
	return org, err
}

func (p *Pages) orgBySlug(ctx context.Context, slug string) (directory.Organization, error) {
	org, err := p.store.OrganizationBySlug(ctx, slug)
	if errors.Is(err, directory.ErrNotFound) {
		return org, errUnknownOrg
	}
	return org, err
}

// signIn checks a username (or email) and password within the attempt
// limits, per source address, per typed name and per account. Accounts
// that sign in through the IdP are sent there.
func (p *Pages) signIn(c echo.Context) error {
	ctx := c.Request().Context()
	org, err := p.signInOrg(ctx, c.FormValue("org"))
	if err != nil {
		return err
	}
	login := strings.TrimSpace(c.FormValue("login"))
	a, found, err := p.findLogin(ctx, org, login)
	if err != nil {
		return err
	}
	keys := signInKeys(c.RealIP(), org, login, a, found)
	if err := p.guard.Check(ctx, keys...); err != nil {
		return err
	}
	if found {
		needsSSO, err := p.needsSSO(ctx, org, a)
		if err != nil {
			return err
		}
		if needsSSO {
			return p.redirectToIdP(c, org, "")
		}
	}
	ok, err := p.checkPassword(ctx, a, found, c.FormValue("password"))
	if err != nil {
		return err
	}
	if !ok {
		if err := p.guard.Fail(ctx, keys...); err != nil {
			return err
		}
		pg := p.signInPage(ctx, org, login)
		pg.Notice = wrongPassword
		return p.render(c, http.StatusUnauthorized, "signin", pg)
	}
	for _, k := range keys[1:] {
		if err := p.guard.Clear(ctx, k); err != nil {
			return err
		}
	}
	return p.signInAs(c, a, "password", "/account")
}

// signInKeys are the attempt-limit keys of a sign-in: the source address,
// the typed name (hashed: keys are stored) and, when it names one, the
// account (so switching between username and email gains nothing).
func signInKeys(source string, org directory.Organization, login string, a directory.Account, found bool) []string {
	sum := sha256.Sum256([]byte(strings.ToLower(login)))
	keys := []string{"signin:source:" + source, "signin:login:" + org.ID + ":" + hex.EncodeToString(sum[:16])}
	if found {
		keys = append(keys, "signin:account:"+a.ID)
	}
	return keys
}

// findLogin finds the account login names: the one whose person chose
// it as sign-in name, else the one whose userName or primary email it is
// (sso.MatchAccount's rule), case-insensitively. The first rule that
// finds an account decides, so a chosen name wins over an IdP's userName
// that came to equal it later. No account, more than one, or a
// deactivated one is "not found": the answer must not differ.
func (p *Pages) findLogin(ctx context.Context, org directory.Organization, login string) (directory.Account, bool, error) {
	if login == "" {
		return directory.Account{}, false, nil
	}
	a, err := p.store.AccountBySignInName(ctx, org.ID, login)
	switch {
	case err == nil:
		if !a.Active {
			return directory.Account{}, false, nil
		}
		return a, true, nil
	case !errors.Is(err, directory.ErrNotFound):
		return directory.Account{}, false, err
	}
	a, err = sso.MatchAccount(ctx, p.store, org.ID, sso.Identity{NameID: login})
	switch {
	case err == nil:
		return a, true, nil
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, directory.ErrConflict), errors.Is(err, sso.ErrAccountInactive):
		return directory.Account{}, false, nil
	}
	return directory.Account{}, false, err
}

// checkPassword verifies pw for a claimed, active password account, and
// rehashes a hash made with weaker parameters. For anything else it still
// hashes once, so a wrong name takes as long as a wrong password.
func (p *Pages) checkPassword(ctx context.Context, a directory.Account, found bool, pw string) (bool, error) {
	hash := p.dummyHash
	usable := found && a.Active && a.State == directory.StateClaimed
	if usable {
		stored, err := p.store.PasswordHash(ctx, a.OrgID, a.ID)
		switch {
		case err == nil:
			hash = stored
		case errors.Is(err, directory.ErrNotFound):
			usable = false
		default:
			return false, err
		}
	}
	ok, rehash, err := password.Verify(pw, hash)
	if err != nil || !ok || !usable {
		return false, nil // a malformed stored hash fails like a wrong password
	}
	if rehash {
		p.rehash(ctx, a, pw)
	}
	return true, nil
}

// rehash replaces a weaker password hash; failing only costs strength.
func (p *Pages) rehash(ctx context.Context, a directory.Account, pw string) {
	hash, err := password.Hash(pw)
	if err == nil {
		err = p.store.SetPassword(ctx, a.OrgID, a.ID, hash, p.now().UTC())
	}
	if err != nil {
		p.log.WarnContext(ctx, "claim pages: rehashing a password failed", "account", a.ID, "err", err)
	}
}

// signInAs starts a sign-in session for a (a new secret, replacing the
// browser's session), audits it, and goes to target.
func (p *Pages) signInAs(c echo.Context, a directory.Account, method, target string) error {
	ctx := c.Request().Context()
	var secret string
	err := p.store.InTx(ctx, func(tx directory.Store) error {
		var err error
		secret, _, err = p.startSession(ctx, tx, directory.Session{OrgID: a.OrgID, AccountID: a.ID,
			Method: method, Purpose: directory.PurposeSignIn})
		if err != nil {
			return err
		}
		return record(ctx, tx, personActor(ctx, a), accountEvent(a, "session.sign_in"), map[string]any{"method": method})
	})
	if err != nil {
		return err
	}
	if err := p.replaceSessionCookie(c, secret, directory.PurposeSignIn); err != nil {
		return err
	}
	return seeOther(c, target)
}
