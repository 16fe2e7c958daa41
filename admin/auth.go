package admin

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

// caller is the authenticated admin.
type caller struct {
	OrgID     string
	AdminID   string
	Email     string
	Role      directory.Role
	TokenID   string
	TokenName string
}

type callerKey struct{}

func callerFrom(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// permission is something an admin may be allowed to do.
type permission string

const (
	// permReadSecrets reads claim links and access codes (the outbox,
	// exports): Workplace's "add and remove accounts".
	permReadSecrets permission = "read_secrets"
)

var rolePermissions = map[directory.Role]map[permission]bool{
	directory.RoleSystemAdmin:    {permReadSecrets: true},
	directory.RoleAccountManager: {permReadSecrets: true},
	directory.RoleReader:         {},
}

// authenticate accepts "Authorization: Bearer lka_..." of an admin who is
// not disabled; every failure gets the same 401.
func (h *Handler) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		scheme, token, ok := strings.Cut(req.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return unauthorized(c)
		}
		tok, err := credential.Authenticate(req.Context(), h.hasher, credential.KindAdmin, strings.TrimSpace(token), h.now(),
			h.store.AdminTokenByHash, func(err error) bool { return errors.Is(err, directory.ErrNotFound) })
		if errors.Is(err, credential.ErrInvalid) {
			return unauthorized(c)
		}
		if err != nil {
			return h.handle(func(echo.Context) error { return err })(c)
		}
		adm, err := h.store.Admin(req.Context(), tok.OrgID, tok.AdminID)
		if err != nil {
			return h.handle(func(echo.Context) error { return err })(c)
		}
		who := caller{OrgID: tok.OrgID, AdminID: adm.ID, Email: adm.Email, Role: adm.Role, TokenID: tok.ID, TokenName: tok.Name}
		c.SetRequest(req.WithContext(context.WithValue(req.Context(), callerKey{}, who)))
		return next(c)
	}
}

func unauthorized(c echo.Context) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="latchkey-admin"`)
	return writeError(c, &apiError{http.StatusUnauthorized, "unauthorized",
		"send Authorization: Bearer <admin token>; create one with `latchkey admin token`"})
}

// require answers 403 unless the caller's role grants p.
func (h *Handler) require(p permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !rolePermissions[callerFrom(c.Request().Context()).Role][p] {
				return writeError(c, &apiError{http.StatusForbidden, "forbidden",
					"your admin role does not allow this; ask a system admin"})
			}
			return next(c)
		}
	}
}
