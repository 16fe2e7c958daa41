package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/testdb"
)

// populate gives a fresh database an organization and a SCIM token, and
// returns the token, whose hash only verifies under the same server key.
func populate(t *testing.T, env map[string]string) string {
	t.Helper()
	mustRun(t, env, "migrate")
	mustRun(t, env, "org", "create", "--name", "Acme Inc", "--slug", "acme")
	return mustRun(t, env, "scim-token", "create", "--org", "acme", "--name", "Entra ID").lastLine()
}

// checkRestored opens a restored database as a fresh latchkey would and
// finds the data and the token there.
func checkRestored(t *testing.T, env map[string]string, token string) {
	t.Helper()
	if out := mustRun(t, env, "migrate").stdout; !strings.Contains(out, "up to date") {
		t.Errorf("migrate on the restored database printed %q; want up to date", out)
	}
	if out := mustRun(t, env, "org", "list").stdout; !strings.Contains(out, "acme") {
		t.Errorf("org list on the restored database printed %q; want acme", out)
	}
	store, hasher := openForInspection(t, env)
	checkAuthenticates(t, store, hasher, token, true)
}

// TestBackupSQLite follows docs/operations.md: back up while the server
// runs, then restore on a new machine (the file and its .key beside it)
// and find the organization and a working token.
func TestBackupSQLite(t *testing.T) {
	env := backends[0].env(t)
	token := populate(t, env)
	startServer(t, env)
	copyPath := filepath.Join(t.TempDir(), "backup.db")
	out := mustRun(t, env, "backup", "--to", copyPath).stdout
	if !strings.Contains(out, "Backed up") || !strings.Contains(out, env["LATCHKEY_DATABASE_URL"]+".key") {
		t.Fatalf("backup printed %q; want the copy and where the server key is", out)
	}

	restored := filepath.Join(t.TempDir(), "latchkey.db")
	copyFile(t, copyPath, restored)
	copyFile(t, env["LATCHKEY_DATABASE_URL"]+".key", restored+".key")
	checkRestored(t, map[string]string{"LATCHKEY_DATABASE_URL": restored}, token)
}

func TestBackupRefusals(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "taken.db")
	if err := os.WriteFile(existing, []byte("an earlier backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	sqlite := backends[0].env(t)
	mustRun(t, sqlite, "migrate")
	for _, c := range []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantText string
	}{
		{"no target", sqlite, nil, 2, "--to FILE is required"},
		{"existing target", sqlite, []string{"--to", existing}, 1, "already exists"},
		{"missing database", map[string]string{"LATCHKEY_DATABASE_URL": filepath.Join(t.TempDir(), "none.db")},
			[]string{"--to", filepath.Join(t.TempDir(), "b.db")}, 1, "no such file"},
		{"postgres", map[string]string{"LATCHKEY_DATABASE_URL": "postgres://latchkey@127.0.0.1:1/latchkey"},
			[]string{"--to", filepath.Join(t.TempDir(), "b.db")}, 1, "pg_dump"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, c.env, append([]string{"backup"}, c.args...)...)
			if r.err == nil || exitCode(r.err) != c.wantCode || !strings.Contains(r.err.Error(), c.wantText) {
				t.Fatalf("backup = %v (exit %d); want exit %d mentioning %q", r.err, exitCode(r.err), c.wantCode, c.wantText)
			}
		})
	}
}

// TestPostgresDumpAndRestore follows docs/operations.md for PostgreSQL:
// pg_dump -Fc, pg_restore into a new database, latchkey migrate there,
// and the data and tokens are back.
func TestPostgresDumpAndRestore(t *testing.T) {
	env := backends[1].env(t) // skips without LATCHKEY_TEST_DATABASE_URL, as every PostgreSQL test
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH: the documented PostgreSQL backup needs the client tools (apt-get install postgresql-client)", tool)
		}
	}
	token := populate(t, env)
	base := os.Getenv(testdb.EnvPostgresURL)
	schema := searchPath(t, env["LATCHKEY_DATABASE_URL"])
	dump := filepath.Join(t.TempDir(), "latchkey.dump")
	// The test database is shared, so only this test's schema is dumped;
	// an installation dumps its whole database.
	runTool(t, "pg_dump", "-Fc", "--no-owner", "-n", schema, "-f", dump, "-d", base)

	target := freshDatabase(t, base)
	runTool(t, "pg_restore", "--no-owner", "--exit-on-error", "-d", target, dump)
	restored := map[string]string{
		"LATCHKEY_DATABASE_URL": withQuery(t, target, "search_path", schema),
		"LATCHKEY_SECRET_KEY":   env["LATCHKEY_SECRET_KEY"],
	}
	checkRestored(t, restored, token)
}

func runTool(t *testing.T, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// freshDatabase creates an empty database beside base's and returns its
// URL; it is dropped when the test ends.
func freshDatabase(t *testing.T, base string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "lk_restore_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func searchPath(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}

func withQuery(t *testing.T, raw, key, value string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
