// Package gormstore implements directory.Store with gorm on PostgreSQL
// (pgx) and on SQLite (the pure-Go glebarez driver, no cgo). gorm models
// stay inside this package; callers only ever see directory types and
// directory's sentinel errors.
package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/latchkeyhq/latchkey/directory"
)

// Dialect names the database behind a Store.
type Dialect string

// The supported databases.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Store is the gorm implementation of directory.Store.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect Dialect
	now     func() time.Time
	// inTx is set on the Store that InTx hands to its callback.
	inTx bool
	// closePool closes what sqlDB.Close leaves open (PostgreSQL's pool).
	closePool func()
}

var _ directory.Store = (*Store)(nil)

// Options configure Open.
type Options struct {
	// URL is a postgres:// URL for PostgreSQL, or a file path for SQLite.
	URL     string
	Dialect Dialect
	// MaxOpenConns bounds PostgreSQL connections (default 20). SQLite
	// always uses one connection: it allows one writer at a time anyway,
	// and a single connection never meets SQLITE_BUSY.
	MaxOpenConns int
	// ConnectTimeout bounds one connection attempt (default 5s).
	ConnectTimeout time.Duration
	// Now is the clock; tests inject one. Default time.Now.
	Now func() time.Time
}

// Open connects and pings the database once. It does not retry: the
// caller decides how long to wait for a database that is still starting.
func Open(ctx context.Context, opts Options) (*Store, error) {
	var (
		sqlDB     *sql.DB
		closePool = func() {}
		err       error
	)
	switch opts.Dialect {
	case Postgres:
		sqlDB, closePool, err = openPostgres(ctx, opts)
	case SQLite:
		sqlDB, err = openSQLite(opts.URL)
	default:
		return nil, fmt.Errorf("gormstore: unknown dialect %q", opts.Dialect)
	}
	if err != nil {
		return nil, err
	}
	s, err := newStore(sqlDB, opts)
	if err != nil {
		_ = sqlDB.Close()
		closePool()
		return nil, err
	}
	s.closePool = closePool
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func newStore(sqlDB *sql.DB, opts Options) (*Store, error) {
	db, err := gorm.Open(dialector(opts.Dialect, sqlDB), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true, // every write here is one statement or runs in InTx
		TranslateError:         false,
	})
	if err != nil {
		return nil, fmt.Errorf("gormstore: %w", translate(err))
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, sqlDB: sqlDB, dialect: opts.Dialect, now: now}, nil
}

// DB returns the underlying handle, for migrations and the job queue.
func (s *Store) DB() *sql.DB { return s.sqlDB }

// Dialect reports which database the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close releases every connection.
func (s *Store) Close() error {
	err := s.sqlDB.Close()
	if s.closePool != nil {
		s.closePool()
	}
	return err
}

// Ping checks the database answers; ErrUnavailable when it does not.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.WithContext(ctx).Exec("SELECT 1").Error; err != nil {
		return fmt.Errorf("gormstore: ping: %w", translate(err))
	}
	return nil
}

// InTx runs fn in one transaction on a Store bound to it.
func (s *Store) InTx(ctx context.Context, fn func(tx directory.Store) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, sqlDB: s.sqlDB, dialect: s.dialect, now: s.now, inTx: true})
	})
	if err == nil {
		return nil
	}
	// Errors from fn are already translated; only driver errors from
	// BEGIN/COMMIT still need it. translate leaves sentinels alone.
	return translate(err)
}

// timestamp is the store's clock, in UTC and truncated to microseconds so
// that a value read back equals the value written on every backend.
func (s *Store) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// newID returns an opaque, URL-safe, never-reused id. UUIDv7 ids are
// time-ordered, which keeps inserts at the right edge of B-tree indexes.
func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("gormstore: new id: %w", err)
	}
	return id.String(), nil
}

func (s *Store) ctx(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// write runs a single-statement write. Inside InTx on PostgreSQL it runs
// under a savepoint: there a failed statement aborts the whole
// transaction, and a caller that handles the error (a conflict it
// expected) must be able to carry on. SQLite backs out only the failed
// statement and keeps the transaction going, so one statement needs no
// savepoint there. Outside a transaction the statement is atomic by
// itself. Writes that cannot fail in a way a caller would handle, or that
// avoid the failure in SQL (ON CONFLICT), should not use write inside a
// transaction: every savepoint is a round trip and a subtransaction.
func (s *Store) write(ctx context.Context, fn func(db *gorm.DB) error) error {
	if s.inTx && s.dialect == Postgres {
		return s.ctx(ctx).Transaction(fn)
	}
	return fn(s.ctx(ctx))
}

// first loads one row into dst or returns ErrNotFound.
func first(q *gorm.DB, dst any) error {
	res := q.Limit(1).Find(dst)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return directory.ErrNotFound
	}
	return nil
}
