package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// errorBody is the generic JSON error shape. Protocol areas (SCIM, admin)
// write their own bodies; this is the fallback for everything else.
type errorBody struct {
	Error     string `json:"error"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id,omitempty"`
}

// errorResponse is what handleError decided to send.
type errorResponse struct {
	status     int
	detail     string
	retryAfter bool
}

// handleError is the echo HTTPErrorHandler: it maps err to a status and a
// JSON body and logs what clients must not see.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		// Headers are gone; the access log still records the real status.
		s.log.LogAttrs(c.Request().Context(), slog.LevelWarn,
			"error after response was committed", slog.Any("error", err))
		return
	}
	resp := s.classify(c, err)
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	if resp.retryAfter {
		setRetryAfter(c)
	}
	var writeErr error
	if area := s.areaFor(c.Request().URL.Path); area != nil {
		writeErr = area.WriteError(c, resp.status, resp.detail)
	} else if c.Request().Method == http.MethodHead {
		writeErr = c.NoContent(resp.status)
	} else {
		writeErr = c.JSON(resp.status, errorBody{
			Error:     errorCode(resp.status),
			Detail:    resp.detail,
			RequestID: RequestID(c.Request().Context()),
		})
	}
	if writeErr != nil {
		s.log.LogAttrs(c.Request().Context(), slog.LevelWarn,
			"writing error response failed", slog.Any("error", writeErr))
	}
}

// classify maps err to a response and logs server-side failures. Wrapped
// causes are checked before *echo.HTTPError because echo wraps read
// errors (e.g. an oversized body during Bind) in a generic 400.
func (s *Server) classify(c echo.Context, err error) errorResponse {
	ctx := c.Request().Context()
	var (
		tooLarge *http.MaxBytesError
		p        *panicError
		he       *echo.HTTPError
	)
	switch {
	case errors.As(err, &tooLarge):
		return errorResponse{
			status: http.StatusRequestEntityTooLarge,
			detail: fmt.Sprintf("request body exceeds the limit of %d bytes", tooLarge.Limit),
		}
	case errors.Is(err, directory.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		s.log.LogAttrs(ctx, slog.LevelWarn, "store unavailable", slog.Any("error", err))
		return errorResponse{
			status:     http.StatusServiceUnavailable,
			detail:     "service temporarily unavailable; retry later",
			retryAfter: true,
		}
	case errors.As(err, &p):
		s.logPanic(c, p)
		return internalError()
	case errors.As(err, &he):
		return s.httpErrorResponse(c, he)
	default:
		s.log.LogAttrs(ctx, slog.LevelError, "unhandled error", slog.Any("error", err))
		return internalError()
	}
}

// httpErrorResponse passes through an *echo.HTTPError's status and
// message, except that 5xx details are replaced by generic text.
func (s *Server) httpErrorResponse(c echo.Context, he *echo.HTTPError) errorResponse {
	if he.Code >= 500 {
		s.log.LogAttrs(c.Request().Context(), slog.LevelError, "http error", slog.Any("error", he))
		if he.Code == http.StatusInternalServerError {
			return internalError()
		}
		return errorResponse{status: he.Code, detail: strings.ToLower(http.StatusText(he.Code))}
	}
	return errorResponse{status: he.Code, detail: httpErrorDetail(he)}
}

// httpErrorDetail renders an *echo.HTTPError's message as text.
func httpErrorDetail(he *echo.HTTPError) string {
	switch m := he.Message.(type) {
	case string:
		return m
	case error:
		return m.Error()
	default:
		return strings.ToLower(http.StatusText(he.Code))
	}
}

// internalError is the generic 500; the real cause is only ever logged.
func internalError() errorResponse {
	return errorResponse{status: http.StatusInternalServerError, detail: "internal server error"}
}

// errorCode derives a stable snake_case code from a status, e.g.
// 404 -> "not_found".
func errorCode(status int) string {
	if status == http.StatusInternalServerError {
		return "internal_error"
	}
	text := http.StatusText(status)
	if text == "" {
		return "error"
	}
	return strings.ToLower(strings.NewReplacer(" ", "_", "-", "_", "'", "").Replace(text))
}

// logPanic records a recovered panic with its stack.
func (s *Server) logPanic(c echo.Context, p *panicError) {
	req := c.Request()
	s.log.LogAttrs(req.Context(), slog.LevelError, "panic in http handler",
		slog.String("panic", fmt.Sprint(p.value)),
		slog.String("stack", string(p.stack)),
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
	)
}
