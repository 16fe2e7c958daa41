package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestSignIn(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.admin("ada@acme.example", directory.RoleSystemAdmin)
		c := e.client()

		// A page without a session goes to the sign-in page, and back after.
		r := c.get("/admin/audit?action=admin.*")
		if r.status != http.StatusOK || !strings.Contains(r.url, "/admin/signin") || !strings.Contains(text(r.body), "Sign in") {
			t.Fatalf("audit page signed out: %d at %s", r.status, r.url)
		}
		next, _ := url.Parse(r.url)
		for name, pw := range map[string]string{"ada@acme.example": "wrong password", "nobody@acme.example": testPassword} {
			r = c.post("/admin/signin", url.Values{"email": {name}, "password": {pw}, "next": {next.Query().Get("next")}})
			if r.status != http.StatusUnauthorized || !strings.Contains(text(r.body), "Wrong email or password.") {
				t.Fatalf("sign-in %s/%s: %d\n%s", name, pw, r.status, text(r.body))
			}
		}
		if !e.audited("admin.signin_failed") {
			t.Error("failed sign-ins are not audited")
		}
		r = c.post("/admin/signin", url.Values{"email": {"ADA@acme.example"}, "password": {testPassword}, "next": {next.Query().Get("next")}})
		if r.status != http.StatusOK || !strings.HasSuffix(r.url, "/admin/audit?action=admin.%2A") && !strings.HasSuffix(r.url, "/admin/audit?action=admin.*") {
			t.Fatalf("sign-in: %d at %s", r.status, r.url)
		}
		if !strings.Contains(r.body, "admin.signin") {
			t.Errorf("the audit page does not show the sign-in:\n%s", text(r.body))
		}
		for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
			if r.header.Get(h) == "" {
				t.Errorf("no %s header", h)
			}
		}

		// Sign-out ends the session: the same cookie no longer works.
		r = c.post("/admin/signout", nil)
		if !strings.Contains(r.url, "/admin/signin") {
			t.Fatalf("sign-out went to %s", r.url)
		}
		if r = c.get("/admin/account"); !strings.Contains(r.url, "/admin/signin") {
			t.Fatalf("after sign-out /admin/account is at %s", r.url)
		}
	})
}

func TestSignInRefusesOtherSitesAndOpenRedirects(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.admin("ada@acme.example", directory.RoleSystemAdmin)
		c := e.client()
		req, _ := http.NewRequest(http.MethodPost, e.base+"/admin/signin",
			strings.NewReader(url.Values{"email": {"ada@acme.example"}, "password": {testPassword}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := c.do(req); r.status != http.StatusForbidden {
			t.Fatalf("cross-site sign-in: %d", r.status)
		}
		for _, next := range []string{"https://evil.example/", "//evil.example/x", "/admin/v1/me", "/claim/x", `/\evil.example`} {
			r := c.post("/admin/signin", url.Values{"email": {"ada@acme.example"}, "password": {testPassword}, "next": {next}})
			if !strings.HasPrefix(r.url, e.base+"/admin/people") {
				t.Errorf("next=%s led to %s (%d)", next, r.url, r.status)
			}
		}
	})
}

func TestDisabledAdminLosesTheSession(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.admin("root@acme.example", directory.RoleSystemAdmin)
		c, bob := e.signedInAs("bob@acme.example", directory.RoleAccountManager)
		if r := c.get("/admin/account"); r.status != http.StatusOK || !strings.Contains(r.body, "bob@acme.example") {
			t.Fatalf("account page: %d", r.status)
		}
		must(t, e.store.DisableAdmin(t.Context(), e.org.ID, bob.ID, bob.CreatedAt))
		if r := c.get("/admin/account"); !strings.Contains(r.url, "/admin/signin") {
			t.Fatalf("a disabled admin still sees %s", r.url)
		}
		r := c.post("/admin/signin", url.Values{"email": {"bob@acme.example"}, "password": {testPassword}})
		if r.status != http.StatusUnauthorized {
			t.Fatalf("a disabled admin signs in: %d", r.status)
		}
	})
}

func TestChangePassword(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, _ := e.signedInAs("ada@acme.example", directory.RoleReader)
		other := e.client()
		other.signIn("ada@acme.example")

		r := c.post("/admin/account/password", url.Values{"current": {"nope"}, "password": {"a new long passphrase"}, "confirm": {"a new long passphrase"}})
		if r.status != http.StatusBadRequest || !strings.Contains(text(r.body), "That is not your current password.") {
			t.Fatalf("wrong current password: %d\n%s", r.status, text(r.body))
		}
		r = c.post("/admin/account/password", url.Values{"current": {testPassword}, "password": {"short"}, "confirm": {"short"}})
		if r.status != http.StatusBadRequest || !strings.Contains(text(r.body), "at least 8") {
			t.Fatalf("short password: %d\n%s", r.status, text(r.body))
		}
		r = c.post("/admin/account/password", url.Values{"current": {testPassword}, "password": {"a new long passphrase"}, "confirm": {"a new long passphrase"}})
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Your password is set.") {
			t.Fatalf("change: %d\n%s", r.status, text(r.body))
		}
		if r := other.get("/admin/account"); !strings.Contains(r.url, "/admin/signin") {
			t.Errorf("the other session survived the password change: %s", r.url)
		}
		if r := c.get("/admin/account"); r.status != http.StatusOK || strings.Contains(r.url, "/admin/signin") {
			t.Errorf("the changing session ended: %s", r.url)
		}
		if !e.audited("admin.password_set") {
			t.Error("the change is not audited")
		}
		fresh := e.client()
		if r := fresh.post("/admin/signin", url.Values{"email": {"ada@acme.example"}, "password": {"a new long passphrase"}}); !strings.Contains(r.url, "/admin/people") {
			t.Errorf("the new password does not sign in: %d %s", r.status, r.url)
		}
	})
}

func TestNavigationFollowsPermissions(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		reader, _ := e.signedInAs("reader@acme.example", directory.RoleReader)
		r := reader.get("/admin/account")
		nav := r.body[strings.Index(r.body, `<nav class="nav"`):strings.Index(r.body, "</nav>")]
		for _, hidden := range []string{"/admin/exports", "/admin/access", "/admin/audit"} {
			if strings.Contains(nav, hidden) {
				t.Errorf("a reader's navigation links %s", hidden)
			}
		}
		if r := reader.get("/admin/audit"); r.status != http.StatusForbidden {
			t.Errorf("a reader opens the audit log: %d", r.status)
		}
		root, _ := e.signedInAs("root@acme.example", directory.RoleSystemAdmin)
		r = root.get("/admin/account")
		nav = r.body[strings.Index(r.body, `<nav class="nav"`):strings.Index(r.body, "</nav>")]
		for _, shown := range []string{"/admin/people", "/admin/exports", "/admin/settings", "/admin/access", "/admin/audit"} {
			if !strings.Contains(nav, shown) {
				t.Errorf("a system admin's navigation lacks %s", shown)
			}
		}
	})
}
