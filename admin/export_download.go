package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/export"
)

// exportWriteWindow is how long a download may take to take one write
// (a part of about a megabyte) before the connection is dropped: the
// server's write timeout is meant for small answers, not a file of
// hundreds of megabytes on a slow line.
const exportWriteWindow = time.Minute

// exportReadBudget bounds a whole download's reads of the file.
const exportReadBudget = time.Hour

// downloadExport streams the file of a succeeded export to the admin who
// asked for it, and audits that (with how: token or emailed link).
//
// Nobody else may download it, not even a system admin: the file holds a
// working claim link or access code for everyone in it, which its
// requester chose to take out; anyone else who needs them asks for an
// export of their own, which is audited as theirs.
func (h *Handler) downloadExport(c echo.Context) error {
	x, err := h.findExport(c)
	if err != nil {
		return err
	}
	if err := h.downloadable(c, x); err != nil {
		return err
	}
	// The reads are detached from the request's timeout (a large file
	// takes longer than any one request should), not from a client that
	// goes away: writing to it then fails and ends the copy.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), exportReadBudget)
	defer cancel()
	file, err := export.Open(ctx, h.store, h.exportDir, x)
	if errors.Is(err, export.ErrGone) {
		return exportGone()
	}
	if err != nil {
		return err
	}
	defer file.Close()
	org, err := h.store.Organization(c.Request().Context(), x.OrgID)
	if err != nil {
		return err
	}
	how := "token"
	if signedIn(c) {
		how = "link"
	}
	if err := audit(c, h.store, "export.download", "export", x.ID, map[string]any{"how": how, "size": x.Size}); err != nil {
		return err
	}
	h.streamExport(c, x, org.Slug, file)
	return nil
}

// downloadable says why x cannot be downloaded by the caller now, if so.
func (h *Handler) downloadable(c echo.Context, x directory.Export) error {
	if callerFrom(c.Request().Context()).AdminID != x.AdminID {
		return newProblem(http.StatusForbidden, "not_requester",
			"only the admin who asked for an export may download it: it holds claim links and access codes; ask for an export of your own")
	}
	switch x.Status {
	case directory.JobQueued, directory.JobRunning:
		return newProblem(http.StatusConflict, "not_ready",
			fmt.Sprintf("the export is not ready yet (%d of %d rows); GET /admin/v1/exports/%s shows its progress", x.RowsDone, x.RowsTotal, x.ID))
	case directory.JobFailed:
		return newProblem(http.StatusConflict, "export_failed", "the export failed: "+x.Error)
	case directory.JobExpired:
		return exportGone()
	}
	if !h.now().Before(x.ExpiresAt) {
		return exportGone()
	}
	return nil
}

func exportGone() *problem {
	return newProblem(http.StatusGone, "expired", "the export has expired and its file is deleted; ask for a new export")
}

// streamExport writes the file as an attachment, a part at a time. Once
// the status is sent, a failure can only be logged (the client sees a
// file shorter than its Content-Length).
func (h *Handler) streamExport(c echo.Context, x directory.Export, orgSlug string, file io.Reader) {
	name := fmt.Sprintf("employees-%s-%s.csv", orgSlug, x.CreatedAt.UTC().Format(time.DateOnly))
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	hdr.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	hdr.Set(echo.HeaderContentLength, strconv.FormatInt(x.Size, 10))
	hdr.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := &deadlineWriter{w: c.Response(), rc: http.NewResponseController(c.Response().Writer)}
	if _, err := io.Copy(w, file); err != nil {
		h.log.WarnContext(c.Request().Context(), "export download interrupted", "export", x.ID, "err", err)
	}
}

// deadlineWriter moves the connection's write deadline before each write.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	// Not every ResponseWriter supports deadlines (test recorders); the
	// server's own always does.
	_ = d.rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
	return d.w.Write(p)
}
