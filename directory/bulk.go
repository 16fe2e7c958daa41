package directory

import (
	"context"
	"encoding/json"
	"time"
)

// BulkAction applies one admin action (invite, remind, ...) to everyone
// matching Params, in the background, a batch at a time. Cursor is the id
// of the last account handled, written in the same transaction as the
// batch's changes, so a crashed run resumes where it stopped and never
// acts on an account twice.
type BulkAction struct {
	OrgID   string
	ID      string
	AdminID string
	Action  string
	// Params are the admin API filters, as JSON; Options the action's own
	// (a note for invitations), as JSON.
	Params  json.RawMessage
	Options json.RawMessage
	Status  JobStatus
	// Total is how many matched when the run started; Done how many were
	// handled, of which Changed were acted on, Skipped needed nothing
	// (already invited, say) and Failed could not be (Errors holds a few
	// of the reasons).
	Total      int64
	Done       int64
	Changed    int64
	Skipped    int64
	Failed     int64
	Cursor     string
	Errors     json.RawMessage
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
}

// Validate checks what every stored bulk action needs: its organization,
// admin and action, a status bulk actions have, and JSON documents.
func (b BulkAction) Validate() error {
	switch {
	case b.OrgID == "" || b.AdminID == "":
		return invalid("bulkAction", "org and admin are required")
	case b.Action == "":
		return invalid("action", "is required")
	}
	switch b.Status {
	case JobQueued, JobRunning, JobSucceeded, JobFailed:
	default:
		return invalid("status", "must be queued, running, succeeded or failed")
	}
	if b.Total < 0 || b.Done < 0 || b.Changed < 0 || b.Skipped < 0 || b.Failed < 0 {
		return invalid("counts", "must not be negative")
	}
	if err := checkTexts("action", b.Action, "cursor", b.Cursor); err != nil {
		return err
	}
	for _, doc := range []struct {
		field string
		raw   json.RawMessage
	}{{"params", b.Params}, {"options", b.Options}, {"errors", b.Errors}} {
		if err := checkDocument(doc.field, doc.raw); err != nil {
			return err
		}
	}
	return nil
}

// BulkStore holds bulk actions.
type BulkStore interface {
	// CreateBulkAction assigns ID and CreatedAt. Empty Params and
	// Options are stored as {}, empty Errors as [].
	CreateBulkAction(ctx context.Context, b *BulkAction) error
	BulkAction(ctx context.Context, orgID, id string) (BulkAction, error)
	// BulkActionForUpdate is BulkAction that, inside InTx, keeps any
	// other transaction from changing the bulk action until this one
	// ends: two runs of one bulk action (a rescued job while the first
	// still works) take turns, and each reads the cursor the other left.
	BulkActionForUpdate(ctx context.Context, orgID, id string) (BulkAction, error)
	// ListBulkActions returns the org's bulk actions, newest first.
	ListBulkActions(ctx context.Context, orgID string, limit int) ([]BulkAction, error)
	// UpdateBulkAction writes the status, counts, cursor, errors and
	// times (ErrNotFound when there is no such bulk action).
	UpdateBulkAction(ctx context.Context, b *BulkAction) error
}
