package scim

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Rate limits. Every SCIM token (or OAuth client) has a bucket of
// Options.Burst requests refilled at Options.RatePerSecond, and the token
// endpoint has one per client id and one per caller address. Options.Rates
// keeps the buckets: process memory for a server that runs alone, the
// database for replicas, which then share every limit exactly.

// limitRate answers 429 with Retry-After (whole seconds, at least 1) when
// the caller's token is over its rate. Runs after authenticate.
func (h *Handler) limitRate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if ok, wait := h.limits.Take(ctx, "scim:"+principalFrom(ctx).RateKey, h.rate, 1, h.now()); !ok {
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
	if ok, wait := h.limits.Take(ctx, "scim:"+principalFrom(ctx).RateKey, h.rate, n, h.now()); !ok {
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
