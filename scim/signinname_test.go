package scim

import (
	"maps"
	"net/http"
	"testing"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// TestUserSignInName: the name a person chose while claiming shows in
// Latchkey's extension as read-only signInName, and no SCIM write sets,
// changes or clears it: IdPs own userName, the person owns this.
func TestUserSignInName(t *testing.T) {
	const signInName = schemas.LatchkeyURN + "|signInName"
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		id := e.do(http.MethodPost, "/scim/v2/Users", userBody("E-1042")).want(t, http.StatusCreated).str("id")
		a, err := e.store.Account(t.Context(), e.org.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		a.SignInName = "sam.field"
		if err := e.store.UpdateAccount(t.Context(), &a); err != nil {
			t.Fatal(err)
		}
		read := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		if read.str("userName") != "E-1042" || read.str(signInName) != "sam.field" {
			t.Fatalf("GET after the name was chosen:\n%s", read.raw)
		}

		for _, tc := range []struct {
			name   string
			method string
			body   func() map[string]any
			status int
		}{
			{"PUT of what was read (Okta)", http.MethodPut, func() map[string]any {
				body := maps.Clone(read.body)
				body["title"] = "Cashier"
				return body
			}, http.StatusOK},
			{"PUT naming another signInName", http.MethodPut, func() map[string]any {
				body := userBody("E-1042")
				body[schemas.LatchkeyURN] = map[string]any{"signInName": "someone.else", "frontline": true}
				return body
			}, http.StatusOK},
			{"PUT without the extension", http.MethodPut, func() map[string]any { return userBody("E-1042") }, http.StatusOK},
			{"PATCH of another attribute", http.MethodPatch, func() map[string]any {
				return patchBody(map[string]any{"op": "replace", "path": "title", "value": "Baker"})
			}, http.StatusOK},
			{"PATCH of the extension without signInName", http.MethodPatch, func() map[string]any {
				return patchBody(map[string]any{"op": "replace", "value": map[string]any{
					schemas.LatchkeyURN: map[string]any{"frontline": false}}})
			}, http.StatusOK},
			{"PATCH replaying signInName", http.MethodPatch, func() map[string]any {
				return patchBody(map[string]any{"op": "replace", "path": schemas.LatchkeyURN + ":signInName", "value": "sam.field"})
			}, http.StatusOK},
			{"PATCH changing signInName", http.MethodPatch, func() map[string]any {
				return patchBody(map[string]any{"op": "replace", "path": schemas.LatchkeyURN + ":signInName", "value": "someone.else"})
			}, http.StatusBadRequest},
			{"PATCH removing signInName", http.MethodPatch, func() map[string]any {
				return patchBody(map[string]any{"op": "remove", "path": schemas.LatchkeyURN + ":signInName"})
			}, http.StatusBadRequest},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(tc.method, "/scim/v2/Users/"+id, tc.body())
				if tc.status != http.StatusOK {
					r.wantError(t, tc.status, "mutability")
				} else if r.want(t, http.StatusOK); r.str(signInName) != "sam.field" || r.str("userName") != "E-1042" {
					t.Fatalf("answer shows userName %q, signInName %q:\n%s", r.str("userName"), r.str(signInName), r.raw)
				}
				stored, err := e.store.Account(t.Context(), e.org.ID, id)
				if err != nil {
					t.Fatal(err)
				}
				if stored.SignInName != "sam.field" || stored.UserName != "E-1042" {
					t.Fatalf("stored sign-in name %q, userName %q; want sam.field, E-1042", stored.SignInName, stored.UserName)
				}
			})
		}
	})
}

// TestUserWithoutSignInName: an account whose person chose no name shows
// no signInName at all.
func TestUserWithoutSignInName(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		r := e.do(http.MethodPost, "/scim/v2/Users", userBody("E-7")).want(t, http.StatusCreated)
		if lk, _ := r.body[schemas.LatchkeyURN].(map[string]any); lk == nil || lk["signInName"] != nil {
			t.Fatalf("extension without a chosen name:\n%s", r.raw)
		}
	})
}
