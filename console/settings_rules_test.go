package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestInviteRuleDryRunBeforeSaving(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, adm := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		token := e.token(adm)
		for i, dept := range []string{"Sales", "Sales", "Sales", "Engineering", "Support"} {
			e.person("user"+string(rune('a'+i)), "user"+string(rune('a'+i))+"@acme.example", func(a *directory.Account) {
				a.Department = dept
				if i == 0 {
					a.State = directory.StateInvited // matches, but is invited already
				}
			})
		}
		rules := func() []any {
			_, list := e.api(http.MethodGet, "/admin/v1/invite-rules", token, nil)
			return list["items"].([]any)
		}

		// A new rule cannot be saved before it is checked.
		r := c.get("/admin/settings/rules/new")
		if !strings.Contains(r.body, `value="save" disabled`) {
			t.Fatalf("Save is enabled before a check:\n%s", r.body)
		}
		filter := `department eq "Sales"`
		form := url.Values{"name": {"Sales team"}, "filter": {filter}, "action": {"invite_now"}, "message": {"Welcome!"}, "do": {"check"}}
		r = c.post("/admin/settings/rules/new", form)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "This rule matches 3 people; 2 would be invited now.") {
			t.Fatalf("check: %d\n%s", r.status, text(r.body))
		}
		if strings.Contains(r.body, `value="save" disabled`) || !strings.Contains(r.body, `name="checked_filter" value="department eq &#34;Sales&#34;"`) {
			t.Fatalf("after a check, Save is not offered for the checked condition:\n%s", r.body)
		}
		if len(rules()) != 0 {
			t.Fatal("a check saved the rule")
		}

		// A condition changed after the check is counted again, not saved.
		changed := url.Values{"name": {"Sales team"}, "filter": {`department eq "Engineering"`}, "action": {"invite_now"}, "do": {"save"},
			"checked_filter": {filter}, "checked_action": {"invite_now"}}
		r = c.post("/admin/settings/rules/new", changed)
		if !strings.Contains(text(r.body), "This rule matches 1 person; 1 would be invited now.") || !strings.Contains(text(r.body), "nothing was saved yet") {
			t.Fatalf("save after a change: %d\n%s", r.status, text(r.body))
		}
		if len(rules()) != 0 {
			t.Fatal("a rule was saved without its count shown")
		}

		// A filter the API cannot read is named next to the field.
		r = c.post("/admin/settings/rules/new", url.Values{"name": {"Bad"}, "filter": {`department eq`}, "action": {"invite_now"}, "do": {"check"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `class="field-error"`) {
			t.Fatalf("bad filter: %d\n%s", r.status, text(r.body))
		}

		// Checked, then saved.
		form.Set("do", "save")
		form.Set("checked_filter", filter)
		form.Set("checked_action", "invite_now")
		r = c.post("/admin/settings/rules/new", form)
		if r.status != http.StatusOK || !strings.HasSuffix(r.url, "/admin/settings/rules") || !strings.Contains(text(r.body), "Saved the rule “Sales team”.") {
			t.Fatalf("save: %d at %s\n%s", r.status, r.url, text(r.body))
		}
		list := rules()
		if len(list) != 1 {
			t.Fatalf("rules after save: %v", list)
		}
		saved := list[0].(map[string]any)
		if saved["filter"] != filter || saved["action"] != "invite_now" || saved["message"] != "Welcome!" {
			t.Fatalf("saved rule: %v", saved)
		}
		if body := text(r.body); !strings.Contains(body, "Sales team") || !strings.Contains(body, filter) || !strings.Contains(body, "Invite right away") {
			t.Fatalf("the list does not show the rule:\n%s", body)
		}

		// Editing shows the rule's count at once, and saves a new name.
		id := saved["id"].(string)
		r = c.get("/admin/settings/rules/" + id)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "This rule matches 3 people;") {
			t.Fatalf("edit: %d\n%s", r.status, text(r.body))
		}
		r = c.post("/admin/settings/rules/"+id, url.Values{"name": {"Sales"}, "filter": {filter}, "action": {"never"}, "do": {"check"}})
		if !strings.Contains(text(r.body), "This rule matches 3 people; it never invites anyone.") {
			t.Fatalf("check never: %s", text(r.body))
		}
		r = c.post("/admin/settings/rules/"+id, url.Values{"name": {"Sales"}, "filter": {filter}, "action": {"never"}, "do": {"save"},
			"checked_filter": {filter}, "checked_action": {"never"}})
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Saved the rule “Sales”.") {
			t.Fatalf("edit save: %d\n%s", r.status, text(r.body))
		}
		if got := rules()[0].(map[string]any); got["name"] != "Sales" || got["action"] != "never" {
			t.Fatalf("after edit: %v", got)
		}

		// Delete.
		r = c.post("/admin/settings/rules/"+id+"/delete", nil)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "No invite rules yet.") || len(rules()) != 0 {
			t.Fatalf("delete: %d\n%s", r.status, text(r.body))
		}
		if !e.audited("invite_rule.delete") {
			t.Error("the delete is not audited")
		}
	})
}
