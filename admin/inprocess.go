package admin

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// ServeAs serves r, a request for a route of this API (its path under
// Prefix), as the admin adminID of orgID, who proved who they are some
// other way than a token: the admin console's signed-in session. Every
// route, permission check, validation and audit record is the API's
// own, so the console implements none of them a second time. A disabled
// or unknown admin gets the API's 401.
func (h *Handler) ServeAs(w http.ResponseWriter, r *http.Request, orgID, adminID string) {
	h.inProcessOnce.Do(h.buildInProcess)
	ctx := context.WithValue(r.Context(), sessionAdminKey{}, sessionAdmin{orgID: orgID, adminID: adminID})
	h.inProcess.ServeHTTP(w, r.WithContext(ctx))
}

// sessionAdmin is the admin a ServeAs request is for.
type sessionAdmin struct{ orgID, adminID string }

type sessionAdminKey struct{}

// buildInProcess mounts the route table on an echo of its own: the
// server's middleware (request ids, logging, limits, timeouts) already
// ran for the console request that calls ServeAs.
func (h *Handler) buildInProcess() {
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status := http.StatusInternalServerError
		var he *echo.HTTPError
		if errors.As(err, &he) {
			status = he.Code
		}
		_ = h.WriteError(c, status, strings.ToLower(http.StatusText(status)))
	}
	h.mountRoutes(e.Group(Prefix))
	h.inProcess = e
}

// sessionCaller resolves a ServeAs request's admin: unknown and disabled
// admins are unauthorized, exactly as their tokens would be.
func (h *Handler) sessionCaller(ctx context.Context, s sessionAdmin) (caller, error) {
	who, err := callerOf(ctx, h.store, s.orgID, s.adminID)
	if errors.Is(err, directory.ErrNotFound) {
		return caller{}, errUnauthorized
	}
	if err != nil {
		return caller{}, err
	}
	if who.Disabled {
		return caller{}, errUnauthorized
	}
	return who, nil
}

var errUnauthorized = newProblem(http.StatusUnauthorized, "unauthorized", "your console session ended; sign in again")
