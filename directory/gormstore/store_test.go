package gormstore

import (
	"os"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/storetest"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/migrations"
)

// backends lists every database the conformance suite runs on.
var backends = []struct {
	name    string
	dialect Dialect
	url     func(t testing.TB) string
}{
	{"sqlite", SQLite, testdb.SQLitePath},
	{"postgres", Postgres, func(t testing.TB) string { return testdb.PostgresURL(t, os.Getenv) }},
}

func TestConformance(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) directory.Store {
				return openMigrated(t, b.dialect, b.url(t))
			})
		})
	}
}

func openEmpty(t *testing.T, dialect Dialect, url string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{URL: url, Dialect: dialect})
	if err != nil {
		t.Fatalf("Open(%s): %v", dialect, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openMigrated(t *testing.T, dialect Dialect, url string) *Store {
	t.Helper()
	s := openEmpty(t, dialect, url)
	if _, err := migrations.Up(t.Context(), s.DB(), migrations.Dialect(dialect)); err != nil {
		t.Fatalf("migrations.Up(%s): %v", dialect, err)
	}
	return s
}
