package jobqueue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/latchkeyhq/latchkey/directory"
)

// endingArgs is a test job that ends as Outcome says.
type endingArgs struct {
	Outcome string `json:"outcome"`
}

func (endingArgs) Kind() string { return "test.ending" }

type endingWorker struct {
	river.WorkerDefaults[endingArgs]
}

func (endingWorker) Work(_ context.Context, job *river.Job[endingArgs]) error {
	switch job.Args.Outcome {
	case outcomeCancelled:
		return river.JobCancel(errors.New("never works"))
	case outcomeRetry, outcomeDiscarded:
		return errors.New("not now")
	case "panic":
		panic("worker bug")
	}
	return nil
}

func TestOutcomeOf(t *testing.T) {
	first := &rivertype.JobRow{Attempt: 1, MaxAttempts: 3}
	last := &rivertype.JobRow{Attempt: 3, MaxAttempts: 3}
	tests := []struct {
		name string
		job  *rivertype.JobRow
		err  error
		want string
	}{
		{"success", first, nil, outcomeSuccess},
		{"retry", first, errors.New("x"), outcomeRetry},
		{"last attempt", last, errors.New("x"), outcomeDiscarded},
		{"cancel", first, river.JobCancel(errors.New("x")), outcomeCancelled},
		{"snooze", first, river.JobSnooze(time.Minute), outcomeSnoozed},
	}
	for _, tt := range tests {
		if got := outcomeOf(tt.job, tt.err); got != tt.want {
			t.Errorf("%s: outcomeOf = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestMetrics: on each backend, job runs are counted by kind and how
// they ended (panics included), and the queued jobs are counted in the
// database at scrape time.
func TestMetrics(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			store, url := migrated(t, b)
			reg := prometheus.NewRegistry()
			metrics := NewMetrics(reg, store.DB())
			workers := river.NewWorkers()
			river.AddWorker(workers, endingWorker{})
			opts := queueOptions(b, store, url, workers, time.Minute)
			opts.Metrics = metrics
			q := startWith(t, opts)

			jobs := []struct {
				outcome string
				opts    *river.InsertOpts
			}{
				{outcomeSuccess, nil},
				{outcomeCancelled, nil},
				{outcomeRetry, &river.InsertOpts{MaxAttempts: 5}},
				{outcomeDiscarded, &river.InsertOpts{MaxAttempts: 1}},
				{"panic", &river.InsertOpts{MaxAttempts: 1}},
				{"later", &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}},
			}
			err := store.InTx(t.Context(), func(tx directory.Store) error {
				for _, j := range jobs {
					if err := q.Enqueue(t.Context(), tx, endingArgs{Outcome: j.outcome}, j.opts); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			want := map[string]float64{
				"test.ending " + outcomeSuccess:   1,
				"test.ending " + outcomeCancelled: 1,
				"test.ending " + outcomeRetry:     1, // its next try is due in a second or more
				"test.ending " + outcomeDiscarded: 2, // the failure and the panic
			}
			eventually(t, 30*time.Second, "every due job run once", func() bool {
				got := series(t, reg, "latchkey_jobs_completed_total", "kind", "outcome")
				for k, v := range want {
					if got[k] < v {
						return false
					}
				}
				return true
			})
			queued := series(t, reg, "latchkey_jobs_queued", "kind", "state")
			if queued["test.ending scheduled"] < 1 {
				t.Errorf("latchkey_jobs_queued = %v, want the job scheduled in an hour", queued)
			}
		})
	}
}

// TestQueuedDepthFailure: a database that cannot answer makes the depth
// an invalid metric (the scrape handler logs and skips it), not a hang.
func TestQueuedDepthFailure(t *testing.T) {
	store, _ := migrated(t, backends[0])
	reg := prometheus.NewRegistry()
	NewMetrics(reg, store.DB())
	_ = store.Close()
	if _, err := reg.Gather(); err == nil {
		t.Fatal("Gather on a closed database succeeded")
	}
}

// series reads a metric family from reg as "label1 label2" -> value.
func series(t *testing.T, reg *prometheus.Registry, name, label1, label2 string) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			out[l[label1]+" "+l[label2]] = v
		}
	}
	return out
}
