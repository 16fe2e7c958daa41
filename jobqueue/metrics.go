package jobqueue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Metrics count how jobs end and, at scrape time, how many wait. Register
// them on the server's registry (there are no global metrics) and pass
// them in Options.Metrics of the queue that runs workers. A nil *Metrics
// counts nothing.
type Metrics struct {
	completed *prometheus.CounterVec
}

// Outcomes of one run of a job.
const (
	outcomeSuccess   = "success"
	outcomeRetry     = "retry"     // failed; River tries it again
	outcomeDiscarded = "discarded" // failed on its last attempt
	outcomeCancelled = "cancelled" // river.JobCancel: a permanent failure
	outcomeSnoozed   = "snoozed"   // river.JobSnooze: tried again later
)

// NewMetrics registers the job metrics on reg. With db (the store's
// handle, the one River's tables live in) it also reports the jobs
// waiting, counted in the database at each scrape.
func NewMetrics(reg prometheus.Registerer, db *sql.DB) *Metrics {
	m := &Metrics{completed: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "latchkey_jobs_completed_total",
		Help: "Job runs in this process by kind and outcome: success, retry (failed, tried again), discarded (failed on its last attempt), cancelled (permanent failure), snoozed.",
	}, []string{"kind", "outcome"})}
	reg.MustRegister(m.completed)
	if db != nil {
		reg.MustRegister(&depthCollector{db: db, timeout: depthTimeout, desc: prometheus.NewDesc("latchkey_jobs_queued",
			"Jobs waiting to run, in the database (the same on every replica), by kind and state: available (due now), scheduled (due later), retryable (failed, due again).",
			[]string{"kind", "state"}, nil)})
	}
	return m
}

// middleware is the River worker middleware that counts each run.
func (m *Metrics) middleware() rivertype.Middleware { return &outcomeMiddleware{m: m} }

type outcomeMiddleware struct {
	river.MiddlewareDefaults
	m *Metrics
}

// Work implements rivertype.WorkerMiddleware.
func (mw *outcomeMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	returned := false
	defer func() {
		if !returned { // a panic: River records it as a failed attempt
			mw.m.completed.WithLabelValues(job.Kind, failedOutcome(job)).Inc()
		}
	}()
	err := doInner(ctx)
	returned = true
	mw.m.completed.WithLabelValues(job.Kind, outcomeOf(job, err)).Inc()
	return err
}

// outcomeOf names how a run that returned err ends, as River will treat it.
func outcomeOf(job *rivertype.JobRow, err error) string {
	var cancel *rivertype.JobCancelError
	var snooze *rivertype.JobSnoozeError
	switch {
	case err == nil:
		return outcomeSuccess
	case errors.As(err, &cancel):
		return outcomeCancelled
	case errors.As(err, &snooze):
		return outcomeSnoozed
	}
	return failedOutcome(job)
}

func failedOutcome(job *rivertype.JobRow) string {
	if job.Attempt >= job.MaxAttempts {
		return outcomeDiscarded
	}
	return outcomeRetry
}

// depthTimeout bounds the scrape's count: a slow database must not hold
// up the whole scrape.
const depthTimeout = 2 * time.Second

// depthCollector reports the jobs waiting to run, by kind and state,
// read from River's table when Prometheus scrapes. It is the queue's
// depth for the whole cluster, the same on every replica.
type depthCollector struct {
	db      *sql.DB
	timeout time.Duration
	desc    *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (c *depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector. A failed count reports an
// invalid metric, which the scrape handler logs and skips.
func (c *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if err := c.collect(ctx, ch); err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, fmt.Errorf("jobqueue: count queued jobs: %w", err))
	}
}

func (c *depthCollector) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	// River's index on (state, queue, priority, scheduled_at, id) serves
	// the WHERE; finished jobs, however many, are not read.
	rows, err := c.db.QueryContext(ctx, `SELECT kind, state, COUNT(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable') GROUP BY kind, state`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var metrics []prometheus.Metric
	for rows.Next() {
		var kind, state string
		var n int64
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return err
		}
		metrics = append(metrics, prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), kind, state))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// Sent only once all rows read: a failure midway reports nothing
	// rather than a partial count.
	for _, m := range metrics {
		ch <- m
	}
	return nil
}
