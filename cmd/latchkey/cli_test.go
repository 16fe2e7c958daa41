package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

var (
	scimTokenLine  = regexp.MustCompile(`^lks_[A-Za-z0-9_-]{43}$`)
	adminTokenLine = regexp.MustCompile(`^lka_[A-Za-z0-9_-]{43}$`)
	idInOutput     = regexp.MustCompile(`id ([0-9a-f-]{36})`)
	// migrationApplied matches `migrate status` whatever the column widths.
	migrationApplied = regexp.MustCompile(`00001_directory\.sql +applied`)
)

// TestAdministration walks a newcomer's first steps on each backend: migrate,
// see the default organization, create an organization, mint, list and
// revoke a SCIM token, create an admin, and finds every step audited.
func TestAdministration(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env := b.env(t)
			env["USER"] = "ops"

			r := runCLI(t, env, "org", "list")
			if r.err == nil || !strings.Contains(r.err.Error(), "latchkey migrate") {
				t.Fatalf("org list before migrate = %v; want advice to run latchkey migrate", r.err)
			}
			if out := mustRun(t, env, "migrate").stdout; !strings.Contains(out, "Applied 00001_directory.sql") {
				t.Fatalf("first migrate printed %q", out)
			}
			if out := mustRun(t, env, "migrate").stdout; !strings.Contains(out, "up to date") {
				t.Fatalf("second migrate printed %q", out)
			}
			if out := mustRun(t, env, "migrate", "status").stdout; !migrationApplied.MatchString(out) {
				t.Fatalf("migrate status printed %q", out)
			}
			if out := mustRun(t, env, "org", "list").stdout; !strings.Contains(out, "default  Default organization") {
				t.Fatalf("org list on a fresh database printed %q", out)
			}
			mustRun(t, env, "org", "create", "--name", "Acme Inc", "--slug", "acme")
			if r := runCLI(t, env, "org", "create", "--name", "Again", "--slug", "acme"); r.err == nil || !strings.Contains(r.err.Error(), "already exists") {
				t.Fatalf("duplicate org create = %v", r.err)
			}
			if r := runCLI(t, env, "org", "create", "--name", "Bad", "--slug", "Not A Slug"); exitCode(r.err) != 2 {
				t.Fatalf("invalid slug = %v; want a usage error", r.err)
			}

			created := mustRun(t, env, "scim-token", "create", "--org", "default", "--name", "Entra ID", "--expires", "90d")
			token := created.lastLine()
			if !scimTokenLine.MatchString(token) {
				t.Fatalf("last line of scim-token create = %q; want the token", token)
			}
			tokenID := idInOutput.FindStringSubmatch(created.stdout)[1]
			store, hasher := openForInspection(t, env)
			checkAuthenticates(t, store, hasher, token, true)

			list := mustRun(t, env, "scim-token", "list", "--org", "default").stdout
			if !strings.Contains(list, tokenID) || !strings.Contains(list, "active") || strings.Contains(list, token) {
				t.Fatalf("scim-token list printed %q", list)
			}
			if r := runCLI(t, env, "scim-token", "revoke", "--org", "acme", tokenID); r.err == nil {
				t.Fatal("revoking another organization's token succeeded")
			}
			mustRun(t, env, "scim-token", "revoke", tokenID)
			if list := mustRun(t, env, "scim-token", "list").stdout; !strings.Contains(list, "revoked") {
				t.Fatalf("scim-token list after revoke printed %q", list)
			}
			checkAuthenticates(t, store, hasher, token, false)

			admin := mustRun(t, env, "admin", "create", "--org", "acme", "--email", "root@acme.example", "--role", "system_admin")
			if !adminTokenLine.MatchString(admin.lastLine()) {
				t.Fatalf("last line of admin create = %q; want the admin token", admin.lastLine())
			}
			if r := runCLI(t, env, "admin", "create", "--org", "acme", "--email", "ROOT@acme.example", "--role", "reader"); r.err == nil {
				t.Fatal("a second admin with the same email was created")
			}
			checkAdminToken(t, store, hasher, admin.lastLine())
			checkAudit(t, store, "default", "organization.create", "scim_token.create", "scim_token.revoke")
			checkAudit(t, store, "acme", "organization.create", "admin.create", "admin_token.create")
		})
	}
}

func openForInspection(t *testing.T, env map[string]string) (*gormstore.Store, credential.Hasher) {
	t.Helper()
	fs := newFlagSet(&cli{getenv: func(k string) string { return env[k] }}, "inspect", "")
	flags := config.Flags(fs)
	cfg, err := config.Load(flags, func(k string) string { return env[k] }, config.Needs{SecretKey: true})
	if err != nil {
		t.Fatal(err)
	}
	store, err := gormstore.Open(t.Context(), gormstore.Options{URL: cfg.DatabaseDSN, Dialect: gormstore.Dialect(cfg.Backend)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	hasher, err := newHasher(cfg, newLogger(cfg, &bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	return store, hasher
}

func checkAuthenticates(t *testing.T, store directory.Store, hasher credential.Hasher, token string, want bool) {
	t.Helper()
	_, err := credential.Authenticate(t.Context(), hasher, credential.KindScim, token, time.Now(),
		store.ScimTokenByHash, func(err error) bool { return errors.Is(err, directory.ErrNotFound) })
	if (err == nil) != want {
		t.Fatalf("token authenticates: %v (err %v); want %v", err == nil, err, want)
	}
}

func checkAdminToken(t *testing.T, store directory.Store, hasher credential.Hasher, token string) {
	t.Helper()
	tok, err := credential.Authenticate(t.Context(), hasher, credential.KindAdmin, token, time.Now(),
		store.AdminTokenByHash, func(err error) bool { return errors.Is(err, directory.ErrNotFound) })
	if err != nil {
		t.Fatalf("admin token does not authenticate: %v", err)
	}
	admin, err := store.Admin(t.Context(), tok.OrgID, tok.AdminID)
	if err != nil || admin.Role != directory.RoleSystemAdmin {
		t.Fatalf("admin behind the token = %+v, %v", admin, err)
	}
}

func checkAudit(t *testing.T, store directory.Store, slug string, actions ...string) {
	t.Helper()
	org, err := store.OrganizationBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	events, err := store.ListAudit(t.Context(), org.ID, directory.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range events {
		got[e.Action] = true
	}
	for _, a := range actions {
		if !got[a] {
			t.Errorf("organization %s has no %q audit event (has %v)", slug, a, got)
		}
	}
}

// TestTokensStoredOnlyAsHashes reads the raw SQLite file: the plaintext of
// a token never reaches disk, its keyed hash does.
func TestTokensStoredOnlyAsHashes(t *testing.T) {
	env := backends[0].env(t)
	mustRun(t, env, "migrate")
	token := mustRun(t, env, "scim-token", "create", "--name", "Okta").lastLine()
	_, hasher := openForInspection(t, env)
	raw := readDatabaseFiles(t, env["LATCHKEY_DATABASE_URL"])
	if bytes.Contains(raw, []byte(token)) || bytes.Contains(raw, []byte(token[4:])) {
		t.Fatal("the token's plaintext is in the database file")
	}
	if !bytes.Contains(raw, []byte(hasher.Hash(token))) {
		t.Fatal("the token's keyed hash is not in the database file")
	}
}

func readDatabaseFiles(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestSecretKeyFile: the embedded default generates its key once, mode
// 0600, and keeps using it; PostgreSQL never generates one.
func TestSecretKeyFile(t *testing.T) {
	env := backends[0].env(t)
	mustRun(t, env, "migrate")
	token := mustRun(t, env, "scim-token", "create", "--name", "first").lastLine()
	keyFile := env["LATCHKEY_DATABASE_URL"] + ".key"
	info, err := os.Stat(keyFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file %s: %v, mode %v; want mode 0600", keyFile, err, info.Mode())
	}
	before, _ := os.ReadFile(keyFile)
	mustRun(t, env, "scim-token", "create", "--name", "second")
	after, _ := os.ReadFile(keyFile)
	if !bytes.Equal(before, after) {
		t.Fatal("the key file changed on the second run")
	}
	store, hasher := openForInspection(t, env)
	checkAuthenticates(t, store, hasher, token, true)

	pg := map[string]string{"LATCHKEY_DATABASE_URL": "postgres://127.0.0.1:1/latchkey"}
	r := runCLIContext(context.Background(), pg, "scim-token", "create", "--name", "x")
	if r.err == nil || !strings.Contains(r.err.Error(), "LATCHKEY_SECRET_KEY is required") {
		t.Fatalf("PostgreSQL without a key = %v; want LATCHKEY_SECRET_KEY is required", r.err)
	}
}

// TestPostgresNeverGeneratesKeys: a missing key file on PostgreSQL is an
// error, never a fresh key that other replicas would not share.
func TestPostgresNeverGeneratesKeys(t *testing.T) {
	env := backends[1].env(t)
	delete(env, "LATCHKEY_SECRET_KEY")
	missing := t.TempDir() + "/latchkey.key"
	env["LATCHKEY_SECRET_KEY_FILE"] = missing
	mustRun(t, env, "migrate")
	r := runCLI(t, env, "scim-token", "create", "--name", "x")
	if r.err == nil || !strings.Contains(r.err.Error(), "does not exist") {
		t.Fatalf("scim-token create with a missing key file on PostgreSQL = %v", r.err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a key file was generated for PostgreSQL: %v", err)
	}
}
