package admin

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer"
)

// TestTemplates: an organization's own template replaces the default's
// parts it sets, a broken one is refused naming each broken part, and
// DELETE goes back to the default; every change is audited.
func TestTemplates(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		admin := e.token(e.org.ID, "it@acme.example", directory.RoleSystemAdmin)
		reader := e.token(e.org.ID, "audit@acme.example", directory.RoleReader)
		def, err := mailer.DefaultTemplate(mailer.KindInvitation)
		must(t, err)

		if kinds := templateKinds(t, e, reader); !slices.Equal(kinds, []string{"invitation", "reminder", "export_ready"}) {
			t.Fatalf("GET /templates kinds = %v", kinds)
		}
		status, doc := e.get(reader, "/admin/v1/templates/invitation")
		if status != http.StatusOK || doc["custom"] != false || doc["subject"] != def.Subject || doc["html"] != def.HTML {
			t.Fatalf("GET the default invitation template = %d %v", status, doc)
		}
		r := e.do(http.MethodGet, "/admin/v1/templates/fax", reader, nil)
		if r.Status != http.StatusNotFound || !strings.Contains(string(r.Body), `"allowed":["invitation","reminder","export_ready"]`) {
			t.Fatalf("GET an unknown kind = %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodPut, "/admin/v1/templates/invitation", reader, templateBody{Subject: "x"}); r.Status != http.StatusForbidden {
			t.Fatalf("a reader sets a template: %d", r.Status)
		}

		r = e.do(http.MethodPut, "/admin/v1/templates/invitation", admin, templateBody{Subject: "Join {{.OrgName}} today"})
		doc = r.JSON()
		if r.Status != http.StatusOK || doc["custom"] != true || doc["subject"] != "Join {{.OrgName}} today" || doc["text"] != def.Text {
			t.Fatalf("PUT a subject = %d %s", r.Status, r.Body)
		}
		got := e.auditTrail(directory.AuditQuery{Action: "template.set"})
		var details struct {
			Changes map[string]struct{ Before, After string } `json:"changes"`
		}
		if len(got) == 1 {
			must(t, json.Unmarshal(got[0].Details, &details))
		}
		if change := details.Changes["subject"]; len(got) != 1 || got[0].TargetID != "invitation" || len(details.Changes) != 1 ||
			change.Before != "" || change.After != "Join {{.OrgName}} today" {
			t.Fatalf("audit of PUT: %+v", got)
		}

		for _, bad := range []struct {
			name   string
			body   templateBody
			fields []string
			says   string
		}{
			{"syntax and unknown field", templateBody{Subject: "{{", HTML: "<p>{{.Salary}}</p>"}, []string{"html", "subject"}, "Salary"},
			{"a loop", templateBody{Text: "{{range .Name}}x{{end}}"}, []string{"text"}, "{{range}} is not allowed"},
		} {
			r := e.do(http.MethodPut, "/admin/v1/templates/invitation", admin, bad.body)
			var p problem
			_ = json.Unmarshal(r.Body, &p)
			var fields []string
			for _, f := range p.Errors {
				fields = append(fields, f.Field)
			}
			slices.Sort(fields)
			if r.Status != http.StatusBadRequest || !slices.Equal(fields, bad.fields) || !strings.Contains(string(r.Body), bad.says) {
				t.Errorf("PUT %s: %d %s; want 400 naming %v", bad.name, r.Status, r.Body, bad.fields)
			}
		}
		if _, doc := e.get(admin, "/admin/v1/templates/invitation"); doc["subject"] != "Join {{.OrgName}} today" {
			t.Fatalf("a refused PUT changed the template: %v", doc)
		}

		if r := e.do(http.MethodDelete, "/admin/v1/templates/invitation", admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("DELETE = %d %s", r.Status, r.Body)
		}
		if _, doc := e.get(reader, "/admin/v1/templates/invitation"); doc["custom"] != false || doc["subject"] != def.Subject {
			t.Fatalf("after DELETE: %v", doc)
		}
		if got := e.auditTrail(directory.AuditQuery{Action: "template.reset"}); len(got) != 1 {
			t.Fatalf("audit of DELETE: %+v", got)
		}
	})
}

// TestTemplatePreviewAndTest: preview renders the stored template or a
// draft with sample data; "send me a test email" delivers it to the
// calling admin through the real SMTP server.
func TestTemplatePreviewAndTest(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		admin := e.token(e.org.ID, "it@acme.example", directory.RoleSystemAdmin)
		reader := e.token(e.org.ID, "audit@acme.example", directory.RoleReader)
		r := e.do(http.MethodPut, "/admin/v1/templates/reminder", admin, templateBody{Subject: "Still waiting, {{.GivenName}}?"})
		if r.Status != http.StatusOK {
			t.Fatalf("PUT = %d %s", r.Status, r.Body)
		}

		r = e.do(http.MethodPost, "/admin/v1/templates/reminder/preview", reader, nil)
		doc := r.JSON()
		if r.Status != http.StatusOK || doc["subject"] != "Still waiting, Ada?" || !strings.Contains(doc["text"].(string), testBaseURL+"/claim/") {
			t.Fatalf("preview of the stored template = %d %s", r.Status, r.Body)
		}
		draft := templateBody{Subject: "Hello from {{.OrgName}}", HTML: "<p>{{.CustomMessage}}</p>"}
		r = e.do(http.MethodPost, "/admin/v1/templates/reminder/preview", reader, draft)
		doc = r.JSON()
		if r.Status != http.StatusOK || doc["subject"] != "Hello from Acme" || !strings.Contains(doc["html"].(string), "A note from your administrator.") {
			t.Fatalf("preview of a draft = %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodPost, "/admin/v1/templates/reminder/preview", reader, templateBody{Text: "{{.Nope}}"}); r.Status != http.StatusBadRequest {
			t.Fatalf("preview of a broken draft = %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodPost, "/admin/v1/templates/reminder/test", reader, nil); r.Status != http.StatusForbidden {
			t.Fatalf("a reader sends a test email: %d", r.Status)
		}

		r = e.do(http.MethodPost, "/admin/v1/templates/reminder/test", admin, nil)
		if r.Status != http.StatusAccepted || r.JSON()["sent_to"] != "it@acme.example" {
			t.Fatalf("POST test = %d %s", r.Status, r.Body)
		}
		msgs := e.smtp.Wait(1)
		if msgs[0].To[0] != "it@acme.example" || msgs[0].Subject != "Still waiting, Ada?" || !strings.Contains(msgs[0].Text, "/claim/SAMPLE-LINK") {
			t.Fatalf("the test email: to %v, subject %q, text %q", msgs[0].To, msgs[0].Subject, msgs[0].Text)
		}
		r = e.do(http.MethodPost, "/admin/v1/templates/export_ready/test", admin, templateBody{Subject: "Your export, {{.OrgName}}"})
		if r.Status != http.StatusAccepted {
			t.Fatalf("POST test of a draft = %d %s", r.Status, r.Body)
		}
		if msgs := e.smtp.Wait(2); msgs[1].Subject != "Your export, Acme" || !strings.Contains(msgs[1].Text, "/exports/SAMPLE/download") {
			t.Fatalf("the second test email: %q %q", msgs[1].Subject, msgs[1].Text)
		}
		if got := e.auditTrail(directory.AuditQuery{Action: "template.test"}); len(got) != 2 {
			t.Fatalf("test emails audited: %d", len(got))
		}
	})
}

func templateKinds(t *testing.T, e *adminEnv, token string) []string {
	t.Helper()
	status, body := e.get(token, "/admin/v1/templates")
	items, _ := body["items"].([]any)
	if status != http.StatusOK {
		t.Fatalf("GET /templates = %d %v", status, body)
	}
	var kinds []string
	for _, it := range items {
		m := it.(map[string]any)
		if m["custom"] != false {
			t.Fatalf("a fresh organization has a custom template: %v", m)
		}
		kinds = append(kinds, m["kind"].(string))
	}
	return kinds
}
