package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestClaimGroupFlags(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, adm := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		token := e.token(adm)
		ids := map[string]string{}
		for _, name := range []string{"Sales Berlin", "Engineering", "Sales Paris"} {
			g := directory.Group{OrgID: e.org.ID, DisplayName: name}
			must(t, e.store.CreateGroup(t.Context(), &g))
			ids[name] = g.ID
		}
		flags := func() string {
			_, page := e.api(http.MethodGet, "/admin/v1/groups", token, nil)
			var out []string
			for _, it := range page["items"].([]any) {
				g := it.(map[string]any)
				out = append(out, fmt.Sprint(g["displayName"], ":", g["is_default"], "/", g["is_open"]))
			}
			return strings.Join(out, " ")
		}

		r := c.get("/admin/settings/groups?q=sales")
		if body := text(r.body); r.status != http.StatusOK || !strings.Contains(body, "Sales Berlin") || strings.Contains(body, "Engineering") {
			t.Fatalf("search: %d\n%s", r.status, body)
		}
		r = c.post("/admin/settings/groups/"+ids["Sales Paris"], url.Values{"is_default": {"false"}, "is_open": {"false"},
			"set_default": {"true"}, "back": {"q=sales"}})
		if r.status != http.StatusOK || !strings.Contains(r.url, "q=sales") || !strings.Contains(text(r.body), "“Sales Paris” is now offered to everyone claiming.") {
			t.Fatalf("make default: %d at %s\n%s", r.status, r.url, text(r.body))
		}
		r = c.post("/admin/settings/groups/"+ids["Sales Paris"], url.Values{"is_default": {"true"}, "is_open": {"false"}, "set_open": {"true"}})
		if r.status != http.StatusOK {
			t.Fatalf("open: %d", r.status)
		}
		if got, want := flags(), "Engineering:false/false Sales Berlin:false/false Sales Paris:true/true"; got != want {
			t.Fatalf("flags: %s, want %s", got, want)
		}
		r = c.post("/admin/settings/groups/"+ids["Sales Paris"], url.Values{"is_default": {"true"}, "is_open": {"true"}, "set_default": {"false"}})
		if got, want := flags(), "Engineering:false/false Sales Berlin:false/false Sales Paris:false/true"; got != want {
			t.Fatalf("flags: %s, want %s", got, want)
		}
		if !e.audited("group.flags") {
			t.Error("flag changes are not audited")
		}
	})
}

func TestClaimGroupsPages(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, _ := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		for i := range 55 {
			g := directory.Group{OrgID: e.org.ID, DisplayName: fmt.Sprintf("Team %02d", i)}
			must(t, e.store.CreateGroup(t.Context(), &g))
		}
		r := c.get("/admin/settings/groups")
		if !strings.Contains(r.body, "Team 49") || strings.Contains(r.body, "Team 50") {
			t.Fatalf("first page:\n%s", text(r.body))
		}
		i := strings.Index(r.body, `href="/admin/settings/groups?cursor=`)
		if i < 0 {
			t.Fatalf("no next page link:\n%s", r.body)
		}
		href := r.body[i+len(`href="`):]
		href = strings.ReplaceAll(href[:strings.Index(href, `"`)], "&amp;", "&")
		r = c.get(href)
		if body := text(r.body); !strings.Contains(body, "Team 54") || strings.Contains(body, "Team 49") || !strings.Contains(body, "First page") {
			t.Fatalf("second page (%s):\n%s", href, body)
		}
	})
}
