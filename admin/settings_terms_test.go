package admin

import (
	"net/http"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestTerms: publishing adds a version (never changing an older one);
// GET shows the newest; empty or oversized text is refused.
func TestTerms(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		admin := e.token(e.org.ID, "it@acme.example", directory.RoleSystemAdmin)
		reader := e.token(e.org.ID, "audit@acme.example", directory.RoleReader)

		if status, body := e.get(reader, "/admin/v1/terms"); status != http.StatusNotFound || body["code"] != "not_found" {
			t.Fatalf("GET /terms before any = %d %v", status, body)
		}
		if r := e.do(http.MethodPost, "/admin/v1/terms", reader, termsBody{Text: "Be nice."}); r.Status != http.StatusForbidden {
			t.Fatalf("a reader publishes terms: %d", r.Status)
		}
		for i, text := range []string{"Be nice.", "Be nice. Really."} {
			r := e.do(http.MethodPost, "/admin/v1/terms", admin, termsBody{Text: text})
			if r.Status != http.StatusCreated || r.JSON()["version"] != float64(i+1) {
				t.Fatalf("publish version %d = %d %s", i+1, r.Status, r.Body)
			}
		}
		status, doc := e.get(reader, "/admin/v1/terms")
		if status != http.StatusOK || doc["version"] != 2.0 || doc["text"] != "Be nice. Really." || doc["published_at"] == nil {
			t.Fatalf("GET /terms = %d %v", status, doc)
		}
		for name, text := range map[string]string{"empty": " ", "too long": strings.Repeat("x", directory.MaxTermsLength+1)} {
			r := e.do(http.MethodPost, "/admin/v1/terms", admin, termsBody{Text: text})
			if fields := settingsProblemFields(r); r.Status != http.StatusBadRequest || len(fields) != 1 || fields[0] != "text" {
				t.Errorf("publish %s terms = %d %s", name, r.Status, r.Body)
			}
		}
		if events := e.auditTrail(directory.AuditQuery{Action: "terms.publish"}); len(events) != 2 {
			t.Fatalf("publications audited: %d", len(events))
		}
	})
}
