package admin

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// adminID is the id of the admin a token belongs to.
func adminID(api *contract, token string) string {
	api.e.t.Helper()
	status, me := api.get(token, Prefix+"/me")
	if status != http.StatusOK {
		api.e.t.Fatalf("GET /me = %d", status)
	}
	return me["id"].(string)
}

func TestOwnAdminTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		api := newContract(e)
		alice := e.token(e.org.ID, "alice@acme.example", directory.RoleReader)
		bob := e.token(e.org.ID, "bob@acme.example", directory.RoleReader)
		aliceID, bobID := adminID(api, alice), adminID(api, bob)
		mine := Prefix + "/admins/" + aliceID + "/tokens"

		var list adminTokensReply
		decodeInto(t, api.do(http.MethodGet, mine, alice, nil), &list)
		if len(list.Items) != 1 || list.Items[0].Name != "test" || list.Items[0].Status != "active" || list.Items[0].LastUsedAt == nil {
			t.Fatalf("GET own tokens = %+v", list)
		}
		r := api.do(http.MethodPost, mine, alice, map[string]any{"name": "laptop", "expires_in_days": 7})
		var laptop createdAdminTokenDoc
		decodeInto(t, r, &laptop)
		if r.Status != 201 || laptop.Name != "laptop" || laptop.AdminID != aliceID {
			t.Fatalf("POST own token = %d %s", r.Status, r.Body)
		}
		if d := laptop.ExpiresAt.Sub(laptop.CreatedAt); d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour+time.Minute {
			t.Fatalf("a 7-day token lives %v", d)
		}
		if adminID(api, laptop.Token) != aliceID {
			t.Fatal("the new token is not alice's")
		}
		stored, err := e.store.AdminToken(t.Context(), e.org.ID, laptop.ID)
		must(t, err)
		if stored.Hash == laptop.Token || stored.Hash != e.hasher.Hash(laptop.Token) {
			t.Fatal("the token is not stored as its keyed hash")
		}

		for _, path := range []string{Prefix + "/admins/" + bobID + "/tokens", Prefix + "/admins/no-such-admin/tokens"} {
			wantProblem(t, "list someone else's tokens", api.do(http.MethodGet, path, alice, nil), 403, "forbidden")
			wantProblem(t, "mint someone else's token", api.do(http.MethodPost, path, alice, map[string]any{"name": "x"}), 403, "not_owner")
		}
		bad := api.do(http.MethodPost, mine, alice, map[string]any{"name": "", "expires_in_days": 4000})
		if got := fieldsAtFault(t, bad); bad.Status != 400 || !slices.Equal(got, []string{"expires_in_days", "name"}) {
			t.Fatalf("a bad token body = %d %s", bad.Status, bad.Body)
		}
		testRotateAndRevoke(t, e, api, alice, aliceID, laptop)
		noSecretsAudited(e, laptop.Token)
	})
}

// testRotateAndRevoke: rotation swaps the secret under the same name and
// lifetime, in one step; revocation is final and idempotent.
func testRotateAndRevoke(t *testing.T, e *adminEnv, api *contract, alice, aliceID string, laptop createdAdminTokenDoc) {
	base := Prefix + "/admins/" + aliceID + "/tokens/"
	r := api.do(http.MethodPost, base+laptop.ID+"/rotate", alice, nil)
	var fresh createdAdminTokenDoc
	decodeInto(t, r, &fresh)
	if r.Status != 201 || fresh.ID == laptop.ID || fresh.Name != "laptop" || fresh.Token == laptop.Token {
		t.Fatalf("rotate = %d %s", r.Status, r.Body)
	}
	if d := fresh.ExpiresAt.Sub(fresh.CreatedAt); d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour+time.Minute {
		t.Fatalf("the rotated token lives %v; want the old one's 7 days", d)
	}
	if status, _ := api.get(laptop.Token, Prefix+"/me"); status != http.StatusUnauthorized {
		t.Fatalf("the rotated-out token still works: %d", status)
	}
	if adminID(api, fresh.Token) != aliceID {
		t.Fatal("the rotated-in token does not work")
	}
	rotated := auditOf(e, "admin_token.rotate")
	if len(rotated) != 1 || rotated[0].TargetID != laptop.ID {
		t.Fatalf("admin_token.rotate audit = %+v", rotated)
	}
	wantProblem(t, "rotate a revoked token", api.do(http.MethodPost, base+laptop.ID+"/rotate", alice, nil), 409, "token_revoked")

	off := api.do(http.MethodDelete, base+fresh.ID, alice, nil)
	if off.Status != 200 || off.JSON()["status"] != "revoked" {
		t.Fatalf("revoke = %d %s", off.Status, off.Body)
	}
	if status, _ := api.get(fresh.Token, Prefix+"/me"); status != http.StatusUnauthorized {
		t.Fatalf("a revoked token works: %d", status)
	}
	if again := api.do(http.MethodDelete, base+fresh.ID, alice, nil); again.Status != 200 || len(auditOf(e, "admin_token.revoke")) != 1 {
		t.Fatalf("revoke twice = %d, audited %d times", again.Status, len(auditOf(e, "admin_token.revoke")))
	}
	wantProblem(t, "a token that is not this admin's", api.do(http.MethodDelete, base+"no-such-token", alice, nil), 404, "not_found")
}

// TestOthersAdminTokens: with admins.manage, an admin lists and revokes
// other admins' tokens, but never mints or rotates one (whoever holds a
// token acts as its owner); not through another admin's path.
func TestOthersAdminTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		api := newContract(e)
		root := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)
		carol := e.token(e.org.ID, "carol@acme.example", directory.RoleAccountManager)
		dave := e.token(e.org.ID, "dave@acme.example", directory.RoleReader)
		carolID, daveID := adminID(api, carol), adminID(api, dave)

		wantProblem(t, "mint carol's token", api.do(http.MethodPost, Prefix+"/admins/"+carolID+"/tokens", root, map[string]any{"name": "ci"}), 403, "not_owner")
		r := api.do(http.MethodPost, Prefix+"/admins/"+carolID+"/tokens", carol, map[string]any{"name": "ci"})
		var ci createdAdminTokenDoc
		decodeInto(t, r, &ci)
		if r.Status != 201 || ci.AdminID != carolID || adminID(api, ci.Token) != carolID {
			t.Fatalf("carol mints her own token = %d %s", r.Status, r.Body)
		}
		if d := ci.ExpiresAt.Sub(time.Now()); d < 89*24*time.Hour || d > 91*24*time.Hour {
			t.Fatalf("a token without a lifetime expires in %v; want 90 days", d)
		}
		var list adminTokensReply
		decodeInto(t, api.do(http.MethodGet, Prefix+"/admins/"+carolID+"/tokens", root, nil), &list)
		if len(list.Items) != 2 {
			t.Fatalf("carol's tokens = %+v", list)
		}
		wantProblem(t, "carol's token under dave's path", api.do(http.MethodDelete, Prefix+"/admins/"+daveID+"/tokens/"+ci.ID, root, nil), 404, "not_found")
		wantProblem(t, "rotate carol's token", api.do(http.MethodPost, Prefix+"/admins/"+carolID+"/tokens/"+ci.ID+"/rotate", root, nil), 403, "not_owner")
		if r := api.do(http.MethodDelete, Prefix+"/admins/"+carolID+"/tokens/"+ci.ID, root, nil); r.Status != 200 {
			t.Fatalf("revoke carol's token = %d %s", r.Status, r.Body)
		}
		if r := api.do(http.MethodDelete, Prefix+"/admins/"+daveID, root, nil); r.Status != 200 {
			t.Fatalf("disable dave = %d", r.Status)
		}
		decodeInto(t, api.do(http.MethodGet, Prefix+"/admins/"+daveID+"/tokens", root, nil), &list)
		if len(list.Items) != 1 || list.Items[0].Status != "admin_disabled" || list.Items[0].RevokedAt != nil {
			// Disabling leaves the tokens unrevoked; they stop working
			// because their admin is disabled.
			t.Fatalf("dave's tokens = %+v", list)
		}
		if status, _ := api.get(dave, Prefix+"/me"); status != http.StatusUnauthorized {
			t.Fatalf("a disabled admin's token works: %d", status)
		}
	})
}

// TestConcurrentRotations: rotating one token from many requests at once
// leaves exactly one new token working; the others find it revoked.
func TestConcurrentRotations(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		alice := e.token(e.org.ID, "alice@acme.example", directory.RoleAccountManager)
		id := adminID(newContract(e), alice)
		r := e.do(http.MethodPost, Prefix+"/admins/"+id+"/tokens", alice, map[string]any{"name": "ci"})
		var ci createdAdminTokenDoc
		decodeInto(t, r, &ci)
		const n = 8
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				statuses <- e.do(http.MethodPost, Prefix+"/admins/"+id+"/tokens/"+ci.ID+"/rotate", alice, nil).Status
			})
		}
		wg.Wait()
		close(statuses)
		created := 0
		for s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Errorf("a rotation answered %d", s)
			}
		}
		tokens, err := e.store.ListAdminTokens(t.Context(), e.org.ID, id)
		must(t, err)
		live := 0
		for _, tok := range tokens {
			if tok.RevokedAt == nil {
				live++
			}
		}
		// alice's own harness token and one rotated ci.
		if created != 1 || live != 2 {
			t.Fatalf("%d rotations succeeded, %d tokens live; want 1 and 2", created, live)
		}
	})
}
