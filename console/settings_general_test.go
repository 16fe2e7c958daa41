package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestSettingsPagesRender(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, _ := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		for _, p := range []struct{ path, want string }{
			{"/admin/settings", "Automatic invitation"},
			{"/admin/settings/rules", "No invite rules yet."},
			{"/admin/settings/rules/new", "Check how many match"},
			{"/admin/settings/templates", "Reminder"},
			{"/admin/settings/templates/invitation", "Acme has set up an account for you"},
			{"/admin/settings/terms", "No terms of use yet"},
			{"/admin/settings/groups", "No groups yet."},
		} {
			r := c.get(p.path)
			if r.status != http.StatusOK || !strings.Contains(text(r.body), p.want) {
				t.Errorf("%s: %d, want %q in\n%s", p.path, r.status, p.want, text(r.body))
			}
			if strings.Contains(r.body, "You can view these settings") {
				t.Errorf("%s: a system admin is told they may only view", p.path)
			}
		}
	})
}

func TestGeneralSettings(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, adm := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		token := e.token(adm)
		form := url.Values{"name": {"Acme Inc"}, "auto_invite": {"on"}, "invite_hour": {"7"}, "time_zone": {"Europe/Berlin"},
			"link_ttl_hours": {"48"}, "code_ttl_days": {"10"}, "reminders": {"2, 36h"}, "claim": {"1"},
			"claim.profile_required": {"1"}, "claim.editable_fields": {"phone", "title"}}
		r := c.post("/admin/settings", form)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Settings saved.") {
			t.Fatalf("save: %d\n%s", r.status, text(r.body))
		}
		_, s := e.api(http.MethodGet, "/admin/v1/settings", token, nil)
		claim := s["claim"].(map[string]any)
		got := fmt.Sprintln(s["name"], s["auto_invite"], s["invite_hour"], s["time_zone"], s["link_ttl_hours"], s["code_ttl_days"],
			s["reminders"], claim["profile_required"], claim["terms_optional"], claim["editable_fields"])
		if want := "Acme Inc true 7 Europe/Berlin 48 10 [36 48] true false [title phone]\n"; got != want {
			t.Fatalf("settings after save: %s, want %s", got, want)
		}
		// The page shows what was saved.
		r = c.get("/admin/settings")
		for _, want := range []string{`value="Europe/Berlin"`, `value="48"`, `value="36h, 2"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the page does not show %s", want)
			}
		}

		// A bad value is named next to its field and nothing changes,
		// not even the valid fields sent with it.
		for field, bad := range map[string]string{"time_zone": "Mars/Olympus", "reminders": "soon", "link_ttl_hours": "5000", "code_ttl_days": "ten"} {
			f := url.Values{"name": {"Changed"}, field: {bad}}
			r = c.post("/admin/settings", f)
			if r.status != http.StatusBadRequest || !strings.Contains(text(r.body), "Nothing was saved") {
				t.Fatalf("%s=%s: %d\n%s", field, bad, r.status, text(r.body))
			}
			if !strings.Contains(r.body, `id="`+field+`" name="`+field+`"`) || !strings.Contains(r.body, `class="field-error"`) {
				t.Errorf("%s=%s: no field error", field, bad)
			}
			i := strings.Index(r.body, `name="`+field+`"`)
			if j := strings.Index(r.body[i:], `class="field-error"`); j < 0 || j > 600 {
				t.Errorf("%s=%s: the error is not next to the field", field, bad)
			}
			if !strings.Contains(r.body, bad) {
				t.Errorf("%s=%s: the form lost what was typed", field, bad)
			}
		}
		_, after := e.api(http.MethodGet, "/admin/v1/settings", token, nil)
		if after["name"] != "Acme Inc" || after["time_zone"] != "Europe/Berlin" || after["link_ttl_hours"] != float64(48) {
			t.Fatalf("a refused form changed settings: %v", after)
		}

		// Empty lifetimes go back to the server's defaults; "none" sends no reminders.
		r = c.post("/admin/settings", url.Values{"link_ttl_hours": {""}, "reminders": {"none"}})
		if r.status != http.StatusOK {
			t.Fatalf("defaults: %d\n%s", r.status, text(r.body))
		}
		_, after = e.api(http.MethodGet, "/admin/v1/settings", token, nil)
		if fmt.Sprintln(after["server_defaults"], after["reminders"]) != "[link_ttl_hours] []\n" {
			t.Fatalf("after defaults: %v", after)
		}
		if !e.audited("organization.settings") {
			t.Error("the change is not audited")
		}
	})
}

// TestSettingsReadOnly: an admin who may read settings but not change
// them sees no save buttons, and a form posted anyway is refused by the
// API and changes nothing.
func TestSettingsReadOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		root := e.admin("root@acme.example", directory.RoleSystemAdmin)
		token := e.token(root)
		g := directory.Group{OrgID: e.org.ID, DisplayName: "Sales"}
		must(t, e.store.CreateGroup(t.Context(), &g))
		status, rule := e.api(http.MethodPost, "/admin/v1/invite-rules", token, map[string]any{"name": "Everyone", "filter": "active eq true", "action": "never"})
		if status != http.StatusCreated {
			t.Fatalf("rule: %d %v", status, rule)
		}
		c, _ := e.signedInAs("rita@acme.example", directory.RoleReader)
		for _, p := range []string{"/admin/settings", "/admin/settings/rules", "/admin/settings/rules/" + rule["id"].(string),
			"/admin/settings/templates/invitation", "/admin/settings/terms", "/admin/settings/groups"} {
			r := c.get(p)
			body := text(r.body)
			if r.status != http.StatusOK || !strings.Contains(body, "You can view these settings; changing them needs the settings.manage permission.") {
				t.Errorf("%s: %d\n%s", p, r.status, body)
			}
			for _, action := range []string{"Save settings", "Save rule", "Add a rule", "Delete", "Save template", "Send me a test email",
				"Reset to default", "Publish version", "Make default"} {
				if strings.Contains(body, action) {
					t.Errorf("%s: a reader sees %q", p, action)
				}
			}
		}
		if r := c.get("/admin/settings/groups"); strings.Contains(r.body, `name="set_open"`) || strings.Contains(r.body, `name="set_default"`) {
			t.Error("a reader sees the group flag buttons")
		}
		if r := c.get("/admin/settings"); !strings.Contains(r.body, `<fieldset class="bare" disabled>`) {
			t.Error("the general settings are not read-only for a reader")
		}

		for _, post := range []struct {
			path string
			form url.Values
		}{
			{"/admin/settings", url.Values{"name": {"Hijacked"}}},
			{"/admin/settings/rules/new", url.Values{"do": {"save"}, "name": {"All"}, "filter": {"active eq true"}, "action": {"invite_now"},
				"checked_filter": {"active eq true"}, "checked_action": {"invite_now"}}},
			{"/admin/settings/rules/" + rule["id"].(string) + "/delete", nil},
			{"/admin/settings/templates/invitation", url.Values{"do": {"save"}, "subject": {"Hijacked"}}},
			{"/admin/settings/templates/invitation", url.Values{"do": {"test"}}},
			{"/admin/settings/terms", url.Values{"text": {"Hijacked"}}},
			{"/admin/settings/groups/" + g.ID, url.Values{"is_default": {"false"}, "is_open": {"false"}, "set_open": {"true"}}},
		} {
			r := c.post(post.path, post.form)
			if r.status != http.StatusForbidden || !strings.Contains(text(r.body), "Not allowed") {
				t.Errorf("POST %s %v: %d\n%s", post.path, post.form, r.status, text(r.body))
			}
		}
		_, s := e.api(http.MethodGet, "/admin/v1/settings", token, nil)
		_, rules := e.api(http.MethodGet, "/admin/v1/invite-rules", token, nil)
		_, tpl := e.api(http.MethodGet, "/admin/v1/templates/invitation", token, nil)
		termsStatus, _ := e.api(http.MethodGet, "/admin/v1/terms", token, nil)
		_, groups := e.api(http.MethodGet, "/admin/v1/groups", token, nil)
		if s["name"] != "Acme" || len(rules["items"].([]any)) != 1 || tpl["custom"] != false || termsStatus != http.StatusNotFound ||
			groups["items"].([]any)[0].(map[string]any)["is_open"] != false {
			t.Fatalf("a reader's posts changed something: %v %v %v %d %v", s["name"], rules, tpl["custom"], termsStatus, groups)
		}
		if e.smtp.Count() != 0 {
			t.Error("a reader sent a test email")
		}
	})
}
