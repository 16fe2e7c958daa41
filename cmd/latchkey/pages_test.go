package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeMountsClaimPages: serve answers the person-facing pages, the
// SP metadata and the claim API next to SCIM and the admin API.
func TestServeMountsClaimPages(t *testing.T) {
	srv := startServer(t, backends[0].env(t))
	client := &http.Client{Timeout: 10 * time.Second}
	for path, want := range map[string]string{
		"/signin":                 `form id="signin"`,
		"/claim/code":             `form id="code"`,
		"/saml/default/metadata":  "EntityDescriptor",
		"/claim/no-such-token":    "does not work",
		"/api/v1/claim/no/such":   `"error"`,
		"/claim/assets/style.css": "box-sizing",
	} {
		resp, err := client.Get(srv.baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d\n%s", path, resp.StatusCode, body)
		}
	}
}
