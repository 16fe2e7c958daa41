// Package testdb gives each test its own empty database: a fresh SQLite
// file, or a fresh schema in the PostgreSQL named by
// LATCHKEY_TEST_DATABASE_URL. Only tests import it.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	// pgx's database/sql driver, registered as "pgx".
	_ "github.com/jackc/pgx/v5/stdlib"
)

// EnvPostgresURL names the variable that points tests at PostgreSQL. When
// it is set, a database that cannot be reached fails the test; when it is
// unset, PostgreSQL tests are skipped with a message naming it.
const EnvPostgresURL = "LATCHKEY_TEST_DATABASE_URL"

// SQLitePath returns a database file path in the test's temporary folder.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "latchkey.db")
}

// PostgresURL creates an empty schema for this test and returns a URL whose
// search_path selects it; the schema is dropped when the test ends.
func PostgresURL(t testing.TB, getenv func(string) string) string {
	t.Helper()
	base := getenv(EnvPostgresURL)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (for example postgres://postgres@127.0.0.1:5432/test) to run them", EnvPostgresURL)
	}
	schema := "lk_test_" + randomSuffix(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgresURL, err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("PostgreSQL at %s is required but unusable: %v", EnvPostgresURL, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

func withSearchPath(t testing.TB, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgresURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomSuffix(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
