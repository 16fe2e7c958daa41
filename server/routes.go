package server

import "github.com/labstack/echo/v4"

// Probe paths. Their access-log records are emitted at debug level so
// orchestrator probes do not flood the logs.
const (
	pathHealthz = "/healthz"
	pathReadyz  = "/readyz"
)

// registerRoutes is the single place that lays out the HTTP surface.
//
// Areas mounted later through Server.Echo (from cmd/latchkey):
//   - /scim/v2/...   SCIM 2.0 provisioning API (bearer-token auth, SCIM error bodies)
//   - /admin/v1/...  admin API (problem+json errors)
//   - /claim/...     account-claim pages (HTML)
func (s *Server) registerRoutes(e *echo.Echo) {
	e.GET(pathHealthz, s.handleHealthz)
	e.GET(pathReadyz, s.handleReadyz)
}

// isProbe reports whether route is a health probe.
func isProbe(route string) bool {
	return route == pathHealthz || route == pathReadyz
}
