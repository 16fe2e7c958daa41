package scim

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// rateLimiter keeps one token bucket per SCIM token. Buckets are in
// process memory: with several replicas each enforces its share, which is
// the safe direction (a client may get more, never less, than one replica
// allows). Idle buckets are dropped so the map stays small.
type rateLimiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	limiter *rate.Limiter
	seen    time.Time
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	return &rateLimiter{limit: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}}
}

// allow reports whether key may proceed now, and if not, how long to wait.
func (r *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	return r.allowN(key, 1, now)
}

// allowN is allow for a request that costs n (a bulk request costs one
// per operation). A cost above the burst is charged as the burst, so a
// large request waits for a full bucket rather than never passing.
func (r *rateLimiter) allowN(key string, n int, now time.Time) (bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swept) > time.Minute {
		for k, b := range r.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(r.buckets, k)
			}
		}
		r.swept = now
	}
	b, ok := r.buckets[key]
	if !ok {
		b = &bucket{limiter: rate.NewLimiter(r.limit, r.burst)}
		r.buckets[key] = b
	}
	b.seen = now
	res := b.limiter.ReserveN(now, min(max(n, 1), r.burst))
	if delay := res.DelayFrom(now); delay > 0 {
		res.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// limitRate answers 429 with Retry-After (whole seconds, at least 1) when
// the caller's token is over its rate. Runs after authenticate.
func (h *Handler) limitRate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ok, wait := h.limits.allow(principalFrom(c.Request().Context()).RateKey, h.now()); !ok {
			return writeError(c, tooManyRequests(c, wait))
		}
		return next(c)
	}
}

// chargeExtra takes n more units from the caller's bucket, for requests
// that do the work of several (bulk), or returns limitRate's 429.
func (h *Handler) chargeExtra(c echo.Context, n int) error {
	if n <= 0 {
		return nil
	}
	if ok, wait := h.limits.allowN(principalFrom(c.Request().Context()).RateKey, n, h.now()); !ok {
		return tooManyRequests(c, wait)
	}
	return nil
}

// tooManyRequests sets Retry-After (whole seconds, at least 1) and
// returns the 429 error to render.
func tooManyRequests(c echo.Context, wait time.Duration) *Error {
	secs := int(math.Ceil(wait.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return &Error{Status: http.StatusTooManyRequests, ScimType: typeTooMany,
		Detail: "too many requests for this token; retry after the number of seconds in Retry-After"}
}
