package console_test

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/console"
	"github.com/latchkeyhq/latchkey/directory"
)

// TestPeopleCountsLater: counts that miss the page's budget are left out
// of the page (the list is still there), fetched as JSON by console.js,
// or shown by the "Show counts" link without JavaScript.
func TestPeopleCountsLater(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnvWith(t, b, true, func(o *console.Options) { o.CountsBudget = -1 })
			c, _ := e.signedInAs("ada@acme.example", directory.RoleAccountManager)
			sales := func(a *directory.Account) { a.Department = "Sales" }
			e.person("ann", "ann@acme.example", sales)
			e.person("bob", "bob@acme.example", sales)
			e.person("cy", "cy@acme.example", nil)

			r := c.get("/admin/people?status=not_invited&department=Sales")
			if r.status != http.StatusOK || !strings.Contains(r.body, ">ann<") || !strings.Contains(r.body, ">bob<") {
				t.Fatalf("the list without counts: %d\n%s", r.status, text(r.body))
			}
			m := regexp.MustCompile(`data-counts-url="([^"]+)"`).FindStringSubmatch(r.body)
			if m == nil || !strings.Contains(r.body, `Invite all (<span data-count-for="not_invited">…</span>)`) {
				t.Fatalf("no place for the counts:\n%s", r.body)
			}
			j := c.get(html.UnescapeString(m[1]))
			var counts map[string]string
			if err := json.Unmarshal([]byte(j.body), &counts); err != nil || j.status != http.StatusOK {
				t.Fatalf("counts: %d %v %s", j.status, err, j.body)
			}
			want := map[string]string{"not_invited": "2", "invited": "0", "claimed": "0", "deactivated": "0", "all": "2"}
			for k, v := range want {
				if counts[k] != v {
					t.Errorf("counts[%s] = %q; want %q (%v)", k, counts[k], v, counts)
				}
			}
			wait := regexp.MustCompile(`href="([^"]*counts=wait[^"]*)"`).FindStringSubmatch(r.body)
			if wait == nil {
				t.Fatalf("no Show counts link:\n%s", r.body)
			}
			r = c.get(html.UnescapeString(wait[1]))
			if r.status != http.StatusOK || !strings.Contains(text(r.body), "Invite all (2)") || strings.Contains(r.body, "data-counts-url") {
				t.Fatalf("Show counts: %d\n%s", r.status, text(r.body))
			}
			if j := c.get("/admin/people/counts?created_after=soon"); j.status != http.StatusBadRequest {
				t.Errorf("counts of a bad filter: %d %s", j.status, j.body)
			}
		})
	}
}

// TestBrowserPeopleCountsLater: console.js fills in the counts the page
// came without, and hides the "Show counts" link.
func TestBrowserPeopleCountsLater(t *testing.T) {
	eachBrowserBackendWith(t, func(o *console.Options) { o.CountsBudget = -1 }, func(t *testing.T, e *env, b *browser) {
		e.admin("ada@acme.example", directory.RoleAccountManager)
		sales := func(a *directory.Account) { a.Department = "Sales" }
		e.person("ann", "ann@acme.example", sales)
		e.person("bob", "bob@acme.example", sales)
		b.open("/admin/signin")
		b.fill("#email", "ada@acme.example")
		b.fill("#password", testPassword)
		b.click(`form[action="/admin/signin"] button[type=submit]`)
		b.want(http.StatusOK, "/admin/people", "People")
		// Filters of its own: the landing page's counts are remembered.
		b.open("/admin/people?status=not_invited&department=Sales")
		b.waitText(`a.button.primary[href*="/admin/bulk/confirm"] [data-count-for="not_invited"]`, "2")
		b.waitText(`[data-count-for="all"]`, "2")
		if evalIn[bool](b, `!document.querySelector("[data-hide-with-script]").hidden`) {
			t.Error("the Show counts link is still shown")
		}
		b.shot("people-counts-filled")
	})
}
