package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// mountAccess mounts the access section: the SCIM tokens identity
// providers use, the admins and their roles, and the signed-in admin's
// own API tokens. Every page reads and writes through the admin API
// (scim-tokens, admins, admins/{id}/tokens, roles, permissions).
//
//	GET  /admin/access                        → the first page the admin may see
//	GET  /admin/access/scim-tokens, POST      list, create (the token is shown once)
//	POST /admin/access/scim-tokens/:id/revoke
//	GET  /admin/access/admins, POST           list, add (its first API token shown once)
//	GET  /admin/access/admins/:id             one admin and their API tokens
//	POST /admin/access/admins/:id/role        change the role
//	POST /admin/access/admins/:id/disable
//	POST /admin/access/admins/:id/tokens/:tokenId/revoke
//	GET  /admin/access/tokens, POST           your own API tokens; create (shown once)
//	POST /admin/access/tokens/:tokenId/revoke, …/rotate
//	GET  /admin/access/roles                  built-in and custom roles
//	GET  /admin/access/roles/new, POST /admin/access/roles
//	GET  /admin/access/roles/:name, POST      edit a custom role
//	POST /admin/access/roles/:name/delete
func (k *Console) mountAccess(g *echo.Group) {
	g.GET("/access", k.admin(k.accessHome))
	k.mountScimTokens(g)
	k.mountAdmins(g)
	k.mountOwnTokens(g)
	k.mountRoles(g)
}

// accessHome sends the admin to the first access page their role lets
// them see.
func (k *Console) accessHome(c echo.Context) error {
	a := signedIn(c)
	switch {
	case a.Can("scim_tokens.manage"):
		return c.Redirect(http.StatusSeeOther, Prefix+"/access/scim-tokens")
	case a.Can("admins.manage"):
		return c.Redirect(http.StatusSeeOther, Prefix+"/access/admins")
	}
	return &apiError{Status: http.StatusForbidden, Code: "forbidden",
		Detail: "your role may manage neither SCIM tokens nor admins; ask an admin who may"}
}

// tokenForm is a form that creates a token: its name and lifetime in
// days, as the fields the API names (name, expires_in_days).
type tokenForm struct {
	Name, Days string
}

// tokenBody turns the form into the API's body. A lifetime that is not a
// whole number is the form's own fault (the API takes a JSON number).
func (f tokenForm) body() (map[string]any, map[string]string) {
	body := map[string]any{"name": strings.TrimSpace(f.Name)}
	if d := strings.TrimSpace(f.Days); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			return nil, map[string]string{"expires_in_days": "Enter a whole number of days, such as 365."}
		}
		body["expires_in_days"] = n
	}
	return body, nil
}

// tokenDoc is a token as the API lists it (SCIM and admin tokens alike).
type tokenDoc struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	ClientID   string     `json:"client_id"`
	AdminID    string     `json:"admin_id"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// StatusLabel is the status in words.
func (t tokenDoc) StatusLabel() string {
	if t.Status == "admin_disabled" {
		return "admin disabled"
	}
	return t.Status
}

// Active reports whether the token still works (or could be revoked).
func (t tokenDoc) Active() bool { return t.Status == "active" }

// createdToken is a new token with its secret, shown once.
type createdToken struct {
	tokenDoc
	Token       string `json:"token"`
	SCIMBaseURL string `json:"scim_base_url"`
}

// formProblem reports whether err is an API answer the form shows as a
// notice above it (and field messages next to its fields) rather than an
// error page: a 400, a conflict, or a refused escalation. It fills in pg.
func formProblem(err error, pg *page) (int, bool) {
	var apiErr *apiError
	if !errors.As(err, &apiErr) {
		return 0, false
	}
	switch {
	case apiErr.Status == http.StatusBadRequest, apiErr.Status == http.StatusConflict,
		apiErr.Status == http.StatusForbidden && (apiErr.Code == "escalation" || apiErr.Code == "not_owner"):
		pg.Notice, pg.Errors = capitalize(apiErr.Detail)+".", apiErr.fields()
		if apiErr.Status == http.StatusBadRequest && len(pg.Errors) > 0 {
			pg.Notice = "Check the fields marked below."
		}
		return apiErr.Status, true
	}
	return 0, false
}
