package scim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestUserLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		body := userBody("Alice@Acme.example")
		body["externalId"] = "00u1"
		body["title"] = "Engineer"
		body["id"] = "attacker-chosen"
		body["meta"] = map[string]any{"created": "1999-01-01T00:00:00Z"}
		body["password"] = "1mz050nq"
		body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = map[string]any{
			"department": "Sales", "employeeNumber": "E-7", "manager": "mgr-1"}
		body["urn:example:custom:1.0:User"] = map[string]any{"shoeSize": json.Number("38")}
		body["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:custom:1.0:User"}

		created := e.do(http.MethodPost, "/scim/v2/Users", body).want(t, http.StatusCreated)
		id := created.str("id")
		if id == "attacker-chosen" || id == "" {
			t.Fatalf("id = %q; the server must assign it", id)
		}
		if created.header.Get("Location") != "https://latchkey.example.com/scim/v2/Users/"+id ||
			created.header.Get("ETag") != `W/"1"` || created.str("meta.version") != `W/"1"` {
			t.Fatalf("Location %q ETag %q meta.version %q", created.header.Get("Location"), created.header.Get("ETag"), created.str("meta.version"))
		}
		if strings.HasPrefix(created.str("meta.created"), "1999") || created.get("password") != nil {
			t.Fatalf("client-set meta or password leaked into the resource:\n%s", created.raw)
		}
		for path, want := range map[string]any{
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User|manager.value": "mgr-1",
			"urn:ietf:params:scim:schemas:extension:latchkey:2.0:User|invited":         false,
			"urn:ietf:params:scim:schemas:extension:latchkey:2.0:User|authMethod":      "password",
			"urn:example:custom:1.0:User|shoeSize":                                     float64(38),
			"externalId":                                                               "00u1",
			"active":                                                                   true,
		} {
			if got := created.get(path); got != want {
				t.Errorf("%s = %v; want %v", path, got, want)
			}
		}

		got := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		if got.str("userName") != "Alice@Acme.example" || got.get("urn:example:custom:1.0:User|shoeSize") != float64(38) {
			t.Fatalf("GET lost data:\n%s", got.raw)
		}
		e.do(http.MethodGet, "/scim/v2/Users/"+id, nil, "If-None-Match", `W/"1"`).want(t, http.StatusNotModified)

		dup := userBody("alice@ACME.example")
		e.do(http.MethodPost, "/scim/v2/Users", dup).wantError(t, http.StatusConflict, "uniqueness")
		found := e.do(http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "ALICE@acme.EXAMPLE"`), nil).want(t, http.StatusOK)
		if found.get("totalResults") != float64(1) || found.str("Resources.0.id") != id {
			t.Fatalf("case-insensitive lookup after a conflict:\n%s", found.raw)
		}

		// Okta's PUT sends back everything it read, plus a password.
		put := got.body
		put["title"] = "Staff Engineer"
		put["password"] = "new-secret"
		delete(put, "externalId")
		replaced := e.do(http.MethodPut, "/scim/v2/Users/"+id, put, "If-Match", `W/"1"`).want(t, http.StatusOK)
		if replaced.str("title") != "Staff Engineer" || replaced.get("externalId") != nil || replaced.str("meta.version") != `W/"2"` {
			t.Fatalf("PUT result:\n%s", replaced.raw)
		}
		e.do(http.MethodPut, "/scim/v2/Users/"+id, put, "If-Match", `W/"1"`).wantError(t, http.StatusPreconditionFailed, "")

		e.do(http.MethodDelete, "/scim/v2/Users/"+id, nil).want(t, http.StatusNoContent)
		e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).wantError(t, http.StatusNotFound, "")
		e.do(http.MethodDelete, "/scim/v2/Users/"+id, nil).wantError(t, http.StatusNotFound, "")

		events, err := e.store.ListAudit(t.Context(), e.org.ID, directory.AuditQuery{TargetID: id})
		if err != nil || len(events) != 3 || events[0].Action != "user.delete" || events[2].ActorName != "Entra ID" {
			t.Fatalf("audit = %+v, %v; want create, replace, delete by the token", events, err)
		}
	})
}

// TestDeleteClaimedUserDeactivates: people who claimed their account keep
// it; DELETE deactivates instead (documented in the README).
func TestDeleteClaimedUserDeactivates(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		id := e.do(http.MethodPost, "/scim/v2/Users", userBody("claimed@acme.example")).want(t, http.StatusCreated).str("id")
		a, err := e.store.Account(t.Context(), e.org.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		a.State = directory.StateClaimed
		if err := e.store.UpdateAccount(t.Context(), &a); err != nil {
			t.Fatal(err)
		}
		e.do(http.MethodDelete, "/scim/v2/Users/"+id, nil).want(t, http.StatusNoContent)
		got := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		if got.get("active") != false || got.get("urn:ietf:params:scim:schemas:extension:latchkey:2.0:User|claimed") != true {
			t.Fatalf("claimed user after DELETE:\n%s", got.raw)
		}
	})
}

func TestUserRequestErrors(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{bodyLimit: 4096})
	for name, tc := range map[string]struct {
		body     any
		status   int
		scimType string
	}{
		"not JSON":        {"{", 400, "invalidSyntax"},
		"array":           {"[]", 400, "invalidSyntax"},
		"no schemas":      {map[string]any{"userName": "x"}, 400, "invalidSyntax"},
		"no userName":     {map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}}, 400, "invalidValue"},
		"active not bool": {map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "x", "active": "maybe"}, 400, "invalidValue"},
		"emails not list": {map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "x", "emails": 7}, 400, "invalidValue"},
		"duplicate keys":  {`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","USERNAME":"b"}`, 400, "invalidSyntax"},
		"too large":       {`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + stringOf('x', 5000) + `"}`, 413, ""},
	} {
		t.Run(name, func(t *testing.T) {
			e.do(http.MethodPost, "/scim/v2/Users", tc.body).wantError(t, tc.status, tc.scimType)
		})
	}
	n, err := e.store.CountAccounts(t.Context(), e.org.ID)
	if err != nil || n != 0 {
		t.Fatalf("accounts after refused requests = %d, %v; want 0", n, err)
	}
	// Booleans as strings, as Entra sends them, are accepted.
	body := userBody("entra@acme.example")
	body["active"] = "False"
	r := e.do(http.MethodPost, "/scim/v2/Users", body).want(t, http.StatusCreated)
	if r.get("active") != false {
		t.Fatalf(`active "False" became %v`, r.get("active"))
	}
	// application/json and no Content-Type at all are accepted too.
	r = e.do(http.MethodPost, "/scim/v2/Users", userBody("json@acme.example"), "Content-Type", "application/json")
	r.want(t, http.StatusCreated)
}

// TestConcurrentDuplicateCreates: an IdP retrying a create it timed out on
// gets one 201 and 409s, never a 500, and one account exists.
func TestConcurrentDuplicateCreates(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		const n = 20
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- e.do(http.MethodPost, "/scim/v2/Users", userBody("retry@acme.example")).status
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		if count[http.StatusCreated] != 1 || count[http.StatusConflict] != n-1 {
			t.Fatalf("statuses = %v; want one 201 and %d 409", count, n-1)
		}
	})
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, backends[0].dialect, backends[0].url(t), envOptions{rate: 1, burst: 2})
	e.do(http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	e.do(http.MethodGet, "/scim/v2/Users", nil).want(t, http.StatusOK)
	r := e.do(http.MethodGet, "/scim/v2/Users", nil).wantError(t, http.StatusTooManyRequests, "tooMany")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

// TestUserPicture: the picture a person uploaded while claiming shows
// first in photos, as the primary one; the IdP's photos follow it, and a
// client writing back what it read does not store the picture as its own.
func TestUserPicture(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		const idpPhoto = "https://idp.example/photos/alice.jpg"
		const picture = "https://latchkey.example.com/pictures/pic-7f3a"
		body := userBody("alice@acme.example")
		body["photos"] = []any{map[string]any{"value": idpPhoto, "type": "photo", "primary": true}}
		id := e.do(http.MethodPost, "/scim/v2/Users", body).want(t, http.StatusCreated).str("id")

		setPicture := func(pictureID string) {
			t.Helper()
			a, err := e.store.Account(t.Context(), e.org.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			a.PictureID = pictureID
			if err := e.store.UpdateAccount(t.Context(), &a); err != nil {
				t.Fatal(err)
			}
		}
		setPicture("pic-7f3a")

		got := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		photos, _ := got.get("photos").([]any)
		if len(photos) != 2 || got.str("photos.0.value") != picture || got.str("photos.0.type") != "photo" ||
			got.get("photos.0.primary") != true || got.str("photos.1.value") != idpPhoto || got.get("photos.1.primary") != false {
			t.Fatalf("photos with a picture:\n%s", got.raw)
		}
		if got.header.Get("ETag") != `W/"2"` {
			t.Fatalf("ETag %q after the picture was set; want W/\"2\"", got.header.Get("ETag"))
		}
		listed := e.do(http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "alice@acme.example"`), nil).want(t, http.StatusOK)
		if listed.str("Resources.0.photos.0.value") != picture || listed.str("Resources.0.photos.1.value") != idpPhoto {
			t.Fatalf("listed user's photos:\n%s", listed.raw)
		}

		excluded := e.do(http.MethodGet, "/scim/v2/Users/"+id+"?excludedAttributes=photos", nil).want(t, http.StatusOK)
		if excluded.get("photos") != nil || excluded.str("userName") != "alice@acme.example" {
			t.Fatalf("excludedAttributes=photos:\n%s", excluded.raw)
		}
		only := e.do(http.MethodGet, "/scim/v2/Users/"+id+"?attributes=photos.value", nil).want(t, http.StatusOK)
		if only.get("userName") != nil || only.str("photos.0.value") != picture || only.str("photos.1.value") != idpPhoto ||
			only.get("photos.0.primary") != nil {
			t.Fatalf("attributes=photos.value:\n%s", only.raw)
		}

		// Okta's PUT sends back everything it read: the picture is not
		// stored as an IdP photo, so it shows once.
		put := got.body
		put["title"] = "Engineer"
		replaced := e.do(http.MethodPut, "/scim/v2/Users/"+id, put).want(t, http.StatusOK)
		if photos, _ := replaced.get("photos").([]any); len(photos) != 2 || replaced.str("photos.0.value") != picture ||
			replaced.str("photos.1.value") != idpPhoto {
			t.Fatalf("photos after a PUT of what was read:\n%s", replaced.raw)
		}
		a, err := e.store.Account(t.Context(), e.org.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(a.Resource), "/pictures/") {
			t.Fatalf("the picture was stored in the resource: %s", a.Resource)
		}

		// Without a picture, photos is what the IdP sent.
		setPicture("")
		cleared := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		if photos, _ := cleared.get("photos").([]any); len(photos) != 1 || cleared.str("photos.0.value") != idpPhoto {
			t.Fatalf("photos without a picture:\n%s", cleared.raw)
		}
	})
}

// TestUserPictureWithoutIdPPhotos: a picture alone is the only photo, and
// PATCHing photos in the IdP's own words leaves the picture first.
func TestUserPictureWithoutIdPPhotos(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		id := e.do(http.MethodPost, "/scim/v2/Users", userBody("bob@acme.example")).want(t, http.StatusCreated).str("id")
		if got := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK); got.get("photos") != nil {
			t.Fatalf("photos without a picture or IdP photos:\n%s", got.raw)
		}
		a, err := e.store.Account(t.Context(), e.org.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		a.PictureID = "pic-b0b"
		if err := e.store.UpdateAccount(t.Context(), &a); err != nil {
			t.Fatal(err)
		}
		got := e.do(http.MethodGet, "/scim/v2/Users/"+id, nil).want(t, http.StatusOK)
		if photos, _ := got.get("photos").([]any); len(photos) != 1 || got.str("photos.0.value") != "https://latchkey.example.com/pictures/pic-b0b" {
			t.Fatalf("photos with only a picture:\n%s", got.raw)
		}
		// Writing the picture back (as an IdP replaying what it read) stores nothing.
		same := e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{
			"op": "replace", "path": "photos", "value": got.get("photos"),
		})).want(t, http.StatusOK)
		if same.str("meta.version") != got.str("meta.version") {
			t.Fatalf("replaying the picture moved the version from %s to %s", got.str("meta.version"), same.str("meta.version"))
		}
		patched := e.do(http.MethodPatch, "/scim/v2/Users/"+id, patchBody(map[string]any{
			"op": "add", "path": "photos", "value": []any{map[string]any{"value": "https://idp.example/bob.png", "type": "thumbnail"}},
		})).want(t, http.StatusOK)
		if photos, _ := patched.get("photos").([]any); len(photos) != 2 || patched.str("photos.0.value") != "https://latchkey.example.com/pictures/pic-b0b" ||
			patched.str("photos.1.value") != "https://idp.example/bob.png" || patched.get("photos.1.primary") != false {
			t.Fatalf("photos after a PATCH:\n%s", patched.raw)
		}
	})
}
