package admin

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// route is one endpoint of the admin API. The router, the permission
// check, the OpenAPI document and the permission-matrix test all read
// the one table routes returns, so none can drift from the others.
type route struct {
	Method string
	// Path is echo's pattern under Prefix: "/people/:id".
	Path string
	// Permission is what the caller's role must grant; "" lets every
	// signed-in admin through.
	Permission directory.Permission
	// Also is a second permission the route needs, for the few that
	// reach two areas: a template (settings) can send claim links away
	// (accounts).
	Also directory.Permission
	// Auth is how the caller proves who they are (default: admin token).
	Auth authMode
	Tag  string
	// Summary is the one line the OpenAPI document shows.
	Summary string
	// Query documents the query parameters.
	Query []queryParam
	// Body is a value of the request body's type (nil: no body), Reply
	// of the success response's (nil: no content or not JSON).
	Body  any
	Reply any
	// OptionalBody says the body may be left out.
	OptionalBody bool
	// BodyLimit, when set, replaces the server's body limit (bytes) for
	// this route: SAML metadata can be larger than any other request.
	BodyLimit int64
	// Status is the success status (default 200).
	Status int
	Handle echo.HandlerFunc
}

// permissions lists what the caller's role must grant (none: any
// signed-in admin).
func (r route) permissions() []directory.Permission {
	var out []directory.Permission
	for _, p := range []directory.Permission{r.Permission, r.Also} {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// authMode is how a route authenticates.
type authMode int

const (
	// authToken needs "Authorization: Bearer <admin token>".
	authToken authMode = iota
	// authTokenOrSigned also takes a signed link in the query (the
	// emailed export download); the handler checks the signature.
	authTokenOrSigned
	// authNone is public (the OpenAPI document).
	authNone
)

// queryParam documents one query parameter.
type queryParam struct {
	Name        string
	Type        string // "string" (default), "integer", "boolean", "date-time"
	Description string
}

// routes is the whole admin API.
func (h *Handler) routes() []route {
	var all []route
	for _, group := range [][]route{
		h.metaRoutes(),
		h.peopleRoutes(),
		h.actionRoutes(),
		h.bulkRoutes(),
		h.exportRoutes(),
		h.settingsRoutes(),
		h.accessRoutes(),
		h.auditRoutes(),
	} {
		all = append(all, group...)
	}
	return all
}

// Mount implements server.Area: every route of the table.
func (h *Handler) Mount(g *echo.Group) {
	h.bodyLimits = map[string]int64{}
	for _, r := range h.routes() {
		if r.BodyLimit > 0 {
			h.bodyLimits[r.Method+" "+Prefix+r.Path] = r.BodyLimit
		}
	}
	h.mountRoutes(g)
}

// mountRoutes adds every route of the table to g, behind its
// authentication, permission check and query-parameter check.
func (h *Handler) mountRoutes(g *echo.Group) {
	for _, r := range h.routes() {
		var mw []echo.MiddlewareFunc
		switch r.Auth {
		case authToken:
			mw = append(mw, h.authenticate, require(r.permissions()...))
		case authTokenOrSigned:
			mw = append(mw, h.authenticateOrSigned, require(r.permissions()...))
		}
		mw = append(mw, onlyDocumented(r.Query))
		g.Add(r.Method, r.Path, h.handle(r.Handle), mw...)
	}
	g.Any("/*", h.handle(func(echo.Context) error { return errNoRoute }))
}

// metaRoutes are the API's own: the outbox of unsent mail and who am I.
func (h *Handler) metaRoutes() []route {
	return []route{
		{Method: http.MethodGet, Path: "/me", Tag: "access", Summary: "The calling admin, their role and permissions",
			Reply: meReply{}, Handle: h.me},
		{Method: http.MethodGet, Path: "/outbox", Permission: directory.PermManageAccounts, Tag: "invitations",
			Summary: "Messages kept instead of sent (no SMTP server configured), newest first",
			Query:   []queryParam{{Name: "limit", Type: "integer", Description: "1 to 1000, default 50"}},
			Reply:   outboxReply{}, Handle: h.listOutbox},
	}
}

type meReply struct {
	ID          string                 `json:"id"`
	Email       string                 `json:"email"`
	Role        directory.Role         `json:"role"`
	Permissions []directory.Permission `json:"permissions"`
	Token       string                 `json:"token_name"`
}

func (h *Handler) me(c echo.Context) error {
	who := callerFrom(c.Request().Context())
	return c.JSON(http.StatusOK, meReply{ID: who.AdminID, Email: who.Email, Role: who.Role, Permissions: who.Permissions, Token: who.TokenName})
}

// BodyLimit implements server.BodyLimiter: the routes that take larger
// bodies than the server's limit.
func (h *Handler) BodyLimit(method, route string) int64 { return h.bodyLimits[method+" "+route] }

// onlyDocumented answers 400, listing the allowed ones, when a request
// has a query parameter its route does not document: a misspelt filter
// must not quietly widen a list or an export.
func onlyDocumented(params []queryParam) echo.MiddlewareFunc {
	allowed := make([]string, len(params))
	for i, q := range params {
		allowed[i] = q.Name
	}
	slices.Sort(allowed)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			var unknown []string
			for name := range c.QueryParams() {
				if !slices.Contains(allowed, name) {
					unknown = append(unknown, name)
				}
			}
			if len(unknown) == 0 {
				return next(c)
			}
			slices.Sort(unknown)
			errs := make([]fieldError, len(unknown))
			for i, name := range unknown {
				errs[i] = fieldError{Field: name, Message: "is not a query parameter here; see allowed"}
			}
			p := invalidFields(errs)
			p.Detail = "unknown query parameter " + unknown[0] + "; see allowed"
			p.Allowed = allowed
			if len(allowed) == 0 {
				p.Detail = "unknown query parameter " + unknown[0] + "; this endpoint takes none"
			}
			return writeProblem(c, p)
		}
	}
}
