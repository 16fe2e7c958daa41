package pages_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/internal/testidp"
)

// testIdP is a real SAML identity provider (internal/testidp) with
// people who sign in there.
type testIdP = testidp.IdP

const idpPassword = testidp.Password

func newTestIdP(t *testing.T) *testIdP { return testidp.New(t) }

// withIdP sets single sign-on up for the organization, as an admin
// does: Latchkey's metadata (from its own URL) registered at the IdP, the
// IdP's metadata pasted into Latchkey, example.com required to use it.
func (e *env) withIdP() *testIdP {
	e.t.Helper()
	x := newTestIdP(e.t)
	b := e.browser()
	md := b.get("/saml/acme/metadata")
	if md.status != http.StatusOK || !strings.Contains(md.body, "EntityDescriptor") {
		e.t.Fatalf("SP metadata: %d %s", md.status, md.body)
	}
	x.RegisterSP(e.t, "latchkey", md.body)
	idpMD := b.get(x.Server.URL + "/metadata")
	settings := directory.SAMLSettings{OrgID: e.org.ID, MetadataXML: idpMD.body, EmailDomains: []string{"example.com"}}
	if _, err := e.sp.SaveSettings(e.t.Context(), &settings); err != nil {
		e.t.Fatalf("SaveSettings: %v", err)
	}
	return x
}

// anyForm is the first form of a page (the IdP's have no ids).
func anyForm(t testing.TB, page string) form {
	t.Helper()
	m := formPattern.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in\n%s", page)
	}
	f := form{action: attrs(m[1])["action"], fields: url.Values{}}
	for _, in := range inputPattern.FindAllStringSubmatch(m[2], -1) {
		if ia := attrs(in[1]); ia["name"] != "" {
			f.fields.Set(ia["name"], ia["value"])
		}
	}
	return f
}

// signInAtIdP is the person at the IdP's page: it signs in there (when
// the IdP asks) and returns the IdP's answer, the form its page would
// post to our ACS, not posted yet.
func (b *browser) signInAtIdP(x *testIdP, user string) form {
	b.e.t.Helper()
	if !strings.HasPrefix(b.page.url, x.Server.URL) {
		b.e.t.Fatalf("not at the IdP but at %s:\n%s", b.page.url, b.page.body)
	}
	if strings.Contains(b.page.body, `name="password"`) {
		login := anyForm(b.e.t, b.page.body)
		login.fields.Set("user", user)
		login.fields.Set("password", idpPassword)
		if !strings.HasPrefix(login.action, "http") {
			login.action = x.Server.URL + login.action
		}
		b.post(login.action, login.fields)
	}
	answer := anyForm(b.e.t, b.page.body)
	if answer.fields.Get("SAMLResponse") == "" {
		b.e.t.Fatalf("the IdP answered without SAMLResponse:\n%s", b.page.body)
	}
	return answer
}

// postToACS posts the IdP's answer as the browser does: cross-site.
func (b *browser) postToACS(answer form) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, answer.action, strings.NewReader(answer.fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "null")
	return b.do(req)
}
