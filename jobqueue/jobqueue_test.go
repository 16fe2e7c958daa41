package jobqueue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

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
// job until released (or its context ends).
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
	select {
	case r.started <- job.Args.N:
	default:
	}
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

func queueOptions(b backend, store *gormstore.Store, url string, workers *river.Workers, rescueAfter time.Duration) Options {
	return Options{Dialect: b.dialect, DB: store.DB(), DatabaseURL: url, Workers: workers,
		PollInterval: 50 * time.Millisecond, RescueAfter: rescueAfter, JobTimeout: rescueAfter / 2}
}

func startWith(t testing.TB, opts Options) *Queue {
	t.Helper()
	q, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(t, q) })
	return q
}

func startQueue(t testing.TB, b backend, store *gormstore.Store, url string, rec *recorder, rescueAfter time.Duration) *Queue {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, rec)
	return startWith(t, queueOptions(b, store, url, workers, rescueAfter))
}

func stop(t testing.TB, q *Queue) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func inserter(t testing.TB, b backend, store *gormstore.Store) *Queue {
	t.Helper()
	q, err := New(context.Background(), Options{Dialect: b.dialect, DB: store.DB()})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jobRow is what River recorded about the one job of kind.
type jobRow struct {
	state   string
	attempt int
}

func jobRows(t testing.TB, store *gormstore.Store, kind string) []jobRow {
	t.Helper()
	q := `SELECT state, attempt FROM river_job WHERE kind = $1 ORDER BY id`
	if store.Dialect() == gormstore.SQLite {
		q = `SELECT state, attempt FROM river_job WHERE kind = ? ORDER BY id`
	}
	rows, err := store.DB().QueryContext(context.Background(), q, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []jobRow
	for rows.Next() {
		var r jobRow
		if err := rows.Scan(&r.state, &r.attempt); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEnqueueCommitsWithTheTransaction(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			store, url := migrated(t, b)
			rec := newRecorder(store)
			q := startQueue(t, b, store, url, rec, time.Minute)

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
			if rows := jobRows(t, store, recordArgs{}.Kind()); len(rows) != 2 {
				t.Fatalf("river_job holds %d jobs; want 2 (the rolled-back one is gone)", len(rows))
			}
		})
	}
}

func TestUniqueJobs(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			store, url := migrated(t, b)
			q := inserter(t, b, store)
			opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
			for range 3 {
				err := store.InTx(t.Context(), func(tx directory.Store) error { return q.Enqueue(t.Context(), tx, recordArgs{N: 7}, opts) })
				if err != nil {
					t.Fatal(err)
				}
			}
			// A batch with the same job again and two new ones.
			var inserted int
			err := store.InTx(t.Context(), func(tx directory.Store) (err error) {
				inserted, err = q.EnqueueMany(t.Context(), tx, []river.InsertManyParams{
					{Args: recordArgs{N: 7}, InsertOpts: opts}, {Args: recordArgs{N: 9}, InsertOpts: opts}, {Args: recordArgs{N: 10}},
				})
				return err
			})
			if err != nil || inserted != 2 {
				t.Fatalf("EnqueueMany = %d, %v; want 2 inserted, the duplicate skipped", inserted, err)
			}
			rec := newRecorder(store)
			startQueue(t, b, store, url, rec, time.Minute)
			eventually(t, 10*time.Second, "the jobs run", func() bool { return rec.count(7)+rec.count(9)+rec.count(10) == 3 })
			if rows := jobRows(t, store, recordArgs{}.Kind()); len(rows) != 3 {
				t.Fatalf("river_job holds %d jobs; want 3 (7 once, 9, 10)", len(rows))
			}
			if n := rec.count(7); n != 1 {
				t.Fatalf("a unique job enqueued four times ran %d times", n)
			}
		})
	}
}

// TestTwoProcessesRunEachJobOnce: two queues on one PostgreSQL database,
// as two replicas of the server, each with its own store.
func TestTwoProcessesRunEachJobOnce(t *testing.T) {
	b := backends[1]
	store, url := migrated(t, b)
	second := openStore(t, b, url)
	rec1, rec2 := newRecorder(store), newRecorder(second)
	q1 := startQueue(t, b, store, url, rec1, time.Minute)
	startQueue(t, b, second, url, rec2, time.Minute)

	const n = 200
	params := make([]river.InsertManyParams, n)
	for i := range params {
		params[i] = river.InsertManyParams{Args: recordArgs{N: i}}
	}
	if err := store.InTx(t.Context(), func(tx directory.Store) error {
		_, err := q1.EnqueueMany(t.Context(), tx, params)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	runs := func() (total int, both map[int]int) {
		both = map[int]int{}
		for i := range n {
			both[i] = rec1.count(i) + rec2.count(i)
			total += both[i]
		}
		return total, both
	}
	eventually(t, 60*time.Second, "all jobs run", func() bool { total, _ := runs(); return total >= n })
	// A job River marked completed at attempt 1 was fetched once, so no
	// duplicate run can still be on its way.
	eventually(t, 10*time.Second, "River records every job completed", func() bool {
		rows := jobRows(t, store, recordArgs{}.Kind())
		for _, r := range rows {
			if r.state != "completed" {
				return false
			}
		}
		return len(rows) == n
	})
	for _, r := range jobRows(t, store, recordArgs{}.Kind()) {
		if r.attempt != 1 {
			t.Fatalf("a job completed at attempt %d; want 1", r.attempt)
		}
	}
	_, both := runs()
	for i, c := range both {
		if c != 1 {
			t.Errorf("job %d ran %d times; want once", i, c)
		}
	}
	j1, _ := rec1.total()
	j2, _ := rec2.total()
	t.Logf("process 1 ran %d jobs, process 2 ran %d", j1, j2)
}

// TestCrashedWorkerIsRescued: process A takes a job and dies mid-job, the
// job left "running" with nobody working it. Process B runs it to
// completion once River takes it for stuck (RescueAfter), and A's run
// never counts.
//
// A stop of A's River client, even StopAndCancel, is no crash: River puts
// the job it cancels back to be retried. So A loses its database instead,
// as a killed process does: on PostgreSQL its connections go through a
// proxy that is cut, on SQLite its handle on the file is closed.
func TestCrashedWorkerIsRescued(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			storeB, url := migrated(t, b)
			urlA, crash := url, func(*gormstore.Store) {}
			if b.dialect == Postgres {
				proxy := newProxy(t, url)
				urlA, crash = proxy.url, func(*gormstore.Store) { proxy.cut() }
			} else {
				crash = func(s *gormstore.Store) { _ = s.Close() }
			}
			storeA := openStore(t, b, urlA)

			recA := newRecorder(storeA)
			workersA := river.NewWorkers()
			river.AddWorker(workersA, recA)
			qA, err := New(t.Context(), queueOptions(b, storeA, urlA, workersA, time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if err := qA.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			defer func() { // A's remains: nothing of it reaches the database any more.
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				_ = qA.Stop(ctx)
			}()
			if err := storeA.InTx(t.Context(), func(tx directory.Store) error {
				return qA.Enqueue(t.Context(), tx, recordArgs{N: 1, Block: true}, nil)
			}); err != nil {
				t.Fatal(err)
			}
			select {
			case <-recA.started:
			case <-time.After(20 * time.Second):
				t.Fatal("process A did not take the job")
			}
			crash(storeA)
			if rows := jobRows(t, storeB, recordArgs{}.Kind()); len(rows) != 1 || rows[0].state != "running" {
				t.Fatalf("after the crash the job is %+v; want running", rows)
			}

			recB := newRecorder(storeB)
			close(recB.release)
			startQueue(t, b, storeB, url, recB, 2*time.Second)
			// B waits for A's leadership to lapse (River: about 15s), then
			// rescues the job and runs it.
			eventually(t, 90*time.Second, "process B completes the rescued job", func() bool { return recB.count(1) == 1 })
			eventually(t, 10*time.Second, "River records it completed", func() bool {
				rows := jobRows(t, storeB, recordArgs{}.Kind())
				return len(rows) == 1 && rows[0].state == "completed"
			})
			if rows := jobRows(t, storeB, recordArgs{}.Kind()); rows[0].attempt != 2 {
				t.Errorf("completed at attempt %d; want 2 (A's, then B's)", rows[0].attempt)
			}
			if recA.count(1) != 0 || recB.count(1) != 1 {
				t.Errorf("runs to completion: A %d, B %d; want 0 and 1", recA.count(1), recB.count(1))
			}
		})
	}
}

// outcomeArgs makes a worker fail: Cancel permanently, else temporarily
// until attempt SucceedAt.
type outcomeArgs struct {
	Name      string `json:"name"`
	Cancel    bool   `json:"cancel,omitempty"`
	SucceedAt int    `json:"succeed_at,omitempty"`
}

func (outcomeArgs) Kind() string { return "test.outcome" }

type outcomeWorker struct {
	river.WorkerDefaults[outcomeArgs]
	mu       sync.Mutex
	attempts map[string][]int
}

func (w *outcomeWorker) Work(_ context.Context, job *river.Job[outcomeArgs]) error {
	w.mu.Lock()
	w.attempts[job.Args.Name] = append(w.attempts[job.Args.Name], job.Attempt)
	w.mu.Unlock()
	if job.Args.Cancel {
		return river.JobCancel(errors.New("the address can never work"))
	}
	if job.Attempt < job.Args.SucceedAt {
		return fmt.Errorf("try again (attempt %d of %d)", job.Attempt, job.MaxAttempts)
	}
	return nil
}

func (w *outcomeWorker) seen(name string) []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int(nil), w.attempts[name]...)
}

// quickRetry retries after 50ms, to keep the test short.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(50 * time.Millisecond)
}

func TestPermanentAndTemporaryFailures(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			store, url := migrated(t, b)
			w := &outcomeWorker{attempts: map[string][]int{}}
			workers := river.NewWorkers()
			river.AddWorker(workers, w)
			opts := queueOptions(b, store, url, workers, time.Minute)
			opts.RetryPolicy, opts.MaxAttempts = quickRetry{}, 3
			q := startWith(t, opts)
			if err := store.InTx(t.Context(), func(tx directory.Store) error {
				_, err := q.EnqueueMany(t.Context(), tx, []river.InsertManyParams{
					{Args: outcomeArgs{Name: "cancel", Cancel: true}},
					{Args: outcomeArgs{Name: "flaky", SucceedAt: 3}},
					{Args: outcomeArgs{Name: "hopeless", SucceedAt: 99}},
				})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			final := func() bool {
				for _, r := range jobRows(t, store, outcomeArgs{}.Kind()) {
					if r.state != "completed" && r.state != "cancelled" && r.state != "discarded" {
						return false
					}
				}
				return true
			}
			eventually(t, 30*time.Second, "every job reaches a final state", final)
			rows := jobRows(t, store, outcomeArgs{}.Kind())
			want := []jobRow{{"cancelled", 1}, {"completed", 3}, {"discarded", 3}}
			if fmt.Sprint(rows) != fmt.Sprint(want) {
				t.Errorf("jobs = %+v; want %+v", rows, want)
			}
			for name, attempts := range map[string][]int{"cancel": {1}, "flaky": {1, 2, 3}, "hopeless": {1, 2, 3}} {
				if got := w.seen(name); fmt.Sprint(got) != fmt.Sprint(attempts) {
					t.Errorf("%s ran at attempts %v; want %v", name, got, attempts)
				}
			}
		})
	}
}

// chainArgs: step 1 reads and writes the store and enqueues step 2 in its
// own transaction; step 2 reads the store outside a transaction.
type chainArgs struct {
	OrgID string `json:"org_id"`
	N     int    `json:"n"`
	Step  int    `json:"step"`
}

func (chainArgs) Kind() string { return "test.chain" }

type chainWorker struct {
	river.WorkerDefaults[chainArgs]
	store *gormstore.Store
	jobs  *Queue
	mu    sync.Mutex
	done  map[chainArgs]int
}

func (w *chainWorker) Work(ctx context.Context, job *river.Job[chainArgs]) error {
	a := job.Args
	if a.Step == 1 {
		err := w.store.InTx(ctx, func(tx directory.Store) error {
			if _, err := tx.Organization(ctx, a.OrgID); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, &directory.AuditEvent{OrgID: a.OrgID, ActorType: directory.ActorSystem,
				Action: "test.chain", TargetType: "job", TargetID: fmt.Sprint(a.N)}); err != nil {
				return err
			}
			return w.jobs.Enqueue(ctx, tx, chainArgs{OrgID: a.OrgID, N: a.N, Step: 2}, nil)
		})
		if err != nil {
			return err
		}
	} else if _, err := w.store.ListAudit(ctx, a.OrgID, directory.AuditQuery{TargetID: fmt.Sprint(a.N), Limit: 1}); err != nil {
		return err
	}
	w.mu.Lock()
	w.done[a]++
	w.mu.Unlock()
	return nil
}

func (w *chainWorker) runs() (distinct, total int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.done {
		distinct++
		total += c
	}
	return distinct, total
}

// TestWorkersUseTheStore: many workers at once read, write and enqueue
// through the store while River polls hard and requests read the store
// too. On SQLite all of that shares the store's one connection; nothing
// may deadlock or fail with SQLITE_BUSY.
func TestWorkersUseTheStore(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			store, url := migrated(t, b)
			org := directory.Organization{Slug: "acme", Name: "Acme"}
			if err := store.CreateOrganization(t.Context(), &org); err != nil {
				t.Fatal(err)
			}
			w := &chainWorker{store: store, done: map[chainArgs]int{}}
			workers := river.NewWorkers()
			river.AddWorker(workers, w)
			opts := queueOptions(b, store, url, workers, time.Minute)
			opts.MaxWorkers, opts.PollInterval = 8, 10*time.Millisecond
			w.jobs = startWith(t, opts)

			// Requests reading the store meanwhile.
			ctx, cancel := context.WithCancel(t.Context())
			var requests sync.WaitGroup
			requestErr := make(chan error, 4)
			for range 4 {
				requests.Go(func() {
					for ctx.Err() == nil {
						if _, err := store.Organization(ctx, org.ID); err != nil && ctx.Err() == nil {
							requestErr <- err
							return
						}
						time.Sleep(time.Millisecond)
					}
				})
			}
			const n = 150
			params := make([]river.InsertManyParams, n)
			for i := range params {
				params[i] = river.InsertManyParams{Args: chainArgs{OrgID: org.ID, N: i, Step: 1}}
			}
			if err := store.InTx(t.Context(), func(tx directory.Store) error {
				_, err := w.jobs.EnqueueMany(t.Context(), tx, params)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			eventually(t, 60*time.Second, "both steps of every job run", func() bool { d, _ := w.runs(); return d == 2*n })
			cancel()
			requests.Wait()
			close(requestErr)
			for err := range requestErr {
				t.Errorf("a request failed meanwhile: %v", err)
			}
			if d, total := w.runs(); total != d {
				t.Errorf("%d steps ran %d times; want each once", d, total)
			}
			eventually(t, 10*time.Second, "River records every step completed", func() bool {
				rows := jobRows(t, store, chainArgs{}.Kind())
				for _, r := range rows {
					if r.state != "completed" {
						return false
					}
				}
				return len(rows) == 2*n
			})
			for _, r := range jobRows(t, store, chainArgs{}.Kind()) {
				if r.attempt != 1 {
					t.Fatalf("a step completed at attempt %d: an earlier try failed", r.attempt)
				}
			}
		})
	}
}

func TestStop(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			store, url := migrated(t, b)

			insertOnly := inserter(t, b, store)
			if err := insertOnly.Start(t.Context()); err != nil {
				t.Fatalf("Start of an insert-only queue = %v", err)
			}
			if err := insertOnly.Stop(t.Context()); err != nil {
				t.Fatalf("Stop of an insert-only queue = %v", err)
			}

			enqueue := func(q *Queue, n int) {
				t.Helper()
				if err := store.InTx(t.Context(), func(tx directory.Store) error {
					return q.Enqueue(t.Context(), tx, recordArgs{N: n, Block: true}, nil)
				}); err != nil {
					t.Fatal(err)
				}
			}
			newQueue := func(rec *recorder) *Queue {
				workers := river.NewWorkers()
				river.AddWorker(workers, rec)
				q, err := New(t.Context(), queueOptions(b, store, url, workers, time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				if err := q.Start(t.Context()); err != nil {
					t.Fatal(err)
				}
				return q
			}

			// Graceful: Stop waits for the running job to finish.
			rec := newRecorder(store)
			q := newQueue(rec)
			enqueue(q, 1)
			<-rec.started
			stopped := make(chan error, 1)
			go func() { stopped <- q.Stop(context.Background()) }()
			select {
			case err := <-stopped:
				t.Fatalf("Stop returned (%v) while a job was running", err)
			case <-time.After(200 * time.Millisecond):
			}
			close(rec.release)
			if err := <-stopped; err != nil {
				t.Fatal(err)
			}
			if rec.count(1) != 1 {
				t.Fatal("the running job did not finish")
			}
			if rows := jobRows(t, store, recordArgs{}.Kind()); rows[0].state != "completed" {
				t.Fatalf("after a graceful stop the job is %s; want completed", rows[0].state)
			}

			// Out of patience: Stop cancels the running job, which River
			// puts back to be retried, and returns.
			rec = newRecorder(store)
			q = newQueue(rec)
			enqueue(q, 2)
			<-rec.started
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			if err := q.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Stop past its deadline = %v; want DeadlineExceeded", err)
			}
			rows := jobRows(t, store, recordArgs{}.Kind())
			if s := rows[1].state; s != "available" && s != "retryable" {
				t.Fatalf("the cancelled job is %s; want it back to be run again", s)
			}

			// Cancelling Start's context stops the workers too.
			rec = newRecorder(store)
			close(rec.release)
			workers := river.NewWorkers()
			river.AddWorker(workers, rec)
			q, err := New(t.Context(), queueOptions(b, store, url, workers, time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			runCtx, stopRun := context.WithCancel(t.Context())
			if err := q.Start(runCtx); err != nil {
				t.Fatal(err)
			}
			eventually(t, 10*time.Second, "the retried job runs", func() bool { return rec.count(2) == 1 })
			stopRun()
			select {
			case <-q.worker.Stopped():
			case <-time.After(10 * time.Second):
				t.Fatal("the queue did not stop when Start's context ended")
			}
		})
	}
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
