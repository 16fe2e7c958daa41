package pages_test

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
)

// claimed provisions, invites and claims an account with password pw
// (as a finished claim leaves it).
func (e *env) claimed(p person, pw string) directory.Account {
	e.t.Helper()
	p.invited = true
	a := e.user(p)
	hash, err := password.Hash(pw)
	if err != nil {
		e.t.Fatal(err)
	}
	err = e.store.InTx(e.t.Context(), func(tx directory.Store) error {
		acc, err := tx.AccountForUpdate(e.t.Context(), a.OrgID, a.ID)
		if err != nil {
			return err
		}
		if err := tx.SetPassword(e.t.Context(), a.OrgID, a.ID, hash, time.Now()); err != nil {
			return err
		}
		return e.inviter.Complete(e.t.Context(), tx, directory.Actor{Type: directory.ActorSystem}, &acc, claim.MethodLink)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.account(a.ID)
}

// TestPasswordSignIn: right and wrong passwords, unknown names that get
// the same answer, the attempt limit, and a new session id at sign-in.
func TestPasswordSignIn(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const pw = "violet tractor anthem"
		ada := e.claimed(person{userName: "ada", email: "ada@acme.example", given: "Ada", family: "Lovelace"}, pw)
		e.user(person{userName: "invited.only", email: "inv@acme.example", given: "In", family: "Vited", invited: true})

		b := e.browser()
		b.get("/signin") // the only organization needs no ?org=
		b.want(http.StatusOK, "/signin", "Sign in", "Acme")
		var wrong string
		for _, tc := range []struct{ login, password string }{
			{"ada", "wrong password"},
			{"nobody", pw},
			{"invited.only", pw},
			{"", ""},
		} {
			b.get("/signin?org=acme")
			b.submit("signin", url.Values{"login": {tc.login}, "password": {tc.password}})
			b.want(http.StatusUnauthorized, "/signin", "Wrong username or password.")
			page := loginValue.ReplaceAllString(b.page.body, "")
			if wrong == "" {
				wrong = page
			} else if page != wrong {
				t.Fatalf("the answer for %q differs from the others", tc.login)
			}
		}
		if b.cookie(sessionCookie) != "" {
			t.Fatal("a failed sign-in set a session")
		}

		b.get("/signin?org=acme")
		b.submit("signin", url.Values{"login": {"ADA@acme.example"}, "password": {pw}})
		b.want(http.StatusOK, "/account", "Signed in as", "Ada Lovelace")
		first := b.cookie(sessionCookie)
		b.get("/signin?org=acme")
		b.submit("signin", url.Values{"login": {"ada"}, "password": {pw}})
		b.want(http.StatusOK, "/account")
		if second := b.cookie(sessionCookie); second == first {
			t.Fatal("signing in again kept the session id")
		}
		if _, err := e.session(first); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the replaced session lives on: %v", err)
		}
		if !e.audited("session.sign_in") {
			t.Error("no session.sign_in audit")
		}
		_ = ada
	})
}

// TestSignInAttemptLimit: after five wrong passwords the right one waits
// too, with 429 and Retry-After; later it works.
func TestSignInAttemptLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const pw = "violet tractor anthem"
		e.claimed(person{userName: "ada", email: "ada@acme.example", given: "Ada", family: "Lovelace"}, pw)
		b := e.browser()
		for range 5 {
			b.post("/signin", url.Values{"org": {"acme"}, "login": {"ada"}, "password": {"wrong"}})
			b.want(http.StatusUnauthorized, "/signin")
		}
		b.post("/signin", url.Values{"org": {"acme"}, "login": {"ada"}, "password": {pw}})
		b.want(http.StatusTooManyRequests, "/signin", "Try again in 1 minute")
		if b.page.header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		e.clock.Advance(time.Minute)
		b.post("/signin", url.Values{"org": {"acme"}, "login": {"ada"}, "password": {pw}})
		b.want(http.StatusOK, "/account")
	})
}

// TestSignOutAndDeactivation: signing out ends the session for good; so
// does deactivating the account over SCIM, for sign-in and claim
// sessions alike.
func TestSignOutAndDeactivation(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const pw = "violet tractor anthem"
		e.claimed(person{userName: "ada", email: "ada@acme.example", given: "Ada", family: "Lovelace"}, pw)
		b := e.browser()
		b.post("/signin", url.Values{"org": {"acme"}, "login": {"ada"}, "password": {pw}})
		b.want(http.StatusOK, "/account")
		secret := b.cookie(sessionCookie)
		b.submit("signout", nil)
		b.want(http.StatusOK, "/signin")
		if b.cookie(sessionCookie) != "" {
			t.Fatal("the cookie survived signing out")
		}
		if _, err := e.session(secret); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the session survived signing out: %v", err)
		}
		replay := e.browser()
		replay.client.Jar.SetCookies(mustURL(e.base), []*http.Cookie{{Name: sessionCookie, Value: secret, Path: "/"}})
		replay.get("/account")
		replay.want(http.StatusOK, "/signin")

		bob := e.claimed(person{userName: "bob", email: "bob@acme.example", given: "Bob", family: "Smith"}, pw)
		signedIn := e.browser()
		signedIn.post("/signin", url.Values{"org": {"acme"}, "login": {"bob"}, "password": {pw}})
		carol := e.user(person{userName: "carol", email: "carol@acme.example", given: "Carol", family: "Jones", invited: true})
		claiming := e.browser()
		claiming.get(e.link(carol))
		claiming.submit("start", nil)
		claiming.want(http.StatusOK, "/claim/steps/profile")

		e.deactivate(bob.ID)
		e.deactivate(carol.ID)
		signedIn.get("/account")
		signedIn.want(http.StatusOK, "/signin")
		claiming.submit("profile", url.Values{"action": {"skip"}})
		claiming.want(http.StatusUnauthorized, "/claim/steps/profile", "Your session has ended")
	})
}

// TestSessionTimeouts: a claim session ends after 30 idle minutes; a
// sign-in session is kept alive by use, but not past a day.
func TestSessionTimeouts(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		carol := e.user(person{userName: "carol", email: "carol@acme.example", given: "Carol", family: "Jones", invited: true})
		b := e.browser()
		b.get(e.link(carol))
		b.submit("start", nil)
		e.clock.Advance(31 * time.Minute)
		b.get("/claim/steps/profile")
		b.want(http.StatusUnauthorized, "/claim/steps/profile", "Your session has ended")

		const pw = "violet tractor anthem"
		e.claimed(person{userName: "ada", email: "ada@acme.example", given: "Ada", family: "Lovelace"}, pw)
		s := e.browser()
		s.post("/signin", url.Values{"org": {"acme"}, "login": {"ada"}, "password": {pw}})
		for range 30 { // 30 × 50 minutes of activity: past 24 hours
			e.clock.Advance(50 * time.Minute)
			if s.get("/account"); !strings.HasSuffix(s.page.url, "/account") {
				break
			}
		}
		s.want(http.StatusOK, "/signin")
		s.post("/signin", url.Values{"org": {"acme"}, "login": {"ada"}, "password": {pw}})
		e.clock.Advance(61 * time.Minute)
		s.get("/account")
		s.want(http.StatusOK, "/signin")
	})
}

// loginValue is what a sign-in page echoes of the typed name.
var loginValue = regexp.MustCompile(`name="login" type="text" value="[^"]*"`)

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestSignInRehashes: a password hashed with weaker parameters than
// today's is rehashed at the next successful sign-in. (It changes
// password.Params for a moment: no test here runs in parallel.)
func TestSignInRehashes(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const pw = "violet tractor anthem"
		strong := password.Params
		t.Cleanup(func() { password.Params = strong })
		password.Params.Memory = 8 * 1024
		a := e.claimed(person{userName: "ada", email: "ada@acme.example", given: "Ada", family: "Lovelace"}, pw)
		password.Params = strong
		weak, _ := e.store.PasswordHash(t.Context(), e.org.ID, a.ID)
		b := e.browser()
		b.post("/signin", url.Values{"org": {"acme"}, "login": {"ada"}, "password": {pw}})
		b.want(http.StatusOK, "/account")
		now, _ := e.store.PasswordHash(t.Context(), e.org.ID, a.ID)
		if now == weak || !strings.Contains(now, "m=19456") {
			t.Fatalf("hash after sign-in: %s (was %s)", now, weak)
		}
		if ok, rehash, _ := password.Verify(pw, now); !ok || rehash {
			t.Fatalf("the new hash: ok=%v rehash=%v", ok, rehash)
		}
	})
}
