package server

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// Area is a protocol area mounted under a path prefix. It lists its own
// routes in Mount and renders, in its protocol's format, the errors the
// server itself raises for its requests (unknown route, body too large,
// panic, database unavailable).
type Area interface {
	Prefix() string
	Mount(g *echo.Group)
	WriteError(c echo.Context, status int, detail string) error
}

// BodyLimiter is an Area some of whose routes take larger bodies than
// the server's limit (a picture upload). BodyLimit returns the limit for
// a request matching route (echo's pattern, "/pictures"), or 0 to keep
// the server's.
type BodyLimiter interface {
	BodyLimit(method, route string) int64
}

func (s *Server) areaFor(path string) Area {
	for _, a := range s.areas {
		if path == a.Prefix() || strings.HasPrefix(path, a.Prefix()+"/") {
			return a
		}
	}
	return nil
}

// Probe paths. Their access-log records are emitted at debug level so
// orchestrator probes do not flood the logs.
const (
	pathHealthz = "/healthz"
	pathReadyz  = "/readyz"
	pathMetrics = "/metrics"
)

// registerRoutes is the single place that lays out the HTTP surface.
//
// Areas, each listing its routes in its Mount (from cmd/latchkey):
//   - /scim/v2/...   SCIM 2.0 provisioning API (bearer-token auth, SCIM error bodies)
//   - /oauth/token   OAuth 2.0 client-credentials token endpoint issuing SCIM
//     bearer tokens to registered SCIM clients (RFC 6749 error bodies)
//   - /admin/v1/...  admin API (problem+json errors)
//   - /admin/...     the admin console (HTML pages on the admin API; console
//     lists them)
//   - /claim/..., /signin, /signout, /account, /pictures/..., /saml/...
//     the person-facing pages (HTML; claim/pages lists them)
//   - /api/v1/claim/...  the mobile app's claim API (JSON)
func (s *Server) registerRoutes(e *echo.Echo) {
	e.GET(pathHealthz, s.handleHealthz)
	e.GET(pathReadyz, s.handleReadyz)
	if s.metrics != nil {
		e.GET(pathMetrics, echo.WrapHandler(s.metrics))
	}
	for _, area := range s.areas {
		area.Mount(e.Group(area.Prefix()))
	}
}

// isProbe reports whether route is a health probe or a metrics scrape.
func isProbe(route string) bool {
	return route == pathHealthz || route == pathReadyz || route == pathMetrics
}
