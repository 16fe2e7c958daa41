package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

type bulkActionRow struct {
	OrgID         string     `gorm:"column:org_id;primaryKey"`
	ID            string     `gorm:"column:id;primaryKey"`
	AdminID       string     `gorm:"column:admin_id"`
	Action        string     `gorm:"column:action"`
	Params        string     `gorm:"column:params"`
	Options       string     `gorm:"column:options"`
	Status        string     `gorm:"column:status"`
	Total         int64      `gorm:"column:total"`
	Done          int64      `gorm:"column:done"`
	Changed       int64      `gorm:"column:changed"`
	Skipped       int64      `gorm:"column:skipped"`
	Failed        int64      `gorm:"column:failed"`
	LastAccountID string     `gorm:"column:last_account_id"`
	Errors        string     `gorm:"column:errors"`
	CreatedAt     time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	StartedAt     *time.Time `gorm:"column:started_at"`
	FinishedAt    *time.Time `gorm:"column:finished_at"`
}

func (bulkActionRow) TableName() string { return "bulk_actions" }

func (r bulkActionRow) toDomain() directory.BulkAction {
	return directory.BulkAction{
		OrgID: r.OrgID, ID: r.ID, AdminID: r.AdminID, Action: r.Action,
		Params: json.RawMessage(r.Params), Options: json.RawMessage(r.Options), Status: directory.JobStatus(r.Status),
		Total: r.Total, Done: r.Done, Changed: r.Changed, Skipped: r.Skipped, Failed: r.Failed,
		Cursor: r.LastAccountID, Errors: json.RawMessage(r.Errors),
		CreatedAt: r.CreatedAt.UTC(), StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt),
	}
}

// documentOr is raw as stored text, or empty when there is none.
func documentOr(raw json.RawMessage, empty string) string {
	if len(raw) == 0 {
		return empty
	}
	return string(raw)
}

// CreateBulkAction implements directory.BulkStore.
func (s *Store) CreateBulkAction(ctx context.Context, b *directory.BulkAction) error {
	if err := b.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	row := bulkActionRow{
		OrgID: b.OrgID, ID: id, AdminID: b.AdminID, Action: b.Action,
		Params: documentOr(b.Params, "{}"), Options: documentOr(b.Options, "{}"), Status: string(b.Status),
		Total: b.Total, Done: b.Done, Changed: b.Changed, Skipped: b.Skipped, Failed: b.Failed,
		LastAccountID: b.Cursor, Errors: documentOr(b.Errors, "[]"),
		CreatedAt: s.timestamp(), StartedAt: utcPtr(b.StartedAt), FinishedAt: utcPtr(b.FinishedAt),
	}
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }); err != nil {
		return fmt.Errorf("gormstore: create bulk action: %w", translate(err))
	}
	*b = row.toDomain()
	return nil
}

// BulkAction implements directory.BulkStore.
func (s *Store) BulkAction(ctx context.Context, orgID, id string) (directory.BulkAction, error) {
	var row bulkActionRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.BulkAction{}, fmt.Errorf("gormstore: bulk action: %w", err)
	}
	return row.toDomain(), nil
}

// BulkActionForUpdate implements directory.BulkStore with the row lock
// AccountForUpdate takes.
func (s *Store) BulkActionForUpdate(ctx context.Context, orgID, id string) (directory.BulkAction, error) {
	var row bulkActionRow
	if err := first(s.locked(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.BulkAction{}, fmt.Errorf("gormstore: bulk action for update: %w", err)
	}
	return row.toDomain(), nil
}

// ListBulkActions implements directory.BulkStore: ids are time-ordered,
// so the primary key gives newest first.
func (s *Store) ListBulkActions(ctx context.Context, orgID string, limit int) ([]directory.BulkAction, error) {
	if limit <= 0 || limit > directory.MaxPageSize {
		limit = directory.MaxPageSize
	}
	var rows []bulkActionRow
	if err := s.ctx(ctx).Where("org_id = ?", orgID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list bulk actions: %w", translate(err))
	}
	out := make([]directory.BulkAction, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out, nil
}

// UpdateBulkAction implements directory.BulkStore. It writes no
// savepoint: a batch's transaction ends with it, and nothing it can fail
// on is something the caller would carry on after.
func (s *Store) UpdateBulkAction(ctx context.Context, b *directory.BulkAction) error {
	if err := b.Validate(); err != nil {
		return err
	}
	res := s.ctx(ctx).Model(&bulkActionRow{}).Where("org_id = ? AND id = ?", b.OrgID, b.ID).
		Updates(map[string]any{
			"status": string(b.Status), "total": b.Total, "done": b.Done, "changed": b.Changed,
			"skipped": b.Skipped, "failed": b.Failed, "last_account_id": b.Cursor,
			"errors": documentOr(b.Errors, "[]"), "started_at": utcPtr(b.StartedAt), "finished_at": utcPtr(b.FinishedAt),
		})
	if res.Error != nil {
		return fmt.Errorf("gormstore: update bulk action: %w", translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: update bulk action: %w", directory.ErrNotFound)
	}
	return nil
}
