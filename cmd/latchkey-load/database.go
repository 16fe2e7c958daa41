package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"

	"github.com/jackc/pgx/v5"
)

// benchDBName limits which databases bench may create and drop: only its
// own, so a typo can never drop someone's real database.
var benchDBName = regexp.MustCompile(`^latchkey_bench[a-z0-9_]{0,40}$`)

// withDatabase returns the PostgreSQL URL u pointing at database name.
func withDatabase(u, name string) (string, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	parsed.Path = "/" + name
	parsed.RawPath = ""
	return parsed.String(), nil
}

// benchDatabase is where a bench run keeps its data.
type benchDatabase struct {
	URL     string // what latchkey gets as LATCHKEY_DATABASE_URL
	Fresh   bool   // created by this run (so migrate and seed it)
	cleanup func(ctx context.Context) error
}

// preparePostgres creates database name next to adminURL's, or reuses it.
func preparePostgres(ctx context.Context, adminURL, name string, reuse, keep bool) (benchDatabase, error) {
	if !benchDBName.MatchString(name) {
		return benchDatabase{}, usagef("--db-name %q must match %s (bench drops it afterwards)", name, benchDBName)
	}
	dbURL, err := withDatabase(adminURL, name)
	if err != nil {
		return benchDatabase{}, err
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return benchDatabase{}, fmt.Errorf("connect to %s: %w", redactURL(adminURL), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return benchDatabase{}, err
	}
	db := benchDatabase{URL: dbURL, cleanup: func(context.Context) error { return nil }}
	if reuse && exists {
		return db, nil
	}
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return db, err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return db, err
	}
	db.Fresh = true
	if !keep {
		db.cleanup = func(ctx context.Context) error {
			c, err := pgx.Connect(ctx, adminURL)
			if err != nil {
				return err
			}
			defer c.Close(ctx)
			_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
			return err
		}
	}
	return db, nil
}

// prepareDB prepares a PostgreSQL database called name next to url's, or
// the SQLite file url.
func prepareDB(ctx context.Context, url, name string, reuse, keep bool) (benchDatabase, error) {
	if isPostgresURL(url) {
		return preparePostgres(ctx, url, name, reuse, keep)
	}
	return prepareSQLite(url, reuse, keep)
}

// prepareSQLite uses path as the database file; it must not exist unless
// reusing it.
func prepareSQLite(path string, reuse, keep bool) (benchDatabase, error) {
	db := benchDatabase{URL: path, cleanup: func(context.Context) error { return nil }}
	_, err := os.Stat(path)
	switch {
	case err == nil && reuse:
		return db, nil
	case err == nil:
		return db, usagef("%s exists; remove it, or pass --reuse to measure it as it is", path)
	case !errors.Is(err, os.ErrNotExist):
		return db, err
	}
	db.Fresh = true
	if !keep {
		db.cleanup = func(context.Context) error {
			var errs []error
			for _, p := range []string{path, path + "-wal", path + "-shm", path + ".key"} {
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, err)
				}
			}
			return errors.Join(errs...)
		}
	}
	return db, nil
}

// redactURL hides a password in messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
