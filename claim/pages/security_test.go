package pages_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestConcurrentCompletion: two browsers hold claim sessions of one link
// and finish at the same moment: exactly one claims the account, the
// other is told it is already set up, and only the winner's password is
// stored.
func TestConcurrentCompletion(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		for round := range 3 {
			a := e.user(person{userName: "racer" + string(rune('a'+round)), email: "racer" + string(rune('a'+round)) + "@acme.example",
				given: "Race", family: "Condition", invited: true})
			passwords := []string{"first tab password", "second tab password"}
			browsers := make([]*browser, 2)
			for i := range browsers {
				b := e.browser()
				b.get(e.link(a))
				b.submit("start", nil)
				b.submit("profile", url.Values{"action": {"skip"}})
				b.submit("picture", url.Values{"action": {"skip"}})
				b.submit("password", url.Values{"password": {passwords[i]}, "confirm": {passwords[i]}})
				b.want(http.StatusOK, "/claim/finish")
				browsers[i] = b
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for _, b := range browsers {
				wg.Go(func() {
					<-start
					b.post("/claim/complete", nil)
				})
			}
			close(start)
			wg.Wait()
			var won []int
			for i, b := range browsers {
				switch {
				case b.page.status == http.StatusOK && strings.HasSuffix(b.page.url, "/account/welcome"):
					won = append(won, i)
				case b.page.status == http.StatusGone && strings.Contains(b.page.body, "already set up"):
				default:
					t.Fatalf("browser %d: %d at %s\n%s", i, b.page.status, b.page.url, b.page.body)
				}
			}
			if len(won) != 1 {
				t.Fatalf("%d completions succeeded; want exactly 1", len(won))
			}
			login := url.Values{"org": {"acme"}, "login": {a.UserName}, "password": {passwords[won[0]]}}
			check := e.browser()
			check.post("/signin", login)
			check.want(http.StatusOK, "/account")
			login.Set("password", passwords[1-won[0]])
			check.post("/signin", login)
			check.want(http.StatusUnauthorized, "/signin")
		}
	})
}

// TestCrossOriginPostsRefused: forms refuse posts from other sites (the
// ACS does not: the IdP posts from its own); the JSON API uses no cookies
// and takes them.
func TestCrossOriginPostsRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		a := e.user(person{userName: "ada", email: "ada@acme.example", given: "Ada", family: "Lovelace", invited: true})
		link := e.link(a)
		for _, header := range []http.Header{
			{"Sec-Fetch-Site": {"cross-site"}},
			{"Origin": {"https://evil.example"}},
		} {
			for _, path := range []string{link, "/claim/code", "/signin", "/signout", "/claim/complete"} {
				req, _ := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader("code=x&login=ada&password=x"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for k, v := range header {
					req.Header[k] = v
				}
				b := e.browser()
				b.do(req)
				b.want(http.StatusForbidden, path, "The form was sent from another site")
			}
		}
		if got := e.account(a.ID); got.State != directory.StateInvited {
			t.Fatal("a refused post changed the account")
		}
		b := e.browser()
		b.post(link, nil) // same-origin: fine
		b.want(http.StatusOK, "/claim/steps/profile")

		acs, _ := http.NewRequest(http.MethodPost, e.base+"/saml/acme/acs", strings.NewReader("SAMLResponse=bm90IHNhbWw%3D"))
		acs.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		acs.Header.Set("Sec-Fetch-Site", "cross-site")
		resp := e.browser().do(acs)
		if resp.status == http.StatusForbidden {
			t.Fatal("the ACS refused a cross-site post")
		}
		api, _ := http.NewRequest(http.MethodPost, e.base+"/api/v1/claim/code", strings.NewReader(`{"code":"x"}`))
		api.Header.Set("Content-Type", "application/json")
		api.Header.Set("Origin", "https://evil.example")
		if resp := e.browser().do(api); resp.status != http.StatusNotFound {
			t.Fatalf("the API answered a cross-origin call with %d", resp.status)
		}
	})
}

// TestSecurityHeaders: every page carries the policy headers, error
// pages included; pictures and the stylesheet may be cached.
func TestSecurityHeaders(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		a := e.user(person{userName: "ada", email: "ada@acme.example", given: "Ada", family: "Lovelace", invited: true})
		b := e.browser()
		for _, path := range []string{e.link(a), "/claim/not-a-token", "/claim/code?code=ABCD", "/signin", "/account",
			"/claim/steps", "/claim/no/such/page", "/pictures/0123456789abcdef0123456789abcdef"} {
			r := b.get(path)
			for name, want := range map[string]string{
				"Content-Security-Policy":   "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
				"Strict-Transport-Security": "max-age=31536000",
				"X-Frame-Options":           "DENY",
				"X-Content-Type-Options":    "nosniff",
				"Referrer-Policy":           "no-referrer",
				"Cache-Control":             "no-store",
			} {
				if got := r.header.Get(name); got != want {
					t.Errorf("%s (%d): %s = %q; want %q", path, r.status, name, got, want)
				}
			}
			if !strings.Contains(r.body, `<html lang="en">`) || !strings.Contains(r.body, `name="viewport"`) {
				t.Errorf("%s: not one of our pages:\n%s", path, r.body)
			}
			if strings.Contains(r.body, "<script") || strings.Contains(r.body, "http://") || strings.Contains(r.body, "https://") {
				t.Errorf("%s: scripts or external references:\n%s", path, r.body)
			}
		}
		css := b.get(findStyle(t, b.page.body))
		if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") ||
			!strings.Contains(css.header.Get("Cache-Control"), "immutable") {
			t.Fatalf("stylesheet: %d %v", css.status, css.header)
		}
	})
}

func findStyle(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `<link rel="stylesheet" href="`)
	if i < 0 {
		t.Fatal("no stylesheet link")
	}
	rest := page[i+len(`<link rel="stylesheet" href="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestPictureUploadLimits: a picture over 5 MB is refused next to the
// field (the route allows bodies above the server's 1 MiB limit, others
// do not).
func TestPictureUploadLimits(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		a := e.user(person{userName: "ada", email: "ada@acme.example", given: "Ada", family: "Lovelace", invited: true})
		b := e.browser()
		b.get(e.link(a))
		b.submit("start", nil)
		b.submit("profile", url.Values{"action": {"skip"}})
		big := append(pngPicture(t, 64), bytes.Repeat([]byte{0}, 2<<20)...) // 2 MiB: above the server limit, within the picture's
		b.upload("big.png", big)
		if b.page.status == http.StatusRequestEntityTooLarge {
			t.Fatalf("a 2 MiB upload hit the server's body limit:\n%s", b.page.body)
		}
		b.upload("huge.png", bytes.Repeat([]byte{0x89}, 6<<20))
		b.want(http.StatusRequestEntityTooLarge, "/claim/steps/picture", "at most 5 MB")
		if !strings.Contains(b.page.body, `id="err-picture"`) {
			t.Fatalf("the error is not next to the field:\n%s", b.page.body)
		}
		b.post("/signin", url.Values{"login": {strings.Repeat("x", 2<<20)}})
		if b.page.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("a 2 MiB sign-in form: %d", b.page.status)
		}
	})
}
