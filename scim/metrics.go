package scim

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count SCIM operations by what they did, how they ended and
// which identity provider asked. Register them on the server's registry
// (there are no global metrics) and pass them in Options.Metrics.
type Metrics struct {
	operations *prometheus.CounterVec
}

// NewMetrics registers the SCIM metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{operations: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "latchkey_scim_operations_total",
		Help: "SCIM operations, each request and each operation inside a /Bulk request (counted as itself: a bulk of three creates counts bulk Bulk once and create User three times), by operation (create, get, list, search, replace, patch, delete, bulk), resource (User, Group, Bulk, ServiceProviderConfig, ResourceType, Schema), outcome (success, invalid, unauthorized, not_found, conflict, precondition_failed, rate_limited, error) and client (the IdP, from its User-Agent: entra, okta, onelogin, jumpcloud, other).",
	}, []string{"operation", "resource", "outcome", "client"})}
	reg.MustRegister(m.operations)
	return m
}

// operation is what a route does to which resource.
type operation struct{ name, resource string }

// operations maps "METHOD route" (the route under Prefix) to its
// operation. Routes not listed (/Me, unknown paths) are not counted.
var operations = map[string]operation{
	"POST /Users":                {"create", "User"},
	"GET /Users":                 {"list", "User"},
	"POST /Users/.search":        {"search", "User"},
	"GET /Users/:id":             {"get", "User"},
	"PUT /Users/:id":             {"replace", "User"},
	"PATCH /Users/:id":           {"patch", "User"},
	"DELETE /Users/:id":          {"delete", "User"},
	"POST /Groups":               {"create", "Group"},
	"GET /Groups":                {"list", "Group"},
	"POST /Groups/.search":       {"search", "Group"},
	"GET /Groups/:id":            {"get", "Group"},
	"PUT /Groups/:id":            {"replace", "Group"},
	"PATCH /Groups/:id":          {"patch", "Group"},
	"DELETE /Groups/:id":         {"delete", "Group"},
	"POST /Bulk":                 {"bulk", "Bulk"},
	"GET /ServiceProviderConfig": {"get", "ServiceProviderConfig"},
	"GET /ResourceTypes":         {"list", "ResourceType"},
	"GET /ResourceTypes/:name":   {"get", "ResourceType"},
	"GET /Schemas":               {"list", "Schema"},
	"GET /Schemas/:urn":          {"get", "Schema"},
}

// count is middleware that counts each SCIM request once its response is
// written. It runs outside authentication so rejected tokens count too.
func (h *Handler) count(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if h.metrics == nil {
			return err
		}
		req := c.Request()
		op, ok := operations[req.Method+" "+strings.TrimPrefix(c.Path(), Prefix)]
		if !ok {
			return err
		}
		status := c.Response().Status
		if err != nil && !c.Response().Committed {
			status = http.StatusInternalServerError
		}
		h.metrics.countOne(op, status, req.UserAgent())
		return err
	}
}

// countOne counts one operation: a request, or one inside /Bulk.
func (m *Metrics) countOne(op operation, status int, userAgent string) {
	if m == nil {
		return
	}
	m.operations.WithLabelValues(op.name, op.resource, outcomeOf(status), ClientOf(userAgent)).Inc()
}

// outcomeOf names a response status for the operations counter.
func outcomeOf(status int) string {
	switch {
	case status < 400:
		return "success"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "unauthorized"
	case status == http.StatusNotFound:
		return "not_found"
	case status == http.StatusConflict:
		return "conflict"
	case status == http.StatusPreconditionFailed:
		return "precondition_failed"
	case status == http.StatusTooManyRequests:
		return "rate_limited"
	case status < 500:
		return "invalid"
	}
	return "error"
}

// ClientOf classifies a SCIM client by its User-Agent into a few known
// identity providers, so the client label stays bounded whatever agents
// send. It matches whole words of the agent (split at anything but
// letters and digits), so "CentralSync" is not Entra: Microsoft Entra
// ID's provisioning service has sent agents naming Microsoft, Azure AD or
// Entra over the years; Okta sends "Okta SCIM Client 1.0.0" (and "OKTA
// SCIM Integration" from its test suite).
func ClientOf(userAgent string) string {
	words := strings.FieldsFunc(strings.ToLower(userAgent), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	})
	for _, c := range knownClients {
		for _, w := range words {
			if slices.Contains(c.words, w) {
				return c.client
			}
		}
	}
	return "other"
}

// knownClients are the identity providers ClientOf tells apart, and the
// words of their agents.
var knownClients = []struct {
	client string
	words  []string
}{
	{"okta", []string{"okta"}},
	{"entra", []string{"microsoft", "azure", "azuread", "aad", "entra", "entraid"}},
	{"onelogin", []string{"onelogin"}},
	{"jumpcloud", []string{"jumpcloud"}},
}
