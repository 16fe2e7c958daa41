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

// Where an export's file is kept (Export.Storage).
const (
	// ExportInDatabase keeps the file in the database, in parts
	// (PutExportChunk), so any replica can serve it.
	ExportInDatabase = "database"
	// ExportInDirectory keeps the file in the configured export
	// directory, which every replica must share.
	ExportInDirectory = "directory"
)

// maxExportError bounds Export.Error: a sentence for an admin, not a log.
const maxExportError = 2000

// Validate checks what every backend relies on before writing.
func (e Export) Validate() error {
	switch {
	case e.AdminID == "":
		return invalid("adminId", "is required")
	case e.ExpiresAt.IsZero():
		return invalid("expiresAt", "is required")
	case e.Storage != ExportInDatabase && e.Storage != ExportInDirectory:
		return invalid("storage", "must be database or directory")
	case e.RowsTotal < 0 || e.RowsDone < 0 || e.Size < 0:
		return invalid("rows", "counts and size must not be negative")
	}
	switch e.Status {
	case JobQueued, JobRunning, JobSucceeded, JobFailed, JobExpired:
	default:
		return invalid("status", "must be queued, running, succeeded, failed or expired")
	}
	if err := checkText("error", e.Error, maxExportError); err != nil {
		return err
	}
	if err := checkDocument("params", e.Params); err != nil {
		return err
	}
	return checkDocument("options", e.Options)
}

// ExportRow is what an export writes of one account: the account's
// invitation fields and attributes (Resource is left empty) and its
// manager's name and employee number.
//
// Of the Account only what an export writes or needs for the claim link
// and access code is filled in: OrgID, ID, UserName, DisplayName,
// GivenName, FamilyName, Emails (the primary address alone, as one
// primary entry, or none), EmployeeNumber, Title, Department, Division,
// Location, AuthMethod, State, Active, InvitedAt, ClaimedAt,
// InviteGeneration, InviteExpiresAt, AccessCodeHash,
// AccessCodeGeneration and AccessCodeExpiresAt.
type ExportRow struct {
	Account               Account
	ManagerName           string
	ManagerEmployeeNumber string
}

// MaxExportPage bounds one ExportRows call.
const MaxExportPage = 10_000

// ExportStore holds exports and, for the database storage, their files.
type ExportStore interface {
	// CreateExport assigns ID and CreatedAt; an admin the org does not
	// have is ErrNotFound, an invalid export (see Export.Validate)
	// ErrInvalid. Empty Params or Options are stored as {}.
	CreateExport(ctx context.Context, e *Export) error
	Export(ctx context.Context, orgID, id string) (Export, error)
	// ListExports returns the org's exports, newest first, at most limit
	// (clamped as PageLimit does).
	ListExports(ctx context.Context, orgID string, limit int) ([]Export, error)
	// UpdateExport writes Status, RowsTotal, RowsDone, Size, Storage,
	// Error, StartedAt and FinishedAt (ErrNotFound for an export the org
	// does not have).
	UpdateExport(ctx context.Context, e *Export) error
	// ExportRows returns up to limit accounts matching filter (nil: all)
	// with id greater than after ("": from the first), ordered by id,
	// reading only what an export writes (see ExportRow). limit is
	// clamped to 1..MaxExportPage; a filter the query language does not
	// allow is ErrInvalid.
	ExportRows(ctx context.Context, orgID string, filter Filter, after string, limit int) ([]ExportRow, error)

	// PutExportChunk stores part seq (0, 1, ...) of an export's file;
	// putting a part again replaces it, so a retried write is harmless.
	// A part of an export the org does not have is ErrNotFound.
	PutExportChunk(ctx context.Context, orgID, exportID string, seq int, data []byte) error
	// ExportChunk returns part seq of the file (ErrNotFound past the end).
	ExportChunk(ctx context.Context, orgID, exportID string, seq int) ([]byte, error)
	// DeleteExportChunks deletes every part of the file.
	DeleteExportChunks(ctx context.Context, orgID, exportID string) error
	// ExpiredExports lists exports of every organization whose ExpiresAt
	// is before now and whose Status is not JobExpired yet, soonest
	// expired first, at most limit (clamped as PageLimit does).
	ExpiredExports(ctx context.Context, now time.Time, limit int) ([]Export, error)
}
