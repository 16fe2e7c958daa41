package jobqueue

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/migrations"
)

type backend struct {
	name    string
	dialect Dialect
	url     func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", SQLite, testdb.SQLitePath},
	{"postgres", Postgres, func(t testing.TB) string { return testdb.PostgresURL(t, os.Getenv) }},
}

func openStore(t testing.TB, b backend, url string) *gormstore.Store {
	t.Helper()
	store, err := gormstore.Open(context.Background(), gormstore.Options{URL: url, Dialect: gormstore.Dialect(b.dialect)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

func migrated(t testing.TB, b backend) (*gormstore.Store, string) {
	t.Helper()
	url := b.url(t)
	store := openStore(t, b, url)
	if _, err := migrations.Up(context.Background(), store.DB(), migrations.Dialect(b.dialect)); err != nil {
		t.Fatal(err)
	}
	if _, err := Migrate(context.Background(), b.dialect, store.DB()); err != nil {
		t.Fatal(err)
	}
	return store, url
}

// recordArgs is a test job; N tells runs apart.
type recordArgs struct {
	N     int  `json:"n"`
	Block bool `json:"block,omitempty"`
}

func (recordArgs) Kind() string { return "test.record" }

// recorder counts how often each job ran to completion, and can block a
// job until released (to kill its process mid-job).
type recorder struct {
	river.WorkerDefaults[recordArgs]
	store   directory.Store
	mu      sync.Mutex
	done    map[int]int
	started chan int
	release chan struct{}
}

func newRecorder(store directory.Store) *recorder {
	return &recorder{store: store, done: map[int]int{}, started: make(chan int, 1000), release: make(chan struct{})}
}

func (r *recorder) Work(ctx context.Context, job *river.Job[recordArgs]) error {
	r.started <- job.Args.N
	// A worker that uses the store while River polls: on SQLite both share
	// the one connection.
	if _, err := r.store.ListOrganizations(ctx); err != nil {
		return err
	}
	if job.Args.Block {
		select {
		case <-r.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	r.done[job.Args.N]++
	r.mu.Unlock()
	return nil
}

func (r *recorder) count(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done[n]
}

func (r *recorder) total() (jobs, runs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.done {
		jobs++
		runs += c
	}
	return jobs, runs
}

func startQueue(t *testing.T, b backend, store *gormstore.Store, url string, rec *recorder, rescueAfter time.Duration) *Queue {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, rec)
	q, err := New(context.Background(), Options{Dialect: b.dialect, DB: store.DB(), DatabaseURL: url, Workers: workers,
		PollInterval: 50 * time.Millisecond, RescueAfter: rescueAfter, JobTimeout: rescueAfter / 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return q
}

func stop(t *testing.T, q *Queue) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Errorf("stop: %v", err)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEnqueueCommitsWithTheTransaction(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			store, url := migrated(t, b)
			rec := newRecorder(store)
			q := startQueue(t, b, store, url, rec, time.Minute)
			defer stop(t, q)

			err := store.InTx(t.Context(), func(tx directory.Store) error {
				return q.Enqueue(t.Context(), tx, recordArgs{N: 1}, nil)
			})
			if err != nil {
				t.Fatal(err)
			}
			boom := errors.New("boom")
			err = store.InTx(t.Context(), func(tx directory.Store) error {
				if err := q.Enqueue(t.Context(), tx, recordArgs{N: 2}, nil); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			if err := q.Enqueue(t.Context(), store, recordArgs{N: 3}, nil); !errors.Is(err, ErrNoTransaction) {
				t.Fatalf("Enqueue outside a transaction = %v; want ErrNoTransaction", err)
			}
			eventually(t, 10*time.Second, "the committed job runs", func() bool { return rec.count(1) == 1 })
			// The marker job runs after the rolled-back one would have.
			_ = store.InTx(t.Context(), func(tx directory.Store) error { return q.Enqueue(t.Context(), tx, recordArgs{N: 4}, nil) })
			eventually(t, 10*time.Second, "the marker job runs", func() bool { return rec.count(4) == 1 })
			if rec.count(2) != 0 {
				t.Fatal("a job enqueued in a rolled-back transaction ran")
			}
		})
	}
}

func TestUniqueJobs(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			store, url := migrated(t, b)
			q, err := New(t.Context(), Options{Dialect: b.dialect, DB: store.DB(), DatabaseURL: url})
			if err != nil {
				t.Fatal(err)
			}
			opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
			for range 3 {
				err := store.InTx(t.Context(), func(tx directory.Store) error { return q.Enqueue(t.Context(), tx, recordArgs{N: 7}, opts) })
				if err != nil {
					t.Fatal(err)
				}
			}
			rec := newRecorder(store)
			worker := startQueue(t, b, store, url, rec, time.Minute)
			defer stop(t, worker)
			_ = store.InTx(t.Context(), func(tx directory.Store) error { return q.Enqueue(t.Context(), tx, recordArgs{N: 8}, nil) })
			eventually(t, 10*time.Second, "the marker job runs", func() bool { return rec.count(8) == 1 })
			if n := rec.count(7); n != 1 {
				t.Fatalf("a unique job enqueued three times ran %d times", n)
			}
		})
	}
}

// TestTwoProcessesRunEachJobOnce: two queues on one PostgreSQL database,
// as two replicas of the server.
func TestTwoProcessesRunEachJobOnce(t *testing.T) {
	b := backends[1]
	store, url := migrated(t, b)
	second := openStore(t, b, url)
	rec := newRecorder(store)
	q1 := startQueue(t, b, store, url, rec, time.Minute)
	defer stop(t, q1)
	q2 := startQueue(t, b, second, url, rec, time.Minute)
	defer stop(t, q2)

	const n = 200
	params := make([]river.InsertManyParams, n)
	for i := range params {
		params[i] = river.InsertManyParams{Args: recordArgs{N: i}}
	}
	if err := store.InTx(t.Context(), func(tx directory.Store) error { return q1.EnqueueMany(t.Context(), tx, params) }); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "all jobs run", func() bool { jobs, _ := rec.total(); return jobs == n })
	time.Sleep(200 * time.Millisecond) // let a duplicate run, were there one, show up
	if jobs, runs := rec.total(); runs != n {
		t.Fatalf("%d jobs ran %d times; want each once", jobs, runs)
	}
}

// TestCrashedWorkerIsRescued: a process died mid-job, leaving the job
// "running" with nobody working it (what a kill -9 leaves: no error
// recorded, no completion). Another process runs it to completion once
// River considers it stuck. The crash is made in SQL because no
// in-process stop of a River client leaves that state behind.
func TestCrashedWorkerIsRescued(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			store, url := migrated(t, b)
			q, err := New(t.Context(), Options{Dialect: b.dialect, DB: store.DB(), DatabaseURL: url})
			if err != nil {
				t.Fatal(err)
			}
			if err := store.InTx(t.Context(), func(tx directory.Store) error {
				return q.Enqueue(t.Context(), tx, recordArgs{N: 1}, nil)
			}); err != nil {
				t.Fatal(err)
			}
			crash := `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = $1, attempted_by = $2 WHERE kind = 'test.record'`
			var arg any = []string{"crashed-host"}
			if b.dialect == SQLite {
				crash = `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = ?, attempted_by = ? WHERE kind = 'test.record'`
				arg = `["crashed-host"]`
			}
			if b.dialect == Postgres {
				arg = pgTextArray([]string{"crashed-host"})
			}
			if _, err := store.DB().ExecContext(t.Context(), crash, time.Now().Add(-time.Hour).UTC(), arg); err != nil {
				t.Fatal(err)
			}
			rec := newRecorder(store)
			worker := startQueue(t, b, store, url, rec, 2*time.Second)
			defer stop(t, worker)
			eventually(t, 90*time.Second, "the rescued job completes", func() bool { return rec.count(1) == 1 })
		})
	}
}

// pgTextArray renders a text[] literal for database/sql.
func pgTextArray(items []string) string {
	out := "{"
	for i, s := range items {
		if i > 0 {
			out += ","
		}
		out += `"` + s + `"`
	}
	return out + "}"
}

func TestMigrationsCheck(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			store := openStore(t, b, b.url(t))
			if err := Check(t.Context(), b.dialect, store.DB()); !errors.Is(err, ErrPending) {
				t.Fatalf("Check on an empty database = %v; want ErrPending", err)
			}
			n, err := Migrate(t.Context(), b.dialect, store.DB())
			if err != nil || n == 0 {
				t.Fatalf("Migrate = %d, %v", n, err)
			}
			if err := Check(t.Context(), b.dialect, store.DB()); err != nil {
				t.Fatalf("Check after Migrate = %v", err)
			}
			if n, err := Migrate(t.Context(), b.dialect, store.DB()); err != nil || n != 0 {
				t.Fatalf("Migrate again = %d, %v; want 0", n, err)
			}
		})
	}
}
