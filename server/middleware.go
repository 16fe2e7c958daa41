package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"
)

// HeaderRequestID carries the request ID in both directions.
const HeaderRequestID = "X-Request-ID"

// maxRequestIDLen bounds accepted incoming request IDs so clients cannot
// bloat every log line.
const maxRequestIDLen = 128

// requestIDMiddleware adopts a well-formed incoming X-Request-ID (so IDs
// can be correlated across a proxy chain) or generates one, and exposes it
// on the response and in the request context.
func requestIDMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		id := req.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Response().Header().Set(HeaderRequestID, id)
		c.SetRequest(req.WithContext(withRequestID(req.Context(), id)))
		return next(c)
	}
}

// validRequestID accepts 1..128 characters of [A-Za-z0-9._-]; anything else
// could inject content into logs or headers.
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9',
			b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 16 random bytes, hex-encoded.
func newRequestID() string {
	var b [16]byte
	// crypto/rand.Read never returns an error (it crashes the program if
	// the OS randomness source fails).
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// securityHeadersMiddleware sets conservative headers on every response.
// Cache-Control is a default a handler may override; responses here carry
// directory data or transient state that must not be cached.
func securityHeadersMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// panicError carries a recovered panic to the error handler, which logs
// the value and stack and answers a generic 500.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// recoverMiddleware turns a handler panic into a *panicError.
func (s *Server) recoverMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			// net/http uses ErrAbortHandler to abort a response on purpose;
			// it must propagate, and net/http suppresses its stack trace.
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err = &panicError{value: v, stack: debug.Stack()}
		}()
		return next(c)
	}
}

// bodyLimitMiddleware rejects bodies over the configured limit. The
// Content-Length check fails fast; the MaxBytesReader covers chunked and
// lying bodies, surfacing *http.MaxBytesError to whichever handler reads
// the body, which the error handler maps to 413.
// timeoutMiddleware gives every request a deadline. Handlers pass the
// request context to the store, so a query stuck on an unresponsive
// database is cancelled and the client gets 503 with Retry-After.
func (s *Server) timeoutMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.requestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func (s *Server) bodyLimitMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		limit := s.bodyLimitFor(c)
		if req.ContentLength > limit {
			return &http.MaxBytesError{Limit: limit}
		}
		// The underlying writer, not echo's wrapper, lets net/http close
		// the connection instead of draining an oversized body.
		req.Body = http.MaxBytesReader(c.Response().Writer, req.Body, limit)
		return next(c)
	}
}

// bodyLimitFor is the limit of the matched route: the server's, unless
// the route's area is a BodyLimiter that says otherwise. Echo has matched
// the route before this middleware runs, so c.Path() is the pattern.
func (s *Server) bodyLimitFor(c echo.Context) int64 {
	if bl, ok := s.areaFor(c.Request().URL.Path).(BodyLimiter); ok {
		if limit := bl.BodyLimit(c.Request().Method, c.Path()); limit > 0 {
			return limit
		}
	}
	return s.bodyLimit
}
