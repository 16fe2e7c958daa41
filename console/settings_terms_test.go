package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestTermsOfUse(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, adm := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		token := e.token(adm)

		r := c.post("/admin/settings/terms", url.Values{"text": {"   "}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `class="field-error"`) || !strings.Contains(text(r.body), "Nothing was published") {
			t.Fatalf("empty terms: %d\n%s", r.status, text(r.body))
		}
		if status, _ := e.api(http.MethodGet, "/admin/v1/terms", token, nil); status != http.StatusNotFound {
			t.Fatalf("empty terms were published: %d", status)
		}
		for i, body := range []string{"Be kind.", "Be kind & careful <always>."} {
			r = c.post("/admin/settings/terms", url.Values{"text": {body}})
			if want := "Published version " + string(rune('1'+i)) + " of the terms of use."; r.status != http.StatusOK || !strings.Contains(text(r.body), want) {
				t.Fatalf("publish %d: %d\n%s", i+1, r.status, text(r.body))
			}
		}
		_, cur := e.api(http.MethodGet, "/admin/v1/terms", token, nil)
		if cur["version"] != float64(2) || cur["text"] != "Be kind & careful <always>." {
			t.Fatalf("current terms: %v", cur)
		}
		body := text(r.body)
		if !strings.Contains(body, "Version 2") || !strings.Contains(body, "Be kind & careful <always>.") || !strings.Contains(body, "Publish version 3") {
			t.Fatalf("page:\n%s", body)
		}
		if !strings.Contains(body, "History") || !strings.Contains(body, "ada@acme.example") || strings.Count(r.body, "<td>1</td>")+strings.Count(r.body, "<td>2</td>") != 2 {
			t.Fatalf("history:\n%s", body)
		}
	})
}
