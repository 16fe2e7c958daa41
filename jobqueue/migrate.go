package jobqueue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// ErrPending means River's tables are missing or older than this build
// needs; `latchkey migrate` brings them up to date.
var ErrPending = errors.New("jobqueue: the job queue's tables are not up to date; run `latchkey migrate`")

// migrator is River's migrator over database/sql for either database.
type migrator interface {
	Migrate(ctx context.Context, direction rivermigrate.Direction, opts *rivermigrate.MigrateOpts) (*rivermigrate.MigrateResult, error)
	Validate(ctx context.Context, opts *rivermigrate.ValidateOpts) (*rivermigrate.ValidateResult, error)
}

func newMigrator(dialect Dialect, db *sql.DB) (migrator, error) {
	var (
		m   migrator
		err error
	)
	switch dialect {
	case SQLite:
		m, err = rivermigrate.New(riversqlite.New(db), nil)
	case Postgres:
		m, err = rivermigrate.New(riverdatabasesql.New(db), nil)
	default:
		return nil, fmt.Errorf("jobqueue: unknown dialect %q", dialect)
	}
	if err != nil {
		return nil, fmt.Errorf("jobqueue: migrations: %w", err)
	}
	return m, nil
}

// Migrate creates or updates River's tables (river_job and friends) next
// to Latchkey's, and reports how many migrations it applied.
func Migrate(ctx context.Context, dialect Dialect, db *sql.DB) (int, error) {
	m, err := newMigrator(dialect, db)
	if err != nil {
		return 0, err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return 0, fmt.Errorf("jobqueue: migrate: %w", err)
	}
	return len(res.Versions), nil
}

// Check reports ErrPending when River's tables need migrating.
func Check(ctx context.Context, dialect Dialect, db *sql.DB) error {
	m, err := newMigrator(dialect, db)
	if err != nil {
		return err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("jobqueue: check migrations: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("%w (%s)", ErrPending, strings.Join(res.Messages, "; "))
	}
	return nil
}
