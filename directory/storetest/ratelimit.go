package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// NewRateStores returns n rate-limit stores over one fresh database, each
// with connections of its own: n replicas of one server. A limiter with
// no shared state (directory.MemoryRates) returns one store n times.
type NewRateStores func(t *testing.T, n int) []directory.RateLimitStore

// RunRateLimits is the conformance suite of directory.RateLimitStore:
// every backend gives the answers RateLimit.Decide gives, and stores on
// one database share one limit, also under concurrent use.
func RunRateLimits(t *testing.T, newStores NewRateStores) {
	tests := []struct {
		name string
		fn   func(t *testing.T, newStores NewRateStores)
	}{
		{"BurstThenRefusal", testRateBurst},
		{"Cost", testRateCost},
		{"KeysApart", testRateKeys},
		{"SameAsDecide", testRateModel},
		{"Invalid", testRateInvalid},
		{"ReplicasShareOneLimit", testRateReplicas},
		{"ConcurrentReplicas", testRateConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStores) })
	}
}

// take asks s and fails the test on an error.
func take(t *testing.T, s directory.RateLimitStore, key string, l directory.RateLimit, cost int, now time.Time) directory.RateDecision {
	t.Helper()
	d, err := s.TakeRate(ctx(t), key, l, cost, now)
	noErr(t, "TakeRate("+key+")", err)
	return d
}

func wantAllowed(t *testing.T, what string, d directory.RateDecision) {
	t.Helper()
	if !d.Allowed || d.RetryAfter != 0 {
		t.Fatalf("%s: %+v; want allowed", what, d)
	}
}

func wantRefused(t *testing.T, what string, d directory.RateDecision, wait time.Duration) {
	t.Helper()
	if d.Allowed || d.RetryAfter != wait {
		t.Fatalf("%s: %+v; want refused, retry after %s", what, d, wait)
	}
}

// testRateBurst: a full bucket admits Burst requests at once, then one
// per interval; a refusal charges nothing and says exactly how long to
// wait; a quiet spell refills the bucket, never beyond Burst.
func testRateBurst(t *testing.T, newStores NewRateStores) {
	s := newStores(t, 1)[0]
	l := directory.RateLimit{PerSecond: 2, Burst: 3}
	t0 := at(1, 0)
	for i := range 3 {
		wantAllowed(t, fmt.Sprintf("request %d of the burst", i+1), take(t, s, "k", l, 1, t0))
	}
	wantRefused(t, "past the burst", take(t, s, "k", l, 1, t0), 500*time.Millisecond)
	wantRefused(t, "again at once (a refusal charges nothing)", take(t, s, "k", l, 1, t0), 500*time.Millisecond)
	wantRefused(t, "1ms early", take(t, s, "k", l, 1, t0.Add(499*time.Millisecond)), time.Millisecond)
	wantAllowed(t, "after the wait", take(t, s, "k", l, 1, t0.Add(500*time.Millisecond)))
	wantRefused(t, "right after", take(t, s, "k", l, 1, t0.Add(500*time.Millisecond)), 500*time.Millisecond)
	later := t0.Add(time.Hour)
	for i := range 3 {
		wantAllowed(t, fmt.Sprintf("request %d after an hour", i+1), take(t, s, "k", l, 1, later))
	}
	wantRefused(t, "the bucket refills to Burst only", take(t, s, "k", l, 1, later), 500*time.Millisecond)
}

// testRateCost: a request may cost several units; below 1 counts as 1,
// above Burst as Burst.
func testRateCost(t *testing.T, newStores NewRateStores) {
	s := newStores(t, 1)[0]
	l := directory.RateLimit{PerSecond: 10, Burst: 5}
	t0 := at(2, 0)
	wantAllowed(t, "cost 3 of 5", take(t, s, "c", l, 3, t0))
	wantRefused(t, "cost 3 with 2 left", take(t, s, "c", l, 3, t0), 100*time.Millisecond)
	wantAllowed(t, "cost 2 with 2 left", take(t, s, "c", l, 2, t0))
	wantRefused(t, "cost 0 counts 1", take(t, s, "c", l, 0, t0), 100*time.Millisecond)
	t1 := t0.Add(time.Minute)
	wantAllowed(t, "cost 50 on a full bucket counts 5", take(t, s, "c", l, 50, t1))
	wantRefused(t, "after it, the bucket is empty", take(t, s, "c", l, 1, t1), 100*time.Millisecond)
	wantRefused(t, "cost 50 waits for a full bucket", take(t, s, "c", l, 50, t1), 500*time.Millisecond)
}

// testRateKeys: keys are separate buckets, and a limit's state belongs
// to its key only (the same key under another limit reads the same TAT).
func testRateKeys(t *testing.T, newStores NewRateStores) {
	s := newStores(t, 1)[0]
	l := directory.RateLimit{PerSecond: 1, Burst: 1}
	t0 := at(3, 0)
	wantAllowed(t, "a", take(t, s, "scim:token:a", l, 1, t0))
	wantRefused(t, "a again", take(t, s, "scim:token:a", l, 1, t0), time.Second)
	wantAllowed(t, "b", take(t, s, "scim:token:b", l, 1, t0))
	long := strings.Repeat("k", directory.MaxRateKeyLength)
	wantAllowed(t, "a key of the longest length", take(t, s, long, l, 1, t0))
	wantAllowed(t, "a non-ASCII key", take(t, s, "oauth:ip:ü", l, 1, t0))
}

// testRateModel: a long, seeded sequence of requests on a few keys with
// assorted costs, limits and clock steps (some backwards, as replicas'
// clocks are) gets exactly RateLimit.Decide's answers.
func testRateModel(t *testing.T, newStores NewRateStores) {
	s := newStores(t, 1)[0]
	rng := rand.New(rand.NewPCG(7, 26))
	limits := []directory.RateLimit{{PerSecond: 100, Burst: 200}, {PerSecond: 3, Burst: 4}, {PerSecond: 0.1, Burst: 10}}
	keys := []string{"m:0", "m:1", "m:2"}
	tats := map[string]time.Time{}
	now := at(4, 0)
	for i := range 300 {
		k := rng.IntN(len(keys))
		l, key, cost := limits[k], keys[k], rng.IntN(6)
		now = now.Add(time.Duration(rng.IntN(400_000)-50_000) * time.Microsecond)
		want, tat := l.Decide(tats[key], cost, now)
		tats[key] = tat
		got := take(t, s, key, l, cost, now)
		if got != want {
			t.Fatalf("request %d (%s cost %d at %s): %+v; want %+v", i, key, cost, now.Format(time.RFC3339Nano), got, want)
		}
	}
}

// testRateInvalid: keys and limits no caller should send are ErrInvalid.
func testRateInvalid(t *testing.T, newStores NewRateStores) {
	s := newStores(t, 1)[0]
	ok := directory.RateLimit{PerSecond: 1, Burst: 1}
	cases := []struct {
		name string
		key  string
		l    directory.RateLimit
	}{
		{"empty key", "", ok},
		{"key too long", strings.Repeat("k", directory.MaxRateKeyLength+1), ok},
		{"NUL in key", "a\x00b", ok},
		{"invalid UTF-8 key", "a\xffb", ok},
		{"zero rate", "k", directory.RateLimit{PerSecond: 0, Burst: 1}},
		{"negative rate", "k", directory.RateLimit{PerSecond: -1, Burst: 1}},
		{"zero burst", "k", directory.RateLimit{PerSecond: 1, Burst: 0}},
	}
	for _, c := range cases {
		_, err := s.TakeRate(ctx(t), c.key, c.l, 1, at(5, 0))
		wantErr(t, c.name, err, directory.ErrInvalid)
	}
}

// testRateReplicas: two replicas draw on one bucket; what one took, the
// other cannot.
func testRateReplicas(t *testing.T, newStores NewRateStores) {
	s := newStores(t, 2)
	l := directory.RateLimit{PerSecond: 1, Burst: 4}
	t0 := at(6, 0)
	for i := range 4 {
		wantAllowed(t, fmt.Sprintf("request %d, from replica %d", i+1, i%2), take(t, s[i%2], "shared", l, 1, t0))
	}
	wantRefused(t, "replica 0 past the shared burst", take(t, s[0], "shared", l, 1, t0), time.Second)
	wantRefused(t, "replica 1 past the shared burst", take(t, s[1], "shared", l, 1, t0), time.Second)
	wantAllowed(t, "replica 1 after the wait", take(t, s[1], "shared", l, 1, t0.Add(time.Second)))
	wantRefused(t, "replica 0 after replica 1 took it", take(t, s[0], "shared", l, 1, t0.Add(time.Second)), time.Second)
}

// testRateConcurrent: goroutines on two replicas hammer one key with the
// real clock. However their decisions interleave, together they are
// never admitted more than Burst + PerSecond·elapsed times (GCRA's
// bound: each admission moves the TAT one interval past the first
// request's time and none is admitted with the TAT beyond now + Burst
// intervals), and at least the burst gets through.
func testRateConcurrent(t *testing.T, newStores NewRateStores) {
	s := newStores(t, 2)
	l := directory.RateLimit{PerSecond: 20, Burst: 10}
	const goroutines, calls = 4, 25
	var admitted atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 2*goroutines)
	start := time.Now().Truncate(time.Microsecond)
	for _, store := range s {
		for range goroutines {
			wg.Go(func() {
				for range calls {
					d, err := store.TakeRate(ctx(t), "hot", l, 1, time.Now())
					if err != nil {
						errs <- err
						return
					}
					if d.Allowed {
						admitted.Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		noErr(t, "concurrent TakeRate", err)
	}
	bound := int64(l.Burst) + int64(elapsed/l.Interval())
	if n := admitted.Load(); n > bound || n < int64(l.Burst) {
		t.Fatalf("%d requests admitted in %s; want from %d (the burst) to %d (burst + rate × elapsed)", n, elapsed, l.Burst, bound)
	}
}
