// Package jobqueue runs background jobs (invitation emails, reminders,
// start-date invitations, rule back-fills, exports) on River, in the same
// database as the directory: PostgreSQL in production, the SQLite file in
// the embedded default. Jobs are inserted in the caller's transaction
// (Enqueue), so a job exists exactly when the state change that asked for
// it commits: a crash can lose neither, and several server processes on
// one PostgreSQL run each job once.
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
	// DB is the store's database/sql handle (gormstore.Store.DB()).
	DB *sql.DB
	// DatabaseURL is the postgres:// URL; workers on PostgreSQL use a
	// small pgx pool of their own (River's pgx driver listens for new
	// jobs instead of polling). Unused on SQLite.
	DatabaseURL string
	// Workers are the job kinds this process runs; nil makes an
	// insert-only queue (command-line tools).
	Workers *river.Workers
	// MaxWorkers bounds the jobs run at once (default 10).
	MaxWorkers int
	// MaxAttempts is how often a failing job is tried, with River's
	// exponential backoff between tries (default 10: the last retry comes
	// about a day after the first failure).
	MaxAttempts int
	// JobTimeout bounds one run (default 1 minute).
	JobTimeout time.Duration
	// RescueAfter is when a job still "running" is taken for one whose
	// process died and is run again (default 15 minutes; must exceed
	// JobTimeout).
	RescueAfter time.Duration
	// PollInterval is how often workers look for jobs where they cannot
	// be notified (SQLite; default 1s).
	PollInterval time.Duration
	Logger       *slog.Logger
}

// Queue inserts and runs jobs.
type Queue struct {
	insert func(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error
	many   func(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) error
	start  func(ctx context.Context) error
	stop   func(ctx context.Context) error
	close  func()
}

// New builds a queue; it runs nothing until Start.
func New(ctx context.Context, opts Options) (*Queue, error) {
	cfg := riverConfig(opts)
	switch opts.Dialect {
	case SQLite:
		return newSQLite(opts.DB, cfg)
	case Postgres:
		return newPostgres(ctx, opts, cfg)
	}
	return nil, fmt.Errorf("jobqueue: unknown dialect %q", opts.Dialect)
}

func riverConfig(opts Options) *river.Config {
	cfg := &river.Config{
		Logger:               opts.Logger,
		MaxAttempts:          orDefault(opts.MaxAttempts, 10),
		JobTimeout:           orDefault(opts.JobTimeout, time.Minute),
		RescueStuckJobsAfter: orDefault(opts.RescueAfter, 15*time.Minute),
		FetchPollInterval:    orDefault(opts.PollInterval, time.Second),
	}
	cfg.FetchCooldown = min(100*time.Millisecond, cfg.FetchPollInterval)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Workers != nil {
		cfg.Workers = opts.Workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: orDefault(opts.MaxWorkers, 10)}}
	}
	return cfg
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// newSQLite runs River on the store's own single connection: River's SQLite
// driver works through database/sql, and sharing the connection keeps
// SQLite's one writer at a time without SQLITE_BUSY between the two.
func newSQLite(db *sql.DB, cfg *river.Config) (*Queue, error) {
	client, err := river.NewClient(riversqlite.New(db), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	q := sqlQueue(client)
	q.start, q.stop, q.close = client.Start, client.Stop, func() {}
	return q, nil
}

// newPostgres inserts through database/sql (the store's transaction) and
// works through pgx (LISTEN/NOTIFY, a pool of its own sized for the
// workers). Both clients speak to the same tables.
func newPostgres(ctx context.Context, opts Options, cfg *river.Config) (*Queue, error) {
	inserter, err := river.NewClient(riverdatabasesql.New(opts.DB), &river.Config{
		Logger: cfg.Logger, MaxAttempts: cfg.MaxAttempts,
	})
	if err != nil {
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	q := sqlQueue(inserter)
	noop := func(context.Context) error { return nil }
	q.start, q.stop, q.close = noop, noop, func() {}
	if opts.Workers == nil {
		return q, nil
	}
	poolCfg, err := pgxpool.ParseConfig(opts.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("jobqueue: database URL: %w", err)
	}
	poolCfg.MaxConns = int32(orDefault(opts.MaxWorkers, 10)) + 4 // workers' own queries go through the store
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	worker, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	q.start, q.stop, q.close = worker.Start, worker.Stop, pool.Close
	return q, nil
}

func sqlQueue(c *river.Client[*sql.Tx]) *Queue {
	return &Queue{
		insert: func(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
			_, err := c.InsertTx(ctx, tx, args, opts)
			return err
		},
		many: func(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) error {
			_, err := c.InsertManyFastTx(ctx, tx, params)
			return err
		},
	}
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

// Enqueue inserts a job in tx's transaction. With unique options an
// identical job not yet finished makes this a no-op.
func (q *Queue) Enqueue(ctx context.Context, tx directory.Store, args river.JobArgs, opts *river.InsertOpts) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	if err := q.insert(ctx, sqlTx, args, opts); err != nil {
		return fmt.Errorf("jobqueue: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// EnqueueMany inserts many jobs in tx's transaction in one statement
// (uniqueness is not checked: use it for jobs that are distinct anyway).
func (q *Queue) EnqueueMany(ctx context.Context, tx directory.Store, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	if err := q.many(ctx, sqlTx, params); err != nil {
		return fmt.Errorf("jobqueue: enqueue %d jobs: %w", len(params), err)
	}
	return nil
}

// Start runs the workers until Stop; an insert-only queue does nothing.
func (q *Queue) Start(ctx context.Context) error { return q.start(ctx) }

// Stop lets running jobs finish (until ctx ends) and stops the workers.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.stop(ctx)
	q.close()
	return err
}
