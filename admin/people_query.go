package admin

import (
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/latchkeyhq/latchkey/directory"
)

// peopleSorts are the orders GET /people offers, by the name of the
// item field they order by; "-name" reverses one. Each has an index of
// its sort's shape on PostgreSQL (migrations 00011 and 00022), so every
// page of every order is read straight from an index at a million
// people. Other orders would sort the whole organization per page (half
// a second at a million), and every index costs each SCIM create, so
// there are no more: email is mostly the userName, and department,
// title or location are filters rather than orders.
var peopleSorts = map[string]directory.Attr{
	"displayName": directory.AttrDisplayName,
	"userName":    directory.AttrUserName,
	"created_at":  directory.AttrCreated,
	"invited_at":  directory.AttrInvitedAt,
	"claimed_at":  directory.AttrClaimedAt,
}

// optionalSorts order by a time not everyone has. They list only the
// people who have it: there is no place in an invitation order for
// someone never invited. It keeps every page of them an index range too:
// were the others listed (after the rest ascending, before it
// descending, as SCIM orders absent values), the claimed tab in claim
// order, newest first, would read past every unclaimed account before
// its first row (250 ms at a million).
var optionalSorts = map[directory.Attr]bool{directory.AttrInvitedAt: true, directory.AttrClaimedAt: true}

// withPresence narrows filter to accounts that have attr.
func withPresence(filter directory.Filter, attr directory.Attr) directory.Filter {
	present := directory.Compare{Attr: attr, Op: directory.OpPr}
	if filter == nil {
		return present
	}
	return directory.And{filter, present}
}

// defaultPeopleSort is the order of a list that names none: by name, as
// a directory reads.
const defaultPeopleSort = "displayName"

// defaultPeopleLimit is the page size of a list that names none.
const defaultPeopleLimit = 50

// peopleListDocs document the list's own query parameters.
var peopleListDocs = []queryParam{
	{Name: "sort", Description: "displayName (default), userName, created_at, invited_at or claimed_at; " +
		"-name reverses (-created_at: newest first). invited_at and claimed_at list only the people who have that time; " +
		"an empty displayName comes last, first when reversed"},
	{Name: "limit", Type: "integer", Description: "people per page, 1 to 1000, default 50"},
	{Name: "cursor", Description: "next_cursor of the previous page; only valid with the same filters and sort"},
}

// peopleFilterDocs document the filter parameters, in the order of
// peopleFilterParams.
func peopleFilterDocs() []queryParam {
	return []queryParam{
		{Name: "status", Description: "not_invited, invited (not claimed yet), claimed or deactivated; several, comma-separated, match any"},
		{Name: "department", Description: "exact, ignoring case"},
		{Name: "title", Description: "exact, ignoring case"},
		{Name: "location", Description: "exact, ignoring case"},
		{Name: "division", Description: "exact, ignoring case"},
		{Name: "manager", Description: "the manager's id"},
		{Name: "auth_method", Description: "password or sso"},
		{Name: "has_email", Type: "boolean", Description: "true: people with an email address; false: without (they claim with an access code)"},
		{Name: "created_after", Description: "RFC 3339 time or date (midnight UTC), inclusive"},
		{Name: "created_before", Description: "RFC 3339 time or date, exclusive"},
		{Name: "invited_after", Description: "RFC 3339 time or date, inclusive"},
		{Name: "invited_before", Description: "RFC 3339 time or date, exclusive"},
		{Name: "claimed_after", Description: "RFC 3339 time or date, inclusive"},
		{Name: "claimed_before", Description: "RFC 3339 time or date, exclusive"},
		{Name: "q", Description: "free text: the start of the userName, display, given or family name, or an email address"},
		{Name: "filter", Description: `a SCIM filter over User attributes for anything else: title sw "Nurse" and userType eq "Employee"`},
	}
}

// peopleList is a checked GET /people: the store query, and the
// fingerprint of the filters and sort its cursors are bound to.
type peopleList struct {
	store       directory.ListQuery
	fingerprint string
}

// parsePeopleList reads the list's query parameters, naming every one at
// fault at once.
func parsePeopleList(values url.Values) (peopleList, error) {
	f, err := parsePeopleQuery(values, "sort", "limit", "cursor")
	if err != nil {
		return peopleList{}, err
	}
	var errs []fieldError
	var q peopleList
	q.store.Filter, err = f.compile()
	var p *problem
	switch {
	case errors.As(err, &p):
		errs = append(errs, p.Errors...)
	case err != nil:
		return q, err
	}
	sort := values.Get("sort")
	if sort == "" {
		sort = defaultPeopleSort
	}
	name, desc := strings.CutPrefix(sort, "-")
	attr, sortOK := peopleSorts[name]
	if !sortOK {
		errs = append(errs, fieldError{Field: "sort", Message: "must be one of " + strings.Join(peopleSortNames(), ", ") + ", or one of them after -"})
	}
	q.store.SortBy, q.store.Descending = attr, desc
	if optionalSorts[attr] {
		q.store.Filter = withPresence(q.store.Filter, attr)
	}
	if q.store.Limit, err = peopleLimit(values.Get("limit")); err != nil {
		errs = append(errs, fieldError{Field: "limit", Message: err.Error()})
	}
	q.fingerprint = peopleFingerprint(f, sort)
	if raw := values.Get("cursor"); raw != "" {
		var ok bool
		if q.store.After, ok = q.storeCursor(raw); !ok {
			errs = append(errs, fieldError{Field: "cursor", Message: "belongs to other filters or another sort; start again without a cursor"})
		}
	}
	if len(errs) == 0 {
		return q, nil
	}
	out := invalidFields(errs)
	if !sortOK {
		out.Allowed = peopleSortNames()
	}
	return q, out
}

// peopleSortNames lists the sort values, ascending ones first.
func peopleSortNames() []string {
	names := slices.Sorted(maps.Keys(peopleSorts))
	for _, name := range slices.Clone(names) {
		names = append(names, "-"+name)
	}
	return names
}

func peopleLimit(raw string) (int, error) {
	if raw == "" {
		return defaultPeopleLimit, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > directory.MaxPageSize {
		return 0, errors.New("must be a whole number from 1 to 1000")
	}
	return n, nil
}
