package directory

import (
	"context"
	"encoding/json"
	"time"
)

// JobStatus is where a background export or bulk action stands.
type JobStatus string

// The statuses of background work.
const (
	JobQueued    JobStatus = "queued"
	JobRunning   JobStatus = "running"
	JobSucceeded JobStatus = "succeeded"
	JobFailed    JobStatus = "failed"
	// JobExpired is an export whose file was deleted after ExpiresAt.
	JobExpired JobStatus = "expired"
)

// Export is one "Export employee information" request: a CSV of the
// people matching Params, built in the background, kept until ExpiresAt.
type Export struct {
	OrgID   string
	ID      string
	AdminID string
	// Params are the admin API filters the export was asked with, as
	// JSON ({"status": "invited", "department": "Sales"}).
	Params json.RawMessage
	// Options ({"bom": true}) say how the file is written.
	Options json.RawMessage
	Status  JobStatus
	// RowsTotal is how many people matched when the export started,
	// RowsDone how many rows are written so far.
	RowsTotal int64
	RowsDone  int64
	// Size is the file's length in bytes once finished; Storage says
	// where it is ("database" or "directory").
	Size       int64
	Storage    string
	Error      string
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	ExpiresAt  time.Time
}

// ExportRow is what an export writes of one account: the account's
// invitation fields and attributes (Resource is left empty) and its
// manager's name and employee number.
type ExportRow struct {
	Account               Account
	ManagerName           string
	ManagerEmployeeNumber string
}

// ExportStore holds exports and, for the database storage, their files.
type ExportStore interface {
	// CreateExport assigns ID and CreatedAt.
	CreateExport(ctx context.Context, e *Export) error
	Export(ctx context.Context, orgID, id string) (Export, error)
	// ListExports returns the org's exports, newest first.
	ListExports(ctx context.Context, orgID string, limit int) ([]Export, error)
	// UpdateExport writes Status, RowsTotal, RowsDone, Size, Storage,
	// Error, StartedAt and FinishedAt.
	UpdateExport(ctx context.Context, e *Export) error
	// ExportRows returns up to limit accounts matching filter (nil: all)
	// with id greater than after, ordered by id, reading only what an
	// export writes.
	ExportRows(ctx context.Context, orgID string, filter Filter, after string, limit int) ([]ExportRow, error)

	// PutExportChunk stores part seq (0, 1, ...) of an export's file;
	// putting a part again replaces it, so a retried write is harmless.
	PutExportChunk(ctx context.Context, orgID, exportID string, seq int, data []byte) error
	// ExportChunk returns part seq of the file (ErrNotFound past the end).
	ExportChunk(ctx context.Context, orgID, exportID string, seq int) ([]byte, error)
	// DeleteExportChunks deletes every part of the file.
	DeleteExportChunks(ctx context.Context, orgID, exportID string) error
	// ExpiredExports lists exports of every organization whose ExpiresAt
	// is before now and whose Status is not JobExpired yet.
	ExpiredExports(ctx context.Context, now time.Time, limit int) ([]Export, error)
}
