package console_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestBrowserAdminJourney is the admin's day in Chromium, the issue's
// end-to-end flow: sign in; filter People to Invited in Sales; remind the
// selection in bulk; export the filter and fetch the CSV through the
// link in the email the real SMTP server received; change an invite
// rule after its dry run; create a SCIM token. Then every other page is
// opened once for its screenshot, and a reader (no "add and remove
// accounts") finds none of those actions.
func TestBrowserAdminJourney(t *testing.T) {
	eachBrowserBackend(t, func(t *testing.T, e *env, b *browser) {
		ada := e.admin("ada@acme.example", directory.RoleSystemAdmin)
		e.admin("rita@acme.example", directory.RoleReader)
		token := e.token(ada)
		sales := func(a *directory.Account) { a.Department = "Sales"; a.Title = "Account executive" }
		ann := e.person("ann", "ann@acme.example", sales)
		bob := e.person("bob", "bob@acme.example", sales)
		e.person("cy", "cy@acme.example", sales)
		dee := e.person("dee", "dee@acme.example", func(a *directory.Account) { a.Department = "Support" })
		e.person("eve", "", func(a *directory.Account) { a.Department = "Stores" })
		for _, a := range []directory.Account{ann, bob, dee} {
			if status, body := e.api(http.MethodPost, "/admin/v1/people/"+a.ID+"/invite", token, map[string]any{}); status != http.StatusOK {
				t.Fatalf("invite %s: %d %v", a.UserName, status, body)
			}
		}
		e.smtp.Wait(3) // the invitations
		if status, body := e.api(http.MethodPost, "/admin/v1/invite-rules", token,
			map[string]any{"name": "Sales team", "filter": `department eq "Sales"`, "action": "never"}); status != http.StatusCreated {
			t.Fatalf("invite rule: %d %v", status, body)
		}

		// Sign in.
		b.open("/admin/")
		b.want(http.StatusOK, "/admin/signin", "Sign in")
		b.fill("#email", "ada@acme.example")
		b.fill("#password", testPassword)
		b.click(`form[action="/admin/signin"] button[type=submit]`)
		b.want(http.StatusOK, "/admin/people", "People", "Awaiting invitation", "Invited")
		b.shot("people")

		// Filter to Invited in Sales.
		b.click(`nav[aria-label=Status] a[href*="status=invited"]`)
		b.want(http.StatusOK, "/admin/people", "ann", "bob", "dee")
		b.fill("#department", "Sales")
		b.submit("#department")
		b.want(http.StatusOK, "/admin/people", "ann", "bob", "Remind all (2)")
		if strings.Contains(b.text("table"), "dee") || strings.Contains(b.text("table"), "cy") {
			t.Fatalf("Invited in Sales lists others:\n%s", b.text("table"))
		}
		b.shot("people-invited-sales")
		filtered := b.location()

		// Bulk remind the selection.
		b.toggle(`input[data-select-all="id"]`)
		b.click(`#selection button[value=remind]`)
		b.want(http.StatusOK, "/admin/bulk/confirm", "Remind 2 people")
		b.shot("bulk-remind-confirm")
		b.click(`form[action="/admin/bulk"] button[type=submit]`)
		b.waitText("main", "Changed\n2")
		b.shot("bulk-remind-done")
		reminded := e.smtp.Wait(5)[3:]
		to := []string{reminded[0].To[0], reminded[1].To[0]}
		slices.Sort(to)
		if !slices.Equal(to, []string{"ann@acme.example", "bob@acme.example"}) {
			t.Errorf("reminders went to %v", to)
		}

		// Export the filter from the "..." menu; fetch the CSV through
		// the emailed link.
		b.open(filtered)
		b.toggle(`details.menu > summary`)
		b.shot("people-menu")
		b.click(`details.menu form[action="/admin/exports"] button`)
		b.waitText("main", "The file is ready: 2 people")
		b.shot("export-ready")
		mail := e.smtp.Wait(6)[5]
		if mail.To[0] != "ada@acme.example" {
			t.Fatalf("the export email went to %v", mail.To)
		}
		link := regexp.MustCompile(`https?://\S+/admin/v1/exports/\S+/download\?\S+`).FindString(mail.Text)
		if link == "" {
			t.Fatalf("no download link in the email:\n%s", mail.Text)
		}
		got := evalIn[string](b, fmt.Sprintf(`(() => { const x = new XMLHttpRequest(); x.open("GET", %q, false); x.send(); return x.status + "\n" + x.responseText; })()`, link))
		status, body, _ := strings.Cut(got, "\n")
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
		if status != "200" || err != nil || len(rows) != 3 {
			t.Fatalf("the emailed link: %s, %v, %d rows\n%s", status, err, len(rows), body)
		}
		var names []string
		for _, r := range rows[1:] {
			names = append(names, r[1])
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"ann", "bob"}) {
			t.Errorf("the CSV lists %v; want ann and bob", names)
		}

		// Change an invite rule, counting before saving.
		b.open("/admin/settings/rules")
		b.want(http.StatusOK, "/admin/settings/rules", "Sales team")
		b.shot("settings-rules")
		b.click(`a.button[href^="/admin/settings/rules/"]:not([href$="/new"])`)
		b.fill("#filter", `department eq "Support"`)
		b.choose("#action", "invite_now")
		b.click(`button[value=check]`)
		b.waitText("main", "matches 1")
		b.shot("settings-rule-checked")
		b.click(`button[value=save]`)
		b.want(http.StatusOK, "/admin/settings/rules", "Sales team")
		if _, rules := e.api(http.MethodGet, "/admin/v1/invite-rules", token, nil); !strings.Contains(fmt.Sprint(rules), `department eq "Support"`) {
			t.Errorf("the rule did not change: %v", rules)
		}

		// Create a SCIM token: shown once.
		b.open("/admin/access/scim-tokens")
		b.fill("#name", "Entra ID")
		b.click(`form[action="/admin/access/scim-tokens"] button[type=submit]`)
		b.waitText("#new-token", "lks_")
		b.shot("scim-token-created")
		b.open("/admin/access/scim-tokens")
		if b.has("#new-token") {
			t.Error("the SCIM token is shown again")
		}

		// Every other page, once, for its screenshot.
		for _, p := range []struct{ path, name, text string }{
			{"/admin/people/" + ann.ID, "person", "ann@acme.example"},
			{"/admin/people?status=not_invited", "people-awaiting", "Invite all (2)"},
			{"/admin/exports", "exports", "Imports/Exports"},
			{"/admin/settings", "settings-general", "General"},
			{"/admin/settings/rules/new", "settings-rule-new", "Check how many match"},
			{"/admin/settings/templates", "settings-templates", "Email templates"},
			{"/admin/settings/templates/invitation", "settings-template-invitation", "Send me a test email"},
			{"/admin/settings/terms", "settings-terms", "Terms of use"},
			{"/admin/settings/groups", "settings-groups", "Groups"},
			{"/admin/settings/sso", "settings-sso", "Single sign-on"},
			{"/admin/access/admins", "access-admins", "rita@acme.example"},
			{"/admin/access/roles", "access-roles", "account_manager"},
			{"/admin/access/tokens", "access-own-tokens", "token"},
			{"/admin/audit", "audit", "Audit log"},
			{"/admin/account", "account", "Your account"},
		} {
			b.open(p.path)
			b.want(http.StatusOK, withoutQuery(p.path), p.text)
			b.shot(p.name)
		}
		b.phone()
		b.open(filtered)
		if b.overflows() {
			t.Error("the People page is wider than a phone")
		}
		b.shot("people-phone")
		b.laptop()
		b.click(`form[action="/admin/signout"] button`)
		b.want(http.StatusOK, "/admin/signin", "Sign in")

		// A reader sees none of the actions, and cannot reach them.
		b.fill("#email", "rita@acme.example")
		b.fill("#password", testPassword)
		b.click(`form[action="/admin/signin"] button[type=submit]`)
		b.want(http.StatusOK, "/admin/people", "People")
		for _, sel := range []string{`input[name=id]`, `#selection`, `details.menu`, `a[href*="/admin/bulk/confirm"]`, `nav.nav a[href="/admin/exports"]`, `nav.nav a[href="/admin/access"]`} {
			if b.has(sel) {
				t.Errorf("a reader's People page has %s", sel)
			}
		}
		b.shot("reader-people")
		b.open("/admin/people/" + ann.ID)
		b.want(http.StatusOK, "/admin/people/"+ann.ID, "ann@acme.example")
		if b.has(`form[action^="/admin/people/` + ann.ID + `/"]`) {
			t.Error("a reader's person page has action forms")
		}
		b.open("/admin/exports")
		b.want(http.StatusForbidden, "/admin/exports", "Not allowed")
		b.shot("reader-exports-forbidden")
		b.open("/admin/bulk/confirm?action=remind&status=invited")
		b.want(http.StatusForbidden, "/admin/bulk/confirm", "Not allowed")
	})
}
