package admin

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/scim/filter"
)

// peopleFilter selects people: the query parameters of GET /people and
// GET /people/counts, and the same names in the JSON bodies of bulk
// actions and exports, so a console can send one filter everywhere.
// Times take RFC 3339 ("2026-01-31T00:00:00Z") or a date ("2026-01-31",
// midnight UTC); text matches ignore case.
type peopleFilter struct {
	// Status is not_invited, invited (not claimed yet), claimed or
	// deactivated; several, comma-separated, match any.
	Status     string `json:"status,omitempty"`
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
	Location   string `json:"location,omitempty"`
	Division   string `json:"division,omitempty"`
	// Manager is the manager's id (SCIM manager.value).
	Manager    string `json:"manager,omitempty"`
	AuthMethod string `json:"auth_method,omitempty"`
	HasEmail   *bool  `json:"has_email,omitempty"`

	CreatedAfter  string `json:"created_after,omitempty"`
	CreatedBefore string `json:"created_before,omitempty"`
	InvitedAfter  string `json:"invited_after,omitempty"`
	InvitedBefore string `json:"invited_before,omitempty"`
	ClaimedAfter  string `json:"claimed_after,omitempty"`
	ClaimedBefore string `json:"claimed_before,omitempty"`

	// Q is free text: it matches the start of the userName, display,
	// given or family name, or the primary email address. Prefix matching is what
	// indexes can answer at a million accounts; "filter" does the rest.
	Q string `json:"q,omitempty"`
	// Filter is any SCIM filter over User attributes, for the rest.
	Filter string `json:"filter,omitempty"`
}

// peopleFilterParams are the query parameter names of peopleFilter.
var peopleFilterParams = []string{
	"status", "department", "title", "location", "division", "manager", "auth_method", "has_email",
	"created_after", "created_before", "invited_after", "invited_before", "claimed_after", "claimed_before",
	"q", "filter",
}

// maxQLength bounds q, as filter.MaxLength bounds filter.
const maxQLength = 256

// parsePeopleQuery reads a peopleFilter from query parameters. Any
// parameter that is neither a filter nor one of extra (sort, cursor, ...)
// is a 400 listing the allowed ones; a parameter given twice is too.
func parsePeopleQuery(q url.Values, extra ...string) (peopleFilter, error) {
	allowed := append(slices.Clone(peopleFilterParams), extra...)
	var unknown []string
	for name, values := range q {
		if !slices.Contains(allowed, name) {
			unknown = append(unknown, name)
			continue
		}
		if len(values) > 1 {
			return peopleFilter{}, invalidField(name, "give it once")
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		p := invalidField(unknown[0], "is not a query parameter here; see allowed")
		for _, name := range unknown[1:] {
			p.Errors = append(p.Errors, fieldError{Field: name, Message: "is not a query parameter here; see allowed"})
		}
		slices.Sort(allowed)
		p.Allowed = allowed
		return peopleFilter{}, p
	}
	f := peopleFilter{
		Status: q.Get("status"), Department: q.Get("department"), Title: q.Get("title"), Location: q.Get("location"),
		Division: q.Get("division"), Manager: q.Get("manager"), AuthMethod: q.Get("auth_method"),
		CreatedAfter: q.Get("created_after"), CreatedBefore: q.Get("created_before"),
		InvitedAfter: q.Get("invited_after"), InvitedBefore: q.Get("invited_before"),
		ClaimedAfter: q.Get("claimed_after"), ClaimedBefore: q.Get("claimed_before"),
		Q: q.Get("q"), Filter: q.Get("filter"),
	}
	if v := q.Get("has_email"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return peopleFilter{}, invalidField("has_email", "must be true or false")
		}
		f.HasEmail = &b
	}
	return f, nil
}

// compile turns f into a store filter (nil when f selects everyone),
// reporting every field at fault at once.
func (f peopleFilter) compile() (directory.Filter, error) {
	var and directory.And
	var errs []fieldError
	fail := func(field, message string) { errs = append(errs, fieldError{Field: field, Message: message}) }

	if f.Status != "" {
		if clause, ok := statusClause(f.Status); ok {
			and = append(and, clause)
		} else {
			fail("status", "must be not_invited, invited, claimed or deactivated (several: comma-separated)")
		}
	}
	for _, eq := range []struct {
		field string
		attr  directory.Attr
		value string
	}{
		{"department", directory.AttrDepartment, f.Department}, {"title", directory.AttrTitle, f.Title},
		{"location", directory.AttrLocation, f.Location}, {"division", directory.AttrDivision, f.Division},
		{"manager", directory.AttrManagerID, f.Manager},
	} {
		if eq.value != "" {
			and = append(and, directory.Compare{Attr: eq.attr, Op: directory.OpEq, Value: eq.value})
		}
	}
	switch m := directory.AuthMethod(f.AuthMethod); {
	case m == "":
	case m.Valid():
		and = append(and, directory.Compare{Attr: directory.AttrAuthMethod, Op: directory.OpEq, Value: string(m)})
	default:
		fail("auth_method", "must be password or sso")
	}
	if f.HasEmail != nil {
		var has directory.Filter = directory.Compare{Attr: directory.AttrPrimaryEmail, Op: directory.OpPr}
		if !*f.HasEmail {
			has = directory.Not{Filter: has}
		}
		and = append(and, has)
	}
	for _, r := range []struct {
		field string
		attr  directory.Attr
		op    directory.Op
		value string
	}{
		{"created_after", directory.AttrCreated, directory.OpGe, f.CreatedAfter},
		{"created_before", directory.AttrCreated, directory.OpLt, f.CreatedBefore},
		{"invited_after", directory.AttrInvitedAt, directory.OpGe, f.InvitedAfter},
		{"invited_before", directory.AttrInvitedAt, directory.OpLt, f.InvitedBefore},
		{"claimed_after", directory.AttrClaimedAt, directory.OpGe, f.ClaimedAfter},
		{"claimed_before", directory.AttrClaimedAt, directory.OpLt, f.ClaimedBefore},
	} {
		if r.value == "" {
			continue
		}
		at, err := parseMoment(r.value)
		if err != nil {
			fail(r.field, "must be an RFC 3339 time (2026-01-31T09:00:00Z) or a date (2026-01-31)")
			continue
		}
		and = append(and, directory.Compare{Attr: r.attr, Op: r.op, Value: at})
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		if len(q) > maxQLength {
			fail("q", "must be at most 256 bytes")
		} else {
			and = append(and, textSearch(q))
		}
	}
	if f.Filter != "" {
		expr, err := filter.Users(f.Filter)
		var bad *filter.Error
		switch {
		case errors.As(err, &bad):
			fail("filter", bad.Detail)
		case err != nil:
			return nil, err
		case expr != nil:
			and = append(and, expr)
		}
	}
	if len(errs) > 0 {
		return nil, invalidFields(errs)
	}
	switch len(and) {
	case 0:
		return nil, nil
	case 1:
		return and[0], nil
	}
	return and, nil
}

// statusClause is the filter of one status or a comma-separated list.
func statusClause(list string) (directory.Filter, bool) {
	var oneOf directory.Or
	for _, s := range strings.Split(list, ",") {
		clause, ok := directory.StatusFilter(directory.Status(strings.TrimSpace(s)))
		if !ok {
			return nil, false
		}
		oneOf = append(oneOf, clause)
	}
	if len(oneOf) == 1 {
		return oneOf[0], true
	}
	return oneOf, true
}

// textSearch matches q at the start of the names people are found by.
func textSearch(q string) directory.Filter {
	var oneOf directory.Or
	for _, attr := range []directory.Attr{directory.AttrUserName, directory.AttrDisplayName,
		directory.AttrGivenName, directory.AttrFamilyName, directory.AttrPrimaryEmail} {
		oneOf = append(oneOf, directory.Compare{Attr: attr, Op: directory.OpSw, Value: q})
	}
	return oneOf
}

// parseMoment reads an RFC 3339 time or a date (midnight UTC).
func parseMoment(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, s)
}
