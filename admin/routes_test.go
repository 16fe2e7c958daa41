package admin

import (
	"net/http"
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
