package sso

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/latchkeyhq/latchkey/directory"
)

// Reasons a sign-in fails. Every error HandleACS and StartLogin return
// matches exactly one of them (or directory.ErrUnavailable when the
// database is down) with errors.Is. Their text is safe to show a person;
// the *Error around them carries the detail for the log.
var (
	// ErrNotConfigured: the organization has no SAML settings.
	ErrNotConfigured = errors.New("single sign-on is not set up for this organization")
	// ErrMalformed: not a SAML response we can read (no SAMLResponse
	// field, bad base64 or XML, too large, missing required elements,
	// encrypted assertions).
	ErrMalformed = errors.New("the identity provider's answer could not be read")
	// ErrSignature: neither the response nor its assertion carries a valid
	// signature by one of the organization's IdP certificates (unsigned,
	// tampered with, wrapped, signed with another key, an expired
	// certificate, SHA-1).
	ErrSignature = errors.New("the identity provider's answer is not signed by the organization's identity provider")
	// ErrIssuer: the response names another identity provider.
	ErrIssuer = errors.New("the answer comes from another identity provider")
	// ErrStatus: the identity provider reported a failure (the person
	// cancelled, is not assigned to the app, ...).
	ErrStatus = errors.New("the identity provider did not sign you in")
	// ErrDestination: Destination or Recipient is not our ACS URL.
	ErrDestination = errors.New("the answer was meant for another address")
	// ErrAudience: the assertion is not restricted to our SP entity ID.
	ErrAudience = errors.New("the answer was meant for another application")
	// ErrExpired: outside its validity window (NotBefore, NotOnOrAfter,
	// with the allowed clock skew).
	ErrExpired = errors.New("the answer has expired or is not valid yet")
	// ErrAssertionCount: not exactly one assertion in the response.
	ErrAssertionCount = errors.New("the answer must carry exactly one assertion")
	// ErrInResponseTo: the response answers no outstanding request of this
	// organization (unknown, already used, or its RelayState differs).
	ErrInResponseTo = errors.New("the answer does not belong to a sign-in started here")
	// ErrRequestExpired: the sign-in request it answers is too old.
	ErrRequestExpired = errors.New("the sign-in took too long")
	// ErrIdPInitiated: an unsolicited response and the organization does
	// not allow sign-in started at the identity provider.
	ErrIdPInitiated = errors.New("sign-in started at the identity provider is not allowed for this organization")
	// ErrReplay: this assertion was already used.
	ErrReplay = errors.New("the answer was already used")
	// ErrReturnPath: StartLogin was given a return path that is not a
	// local path.
	ErrReturnPath = errors.New("the return path must be a local path")
	// ErrAccountInactive: MatchAccount found the account, but it is
	// deactivated.
	ErrAccountInactive = errors.New("the account is deactivated")
)

// reasons lists the sentinels in the order Reason looks for them, each
// with the short name ReasonLabel gives it.
var reasons = []struct {
	err   error
	label string
}{
	{ErrNotConfigured, "not_configured"}, {ErrMalformed, "malformed"}, {ErrSignature, "signature"},
	{ErrIssuer, "issuer"}, {ErrStatus, "idp_status"}, {ErrDestination, "destination"},
	{ErrAudience, "audience"}, {ErrExpired, "expired"}, {ErrAssertionCount, "assertion_count"},
	{ErrInResponseTo, "in_response_to"}, {ErrRequestExpired, "request_expired"},
	{ErrIdPInitiated, "idp_initiated"}, {ErrReplay, "replay"}, {ErrReturnPath, "return_path"},
	{ErrAccountInactive, "account_inactive"}, {directory.ErrUnavailable, "unavailable"},
}

// Error is a failed sign-in: Reason is one of the sentinels, Detail says
// exactly what failed (for the log: it may quote values from the message,
// never keys or secrets), Err is the underlying error if any.
type Error struct {
	Reason error
	Detail string
	Err    error
}

func (e *Error) Error() string {
	msg := "sso: " + e.Reason.Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap lets errors.Is match both the reason and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Err}
}

// LogValue logs the reason, detail and cause as separate attributes.
func (e *Error) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("reason", e.Reason.Error())}
	if e.Detail != "" {
		attrs = append(attrs, slog.String("detail", e.Detail))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("cause", e.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

func fail(reason error, detail string, err error) error {
	return &Error{Reason: reason, Detail: detail, Err: err}
}

// Reason returns the sentinel err matches (what to tell the person), or
// nil when it matches none: an internal error to answer with a generic
// page.
func Reason(err error) error {
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.err
		}
	}
	return nil
}

// ReasonLabel names the reason err matches in a few stable words
// ("signature", "replay", "in_response_to"), for metrics and logs; an
// error that matches none is "internal".
func ReasonLabel(err error) string {
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.label
		}
	}
	return "internal"
}

// HTTPStatus is the status an error page for err should carry.
func HTTPStatus(err error) int {
	switch Reason(err) {
	case nil:
		return http.StatusInternalServerError
	case directory.ErrUnavailable:
		return http.StatusServiceUnavailable
	case ErrNotConfigured:
		return http.StatusNotFound
	case ErrAccountInactive:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}
