package gormstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

type fakeSQLiteError struct{ code int }

func (e fakeSQLiteError) Error() string { return fmt.Sprintf("sqlite error %d", e.code) }
func (e fakeSQLiteError) Code() int     { return e.code }

func TestTranslate(t *testing.T) {
	other := errors.New("syntax error at or near")
	tests := []struct {
		name string
		in   error
		want error
	}{
		{"record not found", gorm.ErrRecordNotFound, directory.ErrNotFound},
		{"pg unique", &pgconn.PgError{Code: "23505"}, directory.ErrConflict},
		{"pg foreign key", &pgconn.PgError{Code: "23503"}, directory.ErrNotFound},
		{"pg admin shutdown", &pgconn.PgError{Code: "57P01"}, directory.ErrUnavailable},
		{"pg connection failure", &pgconn.PgError{Code: "08006"}, directory.ErrUnavailable},
		{"pg deadlock", &pgconn.PgError{Code: "40P01"}, directory.ErrUnavailable},
		{"sqlite unique", fakeSQLiteError{2067}, directory.ErrConflict},
		{"sqlite primary key", fakeSQLiteError{1555}, directory.ErrConflict},
		{"sqlite foreign key", fakeSQLiteError{787}, directory.ErrNotFound},
		{"sqlite busy", fakeSQLiteError{5}, directory.ErrUnavailable},
		{"sqlite busy snapshot", fakeSQLiteError{517}, directory.ErrUnavailable},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), directory.ErrUnavailable},
		{"eof", io.ErrUnexpectedEOF, directory.ErrUnavailable},
		{"pg conn closed", fmt.Errorf("insert: %w", pgconn.ErrConnClosed), directory.ErrUnavailable},
		{"deadline", context.DeadlineExceeded, directory.ErrUnavailable},
		{"sentinel passes", fmt.Errorf("x: %w", directory.ErrVersionMismatch), directory.ErrVersionMismatch},
		{"canceled passes", context.Canceled, context.Canceled},
		{"unknown stays", other, other},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := translate(tc.in); !errors.Is(got, tc.want) {
				t.Fatalf("translate(%v) = %v; want %v", tc.in, got, tc.want)
			}
		})
	}
	if translate(nil) != nil {
		t.Fatal("translate(nil) != nil")
	}
}

// TestUnreachablePostgres: a database that refuses connections is
// ErrUnavailable at Open, never a hang.
func TestUnreachablePostgres(t *testing.T) {
	_, err := Open(t.Context(), Options{URL: "postgres://postgres@127.0.0.1:1/none?connect_timeout=2", Dialect: Postgres})
	if !errors.Is(err, directory.ErrUnavailable) {
		t.Fatalf("Open(unreachable) = %v; want ErrUnavailable", err)
	}
}
