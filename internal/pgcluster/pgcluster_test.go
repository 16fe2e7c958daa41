package pgcluster_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkeyhq/latchkey/internal/pgcluster"
)

// TestCluster: a committed row survives a crash restart and a fast one;
// while the server is stopped connections are refused, and it serves
// again after Start.
func TestCluster(t *testing.T) {
	pg := pgcluster.New(t, os.Getenv)
	db, err := sql.Open("pgx", pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	exec(t, db, "CREATE TABLE kept (v text)")
	exec(t, db, "INSERT INTO kept VALUES ('before the crash')")

	for _, step := range []struct {
		name string
		do   func()
	}{
		{"crash restart", func() { pg.Restart(pgcluster.Immediate) }},
		{"fast restart", func() { pg.Restart(pgcluster.Fast) }},
		{"stop and start", func() {
			pg.Stop(pgcluster.Immediate)
			if err := ping(db); err == nil {
				t.Fatal("a stopped server answered")
			}
			pg.Start()
		}},
	} {
		step.do()
		if v, err := readKept(db); err != nil || v != "before the crash" {
			t.Fatalf("after %s: %q, %v", step.name, v, err)
		}
	}
}

func exec(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// readKept reads the row, trying a few times: the pool's first use of a
// connection that the restart cut reports the cut.
func readKept(db *sql.DB) (string, error) {
	var v string
	var err error
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = db.QueryRowContext(ctx, "SELECT v FROM kept").Scan(&v)
		cancel()
		if err == nil {
			return v, nil
		}
	}
	return v, err
}

func ping(db *sql.DB) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}
