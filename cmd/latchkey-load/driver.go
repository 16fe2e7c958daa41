package main

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// loadOptions bound a timed phase: it ends after duration, or after
// requests requests, and never later than maxTime either way.
type loadOptions struct {
	concurrency int
	duration    time.Duration
	requests    int64
	maxTime     time.Duration
	// rate, when positive, paces the phase to this many requests per
	// second in total (open loop: request n is due at start + n/rate).
	// Without it the clients send as fast as answers come back, which
	// measures throughput; latency there is mostly queueing.
	rate float64
}

// loadResult is the client's view of a phase.
type loadResult struct {
	Requests  int64
	OK        int64 // 2xx
	Wrong     int64 // 2xx with the wrong content
	Elapsed   time.Duration
	Latencies []time.Duration
	Statuses  statusCounts
	FirstErr  error // the first transport error, for the report
}

// throughput is successful requests per second.
func (r loadResult) throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// maxSamplesPerWorker bounds the client's memory on long runs.
const maxSamplesPerWorker = 2_000_000

// drive runs st on concurrency workers until the phase's bound. Requests
// already in flight at the deadline finish (each is bounded by the HTTP
// client's timeout) so they are measured, not counted as errors.
func drive(ctx context.Context, o loadOptions, st step) loadResult {
	limit := o.duration
	if limit <= 0 || (o.maxTime > 0 && limit > o.maxTime) {
		limit = o.maxTime
	}
	start := time.Now()
	deadline := start.Add(limit)
	var seq atomic.Int64
	var mu sync.Mutex
	total := loadResult{Statuses: statusCounts{}}
	var wg sync.WaitGroup
	for w := range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pace := pacer{start: start, rate: o.rate}
			r := worker(ctx, o.requests, deadline, &seq, pace, rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(w))), st)
			mu.Lock()
			defer mu.Unlock()
			total.merge(r)
		}()
	}
	wg.Wait()
	total.Elapsed = time.Since(start)
	return total
}

// pacer spaces requests evenly when a rate is set.
type pacer struct {
	start time.Time
	rate  float64
}

// due is when request n should start; the zero time means now.
func (p pacer) due(n int64) time.Time {
	if p.rate <= 0 {
		return time.Time{}
	}
	return p.start.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
}

func worker(ctx context.Context, requests int64, deadline time.Time, seq *atomic.Int64, pace pacer, rng *rand.Rand, st step) loadResult {
	r := loadResult{Statuses: statusCounts{}}
	for ctx.Err() == nil && time.Now().Before(deadline) {
		n := seq.Add(1) - 1
		if requests > 0 && n >= requests {
			break
		}
		if due := pace.due(n); !due.IsZero() {
			if !due.Before(deadline) {
				break
			}
			if !sleepUntil(ctx, due) {
				break
			}
		}
		t0 := time.Now()
		out := st(ctx, n, rng)
		elapsed := time.Since(t0)
		r.Requests++
		if len(r.Latencies) < maxSamplesPerWorker {
			r.Latencies = append(r.Latencies, elapsed)
		}
		r.Statuses[out.status]++
		switch {
		case out.err != nil:
			if r.FirstErr == nil {
				r.FirstErr = out.err
			}
		case out.status >= 200 && out.status < 300:
			r.OK++
			if out.wrong {
				r.Wrong++
			}
		}
	}
	return r
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

func (r *loadResult) merge(o loadResult) {
	r.Requests += o.Requests
	r.OK += o.OK
	r.Wrong += o.Wrong
	r.Latencies = append(r.Latencies, o.Latencies...)
	r.Statuses.add(o.Statuses)
	if r.FirstErr == nil {
		r.FirstErr = o.FirstErr
	}
}
