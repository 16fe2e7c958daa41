package admin

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/server"
)

// caller is the authenticated admin.
type caller struct {
	OrgID       string
	AdminID     string
	Email       string
	Role        directory.Role
	Permissions []directory.Permission
	TokenID     string
	TokenName   string
	// Disabled says the admin was disabled (their tokens already fail).
	Disabled bool
}

// can reports whether the caller's role grants p.
func (c caller) can(p directory.Permission) bool { return slices.Contains(c.Permissions, p) }

// actor is the caller as the audit trail names them.
func (c caller) actor(requestID string) directory.Actor {
	return directory.Actor{Type: directory.ActorAdmin, ID: c.AdminID, Name: c.Email, RequestID: requestID}
}

type callerKey struct{}

func callerFrom(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

func withCaller(ctx context.Context, c caller) context.Context {
	server.SetOrg(ctx, c.OrgID) // the request's log records name the organization
	return context.WithValue(ctx, callerKey{}, c)
}

// authenticate accepts "Authorization: Bearer lka_..." of an admin who is
// not disabled; every failure gets the same 401.
func (h *Handler) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if s, ok := req.Context().Value(sessionAdminKey{}).(sessionAdmin); ok {
			who, err := h.sessionCaller(req.Context(), s)
			if err != nil {
				return h.handle(func(echo.Context) error { return err })(c)
			}
			c.SetRequest(req.WithContext(withCaller(req.Context(), who)))
			return next(c)
		}
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
		// Limited before anything else is read for the token: a flood
		// costs one lookup and one limiter decision per request.
		if err := h.limitToken(req.Context(), tok.ID); err != nil {
			return h.handle(func(echo.Context) error { return err })(c)
		}
		who, err := callerOf(req.Context(), h.store, tok.OrgID, tok.AdminID)
		if err != nil {
			return h.handle(func(echo.Context) error { return err })(c)
		}
		who.TokenID, who.TokenName = tok.ID, tok.Name
		h.touch(req.Context(), tok)
		c.SetRequest(req.WithContext(withCaller(req.Context(), who)))
		return next(c)
	}
}

// callerOf loads an admin from store (the caller's transaction, if in
// one) and resolves their role's permissions: the built-in grants, or the
// org's custom role (a role deleted under an admin grants nothing).
func callerOf(ctx context.Context, store directory.Store, orgID, adminID string) (caller, error) {
	adm, err := store.Admin(ctx, orgID, adminID)
	if err != nil {
		return caller{}, err
	}
	perms, ok := directory.BuiltinPermissions(adm.Role)
	if !ok {
		role, err := store.Role(ctx, orgID, adm.Role)
		switch {
		case errors.Is(err, directory.ErrNotFound):
		case err != nil:
			return caller{}, err
		default:
			perms = role.Permissions
		}
	}
	return caller{OrgID: orgID, AdminID: adm.ID, Email: adm.Email, Role: adm.Role, Permissions: perms,
		Disabled: adm.DisabledAt != nil}, nil
}

func unauthorized(c echo.Context) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="latchkey-admin"`)
	return writeProblem(c, newProblem(http.StatusUnauthorized, "unauthorized",
		"send Authorization: Bearer <admin token>; create one with `latchkey admin create`"))
}

// require answers 403 unless the caller's role grants every one of
// perms (none lets every signed-in admin through).
func require(perms ...directory.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			who := callerFrom(c.Request().Context())
			for _, p := range perms {
				if !who.can(p) {
					return writeProblem(c, newProblem(http.StatusForbidden, "forbidden",
						"your admin role lacks the permission "+string(p)+"; ask a system admin"))
				}
			}
			return next(c)
		}
	}
}

// touchEvery is how stale a token's recorded last use may get: reads
// stay reads, and the token list still says roughly when it was used.
const touchEvery = time.Minute

// touch records the token's use when the recorded one is older than
// touchEvery; a failure only costs accuracy and is logged.
func (h *Handler) touch(ctx context.Context, tok directory.AdminToken) {
	now := h.now()
	if tok.LastUsedAt != nil && now.Sub(*tok.LastUsedAt) < touchEvery {
		return
	}
	if err := h.store.TouchAdminToken(ctx, tok.OrgID, tok.ID, now); err != nil {
		h.log.WarnContext(ctx, "record admin token use", "err", err)
	}
}
