package directory

import (
	"errors"
	"fmt"
)

// Sentinel errors returned by every Store implementation. Protocol adapters
// map them to responses in one place each (SCIM errors, admin problems).
var (
	// ErrNotFound: no row matched, or it belongs to another organization.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule (userName, slug, group name, ...) was violated.
	ErrConflict = errors.New("conflict")
	// ErrVersionMismatch: an optimistic-concurrency check failed; the
	// resource changed since the caller read it.
	ErrVersionMismatch = errors.New("version mismatch")
	// ErrInvalid: the value breaks a domain rule; wrapped by *ValidationError.
	ErrInvalid = errors.New("invalid")
	// ErrUnavailable: the database cannot be reached right now; callers
	// should answer 503 with Retry-After rather than wait.
	ErrUnavailable = errors.New("store unavailable")
)

// ValidationError names the field that broke a rule and why. It matches
// ErrInvalid with errors.Is.
type ValidationError struct {
	Field   string
	Problem string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Problem)
}

// Is reports ErrInvalid as a match so callers need only one check.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, problem string) error {
	return &ValidationError{Field: field, Problem: problem}
}
