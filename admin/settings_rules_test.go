package admin

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestInviteRuleDryRun: a dry run counts the accounts a filter matches
// and those a back-fill would invite (active, not invited yet), without
// changing anything; a filter the SCIM parser refuses is a 400 with its
// message.
func TestInviteRuleDryRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		reader := e.token(e.org.ID, "audit@acme.example", directory.RoleReader)
		sales := func(a *directory.Account) { a.Department = "Sales" }
		e.person("ann", "ann@acme.example", sales)
		e.person("bob", "bob@acme.example", func(a *directory.Account) { sales(a); a.Active = false })
		e.person("cy", "cy@acme.example", func(a *directory.Account) { sales(a); a.State = directory.StateInvited })
		e.person("dan", "", nil)

		cases := []struct {
			name   string
			body   any
			status int
			want   string
		}{
			{"matches and would invite", map[string]any{"filter": `department eq "Sales"`}, 200, `{"matches":3,"would_invite":1}`},
			{"a rule that never invites", map[string]any{"filter": `department eq "Sales"`, "action": "never"}, 200, `{"matches":3,"would_invite":0}`},
			{"matches none", map[string]any{"filter": `department eq "Legal"`}, 200, `{"matches":0,"would_invite":0}`},
			{"bad filter", map[string]any{"filter": `department eq`}, 400, `"field":"filter"`},
			{"unknown attribute", map[string]any{"filter": `shoeSize gt 40`}, 400, `"field":"filter"`},
			{"no filter", map[string]any{}, 400, `"field":"filter"`},
			{"bad action", map[string]any{"filter": `active eq true`, "action": "sometimes"}, 400, `"field":"action"`},
		}
		for _, tc := range cases {
			r := e.do(http.MethodPost, "/admin/v1/invite-rules/dry-run", reader, tc.body)
			if r.Status != tc.status || !strings.Contains(strings.TrimSpace(string(r.Body)), tc.want) {
				t.Errorf("%s: %d %s; want %d with %s", tc.name, r.Status, r.Body, tc.status, tc.want)
			}
		}
		if n := len(e.auditTrail(directory.AuditQuery{})); n != 0 {
			t.Fatalf("dry runs wrote %d audit events", n)
		}
	})
}

// TestInviteRules: rules are created, read, replaced and removed; each
// create or change applies the rule to the accounts present, and each
// change is audited. A bad rule is refused naming every field at fault.
func TestInviteRules(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		admin := e.token(e.org.ID, "it@acme.example", directory.RoleSystemAdmin)
		reader := e.token(e.org.ID, "audit@acme.example", directory.RoleReader)
		ann := e.person("ann", "ann@acme.example", func(a *directory.Account) { a.Department = "Sales" })
		dan := e.person("dan", "dan@acme.example", func(a *directory.Account) { a.Department = "Support" })
		rule := ruleBody{Name: "Sales", Filter: `department eq "Sales"`, Action: "invite_now", Message: "Welcome!"}

		if r := e.do(http.MethodPost, "/admin/v1/invite-rules", reader, rule); r.Status != http.StatusForbidden {
			t.Fatalf("a reader adds a rule: %d", r.Status)
		}
		r := e.do(http.MethodPost, "/admin/v1/invite-rules", admin, ruleBody{Name: " ", Filter: "department eq", Action: "sometimes", Position: -1})
		if fields := settingsProblemFields(r); r.Status != http.StatusBadRequest || !slices.Equal(fields, []string{"action", "filter", "name", "position"}) {
			t.Fatalf("a bad rule: %d %s", r.Status, r.Body)
		}
		r = e.do(http.MethodPost, "/admin/v1/invite-rules", admin, rule)
		created := r.JSON()
		id, _ := created["id"].(string)
		if r.Status != http.StatusCreated || id == "" || created["position"] != 1.0 || created["message"] != "Welcome!" {
			t.Fatalf("POST /invite-rules = %d %s", r.Status, r.Body)
		}
		e.waitFor("the back-fill to invite ann", func() bool { return e.storedAccount(ann.ID).State == directory.StateInvited })

		status, list := e.get(reader, "/admin/v1/invite-rules")
		if items, _ := list["items"].([]any); status != http.StatusOK || len(items) != 1 {
			t.Fatalf("GET /invite-rules = %d %v", status, list)
		}
		if status, got := e.get(reader, "/admin/v1/invite-rules/"+id); status != http.StatusOK || got["filter"] != rule.Filter {
			t.Fatalf("GET one rule = %d %v", status, got)
		}
		if status, _ := e.get(reader, "/admin/v1/invite-rules/nope"); status != http.StatusNotFound {
			t.Fatalf("GET an unknown rule = %d", status)
		}

		rule.Filter = `department eq "Support"`
		if r := e.do(http.MethodPut, "/admin/v1/invite-rules/"+id, admin, rule); r.Status != http.StatusOK || r.JSON()["filter"] != rule.Filter {
			t.Fatalf("PUT = %d %s", r.Status, r.Body)
		}
		e.waitFor("the changed rule to invite dan", func() bool { return e.storedAccount(dan.ID).State == directory.StateInvited })
		r = e.do(http.MethodPost, "/admin/v1/invite-rules/"+id+"/dry-run", reader, nil)
		if r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != `{"matches":1,"would_invite":0}` {
			t.Fatalf("dry run of the rule = %d %s", r.Status, r.Body)
		}

		if r := e.do(http.MethodDelete, "/admin/v1/invite-rules/"+id, admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("DELETE = %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodDelete, "/admin/v1/invite-rules/"+id, admin, nil); r.Status != http.StatusNotFound {
			t.Fatalf("DELETE again = %d", r.Status)
		}
		checkRuleAudit(t, e, id)
	})
}

func checkRuleAudit(t *testing.T, e *adminEnv, id string) {
	t.Helper()
	var actions []string
	for _, ev := range e.auditTrail(directory.AuditQuery{TargetType: "invite_rule", TargetID: id}) {
		actions = append(actions, ev.Action)
		if ev.Action != "invite_rule.update" {
			continue
		}
		var details struct {
			Changes map[string]struct{ Before, After string } `json:"changes"`
		}
		must(t, json.Unmarshal(ev.Details, &details))
		if c := details.Changes["filter"]; len(details.Changes) != 1 || c.Before != `department eq "Sales"` || c.After != `department eq "Support"` {
			t.Errorf("audited update: %s", ev.Details)
		}
	}
	if !slices.Equal(actions, []string{"invite_rule.delete", "invite_rule.update", "invite_rule.create"}) {
		t.Fatalf("audited rule changes: %v", actions)
	}
}

// settingsProblemFields lists the fields a problem document names, sorted.
func settingsProblemFields(r response) []string {
	var p problem
	_ = json.Unmarshal(r.Body, &p)
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	slices.Sort(fields)
	return fields
}

// storedAccount reads an account as stored.
func (e *adminEnv) storedAccount(id string) directory.Account {
	e.t.Helper()
	a, err := e.store.Account(e.t.Context(), e.org.ID, id)
	must(e.t, err)
	return a
}
