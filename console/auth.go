package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/server"
)

// admin is the signed-in admin as the pages see them: who they are, what
// their role lets them do, and their organization.
type admin struct {
	ID          string                 `json:"id"`
	OrgID       string                 `json:"-"`
	OrgName     string                 `json:"-"`
	OrgSlug     string                 `json:"-"`
	Email       string                 `json:"email"`
	Role        string                 `json:"role"`
	Permissions []directory.Permission `json:"permissions"`
	// SessionHash is the session's hash (a password change keeps it).
	SessionHash string `json:"-"`
	// Method is how they signed in: password or sso.
	Method string `json:"-"`
}

// Can reports whether the admin's role grants permission p ("accounts.manage").
func (a admin) Can(p string) bool { return slices.Contains(a.Permissions, directory.Permission(p)) }

const adminKey = "console.admin"

// signedIn is the admin requireAdmin found.
func signedIn(c echo.Context) admin {
	a, _ := c.Get(adminKey).(admin)
	return a
}

// requireAdmin lets only a signed-in admin through. Without a live
// session a page (GET) goes to the sign-in page and back afterwards; a
// form post gets the sign-in page. The admin's role and permissions are
// the API's answer to GET /me, asked on every request, so a role change
// or a disabled admin takes effect at once.
func (k *Console) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		s, err := k.session(ctx, k.cookies.secret(c))
		if errors.Is(err, errNoSession) {
			return k.toSignIn(c)
		}
		if err != nil {
			return err
		}
		server.SetOrg(ctx, s.OrgID) // logs of this request carry org_id
		c.Set(adminKey, admin{ID: s.AdminID, OrgID: s.OrgID})
		var me admin
		var apiErr *apiError
		if err := k.call(c, http.MethodGet, "/me", nil, nil, &me); errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
			if err := k.store.DeleteAdminSession(ctx, s.Hash); err != nil {
				return err
			}
			return k.toSignIn(c)
		} else if err != nil {
			return err
		}
		org, err := k.store.Organization(ctx, s.OrgID)
		if err != nil {
			return err
		}
		me.OrgID, me.OrgName, me.OrgSlug, me.SessionHash, me.Method = org.ID, org.Name, org.Slug, s.Hash, s.Method
		c.Set(adminKey, me)
		return next(c)
	}
}

// toSignIn sends the browser to the sign-in page, to come back to this
// page afterwards.
func (k *Console) toSignIn(c echo.Context) error {
	k.cookies.clear(c)
	target := Prefix + "/signin"
	if c.Request().Method == http.MethodGet {
		target += "?" + url.Values{"next": {c.Request().URL.RequestURI()}}.Encode()
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// localNext is next when it is a console page of this site, else the
// console's start page: a sign-in must not send anyone elsewhere.
func localNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) ||
		!(u.Path == Prefix || strings.HasPrefix(u.Path, Prefix+"/")) || strings.HasPrefix(u.Path, apiPrefix) ||
		strings.HasPrefix(u.Path, Prefix+"/signin") {
		return Prefix + "/people"
	}
	return u.RequestURI()
}
