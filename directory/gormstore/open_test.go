package gormstore

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
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

// TestSQLiteConnection: the connection's settings really apply. A
// transaction holds the write lock from its BEGIN (so another process
// writing between its read and its write cannot fail it with
// SQLITE_BUSY_SNAPSHOT), and times are written in the format SQLite's own
// date functions read.
func TestSQLiteConnection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latchkey.db")
	s, err := Open(t.Context(), Options{URL: path, Dialect: SQLite})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if _, err := s.DB().ExecContext(ctx, "CREATE TABLE t (at TIMESTAMP)"); err != nil {
		t.Fatal(err)
	}
	// Another process's handle, which does not wait for locks.
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = s.InTx(ctx, func(directory.Store) error {
		_, err := other.ExecContext(ctx, "INSERT INTO t VALUES ('2026-01-01 00:00:00')")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("another handle wrote inside a transaction (err %v): transactions are not IMMEDIATE", err)
	}

	at := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	if _, err := s.DB().ExecContext(ctx, "INSERT INTO t VALUES (?)", at); err != nil {
		t.Fatal(err)
	}
	var raw string
	var parsed sql.NullString
	if err := s.DB().QueryRowContext(ctx, "SELECT CAST(at AS TEXT), datetime(at, 'subsec') FROM t").Scan(&raw, &parsed); err != nil {
		t.Fatal(err)
	}
	if raw != "2026-01-02 03:04:05.123456+00:00" || parsed.String != "2026-01-02 03:04:05.123" {
		t.Fatalf("a time was written as %q (SQLite reads it as %q)", raw, parsed.String)
	}
}
