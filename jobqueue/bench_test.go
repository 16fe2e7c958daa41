package jobqueue

import (
	"cmp"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

// noopArgs is a job that does nothing.
type noopArgs struct {
	Run int `json:"run"`
	N   int `json:"n"`
}

func (noopArgs) Kind() string { return "test.noop" }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
}

func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

func noopParams(run, n int, opts *river.InsertOpts) []river.InsertManyParams {
	params := make([]river.InsertManyParams, n)
	for i := range params {
		params[i] = river.InsertManyParams{Args: noopArgs{Run: run, N: i}, InsertOpts: opts}
	}
	return params
}

// BenchmarkEnqueueMany: one back-fill of 100,000 jobs in one transaction
// (go test -run '^$' -bench EnqueueMany -benchtime 3x ./jobqueue/).
func BenchmarkEnqueueMany(b *testing.B) {
	const n = 100_000
	for _, be := range backends {
		for _, unique := range []bool{false, true} {
			name := be.name + "/plain"
			var opts *river.InsertOpts
			if unique {
				name = be.name + "/unique"
				opts = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
			}
			b.Run(name, func(b *testing.B) {
				store, _ := migrated(b, be)
				q := inserter(b, be, store)
				run := 0
				for b.Loop() {
					b.StopTimer()
					run++
					params := noopParams(run, n, opts)
					b.StartTimer()
					if err := store.InTx(b.Context(), func(tx directory.Store) error {
						got, err := q.EnqueueMany(b.Context(), tx, params)
						if err == nil && got != n {
							err = fmt.Errorf("inserted %d of %d", got, n)
						}
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "jobs/s")
			})
		}
	}
}

// BenchmarkDrain: workers run 5,000 waiting no-op jobs, timed from the
// client's start (go test -run '^$' -bench Drain -benchtime 1x ./jobqueue/).
func BenchmarkDrain(b *testing.B) {
	const n = 5_000
	for _, be := range backends {
		for _, c := range []struct {
			maxWorkers int
			cooldown   time.Duration
		}{{10, 0}, {50, 0}} {
			maxWorkers := c.maxWorkers
			b.Run(fmt.Sprintf("%s/workers=%d/cooldown=%s", be.name, maxWorkers, cmp.Or(c.cooldown, 10*time.Millisecond)), func(b *testing.B) {
				store, url := migrated(b, be)
				workers := river.NewWorkers()
				river.AddWorker(workers, noopWorker{})
				run := 0
				for b.Loop() {
					b.StopTimer()
					run++
					q, err := New(b.Context(), Options{Dialect: be.dialect, DB: store.DB(), DatabaseURL: url,
						Workers: workers, MaxWorkers: maxWorkers, FetchCooldown: c.cooldown})
					if err != nil {
						b.Fatal(err)
					}
					if err := store.InTx(b.Context(), func(tx directory.Store) error {
						_, err := q.EnqueueMany(b.Context(), tx, noopParams(run, n, nil))
						return err
					}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if err := q.Start(b.Context()); err != nil {
						b.Fatal(err)
					}
					waitCompleted(b, store, run*n)
					b.StopTimer()
					stop(b, q)
					b.StartTimer()
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "jobs/s")
			})
		}
	}
}

func waitCompleted(b *testing.B, store *gormstore.Store, want int) {
	q := `SELECT count(*) FROM river_job WHERE kind = 'test.noop' AND state = 'completed'`
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var got int
		if err := store.DB().QueryRowContext(b.Context(), q).Scan(&got); err != nil {
			b.Fatal(err)
		}
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d jobs completed after 5 minutes", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
