package console_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestAuditLog(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, _ := e.signedInAs("ada@acme.example", directory.RoleAccountManager)
		for i := range 55 {
			must(t, directory.Record(t.Context(), e.store, directory.Actor{Type: directory.ActorCLI, Name: "ops"},
				directory.AuditEvent{OrgID: e.org.ID, Action: "test.event", TargetType: "user", TargetID: fmt.Sprintf("t%02d", i)}, nil))
		}
		r := c.get("/admin/audit?action=test.*")
		if r.status != http.StatusOK || !strings.Contains(r.body, "t54") || strings.Contains(r.body, "t04") {
			t.Fatalf("first page: %d\n%s", r.status, text(r.body))
		}
		next := regexp.MustCompile(`href="(/admin/audit\?[^"]*cursor=[^"]*)"`).FindStringSubmatch(r.body)
		if next == nil {
			t.Fatalf("no link to older events:\n%s", r.body)
		}
		r = c.get(html.UnescapeString(next[1]))
		if r.status != http.StatusOK || !strings.Contains(r.body, "t04") || strings.Contains(r.body, "t54") {
			t.Fatalf("older events: %d at %s\n%s", r.status, r.url, text(r.body))
		}
		if !strings.Contains(r.body, `value="test.*"`) {
			t.Error("the older page lost the action filter")
		}

		r = c.get("/admin/audit?since=yesterday")
		if r.status != http.StatusBadRequest || !strings.Contains(text(r.body), "Use a date such as") {
			t.Fatalf("a bad date: %d\n%s", r.status, text(r.body))
		}
		if r := c.get("/admin/audit?action=nomatch"); !strings.Contains(text(r.body), "No events match these filters.") {
			t.Error("no empty state")
		}
	})
}
