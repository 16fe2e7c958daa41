package admin

import (
	"context"
	"log/slog"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// What counts against a limit: each request authenticated by an admin
// token, charged to that token ("admin:token:<id>"; an admin's tokens
// are separate scripts, each with its own budget). The console's
// in-process calls (ServeAs) are not charged: they carry no token, one
// page makes several of them (a list, its counts, a person's history)
// plus background counts, and the person behind them clicks at human
// speed. The console's own pages are bounded by its sign-in (attempts
// are throttled) and the server's request timeout; automation goes
// through tokens. Signed export download links are not charged either:
// each is issued by an export and works for one admin.

// rateLimiter limits each admin token; its state lives in a
// directory.RateLimitStore, asked fail-open.
type rateLimiter struct {
	rates *directory.FailOpenRates
	limit directory.RateLimit
}

// newRateLimiter limits each token to perSecond (bursts to twice it);
// nil, no limit, when perSecond is not positive.
func newRateLimiter(rates directory.RateLimitStore, perSecond float64, log *slog.Logger) *rateLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &rateLimiter{rates: directory.NewFailOpenRates(rates, log, "admin"),
		limit: directory.RateLimit{PerSecond: perSecond, Burst: max(int(2*perSecond), 1)}}
}

// limitToken charges one request to an admin token, or returns the 429
// to answer.
func (h *Handler) limitToken(ctx context.Context, tokenID string) error {
	l := h.limits
	if l == nil {
		return nil
	}
	if ok, wait := l.rates.Take(ctx, "admin:token:"+tokenID, l.limit, 1, h.now()); !ok {
		return tooManyRequests(wait)
	}
	return nil
}

// retryAfterSeconds is a wait as Retry-After says it: whole seconds,
// rounded up, at least 1.
func retryAfterSeconds(wait time.Duration) int {
	return max(int((wait+time.Second-1)/time.Second), 1)
}
