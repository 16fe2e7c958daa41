package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
)

// exportRoutes are Workplace's "Export employee information": a CSV of
// the people a filter selects, with claim links and access codes, built
// in the background (export_job.go), announced by email
// (export_mail.go), downloaded by its requester only (export_download.go)
// and deleted when it expires (export_cleanup.go). Every route needs
// accounts.manage: the file holds a way into every account in it.
func (h *Handler) exportRoutes() []route {
	const tag = "exports"
	manage := directory.PermManageAccounts
	return []route{
		{Method: http.MethodPost, Path: "/exports", Permission: manage, Tag: tag,
			Summary: "Ask for a CSV of the people the filters select, with claim links and access codes; built in the background, emailed when ready",
			Body:    exportRequest{}, Reply: exportReply{}, Status: http.StatusAccepted, Handle: h.createExport},
		{Method: http.MethodGet, Path: "/exports", Permission: manage, Tag: tag,
			Summary: "Recent exports of the organization, newest first",
			Query:   []queryParam{{Name: "limit", Type: "integer", Description: "1 to 100, default 20"}},
			Reply:   exportList{}, Handle: h.listExports},
		{Method: http.MethodGet, Path: "/exports/:id", Permission: manage, Tag: tag,
			Summary: "An export's status and progress (rows done of total) and, once it succeeded, its download_url",
			Reply:   exportReply{}, Handle: h.getExport},
		{Method: http.MethodGet, Path: "/exports/:id/download", Permission: manage, Auth: authTokenOrSigned, Tag: tag,
			Summary: "The CSV file, for the admin who asked for it only: with their token, or the signed link of the email (org, expires, sig)",
			Query: []queryParam{
				{Name: "org", Description: "signed link: the organization's id"},
				{Name: "expires", Type: "integer", Description: "signed link: when it stops working (Unix seconds)"},
				{Name: "sig", Description: "signed link: its signature"},
			},
			Handle: h.downloadExport},
	}
}

// addExportWorkers registers the jobs that build exports, email their
// requesters and delete them when they expire.
func (h *Handler) addExportWorkers(workers *river.Workers) {
	river.AddWorker(workers, &exportWorker{h: h})
	river.AddWorker(workers, &exportReadyWorker{h: h})
	river.AddWorker(workers, &exportCleanupWorker{h: h})
}

// exportRequest is POST /exports: the people filters of GET /people, and
// whether the file starts with a byte order mark (for Excel).
type exportRequest struct {
	peopleFilter
	BOM bool `json:"bom,omitempty"`
}

// exportOptions are how the file is written, stored with the export.
type exportOptions struct {
	BOM bool `json:"bom,omitempty"`
}

// exportReply describes one export.
type exportReply struct {
	ID     string              `json:"id"`
	Status directory.JobStatus `json:"status"`
	// Filter is what the export was asked for with.
	Filter peopleFilter `json:"filter"`
	BOM    bool         `json:"bom"`
	// RequestedBy is the admin who asked for it, the only one who may
	// download it.
	RequestedBy string `json:"requested_by"`
	RowsTotal   int64  `json:"rows_total"`
	RowsDone    int64  `json:"rows_done"`
	Percent     int    `json:"percent"`
	// Size is the file's length in bytes once it succeeded.
	Size        int64      `json:"size"`
	Error       string     `json:"error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	ExpiresAt   time.Time  `json:"expires_at"`
	DownloadURL string     `json:"download_url,omitempty"`
}

// exportList is GET /exports.
type exportList struct {
	Items []exportReply `json:"items"`
}

func (h *Handler) exportReplyOf(x directory.Export) exportReply {
	r := exportReply{ID: x.ID, Status: x.Status, RequestedBy: x.AdminID, RowsTotal: x.RowsTotal, RowsDone: x.RowsDone,
		Percent: exportPercent(x), Size: x.Size, Error: x.Error, CreatedAt: x.CreatedAt, StartedAt: x.StartedAt,
		FinishedAt: x.FinishedAt, ExpiresAt: x.ExpiresAt}
	// Both documents were written by createExport; one that no longer
	// reads shows empty rather than failing the whole answer.
	_ = json.Unmarshal(x.Params, &r.Filter)
	var opts exportOptions
	_ = json.Unmarshal(x.Options, &opts)
	r.BOM = opts.BOM
	if x.Status == directory.JobSucceeded && h.now().Before(x.ExpiresAt) {
		r.DownloadURL = h.exportURL(x)
	}
	return r
}

// exportPercent is progress for a console's bar: 100 only once the file
// is complete (rows may have been added since the count).
func exportPercent(x directory.Export) int {
	switch {
	case x.Status == directory.JobSucceeded:
		return 100
	case x.RowsTotal <= 0:
		return 0
	}
	return int(min(99, x.RowsDone*100/x.RowsTotal))
}

// exportURL is the download endpoint of x (a token is needed there).
func (h *Handler) exportURL(x directory.Export) string {
	return h.baseURL + Prefix + "/exports/" + url.PathEscape(x.ID) + "/download"
}

// exportStorage is where new exports keep their files.
func (h *Handler) exportStorage() string {
	if h.exportDir != "" {
		return directory.ExportInDirectory
	}
	return directory.ExportInDatabase
}

// createExport records the export, enqueues the job that builds it and
// the one that deletes it at its expiry, and audits the request, all in
// one transaction. An empty body exports everyone.
func (h *Handler) createExport(c echo.Context) error {
	var req exportRequest
	if c.Request().ContentLength != 0 {
		if err := decodeBody(c, &req); err != nil {
			return err
		}
	}
	if _, err := req.compile(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	x := directory.Export{OrgID: who.OrgID, AdminID: who.AdminID, Status: directory.JobQueued, Storage: h.exportStorage(),
		ExpiresAt: h.now().Add(h.exportTTL)}
	var err error
	if x.Params, err = json.Marshal(req.peopleFilter); err != nil {
		return err
	}
	if x.Options, err = json.Marshal(exportOptions{BOM: req.BOM}); err != nil {
		return err
	}
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.CreateExport(ctx, &x); err != nil {
			return err
		}
		details := map[string]any{"filter": json.RawMessage(x.Params), "bom": req.BOM, "storage": x.Storage}
		if err := audit(c, tx, "export.request", "export", x.ID, details); err != nil {
			return err
		}
		if err := h.jobs.Enqueue(ctx, tx, exportArgs{OrgID: x.OrgID, ExportID: x.ID}, exportUnique(time.Time{})); err != nil {
			return err
		}
		return h.jobs.Enqueue(ctx, tx, exportCleanupArgs{OrgID: x.OrgID, ExportID: x.ID}, exportUnique(x.ExpiresAt))
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, Prefix+"/exports/"+url.PathEscape(x.ID))
	return c.JSON(http.StatusAccepted, h.exportReplyOf(x))
}

// exportUnique keeps one job per export and kind, so a retried insert
// never builds, mails or cleans twice; at schedules it (zero: now).
func exportUnique(at time.Time) *river.InsertOpts {
	return &river.InsertOpts{ScheduledAt: at, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

func (h *Handler) listExports(c echo.Context) error {
	for name := range c.QueryParams() {
		if name != "limit" {
			p := invalidField(name, "is not a query parameter here; see allowed")
			p.Allowed = []string{"limit"}
			return p
		}
	}
	limit := 20
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return invalidField("limit", "must be a whole number from 1 to 100")
		}
		limit = n
	}
	who := callerFrom(c.Request().Context())
	list, err := h.store.ListExports(c.Request().Context(), who.OrgID, limit)
	if err != nil {
		return err
	}
	out := exportList{Items: make([]exportReply, 0, len(list))}
	for _, x := range list {
		out.Items = append(out.Items, h.exportReplyOf(x))
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) getExport(c echo.Context) error {
	x, err := h.findExport(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.exportReplyOf(x))
}

// findExport loads the export the path names, in the caller's org.
func (h *Handler) findExport(c echo.Context) (directory.Export, error) {
	who := callerFrom(c.Request().Context())
	x, err := h.store.Export(c.Request().Context(), who.OrgID, c.Param("id"))
	if errors.Is(err, directory.ErrNotFound) {
		return x, newProblem(http.StatusNotFound, "not_found", "no export with this id in this organization")
	}
	return x, err
}
