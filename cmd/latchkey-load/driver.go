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
	// bar, when set, counts steps and failed steps as they happen.
	bar *progress
}

// loadResult is the client's view of a phase. Requests counts steps: one
// HTTP request each, except in a traffic mix, where a step is one of the
// identity provider's operations (filter then create, GET then PUT, a
// walk) and Ops and Kinds break it down.
type loadResult struct {
	Requests  int64
	OK        int64 // 2xx
	Wrong     int64 // 2xx with the wrong content
	Elapsed   time.Duration
	Latencies []time.Duration
	Statuses  statusCounts
	FirstErr  error // the first transport error, for the report
	// Ops are a mix's operations by name, each timed whole; Kinds its
	// HTTP requests by kind ("filter miss", "create", "put", ...).
	Ops, Kinds map[string]*kindResult
}

// kindResult is one operation's or one request kind's share of a phase.
type kindResult struct {
	Requests  int64
	OK        int64
	Wrong     int64
	Latencies []time.Duration
	Statuses  statusCounts
}

// throughput is successful requests of this kind per second of elapsed.
func (k *kindResult) throughput(elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(k.OK) / elapsed.Seconds()
}

func (k *kindResult) record(status int, failed, wrong bool, took time.Duration) {
	k.Requests++
	if len(k.Latencies) < maxSamplesPerWorker {
		k.Latencies = append(k.Latencies, took)
	}
	k.Statuses[status]++
	if !failed && status >= 200 && status < 300 {
		k.OK++
		if wrong {
			k.Wrong++
		}
	}
}

func (k *kindResult) merge(o *kindResult) {
	k.Requests += o.Requests
	k.OK += o.OK
	k.Wrong += o.Wrong
	k.Latencies = append(k.Latencies, o.Latencies...)
	k.Statuses.add(o.Statuses)
}

// kindOf returns m's entry for name, adding it.
func kindOf(m map[string]*kindResult, name string) *kindResult {
	k := m[name]
	if k == nil {
		k = &kindResult{Statuses: statusCounts{}}
		m[name] = k
	}
	return k
}

// requestsSent counts a phase's HTTP requests: one per step, or a mix's
// parts.
func (r loadResult) requestsSent() int64 {
	if len(r.Kinds) == 0 {
		return r.Requests
	}
	var n int64
	for _, k := range r.Kinds {
		n += k.Requests
	}
	return n
}

// requestErrors counts the non-2xx answers (and transport errors) among
// the HTTP requests.
func (r loadResult) requestErrors() int {
	if len(r.Kinds) == 0 {
		return r.Statuses.errors()
	}
	n := 0
	for _, k := range r.Kinds {
		n += k.Statuses.errors()
	}
	return n
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
	ctx = withStopAt(ctx, deadline)
	var seq atomic.Int64
	var mu sync.Mutex
	total := newLoadResult()
	var wg sync.WaitGroup
	for w := range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pace := pacer{start: start, rate: o.rate}
			r := worker(ctx, o, deadline, &seq, pace, rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(w))), st)
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

func newLoadResult() loadResult {
	return loadResult{Statuses: statusCounts{}, Ops: map[string]*kindResult{}, Kinds: map[string]*kindResult{}}
}

func worker(ctx context.Context, o loadOptions, deadline time.Time, seq *atomic.Int64, pace pacer, rng *rand.Rand, st step) loadResult {
	r := newLoadResult()
	for ctx.Err() == nil && time.Now().Before(deadline) {
		n := seq.Add(1) - 1
		if o.requests > 0 && n >= o.requests {
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
		ok := out.err == nil && out.status >= 200 && out.status < 300
		switch {
		case out.err != nil:
			if r.FirstErr == nil {
				r.FirstErr = out.err
			}
		case ok:
			r.OK++
			if out.wrong {
				r.Wrong++
			}
		}
		r.recordParts(out, elapsed)
		if o.bar != nil {
			o.bar.add(1)
			if !ok {
				o.bar.errs.Add(1)
			}
		}
	}
	return r
}

// recordParts files a mix step under its operation and its requests
// under their kinds.
func (r *loadResult) recordParts(out outcome, took time.Duration) {
	if out.op != "" {
		kindOf(r.Ops, out.op).record(out.status, out.err != nil, out.wrong, took)
	}
	for _, p := range out.parts {
		kindOf(r.Kinds, p.kind).record(p.status, p.err != nil, p.wrong, p.took)
		if p.err != nil && r.FirstErr == nil {
			r.FirstErr = p.err
		}
	}
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
	for name, k := range o.Ops {
		kindOf(r.Ops, name).merge(k)
	}
	for name, k := range o.Kinds {
		kindOf(r.Kinds, name).merge(k)
	}
}

// stopAtKey carries a phase's deadline to its steps: a step that runs
// many requests (a mix's full walk) stops at the phase's end instead of
// running past it.
type stopAtKey struct{}

func withStopAt(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, stopAtKey{}, t)
}

// stopAt is the phase's deadline; the zero time when there is none.
func stopAt(ctx context.Context) time.Time {
	t, _ := ctx.Value(stopAtKey{}).(time.Time)
	return t
}
