// Package migrations holds Latchkey's versioned schema for PostgreSQL and
// SQLite, embedded in the binary. Each file is applied once, in order, in
// its own transaction, and recorded in the schema_migrations table. On
// PostgreSQL one session advisory lock (LockKey) serializes replicas that
// start at once, around the newer-database check and every migration.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Dialect selects the SQL flavour and the folder of migration files.
type Dialect string

// The supported databases.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// TableName is where applied versions are recorded.
const TableName = "schema_migrations"

var (
	// ErrPending means the database lacks migrations this binary has.
	ErrPending = errors.New("database schema is behind this binary")
	// ErrDatabaseNewer means the database was migrated by a newer binary;
	// running an older one against it could corrupt data.
	ErrDatabaseNewer = errors.New("database schema is newer than this binary")
)

// Migration is one applied or pending version.
type Migration struct {
	Version int64
	Name    string
	Applied bool
}

// Options adjust UpWith. The zero value applies Latchkey's migrations only.
type Options struct {
	// Waiting is called once, before blocking, when another process holds
	// the migration lock, so a deploy that seems stuck can say why.
	Waiting func()
	// Then runs inside the lock after Latchkey's migrations succeeded: the
	// place for schemas other libraries own (River's job tables), which
	// must not be migrated by two replicas at once either.
	Then func(ctx context.Context) error
}

// Up applies every pending migration under the migration lock and returns
// the versions it applied (none when the database is current).
func Up(ctx context.Context, db *sql.DB, dialect Dialect) ([]Migration, error) {
	return UpWith(ctx, db, dialect, Options{})
}

// UpWith is Up with options. Under one lock it refuses a database a newer
// binary migrated (ErrDatabaseNewer, changing nothing), applies pending
// migrations, then runs opts.Then.
func UpWith(ctx context.Context, db *sql.DB, dialect Dialect, opts Options) (applied []Migration, err error) {
	p, err := provider(db, dialect)
	if err != nil {
		return nil, err
	}
	unlock, err := acquire(ctx, db, dialect, opts.Waiting)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, unlock()) }()
	if err := refuseNewer(ctx, p); err != nil {
		return nil, err
	}
	applied, err = apply(ctx, p)
	if err != nil || opts.Then == nil {
		return applied, err
	}
	return applied, opts.Then(ctx)
}

func apply(ctx context.Context, p *goose.Provider) ([]Migration, error) {
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: apply: %w", err)
	}
	applied := make([]Migration, 0, len(results))
	for _, r := range results {
		applied = append(applied, Migration{Version: r.Source.Version, Name: baseName(r.Source.Path), Applied: true})
	}
	return applied, nil
}

// Status lists every migration this binary knows, applied or not.
func Status(ctx context.Context, db *sql.DB, dialect Dialect) ([]Migration, error) {
	p, err := provider(db, dialect)
	if err != nil {
		return nil, err
	}
	states, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: status: %w", err)
	}
	out := make([]Migration, 0, len(states))
	for _, s := range states {
		out = append(out, Migration{
			Version: s.Source.Version,
			Name:    baseName(s.Source.Path),
			Applied: s.State == goose.StateApplied,
		})
	}
	return out, nil
}

// Check returns ErrPending or ErrDatabaseNewer unless the database schema
// is exactly what this binary expects. Commands other than serve and
// migrate call it so they never run against a half-made schema.
func Check(ctx context.Context, db *sql.DB, dialect Dialect) error {
	p, err := provider(db, dialect)
	if err != nil {
		return err
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("migrations: read version: %w", err)
	}
	switch {
	case current > target:
		return fmt.Errorf("%w (database at %d, binary knows %d): %s", ErrDatabaseNewer, current, target, newerAdvice)
	case current < target:
		return fmt.Errorf("%w (database at %d, binary needs %d): run `latchkey migrate`", ErrPending, current, target)
	}
	return nil
}

// newerAdvice tells the operator what to do about ErrDatabaseNewer.
const newerAdvice = "run the latchkey release that migrated it (or a newer one); " +
	"never run an older binary on a migrated database: to go back, restore the backup taken before the upgrade"

func refuseNewer(ctx context.Context, p *goose.Provider) error {
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("migrations: read version: %w", err)
	}
	if current > target {
		return fmt.Errorf("%w (database at %d, binary knows %d): %s", ErrDatabaseNewer, current, target, newerAdvice)
	}
	return nil
}

func provider(db *sql.DB, dialect Dialect) (*goose.Provider, error) {
	fsys, err := fs.Sub(files, string(dialect))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithTableName(TableName),
	}
	var gooseDialect goose.Dialect
	switch dialect {
	case Postgres:
		// No goose locker: UpWith holds LockKey around goose and River
		// alike, and a second lock on another connection would only wait
		// for this process's own.
		gooseDialect = goose.DialectPostgres
	case SQLite:
		gooseDialect = goose.DialectSQLite3
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
	p, err := goose.NewProvider(gooseDialect, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

func baseName(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}
