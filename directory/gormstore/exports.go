package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/latchkeyhq/latchkey/directory"
)

type exportRow struct {
	OrgID      string     `gorm:"column:org_id;primaryKey"`
	ID         string     `gorm:"column:id;primaryKey"`
	AdminID    string     `gorm:"column:admin_id"`
	Params     string     `gorm:"column:params"`
	Options    string     `gorm:"column:options"`
	Status     string     `gorm:"column:status"`
	RowsTotal  int64      `gorm:"column:rows_total"`
	RowsDone   int64      `gorm:"column:rows_done"`
	Size       int64      `gorm:"column:size"`
	Storage    string     `gorm:"column:storage"`
	Error      string     `gorm:"column:error"`
	CreatedAt  time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	StartedAt  *time.Time `gorm:"column:started_at"`
	FinishedAt *time.Time `gorm:"column:finished_at"`
	ExpiresAt  time.Time  `gorm:"column:expires_at"`
}

func (exportRow) TableName() string { return "exports" }

type exportChunkRow struct {
	OrgID    string `gorm:"column:org_id;primaryKey"`
	ExportID string `gorm:"column:export_id;primaryKey"`
	Seq      int    `gorm:"column:seq;primaryKey;autoIncrement:false"`
	Data     []byte `gorm:"column:data"`
}

func (exportChunkRow) TableName() string { return "export_chunks" }

func fromExport(e *directory.Export) exportRow {
	return exportRow{
		OrgID: e.OrgID, ID: e.ID, AdminID: e.AdminID,
		Params: documentOrEmpty(e.Params), Options: documentOrEmpty(e.Options),
		Status: string(e.Status), RowsTotal: e.RowsTotal, RowsDone: e.RowsDone, Size: e.Size,
		Storage: e.Storage, Error: e.Error,
		CreatedAt: e.CreatedAt, StartedAt: utcPtr(e.StartedAt), FinishedAt: utcPtr(e.FinishedAt),
		ExpiresAt: e.ExpiresAt.UTC().Truncate(time.Microsecond),
	}
}

func (r exportRow) toDomain() directory.Export {
	return directory.Export{
		OrgID: r.OrgID, ID: r.ID, AdminID: r.AdminID,
		Params: json.RawMessage(r.Params), Options: json.RawMessage(r.Options),
		Status: directory.JobStatus(r.Status), RowsTotal: r.RowsTotal, RowsDone: r.RowsDone, Size: r.Size,
		Storage: r.Storage, Error: r.Error,
		CreatedAt: r.CreatedAt.UTC(), StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt),
		ExpiresAt: r.ExpiresAt.UTC(),
	}
}

func documentOrEmpty(doc json.RawMessage) string {
	if len(doc) == 0 {
		return "{}"
	}
	return string(doc)
}

// CreateExport implements directory.ExportStore.
func (s *Store) CreateExport(ctx context.Context, e *directory.Export) error {
	if err := e.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	row := fromExport(e)
	row.ID, row.CreatedAt = id, s.timestamp()
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }); err != nil {
		return fmt.Errorf("gormstore: create export: %w", translate(err))
	}
	*e = row.toDomain()
	return nil
}

// Export implements directory.ExportStore.
func (s *Store) Export(ctx context.Context, orgID, id string) (directory.Export, error) {
	var row exportRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.Export{}, fmt.Errorf("gormstore: export: %w", err)
	}
	return row.toDomain(), nil
}

// ListExports implements directory.ExportStore. Ids are time-ordered, so
// they break ties between exports created in the same microsecond.
func (s *Store) ListExports(ctx context.Context, orgID string, limit int) ([]directory.Export, error) {
	var rows []exportRow
	err := s.ctx(ctx).Where("org_id = ?", orgID).Order("created_at DESC, id DESC").
		Limit(directory.PageLimit(limit)).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("gormstore: list exports: %w", translate(err))
	}
	return exportsOf(rows), nil
}

func exportsOf(rows []exportRow) []directory.Export {
	out := make([]directory.Export, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out
}

// UpdateExport implements directory.ExportStore.
func (s *Store) UpdateExport(ctx context.Context, e *directory.Export) error {
	if err := e.Validate(); err != nil {
		return err
	}
	row := fromExport(e)
	res := s.ctx(ctx).Model(&exportRow{}).Where("org_id = ? AND id = ?", row.OrgID, row.ID).Updates(map[string]any{
		"status": row.Status, "rows_total": row.RowsTotal, "rows_done": row.RowsDone, "size": row.Size,
		"storage": row.Storage, "error": row.Error, "started_at": row.StartedAt, "finished_at": row.FinishedAt,
	})
	if res.Error != nil {
		return fmt.Errorf("gormstore: update export: %w", translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: update export: %w", directory.ErrNotFound)
	}
	return nil
}

// PutExportChunk implements directory.ExportStore.
func (s *Store) PutExportChunk(ctx context.Context, orgID, exportID string, seq int, data []byte) error {
	if seq < 0 {
		return &directory.ValidationError{Field: "seq", Problem: "must not be negative"}
	}
	if data == nil {
		data = []byte{} // the column is NOT NULL; an empty part is still a part
	}
	row := exportChunkRow{OrgID: orgID, ExportID: exportID, Seq: seq, Data: data}
	upsert := func(db *gorm.DB) error {
		return db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "org_id"}, {Name: "export_id"}, {Name: "seq"}},
			DoUpdates: clause.AssignmentColumns([]string{"data"}),
		}).Create(&row).Error
	}
	var err error
	if s.dialect == Postgres && !s.inTx {
		err = s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
			// A part need not be on disk when this returns: the export
			// is marked succeeded by a later, synchronous commit, and
			// flushing that commit's WAL flushes everything before it.
			// A part lost in a crash belongs to an export that was
			// never marked succeeded, which is built again.
			if err := tx.Exec("SET LOCAL synchronous_commit = off").Error; err != nil {
				return err
			}
			return upsert(tx)
		})
	} else {
		err = s.write(ctx, upsert)
	}
	if err != nil {
		return fmt.Errorf("gormstore: put export chunk: %w", translate(err))
	}
	return nil
}

// ExportChunk implements directory.ExportStore.
func (s *Store) ExportChunk(ctx context.Context, orgID, exportID string, seq int) ([]byte, error) {
	var row exportChunkRow
	err := first(s.ctx(ctx).Where("org_id = ? AND export_id = ? AND seq = ?", orgID, exportID, seq), &row)
	if err != nil {
		return nil, fmt.Errorf("gormstore: export chunk: %w", err)
	}
	return row.Data, nil
}

// DeleteExportChunks implements directory.ExportStore.
func (s *Store) DeleteExportChunks(ctx context.Context, orgID, exportID string) error {
	err := s.ctx(ctx).Where("org_id = ? AND export_id = ?", orgID, exportID).Delete(&exportChunkRow{}).Error
	if err != nil {
		return fmt.Errorf("gormstore: delete export chunks: %w", translate(err))
	}
	return nil
}

// ExpiredExports implements directory.ExportStore. It is the one query
// here that spans organizations (a system clean-up, never a request);
// exports_expiry_idx holds only the exports not expired yet.
func (s *Store) ExpiredExports(ctx context.Context, now time.Time, limit int) ([]directory.Export, error) {
	var rows []exportRow
	err := s.ctx(ctx).Where("expires_at < ? AND status <> ?", now.UTC(), string(directory.JobExpired)).
		Order("expires_at, org_id, id").Limit(directory.PageLimit(limit)).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("gormstore: expired exports: %w", translate(err))
	}
	return exportsOf(rows), nil
}
