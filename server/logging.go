package server

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/trace"
)

// requestKey is the context key under which the request's scope is stored.
type requestKey struct{}

// Log attribute names for what the log handler adds to a request's records.
const (
	requestIDAttr = "request_id"
	orgAttr       = "org_id"
	traceIDAttr   = "trace_id"
)

// requestScope is what the server knows of a request beyond its context
// values: its id, fixed at the start, and its organization, learnt only
// once an area's authentication ran. It is a pointer shared by every
// context derived from the request's, so the organization filled in deep
// inside a handler reaches records logged with an outer context too (the
// access log, the error handler).
type requestScope struct {
	id  string
	org atomic.Pointer[string]
}

// withRequestID returns a copy of ctx carrying a new request scope for id.
func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestKey{}, &requestScope{id: id})
}

func scopeOf(ctx context.Context) *requestScope {
	s, _ := ctx.Value(requestKey{}).(*requestScope)
	return s
}

// RequestID returns the request ID stored in ctx by the server's
// middleware, or "" if ctx does not belong to a request.
func RequestID(ctx context.Context) string {
	if s := scopeOf(ctx); s != nil {
		return s.id
	}
	return ""
}

// SetOrg records the organization a request acts for, once its area's
// authentication knows it; from then on the request's log records carry
// org_id. Outside a request it does nothing.
func SetOrg(ctx context.Context, orgID string) {
	if s := scopeOf(ctx); s != nil && orgID != "" {
		s.org.Store(&orgID)
	}
}

// OrgID returns the organization recorded with SetOrg for ctx's
// request, or "".
func OrgID(ctx context.Context) string {
	if s := scopeOf(ctx); s != nil {
		if org := s.org.Load(); org != nil {
			return *org
		}
	}
	return ""
}

// NewLogHandler wraps h so that every record logged with a request's
// context carries a request_id attribute, org_id once the request's
// organization is known (SetOrg), and trace_id when the request is traced.
// Records that already have one are left alone, so wrapping twice does
// not duplicate it.
func NewLogHandler(h slog.Handler) slog.Handler {
	return &logHandler{inner: h}
}

// logHandler is the slog.Handler returned by NewLogHandler.
type logHandler struct {
	inner slog.Handler
}

// Enabled implements slog.Handler.
func (h *logHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle implements slog.Handler.
func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	var add []slog.Attr
	if id := RequestID(ctx); id != "" && !hasAttr(r, requestIDAttr) {
		add = append(add, slog.String(requestIDAttr, id))
	}
	if org := OrgID(ctx); org != "" && !hasAttr(r, orgAttr) {
		add = append(add, slog.String(orgAttr, org))
	}
	// With tracing on, records point at their trace.
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && !hasAttr(r, traceIDAttr) {
		add = append(add, slog.String(traceIDAttr, sc.TraceID().String()))
	}
	if len(add) > 0 {
		// Clone: the record's attribute storage may be shared with the caller.
		r = r.Clone()
		r.AddAttrs(add...)
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{inner: h.inner.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{inner: h.inner.WithGroup(name)}
}

// hasAttr reports whether r has a top-level attribute named key.
func hasAttr(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}

// accessLogMiddleware writes one record per request once the final status
// is known. It resolves handler errors itself (via c.Error) so the record
// reflects the status the error handler actually sent.
func (s *Server) accessLogMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		s.logAccess(c, time.Since(start))
		return nil
	}
}

// logAccess emits the access record. The path is logged without the
// query string, which may carry secrets (tokens, filters with PII).
func (s *Server) logAccess(c echo.Context, elapsed time.Duration) {
	req, res := c.Request(), c.Response()
	s.log.LogAttrs(req.Context(), accessLevel(c.Path(), res.Status), "http request",
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.String("route", c.Path()),
		slog.Int("status", res.Status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.Int64("bytes_out", res.Size),
		slog.String("remote_ip", c.RealIP()),
		slog.String("user_agent", req.UserAgent()),
		slog.String(requestIDAttr, RequestID(req.Context())),
	)
}

// accessLevel picks the level of an access record: probes at debug,
// server errors at error, everything else at info.
func accessLevel(route string, status int) slog.Level {
	switch {
	case isProbe(route):
		return slog.LevelDebug
	case status >= 500:
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}
