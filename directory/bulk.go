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

// BulkStore holds bulk actions.
type BulkStore interface {
	// CreateBulkAction assigns ID and CreatedAt.
	CreateBulkAction(ctx context.Context, b *BulkAction) error
	BulkAction(ctx context.Context, orgID, id string) (BulkAction, error)
	// ListBulkActions returns the org's bulk actions, newest first.
	ListBulkActions(ctx context.Context, orgID string, limit int) ([]BulkAction, error)
	// UpdateBulkAction writes the status, counts, cursor, errors and
	// times.
	UpdateBulkAction(ctx context.Context, b *BulkAction) error
}
