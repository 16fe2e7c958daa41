package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// mountPeople mounts the people section's pages: the list (this file),
// one person and their actions (person.go), and bulk actions (bulk.go).
func (k *Console) mountPeople(g *echo.Group) {
	g.GET("/people", k.admin(k.showPeople))
	g.GET("/people/counts", k.admin(k.peopleCounts))
	k.mountPerson(g)
	k.mountBulk(g)
}

// peoplePageSize is how many people a page of the list shows.
const peoplePageSize = "50"

// peopleFilterNames are the filter parameters the list keeps in its
// links, named as GET /admin/v1/people's query (status aside: it is the
// tab). The form shows inputs for the common ones; the others (a shared
// URL's dates or SCIM filter) ride along as hidden inputs.
var peopleFilterNames = []string{
	"q", "department", "title", "location", "manager", "auth_method", "has_email",
	"division", "created_after", "created_before", "invited_after", "invited_before", "claimed_after", "claimed_before", "filter",
}

// peopleFormFields are the filters the form has inputs for.
var peopleFormFields = map[string]bool{"q": true, "department": true, "title": true, "location": true, "manager": true,
	"auth_method": true, "has_email": true}

// peopleStatuses are the status tabs, in order; "" is All.
var peopleStatuses = []string{"not_invited", "invited", "claimed", "deactivated", ""}

// statusLabel is a status as admins read it.
func statusLabel(s string) string {
	switch s {
	case "not_invited":
		return "Awaiting invitation"
	case "invited":
		return "Invited"
	case "claimed":
		return "Claimed"
	case "deactivated":
		return "Deactivated"
	case "":
		return "All"
	}
	return s
}

// peopleSortable are the orders the API offers, and the direction each
// column starts in: names A to Z, times newest first.
var peopleSortable = map[string]bool{"displayName": false, "userName": false, "created_at": true, "invited_at": true, "claimed_at": true}

// peopleQuery is the list's state, as its URL has it.
type peopleQuery struct {
	Status  string
	Filters url.Values // filter names only, non-empty values
	Sort    string     // "" is the API's default (displayName)
	Cursor  string
}

// readPeopleQuery reads the list's state from the request's query.
func readPeopleQuery(q url.Values) peopleQuery {
	pq := peopleQuery{Filters: url.Values{}, Cursor: q.Get("cursor")}
	if s := q.Get("status"); s != "" && s != "all" {
		pq.Status = s
	}
	for _, name := range peopleFilterNames {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			pq.Filters.Set(name, v)
		}
	}
	if s := q.Get("sort"); s != "" {
		if _, ok := peopleSortable[strings.TrimPrefix(s, "-")]; ok {
			pq.Sort = s
		}
	}
	return pq
}

// values are the filters with status (when set), as the API takes them.
func (q peopleQuery) values(withStatus bool) url.Values {
	v := url.Values{}
	for name, values := range q.Filters {
		v[name] = values
	}
	if withStatus && q.Status != "" {
		v.Set("status", q.Status)
	}
	return v
}

// href is the list's URL for status and sort with the same filters
// (and cursor when not "").
func (q peopleQuery) href(status, sort, cursor string) string {
	v := q.values(false)
	if status != "" {
		v.Set("status", status)
	} else {
		v.Set("status", "all")
	}
	if sort != "" {
		v.Set("sort", sort)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return Prefix + "/people?" + v.Encode()
}

// peopleTab is one status tab.
type peopleTab struct {
	// Key is the status ("all" for All), as console.js's counts name it.
	Key     string
	Label   string
	Count   int64
	Href    string
	Current bool
}

// personRow is a person as the list shows them.
type personRow struct {
	ID                string     `json:"id"`
	UserName          string     `json:"userName"`
	DisplayName       string     `json:"displayName"`
	Email             string     `json:"email"`
	Status            string     `json:"status"`
	Title             string     `json:"title"`
	Department        string     `json:"department"`
	Frontline         bool       `json:"frontline"`
	InvitedAt         *time.Time `json:"invited_at"`
	ClaimedAt         *time.Time `json:"claimed_at"`
	CreatedAt         time.Time  `json:"created_at"`
	LastDeliveryError string     `json:"last_delivery_error"`
	StatusLabel       string     `json:"-"`
}

// sortColumn is a sortable column header.
type sortColumn struct {
	Href string
	// AriaSort is "ascending" or "descending" on the current order's
	// column, "" elsewhere; Arrow shows it.
	AriaSort, Arrow string
}

// field is a name and a value, for hidden inputs.
type field struct{ Name, Value string }

// statusCounts is GET /people/counts.
type statusCounts struct {
	NotInvited  int64 `json:"not_invited"`
	Invited     int64 `json:"invited"`
	Claimed     int64 `json:"claimed"`
	Deactivated int64 `json:"deactivated"`
	Total       int64 `json:"total"`
}

func (s statusCounts) of(status string) int64 {
	switch status {
	case "not_invited":
		return s.NotInvited
	case "invited":
		return s.Invited
	case "claimed":
		return s.Claimed
	case "deactivated":
		return s.Deactivated
	}
	return s.Total
}

type peopleView struct {
	Status      string
	StatusLabel string
	Tabs        []peopleTab
	// Filters are the current filter values by name, for the form's
	// inputs; Hidden the ones it has no input for.
	Filters map[string]string
	Hidden  []field
	// Also describes the hidden filters ("" for none).
	Also     string
	Filtered bool
	Sort     string
	Columns  map[string]sortColumn
	SortNote string
	Rows     []personRow
	// Count is the current tab's count under the filters, when
	// CountKnown; CountKey names it for console.js ("all" for All).
	Count      int64
	CountKnown bool
	CountKey   string
	// CountsURL, when the counts took longer than the budget, is where
	// console.js fetches them; CountsWait is this page with them
	// (without JavaScript).
	CountsURL, CountsWait string
	// Next is the next page's URL ("" on the last page); First the first
	// page's, when this is not it.
	Next, First string
	Empty       string
	// ExportFields are the current selection (filters and status), for
	// the export form.
	ExportFields []field
	// InviteAll and RemindAll lead to the confirmations of the
	// filter-wide bulk actions ("" when they do not apply).
	InviteAll, RemindAll string
	// Back is this list's query, to come back to after a bulk action.
	Back  string
	Clear string
}

// showPeople is the People table: status tabs with their counts (one
// call to /people/counts), search and attribute filters, sortable
// columns, and cursor pages of 50.
func (k *Console) showPeople(c echo.Context) error {
	pq := readPeopleQuery(c.QueryParams())
	pg := newPage(c, "people", "People", nil)
	view := peopleView{Status: pq.Status, StatusLabel: statusLabel(pq.Status), Filters: map[string]string{},
		Filtered: len(pq.Filters) > 0, Sort: pq.Sort, Back: pq.href(pq.Status, pq.Sort, ""), Clear: pq.sortOnly()}
	hidden := url.Values{}
	for _, name := range peopleFilterNames {
		v := pq.Filters.Get(name)
		if v == "" {
			continue
		}
		view.Filters[name] = v
		view.ExportFields = append(view.ExportFields, field{name, v})
		if !peopleFormFields[name] {
			view.Hidden = append(view.Hidden, field{name, v})
			hidden.Set(name, v)
		}
	}
	view.Also = describeFilters(hidden)
	if pq.Status != "" {
		view.ExportFields = append(view.ExportFields, field{"status", pq.Status})
	}
	view.Columns = pq.columns()
	switch strings.TrimPrefix(pq.Sort, "-") {
	case "invited_at":
		view.SortNote = "In order of invitation: only people who were invited are listed."
	case "claimed_at":
		view.SortNote = "In order of claiming: only people who claimed their account are listed."
	}
	view.Empty = emptyPeople(pq.Status, view.Filtered)

	fail := func(err error) error {
		var apiErr *apiError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
			pg.Notice, pg.Errors = filterNotice(apiErr), apiErr.fields()
			view.Tabs = pq.tabs(statusCounts{}, false)
			pg.Data = view
			return k.render(c, http.StatusBadRequest, "people", pg)
		}
		return err
	}
	counted := k.startCounts(c, pq, c.QueryParam("counts") == "wait")

	q := pq.values(true)
	q.Set("limit", peoplePageSize)
	if pq.Sort != "" {
		q.Set("sort", pq.Sort)
	}
	if pq.Cursor != "" {
		q.Set("cursor", pq.Cursor)
	}
	var reply struct {
		Items      []personRow `json:"items"`
		NextCursor string      `json:"next_cursor"`
	}
	listErr := k.call(c, http.MethodGet, "/people", q, nil, &reply)
	counts, known, err := counted()
	if listErr != nil {
		return fail(listErr)
	}
	if err != nil {
		return fail(err)
	}
	view.Tabs = pq.tabs(counts, known)
	view.CountKnown, view.Count = known, counts.of(pq.Status)
	view.CountKey = pq.Status
	if view.CountKey == "" {
		view.CountKey = "all"
	}
	if !known {
		view.CountsURL = Prefix + "/people/counts?" + pq.values(false).Encode()
		view.CountsWait = withParam(pq.href(pq.Status, pq.Sort, pq.Cursor), "counts", "wait")
	}
	for i := range reply.Items {
		reply.Items[i].StatusLabel = statusLabel(reply.Items[i].Status)
	}
	view.Rows = reply.Items
	if reply.NextCursor != "" {
		view.Next = pq.href(pq.Status, pq.Sort, reply.NextCursor)
	}
	if pq.Cursor != "" {
		view.First = pq.href(pq.Status, pq.Sort, "")
	}
	if pg.Can("accounts.manage") {
		all := pq.values(false)
		switch {
		case pq.Status == "not_invited" && (!known || counts.NotInvited > 0):
			all.Set("action", "invite")
			view.InviteAll = Prefix + "/bulk/confirm?" + all.Encode()
		case pq.Status == "invited" && (!known || counts.Invited > 0):
			all.Set("action", "remind")
			view.RemindAll = Prefix + "/bulk/confirm?" + all.Encode()
		}
	}
	pg.Data = view
	return k.render(c, http.StatusOK, "people", pg)
}

// sortOnly is the list without filters, keeping the tab and order.
func (q peopleQuery) sortOnly() string {
	return peopleQuery{Status: q.Status, Sort: q.Sort, Filters: url.Values{}}.href(q.Status, q.Sort, "")
}

// tabs are the status tabs with their counts (shown when known).
func (q peopleQuery) tabs(counts statusCounts, known bool) []peopleTab {
	out := make([]peopleTab, 0, len(peopleStatuses))
	for _, s := range peopleStatuses {
		t := peopleTab{Key: countKey(s), Label: statusLabel(s), Href: q.href(s, q.Sort, ""), Current: s == q.Status, Count: -1}
		if known {
			t.Count = counts.of(s)
		}
		out = append(out, t)
	}
	return out
}

// columns are the sortable headers: the current order's column toggles
// its direction, the others start in their natural one.
func (q peopleQuery) columns() map[string]sortColumn {
	current, desc := strings.CutPrefix(q.Sort, "-")
	if current == "" {
		current = "displayName"
	}
	out := map[string]sortColumn{}
	for name, newestFirst := range peopleSortable {
		col := sortColumn{}
		next := name
		if newestFirst {
			next = "-" + name
		}
		if name == current {
			col.AriaSort, col.Arrow, next = "ascending", "▲", "-"+name
			if desc {
				col.AriaSort, col.Arrow, next = "descending", "▼", name
			}
		}
		col.Href = q.href(q.Status, next, "")
		out[name] = col
	}
	return out
}

// emptyPeople is what an empty tab says.
func emptyPeople(status string, filtered bool) string {
	if filtered {
		return "Nobody here matches these filters. Clear them or try other values."
	}
	switch status {
	case "not_invited":
		return "Nobody is awaiting an invitation."
	case "invited":
		return "Nobody is invited and waiting to claim their account."
	case "claimed":
		return "Nobody has claimed their account yet."
	case "deactivated":
		return "Nobody is deactivated."
	}
	return "No people yet. They appear here as soon as your identity provider sends them over SCIM."
}

// filterNotice says which filter the API refused.
func filterNotice(e *apiError) string {
	msg := capitalize(e.Detail) + "."
	if len(e.Errors) > 0 {
		var parts []string
		for _, f := range e.Errors {
			parts = append(parts, f.Field+" "+f.Message)
		}
		msg = "Check the filters: " + strings.Join(parts, "; ") + "."
	}
	return msg
}
