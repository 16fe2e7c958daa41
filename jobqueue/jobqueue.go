// Package jobqueue runs background jobs (invitation emails, reminders,
// start-date invitations, rule back-fills, exports) on River, in the same
// database as the directory: PostgreSQL in production, the SQLite file in
// the embedded default. Jobs are inserted in the caller's transaction
// (Enqueue), so a job exists exactly when the state change that asked for
// it commits: a crash can lose neither, and several server processes on
// one PostgreSQL run each job once.
//
// # Writing a worker
//
// A worker is a river.Worker registered on the river.Workers given to New.
// What it returns decides what happens next:
//
//   - nil: the job is done.
//   - river.JobCancel(err): a permanent failure (an address that can never
//     work, a record that is gone); the job is cancelled, never retried.
//   - any other error, a panic, or running past JobTimeout: a temporary
//     failure; the job is tried again with capped exponential backoff
//     (Backoff: attempt⁴ seconds plus jitter, so 1s, 16s, 81s, ..., then
//     every 15 minutes) until MaxAttempts, then discarded.
//   - river.JobSnooze(d): try again after d without counting an attempt.
//
// job.Attempt is the 1-based number of the current try and job.MaxAttempts
// the last one (job.Attempt >= job.MaxAttempts: no retry follows a
// failure); job.Errors holds the errors of earlier tries. A job whose
// process died is run again after RescueAfter, so a worker may run more
// than once for one job and must be idempotent: check in the database
// whether its effect already happened, in the same transaction that
// records it.
package jobqueue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/latchkeyhq/latchkey/directory"
)

// Dialect names the database, as gormstore does.
type Dialect string

// The databases River runs on here.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Options configure a Queue.
type Options struct {
	Dialect Dialect
	// DB is the store's database/sql handle (gormstore.Store.DB()). On
	// SQLite it is the only handle: River shares the store's single
	// connection. On PostgreSQL jobs are inserted through it.
	DB *sql.DB
	// DatabaseURL is the postgres:// URL; workers on PostgreSQL use a
	// small pgx pool of their own (River's pgx driver listens for new
	// jobs instead of polling). Unused on SQLite and by insert-only queues.
	DatabaseURL string
	// Workers are the job kinds this process runs; nil makes an
	// insert-only queue (command-line tools): Start and Stop do nothing.
	Workers *river.Workers
	// MaxWorkers bounds the jobs run at once in the default queue
	// (default 10). Ignored when Queues is set.
	MaxWorkers int
	// Queues are the named queues this process works and how many jobs
	// each runs at once (default: river.QueueDefault with MaxWorkers).
	Queues map[string]river.QueueConfig
	// MaxAttempts is how often a failing job is tried (default
	// DefaultMaxAttempts, 40), with RetryPolicy's backoff between tries:
	// by default the last try comes about 8¾ hours after the first.
	MaxAttempts int
	// RetryPolicy decides when a failed job is tried again (default
	// Backoff{}: attempt⁴ seconds plus jitter, at most 15 minutes; see
	// Backoff for why).
	RetryPolicy river.ClientRetryPolicy
	// JobTimeout bounds one run: the worker's context is cancelled after
	// it (default 1 minute).
	JobTimeout time.Duration
	// RescueAfter is when a job still "running" is taken for one whose
	// process died and is run again (default 15 minutes; must be at least
	// JobTimeout).
	RescueAfter time.Duration
	// StopTimeout is how long a stop waits for running jobs before it
	// cancels their contexts (default 30s). It applies to Stop and to the
	// cancellation of the context given to Start.
	StopTimeout time.Duration
	// PollInterval is how often workers look for jobs where they cannot
	// be notified (SQLite; default 1s). On PostgreSQL it is the fallback
	// should a notification be lost.
	PollInterval time.Duration
	// FetchCooldown is the least time between two fetches of jobs
	// (default 10ms). A fetch takes at most the free worker slots, so it
	// bounds throughput: MaxWorkers jobs per FetchCooldown. River's own
	// default, 100ms, caps 10 workers at 100 short jobs a second.
	FetchCooldown time.Duration
	Logger        *slog.Logger
	// Metrics count how this process's job runs end; nil counts nothing.
	Metrics *Metrics
}

// Queue inserts and runs jobs.
type Queue struct {
	insert func(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	many   func(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	fast   func(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) (int, error)
	// worker is the client that runs jobs; nil for an insert-only queue.
	worker workerClient
	// closePool releases the workers' own connections (PostgreSQL).
	closePool func()
}

// workerClient is the part of a river.Client the Queue starts and stops;
// the driver's transaction type makes the clients different types.
type workerClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Stopped() <-chan struct{}
}

// New builds a queue; it runs nothing until Start.
func New(ctx context.Context, opts Options) (*Queue, error) {
	if opts.DB == nil {
		return nil, errors.New("jobqueue: Options.DB is required")
	}
	cfg, err := riverConfig(opts)
	if err != nil {
		return nil, err
	}
	switch opts.Dialect {
	case SQLite:
		return newSQLite(opts.DB, cfg)
	case Postgres:
		return newPostgres(ctx, opts, cfg)
	}
	return nil, fmt.Errorf("jobqueue: unknown dialect %q", opts.Dialect)
}

func riverConfig(opts Options) (*river.Config, error) {
	cfg := &river.Config{
		Logger:               opts.Logger,
		MaxAttempts:          orDefault(opts.MaxAttempts, DefaultMaxAttempts),
		RetryPolicy:          opts.RetryPolicy,
		JobTimeout:           orDefault(opts.JobTimeout, time.Minute),
		RescueStuckJobsAfter: orDefault(opts.RescueAfter, 15*time.Minute),
		SoftStopTimeout:      orDefault(opts.StopTimeout, 30*time.Second),
		FetchPollInterval:    orDefault(opts.PollInterval, time.Second),
	}
	if cfg.RescueStuckJobsAfter < cfg.JobTimeout {
		return nil, fmt.Errorf("jobqueue: RescueAfter (%s) must be at least JobTimeout (%s)", cfg.RescueStuckJobsAfter, cfg.JobTimeout)
	}
	cfg.FetchCooldown = min(orDefault(opts.FetchCooldown, 10*time.Millisecond), cfg.FetchPollInterval)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RetryPolicy == nil {
		cfg.RetryPolicy = Backoff{}
	}
	if opts.Workers != nil {
		if opts.Metrics != nil {
			cfg.Middleware = append(cfg.Middleware, opts.Metrics.middleware())
		}
		cfg.Workers = opts.Workers
		cfg.Queues = opts.Queues
		if len(cfg.Queues) == 0 {
			cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: orDefault(opts.MaxWorkers, 10)}}
		}
	}
	return cfg, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// newSQLite runs River on the store's own single connection. River's
// SQLite driver works through database/sql, so River's queries simply
// wait their turn for the connection like any store call, and SQLite's one
// writer at a time never meets SQLITE_BUSY (a second handle would: River's
// fetches would wait on the store's BEGIN IMMEDIATE transactions, and fail
// after the busy timeout). No River call holds the connection while it
// waits for another, so River and the store cannot deadlock; the store's
// own rule stands: inside InTx use only tx. The price: a long transaction
// (in a request or a worker) delays job fetching too. Enqueue does not
// depend on this: it always inserts through the caller's *sql.Tx.
func newSQLite(db *sql.DB, cfg *river.Config) (*Queue, error) {
	client, err := river.NewClient(riversqlite.New(db), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	q := sqlQueue(client)
	if cfg.Workers != nil {
		q.worker = client
	}
	return q, nil
}

// newPostgres inserts through database/sql (the store's transaction) and
// works through pgx (LISTEN/NOTIFY, a pool of its own sized for River's
// housekeeping). Both clients speak to the same tables.
//
// The workers' pool is not the store's: the store's database/sql handle
// keeps idle connections checked out of its pgx pool, so River acquiring
// from that pool could wait forever after a burst of requests; and a pool
// of its own keeps request load and job load from starving each other.
func newPostgres(ctx context.Context, opts Options, cfg *river.Config) (*Queue, error) {
	inserter, err := river.NewClient(riverdatabasesql.New(opts.DB), &river.Config{
		Logger: cfg.Logger, MaxAttempts: cfg.MaxAttempts,
	})
	if err != nil {
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	q := sqlQueue(inserter)
	if cfg.Workers == nil {
		return q, nil
	}
	poolCfg, err := pgxpool.ParseConfig(opts.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("jobqueue: database URL: %w", err)
	}
	// River's own queries (fetch, completion, leadership, maintenance,
	// one LISTEN connection); the workers' queries go through the store.
	poolCfg.MaxConns = int32(6 + len(cfg.Queues))
	if poolCfg.ConnConfig.RuntimeParams["application_name"] == "" {
		poolCfg.ConnConfig.RuntimeParams["application_name"] = "latchkey-jobs"
	}
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	worker, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	q.worker, q.closePool = worker, pool.Close
	return q, nil
}

func sqlQueue(c *river.Client[*sql.Tx]) *Queue {
	return &Queue{insert: c.InsertTx, many: c.InsertManyTx, fast: c.InsertManyFastTx}
}

// ErrNoTransaction is Enqueue outside a transaction: a job must commit with
// the change that asks for it.
var ErrNoTransaction = errors.New("jobqueue: Enqueue needs a store handed out by InTx")

// sqlTxer is a transaction-bound store (gormstore.Store inside InTx).
type sqlTxer interface{ SQLTx() *sql.Tx }

func sqlTxOf(tx directory.Store) (*sql.Tx, error) {
	t, ok := tx.(sqlTxer)
	if !ok || t.SQLTx() == nil {
		return nil, ErrNoTransaction
	}
	return t.SQLTx(), nil
}

// Enqueue inserts a job in tx's transaction (tx is the store InTx hands
// to its callback): if the transaction rolls back, the job is gone; once
// it commits, the job runs. With opts.UniqueOpts (for example ByArgs) an
// identical job not yet finished makes this a no-op.
func (q *Queue) Enqueue(ctx context.Context, tx directory.Store, args river.JobArgs, opts *river.InsertOpts) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	if _, err := q.insert(ctx, sqlTx, args, opts); err != nil {
		return fmt.Errorf("jobqueue: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// manyBatch bounds one insert statement of EnqueueMany.
const manyBatch = 10_000

// EnqueueMany inserts many jobs in tx's transaction, in batches, and
// reports how many it inserted: unique jobs (UniqueOpts in a job's
// InsertOpts or its args' InsertOpts) that duplicate a job not yet
// finished are skipped and not counted. Batches without unique jobs take
// River's fast path (COPY-like bulk insert).
func (q *Queue) EnqueueMany(ctx context.Context, tx directory.Store, params []river.InsertManyParams) (int, error) {
	if len(params) == 0 {
		return 0, nil
	}
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return 0, err
	}
	inserted := 0
	for start := 0; start < len(params); start += manyBatch {
		batch := params[start:min(start+manyBatch, len(params))]
		n, err := q.insertBatch(ctx, sqlTx, batch)
		if err != nil {
			return inserted, fmt.Errorf("jobqueue: enqueue %d jobs: %w", len(params), err)
		}
		inserted += n
	}
	return inserted, nil
}

func (q *Queue) insertBatch(ctx context.Context, tx *sql.Tx, batch []river.InsertManyParams) (int, error) {
	if !anyUnique(batch) {
		return q.fast(ctx, tx, batch)
	}
	res, err := q.many(ctx, tx, batch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

func anyUnique(params []river.InsertManyParams) bool {
	for _, p := range params {
		if p.InsertOpts != nil && !zeroUnique(p.InsertOpts.UniqueOpts) {
			return true
		}
		if a, ok := p.Args.(river.JobArgsWithInsertOpts); ok && !zeroUnique(a.InsertOpts().UniqueOpts) {
			return true
		}
	}
	return false
}

func zeroUnique(u river.UniqueOpts) bool {
	return !u.ByArgs && u.ByPeriod == 0 && !u.ByQueue && u.ByState == nil && !u.ExcludeKind
}

// Start runs the workers until Stop, or until ctx is cancelled, which
// stops them the same way Stop does (running jobs get StopTimeout to
// finish). An insert-only queue does nothing.
func (q *Queue) Start(ctx context.Context) error {
	if q.worker == nil {
		return nil
	}
	if err := q.worker.Start(ctx); err != nil {
		return fmt.Errorf("jobqueue: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for running ones to finish; after
// StopTimeout, running jobs' contexts are cancelled. When ctx ends first,
// Stop cancels them at once, waits a few seconds more for the workers to
// return, and reports ctx's error. Every goroutine of the queue has ended
// when Stop returns nil or ctx's error alone.
func (q *Queue) Stop(ctx context.Context) error {
	if q.worker == nil {
		return nil
	}
	err := q.worker.Stop(ctx)
	stopped := err == nil
	if !stopped && ctx.Err() != nil {
		// Out of patience: cancel running jobs, give them a moment.
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		stopped = q.worker.StopAndCancel(hard) == nil
	}
	if q.closePool != nil {
		if stopped {
			q.closePool()
		} else {
			// Closing waits for connections in use: not while River
			// still holds some.
			go func() { <-q.worker.Stopped(); q.closePool() }()
		}
	}
	if err != nil {
		return fmt.Errorf("jobqueue: stop: %w", err)
	}
	return nil
}
