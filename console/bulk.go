package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// mountBulk mounts bulk actions: the confirmation of an action on the
// people selected in the list (POST) or on everyone a filter selects
// (GET: "Invite all (N)", "Remind all (N)"), the start, and the
// progress page.
func (k *Console) mountBulk(g *echo.Group) {
	g.POST("/bulk/confirm", k.admin(k.confirmSelection))
	g.GET("/bulk/confirm", k.admin(k.confirmAll))
	g.POST("/bulk", k.admin(k.startBulk))
	g.GET("/bulk/:id", k.admin(k.showBulk))
}

// bulkAction is how the console presents one of the API's bulk actions.
type bulkAction struct {
	Verb string // Invite
	// Past says what was done ("Invited").
	Past string
	// Doing is the progress page's title ("Inviting").
	Doing string
	// Explain says what happens to each person.
	Explain string
	Danger  bool
	// AllStatus is the status tab a filter-wide action applies to
	// ("" when the console offers none).
	AllStatus string
}

var bulkActions = map[string]bulkAction{
	"invite": {Verb: "Invite", Past: "Invited", Doing: "Inviting", AllStatus: "not_invited",
		Explain: "Everyone not invited yet gets an invitation; people already invited, claimed or deactivated are skipped."},
	"remind": {Verb: "Remind", Past: "Reminded", Doing: "Reminding", AllStatus: "invited",
		Explain: "Everyone invited but not claimed yet gets their claim link again; people without an email or in another state are skipped."},
	"revoke": {Verb: "Revoke the invitation of", Past: "Revoked the invitations of", Doing: "Revoking invitations of", Danger: true,
		Explain: "Their claim links and access codes stop working; invite rules may invite them again later."},
	"deactivate": {Verb: "Deactivate", Past: "Deactivated", Doing: "Deactivating", Danger: true,
		Explain: "Their sessions end and their claim links and access codes stop working. Reactivate them to undo it."},
	"reactivate": {Verb: "Reactivate", Past: "Reactivated", Doing: "Reactivating",
		Explain: "They return to the state they had before they were deactivated."},
	"issue_code":  {Verb: "Issue access codes to", Past: "Issued access codes to", Doing: "Issuing access codes to"},
	"cancel_code": {Verb: "Cancel the access codes of", Past: "Cancelled the access codes of", Doing: "Cancelling access codes of"},
}

// forbidden is the API's answer to a role without accounts.manage, for
// the console's own pages in front of a bulk action.
func forbidden() error {
	return &apiError{Status: http.StatusForbidden, Code: "forbidden",
		Detail: "your admin role lacks the permission accounts.manage; ask a system admin"}
}

type bulkConfirmView struct {
	Action   string
	Verb     string
	Question string
	Explain  string
	Danger   bool
	Count    int64
	// IDs are the selected people (a selection); All says the action
	// applies to everyone Fields select.
	IDs    []string
	All    bool
	Fields []field
	Back   string
	// NoteField offers a note for the invitation email.
	NoteField bool
	Note      string
}

// people is "1 person" or "1,234 people".
func people(n int64) string {
	if n == 1 {
		return "1 person"
	}
	return thousands(strconv.FormatInt(n, 10)) + " people"
}

// backToPeople is the list a form came from, when it is one.
func backToPeople(back string) string {
	if b := localNext(back); strings.HasPrefix(b, Prefix+"/people") {
		return b
	}
	return Prefix + "/people"
}

// confirmSelection asks to confirm an action on the people selected in
// the list.
func (k *Console) confirmSelection(c echo.Context) error {
	if !signedIn(c).Can("accounts.manage") {
		return forbidden()
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	back := backToPeople(form.Get("back"))
	if len(form["id"]) == 0 {
		return seeOther(c, back, "Select people first: tick the boxes in the first column, then choose an action.")
	}
	view, err := selectionView(form.Get("action"), form["id"], back)
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "bulk_confirm", newPage(c, "people", view.Question, view))
}

func selectionView(action string, ids []string, back string) (bulkConfirmView, error) {
	a, ok := bulkActions[action]
	if !ok {
		return bulkConfirmView{}, errNotFound
	}
	n := int64(len(ids))
	return bulkConfirmView{Action: action, Verb: a.Verb, Question: a.Verb + " " + people(n) + "?", Explain: a.Explain,
		Danger: a.Danger, Count: n, IDs: ids, Back: back, NoteField: action == "invite"}, nil
}

// confirmAll asks to confirm an action on everyone of its tab the
// filters select, stating how many that is now.
func (k *Console) confirmAll(c echo.Context) error {
	if !signedIn(c).Can("accounts.manage") {
		return forbidden()
	}
	q := c.QueryParams()
	pq := readPeopleQuery(q)
	view, err := k.allView(c, q.Get("action"), pq)
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "bulk_confirm", newPage(c, "people", view.Question, view))
}

func (k *Console) allView(c echo.Context, action string, pq peopleQuery) (bulkConfirmView, error) {
	a, ok := bulkActions[action]
	if !ok || a.AllStatus == "" {
		return bulkConfirmView{}, errNotFound
	}
	// The People page's counts (remembered a while, or still running)
	// answer at once; else it counts now.
	counts, err := k.countsOf(c, pq)
	if err != nil {
		return bulkConfirmView{}, err
	}
	n := counts.of(a.AllStatus)
	who := "awaiting an invitation"
	if a.AllStatus == "invited" {
		who = "invited but not claimed yet"
	}
	question := a.Verb + " all " + people(n) + " " + who
	if d := describeFilters(pq.Filters); d != "" {
		question += " matching " + d
	}
	view := bulkConfirmView{Action: action, Verb: a.Verb, Question: question + "?", Explain: a.Explain, Danger: a.Danger,
		Count: n, All: true, Back: pq.href(a.AllStatus, pq.Sort, ""), NoteField: action == "invite"}
	for _, name := range peopleFilterNames {
		if v := pq.Filters.Get(name); v != "" {
			view.Fields = append(view.Fields, field{name, v})
		}
	}
	return view, nil
}

// filterLabels name the filters in sentences.
var filterLabels = map[string]string{"q": "search", "auth_method": "sign-in", "manager": "manager id",
	"created_after": "added from", "created_before": "added before", "invited_after": "invited from",
	"invited_before": "invited before", "claimed_after": "claimed from", "claimed_before": "claimed before", "filter": "filter"}

// describeFilters says what filters select: search “ann”, department “Sales”.
func describeFilters(f url.Values) string {
	var parts []string
	for _, name := range peopleFilterNames {
		v := f.Get(name)
		if v == "" {
			continue
		}
		switch name {
		case "has_email":
			if b, err := strconv.ParseBool(v); err == nil && b {
				parts = append(parts, "with an email")
			} else {
				parts = append(parts, "without an email")
			}
			continue
		}
		label := filterLabels[name]
		if label == "" {
			label = name
		}
		parts = append(parts, label+" “"+v+"”")
	}
	return strings.Join(parts, ", ")
}

// startBulk starts the confirmed bulk action through the API and goes to
// its progress page.
func (k *Console) startBulk(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	action := form.Get("action")
	a, ok := bulkActions[action]
	if !ok {
		return errNotFound
	}
	body := map[string]any{"action": action}
	if note := strings.TrimSpace(form.Get("note")); note != "" {
		body["note"] = note
	}
	all := form.Get("all") == "true"
	var pq peopleQuery
	if all {
		if a.AllStatus == "" {
			return errNotFound
		}
		pq = readPeopleQuery(form)
		for name := range pq.Filters {
			body[name] = pq.Filters.Get(name)
		}
		if v, ok := body["has_email"].(string); ok {
			if b, err := strconv.ParseBool(v); err == nil {
				body["has_email"] = b
			}
		}
		body["status"] = a.AllStatus
	} else {
		body["ids"] = form["id"]
	}
	var reply struct {
		ID string `json:"id"`
	}
	err = k.call(c, http.MethodPost, "/bulk-actions", nil, body, &reply)
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
		var view bulkConfirmView
		var verr error
		if all {
			view, verr = k.allView(c, action, pq)
		} else {
			view, verr = selectionView(action, form["id"], backToPeople(form.Get("back")))
		}
		if verr != nil {
			return verr
		}
		view.Note = form.Get("note")
		pg := newPage(c, "people", view.Question, view)
		pg.Notice, pg.Errors = readableDetail(apiErr.Detail), apiErr.fields()
		return k.render(c, http.StatusBadRequest, "bulk_confirm", pg)
	}
	if err != nil {
		return err
	}
	return seeOther(c, Prefix+"/bulk/"+url.PathEscape(reply.ID), "")
}

// bulkStatus is GET /admin/v1/bulk-actions/{id}.
type bulkStatus struct {
	ID         string         `json:"id"`
	Action     string         `json:"action"`
	Status     string         `json:"status"`
	Selection  map[string]any `json:"selection"`
	Note       string         `json:"note"`
	Total      int64          `json:"total"`
	Done       int64          `json:"done"`
	Changed    int64          `json:"changed"`
	Skipped    int64          `json:"skipped"`
	Failed     int64          `json:"failed"`
	Errors     []bulkFailure  `json:"errors"`
	CreatedAt  time.Time      `json:"created_at"`
	StartedAt  *time.Time     `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at"`
}

type bulkFailure struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
	Reason   string `json:"reason"`
}

// bulkProgress is the progress partial's value.
type bulkProgress struct {
	Done, Total int64
	Label       string
}

type bulkView struct {
	B         bulkStatus
	Title     string
	Running   bool
	Progress  bulkProgress
	Selection string
}

// showBulk is a bulk action's progress: done of total, changed, skipped
// and failed with reasons; it refreshes itself while the action runs.
func (k *Console) showBulk(c echo.Context) error {
	var b bulkStatus
	if err := k.call(c, http.MethodGet, "/bulk-actions/"+url.PathEscape(c.Param("id")), nil, nil, &b); err != nil {
		return err
	}
	a, ok := bulkActions[b.Action]
	if !ok {
		a = bulkAction{Verb: b.Action, Past: b.Action, Doing: b.Action}
	}
	view := bulkView{B: b, Running: b.Status == "queued" || b.Status == "running",
		Progress:  bulkProgress{Done: b.Done, Total: b.Total, Label: a.Doing + " " + people(b.Total)},
		Selection: describeSelection(b.Selection)}
	switch {
	case view.Running:
		view.Title = a.Doing + " " + people(b.Total)
	case b.Status == "succeeded":
		view.Title = a.Past + " " + people(b.Total)
	default:
		view.Title = fmt.Sprintf("%s %s: %s", a.Verb, people(b.Total), b.Status)
	}
	pg := newPage(c, "people", view.Title, view)
	pg.Live = view.Running
	return k.render(c, http.StatusOK, "bulk", pg)
}

// describeSelection says whom a bulk action applies to.
func describeSelection(sel map[string]any) string {
	if ids, ok := sel["ids"].([]any); ok && len(ids) > 0 {
		return people(int64(len(ids))) + " selected in the list"
	}
	f := url.Values{}
	var status string
	keys := make([]string, 0, len(sel))
	for name := range sel {
		keys = append(keys, name)
	}
	sort.Strings(keys)
	for _, name := range keys {
		v := fmt.Sprint(sel[name])
		if name == "status" {
			status = v
			continue
		}
		f.Set(name, v)
	}
	out := "everyone"
	if status != "" {
		out = "everyone " + strings.ToLower(statusLabel(status))
	}
	if d := describeFilters(f); d != "" {
		out += " matching " + d
	}
	return out
}
