package admin

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

func TestScimTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		api := newContract(e)
		root := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)

		r := api.do(http.MethodPost, Prefix+"/scim-tokens", root, map[string]any{"name": "Entra ID"})
		var made createdScimTokenDoc
		decodeInto(t, r, &made)
		if r.Status != 201 || made.Name != "Entra ID" || made.Status != "active" || made.SCIMBaseURL != testBaseURL+"/scim/v2" ||
			!strings.HasPrefix(made.Token, string(credential.KindScim)+"_") {
			t.Fatalf("POST /scim-tokens = %d %s", r.Status, r.Body)
		}
		if d := made.ExpiresAt.Sub(time.Now()); d < 364*24*time.Hour || d > 366*24*time.Hour {
			t.Fatalf("a SCIM token without a lifetime expires in %v; want 365 days", d)
		}
		stored, err := e.store.ScimTokenByHash(t.Context(), e.hasher.Hash(made.Token))
		must(t, err)
		if stored.ID != made.ID || !stored.UsableAt(time.Now()) {
			t.Fatalf("the token as stored = %+v", stored)
		}
		short := api.do(http.MethodPost, Prefix+"/scim-tokens", root, map[string]any{"name": "Okta", "expires_in_days": 30})
		if d := time.Until(*decodeScimToken(t, short).ExpiresAt); short.Status != 201 || d > 31*24*time.Hour || d < 29*24*time.Hour {
			t.Fatalf("a 30-day SCIM token = %d, expires in %v", short.Status, d)
		}
		bad := api.do(http.MethodPost, Prefix+"/scim-tokens", root, map[string]any{"name": "", "expires_in_days": -1})
		if got := fieldsAtFault(t, bad); bad.Status != 400 || !slices.Equal(got, []string{"expires_in_days", "name"}) {
			t.Fatalf("a bad SCIM token body = %d %s", bad.Status, bad.Body)
		}

		var list scimTokensReply
		decodeInto(t, api.do(http.MethodGet, Prefix+"/scim-tokens", root, nil), &list)
		if len(list.Items) != 2 || list.Items[0].ID != made.ID {
			t.Fatalf("GET /scim-tokens = %+v", list)
		}
		off := api.do(http.MethodDelete, Prefix+"/scim-tokens/"+made.ID, root, nil)
		if off.Status != 200 || off.JSON()["status"] != "revoked" {
			t.Fatalf("DELETE /scim-tokens/{id} = %d %s", off.Status, off.Body)
		}
		if stored, _ := e.store.ScimTokenByHash(t.Context(), e.hasher.Hash(made.Token)); stored.UsableAt(time.Now()) {
			t.Fatal("a revoked SCIM token is usable")
		}
		if again := api.do(http.MethodDelete, Prefix+"/scim-tokens/"+made.ID, root, nil); again.Status != 200 {
			t.Fatalf("revoke twice = %d", again.Status)
		}
		wantProblem(t, "revoke an unknown token", api.do(http.MethodDelete, Prefix+"/scim-tokens/nope", root, nil), 404, "not_found")
		if n, m := len(auditOf(e, "scim_token.create")), len(auditOf(e, "scim_token.revoke")); n != 2 || m != 1 {
			t.Fatalf("audited %d creations and %d revocations; want 2 and 1", n, m)
		}
		noSecretsAudited(e, made.Token)

		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		wantProblem(t, "an account manager lists SCIM tokens", api.do(http.MethodGet, Prefix+"/scim-tokens", manager, nil), 403, "forbidden")
	})
}

func decodeScimToken(t *testing.T, r response) createdScimTokenDoc {
	t.Helper()
	var doc createdScimTokenDoc
	decodeInto(t, r, &doc)
	return doc
}
