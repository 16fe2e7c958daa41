package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

var (
	clientSecretLine = regexp.MustCompile(`^lksc_[A-Za-z0-9_-]{43}$`)
	clientIDInOutput = regexp.MustCompile(`Client ID: +(lkc_[A-Za-z0-9_-]{22})`)
)

// TestScimClients walks an operator through an OAuth client's life on each
// backend: create it, fetch a SCIM token from the running server with its
// secret, list it, rotate the secret with and without overlap, revoke it,
// and find every step audited.
func TestScimClients(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env := b.env(t)
			env["USER"] = "ops"
			mustRun(t, env, "migrate")
			mustRun(t, env, "org", "create", "--name", "Acme Inc", "--slug", "acme")

			created := mustRun(t, env, "scim-client", "create", "--org", "default", "--name", "Entra ID")
			secret := created.lastLine()
			if !clientSecretLine.MatchString(secret) {
				t.Fatalf("last line of scim-client create = %q; want the secret", secret)
			}
			clientID := clientIDInOutput.FindStringSubmatch(created.stdout)[1]
			id := idInOutput.FindStringSubmatch(created.stdout)[1]
			if !strings.Contains(created.stdout, "/oauth/token") || !strings.Contains(created.stdout, "access tokens last 1h") {
				t.Fatalf("scim-client create printed %q", created.stdout)
			}
			if r := runCLI(t, env, "scim-client", "create", "--org", "default"); exitCode(r.err) != 2 {
				t.Fatalf("create without --name = %v; want a usage error", r.err)
			}
			store, hasher := openForInspection(t, env)

			token := fetchToken(t, startServer(t, env).baseURL, clientID, secret)
			checkAuthenticates(t, store, hasher, token, true)

			list := mustRun(t, env, "scim-client", "list", "--org", "default").stdout
			if !strings.Contains(list, id) || !strings.Contains(list, clientID) || !strings.Contains(list, "active") || strings.Contains(list, secret) {
				t.Fatalf("scim-client list printed %q", list)
			}

			rotated := mustRun(t, env, "scim-client", "rotate", id, "--overlap", "1h")
			newSecret := rotated.lastLine()
			if !clientSecretLine.MatchString(newSecret) || newSecret == secret || !strings.Contains(rotated.stdout, "keeps working until") {
				t.Fatalf("scim-client rotate printed %q", rotated.stdout)
			}
			checkClientSecret(t, store, hasher, clientID, secret, time.Now(), true)
			checkClientSecret(t, store, hasher, clientID, newSecret, time.Now(), true)
			checkClientSecret(t, store, hasher, clientID, secret, time.Now().Add(61*time.Minute), false)
			if list := mustRun(t, env, "scim-client", "list").stdout; !strings.Contains(list, time.Now().UTC().Format("2006-01-02T")) {
				t.Fatalf("scim-client list during the overlap shows no end for the old secret: %q", list)
			}
			immediate := mustRun(t, env, "scim-client", "rotate", "--overlap", "0", id).lastLine()
			checkClientSecret(t, store, hasher, clientID, newSecret, time.Now(), false)
			checkClientSecret(t, store, hasher, clientID, immediate, time.Now(), true)
			if r := runCLI(t, env, "scim-client", "rotate", id, "--overlap", "90d"); exitCode(r.err) != 2 {
				t.Fatalf("an overlap of 90 days = %v; want a usage error", r.err)
			}

			if r := runCLI(t, env, "scim-client", "revoke", "--org", "acme", id); r.err == nil || !strings.Contains(r.err.Error(), "no SCIM client") {
				t.Fatalf("revoking another organization's client = %v", r.err)
			}
			mustRun(t, env, "scim-client", "revoke", id)
			if list := mustRun(t, env, "scim-client", "list").stdout; !strings.Contains(list, "revoked") {
				t.Fatalf("scim-client list after revoke printed %q", list)
			}
			checkClientSecret(t, store, hasher, clientID, immediate, time.Now(), false)
			checkAuthenticates(t, store, hasher, token, false)
			if r := runCLI(t, env, "scim-client", "rotate", id); r.err == nil || !strings.Contains(r.err.Error(), "revoked") {
				t.Fatalf("rotating a revoked client = %v", r.err)
			}
			checkAudit(t, store, "default", "scim_client.create", "scim_token.issue", "scim_client.rotate", "scim_client.revoke")
		})
	}
}

// fetchToken trades the client's credentials for a SCIM token at the
// running server and checks that the token opens the SCIM endpoint.
func fetchToken(t *testing.T, baseURL, clientID, secret string) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	req, err := http.NewRequest(http.MethodPost, baseURL+"/oauth/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.ExpiresIn != 3600 {
		t.Fatalf("POST /oauth/token = %d %+v, %v", resp.StatusCode, body, err)
	}
	req, _ = http.NewRequest(http.MethodGet, baseURL+"/scim/v2/Users", nil)
	req.Header.Set("Authorization", "Bearer "+body.AccessToken)
	users, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	users.Body.Close()
	if users.StatusCode != http.StatusOK {
		t.Fatalf("GET /scim/v2/Users with the issued token = %d", users.StatusCode)
	}
	return body.AccessToken
}

func checkClientSecret(t *testing.T, store directory.Store, hasher credential.Hasher, clientID, secret string, at time.Time, want bool) {
	t.Helper()
	_, err := credential.AuthenticateClient(t.Context(), hasher, clientID, secret, at, store.ScimClientByClientID,
		func(err error) bool { return errors.Is(err, directory.ErrNotFound) })
	if (err == nil) != want {
		t.Fatalf("client secret accepted at %v: %v (err %v); want %v", at, err == nil, err, want)
	}
}
