package scim

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/latchkeyhq/latchkey/server"
)

func TestClientOf(t *testing.T) {
	tests := []struct{ agent, want string }{
		{"Okta SCIM Client 1.0.0", "okta"},
		{"OKTA SCIM Integration", "okta"},
		{"Microsoft.Identity.Provisioning/1.0", "entra"},
		{"Azure AD SCIM Provisioning", "entra"},
		{"AzureAD-Provisioning/2.0", "entra"},
		{"Microsoft Entra ID provisioning", "entra"},
		{"OneLogin SCIM", "onelogin"},
		{"JumpCloud-SCIM/1.0", "jumpcloud"},
		{"CentralSync/2.1", "other"},
		{"curl/8.5.0", "other"},
		{"", "other"},
	}
	for _, tt := range tests {
		if got := ClientOf(tt.agent); got != tt.want {
			t.Errorf("ClientOf(%q) = %q, want %q", tt.agent, got, tt.want)
		}
	}
}

func TestOutcomeOf(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{200, "success"}, {201, "success"}, {204, "success"},
		{400, "invalid"}, {413, "invalid"}, {401, "unauthorized"}, {403, "unauthorized"},
		{404, "not_found"}, {409, "conflict"}, {412, "precondition_failed"}, {429, "rate_limited"},
		{500, "error"}, {503, "error"},
	}
	for _, tt := range tests {
		if got := outcomeOf(tt.status); got != tt.want {
			t.Errorf("outcomeOf(%d) = %q, want %q", tt.status, got, tt.want)
		}
	}
}

// TestOperationsCounted: requests through the real server are counted by
// operation, resource, outcome and the IdP their agent names, rejected
// tokens included; the request's log records carry the token's org_id.
func TestOperationsCounted(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		reg := prometheus.NewRegistry()
		var logs bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&logs, nil))
		h := New(Options{Store: e.store, Hasher: e.hasher, BaseURL: "https://latchkey.example.com", Metrics: NewMetrics(reg)})
		e.http = server.New(server.Options{DB: e.store, Areas: []server.Area{h}, Logger: log}).Handler()

		entra, okta := "Microsoft.Identity.Provisioning/1.0", "Okta SCIM Client 1.0.0"
		user := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "ann@acme.test"}
		e.do("POST", "/scim/v2/Users", user, "User-Agent", entra).want(t, http.StatusCreated)
		e.do("POST", "/scim/v2/Users", user, "User-Agent", entra).want(t, http.StatusConflict)
		e.do("GET", "/scim/v2/Users/no-such-id", nil, "User-Agent", okta).want(t, http.StatusNotFound)
		e.doAs("bad-token", "GET", "/scim/v2/Groups", nil, "User-Agent", okta).want(t, http.StatusUnauthorized)
		e.doAs("", "GET", "/scim/v2/ServiceProviderConfig", nil, "User-Agent", "curl/8").want(t, http.StatusOK)
		e.do("GET", "/scim/v2/Me", nil).want(t, http.StatusNotImplemented) // not an operation we count
		// A bulk request counts once as itself and each operation it runs
		// as that operation; one it refuses to run is no operation.
		e.do("POST", "/scim/v2/Bulk", bulkBody(0,
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "b1", "data": userBody("bob@acme.test")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "b2", "data": userBody("ann@acme.test")},
			map[string]any{"method": "DELETE", "path": "/Groups/no-such-id"},
			map[string]any{"method": "GET", "path": "/Users"},
		), "User-Agent", okta).want(t, http.StatusOK)

		want := map[string]float64{
			"create User success entra":               1,
			"create User conflict entra":              1,
			"get User not_found okta":                 1,
			"list Group unauthorized okta":            1,
			"get ServiceProviderConfig success other": 1,
			"bulk Bulk success okta":                  1,
			"create User success okta":                1,
			"create User conflict okta":               1,
			"delete Group not_found okta":             1,
		}
		got := map[string]float64{}
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				l := map[string]string{}
				for _, p := range m.GetLabel() {
					l[p.GetName()] = p.GetValue()
				}
				got[l["operation"]+" "+l["resource"]+" "+l["outcome"]+" "+l["client"]] = m.GetCounter().GetValue()
			}
		}
		if len(got) != len(want) {
			t.Errorf("series %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("latchkey_scim_operations_total{%s} = %v, want %v", k, got[k], v)
			}
		}

		orgs := map[string]int{}
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			if rec["msg"] == "http request" {
				org, _ := rec["org_id"].(string)
				orgs[org]++
			}
		}
		// Five requests had a valid token; the bad token and discovery had none.
		if orgs[e.org.ID] != 5 || orgs[""] != 2 {
			t.Errorf("access records by org_id %v, want 5 of %s and 2 without", orgs, e.org.ID)
		}
	})
}
