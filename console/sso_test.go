package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/internal/testidp"
)

// withIdP sets single sign-on up for the organization as an admin does:
// Latchkey's metadata registered at a real SAML IdP, the IdP's metadata
// saved in Latchkey.
func (e *env) withIdP() *testidp.IdP {
	e.t.Helper()
	x := testidp.New(e.t)
	md := e.client().get("/saml/acme/metadata")
	if md.status != http.StatusOK || !strings.Contains(md.body, "EntityDescriptor") {
		e.t.Fatalf("SP metadata: %d %s", md.status, md.body)
	}
	x.RegisterSP(e.t, "latchkey", md.body)
	settings := directory.SAMLSettings{OrgID: e.org.ID, MetadataXML: x.Metadata(e.t)}
	if _, err := e.sp.SaveSettings(e.t.Context(), &settings); err != nil {
		e.t.Fatalf("SaveSettings: %v", err)
	}
	return x
}

var (
	formPattern  = regexp.MustCompile(`(?s)<form ([^>]*)>(.*?)</form>`)
	attrPattern  = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
	inputPattern = regexp.MustCompile(`<input ([^>]*)>`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrPattern.FindAllStringSubmatch(s, -1) {
		m[a[1]] = html.UnescapeString(a[2])
	}
	return m
}

// firstForm is the action and fields of a page's first form (the IdP's
// have no ids).
func firstForm(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	m := formPattern.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in\n%s", page)
	}
	fields := url.Values{}
	for _, in := range inputPattern.FindAllStringSubmatch(m[2], -1) {
		if a := attrs(in[1]); a["name"] != "" {
			fields.Set(a["name"], a["value"])
		}
	}
	return attrs(m[1])["action"], fields
}

// ssoSignIn follows "Sign in with single sign-on" as user at the IdP and
// posts the IdP's answer to the ACS cross-site, as a browser does.
func (c *client) ssoSignIn(x *testidp.IdP, user string) response {
	c.e.t.Helper()
	t := c.e.t
	signin := c.get("/admin/signin")
	link := regexp.MustCompile(`href="([^"]*signin/sso[^"]*)"`).FindStringSubmatch(signin.body)
	if link == nil {
		t.Fatalf("the sign-in page offers no single sign-on:\n%s", text(signin.body))
	}
	r := c.get(html.UnescapeString(link[1]))
	if !strings.HasPrefix(r.url, x.URL()) {
		t.Fatalf("SSO did not lead to the IdP but to %s (%d)\n%s", r.url, r.status, text(r.body))
	}
	action, fields := firstForm(t, r.body)
	if fields.Has("password") || strings.Contains(r.body, `name="password"`) {
		fields.Set("user", user)
		fields.Set("password", testidp.Password)
		if !strings.HasPrefix(action, "http") {
			action = x.URL() + action
		}
		req, _ := http.NewRequest(http.MethodPost, action, strings.NewReader(fields.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r = c.do(req)
		action, fields = firstForm(t, r.body)
	}
	if fields.Get("SAMLResponse") == "" {
		t.Fatalf("the IdP answered without SAMLResponse:\n%s", r.body)
	}
	req, _ := http.NewRequest(http.MethodPost, action, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "null")
	return c.do(req)
}

func TestSSOSignIn(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		x := e.withIdP()
		ada := directory.Admin{OrgID: e.org.ID, Email: "ada@acme.example", Role: directory.RoleAccountManager}
		must(t, e.store.CreateAdmin(t.Context(), &ada))
		x.AddUser(t, "ada", "ada@acme.example")
		x.AddUser(t, "mallory", "mallory@acme.example")

		c := e.client()
		r := c.ssoSignIn(x, "ada")
		if !strings.Contains(r.url, "/admin/people") {
			t.Fatalf("SSO sign-in of an admin ended at %s (%d)\n%s", r.url, r.status, text(r.body))
		}
		if r := c.get("/admin/account"); r.status != http.StatusOK || !strings.Contains(text(r.body), "Signed in with single sign-on") {
			t.Fatalf("account page after SSO: %d\n%s", r.status, text(r.body))
		}
		if !e.audited("admin.signin") {
			t.Error("the SSO sign-in is not audited")
		}

		// Someone the IdP knows but who is no admin gets no session.
		m := e.client()
		r = m.ssoSignIn(x, "mallory")
		if r.status != http.StatusForbidden || !strings.Contains(text(r.body), "not an active admin") {
			t.Fatalf("SSO sign-in of a non-admin: %d at %s\n%s", r.status, r.url, text(r.body))
		}
		if r := m.get("/admin/account"); !strings.Contains(r.url, "/admin/signin") {
			t.Fatalf("a non-admin reached %s", r.url)
		}
	})
}
