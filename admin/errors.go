package admin

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// apiError is an answer other than success; code is stable for programs,
// message says what to do.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

var errNoRoute = &apiError{http.StatusNotFound, "not_found", "no such admin endpoint; see the README's admin API section"}

// WriteError implements server.Area for errors the server raises.
func (h *Handler) WriteError(c echo.Context, status int, detail string) error {
	return writeError(c, &apiError{status: status, code: http.StatusText(status), message: detail})
}

// handle maps every error a handler returns to its response, the one
// place that does.
func (h *Handler) handle(fn echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := fn(c)
		if err == nil {
			return nil
		}
		var api *apiError
		var invalid *directory.ValidationError
		switch {
		case errors.As(err, &api):
		case errors.As(err, &invalid):
			api = &apiError{http.StatusBadRequest, "invalid", invalid.Error()}
		case errors.Is(err, directory.ErrNotFound):
			api = &apiError{http.StatusNotFound, "not_found", "no such resource in this organization"}
		case errors.Is(err, directory.ErrConflict):
			api = &apiError{http.StatusConflict, "conflict", err.Error()}
		case errors.Is(err, directory.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
			c.Response().Header().Set("Retry-After", "5")
			api = &apiError{http.StatusServiceUnavailable, "unavailable", "the database is not answering; retry shortly"}
		default:
			h.log.ErrorContext(c.Request().Context(), "admin request failed", "err", err)
			api = &apiError{http.StatusInternalServerError, "internal", "something went wrong on the server; the log has details"}
		}
		return writeError(c, api)
	}
}

func writeError(c echo.Context, e *apiError) error {
	return c.JSON(e.status, map[string]any{"error": map[string]any{"code": e.code, "message": e.message}})
}
