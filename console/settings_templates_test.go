package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestEmailTemplates(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, adm := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		token := e.token(adm)

		r := c.get("/admin/settings/templates")
		if body := text(r.body); r.status != http.StatusOK || !strings.Contains(body, "Invitation") || !strings.Contains(body, "Export ready") {
			t.Fatalf("list: %d\n%s", r.status, body)
		}
		// The preview shows the text version, and the HTML only as source.
		r = c.get("/admin/settings/templates/invitation")
		if !strings.Contains(r.body, "https://") || !strings.Contains(r.body, "/claim/SAMPLE-LINK") {
			t.Fatalf("no preview:\n%s", text(r.body))
		}
		if strings.Contains(r.body, "<body style=") || !strings.Contains(r.body, "&lt;body style=") {
			t.Fatal("the HTML preview is not escaped")
		}

		draft := url.Values{"subject": {"Welcome to {{.OrgName}}, {{.GivenName}}"}, "text": {"Claim it: {{.Link}}"}, "html": {""}, "do": {"preview"}}
		r = c.post("/admin/settings/templates/invitation", draft)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Welcome to Acme, Ada") || !strings.Contains(r.body, "Claim it: https://") {
			t.Fatalf("preview: %d\n%s", r.status, text(r.body))
		}

		draft.Set("do", "test")
		r = c.post("/admin/settings/templates/invitation", draft)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Sent a test email to ada@acme.example.") {
			t.Fatalf("test: %d\n%s", r.status, text(r.body))
		}
		msgs := e.smtp.Wait(1)
		if msgs[0].Subject != "Welcome to Acme, Ada" || len(msgs[0].To) != 1 || msgs[0].To[0] != "ada@acme.example" {
			t.Fatalf("test email: %q to %v", msgs[0].Subject, msgs[0].To)
		}
		if !strings.Contains(r.body, "Welcome to {{.OrgName}}, {{.GivenName}}") {
			t.Error("the draft is lost after the test email")
		}

		// A broken template is named next to its field and not saved.
		bad := url.Values{"subject": {"Hi {{.Nope"}, "text": {""}, "html": {""}, "do": {"save"}}
		r = c.post("/admin/settings/templates/invitation", bad)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `class="field-error"`) || !strings.Contains(text(r.body), "Nothing was saved") {
			t.Fatalf("bad template: %d\n%s", r.status, text(r.body))
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/templates/invitation", token, nil); doc["custom"] != false {
			t.Fatal("a broken template was saved")
		}

		draft.Set("do", "save")
		r = c.post("/admin/settings/templates/invitation", draft)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Saved the Invitation email template.") || !strings.Contains(text(r.body), "Your own") {
			t.Fatalf("save: %d\n%s", r.status, text(r.body))
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/templates/invitation", token, nil); doc["custom"] != true || doc["subject"] != "Welcome to {{.OrgName}}, {{.GivenName}}" {
			t.Fatalf("saved template: %v", doc)
		}

		r = c.post("/admin/settings/templates/invitation/reset", nil)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "back to the default template") {
			t.Fatalf("reset: %d\n%s", r.status, text(r.body))
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/templates/invitation", token, nil); doc["custom"] != false {
			t.Fatalf("after reset: %v", doc)
		}
	})
}

// TestTemplateNeedsAccountsManage: a role with settings.manage but not
// accounts.manage may send itself a test, but not save a template.
func TestTemplateNeedsAccountsManage(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		root := e.admin("root@acme.example", directory.RoleSystemAdmin)
		status, _ := e.api(http.MethodPost, "/admin/v1/roles", e.token(root), map[string]any{"name": "settings_editor",
			"description": "settings only", "permissions": []string{"people.read", "settings.read", "settings.manage"}})
		if status != http.StatusCreated {
			t.Fatalf("role: %d", status)
		}
		c, _ := e.signedInAs("sam@acme.example", directory.Role("settings_editor"))
		r := c.get("/admin/settings/templates/reminder")
		if body := text(r.body); strings.Contains(body, "Save template") || !strings.Contains(body, "saving it also needs the accounts.manage permission") ||
			!strings.Contains(body, "Send me a test email") {
			t.Fatalf("page: %s", body)
		}
		r = c.post("/admin/settings/templates/reminder", url.Values{"subject": {"x"}, "do": {"save"}})
		if r.status != http.StatusForbidden {
			t.Fatalf("save without accounts.manage: %d", r.status)
		}
	})
}
