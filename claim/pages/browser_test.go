package pages_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
)

// The browser tests walk the claim pages in Chromium (see
// browser_harness_test.go), on SQLite and, when LATCHKEY_TEST_DATABASE_URL
// is set, on PostgreSQL too, and save a screenshot of every step under
// test-artifacts/screenshots/<test>/.

// Selectors of the markup contract (templates/base.html).
const (
	continueButton = `button[name=action][value=continue]`
	skipButton     = `button[name=action][value=skip]`
)

// TestBrowserClaimByLink: a person opens their link and goes through
// every step an organization can ask for, with a mistake on the way,
// then signs out and back in with the password they chose.
func TestBrowserClaimByLink(t *testing.T) {
	eachBrowserBackend(t, func(t *testing.T, e *env, c *chrome) {
		terms := e.publishTerms("Be kind.\nKeep secrets secret.")
		e.updateOrg(func(o *directory.Organization) {
			o.Claim = directory.ClaimSettings{ProfileRequired: true, PictureRequired: true, GroupsRequired: true,
				EditableFields: []string{directory.FieldName, directory.FieldPhone}}
		})
		everyone := e.group("Everyone", directory.GroupFlags{Default: true})
		chess := e.group("Chess club", directory.GroupFlags{Open: true})
		board := e.group("Board", directory.GroupFlags{})
		ada := e.user(person{userName: "ada@acme.example", email: "ada@acme.example", given: "Ada", family: "Lovelace",
			phone: "+44 20 7946 0000", invited: true})
		link := e.link(ada)

		c.open(link)
		c.want(http.StatusOK, link, "Welcome to Acme", "Ada Lovelace", "Get started")
		c.shot("landing")
		c.phone()
		c.shot("landing-phone")
		c.desktop()

		c.click("#start-button")
		c.want(http.StatusOK, "/claim/steps/terms", "Step 1 of 5", "Be kind.", "Keep secrets secret.")
		c.shot("terms")
		if c.has(skipButton) {
			t.Fatal("required terms offer a skip button")
		}
		c.click(continueButton)
		c.want(http.StatusBadRequest, "/claim/steps/terms")
		c.errorNextTo("accept", "accept", "Accept the terms of use to continue.")
		c.shot("terms-not-accepted")
		c.tick("#f-accept")
		c.click(continueButton)

		c.want(http.StatusOK, "/claim/steps/profile", "Step 2 of 5", "Engineer", "R&D")
		c.shot("profile")
		c.phone()
		c.shot("profile-phone")
		c.desktop()
		if c.has(`input[name=title]`) {
			t.Fatal("title is not editable, yet the page has an input for it")
		}
		c.fill(`input[name=givenName]`, "Augusta Ada")
		c.fill(`input[name=familyName]`, "King")
		c.fill(`input[name=phone]`, "+44 20 7946 0999")
		c.click(continueButton)

		c.want(http.StatusOK, "/claim/steps/picture", "Step 3 of 5", "Add a picture")
		c.shot("picture")
		c.do("choose a picture", chromedp.SetUploadFiles(chromedp.CSS(`input[name=picture]`), []string{pngFile(t, 256)}))
		c.shot("picture-chosen")
		c.click(continueButton)
		c.want(http.StatusOK, "/claim/steps/password", "Step 4 of 5")
		// Back to the picture step: it shows the picture now.
		c.open("/claim/steps/picture")
		c.want(http.StatusOK, "/claim/steps/picture")
		if !c.visible("img#current-picture") {
			t.Fatal("the picture step does not show the uploaded picture")
		}
		c.shot("picture-uploaded")

		c.open("/claim/steps/password")
		c.want(http.StatusOK, "/claim/steps/password", "Choose a password")
		c.shot("password")
		c.fill(`input[name=password]`, "password1")
		c.fill(`input[name=confirm]`, "password1")
		c.click(continueButton)
		c.want(http.StatusBadRequest, "/claim/steps/password")
		c.errorNextTo("password", "password", "most common")
		c.shot("password-weak")
		c.fill(`input[name=password]`, "violet tractor anthem")
		c.fill(`input[name=confirm]`, "violet tractor anthem")
		c.click(continueButton)

		c.want(http.StatusOK, "/claim/steps/groups", "Step 5 of 5", "Everyone")
		if strings.Contains(c.text("form#groups"), "Chess club") || strings.Contains(c.text("form#groups"), "Board") {
			t.Fatal("the suggestions list groups that are not default")
		}
		c.shot("groups")
		c.tick(`input[name=group][value="` + everyone.ID + `"]`)
		c.click(continueButton)
		c.want(http.StatusOK, "/claim/finish", "Almost done")
		// Back to the groups, for one more: search it and join.
		c.open("/claim/steps/groups")
		c.want(http.StatusOK, "/claim/steps/groups", "Everyone (already a member)")
		c.fill(`input[name=q]`, "chess")
		c.click(`form#group-search button`)
		c.want(http.StatusOK, "/claim/steps/groups", "Groups matching “chess”", "Chess club")
		c.shot("groups-search")
		c.tick(`input[name=group][value="` + chess.ID + `"]`)
		c.click(continueButton)

		c.want(http.StatusOK, "/claim/finish", "Almost done", "Augusta Ada King")
		c.shot("finish")
		if got := e.account(ada.ID); got.State != directory.StateInvited {
			t.Fatalf("the account is %s before finishing", got.State)
		}
		c.click("#complete-button")
		c.want(http.StatusOK, "/account/welcome", "Augusta Ada King", "ada@acme.example")
		if title := c.text("h1#title"); title != "You're all set" {
			t.Fatalf("h1#title = %q", title)
		}
		if !c.visible("img#picture") {
			t.Fatal("the account page does not show the picture")
		}
		c.shot("welcome")

		// What the claim stored.
		ck, ok := c.cookie(sessionCookie)
		if !ok || !ck.Secure || !ck.HTTPOnly {
			t.Fatalf("session cookie = %+v", ck)
		}
		if s, err := e.session(ck.Value); err != nil || s.Purpose != directory.PurposeSignIn || s.Method != "link" {
			t.Fatalf("the browser's session = %+v, %v", s, err)
		}
		got := e.account(ada.ID)
		if got.State != directory.StateClaimed || got.ClaimedAt == nil {
			t.Fatalf("account after the claim: %s %v", got.State, got.ClaimedAt)
		}
		if got.GivenName != "Augusta Ada" || got.FamilyName != "King" {
			t.Fatalf("name after the claim: %q %q", got.GivenName, got.FamilyName)
		}
		accepted, err := e.store.TermsAcceptances(t.Context(), e.org.ID, ada.ID)
		if err != nil || len(accepted) != 1 || accepted[0].Version != terms.Version {
			t.Fatalf("terms acceptances = %+v, %v", accepted, err)
		}
		if got.PictureID == "" {
			t.Fatal("no picture stored")
		}
		if pic, err := e.store.Picture(t.Context(), got.PictureID); err != nil || len(pic.Data) == 0 {
			t.Fatalf("stored picture: %v", err)
		}
		hash, err := e.store.PasswordHash(t.Context(), e.org.ID, ada.ID)
		if ok, _, _ := password.Verify("violet tractor anthem", hash); err != nil || !ok {
			t.Fatalf("the stored password does not verify: %v", err)
		}
		for _, g := range []directory.Group{everyone, chess} {
			members, err := e.store.ListMembers(t.Context(), e.org.ID, g.ID, directory.MemberQuery{})
			if err != nil || !slices.ContainsFunc(members, func(m directory.Member) bool { return m.ID == ada.ID }) {
				t.Fatalf("not a member of %s: %v %v", g.DisplayName, members, err)
			}
		}
		if n, _ := e.store.CountMembers(t.Context(), e.org.ID, board.ID); n != 0 {
			t.Fatal("joined a group that is neither default nor open")
		}

		// Sign out, then in with the new password.
		c.click("form#signout button")
		c.want(http.StatusOK, "/signin", "Sign in")
		c.shot("signed-out")
		if _, ok := c.cookie(sessionCookie); ok {
			t.Fatal("the session cookie survived signing out")
		}
		if _, err := e.session(ck.Value); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the session survived signing out: %v", err)
		}
		c.fill(`input[name=login]`, "ada@acme.example")
		c.fill(`input[name=password]`, "violet tractor anthem")
		c.click(`form#signin button[type=submit]`)
		c.want(http.StatusOK, "/account", "Signed in as", "Augusta Ada King")
		c.shot("signed-in")

		// The link is spent.
		c.open(link)
		c.want(http.StatusGone, link, "This account is already set up")
		c.shot("link-used")
	})
}

// TestBrowserClaimByCode: a frontline worker opens the access-code page
// from a printed QR code (?code=), mistypes it first, then picks a
// username (a taken one first) and a password.
func TestBrowserClaimByCode(t *testing.T) {
	eachBrowserBackend(t, func(t *testing.T, e *env, c *chrome) {
		e.user(person{userName: "taken.name", email: "taken@acme.example", given: "Other", family: "Person"})
		sam := e.user(person{userName: "E1234", given: "Sam", family: "Field", frontline: true, invited: true})
		code := e.code(sam)

		c.open("/claim/code?code=" + url.QueryEscape(code))
		c.want(http.StatusOK, "/claim/code", "Enter your access code")
		if got := c.value(`input[name=code]`); got != code {
			t.Fatalf("the code field holds %q; want %q", got, code)
		}
		c.shot("code-prefilled")
		c.phone()
		c.shot("code-phone")
		c.desktop()
		c.fill(`input[name=code]`, "ABCD-EFGH-JKLM-NPQR")
		c.click(`form#code button[type=submit]`)
		c.want(http.StatusNotFound, "/claim/code")
		c.errorNextTo("code", "code", "This code or link does not work")
		c.shot("code-wrong")
		c.fill(`input[name=code]`, strings.ToLower(strings.ReplaceAll(code, "-", " ")))
		c.click(`form#code button[type=submit]`)

		c.want(http.StatusOK, "/claim/steps/profile", "Step 1 of 4")
		c.shot("profile")
		c.click(skipButton)
		c.want(http.StatusOK, "/claim/steps/picture", "Step 2 of 4")
		c.click(skipButton)

		c.want(http.StatusOK, "/claim/steps/username", "Step 3 of 4", "Choose a username")
		c.shot("username")
		c.fill(`input[name=userName]`, "TAKEN.NAME")
		c.click(continueButton)
		c.want(http.StatusConflict, "/claim/steps/username")
		c.errorNextTo("userName", "userName", "already has this username")
		if got := c.value(`input[name=userName]`); got != "TAKEN.NAME" {
			t.Fatalf("what was typed is lost: %q", got)
		}
		c.shot("username-taken")
		c.fill(`input[name=userName]`, "sam.field")
		c.click(continueButton)

		c.want(http.StatusOK, "/claim/steps/password", "Step 4 of 4")
		c.shot("password")
		c.fill(`input[name=password]`, "plum harbour kettle")
		c.fill(`input[name=confirm]`, "plum harbour kettle")
		c.click(continueButton)
		c.want(http.StatusOK, "/claim/finish", "Almost done")
		c.shot("finish")
		c.click("#complete-button")
		c.want(http.StatusOK, "/account/welcome", "You're all set", "Sam Field", "sam.field")
		c.shot("welcome")

		got := e.account(sam.ID)
		if got.State != directory.StateClaimed || got.AccessCodeHash != "" {
			t.Fatalf("after the claim: %s, code %q", got.State, got.AccessCodeHash)
		}
		ck, _ := c.cookie(sessionCookie)
		if s, err := e.session(ck.Value); err != nil || s.Method != "code" {
			t.Fatalf("the browser's session = %+v, %v", s, err)
		}

		// The chosen username signs in.
		c.click("form#signout button")
		c.want(http.StatusOK, "/signin")
		c.fill(`input[name=login]`, "sam.field")
		c.fill(`input[name=password]`, "plum harbour kettle")
		c.click(`form#signin button[type=submit]`)
		c.want(http.StatusOK, "/account", "Signed in as", "Sam Field", "sam.field")
		c.shot("signed-in")
	})
}

// TestBrowserSSOClaim: an account in the organization's SSO domain claims
// through the IdP (crewjam/saml's samlidp): the landing page sends the
// browser to the IdP's login form, the IdP's page posts the answer back,
// and the steps go on without a password.
func TestBrowserSSOClaim(t *testing.T) {
	eachBrowserBackend(t, func(t *testing.T, e *env, c *chrome) {
		x := e.withIdP()
		x.AddUser(t, "alice", "alice@example.com")
		alice := e.user(person{userName: "alice", email: "alice@example.com", given: "Alice", family: "Smith", invited: true})
		link := e.link(alice)

		c.open(link)
		c.want(http.StatusOK, link, "Alice Smith", "You will first sign in with your organization's account")
		c.shot("landing")
		c.click("#start-button")
		c.signInAtIdP(x, "alice")

		c.want(http.StatusOK, "/claim/steps/profile", "Step 1 of 2")
		c.shot("profile")
		c.click(skipButton)
		c.want(http.StatusOK, "/claim/steps/picture", "Step 2 of 2")
		c.shot("picture")
		c.click(skipButton)
		c.want(http.StatusOK, "/claim/finish", "Almost done")
		c.shot("finish")
		c.click("#complete-button")
		c.want(http.StatusOK, "/account/welcome", "You're all set", "Alice Smith")
		c.shot("welcome")

		got := e.account(alice.ID)
		if got.State != directory.StateClaimed {
			t.Fatalf("state %s", got.State)
		}
		if _, err := e.store.PasswordHash(t.Context(), e.org.ID, alice.ID); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("an SSO account got a password: %v", err)
		}
		ck, _ := c.cookie(sessionCookie)
		if s, err := e.session(ck.Value); err != nil || s.Method != "sso" {
			t.Fatalf("the browser's session = %+v, %v", s, err)
		}

		// Later, Alice signs in on the password page: its form leads to
		// the IdP, where she is still signed in, and back.
		c.click("form#signout button")
		c.want(http.StatusOK, "/signin", "Sign in with your organization's account")
		c.shot("signin")
		c.fill(`input[name=login]`, "alice@example.com")
		c.fill(`input[name=password]`, "anything")
		c.click(`form#signin button[type=submit]`)
		c.want(http.StatusOK, "/account", "Signed in as", "Alice Smith")
		c.shot("signed-in")
	})
}

// TestBrowserSSOClaimByCode: an access code of an account that must sign
// in through the IdP, typed on /claim/code, leads to the IdP too.
func TestBrowserSSOClaimByCode(t *testing.T) {
	eachBrowserBackend(t, func(t *testing.T, e *env, c *chrome) {
		x := e.withIdP()
		x.AddUser(t, "dave", "dave@example.com")
		dave := e.user(person{userName: "dave", email: "dave@example.com", given: "Dave", family: "Brown",
			frontline: true, invited: true})
		code := e.code(dave)

		c.open("/claim/code")
		c.want(http.StatusOK, "/claim/code")
		c.fill(`input[name=code]`, code)
		c.shot("code")
		c.click(`form#code button[type=submit]`)
		// The code page cannot lead to the IdP (its CSP does not know
		// it); this page can.
		c.want(http.StatusOK, "/claim/code", "Dave Brown", "You will first sign in with your organization's account")
		c.shot("sso-first")
		c.click("#start-button")
		c.signInAtIdP(x, "dave")

		c.want(http.StatusOK, "/claim/steps/profile", "Step 1 of 2")
		c.shot("profile")
		c.click(skipButton)
		c.want(http.StatusOK, "/claim/steps/picture", "Step 2 of 2")
		c.click(skipButton)
		c.want(http.StatusOK, "/claim/finish")
		c.click("#complete-button")
		c.want(http.StatusOK, "/account/welcome", "You're all set", "Dave Brown")
		c.shot("welcome")
		if got := e.account(dave.ID); got.State != directory.StateClaimed {
			t.Fatalf("state %s", got.State)
		}
	})
}

// signInAtIdP waits for the IdP's login form, signs in there as user,
// and lets the IdP's page post its answer back to us.
func (c *chrome) signInAtIdP(x *testIdP, user string) {
	c.t.Helper()
	c.want(http.StatusOK, x.Server.URL+"/sso")
	c.shot("idp-login")
	c.fill(`input[name=user]`, user)
	c.fill(`input[name=password]`, idpPassword)
	c.click(`input[type=submit]`)
}

// TestBrowserLinkProblems: each way a link fails shows its page, with
// its status, and offers nothing to start.
func TestBrowserLinkProblems(t *testing.T) {
	eachBrowserBackend(t, func(t *testing.T, e *env, c *chrome) {
		for _, tc := range []struct {
			name   string
			prep   func(a directory.Account) string // returns the path to open
			status int
			title  string
			text   string
			signIn bool
		}{
			{"unknown", func(directory.Account) string { return "/claim/not-a-token" },
				http.StatusNotFound, "This link or code does not work", "Check that you copied all of it", false},
			{"expired", func(a directory.Account) string {
				l := e.link(a)
				e.clock.Advance(claim.DefaultLinkTTL + time.Hour)
				return l
			}, http.StatusGone, "This invitation has expired", "invitations work for a limited time", false},
			{"revoked", func(a directory.Account) string {
				l := e.link(a)
				e.setInvited(a.ID, false)
				return l
			}, http.StatusGone, "This invitation is no longer valid", "replaced by a newer one or withdrawn", false},
			{"used", func(a directory.Account) string {
				l := e.link(a)
				e.completeClaim(a)
				return l
			}, http.StatusGone, "This account is already set up", "Sign in instead", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := e.user(person{userName: tc.name, email: tc.name + "@acme.example", given: "Test", family: tc.name, invited: true})
				path := tc.prep(a)
				c.open(path)
				c.want(tc.status, path, tc.text)
				if got := c.text("h1#title"); got != tc.title {
					t.Fatalf("h1#title = %q; want %q", got, tc.title)
				}
				if c.has("form#start") {
					t.Fatal("a dead link offers to start")
				}
				if c.has("a#signin-link") != tc.signIn {
					t.Fatalf("a sign-in link: %v; want %v", c.has("a#signin-link"), tc.signIn)
				}
				c.shot(tc.name)
				if tc.signIn {
					c.click("a#signin-link")
					c.want(http.StatusOK, "/signin", "Sign in")
				}
			})
		}
	})
}

// completeClaim claims a as a finished claim by link does, without the
// pages.
func (e *env) completeClaim(a directory.Account) {
	e.t.Helper()
	err := e.store.InTx(e.t.Context(), func(tx directory.Store) error {
		acc, err := tx.AccountForUpdate(e.t.Context(), a.OrgID, a.ID)
		if err != nil {
			return err
		}
		return e.inviter.Complete(e.t.Context(), tx, directory.Actor{Type: directory.ActorSystem}, &acc, claim.MethodLink)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestBrowserSignInAndOut: a claimed person signs in with a password (a
// wrong one first), and signs out; the account page then asks to sign
// in again.
func TestBrowserSignInAndOut(t *testing.T) {
	eachBrowserBackend(t, func(t *testing.T, e *env, c *chrome) {
		const pw = "violet tractor anthem"
		e.claimed(person{userName: "ada", email: "ada@acme.example", given: "Ada", family: "Lovelace"}, pw)

		c.open("/account")
		c.want(http.StatusOK, "/signin", "Sign in", "Username or email")
		c.shot("signin")
		c.phone()
		c.shot("signin-phone")
		c.desktop()
		c.fill(`input[name=login]`, "ada")
		c.fill(`input[name=password]`, "not my password")
		c.click(`form#signin button[type=submit]`)
		c.want(http.StatusUnauthorized, "/signin", "Wrong username or password.")
		if got := c.value(`input[name=login]`); got != "ada" {
			t.Fatalf("the login field holds %q after a failure", got)
		}
		if got := c.value(`input[name=password]`); got != "" {
			t.Fatal("the password was sent back to the page")
		}
		c.shot("signin-wrong")
		c.fill(`input[name=password]`, pw)
		c.click(`form#signin button[type=submit]`)
		c.want(http.StatusOK, "/account", "Your account", "Signed in as", "Ada Lovelace")
		c.shot("account")
		ck, ok := c.cookie(sessionCookie)
		if !ok {
			t.Fatal("no session cookie after signing in")
		}
		if s, err := e.session(ck.Value); err != nil || s.Purpose != directory.PurposeSignIn || s.Method != "password" {
			t.Fatalf("the browser's session = %+v, %v", s, err)
		}

		c.click("form#signout button")
		c.want(http.StatusOK, "/signin", "Sign in")
		c.shot("signed-out")
		if _, ok := c.cookie(sessionCookie); ok {
			t.Fatal("the session cookie survived signing out")
		}
		if _, err := e.session(ck.Value); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the session survived signing out: %v", err)
		}
		c.open("/account")
		c.want(http.StatusOK, "/signin")
	})
}
