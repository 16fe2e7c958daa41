package scim

import (
	"net/http"
	"testing"
)

func TestDiscovery(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{})
	for _, tc := range []struct{ name, path string }{
		{"service_provider_config", "/scim/v2/ServiceProviderConfig"},
		{"resource_types", "/scim/v2/ResourceTypes"},
		{"resource_type_user", "/scim/v2/ResourceTypes/User"},
		{"schemas", "/scim/v2/Schemas"},
		{"schema_latchkey", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:extension:latchkey:2.0:User"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Discovery answers without a token, and ignores other parameters.
			r := e.doAs("", http.MethodGet, tc.path+"?count=1&sortBy=x", nil).want(t, http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != ContentType {
				t.Fatalf("Content-Type %q", ct)
			}
			golden(t, tc.name, r.raw)
		})
	}
	e.do(http.MethodGet, "/scim/v2/Schemas?filter=id+eq+%22x%22", nil).wantError(t, http.StatusForbidden, "")
	e.do(http.MethodPost, "/scim/v2/ServiceProviderConfig", "{}").wantError(t, http.StatusMethodNotAllowed, "")
	e.do(http.MethodDelete, "/scim/v2/Schemas", nil).wantError(t, http.StatusMethodNotAllowed, "")
	e.do(http.MethodGet, "/scim/v2/ResourceTypes/Robot", nil).wantError(t, http.StatusNotFound, "")
	e.do(http.MethodGet, "/scim/v2/Nope", nil).wantError(t, http.StatusNotFound, "")
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{})
	other := directoryOrg(t, e, "rival")
	rivalToken := e.newToken(other, "Rival")
	for name, r := range map[string]response{
		"no header":      e.doAs("", http.MethodGet, "/scim/v2/Users", nil),
		"unknown token":  e.doAs("lks_"+stringOf('A', 43), http.MethodGet, "/scim/v2/Users", nil),
		"garbage":        e.doAs("hello", http.MethodGet, "/scim/v2/Users", nil),
		"token in query": e.doAs("", http.MethodGet, "/scim/v2/Users?access_token="+e.token, nil),
	} {
		t.Run(name, func(t *testing.T) {
			r.wantError(t, http.StatusUnauthorized, "")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	created := e.do(http.MethodPost, "/scim/v2/Users", userBody("alice@acme.example")).want(t, http.StatusCreated)
	// Another organization's token sees nothing of this one.
	e.doAs(rivalToken, http.MethodGet, "/scim/v2/Users/"+created.str("id"), nil).wantError(t, http.StatusNotFound, "")
	list := e.doAs(rivalToken, http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	if list.get("totalResults") != float64(0) {
		t.Fatalf("rival sees %v users", list.get("totalResults"))
	}
}
