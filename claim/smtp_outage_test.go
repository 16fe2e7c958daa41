package claim_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/jobqueue"
	"github.com/latchkeyhq/latchkey/mailer"
)

// TestSMTPOutage: invitations made while the mail server is down (it
// drops every connection) wait in the queue, their deliveries failing
// and retried with growing delays (the production Backoff, scaled down);
// nothing is recorded as failed meanwhile. When the mail server is back,
// every invitation arrives exactly once and every job completes. The
// server keeps its port throughout (mailtest SetDown): a port closed for
// the outage went to another test's server once, which took the mail.
func TestSMTPOutage(t *testing.T) {
	eachBackend(t, envOptions{noWorkers: true}, func(t *testing.T, e *env) {
		e.smtp.SetDown(true) // every connection dropped before the greeting
		// The production curve at a hundredth of the scale, capped at a
		// second: 10ms, 160ms, 810ms, 1s, 1s, ...
		scaled := jobqueue.Backoff{Unit: 10 * time.Millisecond, Max: time.Second}
		policy := &recordingBackoff{Backoff: scaled, failures: map[int64][]failure{}}
		startWorkersWithPolicy(e, policy)

		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		const n = 5
		var people []directory.Account
		for i := range n {
			email := fmt.Sprintf("p%d@acme.example", i)
			people = append(people, e.user(email, email, "Sales", nil))
		}
		// About 7 s on an idle machine and 16-20 s beside the browser
		// suites under -race: the bound leaves room.
		eventually(t, 90*time.Second, "every delivery failed 4 times", func() bool { return policy.leastFailures(n) >= 4 })

		// During the outage: retrying, not failed, not delivered.
		for _, p := range people {
			a := e.account(p.ID)
			ds, err := e.store.ListDeliveries(t.Context(), e.org.ID, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a.LastDeliveryError != "" || len(ds) != 0 {
				t.Fatalf("%s during the outage: last delivery error %q, deliveries %v; want neither", p.UserName, a.LastDeliveryError, ds)
			}
		}
		if got := e.counter("invitation", "retry"); got < 4*n {
			t.Fatalf("%v deliveries counted as retried; want at least %d", got, 4*n)
		}
		for _, j := range riverJobs(t, e, "claim.deliver") {
			if j.state == "completed" || j.state == "discarded" || j.state == "cancelled" {
				t.Fatalf("job %d is %s during the outage", j.id, j.state)
			}
		}

		e.smtp.SetDown(false) // back
		msgs := e.smtp.Wait(n)
		e.settle(n)
		seen := map[string]int{}
		for _, m := range msgs {
			seen[m.To[0]]++
		}
		for _, p := range people {
			if seen[p.UserName] != 1 {
				t.Errorf("%s got %d invitations; want 1", p.UserName, seen[p.UserName])
			}
		}
		eventually(t, 10*time.Second, "every job (deliveries, the rule's back-fill) completed", func() bool {
			for _, j := range riverJobs(t, e, "") {
				if j.state != "completed" {
					return false
				}
			}
			return true
		})
		deliveries := riverJobs(t, e, "claim.deliver")
		if len(deliveries) != n {
			t.Fatalf("%d delivery jobs; want %d", len(deliveries), n)
		}
		policy.check(t, deliveries)
		for _, p := range people {
			if ds, err := e.store.ListDeliveries(t.Context(), e.org.ID, p.ID); err != nil || len(ds) != 1 {
				t.Errorf("%s: deliveries %v, %v; want one", p.UserName, ds, err)
			}
		}
	})
}

// failure is one failed try as the retry policy saw it.
type failure struct {
	n     int           // the job's failure count, this one included
	delay time.Duration // until the next try
}

func (f failure) String() string {
	return fmt.Sprintf("#%d→%s", f.n, f.delay.Round(time.Millisecond))
}

// recordingBackoff is a Backoff that remembers every retry it scheduled.
type recordingBackoff struct {
	jobqueue.Backoff
	mu       sync.Mutex
	failures map[int64][]failure // by job ID, in order
}

func (r *recordingBackoff) NextRetry(job *rivertype.JobRow) time.Time {
	before := time.Now()
	at := r.Backoff.NextRetry(job)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures[job.ID] = append(r.failures[job.ID], failure{n: len(job.Errors) + 1, delay: at.Sub(before)})
	return at
}

// leastFailures is the fewest failures of any of n jobs (0 until n jobs
// failed).
func (r *recordingBackoff) leastFailures(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.failures) < n {
		return 0
	}
	least := -1
	for _, fs := range r.failures {
		if least < 0 || len(fs) < least {
			least = len(fs)
		}
	}
	return least
}

// check: each job failed 1, 2, 3, ... times, each retry waited the
// curve's delay (within its jitter) and the first three waits grew; the
// job succeeded on the try after its last failure.
func (r *recordingBackoff) check(t *testing.T, jobs []jobRow) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range jobs {
		fs := r.failures[j.id]
		if j.attempt != len(fs)+1 {
			t.Errorf("job %d completed at attempt %d after %d failures", j.id, j.attempt, len(fs))
		}
		for i, f := range fs {
			want := r.Delay(i + 1)
			// delay also holds the policy's own run time: slack above.
			if f.n != i+1 || f.delay < want*9/10 || f.delay > want*11/10+50*time.Millisecond {
				t.Errorf("job %d, failure %d: counted %d, retried after %s; want %s ± 10%%", j.id, i+1, f.n, f.delay, want)
			}
		}
		if len(fs) >= 3 && (fs[0].delay >= fs[1].delay || fs[1].delay >= fs[2].delay) {
			t.Errorf("job %d: delays did not grow: %v", j.id, fs)
		}
		t.Logf("job %d: %d tries, waits %v", j.id, j.attempt, fs)
	}
}

// startWorkersWithPolicy is env.startWorkers with a retry policy and
// enough attempts that the outage never exhausts them.
func startWorkersWithPolicy(e *env, policy river.ClientRetryPolicy) {
	e.t.Helper()
	cfg, err := mailer.ParseURL(e.smtp.URL())
	if err != nil {
		e.t.Fatal(err)
	}
	m, err := mailer.New(cfg, mailer.Options{From: "Acme IT <it@acme.example>"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = m.Close() })
	workers := river.NewWorkers()
	claim.AddWorkers(workers, e.store, e.inviter, claim.SMTPPostman{Sender: m}, claim.NewMetrics(e.metrics))
	q, err := jobqueue.New(e.t.Context(), jobqueue.Options{Dialect: jobqueue.Dialect(e.b.dialect), DB: e.store.DB(), DatabaseURL: e.url,
		Workers: workers, PollInterval: 50 * time.Millisecond, RetryPolicy: policy, Logger: slog.New(slog.DiscardHandler),
		RescueAfter: workerRescue, JobTimeout: workerRescue / 2})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
}

type jobRow struct {
	id      int64
	state   string
	attempt int
}

// riverJobs reads the jobs of a kind ("": all) from River's table.
func riverJobs(t *testing.T, e *env, kind string) []jobRow {
	t.Helper()
	// The kind is inlined: the dialects' placeholders differ.
	query := `SELECT id, state, attempt FROM river_job ORDER BY id`
	if kind != "" {
		query = `SELECT id, state, attempt FROM river_job WHERE kind = '` + kind + `' ORDER BY id`
	}
	rows, err := e.store.DB().QueryContext(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []jobRow
	for rows.Next() {
		var j jobRow
		if err := rows.Scan(&j.id, &j.state, &j.attempt); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
