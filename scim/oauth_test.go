package scim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

var accessTokenShape = regexp.MustCompile(`^lks_[A-Za-z0-9_-]{43}$`)

// testClock is a clock tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// eachBackendAt runs fn on every backend with the handler on clock.
func eachBackendAt(t *testing.T, fn func(t *testing.T, e *scimEnv, clock *testClock)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			clock := newTestClock()
			fn(t, newEnv(t, b.dialect, b.url(t), envOptions{now: clock.Now}), clock)
		})
	}
}

// oauthClient is a registered SCIM client and its plaintext secret.
type oauthClient struct {
	directory.ScimClient
	secret string
}

func (e *scimEnv) newClient(orgID, name string) oauthClient {
	e.t.Helper()
	id, err := credential.NewClientID()
	if err != nil {
		e.t.Fatal(err)
	}
	secret, hash, err := e.hasher.New(credential.KindScimClientSecret)
	if err != nil {
		e.t.Fatal(err)
	}
	c := directory.ScimClient{OrgID: orgID, Name: name, ClientID: id, SecretHash: hash}
	if err := e.store.CreateScimClient(e.t.Context(), &c); err != nil {
		e.t.Fatal(err)
	}
	return oauthClient{ScimClient: c, secret: secret}
}

// rotate gives the client a new secret; the old one works until overlapUntil.
func (e *scimEnv) rotate(c *oauthClient, overlapUntil time.Time) (oldSecret string) {
	e.t.Helper()
	secret, hash, err := e.hasher.New(credential.KindScimClientSecret)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.RotateScimClientSecret(e.t.Context(), c.OrgID, c.ID, hash, overlapUntil); err != nil {
		e.t.Fatal(err)
	}
	old := c.secret
	c.secret = secret
	return old
}

// basic is an Authorization header with the credentials form-urlencoded
// first, as RFC 6749 §2.3.1 has clients do.
func basic(id, secret string) string {
	pair := url.QueryEscape(id) + ":" + url.QueryEscape(secret)
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(pair))
}

func clientCredentials() url.Values { return url.Values{"grant_type": {"client_credentials"}} }

func withForm(form url.Values, pairs ...string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		out.Set(pairs[i], pairs[i+1])
	}
	return out
}

// postToken sends a form to the token endpoint. Extra headers come in
// pairs; "RemoteAddr" sets the caller's address.
func (e *scimEnv) postToken(form url.Values, headers ...string) response {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "https://latchkey.example.com/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "RemoteAddr" {
			req.RemoteAddr = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.send(req)
}

func (e *scimEnv) send(req *http.Request) response {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, req)
	r := response{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	_ = json.Unmarshal(r.raw, &r.body)
	return r
}

// wantToken checks a successful token response and returns the token.
func (r response) wantToken(t *testing.T) string {
	t.Helper()
	r.want(t, http.StatusOK)
	r.wantUncached(t)
	token := r.str("access_token")
	if !accessTokenShape.MatchString(token) || r.str("token_type") != "Bearer" || r.get("expires_in") != float64(3600) {
		t.Fatalf("token response %s", r.raw)
	}
	return token
}

// wantOAuthError checks an RFC 6749 §5.2 error response.
func (r response) wantOAuthError(t *testing.T, status int, code string) response {
	t.Helper()
	r.want(t, status)
	r.wantUncached(t)
	if r.str("error") != code || r.str("error_description") == "" {
		t.Fatalf("error %q; want %q with a description\n%s", r.str("error"), code, r.raw)
	}
	if status == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") != `Basic realm="latchkey"` {
		t.Fatalf("401 with WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	return r
}

func (r response) wantUncached(t *testing.T) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q; want application/json", ct)
	}
	if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
		t.Fatalf("Cache-Control %q, Pragma %q; want no-store, no-cache", r.header.Get("Cache-Control"), r.header.Get("Pragma"))
	}
}

// TestOAuthClientCredentials walks the whole flow: a registered client
// gets tokens with HTTP Basic and with form fields, uses them on the SCIM
// endpoint, and they stop working when they expire.
func TestOAuthClientCredentials(t *testing.T) {
	eachBackendAt(t, func(t *testing.T, e *scimEnv, clock *testClock) {
		c := e.newClient(e.org.ID, "Entra ID gallery")
		viaBasic := e.postToken(clientCredentials(), "Authorization", basic(c.ClientID, c.secret)).wantToken(t)
		viaForm := e.postToken(withForm(clientCredentials(), "client_id", c.ClientID, "client_secret", c.secret)).wantToken(t)
		if viaBasic == viaForm {
			t.Fatal("two requests got the same token")
		}
		// §2.3.1: clients form-urlencode the pair before Basic; an encoded
		// character must decode. "%6C" is the secret's leading "l".
		encoded := "Basic " + base64.StdEncoding.EncodeToString([]byte(c.ClientID+":%6C"+c.secret[1:]))
		e.postToken(clientCredentials(), "Authorization", encoded).wantToken(t)
		// Naming the client in the body as well as in Basic is allowed.
		e.postToken(withForm(clientCredentials(), "client_id", c.ClientID), "Authorization", basic(c.ClientID, c.secret)).wantToken(t)
		scoped := e.postToken(withForm(clientCredentials(), "scope", "scim"), "Authorization", basic(c.ClientID, c.secret))
		scoped.wantToken(t)
		if scoped.str("scope") != "scim" {
			t.Fatalf("scope in the response %q; want scim", scoped.str("scope"))
		}

		for _, token := range []string{viaBasic, viaForm} {
			e.doAs(token, http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
		}
		e.doAs(viaBasic, http.MethodPost, "/scim/v2/Users", userBody("alice@acme.example")).want(t, http.StatusCreated)
		checkIssuedTokens(t, e, c, 5, clock.Now().Add(time.Hour))
		checkIssuanceAudited(t, e, c, viaBasic)

		clock.advance(time.Hour - time.Second)
		e.doAs(viaForm, http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
		clock.advance(time.Second)
		e.doAs(viaForm, http.MethodGet, "/scim/v2/Users", nil).wantError(t, http.StatusUnauthorized, "")
		e.doAs(viaBasic, http.MethodGet, "/scim/v2/Users", nil).wantError(t, http.StatusUnauthorized, "")
	})
}

func checkIssuedTokens(t *testing.T, e *scimEnv, c oauthClient, want int, expires time.Time) {
	t.Helper()
	tokens, err := e.store.ListScimTokens(t.Context(), e.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	issued := 0
	for _, tok := range tokens {
		if tok.ClientID != c.ID {
			continue
		}
		issued++
		if tok.Name != c.Name || tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(expires) {
			t.Fatalf("issued token %+v; want name %q, expiry %v", tok, c.Name, expires)
		}
	}
	if issued != want {
		t.Fatalf("%d tokens issued to the client; want %d", issued, want)
	}
}

func checkIssuanceAudited(t *testing.T, e *scimEnv, c oauthClient, token string) {
	t.Helper()
	events, err := e.store.ListAudit(t.Context(), e.org.ID, directory.AuditQuery{Action: "scim_token.issue"})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 {
		t.Fatal("no scim_token.issue audit event")
	}
	for _, ev := range events {
		if ev.ActorType != directory.ActorScimClient || ev.ActorID != c.ID || ev.ActorName != c.Name || ev.TargetID == "" {
			t.Fatalf("issuance audited as %+v", ev)
		}
		if strings.Contains(string(ev.Details), token) || strings.Contains(string(ev.Details), c.secret) {
			t.Fatalf("audit details hold a secret: %s", ev.Details)
		}
	}
	used, err := e.store.ScimClientByClientID(t.Context(), c.ClientID)
	if err != nil || used.LastUsedAt == nil {
		t.Fatalf("client's last use not recorded: %+v, %v", used, err)
	}
}

// TestOAuthSecretRotation: after a rotation both secrets work until the
// overlap ends; then only the new one does.
func TestOAuthSecretRotation(t *testing.T) {
	eachBackendAt(t, func(t *testing.T, e *scimEnv, clock *testClock) {
		c := e.newClient(e.org.ID, "Entra ID")
		old := e.rotate(&c, clock.Now().Add(24*time.Hour))
		e.postToken(clientCredentials(), "Authorization", basic(c.ClientID, old)).wantToken(t)
		e.postToken(clientCredentials(), "Authorization", basic(c.ClientID, c.secret)).wantToken(t)

		clock.advance(24 * time.Hour)
		e.postToken(clientCredentials(), "Authorization", basic(c.ClientID, old)).wantOAuthError(t, http.StatusUnauthorized, errInvalidClient)
		token := e.postToken(clientCredentials(), "Authorization", basic(c.ClientID, c.secret)).wantToken(t)
		e.doAs(token, http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	})
}

// TestOAuthRevokedClient: revoking a client refuses its secret at once
// and ends every token it was issued.
func TestOAuthRevokedClient(t *testing.T) {
	eachBackendAt(t, func(t *testing.T, e *scimEnv, clock *testClock) {
		c := e.newClient(e.org.ID, "Entra ID")
		token := e.postToken(clientCredentials(), "Authorization", basic(c.ClientID, c.secret)).wantToken(t)
		e.doAs(token, http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
		if err := e.store.RevokeScimClient(t.Context(), e.org.ID, c.ID, clock.Now()); err != nil {
			t.Fatal(err)
		}
		e.postToken(clientCredentials(), "Authorization", basic(c.ClientID, c.secret)).wantOAuthError(t, http.StatusUnauthorized, errInvalidClient)
		e.doAs(token, http.MethodGet, "/scim/v2/Users", nil).wantError(t, http.StatusUnauthorized, "")
		// The static token of the same organization is unaffected.
		e.do(http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)

		refused, err := e.store.ListAudit(t.Context(), e.org.ID, directory.AuditQuery{Action: "scim_client.token_refused"})
		if err != nil || len(refused) != 1 || !strings.Contains(string(refused[0].Details), "client revoked") {
			t.Fatalf("refusal audit = %+v, %v; want one event naming the revocation", refused, err)
		}
	})
}

// TestOAuthRequestErrors: each malformed or unauthorized request gets
// its RFC 6749 §5.2 error, and failed authentication says the same thing
// whatever the reason.
func TestOAuthRequestErrors(t *testing.T) {
	eachBackendAt(t, func(t *testing.T, e *scimEnv, clock *testClock) {
		c := e.newClient(e.org.ID, "Entra ID")
		revoked := e.newClient(e.org.ID, "Old Entra")
		if err := e.store.RevokeScimClient(t.Context(), e.org.ID, revoked.ID, clock.Now()); err != nil {
			t.Fatal(err)
		}
		auth := []string{"Authorization", basic(c.ClientID, c.secret)}
		unknownID, _ := credential.NewClientID()

		e.postToken(withForm(clientCredentials(), "grant_type", "password"), auth...).wantOAuthError(t, http.StatusBadRequest, errUnsupportedGrantType)
		e.postToken(url.Values{}, auth...).wantOAuthError(t, http.StatusBadRequest, errInvalidRequest)
		e.postToken(clientCredentials()).wantOAuthError(t, http.StatusUnauthorized, errInvalidClient)
		e.postToken(clientCredentials(), "Authorization", "Bearer "+e.token).wantOAuthError(t, http.StatusUnauthorized, errInvalidClient)
		e.postToken(clientCredentials(), "Authorization", "Basic not-base64!").wantOAuthError(t, http.StatusUnauthorized, errInvalidClient)
		e.postToken(withForm(clientCredentials(), "client_secret", c.secret), auth...).wantOAuthError(t, http.StatusBadRequest, errInvalidRequest)
		e.postToken(withForm(clientCredentials(), "client_id", unknownID), auth...).wantOAuthError(t, http.StatusBadRequest, errInvalidRequest)

		asJSON := httptest.NewRequest(http.MethodPost, "https://latchkey.example.com/oauth/token",
			strings.NewReader(`{"grant_type":"client_credentials","client_id":"`+c.ClientID+`","client_secret":"`+c.secret+`"}`))
		asJSON.Header.Set("Content-Type", "application/json")
		e.send(asJSON).wantOAuthError(t, http.StatusBadRequest, errInvalidRequest)
		inURL := httptest.NewRequest(http.MethodPost, "https://latchkey.example.com/oauth/token?"+
			withForm(clientCredentials(), "client_id", c.ClientID, "client_secret", c.secret).Encode(), nil)
		inURL.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		e.send(inURL).wantOAuthError(t, http.StatusBadRequest, errInvalidRequest)
		repeated := httptest.NewRequest(http.MethodPost, "https://latchkey.example.com/oauth/token",
			strings.NewReader("grant_type=client_credentials&grant_type=client_credentials"))
		repeated.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		repeated.Header.Set("Authorization", auth[1])
		e.send(repeated).wantOAuthError(t, http.StatusBadRequest, errInvalidRequest)
		e.send(httptest.NewRequest(http.MethodGet, "https://latchkey.example.com/oauth/token", nil)).
			wantOAuthError(t, http.StatusMethodNotAllowed, errInvalidRequest)
		e.send(httptest.NewRequest(http.MethodPost, "https://latchkey.example.com/oauth/authorize", nil)).
			wantOAuthError(t, http.StatusNotFound, errInvalidRequest)

		// Another client's secret, an unknown client, a revoked client, no
		// secret, a malformed client id: one indistinguishable answer.
		var answers []string
		for _, creds := range [][2]string{
			{c.ClientID, revoked.secret},
			{unknownID, c.secret},
			{revoked.ClientID, revoked.secret},
			{c.ClientID, ""},
			{"not-a-client-id", c.secret},
		} {
			r := e.postToken(withForm(clientCredentials(), "client_id", creds[0], "client_secret", creds[1]))
			answers = append(answers, string(r.wantOAuthError(t, http.StatusUnauthorized, errInvalidClient).raw))
		}
		for _, a := range answers[1:] {
			if a != answers[0] {
				t.Fatalf("failed authentications differ:\n%s\n%s", answers[0], a)
			}
		}
	})
}

// TestOAuthThrottle: token requests are limited per client id and per
// caller address, with 429, slow_down and Retry-After.
func TestOAuthThrottle(t *testing.T) {
	clock := newTestClock()
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{now: clock.Now})
	c := e.newClient(e.org.ID, "Entra ID")
	form := withForm(clientCredentials(), "client_id", c.ClientID, "client_secret", "lksc_wrong")
	for range tokenBurstPerClient {
		e.postToken(form, "RemoteAddr", "198.51.100.1:1000").wantOAuthError(t, http.StatusUnauthorized, errInvalidClient)
	}
	// Guessing from another address does not get around the client's limit.
	r := e.postToken(form, "RemoteAddr", "198.51.100.2:1000").wantOAuthError(t, http.StatusTooManyRequests, errSlowDown)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	clock.advance(time.Duration(float64(time.Second) / tokenRatePerClient))
	e.postToken(withForm(form, "client_secret", c.secret), "RemoteAddr", "198.51.100.2:1000").wantToken(t)

	// One address may not try client ids without end.
	guess := func() url.Values {
		other, _ := credential.NewClientID()
		return withForm(form, "client_id", other)
	}
	for range tokenBurstPerIP {
		e.postToken(guess(), "RemoteAddr", "203.0.113.9:1000").wantOAuthError(t, http.StatusUnauthorized, errInvalidClient)
	}
	e.postToken(guess(), "RemoteAddr", "203.0.113.9:1000").wantOAuthError(t, http.StatusTooManyRequests, errSlowDown)
}

// TestOAuthBodyLimit: an oversized body is refused before it is parsed.
func TestOAuthBodyLimit(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{bodyLimit: 1024})
	e.postToken(withForm(clientCredentials(), "padding", strings.Repeat("x", 2048))).
		wantOAuthError(t, http.StatusRequestEntityTooLarge, errInvalidRequest)
}
