package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// LockKey is the PostgreSQL session advisory lock every Latchkey migrator
// holds: "latchkey" in ASCII, read as an int64. Releases before this one
// took the same key through goose, so old and new binaries exclude each
// other during a rolling upgrade. An operator finds the holder with
//
//	SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
//	  AND ((classid::bigint << 32) | objid::bigint) = 7809651199139603833;
const LockKey int64 = 0x6c617463686b6579

// acquire takes the migration lock and returns what releases it.
//
// PostgreSQL: pg_advisory_lock on a connection set aside for it, held
// while goose and River run on other connections of the pool. A process
// that dies while holding it loses its session, and PostgreSQL releases
// the lock with it.
//
// SQLite: see lockSQLite.
func acquire(ctx context.Context, db *sql.DB, dialect Dialect, waiting func()) (func() error, error) {
	if dialect == SQLite {
		return lockSQLite(ctx, db, waiting)
	}
	if db.Stats().MaxOpenConnections == 1 {
		return nil, errors.New("migrations: PostgreSQL needs a pool of at least 2 connections (one holds the migration lock); raise db_max_conns")
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: connection for the lock: %w", err)
	}
	if err := lockSession(ctx, conn, waiting); err != nil {
		discard(conn)
		return nil, err
	}
	return func() error { return unlockSession(ctx, conn) }, nil
}

func lockSession(ctx context.Context, conn *sql.Conn, waiting func()) error {
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", LockKey).Scan(&got); err != nil {
		return fmt.Errorf("migrations: take the lock: %w", err)
	}
	if got {
		return nil
	}
	if waiting != nil {
		waiting()
	}
	// Blocks until the holder is done. If ctx ends first, pgx closes the
	// connection and sends PostgreSQL a cancel request, so the abandoned
	// wait leaves the queue instead of taking the lock for nobody.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", LockKey); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("migrations: gave up waiting for the lock: %w", ctx.Err())
		}
		return fmt.Errorf("migrations: take the lock: %w", err)
	}
	return nil
}

// unlockSession releases the lock on a context of its own, so a cancelled
// migration still lets the next replica in. If that fails the session is
// ended instead: the pool would otherwise keep a connection that holds the
// lock for as long as the process lives.
func unlockSession(ctx context.Context, conn *sql.Conn) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var released bool
	err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", LockKey).Scan(&released)
	if err == nil && released {
		return conn.Close()
	}
	discard(conn)
	if err != nil {
		return fmt.Errorf("migrations: release the lock: %w", err)
	}
	return errors.New("migrations: the lock was not held at release")
}

// discard closes the session under conn rather than handing it back to
// the pool, which would keep it, and any lock it holds, alive.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(driverConn any) error {
		if c, ok := driverConn.(*stdlib.Conn); ok {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = c.Conn().Close(ctx)
		}
		return nil
	})
	_ = conn.Close()
}
