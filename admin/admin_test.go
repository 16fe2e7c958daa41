package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/migrations"
	"github.com/latchkeyhq/latchkey/server"
)

// adminEnv is the admin API on a real, migrated database behind the real
// HTTP server.
type adminEnv struct {
	t      *testing.T
	store  *gormstore.Store
	hasher credential.Hasher
	org    directory.Organization
	http   http.Handler
}

func eachBackend(t *testing.T, fn func(t *testing.T, e *adminEnv)) {
	backends := []struct {
		name    string
		dialect gormstore.Dialect
		url     func(t testing.TB) string
	}{
		{"sqlite", gormstore.SQLite, testdb.SQLitePath},
		{"postgres", gormstore.Postgres, func(t testing.TB) string { return testdb.PostgresURL(t, os.Getenv) }},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, newEnv(t, b.dialect, b.url(t))) })
	}
}

func newEnv(t *testing.T, dialect gormstore.Dialect, url string) *adminEnv {
	store, err := gormstore.Open(t.Context(), gormstore.Options{URL: url, Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if _, err := migrations.Up(t.Context(), store.DB(), migrations.Dialect(dialect)); err != nil {
		t.Fatal(err)
	}
	hasher, err := credential.NewHasher([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	e := &adminEnv{t: t, store: store, hasher: hasher, org: directory.Organization{Slug: "acme", Name: "Acme"}}
	if err := store.CreateOrganization(t.Context(), &e.org); err != nil {
		t.Fatal(err)
	}
	h := New(Options{Store: store, Hasher: hasher})
	e.http = server.New(server.Options{DB: store, Areas: []server.Area{h}}).Handler()
	return e
}

// token creates an admin with role in org and returns a token of theirs.
func (e *adminEnv) token(orgID, email string, role directory.Role) string {
	e.t.Helper()
	adm := directory.Admin{OrgID: orgID, Email: email, Role: role}
	if err := e.store.CreateAdmin(e.t.Context(), &adm); err != nil {
		e.t.Fatal(err)
	}
	token, hash, err := e.hasher.New(credential.KindAdmin)
	if err != nil {
		e.t.Fatal(err)
	}
	tok := directory.AdminToken{OrgID: orgID, AdminID: adm.ID, Name: "test", Hash: hash}
	if err := e.store.CreateAdminToken(e.t.Context(), &tok); err != nil {
		e.t.Fatal(err)
	}
	return token
}

func (e *adminEnv) get(token, path string) (int, map[string]any) {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "https://latchkey.example.com"+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, req)
	var body map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return rec.Code, body
}

func TestOutbox(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		for _, subject := range []string{"first", "second"} {
			m := directory.OutboxMessage{OrgID: e.org.ID, Recipient: "Ann <ann@acme.example>", Subject: subject, Text: "t", HTML: "h"}
			if err := e.store.AppendOutbox(t.Context(), &m); err != nil {
				t.Fatal(err)
			}
		}
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		status, body := e.get(manager, "/admin/v1/outbox?limit=1")
		msgs, _ := body["messages"].([]any)
		if status != 200 || len(msgs) != 1 || msgs[0].(map[string]any)["to"] != "Ann <ann@acme.example>" {
			t.Fatalf("GET /outbox?limit=1 = %d %v", status, body)
		}

		reader := e.token(e.org.ID, "audit@acme.example", directory.RoleReader)
		if status, body := e.get(reader, "/admin/v1/outbox"); status != 403 || body["code"] != "forbidden" {
			t.Fatalf("a reader reads the outbox: %d %v", status, body)
		}
		if status, _ := e.get("", "/admin/v1/outbox"); status != 401 {
			t.Fatalf("no token: %d", status)
		}
		if status, _ := e.get("lka_forged", "/admin/v1/outbox"); status != 401 {
			t.Fatalf("forged token: %d", status)
		}
		if status, _ := e.get(manager, "/admin/v1/outbox?limit=zero"); status != 400 {
			t.Fatalf("bad limit: %d", status)
		}
		other := directory.Organization{Slug: "other", Name: "Other"}
		if err := e.store.CreateOrganization(t.Context(), &other); err != nil {
			t.Fatal(err)
		}
		stranger := e.token(other.ID, "it@other.example", directory.RoleSystemAdmin)
		if _, body := e.get(stranger, "/admin/v1/outbox"); len(body["messages"].([]any)) != 0 {
			t.Fatalf("another organization's admin reads this outbox: %v", body)
		}
	})
}
