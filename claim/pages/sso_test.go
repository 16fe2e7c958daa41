package pages_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestSSOClaim: an account in the organization's SSO domain claims
// through the IdP: the link sends the person there first, the claim goes
// on only as the invited account, and there is no password step.
func TestSSOClaim(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		x := e.withIdP()
		x.AddUser(t, "alice", "Alice@Example.com")
		x.AddUser(t, "mallory", "mallory@example.com")
		alice := e.user(person{userName: "alice", email: "alice@example.com", given: "Alice", family: "Smith", invited: true})

		// Someone else signs in at the IdP with Alice's link.
		m := e.browser()
		m.get(e.link(alice))
		m.submit("start", nil)
		m.postToACS(m.signInAtIdP(x, "mallory"))
		m.want(http.StatusForbidden, "/saml/acme/acs", "You signed in as mallory@example.com, but this invitation is for alice@example.com")
		if got := e.account(alice.ID); got.State != directory.StateInvited {
			t.Fatal("a mismatched sign-in changed the account")
		}

		b := e.browser()
		b.get(e.link(alice))
		b.want(http.StatusOK, "", "You will first sign in with your organization's account")
		if csp := b.page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+x.Server.URL+";") {
			t.Fatalf("the landing page's CSP does not let its form lead to the IdP: %s", csp)
		}
		b.submit("start", nil)
		pending := b.cookie(sessionCookie)
		if b.cookie("__Host-latchkey_sso") == "" {
			t.Fatal("no SSO binding cookie")
		}
		// Before passing the IdP, the steps are out of reach.
		if page := b.get("/claim/steps/profile"); !strings.HasPrefix(page.url, x.Server.URL) {
			t.Fatalf("a pending claim reached the steps: %s", page.url)
		}
		answer := b.signInAtIdP(x, "alice")

		// The answer works only in the browser that asked for it.
		other := e.browser()
		other.postToACS(answer)
		other.want(http.StatusBadRequest, "/saml/acme/acs", "Start the sign-in again")

		b.get(e.link(alice))
		b.submit("start", nil)
		b.postToACS(b.signInAtIdP(x, "alice"))
		b.want(http.StatusOK, "/claim/steps/profile", "Step 1 of 2")
		if b.cookie(sessionCookie) == pending {
			t.Fatal("the claim session kept its id across the sign-in")
		}
		if _, err := e.session(pending); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the pending claim session outlived the sign-in: %v", err)
		}
		b.submit("profile", url.Values{"action": {"skip"}})
		b.submit("picture", url.Values{"action": {"skip"}})
		b.want(http.StatusOK, "/claim/finish")
		if page := b.get("/claim/steps/password"); page.url != e.base+"/claim/finish" {
			t.Fatalf("an SSO claim reached the password step: %s", page.url)
		}
		b.submit("complete", nil)
		b.want(http.StatusOK, "/account/welcome", "You're all set", "Alice Smith")
		got := e.account(alice.ID)
		if got.State != directory.StateClaimed {
			t.Fatalf("state %s", got.State)
		}
		if _, err := e.store.PasswordHash(t.Context(), e.org.ID, alice.ID); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("an SSO account got a password: %v", err)
		}
		events, _ := e.store.ListAudit(t.Context(), e.org.ID, directory.AuditQuery{Action: "account.claim"})
		if len(events) != 1 || !strings.Contains(string(events[0].Details), `"sso"`) {
			t.Fatalf("claim audit = %+v", events)
		}

		// Later, Alice signs in: the password page sends her to the IdP.
		later := e.browser()
		later.get("/signin?org=acme")
		later.submit("signin", url.Values{"login": {"alice@example.com"}, "password": {"anything"}})
		later.postToACS(later.signInAtIdP(x, "alice"))
		later.want(http.StatusOK, "/account", "Alice Smith")
	})
}

// TestSSOSignInClaims: an invited SSO account that signs in at the IdP
// without its link claims the same way; someone the directory does not
// know, or does not invite yet, is told so.
func TestSSOSignInClaims(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		x := e.withIdP()
		x.AddUser(t, "carol", "carol@example.com")
		x.AddUser(t, "dave", "dave@example.com")
		x.AddUser(t, "erin", "erin@example.com")
		carol := e.user(person{userName: "carol", email: "carol@example.com", given: "Carol", family: "Jones",
			authMethod: "sso", invited: true})
		e.user(person{userName: "dave", email: "dave@example.com", given: "Dave", family: "Brown"})

		b := e.browser()
		b.get("/signin/sso?org=acme")
		b.postToACS(b.signInAtIdP(x, "carol"))
		b.want(http.StatusOK, "/claim/steps/profile")
		b.submit("profile", url.Values{"action": {"skip"}})
		b.submit("picture", url.Values{"action": {"skip"}})
		b.submit("complete", nil)
		b.want(http.StatusOK, "/account/welcome", "Carol Jones")
		if got := e.account(carol.ID); got.State != directory.StateClaimed {
			t.Fatalf("state %s", got.State)
		}

		d := e.browser()
		d.get("/saml/acme/login")
		d.postToACS(d.signInAtIdP(x, "dave"))
		d.want(http.StatusForbidden, "/saml/acme/acs", "You were not invited yet")

		u := e.browser()
		u.get("/signin/sso?org=acme")
		u.postToACS(u.signInAtIdP(x, "erin"))
		u.want(http.StatusForbidden, "/saml/acme/acs", "there is no account for you here")
	})
}

// TestSSOFailuresCounted: every single sign-on the ACS refuses is
// counted once, by the check the SAML answer failed or by why the person
// may not sign in; a sign-in that works counts nothing.
func TestSSOFailuresCounted(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		x := e.withIdP()
		x.AddUser(t, "carol", "carol@example.com")
		x.AddUser(t, "erin", "erin@example.com")
		e.user(person{userName: "carol", email: "carol@example.com", given: "Carol", family: "Jones", authMethod: "sso", invited: true})

		b := e.browser()
		b.get("/saml/acme/login")
		answer := b.signInAtIdP(x, "carol")
		tampered := form{action: answer.action, fields: url.Values{"SAMLResponse": {"bm90IFNBTUw="}, "RelayState": answer.fields["RelayState"]}}
		b.postToACS(tampered)
		b.want(http.StatusBadRequest, "/saml/acme/acs", "Single sign-on did not work")
		// Posted from another browser, the answer is refused there, and
		// spent: the browser that asked cannot use it after that.
		e.browser().postToACS(answer)
		b.postToACS(answer)
		b.want(http.StatusBadRequest, "/saml/acme/acs", "The answer was already used")
		b.get("/saml/acme/login")
		answer = b.signInAtIdP(x, "carol")
		b.postToACS(answer)
		b.want(http.StatusOK, "/claim/steps/profile")
		b.postToACS(answer)
		b.want(http.StatusBadRequest, "/saml/acme/acs", "The answer was already used")

		u := e.browser()
		u.get("/saml/acme/login")
		u.postToACS(u.signInAtIdP(x, "erin"))
		u.want(http.StatusForbidden, "/saml/acme/acs", "there is no account for you here")

		got := map[string]float64{}
		families, err := e.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() != "latchkey_signin_failures_total" {
				continue
			}
			for _, m := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				got[labels["area"]+" "+labels["reason"]] = m.GetCounter().GetValue()
			}
		}
		want := map[string]float64{"sso malformed": 1, "sso sso_restart": 1, "sso replay": 2, "sso no_account": 1}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("sign-in failures counted %v, want %v", got, want)
		}
	})
}
