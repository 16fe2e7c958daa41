package pages_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
)

const sessionCookie = "__Host-latchkey_session"

// TestClaimByLinkEveryStep walks a person through every first-access
// step an organization can ask for, with a mistake at each, and checks
// what each step stored.
func TestClaimByLinkEveryStep(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		terms := e.publishTerms("Be kind.\nKeep secrets secret.")
		e.updateOrg(func(o *directory.Organization) {
			o.Claim = directory.ClaimSettings{ProfileRequired: true, PictureRequired: true, GroupsRequired: true,
				EditableFields: []string{directory.FieldName, directory.FieldPhone}}
		})
		everyone := e.group("Everyone", directory.GroupFlags{Default: true})
		chess := e.group("Chess club", directory.GroupFlags{Open: true})
		secret := e.group("Board", directory.GroupFlags{})
		ada := e.user(person{userName: "ada@acme.example", email: "ada@acme.example", given: "Ada", family: "Lovelace",
			phone: "+44 20 7946 0000", invited: true})
		link := e.link(ada)

		b := e.browser()
		for range 3 { // mail scanners open links; GET changes nothing
			b.get(link)
			b.want(http.StatusOK, link, "Ada Lovelace", "Acme", "Get started")
		}
		if got := e.account(ada.ID); got.Version != ada.Version || got.State != directory.StateInvited {
			t.Fatalf("opening the link changed the account: %+v", got)
		}
		if b.cookie(sessionCookie) != "" {
			t.Fatal("opening the link set a session cookie")
		}

		b.submit("start", nil)
		b.want(http.StatusOK, "/claim/steps/terms", "Be kind.", "Step 1 of 5")
		claimCookie := b.cookie(sessionCookie)
		if claimCookie == "" {
			t.Fatal("starting the claim set no session cookie")
		}
		b.submit("terms", url.Values{"action": {"continue"}})
		b.want(http.StatusBadRequest, "/claim/steps/terms", "Accept the terms of use to continue.")
		if !strings.Contains(b.page.body, `id="err-accept"`) || !strings.Contains(b.page.body, `aria-describedby="err-accept"`) {
			t.Fatalf("the error is not tied to the checkbox:\n%s", b.page.body)
		}
		if strings.Contains(b.page.body, `value="skip"`) {
			t.Fatal("required terms offer a skip button")
		}
		b.submit("terms", url.Values{"accept": {"yes"}, "action": {"continue"}})

		b.want(http.StatusOK, "/claim/steps/profile", "Given name", "Work phone", "Engineer", "R&D")
		if strings.Contains(b.page.body, `name="title"`) {
			t.Fatal("title is not editable, yet the page has an input for it")
		}
		b.submit("profile", url.Values{"givenName": {""}, "familyName": {""}, "action": {"continue"}})
		b.want(http.StatusBadRequest, "/claim/steps/profile", "Enter your name.", "Engineer", "+44 20 7946 0000")
		if !strings.Contains(b.page.body, `autofocus aria-invalid="true"`) {
			t.Fatalf("the first field with an error has no autofocus:\n%s", b.page.body)
		}
		b.submit("profile", url.Values{"givenName": {"Augusta Ada"}, "familyName": {"King"}, "phone": {"+44 20 7946 0999"},
			"title": {"CEO"}, "action": {"continue"}})

		b.want(http.StatusOK, "/claim/steps/picture", "Add a picture")
		b.submit("picture", url.Values{"action": {"skip"}})
		b.want(http.StatusBadRequest, "/claim/steps/picture", "Your organization asks everyone to complete this step.")
		b.upload("notes.txt", []byte("not a picture"))
		b.want(http.StatusBadRequest, "/claim/steps/picture", "JPEG or PNG")
		b.upload("me.png", pngPicture(t, 300))

		b.want(http.StatusOK, "/claim/steps/password", "Choose a password")
		b.submit("password", url.Values{"password": {"password1"}, "confirm": {"password1"}, "action": {"continue"}})
		b.want(http.StatusBadRequest, "/claim/steps/password", "most common")
		b.submit("password", url.Values{"password": {"Acme2025!"}, "confirm": {"Acme2025!"}, "action": {"continue"}})
		b.want(http.StatusBadRequest, "/claim/steps/password", "organization's name")
		b.submit("password", url.Values{"password": {"violet tractor anthem"}, "confirm": {"violet tractor anthen"}, "action": {"continue"}})
		b.want(http.StatusBadRequest, "/claim/steps/password", "The two passwords differ.")
		b.submit("password", url.Values{"password": {"violet tractor anthem"}, "confirm": {"violet tractor anthem"}, "action": {"continue"}})

		b.want(http.StatusOK, "/claim/steps/groups", "Everyone")
		if strings.Contains(b.page.body, "Chess club") || strings.Contains(b.page.body, "Board") {
			t.Fatal("the suggestions list groups that are not default")
		}
		b.submit("groups", url.Values{"action": {"continue"}})
		b.want(http.StatusBadRequest, "/claim/steps/groups", "Choose at least one group to join.")
		b.get("/claim/steps/groups?q=chess")
		b.want(http.StatusOK, "/claim/steps/groups", "Chess club")
		b.get("/claim/steps/groups?q=board")
		b.want(http.StatusOK, "/claim/steps/groups", "No groups found.")
		b.submit("groups", url.Values{"group": {everyone.ID, chess.ID}, "action": {"continue"}})

		b.want(http.StatusOK, "/claim/finish", "Finish")
		if got := e.account(ada.ID); got.State != directory.StateInvited {
			t.Fatalf("the account is %s before finishing", got.State)
		}
		if _, err := e.store.PasswordHash(t.Context(), e.org.ID, ada.ID); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the password was stored before the claim completed: %v", err)
		}
		b.submit("complete", nil)
		b.want(http.StatusOK, "/account/welcome", "You're all set", "Augusta Ada King")

		signIn := b.cookie(sessionCookie)
		if signIn == "" || signIn == claimCookie {
			t.Fatalf("the sign-in session reuses the claim session's secret")
		}
		if _, err := e.session(claimCookie); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the claim session outlived the claim: %v", err)
		}
		if s, err := e.session(signIn); err != nil || s.Purpose != directory.PurposeSignIn || s.Method != "link" {
			t.Fatalf("sign-in session = %+v, %v", s, err)
		}

		got := e.account(ada.ID)
		if got.State != directory.StateClaimed || got.ClaimedAt == nil {
			t.Fatalf("account after the claim: %s %v", got.State, got.ClaimedAt)
		}
		if got.GivenName != "Augusta Ada" || got.FamilyName != "King" || got.Title != "Engineer" ||
			claim.ProfileOf(got).Phone != "+44 20 7946 0999" {
			t.Fatalf("profile after the claim: %+v phone %q", got, claim.ProfileOf(got).Phone)
		}
		hash, err := e.store.PasswordHash(t.Context(), e.org.ID, ada.ID)
		if ok, _, _ := password.Verify("violet tractor anthem", hash); err != nil || !ok {
			t.Fatalf("stored password does not verify: %v", err)
		}
		accepted, err := e.store.TermsAcceptances(t.Context(), e.org.ID, ada.ID)
		if err != nil || len(accepted) != 1 || accepted[0].Version != terms.Version {
			t.Fatalf("terms acceptances = %+v, %v", accepted, err)
		}
		for _, g := range []directory.Group{everyone, chess} {
			members, err := e.store.ListMembers(t.Context(), e.org.ID, g.ID, directory.MemberQuery{})
			if err != nil || !slices.ContainsFunc(members, func(m directory.Member) bool { return m.ID == ada.ID }) {
				t.Fatalf("not a member of %s: %v %v", g.DisplayName, members, err)
			}
		}
		if n, _ := e.store.CountMembers(t.Context(), e.org.ID, secret.ID); n != 0 {
			t.Fatal("joined a group that is neither default nor open")
		}
		for _, action := range []string{"account.claim", "account.terms_accept", "account.profile_update",
			"account.picture_set", "account.password_set", "group.join"} {
			if !e.audited(action) {
				t.Errorf("no %s in the audit log", action)
			}
		}

		// The picture is served, cacheable for good, and SCIM shows it.
		if got.PictureID == "" {
			t.Fatal("no picture id")
		}
		pic := b.get("/pictures/" + got.PictureID)
		if pic.status != http.StatusOK || pic.header.Get("Content-Type") != "image/jpeg" ||
			pic.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.HasPrefix(pic.body, "\xff\xd8") {
			t.Fatalf("picture: %d %v", pic.status, pic.header)
		}
		_, doc := e.scim(http.MethodGet, "/scim/v2/Users/"+ada.ID, nil)
		if photos, _ := doc["photos"].([]any); len(photos) == 0 || !strings.Contains(photos[0].(map[string]any)["value"].(string), got.PictureID) {
			t.Errorf("SCIM photos = %v", doc["photos"])
		}
		if name, _ := doc["name"].(map[string]any); name["givenName"] != "Augusta Ada" {
			t.Errorf("SCIM name = %v", doc["name"])
		}

		// The link is spent.
		b.get(link)
		b.want(http.StatusGone, link, "already set up", "Sign in")
	})
}

// TestSkippableSteps: with the default settings and nothing published,
// a person skips what may be skipped and is done in three steps.
func TestSkippableSteps(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		a := e.user(person{userName: "grace", email: "grace@acme.example", given: "Grace", family: "Hopper", invited: true})
		b := e.browser()
		b.get(e.link(a))
		b.submit("start", nil)
		b.want(http.StatusOK, "/claim/steps/profile", "Step 1 of 3")
		if strings.Contains(b.page.body, `name="givenName"`) || !strings.Contains(b.page.body, `name="phone"`) {
			t.Fatal("by default only the phone may be edited")
		}
		b.submit("profile", url.Values{"action": {"skip"}})
		b.submit("picture", url.Values{"action": {"skip"}})
		b.submit("password", url.Values{"password": {"correct horse battery"}, "confirm": {"correct horse battery"}})
		b.want(http.StatusOK, "/claim/finish")
		b.submit("complete", nil)
		b.want(http.StatusOK, "/account/welcome", "You're all set")
	})
}

// TestLinkProblems: each way a link fails has its page and status.
func TestLinkProblems(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name   string
			prep   func(a directory.Account) string // returns the path to open
			status int
			text   string
		}{
			{"unknown", func(directory.Account) string { return "/claim/not-a-token" }, http.StatusNotFound, "does not work"},
			{"forged", func(a directory.Account) string {
				l := e.link(a)
				return l[:len(l)-4] + "AAAA"
			}, http.StatusGone, "no longer valid"},
			{"expired", func(a directory.Account) string {
				l := e.link(a)
				e.clock.Advance(claim.DefaultLinkTTL + time.Hour)
				return l
			}, http.StatusGone, "has expired"},
			{"deactivated", func(a directory.Account) string {
				l := e.link(a)
				e.deactivate(a.ID)
				return l
			}, http.StatusGone, "no longer valid"},
			{"revoked", func(a directory.Account) string {
				l := e.link(a)
				e.setInvited(a.ID, false)
				return l
			}, http.StatusGone, "no longer valid"},
			{"used", func(a directory.Account) string {
				l := e.link(a)
				err := e.store.InTx(t.Context(), func(tx directory.Store) error {
					acc, err := tx.AccountForUpdate(t.Context(), a.OrgID, a.ID)
					if err != nil {
						return err
					}
					return e.inviter.Complete(t.Context(), tx, directory.Actor{Type: directory.ActorSystem}, &acc, claim.MethodLink)
				})
				if err != nil {
					t.Fatal(err)
				}
				return l
			}, http.StatusGone, "already set up"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := e.user(person{userName: tc.name, email: tc.name + "@acme.example", given: "Test", family: tc.name, invited: true})
				path := tc.prep(a)
				b := e.browser()
				b.get(path)
				b.want(tc.status, "", tc.text)
				if strings.Contains(b.page.body, `id="start"`) {
					t.Fatal("a dead link offers to start")
				}
				b.post(path, nil)
				b.want(tc.status, "", tc.text)
				if b.cookie(sessionCookie) != "" {
					t.Fatal("a dead link started a session")
				}
			})
		}
	})
}
