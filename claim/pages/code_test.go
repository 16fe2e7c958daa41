package pages_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestClaimByCode: a frontline worker without email types the code (as a
// person would: lower case, spaces), picks a username (a taken one first)
// and a password.
func TestClaimByCode(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.user(person{userName: "taken.name", email: "taken@acme.example", given: "Other", family: "Person"})
		sam := e.user(person{userName: "E1234", given: "Sam", family: "Field", frontline: true, invited: true})
		code := e.code(sam)

		b := e.browser()
		b.get("/claim/code?code=" + url.QueryEscape(code))
		b.want(http.StatusOK, "/claim/code", "Enter your access code")
		if f := findForm(t, b.page.body, "code"); f.fields.Get("code") != code {
			t.Fatalf("the code is not filled in: %v", f.fields)
		}
		b.submit("code", url.Values{"code": {"ABCD-EFGH-JKLM-NPQR"}})
		b.want(http.StatusNotFound, "/claim/code", "This code or link does not work")
		if !strings.Contains(b.page.body, `id="err-code"`) {
			t.Fatalf("the error is not next to the field:\n%s", b.page.body)
		}
		typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
		b.submit("code", url.Values{"code": {typed}})
		b.want(http.StatusOK, "/claim/steps/profile", "Step 1 of 4")
		b.submit("profile", url.Values{"action": {"skip"}})
		b.submit("picture", url.Values{"action": {"skip"}})

		b.want(http.StatusOK, "/claim/steps/username", "Choose a username")
		b.submit("username", url.Values{"userName": {"TAKEN.NAME"}})
		b.want(http.StatusConflict, "/claim/steps/username", "already has this username")
		if !strings.Contains(b.page.body, `id="err-userName"`) || !strings.Contains(b.page.body, `value="TAKEN.NAME"`) {
			t.Fatalf("the error is not next to the field, or what was typed is lost:\n%s", b.page.body)
		}
		b.submit("username", url.Values{"userName": {"sam field"}})
		b.want(http.StatusBadRequest, "/claim/steps/username", "letters, digits")
		b.submit("username", url.Values{"userName": {"sam.field"}})

		b.want(http.StatusOK, "/claim/steps/password")
		if f := findForm(t, b.page.body, "password"); f.fields.Get("username") != "sam.field" {
			t.Fatalf("password managers do not see the new username: %v", f.fields)
		}
		b.submit("password", url.Values{"password": {"sam.field"}, "confirm": {"sam.field"}})
		b.want(http.StatusBadRequest, "/claim/steps/password", "your username")
		b.submit("password", url.Values{"password": {"plum harbour kettle"}, "confirm": {"plum harbour kettle"}})
		b.submit("complete", nil)
		b.want(http.StatusOK, "/account/welcome", "You're all set", "sam.field")

		// The chosen name is a sign-in name: the IdP's userName stays, and
		// SCIM shows the chosen one beside it, read-only.
		got := e.account(sam.ID)
		if got.State != directory.StateClaimed || got.UserName != "E1234" || got.SignInName != "sam.field" || got.AccessCodeHash != "" {
			t.Fatalf("after the claim: %s userName %q sign-in name %q code %q", got.State, got.UserName, got.SignInName, got.AccessCodeHash)
		}
		_, doc := e.scim(http.MethodGet, "/scim/v2/Users/"+sam.ID, nil)
		if lk, _ := doc[latchkeyURN].(map[string]any); doc["userName"] != "E1234" || lk["signInName"] != "sam.field" {
			t.Fatalf("SCIM userName = %v, extension = %v", doc["userName"], doc[latchkeyURN])
		}

		// The code is spent.
		b2 := e.browser()
		b2.get("/claim/code")
		b2.submit("code", url.Values{"code": {code}})
		b2.want(http.StatusNotFound, "/claim/code", "does not work")

		// And the person signs in with what they chose.
		b2.get("/signin?org=acme")
		b2.submit("signin", url.Values{"login": {"Sam.Field"}, "password": {"plum harbour kettle"}})
		b2.want(http.StatusOK, "/account", "Sam Field")
	})
}

// TestCodeAttemptLimits: a source guessing codes is told to wait, with
// Retry-After, and even the right code waits.
func TestCodeAttemptLimits(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		sam := e.user(person{userName: "E1", given: "Sam", family: "Field", frontline: true, invited: true})
		b := e.browser()
		for i := range 5 {
			b.post("/claim/code", url.Values{"code": {strings.Repeat("ABCD", 3) + "EFG" + string(rune('A'+i))}})
			b.want(http.StatusNotFound, "/claim/code")
		}
		b.post("/claim/code", url.Values{"code": {e.code(sam)}})
		b.want(http.StatusTooManyRequests, "/claim/code", "Try again in 1 minute")
		if ra := b.page.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After = %q", ra)
		}
		e.clock.Advance(3 * time.Second) // past the first delay (2 s)
		b.post("/claim/code", url.Values{"code": {e.code(sam)}})
		b.want(http.StatusOK, "/claim/steps/profile")
	})
}
