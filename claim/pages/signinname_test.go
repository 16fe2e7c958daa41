package pages_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

const latchkeyURN = "urn:ietf:params:scim:schemas:extension:latchkey:2.0:User"

// startCodeClaim redeems a's access code over the API and skips to the
// username step (no terms are published, no groups offered).
func startCodeClaim(t *testing.T, e *env, a directory.Account) *apiClient {
	t.Helper()
	app := &apiClient{e: e}
	start := app.post("/code", map[string]string{"code": e.code(a)})
	start.want(t, "redeem", http.StatusOK)
	app.token, _ = start.body["claim_token"].(string)
	for _, step := range []string{"profile", "picture"} {
		app.post("/skip", map[string]string{"step": step}).want(t, "skip "+step, http.StatusOK)
	}
	return app
}

// claimWithName claims a by access code, choosing name and password pw.
func claimWithName(t *testing.T, e *env, a directory.Account, name, pw string) {
	t.Helper()
	app := startCodeClaim(t, e, a)
	app.post("/username", map[string]string{"username": name}).want(t, "username", http.StatusOK)
	app.post("/password", map[string]string{"password": pw, "confirm": pw}).want(t, "password", http.StatusOK)
	app.post("/complete", nil).want(t, "complete", http.StatusOK)
}

// TestChooseUserName: the chosen name must name nobody else in the
// organization, as userName or as sign-in name, in any case; the
// person's own userName is theirs to keep.
func TestChooseUserName(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.user(person{userName: "taken.name", email: "taken@acme.example", given: "Other", family: "Person"})
		sam := e.user(person{userName: "E-1", given: "Sam", family: "Field", frontline: true, invited: true})
		claimWithName(t, e, sam, "sam.field", "plum harbour kettle")

		for i, tc := range []struct {
			name   string
			choose func(self directory.Account) string
			status int
			code   string // the API's error code; "" when the name is taken
		}{
			{"a free name", func(directory.Account) string { return "kim.lee" }, http.StatusOK, ""},
			{"another's userName", func(directory.Account) string { return "TAKEN.NAME" }, http.StatusConflict, "username_taken"},
			{"another's sign-in name", func(directory.Account) string { return "Sam.Field" }, http.StatusConflict, "username_taken"},
			{"another's userName, not yet a sign-in name", func(directory.Account) string { return "e-1" }, http.StatusConflict, "username_taken"},
			{"the own userName", func(self directory.Account) string { return strings.ToLower(self.UserName) }, http.StatusOK, ""},
			{"a space inside", func(directory.Account) string { return "kim lee" }, http.StatusBadRequest, "invalid"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				kim := e.user(person{userName: fmt.Sprintf("E-%d", 100+i), given: "Kim", family: "Lee", frontline: true, invited: true})
				name := tc.choose(kim)
				got := startCodeClaim(t, e, kim).post("/username", map[string]string{"username": name})
				if tc.status == http.StatusOK {
					got.want(t, "choose "+name, http.StatusOK)
				} else {
					got.want(t, "choose "+name, tc.status, tc.code, "username")
				}
				want := ""
				if tc.status == http.StatusOK {
					want = name
				}
				if a := e.account(kim.ID); a.SignInName != want || a.UserName != kim.UserName {
					t.Fatalf("sign-in name %q, userName %q; want %q, %q", a.SignInName, a.UserName, want, kim.UserName)
				}
			})
		}
		if got := e.account(sam.ID); got.SignInName != "sam.field" {
			t.Fatalf("sam's sign-in name became %q", got.SignInName)
		}
	})
}

// TestSignInNameAndTheIdP: after a claim by code the person signs in
// with the name they chose, the IdP's userName or their email; the IdP
// finds the user by its own userName and PUTs it back whole (as Okta
// does), and the chosen name keeps working.
func TestSignInNameAndTheIdP(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const pw = "plum harbour kettle"
		sam := e.user(person{userName: "E-1042", email: "sam@acme.example", given: "Sam", family: "Field",
			frontline: true, invited: true})
		claimWithName(t, e, sam, "sam.field", pw)

		signIn := func(login, password string) *browser {
			t.Helper()
			b := e.browser()
			b.get("/signin?org=acme")
			b.submit("signin", url.Values{"login": {login}, "password": {password}})
			return b
		}
		for _, login := range []string{"Sam.Field", "e-1042", "SAM@acme.example"} {
			signIn(login, pw).want(http.StatusOK, "/account", "Signed in as", "Sam Field", "(sam.field)")
		}
		wrong := signIn("sam.field", "wrong password")
		wrong.want(http.StatusUnauthorized, "/signin", "Wrong username or password.")

		// Okta: find the user by its userName, PUT back what it read.
		status, list := e.scim(http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "E-1042"`), nil)
		if status != http.StatusOK || list["totalResults"] != float64(1) {
			t.Fatalf("Okta's lookup by userName: %d %v", status, list)
		}
		_, doc := e.scim(http.MethodGet, "/scim/v2/Users/"+sam.ID, nil)
		doc["title"] = "Cashier"
		status, put := e.scim(http.MethodPut, "/scim/v2/Users/"+sam.ID, doc)
		if lk, _ := put[latchkeyURN].(map[string]any); status != http.StatusOK || put["userName"] != "E-1042" || lk["signInName"] != "sam.field" {
			t.Fatalf("Okta's PUT: %d %v", status, put)
		}
		if got := e.account(sam.ID); got.SignInName != "sam.field" || got.UserName != "E-1042" || got.Title != "Cashier" {
			t.Fatalf("after the PUT: sign-in name %q, userName %q, title %q", got.SignInName, got.UserName, got.Title)
		}
		signIn("sam.field", pw).want(http.StatusOK, "/account", "(sam.field)")

		// A deactivated account gets the answer of a wrong password.
		e.deactivate(sam.ID)
		gone := signIn("sam.field", pw)
		gone.want(http.StatusUnauthorized, "/signin", "Wrong username or password.")
		if loginValue.ReplaceAllString(gone.page.body, "") != loginValue.ReplaceAllString(wrong.page.body, "") {
			t.Fatal("a deactivated account's sign-in name gets another answer than a wrong password")
		}
	})
}
