package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/scim/patch"
	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// SCIM error types (RFC 7644 §3.12).
const (
	typeInvalidFilter = "invalidFilter"
	typeTooMany       = "tooMany"
	typeUniqueness    = "uniqueness"
	typeMutability    = "mutability"
	typeInvalidSyntax = "invalidSyntax"
	typeInvalidPath   = "invalidPath"
	typeNoTarget      = "noTarget"
	typeInvalidValue  = "invalidValue"
	typeInvalidVers   = "invalidVers"
	typeSensitive     = "sensitive"
	typeInvalidCursor = "invalidCursor" // RFC 9865
)

// Error is a SCIM error response. Handlers return it (or any error, which
// respond maps) and writeError renders it; nothing else writes errors.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *Error) Error() string { return fmt.Sprintf("scim %d %s: %s", e.Status, e.ScimType, e.Detail) }

func badRequest(scimType, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

func notFound(resource, id string) *Error {
	return &Error{Status: http.StatusNotFound, Detail: fmt.Sprintf("%s %q not found", resource, id)}
}

// detailed is implemented by the filter and patch packages' errors, which
// carry a message safe to show to the client.
type detailed interface {
	error
	SCIMType() string
	SCIMDetail() string
}

// errorResponse is the single place that turns an error into a SCIM error:
// the status, scimType and a detail that never carries internal text.
// retryAfter is set for 503s. unexpected is true when the error should be
// logged as a server fault.
func errorResponse(err error) (e *Error, retryAfter bool, unexpected bool) {
	var scimErr *Error
	var d detailed
	var invalid *directory.ValidationError
	var patchErr *patch.Error
	switch {
	case errors.As(err, &patchErr):
		return &Error{Status: http.StatusBadRequest, ScimType: patchErr.ScimType, Detail: patchErr.Detail}, false, false
	case errors.As(err, &scimErr):
		return scimErr, false, false
	case errors.As(err, &d):
		return &Error{Status: http.StatusBadRequest, ScimType: d.SCIMType(), Detail: d.SCIMDetail()}, false, false
	case errors.Is(err, credential.ErrInvalid):
		return &Error{Status: http.StatusUnauthorized, Detail: "the bearer token is invalid, expired or revoked"}, false, false
	case errors.As(err, &invalid):
		return badRequest(typeInvalidValue, "%s %s", invalid.Field, invalid.Problem), false, false
	case errors.Is(err, directory.ErrInvalid):
		return badRequest(typeInvalidValue, "a value is not acceptable"), false, false
	case errors.Is(err, directory.ErrConflict):
		return &Error{Status: http.StatusConflict, ScimType: typeUniqueness, Detail: "a resource with that unique value already exists"}, false, false
	case errors.Is(err, directory.ErrVersionMismatch):
		return &Error{Status: http.StatusPreconditionFailed, Detail: "the resource changed since the version given in If-Match; read it again"}, false, false
	case errors.Is(err, directory.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Detail: "resource not found"}, false, false
	case errors.Is(err, directory.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Detail: "the service is temporarily unavailable; retry later"}, true, false
	}
	return &Error{Status: http.StatusInternalServerError, Detail: "internal server error"}, false, true
}

// errorBody renders e in the RFC 7644 error schema; status is a string.
func errorBody(e *Error) map[string]any {
	body := map[string]any{
		"schemas": []string{schemas.ErrorURN},
		"status":  strconv.Itoa(e.Status),
		"detail":  e.Detail,
	}
	if e.ScimType != "" {
		body["scimType"] = e.ScimType
	}
	return body
}
