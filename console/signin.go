package console

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
	"github.com/latchkeyhq/latchkey/server"
	"github.com/latchkeyhq/latchkey/sso"
)

// wrongPassword is the one answer to a failed sign-in, whatever failed:
// it must not tell whether the admin exists or has a password.
const wrongPassword = "Wrong email or password."

// Sign-in methods, as sessions and the audit log record them.
const (
	methodPassword = "password"
	methodSSO      = "sso"
)

type signInView struct {
	Org, Email, Next string
	// SSOURL is set when the organization has single sign-on.
	SSOURL string
}

func (k *Console) signInPage(ctx context.Context, org directory.Organization, email, next string) page {
	view := signInView{Org: org.Slug, Email: email, Next: next}
	if k.sso != nil {
		if _, err := k.store.SAMLSettings(ctx, org.ID); err == nil {
			view.SSOURL = Prefix + "/signin/sso?org=" + org.Slug + "&next=" + urlQueryEscape(next)
		}
	}
	return page{Title: "Sign in to the admin console", OrgName: org.Name, Data: view}
}

func (k *Console) showSignIn(c echo.Context) error {
	ctx := c.Request().Context()
	org, err := k.signInOrg(ctx, c.QueryParam("org"))
	if err != nil {
		return err
	}
	if _, err := k.session(ctx, k.cookies.secret(c)); err == nil {
		return c.Redirect(http.StatusSeeOther, localNext(c.QueryParam("next")))
	}
	return k.render(c, http.StatusOK, "signin", k.signInPage(ctx, org, "", localNext(c.QueryParam("next"))))
}

// signInOrg is directory.SignInOrganization, an unknown slug being
// errUnknownOrg.
func (k *Console) signInOrg(ctx context.Context, slug string) (directory.Organization, error) {
	org, err := directory.SignInOrganization(ctx, k.store, slug)
	if errors.Is(err, directory.ErrNotFound) {
		return org, errUnknownOrg
	}
	return org, err
}

// signIn checks an email and password within the attempt limits (per
// source address, per typed email, per admin) and starts a session.
func (k *Console) signIn(c echo.Context) error {
	ctx := c.Request().Context()
	org, err := k.signInOrg(ctx, c.FormValue("org"))
	if err != nil {
		return err
	}
	email := strings.TrimSpace(c.FormValue("email"))
	next := localNext(c.FormValue("next"))
	adm, err := k.store.AdminByEmail(ctx, org.ID, email)
	found := err == nil && adm.DisabledAt == nil
	if err != nil && !errors.Is(err, directory.ErrNotFound) {
		return err
	}
	keys := signInKeys(c.RealIP(), org, email, adm, found)
	if err := k.guard.Check(ctx, keys...); err != nil {
		return err
	}
	ok, err := k.checkPassword(ctx, adm, found, c.FormValue("password"))
	if err != nil {
		return err
	}
	if !ok {
		if err := k.guard.Fail(ctx, keys...); err != nil {
			return err
		}
		if err := k.auditSignIn(ctx, org.ID, adm, found, email, "admin.signin_failed", methodPassword, c); err != nil {
			return err
		}
		pg := k.signInPage(ctx, org, email, next)
		pg.Notice = wrongPassword
		return k.render(c, http.StatusUnauthorized, "signin", pg)
	}
	for _, key := range keys[1:] {
		if err := k.guard.Clear(ctx, key); err != nil {
			return err
		}
	}
	return k.finishSignIn(c, adm, methodPassword, next)
}

// signInKeys are the attempt-limit keys of a sign-in: the source
// address, the typed email (hashed: keys are stored) and, when it names
// one, the admin.
func signInKeys(source string, org directory.Organization, email string, adm directory.Admin, found bool) []string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	keys := []string{"console:source:" + source, "console:email:" + org.ID + ":" + hex.EncodeToString(sum[:16])}
	if found {
		keys = append(keys, "console:admin:"+adm.ID)
	}
	return keys
}

// checkPassword verifies pw against the admin's password. Without an
// admin or a password it still verifies once, against a dummy hash, so
// every failure takes as long.
func (k *Console) checkPassword(ctx context.Context, adm directory.Admin, found bool, pw string) (bool, error) {
	hash := k.dummyHash
	usable := false
	if found {
		stored, err := k.store.AdminPassword(ctx, adm.OrgID, adm.ID)
		if err != nil && !errors.Is(err, directory.ErrNotFound) {
			return false, err
		}
		if stored != "" {
			hash, usable = stored, true
		}
	}
	ok, rehash, err := password.Verify(pw, hash)
	if err != nil || !ok || !usable {
		return false, nil // a malformed stored hash fails like a wrong password
	}
	if rehash {
		if h, err := password.Hash(pw); err == nil {
			if err := k.store.SetAdminPassword(ctx, adm.OrgID, adm.ID, h, k.now(), ""); err != nil {
				k.log.WarnContext(ctx, "console: rehashing a password failed", "admin", adm.ID, "err", err)
			}
		}
	}
	return true, nil
}

// finishSignIn starts the admin's session, records the sign-in and goes
// to next.
func (k *Console) finishSignIn(c echo.Context, adm directory.Admin, method, next string) error {
	ctx := c.Request().Context()
	if err := k.startSession(c, adm, method); err != nil {
		return err
	}
	if err := k.auditSignIn(ctx, adm.OrgID, adm, true, adm.Email, "admin.signin", method, c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// auditSignIn records a console sign-in or a failed one.
func (k *Console) auditSignIn(ctx context.Context, orgID string, adm directory.Admin, found bool, email, action, method string, c echo.Context) error {
	actor := directory.Actor{Type: directory.ActorAdmin, Name: email, RequestID: server.RequestID(ctx)}
	target := ""
	if found {
		actor.ID, target = adm.ID, adm.ID
	}
	return directory.Record(ctx, k.store, actor, directory.AuditEvent{OrgID: orgID, Action: action, TargetType: "admin", TargetID: target},
		map[string]any{"method": method, "source": c.RealIP()})
}

// startSSO sends the admin to the organization's identity provider.
func (k *Console) startSSO(c echo.Context) error {
	org, err := k.signInOrg(c.Request().Context(), c.QueryParam("org"))
	if err != nil {
		return err
	}
	if k.sso == nil {
		return errNoSSO
	}
	return k.sso.StartAdminSignIn(c, org)
}

// FinishSSO signs in the admin whose email the identity provider
// asserted (the NameID, or the email attribute); it is what the ACS
// calls for a sign-in StartAdminSignIn began.
func (k *Console) FinishSSO(c echo.Context, org directory.Organization, id sso.Identity) error {
	ctx := c.Request().Context()
	email := id.Email
	if email == "" {
		email = id.NameID
	}
	adm, err := k.store.AdminByEmail(ctx, org.ID, email)
	if errors.Is(err, directory.ErrNotFound) || (err == nil && adm.DisabledAt != nil) {
		if err := k.auditSignIn(ctx, org.ID, adm, false, email, "admin.signin_failed", methodSSO, c); err != nil {
			return err
		}
		return k.render(c, http.StatusForbidden, "problem", page{Title: "Not an admin",
			Data: problemView{Message: "You signed in at your identity provider as " + email +
				", but that is not an active admin of " + org.Name + ". Ask a system admin to add you.", SignIn: true}})
	}
	if err != nil {
		return err
	}
	return k.finishSignIn(c, adm, methodSSO, Prefix+"/people")
}

// signOut ends the session.
func (k *Console) signOut(c echo.Context) error {
	if secret := k.cookies.secret(c); secret != "" {
		if err := k.store.DeleteAdminSession(c.Request().Context(), k.secrets.SessionHash(secret)); err != nil {
			return err
		}
	}
	k.cookies.clear(c)
	return c.Redirect(http.StatusSeeOther, Prefix+"/signin?signedout=1")
}
