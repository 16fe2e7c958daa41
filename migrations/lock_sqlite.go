package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// lockSQLite serializes processes migrating one SQLite file (`latchkey
// migrate` run while a server starts) with an exclusive lock on a file
// beside it, FILE-migrate.lock. SQLite's own write lock is not enough:
// goose reads the applied versions before each migration's transaction,
// so a second process that waited for the first's write lock would then
// apply the same migration again. The lock file is left in place; the
// operating system releases the lock when the process ends.
func lockSQLite(ctx context.Context, db *sql.DB, waiting func()) (func() error, error) {
	var path string
	err := db.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path)
	if err != nil {
		return nil, fmt.Errorf("migrations: find the database file: %w", err)
	}
	if path == "" { // in memory: only this connection can see it
		return func() error { return nil }, nil
	}
	f, err := os.OpenFile(path+"-migrate.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("migrations: lock file: %w", err)
	}
	if err := lockFile(ctx, f, waiting); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("migrations: lock %s: %w", f.Name(), err)
	}
	return f.Close, nil // closing the file releases its lock
}
