package scim

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// Rate limits. Every SCIM token (or OAuth client) has a bucket of
// Options.Burst requests refilled at Options.RatePerSecond, and the token
// endpoint has one per client id and one per caller address. Options.Rates
// keeps the buckets: process memory for a server that runs alone, the
// database for replicas, which then share every limit exactly.

// limiter asks a directory.RateLimitStore and lets requests through when
// the store fails (fail open): a request the limiter cannot judge meets
// the same database next and gets its real error from there. The first
// failure of an outage is logged, and the recovery.
type limiter struct {
	rates   directory.RateLimitStore
	log     *slog.Logger
	failing atomic.Bool
}

func newLimiter(rates directory.RateLimitStore, log *slog.Logger) *limiter {
	if rates == nil {
		rates = directory.NewMemoryRates()
	}
	return &limiter{rates: rates, log: log}
}

// take charges cost to key and reports whether the request may go on,
// and if not, how long to wait.
func (l *limiter) take(ctx context.Context, key string, limit directory.RateLimit, cost int, now time.Time) (bool, time.Duration) {
	d, err := l.rates.TakeRate(ctx, key, limit, cost, now)
	if err != nil {
		// A request that ended (client gone, deadline) says nothing of
		// the store.
		if ctx.Err() == nil && l.failing.CompareAndSwap(false, true) {
			l.log.ErrorContext(ctx, "rate limits unavailable: letting requests through until the database answers", "err", err)
		}
		return true, 0
	}
	if l.failing.CompareAndSwap(true, false) {
		l.log.InfoContext(ctx, "rate limits available again")
	}
	return d.Allowed, d.RetryAfter
}

// limitRate answers 429 with Retry-After (whole seconds, at least 1) when
// the caller's token is over its rate. Runs after authenticate.
func (h *Handler) limitRate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if ok, wait := h.limits.take(ctx, "scim:"+principalFrom(ctx).RateKey, h.rate, 1, h.now()); !ok {
			return writeError(c, tooManyRequests(c, wait))
		}
		return next(c)
	}
}

// chargeExtra takes n more units from the caller's bucket, for requests
// that do the work of several (bulk), or returns limitRate's 429. A cost
// above the burst is charged as the burst: such a request waits for a
// full bucket rather than never passing.
func (h *Handler) chargeExtra(c echo.Context, n int) error {
	if n <= 0 {
		return nil
	}
	ctx := c.Request().Context()
	if ok, wait := h.limits.take(ctx, "scim:"+principalFrom(ctx).RateKey, h.rate, n, h.now()); !ok {
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
