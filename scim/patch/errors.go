package patch

import (
	"fmt"
	"strconv"
)

// SCIM error types (RFC 7644 §3.12) that Apply, ApplyGroup and ParseRequest
// report in Error.ScimType.
const (
	InvalidSyntax = "invalidSyntax"
	InvalidPath   = "invalidPath"
	NoTarget      = "noTarget"
	InvalidValue  = "invalidValue"
	Mutability    = "mutability"
)

// Error is a PATCH request the server refuses. The SCIM layer answers it with
// 400 Bad Request carrying ScimType and Detail. Details name paths and
// attributes but never echo values, since a value may be a secret (password).
type Error struct {
	ScimType string
	Detail   string
}

func (e *Error) Error() string { return "scim patch: " + e.ScimType + ": " + e.Detail }

// errorf returns an *Error as an error. It returns the interface type so that
// callers never wrap a typed nil pointer in a non-nil error.
func errorf(scimType, format string, args ...any) error {
	return &Error{ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// quote quotes client-sent text for an error detail, cut short so that a
// huge path cannot blow up the response.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}
