package gormstore

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSQLitePathWithURICharacters: a database path holding characters a
// file: URI gives meaning to opens that very file, with its pragmas.
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%d")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "latchkey.db")
	s, err := Open(t.Context(), Options{URL: path, Dialect: SQLite})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mode string
	if err := s.DB().QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal (the pragmas were lost)", mode, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not where it was asked to be: %v", err)
	}
}
