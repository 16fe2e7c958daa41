package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	// The pure-Go SQLite driver registers itself as "sqlite".
	_ "github.com/glebarez/go-sqlite"
)

func dialector(d Dialect, sqlDB *sql.DB) gorm.Dialector {
	if d == Postgres {
		return postgres.New(postgres.Config{Conn: sqlDB})
	}
	return sqlite.Dialector{Conn: sqlDB}
}

// openPostgres builds one pgx pool and exposes it as database/sql for
// gorm. It returns the handle and what closes the pgx pool under it: sql.DB.Close does not (the pool's connector has no
// Close), so without it every closed store would leave its connections
// open until the pool's idle timeout.
func openPostgres(ctx context.Context, opts Options) (*sql.DB, func(), error) {
	cfg, err := pgxpool.ParseConfig(opts.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("gormstore: parse database URL: %w", err)
	}
	timeout := opts.ConnectTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	cfg.ConnConfig.ConnectTimeout = timeout
	maxConns := opts.MaxOpenConns
	if maxConns <= 0 {
		maxConns = 20
	}
	cfg.MaxConns = int32(maxConns)
	cfg.HealthCheckPeriod = 15 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("gormstore: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	return db, pool.Close, nil
}

// uriPath escapes what a file: URI would otherwise read as its query,
// fragment or an escape ("a#b.db" is a file, not "a" with a fragment).
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// openSQLite opens path with the pragmas every connection needs: foreign
// keys on (SQLite defaults them off), WAL so readers never block the
// writer, a busy timeout instead of immediate SQLITE_BUSY, and immediate
// transactions so a read-then-write transaction never deadlocks.
//
// No _time_format: the driver (glebarez/go-sqlite) stops reading the
// query at _time_format, so _txlock after it was silently ignored and
// every transaction was DEFERRED; a transaction that read, then wrote
// after another process (the CLI beside the server) had written, failed
// with SQLITE_BUSY_SNAPSHOT. Its default time format is the "sqlite" one
// anyway (TestSQLiteConnection checks both).
func openSQLite(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+uriPath.Replace(path)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("gormstore: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	return db, nil
}
