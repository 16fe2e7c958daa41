package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// seedPeople stores 60 people awaiting an invitation (u000..u059, Sales
// for even numbers, Support for odd), 3 invited, 2 claimed and 1
// deactivated.
func seedPeople(e *env) {
	e.t.Helper()
	for i := range 60 {
		dept := "Sales"
		if i%2 == 1 {
			dept = "Support"
		}
		e.person(fmt.Sprintf("u%03d", i), fmt.Sprintf("u%03d@acme.example", i), func(a *directory.Account) {
			a.Department, a.Title = dept, "Agent"
		})
	}
	now := time.Now().UTC()
	for i := range 3 {
		e.person(fmt.Sprintf("inv%d", i), fmt.Sprintf("inv%d@acme.example", i), func(a *directory.Account) {
			a.State, a.InvitedAt = directory.StateInvited, &now
		})
	}
	for i := range 2 {
		e.person(fmt.Sprintf("cl%d", i), fmt.Sprintf("cl%d@acme.example", i), func(a *directory.Account) {
			a.State, a.InvitedAt, a.ClaimedAt = directory.StateClaimed, &now, &now
		})
	}
	e.person("gone", "gone@acme.example", func(a *directory.Account) { a.Active = false })
}

func rows(body string) int { return strings.Count(body, `name="id"`) }

// href finds the first link whose text contains label.
func href(t *testing.T, body, label string) string {
	t.Helper()
	i := strings.Index(body, label)
	if i < 0 {
		t.Fatalf("no %q on the page:\n%s", label, text(body))
	}
	j := strings.LastIndex(body[:i], `href="`)
	if j < 0 {
		t.Fatalf("no link before %q", label)
	}
	rest := body[j+len(`href="`):]
	return strings.ReplaceAll(rest[:strings.Index(rest, `"`)], "&amp;", "&")
}

func TestPeopleList(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		seedPeople(e)
		c, _ := e.signedInAs("ada@acme.example", directory.RoleAccountManager)

		// Tabs and their counts.
		r := c.get("/admin/people?status=not_invited")
		if r.status != http.StatusOK {
			t.Fatalf("people: %d\n%s", r.status, text(r.body))
		}
		for _, want := range []string{"Awaiting invitation 60", "Invited 3", "Claimed 2", "Deactivated 1", "All 66",
			"Invite all (60)", "Export employee information of 60 people"} {
			if !strings.Contains(text(r.body), want) {
				t.Errorf("people page lacks %q:\n%s", want, text(r.body))
			}
		}

		// Two pages: 50, then 10, with a way back to the first.
		if n := rows(r.body); n != 50 {
			t.Fatalf("first page has %d rows", n)
		}
		if strings.Contains(text(r.body), "First page") {
			t.Error("the first page offers itself")
		}
		next := href(t, r.body, "Next page")
		if !strings.Contains(next, "cursor=") || strings.Contains(next, "offset") {
			t.Fatalf("next page link %s", next)
		}
		r = c.get(next)
		if r.status != http.StatusOK || rows(r.body) != 10 || strings.Contains(text(r.body), "Next page") ||
			!strings.Contains(text(r.body), "First page") || !strings.Contains(r.body, "u059") || strings.Contains(r.body, ">u000<") {
			t.Fatalf("second page: %d, %d rows\n%s", r.status, rows(r.body), text(r.body))
		}

		// Search and a filter narrow the list and the counts.
		r = c.get("/admin/people?status=not_invited&q=u05")
		if rows(r.body) != 10 || !strings.Contains(text(r.body), "Awaiting invitation 10") {
			t.Fatalf("search: %d rows\n%s", rows(r.body), text(r.body))
		}
		r = c.get("/admin/people?status=not_invited&department=sales")
		if rows(r.body) != 30 || !strings.Contains(text(r.body), "Awaiting invitation 30") || !strings.Contains(text(r.body), "All 30") ||
			!strings.Contains(text(r.body), "Invite all (30)") {
			t.Fatalf("department filter: %d rows\n%s", rows(r.body), text(r.body))
		}
		// The tabs keep the filters.
		if tab := href(t, r.body, "Claimed"); !strings.Contains(tab, "department=sales") || !strings.Contains(tab, "status=claimed") {
			t.Errorf("claimed tab link %s", tab)
		}

		// Sorting: by userName descending, and the header toggles back.
		r = c.get("/admin/people?status=not_invited&sort=-userName")
		if i, j := strings.Index(r.body, ">u059<"), strings.Index(r.body, ">u058<"); i < 0 || j < 0 || i > j {
			t.Fatalf("sort=-userName: u059 at %d, u058 at %d", i, j)
		}
		if !strings.Contains(r.body, `aria-sort="descending"`) {
			t.Error("no aria-sort on the sorted column")
		}
		if toggle := href(t, r.body, "Username"); !strings.Contains(toggle, "sort=userName") {
			t.Errorf("the sorted header leads to %s", toggle)
		}

		// A filter the API refuses is a notice, not an error page.
		r = c.get("/admin/people?created_after=yesterday")
		if r.status != http.StatusBadRequest || !strings.Contains(text(r.body), "created_after") || !strings.Contains(r.body, `class="alert"`) {
			t.Fatalf("bad date: %d\n%s", r.status, text(r.body))
		}

		// Empty tabs say so.
		r = c.get("/admin/people?status=deactivated&department=Nowhere")
		if !strings.Contains(text(r.body), "Nobody here matches these filters") {
			t.Errorf("empty filtered tab:\n%s", text(r.body))
		}
		r = c.get("/admin/people?status=invited")
		if !strings.Contains(text(r.body), "Remind all (3)") || strings.Contains(text(r.body), "Invite all") {
			t.Errorf("invited tab:\n%s", text(r.body))
		}
	})
}

func TestPeopleEmptyStates(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, _ := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		for status, want := range map[string]string{
			"not_invited": "Nobody is awaiting an invitation.",
			"deactivated": "Nobody is deactivated.",
			"all":         "No people yet.",
		} {
			r := c.get("/admin/people?status=" + status)
			if r.status != http.StatusOK || !strings.Contains(text(r.body), want) || strings.Contains(text(r.body), "Invite all") {
				t.Errorf("%s: %d\n%s", status, r.status, text(r.body))
			}
		}
	})
}

func TestPersonPageAndActions(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, _ := e.signedInAs("root@acme.example", directory.RoleSystemAdmin)
		boss := e.person("boss", "boss@acme.example", nil)
		p := e.person("grace", "grace@acme.example", func(a *directory.Account) {
			a.Department, a.Title, a.EmployeeNumber, a.ManagerID = "Research", "Engineer", "E-42", boss.ID
		})
		page := "/admin/people/" + p.ID

		r := c.get(page)
		for _, want := range []string{"grace", "Research", "Engineer", "E-42", "boss", "Awaiting invitation", "Invite grace",
			"Issue an access code", "Deactivate", "Delete", "No invitation email has been sent"} {
			if !strings.Contains(text(r.body), want) {
				t.Errorf("person page lacks %q:\n%s", want, text(r.body))
			}
		}
		if strings.Contains(text(r.body), "Send a reminder") || strings.Contains(text(r.body), "Get claim link") {
			t.Errorf("person page offers actions that do not apply:\n%s", text(r.body))
		}

		// An action that does not apply: the API's 409 is a notice on the page.
		r = c.post(page+"/remind", nil)
		if r.status != http.StatusConflict || !strings.Contains(text(r.body), "not invited yet") || strings.Contains(r.body, "POST /people") {
			t.Fatalf("remind a person not invited: %d\n%s", r.status, text(r.body))
		}

		// Invite, with a note.
		r = c.post(page+"/invite", url.Values{"note": {"Welcome aboard"}})
		if r.status != http.StatusOK || !strings.HasSuffix(r.url, page) || !strings.Contains(text(r.body), "Invited grace") {
			t.Fatalf("invite: %d at %s\n%s", r.status, r.url, text(r.body))
		}
		if a := e.account(p.ID); a.State != directory.StateInvited {
			t.Fatalf("after invite: %s", a.State)
		}
		if msgs := e.smtp.Wait(1); !strings.Contains(msgs[0].Text, "Welcome aboard") {
			t.Errorf("the invitation lacks the note")
		}
		e.waitFor("the delivery on the page", func() bool {
			return strings.Contains(text(c.get(page).body), "Invitation (invitation #")
		})

		// The claim link is only read on the button, audited, and shown.
		r = c.get(page)
		if !strings.Contains(text(r.body), "Get claim link") || strings.Contains(r.body, "/claim/") {
			t.Fatalf("invited person's page:\n%s", text(r.body))
		}
		if e.audited("claim_secret.read") {
			t.Fatal("loading the page read the claim secret")
		}
		r = c.post(page+"/claim", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `class="secret"`) || !strings.Contains(r.body, "data-copy=") ||
			!strings.Contains(text(r.body), "Claim link") || strings.Contains(r.url, "claim_link") {
			t.Fatalf("claim link: %d\n%s", r.status, text(r.body))
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Error("the claim link page may be cached")
		}
		if !e.audited("claim_secret.read") {
			t.Error("reading the claim link is not audited")
		}

		// An access code, shown once.
		r = c.post(page+"/access-code", nil)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "New access code") {
			t.Fatalf("access code: %d\n%s", r.status, text(r.body))
		}
		r = c.post(page+"/cancel-code", nil)
		if !strings.Contains(text(r.body), "Cancelled the access code") || strings.Contains(text(r.body), "Cancel access code") {
			t.Fatalf("cancel code:\n%s", text(r.body))
		}

		// Deactivate and reactivate.
		r = c.post(page+"/deactivate", nil)
		if !strings.Contains(text(r.body), "Deactivated grace") || e.account(p.ID).Active {
			t.Fatalf("deactivate:\n%s", text(r.body))
		}
		if !strings.Contains(text(r.body), "Reactivate") || strings.Contains(r.body, "/invite\"") {
			t.Errorf("deactivated person's actions:\n%s", text(r.body))
		}
		r = c.post(page+"/reactivate", nil)
		if !strings.Contains(text(r.body), "Reactivated grace") || !e.account(p.ID).Active {
			t.Fatalf("reactivate:\n%s", text(r.body))
		}
		if r = c.get(page); !strings.Contains(text(r.body), "account.deactivate") && !strings.Contains(r.body, "deactivat") {
			t.Errorf("no history:\n%s", text(r.body))
		}
		if !strings.Contains(r.body, "/admin/audit?target_id="+p.ID+"&amp;target_type=user") {
			t.Error("no link to the person's audit log")
		}

		// Delete someone who never claimed: back to the list.
		r = c.post(page+"/delete", nil)
		if r.status != http.StatusOK || !strings.HasSuffix(r.url, "/admin/people") || !strings.Contains(text(r.body), "Deleted") {
			t.Fatalf("delete: %d at %s\n%s", r.status, r.url, text(r.body))
		}
		if r = c.get(page); r.status != http.StatusNotFound {
			t.Errorf("deleted person's page: %d", r.status)
		}
	})
}

func TestBulkActions(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, adm := e.signedInAs("root@acme.example", directory.RoleAccountManager)
		token := e.token(adm)
		var invited []directory.Account
		for i := range 3 {
			p := e.person(fmt.Sprintf("inv%d", i), fmt.Sprintf("inv%d@acme.example", i), nil)
			if status, body := e.api(http.MethodPost, "/admin/v1/people/"+p.ID+"/invite", token, nil); status != http.StatusOK {
				t.Fatalf("invite %s: %d %v", p.UserName, status, body)
			}
			invited = append(invited, p)
		}
		for i := range 3 {
			e.person(fmt.Sprintf("sales%d", i), fmt.Sprintf("sales%d@acme.example", i), func(a *directory.Account) { a.Department = "Sales" })
		}
		e.person("support0", "support0@acme.example", func(a *directory.Account) { a.Department = "Support" })
		e.smtp.Wait(3)

		// Remind two of the invited through the selection.
		r := c.get("/admin/people?status=invited")
		if !strings.Contains(r.body, `data-select-all="id"`) || !strings.Contains(text(r.body), "With the selected people") {
			t.Fatalf("no selection bar:\n%s", text(r.body))
		}
		back := "/admin/people?status=invited"
		r = c.post("/admin/bulk/confirm", url.Values{"action": {"remind"}, "id": {invited[0].ID, invited[1].ID}, "back": {back}})
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Remind 2 people?") {
			t.Fatalf("confirmation: %d\n%s", r.status, text(r.body))
		}
		r = c.post("/admin/bulk", url.Values{"action": {"remind"}, "id": {invited[0].ID, invited[1].ID}, "back": {back}})
		if r.status != http.StatusOK || !strings.Contains(r.url, "/admin/bulk/") {
			t.Fatalf("start: %d at %s\n%s", r.status, r.url, text(r.body))
		}
		progress := r.url
		e.waitFor("the bulk remind", func() bool { return strings.Contains(c.get(progress).body, "badge succeeded") })
		r = c.get(progress)
		if !strings.Contains(text(r.body), "Reminded 2 people") || !strings.Contains(text(r.body), "2 of 2") ||
			!strings.Contains(text(r.body), "Changed 2") || strings.Contains(r.body, "data-live") {
			t.Fatalf("progress page:\n%s", text(r.body))
		}
		msgs := e.smtp.Wait(5)
		to := map[string]bool{}
		for _, m := range msgs[3:] {
			to[strings.Join(m.To, ",")] = true
		}
		if !to["inv0@acme.example"] || !to["inv1@acme.example"] {
			t.Errorf("reminders went to %v", to)
		}

		// Nothing selected: back to the list, which says what to do.
		r = c.post("/admin/bulk/confirm", url.Values{"action": {"remind"}, "back": {back}})
		if !strings.Contains(r.url, back) || !strings.Contains(text(r.body), "Select people first") {
			t.Errorf("empty selection: %s\n%s", r.url, text(r.body))
		}

		// Invite all (N) of a filter: the confirmation states N.
		r = c.get("/admin/people?status=not_invited&department=Sales")
		all := href(t, r.body, "Invite all (3)")
		r = c.get(all)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Invite all 3 people awaiting an invitation matching department “Sales”?") {
			t.Fatalf("invite all confirmation: %d\n%s", r.status, text(r.body))
		}
		r = c.post("/admin/bulk", url.Values{"action": {"invite"}, "all": {"true"}, "department": {"Sales"}})
		if !strings.Contains(r.url, "/admin/bulk/") {
			t.Fatalf("invite all: %d at %s\n%s", r.status, r.url, text(r.body))
		}
		progress = r.url
		e.waitFor("invite all", func() bool { return strings.Contains(c.get(progress).body, "badge succeeded") })
		r = c.get("/admin/people?status=not_invited")
		if !strings.Contains(text(r.body), "Awaiting invitation 1") || !strings.Contains(r.body, "support0") {
			t.Errorf("after invite all:\n%s", text(r.body))
		}
	})
}

func TestPeopleReaderCannotAct(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		p := e.person("grace", "grace@acme.example", nil)
		e.admin("root@acme.example", directory.RoleSystemAdmin)
		c, _ := e.signedInAs("reader@acme.example", directory.RoleReader)

		r := c.get("/admin/people?status=not_invited")
		if r.status != http.StatusOK || !strings.Contains(r.body, "grace") {
			t.Fatalf("reader's people page: %d\n%s", r.status, text(r.body))
		}
		for _, no := range []string{`name="id"`, "With the selected people", "Invite all", "Export employee information"} {
			if strings.Contains(r.body, no) {
				t.Errorf("a reader sees %q", no)
			}
		}
		r = c.get("/admin/people/" + p.ID)
		if r.status != http.StatusOK || strings.Contains(r.body, `/invite"`) || strings.Contains(r.body, `/deactivate"`) {
			t.Fatalf("reader's person page: %d\n%s", r.status, text(r.body))
		}
		for path, form := range map[string]url.Values{
			"/admin/people/" + p.ID + "/invite":     nil,
			"/admin/people/" + p.ID + "/deactivate": nil,
			"/admin/people/" + p.ID + "/claim":      nil,
			"/admin/bulk/confirm":                   {"action": {"invite"}, "id": {p.ID}},
			"/admin/bulk":                           {"action": {"invite"}, "id": {p.ID}},
		} {
			if r := c.post(path, form); r.status != http.StatusForbidden || !strings.Contains(text(r.body), "Not allowed") {
				t.Errorf("reader POST %s: %d\n%s", path, r.status, text(r.body))
			}
		}
		if r := c.get("/admin/bulk/confirm?action=invite"); r.status != http.StatusForbidden {
			t.Errorf("reader's invite all confirmation: %d", r.status)
		}
		if a := e.account(p.ID); a.State != directory.StateNotInvited || !a.Active {
			t.Errorf("a reader changed the person: %s active=%v", a.State, a.Active)
		}
		if e.audited("claim_secret.read") {
			t.Error("a reader read a claim link")
		}
	})
}
