package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// problem is an answer other than success, as an RFC 7807 problem
// document (application/problem+json). Code is a stable name for
// programs, Detail says what to do; Errors name the fields at fault and
// Allowed lists the accepted values of an unknown parameter.
type problem struct {
	Type    string       `json:"type"`
	Title   string       `json:"title"`
	Status  int          `json:"status"`
	Code    string       `json:"code"`
	Detail  string       `json:"detail"`
	Errors  []fieldError `json:"errors,omitempty"`
	Allowed []string     `json:"allowed,omitempty"`
	// retryAfter, when set, is sent as the Retry-After header (429, 503).
	retryAfter time.Duration
}

// fieldError is one field's problem in a request.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *problem) Error() string { return p.Code + ": " + p.Detail }

// problemTypeBase prefixes the problem type URIs; the README lists them.
const problemTypeBase = "https://latchkey.dev/problems/"

func newProblem(status int, code, detail string) *problem {
	return &problem{Type: problemTypeBase + code, Title: http.StatusText(status), Status: status, Code: code, Detail: detail}
}

// invalidField is a 400 naming one field.
func invalidField(field, message string) *problem {
	p := newProblem(http.StatusBadRequest, "invalid", "invalid "+field+": "+message)
	p.Errors = []fieldError{{Field: field, Message: message}}
	return p
}

// invalidFields is a 400 naming every field at fault at once.
func invalidFields(errs []fieldError) *problem {
	p := newProblem(http.StatusBadRequest, "invalid", "the request has invalid fields; see errors")
	p.Errors = errs
	return p
}

func bodyTooLarge(e *http.MaxBytesError) *problem {
	return newProblem(http.StatusRequestEntityTooLarge, "too_large",
		fmt.Sprintf("the request body is larger than this endpoint takes (%d bytes)", e.Limit))
}

// tooManyRequests is the 429 of a token over its rate limit.
func tooManyRequests(wait time.Duration) *problem {
	p := newProblem(http.StatusTooManyRequests, "rate_limited",
		"too many requests for this admin token; retry after the number of seconds in Retry-After")
	p.retryAfter = wait
	return p
}

var errNoRoute = newProblem(http.StatusNotFound, "no_route", "no such admin endpoint; GET /admin/v1/openapi.json lists them")

// WriteError implements server.Area for errors the server raises.
func (h *Handler) WriteError(c echo.Context, status int, detail string) error {
	return writeProblem(c, newProblem(status, http.StatusText(status), detail))
}

// handle maps every error a handler returns to its response, the one
// place that does.
func (h *Handler) handle(fn echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := fn(c)
		if err == nil {
			return nil
		}
		var p *problem
		var invalid *directory.ValidationError
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &p):
		case errors.As(err, &tooLarge):
			p = bodyTooLarge(tooLarge)
		case errors.As(err, &invalid):
			p = invalidField(invalid.Field, invalid.Problem)
		case errors.Is(err, directory.ErrNotFound):
			p = newProblem(http.StatusNotFound, "not_found", "no such resource in this organization")
		case errors.Is(err, directory.ErrConflict):
			p = newProblem(http.StatusConflict, "conflict", err.Error())
		case errors.Is(err, directory.ErrVersionMismatch):
			p = newProblem(http.StatusConflict, "conflict", "it changed while this request ran; try again")
		case errors.Is(err, directory.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
			p = newProblem(http.StatusServiceUnavailable, "unavailable", "the database is not answering; retry shortly")
			p.retryAfter = 5 * time.Second
		default:
			h.log.ErrorContext(c.Request().Context(), "admin request failed", "err", err)
			p = newProblem(http.StatusInternalServerError, "internal", "something went wrong on the server; the log has details")
		}
		return writeProblem(c, p)
	}
}

func writeProblem(c echo.Context, p *problem) error {
	if p.retryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(p.retryAfter)))
	}
	body, err := jsonMarshal(p)
	if err != nil {
		return err
	}
	return c.Blob(p.Status, "application/problem+json", body)
}
