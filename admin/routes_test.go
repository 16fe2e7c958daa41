package admin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestSSOTakesLargeMetadata: IdP metadata may be up to 1 MiB, more once
// JSON-escaped, so the SSO routes take bodies the server's 1 MiB limit
// refuses everywhere else.
func TestSSOTakesLargeMetadata(t *testing.T) {
	e := newEnv(t, backends[0], envOptions{noWorkers: true})
	admin := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)
	big := `{"metadata_xml": "` + strings.Repeat("x", 1500<<10) + `"}`
	if r := e.do(http.MethodPut, "/admin/v1/sso", admin, big); r.Status == http.StatusRequestEntityTooLarge || r.Status != http.StatusBadRequest {
		t.Fatalf("PUT /sso with 1.5 MB of metadata = %d %s; want 400 for the metadata, not 413", r.Status, r.Body[:min(len(r.Body), 300)])
	}
	if r := e.do(http.MethodPatch, "/admin/v1/settings", admin, big); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("PATCH /settings with 1.5 MB = %d; want 413", r.Status)
	}
}

// TestBodyTooLarge: a body over the limit is 413 wherever the handler
// notices it (while decoding JSON or reading a template draft), never a
// 400 or a 500.
func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, backends[0], envOptions{noWorkers: true})
	admin := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)
	big := `{"name": "` + strings.Repeat("x", 2<<20) + `"}`
	for _, path := range []string{"/admin/v1/roles", "/admin/v1/templates/invitation/preview", "/admin/v1/exports"} {
		// Chunked, so the length is only found out while reading.
		req := httptest.NewRequest(http.MethodPost, testBaseURL+path, strings.NewReader(big))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin)
		rec := httptest.NewRecorder()
		e.http.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with 2 MiB chunked = %d %s; want 413", path, rec.Code, rec.Body.String()[:min(rec.Body.Len(), 200)])
		}
	}
}

// TestUndocumentedQueryParameters: every route takes only the query
// parameters the OpenAPI document lists for it; a misspelt one is a 400
// naming it and listing the allowed ones, never quietly ignored.
func TestUndocumentedQueryParameters(t *testing.T) {
	e := newEnv(t, backends[0], envOptions{noWorkers: true})
	admin := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)
	for _, path := range []string{"/admin/v1/admins?rol=reader", "/admin/v1/roles?x=1", "/admin/v1/outbox?limt=5", "/admin/v1/people?departement=Sales"} {
		r := e.do(http.MethodGet, path, admin, nil)
		body := r.JSON()
		detail, _ := body["detail"].(string)
		if r.Status != http.StatusBadRequest || body["errors"] == nil || (body["allowed"] == nil && !strings.Contains(detail, "takes none")) {
			t.Errorf("GET %s = %d %s; want 400 with errors and allowed", path, r.Status, r.Body)
		}
	}
	if r := e.do(http.MethodGet, "/admin/v1/outbox?limit=5", admin, nil); r.Status != http.StatusOK {
		t.Errorf("a documented parameter: %d %s", r.Status, r.Body)
	}
}
