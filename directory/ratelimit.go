package directory

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// RateLimit is a sustained rate with room for bursts: PerSecond requests
// a second on average, and up to Burst at once after a quiet spell (a
// token bucket of Burst tokens refilled at PerSecond).
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// RateDecision is a limiter's answer for one request.
type RateDecision struct {
	Allowed bool
	// RetryAfter is, for a refused request, how long until the same
	// request would be admitted; zero when allowed.
	RetryAfter time.Duration
}

// MaxRateKeyLength bounds a rate-limit key: keys are short names
// ("scim:client:<id>", "oauth:ip:<address>"), never caller-sized text.
const MaxRateKeyLength = 200

// RateLimitStore decides rate limits with the generic cell rate
// algorithm (GCRA): each key keeps one instant, its theoretical arrival
// time (TAT), the time at which its bucket would be full again. A request
// of cost n is admitted when TAT' = max(TAT, now) + n·interval is at most
// now + Burst·interval, and then TAT' is stored; a refused request
// changes nothing and waits until TAT' - Burst·interval. Every
// implementation gives the same answers for the same calls (the
// conformance suite checks them against RateLimit.Decide).
type RateLimitStore interface {
	// TakeRate charges cost to key's limit at now and reports whether the
	// request is admitted. A cost below 1 counts as 1; one above
	// limit.Burst counts as Burst, so a large request waits for a full
	// bucket rather than never passing. Keys name a bucket and must never
	// hold a secret (use ids or hashes); a key that is empty, longer than
	// MaxRateKeyLength or not UTF-8 text without NUL, or a limit without
	// a positive rate and burst, is ErrInvalid. A key whose bucket is
	// full again may be forgotten at any time: forgetting it changes no
	// answer.
	TakeRate(ctx context.Context, key string, limit RateLimit, cost int, now time.Time) (RateDecision, error)
}

// Interval is the time one request costs at the sustained rate, at
// microsecond precision (what every backend stores) and at least 1µs.
func (l RateLimit) Interval() time.Duration {
	return max(time.Duration(float64(time.Second)/l.PerSecond).Truncate(time.Microsecond), time.Microsecond)
}

// Cost is what a request of cost n is charged in units of Interval: n
// clamped to 1..Burst.
func (l RateLimit) Cost(n int) int { return min(max(n, 1), l.Burst) }

// Decide is the algorithm itself, for one key whose theoretical arrival
// time is tat (zero for a key never seen): the decision, and the TAT to
// keep afterwards (tat itself when refused).
func (l RateLimit) Decide(tat time.Time, cost int, now time.Time) (RateDecision, time.Time) {
	interval := l.Interval()
	next := later(tat, now).Add(time.Duration(l.Cost(cost)) * interval)
	if allowAt := next.Add(-time.Duration(l.Burst) * interval); allowAt.After(now) {
		return RateDecision{RetryAfter: allowAt.Sub(now)}, tat
	}
	return RateDecision{Allowed: true}, next
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// CheckRate is the validation every RateLimitStore applies to its
// arguments (ErrInvalid naming the culprit).
func CheckRate(key string, limit RateLimit) error {
	switch {
	case key == "" || len(key) > MaxRateKeyLength || !utf8.ValidString(key) || strings.ContainsRune(key, 0):
		return invalid("rate key", "must be 1 to 200 bytes of UTF-8 text without NUL")
	case !(limit.PerSecond > 0) || limit.Burst < 1:
		return invalid("rate limit", "needs a positive rate and a burst of at least 1")
	}
	return nil
}

// MemoryRates is a RateLimitStore in process memory, for a server that
// runs alone (a SQLite file is never shared by replicas): no database
// write per request. Several replicas each keeping their own would each
// admit the whole limit; they use the database's store instead.
type MemoryRates struct {
	mu    sync.Mutex
	tats  map[string]time.Time
	swept time.Time
}

// NewMemoryRates returns an empty in-memory limiter.
func NewMemoryRates() *MemoryRates { return &MemoryRates{tats: map[string]time.Time{}} }

var _ RateLimitStore = (*MemoryRates)(nil)

// memorySweepEvery is how often keys whose bucket is full again are
// dropped, so the map holds only keys active in the last burst's span.
const memorySweepEvery = time.Minute

// TakeRate implements RateLimitStore.
func (m *MemoryRates) TakeRate(_ context.Context, key string, limit RateLimit, cost int, now time.Time) (RateDecision, error) {
	if err := CheckRate(key, limit); err != nil {
		return RateDecision{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.swept) >= memorySweepEvery {
		for k, tat := range m.tats {
			if !tat.After(now) {
				delete(m.tats, k)
			}
		}
		m.swept = now
	}
	d, tat := limit.Decide(m.tats[key], cost, now)
	if d.Allowed {
		m.tats[key] = tat
	}
	return d, nil
}

// FailOpenRates asks a RateLimitStore and lets a request through when
// the store fails: a request the limiter cannot judge meets the same
// database next and gets its real error there. The first failure of an
// outage is logged, and the recovery.
type FailOpenRates struct {
	rates   RateLimitStore
	log     *slog.Logger
	what    string // names the limits in the log: "SCIM", "admin"
	failing atomic.Bool
}

// NewFailOpenRates wraps rates (in-process memory when nil).
func NewFailOpenRates(rates RateLimitStore, log *slog.Logger, what string) *FailOpenRates {
	if rates == nil {
		rates = NewMemoryRates()
	}
	return &FailOpenRates{rates: rates, log: log, what: what}
}

// Take charges cost to key and reports whether the request may go on,
// and if not, how long to wait.
func (f *FailOpenRates) Take(ctx context.Context, key string, limit RateLimit, cost int, now time.Time) (bool, time.Duration) {
	d, err := f.rates.TakeRate(ctx, key, limit, cost, now)
	if err != nil {
		// A request that ended (client gone, deadline) says nothing of
		// the store.
		if ctx.Err() == nil && f.failing.CompareAndSwap(false, true) {
			f.log.ErrorContext(ctx, f.what+" rate limits unavailable: letting requests through until the database answers", "err", err)
		}
		return true, 0
	}
	if f.failing.CompareAndSwap(true, false) {
		f.log.InfoContext(ctx, f.what+" rate limits available again")
	}
	return d.Allowed, d.RetryAfter
}
