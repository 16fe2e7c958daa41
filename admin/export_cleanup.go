package admin

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/export"
)

// exportCleanupArgs runs at an export's expiry (createExport schedules
// it in the transaction that records the export).
type exportCleanupArgs struct {
	OrgID    string `json:"org_id"`
	ExportID string `json:"export_id"`
}

// Kind implements river.JobArgs.
func (exportCleanupArgs) Kind() string { return "admin.export_cleanup" }

// exportCleanupWorker deletes the files of every export expired by now,
// its own and any an earlier run left (a file that could not be
// deleted then, an export directory back online), and marks them
// expired. Its schedule is per export, so no replica needs a timer.
type exportCleanupWorker struct {
	river.WorkerDefaults[exportCleanupArgs]
	h *Handler
}

// Work implements river.Worker.
func (w *exportCleanupWorker) Work(ctx context.Context, job *river.Job[exportCleanupArgs]) error {
	now := w.h.now()
	x, err := w.h.store.Export(ctx, job.Args.OrgID, job.Args.ExportID)
	switch {
	case err == nil && now.Before(x.ExpiresAt):
		// This replica's clock is behind the one that scheduled the job.
		return river.JobSnooze(x.ExpiresAt.Sub(now))
	case err != nil && !errors.Is(err, directory.ErrNotFound):
		return err
	}
	_, err = w.h.cleanExports(ctx, now)
	return err
}

// cleanBatch is how many expired exports one query of the clean-up reads.
const cleanBatch = 100

// cleanExports deletes the files of the exports expired at now and marks
// them expired, reporting how many. An export whose file cannot be
// deleted stays as it is, to be tried again by the next run; the others
// are cleaned all the same.
func (h *Handler) cleanExports(ctx context.Context, now time.Time) (int, error) {
	cleaned := 0
	for {
		batch, err := h.store.ExpiredExports(ctx, now, cleanBatch)
		if err != nil {
			return cleaned, err
		}
		var failed []error
		for _, x := range batch {
			if err := h.expireExport(ctx, x); err != nil {
				failed = append(failed, err)
				continue
			}
			cleaned++
		}
		if len(failed) > 0 {
			return cleaned, errors.Join(failed...)
		}
		if len(batch) < cleanBatch {
			return cleaned, nil
		}
	}
}

// expireExport deletes one export's file, then marks it expired and
// audits that, so a row marked expired never has a file left behind.
func (h *Handler) expireExport(ctx context.Context, x directory.Export) error {
	if err := export.Remove(ctx, h.store, h.exportDir, x); err != nil {
		return err
	}
	before := x.Status
	x.Status = directory.JobExpired
	return h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.UpdateExport(ctx, &x); err != nil {
			return err
		}
		e := directory.AuditEvent{OrgID: x.OrgID, Action: "export.expire", TargetType: "export", TargetID: x.ID}
		return directory.Record(ctx, tx, directory.Actor{Type: directory.ActorSystem, Name: "export clean-up"}, e,
			map[string]any{"status_before": string(before), "expired_at": x.ExpiresAt})
	})
}
