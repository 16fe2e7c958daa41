package migrations_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/jobqueue"
	"github.com/latchkeyhq/latchkey/migrations"
)

// replica opens its own store on url, with its own connection pool, as a
// separately started server would.
func replica(t *testing.T, dialect gormstore.Dialect, url string) *gormstore.Store {
	t.Helper()
	s, err := gormstore.Open(t.Context(), gormstore.Options{URL: url, Dialect: dialect})
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// withRiver is what `latchkey migrate` passes: River's migrations inside
// the lock, counting how many each migrator applied.
func withRiver(s *gormstore.Store, applied *int, waited func()) migrations.Options {
	return migrations.Options{
		Waiting: waited,
		Then: func(ctx context.Context) error {
			n, err := jobqueue.Migrate(ctx, jobqueue.Dialect(s.Dialect()), s.DB())
			*applied = n
			return err
		},
	}
}

// backend is one database the lock is tested on. hold takes the lock the
// way another process migrating would and returns what releases it.
type backend struct {
	name    string
	dialect gormstore.Dialect
	url     func(t *testing.T) string
	hold    func(t *testing.T, url string) (release func())
}

var backends = []backend{
	{"sqlite", gormstore.SQLite, func(t *testing.T) string { return testdb.SQLitePath(t) }, holdFile},
	{"postgres", gormstore.Postgres, func(t *testing.T) string { return testdb.PostgresURL(t, os.Getenv) }, holdAdvisory},
}

// TestReplicasMigrateAtOnce: four replicas start together on an empty
// database. All succeed, every migration (Latchkey's and River's) is
// applied by exactly one of them, and the schema ends current.
func TestReplicasMigrateAtOnce(t *testing.T) {
	for _, c := range backends {
		t.Run(c.name, func(t *testing.T) {
			url := c.url(t)
			const n = 4
			stores := make([]*gormstore.Store, n)
			for i := range stores {
				stores[i] = replica(t, c.dialect, url)
			}
			applied := make([][]migrations.Migration, n)
			river := make([]int, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i, s := range stores {
				wg.Go(func() {
					applied[i], errs[i] = migrations.UpWith(t.Context(), s.DB(), migrations.Dialect(c.dialect),
						withRiver(s, &river[i], nil))
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("replica %d: %v", i, err)
				}
			}
			checkAppliedOnce(t, stores[0], c.dialect, slices.Concat(applied...))
			if riverRuns := slices.DeleteFunc(slices.Clone(river), func(n int) bool { return n == 0 }); len(riverRuns) != 1 {
				t.Errorf("River migrations applied per replica = %v; want one replica to apply them all", river)
			}
			if err := jobqueue.Check(t.Context(), jobqueue.Dialect(c.dialect), stores[0].DB()); err != nil {
				t.Errorf("River's tables after the replicas: %v", err)
			}
		})
	}
}

// checkAppliedOnce checks that got names every known migration exactly
// once and that the database records each version once.
func checkAppliedOnce(t *testing.T, s *gormstore.Store, dialect gormstore.Dialect, got []migrations.Migration) {
	t.Helper()
	d := migrations.Dialect(dialect)
	if err := migrations.Check(t.Context(), s.DB(), d); err != nil {
		t.Fatalf("Check after migrating: %v", err)
	}
	known, err := migrations.Status(t.Context(), s.DB(), d)
	if err != nil {
		t.Fatal(err)
	}
	var want, have []int64
	for _, m := range known {
		want = append(want, m.Version)
	}
	for _, m := range got {
		have = append(have, m.Version)
	}
	slices.Sort(have)
	if !slices.Equal(have, want) {
		t.Errorf("versions applied across replicas = %v; want each of %v once", have, want)
	}
	var rows, distinct int
	err = s.DB().QueryRowContext(t.Context(),
		"SELECT COUNT(*), COUNT(DISTINCT version_id) FROM "+migrations.TableName+" WHERE version_id > 0").Scan(&rows, &distinct)
	if err != nil || rows != len(want) || distinct != len(want) {
		t.Errorf("%s holds %d rows, %d versions (err %v); want %d of each", migrations.TableName, rows, distinct, err, len(want))
	}
}

// holdAdvisory takes PostgreSQL's migration lock on a connection of its
// own.
func holdAdvisory(t *testing.T, url string) func() {
	t.Helper()
	s := replica(t, gormstore.Postgres, url)
	conn, err := s.DB().Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "SELECT pg_advisory_lock($1)", migrations.LockKey); err != nil {
		t.Fatal(err)
	}
	return releaseOnce(t, func() error {
		_, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", migrations.LockKey)
		return errors.Join(err, conn.Close())
	})
}

// holdFile takes the SQLite migration lock: an flock on the file beside
// the database.
func holdFile(t *testing.T, path string) func() {
	t.Helper()
	f, err := os.OpenFile(path+"-migrate.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	return releaseOnce(t, f.Close)
}

func releaseOnce(t *testing.T, release func() error) func() {
	var once sync.Once
	r := func() {
		once.Do(func() {
			if err := release(); err != nil {
				t.Errorf("release the lock: %v", err)
			}
		})
	}
	t.Cleanup(r)
	return r
}

// outcome is what a migrator started in the background returned.
type outcome struct {
	applied []migrations.Migration
	err     error
}

// startMigrator runs UpWith in the background; waiting is closed when it
// reports that it waits for the lock.
func startMigrator(ctx context.Context, s *gormstore.Store, then func(context.Context) error) (waiting <-chan struct{}, done <-chan outcome) {
	w := make(chan struct{})
	d := make(chan outcome, 1)
	go func() {
		applied, err := migrations.UpWith(ctx, s.DB(), migrations.Dialect(s.Dialect()), migrations.Options{
			Waiting: func() { close(w) },
			Then:    then,
		})
		d <- outcome{applied, err}
	}()
	return w, d
}

// awaitWaiting blocks until the migrator says it waits, failing the test
// if it finished instead.
func awaitWaiting(t *testing.T, waiting <-chan struct{}, done <-chan outcome) {
	t.Helper()
	select {
	case <-waiting:
	case o := <-done:
		t.Fatalf("migrator did not wait for the lock holder; it returned %v", o.err)
	}
}

// TestMigratorWaitsForTheLockHolder: while another process holds the lock,
// a migrator says it waits and touches nothing; once the lock is released
// it migrates.
func TestMigratorWaitsForTheLockHolder(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			release := b.hold(t, url)
			s := replica(t, b.dialect, url)
			waiting, done := startMigrator(t.Context(), s, nil)
			awaitWaiting(t, waiting, done)
			if tables := tablesIn(t, s); len(tables) != 0 {
				t.Fatalf("while waiting for the lock the migrator created %v", tables)
			}
			release()
			o := <-done
			if o.err != nil || len(o.applied) == 0 {
				t.Fatalf("after the lock was released: applied %d, err %v", len(o.applied), o.err)
			}
		})
	}
}

// TestMigratorWaitingHonoursCancel: a deploy cancelled while waiting for
// the lock returns at once with the context's error, having changed
// nothing, and does not keep the lock from the next migrator.
func TestMigratorWaitingHonoursCancel(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			release := b.hold(t, url)
			s := replica(t, b.dialect, url)
			ctx, cancel := context.WithCancel(t.Context())
			waiting, done := startMigrator(ctx, s, nil)
			awaitWaiting(t, waiting, done)
			cancel()
			if o := <-done; !errors.Is(o.err, context.Canceled) {
				t.Fatalf("cancelled while waiting: %v; want context.Canceled", o.err)
			}
			if tables := tablesIn(t, s); len(tables) != 0 {
				t.Fatalf("a cancelled migrator created %v", tables)
			}
			release()
			if _, err := migrations.Up(t.Context(), s.DB(), migrations.Dialect(b.dialect)); err != nil {
				t.Fatalf("migrating after a cancelled waiter: %v", err)
			}
		})
	}
}

// TestRefusesNewerDatabaseFoundAfterWaiting: the lock holder is a newer
// binary that migrates past what this one knows. The waiting migrator
// gets the lock after it, refuses with ErrDatabaseNewer and changes
// nothing: no River tables, no version rows.
func TestRefusesNewerDatabaseFoundAfterWaiting(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			s := replica(t, b.dialect, url)
			known, err := migrations.Up(t.Context(), s.DB(), migrations.Dialect(b.dialect))
			if err != nil {
				t.Fatal(err)
			}
			release := b.hold(t, url)
			old := replica(t, b.dialect, url)
			thenRan := false
			waiting, done := startMigrator(t.Context(), old, func(context.Context) error { thenRan = true; return nil })
			awaitWaiting(t, waiting, done)
			// The newer binary, holding the lock, applies a migration this
			// one does not know.
			_, err = s.DB().ExecContext(t.Context(), fmt.Sprintf("INSERT INTO %s (version_id, is_applied) VALUES (%d, true)",
				migrations.TableName, known[len(known)-1].Version+1))
			if err != nil {
				t.Fatalf("the newer binary's migration: %v", err)
			}
			before, versionsBefore := tablesIn(t, s), versionRows(t, s)
			release()
			o := <-done
			if !errors.Is(o.err, migrations.ErrDatabaseNewer) || len(o.applied) != 0 {
				t.Fatalf("older migrator after a newer one: applied %d, err %v; want ErrDatabaseNewer", len(o.applied), o.err)
			}
			if thenRan {
				t.Error("River's migrations ran on a database the binary refused")
			}
			if after := tablesIn(t, s); !slices.Equal(after, before) {
				t.Errorf("tables changed from %v to %v", before, after)
			}
			if after := versionRows(t, s); after != versionsBefore {
				t.Errorf("%s rows changed from %d to %d", migrations.TableName, versionsBefore, after)
			}
		})
	}
}

// TestLockNeedsTwoConnections: with a pool of one, the lock's connection
// would leave none for the migrations; say so instead of hanging.
func TestLockNeedsTwoConnections(t *testing.T) {
	url := testdb.PostgresURL(t, os.Getenv)
	s, err := gormstore.Open(t.Context(), gormstore.Options{URL: url, Dialect: gormstore.Postgres, MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	_, err = migrations.Up(t.Context(), s.DB(), migrations.Postgres)
	if err == nil || !strings.Contains(err.Error(), "db_max_conns") {
		t.Fatalf("Up on a pool of one = %v; want advice to raise db_max_conns", err)
	}
}

// tablesIn lists the tables in the store's schema, sorted.
func tablesIn(t *testing.T, s *gormstore.Store) []string {
	t.Helper()
	query := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
	if s.Dialect() == gormstore.SQLite {
		query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
	}
	rows, err := s.DB().QueryContext(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

func versionRows(t *testing.T, s *gormstore.Store) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+migrations.TableName).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
