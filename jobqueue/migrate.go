package jobqueue

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Migrate creates or updates River's tables (river_job and friends) next
// to Latchkey's, and reports how many migrations it applied.
func Migrate(ctx context.Context, dialect Dialect, db *sql.DB) (int, error) {
	var (
		res *rivermigrate.MigrateResult
		err error
	)
	switch dialect {
	case SQLite:
		m, mErr := rivermigrate.New(riversqlite.New(db), nil)
		if mErr != nil {
			return 0, fmt.Errorf("jobqueue: migrate: %w", mErr)
		}
		res, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	case Postgres:
		m, mErr := rivermigrate.New(riverdatabasesql.New(db), nil)
		if mErr != nil {
			return 0, fmt.Errorf("jobqueue: migrate: %w", mErr)
		}
		res, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	default:
		return 0, fmt.Errorf("jobqueue: unknown dialect %q", dialect)
	}
	if err != nil {
		return 0, fmt.Errorf("jobqueue: migrate: %w", err)
	}
	return len(res.Versions), nil
}
