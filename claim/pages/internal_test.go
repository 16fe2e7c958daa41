package pages

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
	"github.com/latchkeyhq/latchkey/picture"
	"github.com/latchkeyhq/latchkey/sso"
)

func TestCookieNames(t *testing.T) {
	for _, tc := range []struct {
		base            string
		session, bind   string
		secure          bool
		bindingSameSite http.SameSite
	}{
		{"https://latchkey.example.com", "__Host-latchkey_session", "__Host-latchkey_sso", true, http.SameSiteNoneMode},
		{"http://localhost:8080", "__Host-latchkey_session", "__Host-latchkey_sso", true, http.SameSiteNoneMode},
		{"http://127.0.0.1:8080", "__Host-latchkey_session", "__Host-latchkey_sso", true, http.SameSiteNoneMode},
		{"http://[::1]:8080", "__Host-latchkey_session", "__Host-latchkey_sso", true, http.SameSiteNoneMode},
		{"http://latchkey.internal:8080", "latchkey_session", "latchkey_sso", false, http.SameSiteLaxMode},
	} {
		t.Run(tc.base, func(t *testing.T) {
			u, _ := url.Parse(tc.base)
			k := newCookies(u)
			if k.session != tc.session || k.binding != tc.bind || k.secure != tc.secure || k.bindingSameSite() != tc.bindingSameSite {
				t.Fatalf("cookies = %+v, binding SameSite %v", k, k.bindingSameSite())
			}
		})
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	if got := contentSecurityPolicy([]string{"https://idp.example.com"}); got !=
		"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' https://idp.example.com; frame-ancestors 'none'; base-uri 'none'" {
		t.Fatal(got)
	}
	for raw, want := range map[string]string{
		"https://idp.example.com/sso/saml?x=1": "https://idp.example.com",
		"http://127.0.0.1:9000/sso":            "http://127.0.0.1:9000",
		"https://idp.example.com;script-src *": "",
		"not a url":                            "",
		"javascript:alert(1)":                  "",
	} {
		if got := originOf(raw); got != want {
			t.Errorf("originOf(%q) = %q; want %q", raw, got, want)
		}
	}
}

// TestClassify: the one mapping from errors to what people are told.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err       error
		status    int
		apiStatus int
		code      string
		field     string
	}{
		{claim.ErrUnknown, 404, 404, "unknown", "code"},
		{fmt.Errorf("wrapped: %w", claim.ErrExpired), 410, 410, "expired", "code"},
		{claim.ErrUsed, 410, 409, "already_claimed", "code"},
		{claim.ErrRevoked, 410, 410, "revoked", "code"},
		{claim.ErrDeactivated, 410, 410, "deactivated", "code"},
		{&claim.TooManyAttempts{Wait: 90 * time.Second}, 429, 429, "too_many_attempts", ""},
		{errNoSession, 401, 401, "session_ended", ""},
		{errUserNameTaken, 409, 409, "username_taken", "userName"},
		{&password.Problem{Reason: "too short"}, 400, 400, "invalid", "password"},
		{&picture.Problem{Reason: "not a picture"}, 400, 400, "invalid", "picture"},
		{&http.MaxBytesError{Limit: 1}, 413, 413, "too_large", "picture"},
		{&directory.ValidationError{Field: "phone", Problem: "bad"}, 400, 400, "invalid", "phone"},
		{&formError{field: "accept", message: "accept"}, 400, 400, "invalid", "accept"},
		{errStepOrder, 409, 409, "step_order", ""},
		{errStepRequired, 400, 400, "step_required", ""},
		{&ssoMismatch{"a@x", "b@x"}, 403, 403, "sso_account_mismatch", ""},
		{&sso.Error{Reason: sso.ErrReplay}, 400, 400, "sso_failed", ""},
		{directory.ErrUnavailable, 503, 503, "unavailable", ""},
		{errors.New("boom"), 500, 500, "internal", ""},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			pr := classify(tc.err)
			api := pr.status
			if pr.apiStatus != 0 {
				api = pr.apiStatus
			}
			if pr.status != tc.status || api != tc.apiStatus || pr.code != tc.code || pr.field != tc.field || pr.message == "" {
				t.Fatalf("classify = %+v", pr)
			}
		})
	}
	if pr := classify(errors.New("secret detail")); !pr.internal || pr.message == "secret detail" {
		t.Fatal("an internal error shows its text")
	}
}

func TestWaitText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second: "1 minute", 59 * time.Second: "1 minute", 61 * time.Second: "2 minutes", time.Hour: "60 minutes",
	} {
		if got := waitText(d); got != want {
			t.Errorf("waitText(%v) = %q; want %q", d, got, want)
		}
	}
}

func TestProgressRoundTrip(t *testing.T) {
	pr := readProgress([]string{"terms", pendingPassword + "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "profile"})
	if !pr.isDone("terms") || !pr.isDone("profile") || pr.isDone("password") || pr.passwordHash == "" {
		t.Fatalf("progress = %+v", pr)
	}
	pr.markDone("picture")
	pr.markDone("picture")
	if got := readProgress(pr.encode()); !reflect.DeepEqual(got, pr) {
		t.Fatalf("round trip = %+v; want %+v", got, pr)
	}
}

func TestPlanOrder(t *testing.T) {
	pl := plan{steps: []string{stepTerms, stepProfile, stepPassword}}
	pr := progress{done: []string{stepTerms}}
	for step, ok := range map[string]bool{stepTerms: true, stepProfile: true, stepPassword: false, stepGroups: false} {
		if err := pl.mayDo(step, pr); (err == nil) != ok {
			t.Errorf("mayDo(%s) = %v; want ok=%v", step, err, ok)
		}
	}
	if pl.next(pr) != stepProfile {
		t.Errorf("next = %q", pl.next(pr))
	}
	pr.done = append(pr.done, stepProfile, stepPassword)
	if pl.next(pr) != "" {
		t.Errorf("next after all = %q", pl.next(pr))
	}
}

func TestSkippable(t *testing.T) {
	strict := directory.Organization{Claim: directory.ClaimSettings{ProfileRequired: true, PictureRequired: true, GroupsRequired: true}}
	lenient := directory.Organization{Claim: directory.ClaimSettings{TermsOptional: true}}
	withPicture := directory.Account{PictureID: "0123"}
	for _, tc := range []struct {
		step string
		org  directory.Organization
		a    directory.Account
		want bool
	}{
		{stepTerms, strict, directory.Account{}, false},
		{stepTerms, lenient, directory.Account{}, true},
		{stepProfile, strict, directory.Account{}, false},
		{stepProfile, lenient, directory.Account{}, true},
		{stepPicture, strict, directory.Account{}, false},
		{stepPicture, strict, withPicture, true},
		{stepGroups, strict, directory.Account{}, false},
		{stepGroups, lenient, directory.Account{}, true},
		{stepPassword, lenient, directory.Account{}, false},
		{stepUserName, lenient, directory.Account{}, false},
	} {
		if got := skippable(tc.step, tc.org, tc.a); got != tc.want {
			t.Errorf("skippable(%s, %+v, picture %q) = %v", tc.step, tc.org.Claim, tc.a.PictureID, got)
		}
	}
}
