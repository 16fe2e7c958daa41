package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/export"
)

// mountExports mounts the Imports/Exports section: the list of exports,
// one export with its progress, starting one (the People page's "…"
// menu posts its filters here) and downloading the file. Every page is
// the admin API's /exports, which needs accounts.manage.
//
//	GET  /admin/exports                the organization's recent exports
//	POST /admin/exports                starts an export of the posted filters
//	GET  /admin/exports/:id            one export (live while it runs)
//	GET  /admin/exports/:id/download   the CSV file, streamed from the API
func (k *Console) mountExports(g *echo.Group) {
	g.GET("/exports", k.admin(k.showExports))
	g.POST("/exports", k.admin(k.startExport))
	g.GET("/exports/:id", k.admin(k.showExport))
	g.GET("/exports/:id/download", k.admin(k.downloadExport))
}

// exportsListed is how many exports the list shows: the API's list is
// the newest exports, without further pages (they expire within days).
const exportsListed = 50

// exportFilter is the people filter of an export, as POST
// /admin/v1/exports takes it and GET answers it.
type exportFilter struct {
	Status        string `json:"status,omitempty"`
	Department    string `json:"department,omitempty"`
	Title         string `json:"title,omitempty"`
	Location      string `json:"location,omitempty"`
	Division      string `json:"division,omitempty"`
	Manager       string `json:"manager,omitempty"`
	AuthMethod    string `json:"auth_method,omitempty"`
	HasEmail      *bool  `json:"has_email,omitempty"`
	CreatedAfter  string `json:"created_after,omitempty"`
	CreatedBefore string `json:"created_before,omitempty"`
	InvitedAfter  string `json:"invited_after,omitempty"`
	InvitedBefore string `json:"invited_before,omitempty"`
	ClaimedAfter  string `json:"claimed_after,omitempty"`
	ClaimedBefore string `json:"claimed_before,omitempty"`
	Q             string `json:"q,omitempty"`
	Filter        string `json:"filter,omitempty"`
}

// exportBody is POST /admin/v1/exports.
type exportBody struct {
	exportFilter
	BOM bool `json:"bom,omitempty"`
}

// exportDoc is one export as the API describes it.
type exportDoc struct {
	ID          string       `json:"id"`
	Status      string       `json:"status"`
	Filter      exportFilter `json:"filter"`
	BOM         bool         `json:"bom"`
	RequestedBy string       `json:"requested_by"`
	RowsTotal   int64        `json:"rows_total"`
	RowsDone    int64        `json:"rows_done"`
	Size        int64        `json:"size"`
	Error       string       `json:"error"`
	CreatedAt   time.Time    `json:"created_at"`
	StartedAt   *time.Time   `json:"started_at"`
	FinishedAt  *time.Time   `json:"finished_at"`
	ExpiresAt   time.Time    `json:"expires_at"`
	DownloadURL string       `json:"download_url"`
}

// progress is what the "progress" partial shows.
type progress struct {
	Done, Total int64
	Label       string
}

// exportItem is an export as the pages show it.
type exportItem struct {
	exportDoc
	// Summary is the filter in words ("status: invited, department: Sales").
	Summary string
	// Label is the status in words, for the badge (its class is Status).
	Label string
	// Mine: the signed-in admin asked for it (only they may download it).
	Mine bool
	// Running: queued or being built.
	Running  bool
	Expired  bool
	Progress progress
	// Downloadable: the signed-in admin may download it now.
	Downloadable bool
}

func (k *Console) exportItemOf(c echo.Context, d exportDoc) exportItem {
	it := exportItem{exportDoc: d, Summary: filterSummary(d.Filter), Mine: d.RequestedBy == signedIn(c).ID}
	it.Running = d.Status == "queued" || d.Status == "running"
	// The API offers a download_url exactly while a succeeded export has
	// not expired; past its expiry it may still say succeeded until the
	// clean-up job has run.
	it.Expired = d.Status == "expired" || (d.Status == "succeeded" && d.DownloadURL == "")
	it.Downloadable = it.Mine && d.Status == "succeeded" && d.DownloadURL != ""
	switch {
	case it.Expired:
		it.Status, it.Label = "expired", "Expired"
	case d.Status == "queued":
		it.Label = "Queued"
	case d.Status == "running":
		it.Label = "Running"
	case d.Status == "succeeded":
		it.Label = "Ready"
	case d.Status == "failed":
		it.Label = "Failed"
	default:
		it.Label = d.Status
	}
	it.Progress = progress{Done: d.RowsDone, Total: d.RowsTotal, Label: "Rows written"}
	return it
}

// filterSummary writes a filter in words; "everyone" without one.
func filterSummary(f exportFilter) string {
	var parts []string
	add := func(label, value string) {
		if value != "" {
			parts = append(parts, label+": "+value)
		}
	}
	if f.Status != "" {
		var words []string
		for _, s := range strings.Split(f.Status, ",") {
			words = append(words, statusWords(strings.TrimSpace(s)))
		}
		add("status", strings.Join(words, " or "))
	}
	add("department", f.Department)
	add("title", f.Title)
	add("location", f.Location)
	add("division", f.Division)
	add("manager", f.Manager)
	switch f.AuthMethod {
	case "sso":
		add("sign-in", "single sign-on")
	default:
		add("sign-in", f.AuthMethod)
	}
	if f.HasEmail != nil {
		if *f.HasEmail {
			parts = append(parts, "with an email address")
		} else {
			parts = append(parts, "without an email address")
		}
	}
	add("created from", f.CreatedAfter)
	add("created before", f.CreatedBefore)
	add("invited from", f.InvitedAfter)
	add("invited before", f.InvitedBefore)
	add("claimed from", f.ClaimedAfter)
	add("claimed before", f.ClaimedBefore)
	if f.Q != "" {
		add("search", strconv.Quote(f.Q))
	}
	add("filter", f.Filter)
	if len(parts) == 0 {
		return "everyone"
	}
	return strings.Join(parts, ", ")
}

// statusWords is an account status as the People tabs name it.
func statusWords(s string) string {
	switch s {
	case "not_invited":
		return "awaiting invitation"
	}
	return s
}

// exportsView is the list page's Data.
type exportsView struct {
	Items []exportItem
	// Form is what the page's own export form holds (after a refused post).
	Form exportForm
	// Limit is how many exports the list shows at most.
	Limit int
}

// exportForm is the page's form to start an export.
type exportForm struct {
	Status, Department string
	BOM                bool
}

// exportsPage builds the list page: the newest exports of the
// organization, live while one of them runs.
func (k *Console) exportsPage(c echo.Context, form exportForm) (page, error) {
	var reply struct {
		Items []exportDoc `json:"items"`
	}
	if err := k.call(c, http.MethodGet, "/exports", url.Values{"limit": {strconv.Itoa(exportsListed)}}, nil, &reply); err != nil {
		return page{}, err
	}
	view := exportsView{Form: form, Limit: exportsListed}
	pg := newPage(c, "exports", "Imports/Exports", nil)
	for _, d := range reply.Items {
		it := k.exportItemOf(c, d)
		pg.Live = pg.Live || it.Running
		view.Items = append(view.Items, it)
	}
	pg.Data = view
	return pg, nil
}

func (k *Console) showExports(c echo.Context) error {
	pg, err := k.exportsPage(c, exportForm{})
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "exports", pg)
}

// exportFields are the form fields startExport reads, by the API's
// names (those of GET /admin/v1/people's query), besides has_email and bom.
var exportFields = []string{"status", "department", "title", "location", "division", "manager", "auth_method",
	"created_after", "created_before", "invited_after", "invited_before", "claimed_after", "claimed_before", "q", "filter"}

// startExport starts an export of the posted filters and goes to its
// page. A filter the API refuses is told on the list page.
func (k *Console) startExport(c echo.Context) error {
	values := map[string]string{}
	for _, name := range exportFields {
		values[name] = strings.TrimSpace(c.FormValue(name))
	}
	body := exportBody{exportFilter: exportFilter{Status: values["status"], Department: values["department"],
		Title: values["title"], Location: values["location"], Division: values["division"], Manager: values["manager"],
		AuthMethod: values["auth_method"], CreatedAfter: values["created_after"], CreatedBefore: values["created_before"],
		InvitedAfter: values["invited_after"], InvitedBefore: values["invited_before"], ClaimedAfter: values["claimed_after"],
		ClaimedBefore: values["claimed_before"], Q: values["q"], Filter: values["filter"]}}
	body.BOM = isTicked(c.FormValue("bom"))
	form := exportForm{Status: body.Status, Department: body.Department, BOM: body.BOM}
	refuse := func(notice string, fields map[string]string) error {
		pg, err := k.exportsPage(c, form)
		if err != nil {
			return err
		}
		pg.Notice, pg.Errors = notice, fields
		return k.render(c, http.StatusBadRequest, "exports", pg)
	}
	switch v := strings.ToLower(strings.TrimSpace(c.FormValue("has_email"))); v {
	case "", "any":
	case "true", "1", "yes", "on":
		body.HasEmail = new(true)
	case "false", "0", "no":
		body.HasEmail = new(false)
	default:
		return refuse("The export was not started: has_email must be true or false.",
			map[string]string{"has_email": "Choose with or without an email address."})
	}
	var created exportDoc
	err := k.call(c, http.MethodPost, "/exports", nil, body, &created)
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
		return refuse(exportRefusal(apiErr), apiErr.fields())
	}
	if err != nil {
		return err
	}
	return seeOther(c, Prefix+"/exports/"+url.PathEscape(created.ID),
		"The export has started. It runs in the background: you can leave this page, and we email you when the file is ready.")
}

// exportRefusal is the notice of a refused export: the API's messages,
// by field, since the filters may have come from another page.
func exportRefusal(e *apiError) string {
	if len(e.Errors) == 0 {
		return "The export was not started: " + capitalize(e.Detail) + "."
	}
	var parts []string
	for _, f := range e.Errors {
		parts = append(parts, f.Field+" "+f.Message)
	}
	return "The export was not started. Check the filters: " + strings.Join(parts, "; ") + "."
}

func isTicked(v string) bool {
	switch strings.ToLower(v) {
	case "1", "on", "true", "yes":
		return true
	}
	return false
}

// exportView is one export's page Data.
type exportView struct {
	exportItem
	// Columns are the file's columns, in order.
	Columns []string
	// Email is where the ready email goes (the signed-in admin's).
	Email string
}

func (k *Console) exportPage(c echo.Context) (page, exportView, error) {
	var d exportDoc
	if err := k.call(c, http.MethodGet, "/exports/"+url.PathEscape(c.Param("id")), nil, nil, &d); err != nil {
		return page{}, exportView{}, err
	}
	view := exportView{exportItem: k.exportItemOf(c, d), Columns: export.Columns, Email: signedIn(c).Email}
	pg := newPage(c, "exports", "Employee export", view)
	pg.Live = view.Running
	return pg, view, nil
}

func (k *Console) showExport(c echo.Context) error {
	pg, _, err := k.exportPage(c)
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "export", pg)
}

// downloadExport streams the file from the API, which checks it is the
// requester's and audits the download. What the API would refuse is
// told first as a page, not as the API's JSON problem.
func (k *Console) downloadExport(c echo.Context) error {
	pg, view, err := k.exportPage(c)
	if err != nil {
		return err
	}
	back := Prefix + "/exports/" + url.PathEscape(view.ID)
	switch {
	case !view.Mine:
		return &apiError{Status: http.StatusForbidden, Detail: "only the admin who asked for an export may download it: " +
			"it holds claim links and access codes. Start an export of your own from the People page"}
	case view.Expired:
		pg.Title = "This export has expired"
		pg.Data = problemView{Message: "This export has expired and its file is deleted; start a new one from the People page.",
			Back: Prefix + "/exports"}
		return k.render(c, http.StatusGone, "problem", pg)
	case view.Running:
		return seeOther(c, back, "The export is not ready yet: this page shows its progress.")
	case view.Status == "failed":
		return &apiError{Status: http.StatusConflict, Detail: "the export failed (" + view.Error + "); start a new one"}
	}
	return k.stream(c, "/exports/"+url.PathEscape(view.ID)+"/download")
}
