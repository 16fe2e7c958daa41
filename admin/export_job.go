package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/export"
)

// exportTimeout bounds one try of an export: far beyond what a million
// rows take (seconds on PostgreSQL), yet under the time after which River
// takes a running job for one whose process died (15 minutes by default),
// so one export never builds twice at once.
const exportTimeout = 10 * time.Minute

// exportArgs builds one export's file.
type exportArgs struct {
	OrgID    string `json:"org_id"`
	ExportID string `json:"export_id"`
}

// Kind implements river.JobArgs.
func (exportArgs) Kind() string { return "admin.export" }

// exportWorker runs exportArgs. A try that fails deletes what it wrote;
// the next starts the file over. After the last try, or at once for a
// failure no retry can mend, the export is marked failed with a reason
// its requester can act on.
type exportWorker struct {
	river.WorkerDefaults[exportArgs]
	h *Handler
}

// Timeout implements river.Worker.
func (w *exportWorker) Timeout(*river.Job[exportArgs]) time.Duration { return exportTimeout }

// Work implements river.Worker.
func (w *exportWorker) Work(ctx context.Context, job *river.Job[exportArgs]) error {
	err := w.h.runExport(ctx, job.Args)
	if err == nil {
		return nil
	}
	var hopeless *exportFailure
	final := errors.As(err, &hopeless) || job.Attempt >= job.MaxAttempts
	if markErr := w.h.failExport(context.WithoutCancel(ctx), job.Args, err, final); markErr != nil {
		w.h.log.ErrorContext(ctx, "export: recording the failure", "export", job.Args.ExportID, "err", markErr)
	}
	if hopeless != nil {
		return river.JobCancel(err)
	}
	return err
}

// exportFailure is a failure no retry can mend; Reason is for the admin.
type exportFailure struct{ Reason string }

func (f *exportFailure) Error() string { return "export: " + f.Reason }

// runExport counts the selection, marks the export running and builds
// its file, recording progress as parts are stored; once the file is
// complete it marks the export succeeded and enqueues the email in one
// transaction, so the email goes out once, after the file is there.
func (h *Handler) runExport(ctx context.Context, args exportArgs) error {
	x, err := h.store.Export(ctx, args.OrgID, args.ExportID)
	if errors.Is(err, directory.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if x.Status != directory.JobQueued && x.Status != directory.JobRunning {
		return nil // done, failed for good or expired: a late duplicate
	}
	selected, bom, err := exportSelection(x)
	if err != nil {
		return err
	}
	count, err := h.store.FindAccounts(ctx, x.OrgID, directory.ListQuery{Filter: selected, WithTotal: true})
	if err != nil {
		return err
	}
	started := h.now().UTC()
	x.Status, x.StartedAt, x.FinishedAt, x.RowsTotal, x.RowsDone, x.Error = directory.JobRunning, &started, nil, count.Total, 0, ""
	if err := h.store.UpdateExport(ctx, &x); err != nil {
		return err
	}
	res, err := export.Build(ctx, export.Job{Store: h.store, Links: h.inviter, Export: x, Dir: h.exportDir,
		Filter: selected, BOM: bom, Progress: func(ctx context.Context, rows int64) error {
			x.RowsDone = rows
			return h.store.UpdateExport(ctx, &x)
		}})
	if err != nil {
		return err
	}
	finished := h.now().UTC()
	if !finished.Before(x.ExpiresAt) {
		// It outlived its expiry (a long backlog, retries): the clean-up
		// may already have run, so the file goes now, not never.
		return h.expireExport(ctx, x)
	}
	x.Status, x.RowsDone, x.Size, x.FinishedAt = directory.JobSucceeded, res.Rows, res.Size, &finished
	return h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.UpdateExport(ctx, &x); err != nil {
			return err
		}
		return h.jobs.Enqueue(ctx, tx, exportReadyArgs{OrgID: x.OrgID, ExportID: x.ID}, exportUnique(time.Time{}))
	})
}

// exportSelection reads back the filters and options createExport
// stored. They were checked then; a newer binary could refuse them.
func exportSelection(x directory.Export) (directory.Filter, bool, error) {
	var f peopleFilter
	var opts exportOptions
	if err := json.Unmarshal(x.Params, &f); err != nil {
		return nil, false, &exportFailure{Reason: "its filters can no longer be read; ask for a new export"}
	}
	if err := json.Unmarshal(x.Options, &opts); err != nil {
		return nil, false, &exportFailure{Reason: "its options can no longer be read; ask for a new export"}
	}
	selected, err := f.compile()
	if err != nil {
		return nil, false, &exportFailure{Reason: "its filters are no longer accepted (" + problemText(err) + "); ask for a new export"}
	}
	return selected, opts.BOM, nil
}

// problemText is a problem's detail with its field errors.
func problemText(err error) string {
	var p *problem
	if !errors.As(err, &p) {
		return err.Error()
	}
	parts := []string{p.Detail}
	for _, e := range p.Errors {
		parts = append(parts, e.Field+": "+e.Message)
	}
	return strings.Join(parts, "; ")
}

// failExport deletes what a failed try wrote and records why: as the
// final word (failed) when no retry follows, else as a note on the
// export, queued again.
func (h *Handler) failExport(ctx context.Context, args exportArgs, cause error, final bool) error {
	x, err := h.store.Export(ctx, args.OrgID, args.ExportID)
	if errors.Is(err, directory.ErrNotFound) {
		return nil
	}
	if err != nil || x.Status == directory.JobSucceeded || x.Status == directory.JobExpired {
		return err
	}
	h.log.ErrorContext(ctx, "export failed", "export", x.ID, "final", final, "err", cause)
	if err := export.Remove(ctx, h.store, h.exportDir, x); err != nil {
		h.log.ErrorContext(ctx, "export: deleting a failed try's file", "export", x.ID, "err", err)
	}
	reason := exportFailureReason(cause)
	x.RowsDone, x.Size = 0, 0
	if final {
		finished := h.now().UTC()
		x.Status, x.Error, x.FinishedAt = directory.JobFailed, reason, &finished
	} else {
		x.Status, x.Error = directory.JobQueued, "a try failed ("+reason+"); trying again shortly"
	}
	return h.store.UpdateExport(ctx, &x)
}

// maxReason keeps a failure's reason well within what the store holds.
const maxReason = 500

// exportFailureReason says what went wrong in words an admin can act on;
// the log has the rest.
func exportFailureReason(err error) string {
	var hopeless *exportFailure
	var invalid *directory.ValidationError
	var pathErr *fs.PathError
	var reason string
	switch {
	case errors.As(err, &hopeless):
		reason = hopeless.Reason
	case errors.As(err, &invalid):
		reason = "its filters cannot be used (" + invalid.Problem + "); ask for a new export with other filters"
	case errors.Is(err, directory.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		reason = "the database did not answer in time; ask for the export again later"
	case errors.As(err, &pathErr):
		reason = "the export directory could not be written (" + pathErr.Err.Error() + "); check the server's export_dir setting"
	default:
		reason = "the server could not build the file; the server log has details"
	}
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "") + "…"
	}
	return reason
}
