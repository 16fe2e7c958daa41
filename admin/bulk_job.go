package admin

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// bulkBatchSize is how many people one transaction of a bulk action handles.
// Its audit records and jobs are written together at the end (see
// claim.Inviter.InBatch), so the savepoints left are the account
// rewrites of deactivate and reactivate (one a person) and the two final
// inserts: 50 stays under the 64 subtransactions a PostgreSQL
// transaction holds without overflowing its cache.
const bulkBatchSize = 50

// bulkStepBudget is how long one job works through batches before it
// hands the rest to a new job, well within the job timeout.
const bulkStepBudget = 20 * time.Second

// maxBulkErrors is how many failures a bulk action keeps the reasons of.
const maxBulkErrors = 20

// bulkArgs runs a bulk action from where it stands. After is the cursor a
// continuation was enqueued at: it only tells continuations apart (River
// keeps one job per args); every run reads the cursor stored with the
// bulk action.
type bulkArgs struct {
	OrgID  string `json:"org_id"`
	BulkID string `json:"bulk_id"`
	After  string `json:"after,omitempty"`
}

// Kind implements river.JobArgs.
func (bulkArgs) Kind() string { return "admin.bulk_action" }

// bulkWorker runs bulk actions. A run that dies (a crash, a deploy) is
// retried or rescued by River and resumes from the stored cursor; two
// runs of one bulk action at once take turns on its row and never act on
// a person twice.
type bulkWorker struct {
	river.WorkerDefaults[bulkArgs]
	h *Handler
}

// Work implements river.Worker. When the last try fails, the bulk action
// is marked failed, so it does not show as running for ever.
func (w *bulkWorker) Work(ctx context.Context, job *river.Job[bulkArgs]) error {
	err := w.h.runBulk(ctx, job.Args, time.Now().Add(bulkStepBudget))
	if err != nil && job.Attempt >= job.MaxAttempts {
		if markErr := w.h.failBulk(context.WithoutCancel(ctx), job.Args, err); markErr != nil {
			w.h.log.ErrorContext(ctx, "bulk action: recording the failure", "bulk_action", job.Args.BulkID, "err", markErr)
		}
	}
	return err
}

// runBulk works through batches until none is left or the deadline
// passes; then the last batch enqueues a continuation in its transaction.
func (h *Handler) runBulk(ctx context.Context, args bulkArgs, deadline time.Time) error {
	for {
		handOff := !time.Now().Before(deadline)
		var more bool
		err := h.store.InTx(ctx, func(tx directory.Store) error {
			var err error
			more, err = h.bulkStep(ctx, tx, args, handOff)
			return err
		})
		if err != nil || !more || handOff {
			return err
		}
	}
}

// bulkStep handles the next batch of a bulk action in tx: it acts on each
// person after the cursor and moves the cursor and counts with the
// changes. more reports that people may remain; with handOff, a job to
// handle them is enqueued. A finished (or missing) bulk action is left
// alone.
func (h *Handler) bulkStep(ctx context.Context, tx directory.Store, args bulkArgs, handOff bool) (more bool, err error) {
	b, err := tx.BulkActionForUpdate(ctx, args.OrgID, args.BulkID)
	if errors.Is(err, directory.ErrNotFound) {
		return false, nil
	}
	if err != nil || (b.Status != directory.JobQueued && b.Status != directory.JobRunning) {
		return false, err
	}
	run, err := h.bulkRun(ctx, tx, b)
	if err != nil {
		return false, err
	}
	if run.stop != "" {
		h.endBulk(&b, directory.JobFailed, run.stop)
		return false, tx.UpdateBulkAction(ctx, &b)
	}
	if b.Status == directory.JobQueued {
		now := h.now().UTC()
		b.Status, b.StartedAt = directory.JobRunning, &now
	}
	if more, err = h.bulkBatch(ctx, tx, run, &b); err != nil {
		return false, err
	}
	if !more {
		h.endBulk(&b, directory.JobSucceeded, "")
	} else if handOff {
		next := bulkArgs{OrgID: b.OrgID, BulkID: b.ID, After: b.Cursor}
		if err := h.jobs.Enqueue(ctx, tx, next, bulkUnique()); err != nil {
			return false, err
		}
	}
	return more, tx.UpdateBulkAction(ctx, &b)
}

// bulkBatch acts on the people of the next batch and moves b's cursor
// and counts past them; more reports that people may remain.
func (h *Handler) bulkBatch(ctx context.Context, tx directory.Store, run bulkRun, b *directory.BulkAction) (more bool, err error) {
	page, err := tx.FindAccounts(ctx, b.OrgID, directory.ListQuery{Filter: run.batchFilter(*b), Limit: bulkBatchSize})
	if err != nil {
		return false, err
	}
	tally := bulkTally{errors: bulkErrorsOf(*b)}
	err = h.inviter.InBatch(ctx, tx, func(tx directory.Store, inviter *claim.Inviter) error {
		for _, found := range page.Accounts {
			if err := run.one(ctx, tx, inviter, found, &tally); err != nil {
				return err
			}
			b.Cursor = found.ID
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	tally.addTo(b)
	return page.NextCursor != "", nil
}

// failBulk records that a bulk action gave up, with the reason.
func (h *Handler) failBulk(ctx context.Context, args bulkArgs, cause error) error {
	return h.store.InTx(ctx, func(tx directory.Store) error {
		b, err := tx.BulkActionForUpdate(ctx, args.OrgID, args.BulkID)
		if errors.Is(err, directory.ErrNotFound) {
			return nil
		}
		if err != nil || b.Status == directory.JobSucceeded || b.Status == directory.JobFailed {
			return err
		}
		h.log.ErrorContext(ctx, "bulk action failed", "bulk_action", b.ID, "err", cause)
		h.endBulk(&b, directory.JobFailed, "stopped: the server could not go on (the log has details); what was done stays done")
		return tx.UpdateBulkAction(ctx, &b)
	})
}
