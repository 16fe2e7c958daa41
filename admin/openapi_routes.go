package admin

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// checkRoutes finds the mistakes a route table can hold that neither the
// compiler nor echo catch: an endpoint the document cannot describe, or
// one whose permission check would never pass (a misspelt permission).
func checkRoutes(routes []route) error {
	var errs []error
	seen := map[string]bool{}
	ids := map[string]string{}
	for _, r := range routes {
		name := r.Method + " " + r.Path
		if seen[name] {
			errs = append(errs, fmt.Errorf("%s: listed twice", name))
		}
		seen[name] = true
		id := operationID(r.Method, r.Path)
		if other, ok := ids[id]; ok && other != name {
			errs = append(errs, fmt.Errorf("%s: same operation id as %s", name, other))
		}
		ids[id] = name
		errs = append(errs, checkRoute(r)...)
	}
	return errors.Join(errs...)
}

// knownMethods are the methods a route may have.
func knownMethods() []string {
	return []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
}

func checkRoute(r route) []error {
	name := r.Method + " " + r.Path
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(name+": "+format, args...)) }
	if !slices.Contains(knownMethods(), r.Method) {
		fail("unknown method")
	}
	if !strings.HasPrefix(r.Path, "/") || strings.Contains(r.Path, "*") || strings.Contains(r.Path, "//") {
		fail("path must start with / and have no wildcard or empty segment")
	}
	if strings.TrimSpace(r.Summary) == "" {
		fail("no Summary")
	}
	if strings.TrimSpace(r.Tag) == "" {
		fail("no Tag")
	}
	if r.Permission != "" && !r.Permission.Valid() {
		fail("unknown permission %q", r.Permission)
	}
	if r.Also != "" && (!r.Also.Valid() || r.Permission == "") {
		fail("Also %q needs a known permission and a Permission beside it", r.Also)
	}
	switch r.Auth {
	case authToken, authTokenOrSigned:
	case authNone:
		if r.Permission != "" {
			fail("a public route cannot require permission %s", r.Permission)
		}
	default:
		fail("unknown auth mode %d", r.Auth)
	}
	if r.Status != 0 && (r.Status < 200 || r.Status > 299) {
		fail("success status %d is not 2xx", r.Status)
	}
	if r.Status == http.StatusNoContent && r.Reply != nil {
		fail("a 204 answer has no Reply")
	}
	if r.Handle == nil {
		fail("no Handle")
	}
	for _, q := range r.Query {
		if q.Name == "" || !slices.Contains([]string{"", "string", "integer", "boolean", "date-time"}, q.Type) {
			fail("query parameter %q: needs a name and a known type, not %q", q.Name, q.Type)
		}
	}
	return errs
}
