package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

// OAuth error codes: RFC 6749 §5.2, plus slow_down (RFC 8628, registered
// for token endpoint responses) and the §4.1.2.1 codes for server faults.
const (
	errInvalidRequest       = "invalid_request"
	errInvalidClient        = "invalid_client"
	errUnsupportedGrantType = "unsupported_grant_type"
	errSlowDown             = "slow_down"
	errServerError          = "server_error"
	errUnavailable          = "temporarily_unavailable"
)

// oauthError is an OAuth 2.0 error response. Token endpoint handlers
// return it (or any error, which oauthErrorFor maps) and writeOAuthError
// renders it; nothing else writes the endpoint's errors.
type oauthError struct {
	status      int
	code        string
	description string
	retryAfter  time.Duration
}

func (e *oauthError) Error() string {
	return fmt.Sprintf("oauth %d %s: %s", e.status, e.code, e.description)
}

func invalidRequest(format string, args ...any) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: errInvalidRequest, description: fmt.Sprintf(format, args...)}
}

func invalidClient(description string) *oauthError {
	return &oauthError{status: http.StatusUnauthorized, code: errInvalidClient, description: description}
}

// throttle refuses with 429 when key is over limit.
func (t *tokenEndpoint) throttle(ctx context.Context, key string, limit directory.RateLimit, now time.Time, what string) error {
	ok, wait := t.h.limits.Take(ctx, key, limit, 1, now)
	if ok {
		return nil
	}
	return &oauthError{status: http.StatusTooManyRequests, code: errSlowDown, retryAfter: wait,
		description: "too many token requests from this " + what + "; retry after the number of seconds in Retry-After"}
}

// oauthErrorFor is the single place that turns an error into an OAuth
// error response; unexpected is true for faults to log. Descriptions never
// carry internal text.
func oauthErrorFor(err error) (e *oauthError, unexpected bool) {
	var oe *oauthError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &oe):
		return oe, false
	case errors.As(err, &tooLarge):
		return &oauthError{status: http.StatusRequestEntityTooLarge, code: errInvalidRequest,
			description: "the request body is larger than the server accepts"}, false
	case errors.Is(err, credential.ErrInvalidClient):
		return invalidClient("client authentication failed: unknown client, wrong secret or revoked client"), false
	case errors.Is(err, directory.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return &oauthError{status: http.StatusServiceUnavailable, code: errUnavailable, retryAfter: 5 * time.Second,
			description: "the service is temporarily unavailable; retry later"}, false
	}
	return &oauthError{status: http.StatusInternalServerError, code: errServerError, description: "internal server error"}, true
}

// codeFor names the OAuth error for a status the server raised itself
// (unknown route, wrong method, body too large, panic, database down).
func codeFor(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return errInvalidClient
	case status == http.StatusTooManyRequests:
		return errSlowDown
	case status == http.StatusServiceUnavailable:
		return errUnavailable
	case status >= 500:
		return errServerError
	}
	return errInvalidRequest
}

// handle adapts a token endpoint handler: any error it returns becomes an
// OAuth error response.
func (t *tokenEndpoint) handle(fn func(c echo.Context) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := fn(c)
		if err == nil {
			return nil
		}
		e, unexpected := oauthErrorFor(err)
		if unexpected {
			t.h.log.ErrorContext(c.Request().Context(), "oauth token request failed", slog.Any("error", err))
		}
		return writeOAuthError(c, e)
	}
}

// WriteError implements server.Area.
func (t *tokenEndpoint) WriteError(c echo.Context, status int, detail string) error {
	return writeOAuthError(c, &oauthError{status: status, code: codeFor(status), description: detail})
}

// writeOAuthError renders e as RFC 6749 §5.2 JSON. A 401 names the Basic
// scheme, which every client can use (§5.2 asks for the scheme the client
// tried; Basic is the only header scheme accepted here).
func writeOAuthError(c echo.Context, e *oauthError) error {
	h := c.Response().Header()
	if e.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="latchkey"`)
	}
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(max(int(math.Ceil(e.retryAfter.Seconds())), 1)))
	}
	return writeOAuthJSON(c, e.status, map[string]string{"error": e.code, "error_description": e.description})
}

// writeOAuthJSON sends a token endpoint body; neither tokens nor errors
// may be cached (§5.1).
func writeOAuthJSON(c echo.Context, status int, body any) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	c.Response().WriteHeader(status)
	return json.NewEncoder(c.Response()).Encode(body)
}
