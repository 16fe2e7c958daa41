package filter

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Error is a filter the server will not run; the SCIM layer answers 400
// invalidFilter with Detail.
type Error struct{ Detail string }

func (e *Error) Error() string { return "invalid filter: " + e.Detail }

// SCIMType is the RFC 7644 §3.12 error type the SCIM layer answers with.
func (e *Error) SCIMType() string { return "invalidFilter" }

// SCIMDetail is the message for the client; it never carries parser
// internals.
func (e *Error) SCIMDetail() string { return e.Detail }

func errorf(format string, args ...any) *Error {
	return &Error{Detail: fmt.Sprintf(format, args...)}
}

// maxQuoted bounds how much of the client's text an error message
// repeats; it fits the longest schema URN with an attribute name.
const maxQuoted = 160

// quote quotes client text for an error message. Longer text loses its
// middle, so that a 2 KB attribute name does not come back as a 2 KB
// detail while the name at its end still does.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	head, tail := maxQuoted/2, len(s)-maxQuoted/2
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	for tail < len(s) && !utf8.RuneStart(s[tail]) {
		tail++
	}
	return strconv.Quote(s[:head] + "…" + s[tail:])
}

// syntaxError explains a filter the parser refused. The parser's own
// errors name grammar internals and, because the grammar backtracks, mostly
// point at the first character, so the scan's findings are more useful.
func syntaxError(sh shape, lifted bool) *Error {
	switch {
	case sh.openQuote:
		return errorf("a string value is missing its closing double quote")
	case sh.unbalanced:
		return errorf("parentheses or brackets do not match")
	case lifted:
		return errorf(`invalid filter syntax; note that a value filter holds at most two comparisons, ` +
			`and in attr[filter].sub op value the sub-attribute comparison counts as one of them`)
	}
	return errorf(`invalid filter syntax; expected comparisons such as userName eq "bjensen", title pr ` +
		`or emails[type eq "work"], string values in double quotes, joined with and/or, ` +
		`grouped with ( ) and negated with not ( )`)
}
