package gormstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

// SQLite result codes (https://www.sqlite.org/rescode.html) we branch on.
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteConstraintFK     = 787
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
)

// sqliteError is what the glebarez/modernc driver returns.
type sqliteError interface {
	error
	Code() int
}

// translate turns driver and gorm errors into directory's sentinels. It is
// the only place in Latchkey that knows what a driver error looks like.
// Sentinels pass through unchanged; anything unrecognised keeps its text
// for the log but never reaches a client (protocols answer 500 for it).
func translate(err error) error {
	if err == nil {
		return nil
	}
	for _, sentinel := range []error{
		directory.ErrNotFound, directory.ErrConflict, directory.ErrVersionMismatch,
		directory.ErrInvalid, directory.ErrUnavailable, context.Canceled,
	} {
		if errors.Is(err, sentinel) {
			return err
		}
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return directory.ErrNotFound
	}
	if kind := classify(err); kind != nil {
		return fmt.Errorf("%w: %v", kind, err)
	}
	return err
}

func classify(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return classifyPostgres(pgErr.Code)
	}
	var liteErr sqliteError
	if errors.As(err, &liteErr) {
		return classifySQLite(liteErr.Code())
	}
	if unreachable(err) {
		return directory.ErrUnavailable
	}
	return nil
}

func classifyPostgres(code string) error {
	switch {
	case code == "23505": // unique_violation
		return directory.ErrConflict
	case code == "23503": // foreign_key_violation: the referenced row is gone
		return directory.ErrNotFound
	case len(code) == 5 && code[:2] == "22", // data exception: a value the column cannot hold
		code == "54000": // program limit exceeded: a value too large to index
		return directory.ErrInvalid
	case len(code) == 5 && code[:2] == "08", // connection exception class
		code == "57P01", code == "57P02", code == "57P03", // shutdown, crash, cannot connect now
		code == "53300",                  // too many connections
		code == "40001", code == "40P01": // serialization failure, deadlock: retry later
		return directory.ErrUnavailable
	}
	return nil
}

func classifySQLite(code int) error {
	switch code {
	case sqliteConstraintUnique, sqliteConstraintPK:
		return directory.ErrConflict
	case sqliteConstraintFK:
		return directory.ErrNotFound
	}
	switch code & 0xff { // primary result code
	case sqliteBusy, sqliteLocked:
		return directory.ErrUnavailable
	}
	return nil
}

// unreachable reports errors that mean "the database is not answering":
// refused or reset connections, timeouts, a closed pool.
func unreachable(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr),
		errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn),
		// The next use of a connection PostgreSQL dropped (a restart) or
		// pgx closed (a cancelled query) inside a transaction.
		errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, context.DeadlineExceeded),
		pgconn.Timeout(err):
		return true
	}
	return false
}
