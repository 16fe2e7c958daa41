package gormstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

type auditEventRow struct {
	OrgID         string    `gorm:"column:org_id;primaryKey"`
	ID            string    `gorm:"column:id;primaryKey"`
	At            time.Time `gorm:"column:at"`
	ActorType     string    `gorm:"column:actor_type"`
	ActorID       string    `gorm:"column:actor_id"`
	ActorName     string    `gorm:"column:actor_name"`
	Action        string    `gorm:"column:action"`
	TargetType    string    `gorm:"column:target_type"`
	TargetID      string    `gorm:"column:target_id"`
	BeforeVersion int64     `gorm:"column:before_version"`
	AfterVersion  int64     `gorm:"column:after_version"`
	RequestID     string    `gorm:"column:request_id"`
	Details       *string   `gorm:"column:details"`
}

func (auditEventRow) TableName() string { return "audit_events" }

func (r auditEventRow) toDomain() directory.AuditEvent {
	e := directory.AuditEvent{
		OrgID: r.OrgID, ID: r.ID, At: r.At.UTC(),
		ActorType: directory.ActorType(r.ActorType), ActorID: r.ActorID, ActorName: r.ActorName,
		Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID,
		BeforeVersion: r.BeforeVersion, AfterVersion: r.AfterVersion, RequestID: r.RequestID,
	}
	if r.Details != nil {
		e.Details = []byte(*r.Details)
	}
	return e
}

// AppendAudit implements directory.AuditStore.
func (s *Store) AppendAudit(ctx context.Context, e *directory.AuditEvent) error {
	return s.AppendAudits(ctx, []*directory.AuditEvent{e})
}

// AppendAudits implements directory.AuditStore with one multi-row INSERT.
func (s *Store) AppendAudits(ctx context.Context, events []*directory.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]auditEventRow, len(events))
	for i, e := range events {
		row, err := s.auditRow(e)
		if err != nil {
			return err
		}
		rows[i] = row
	}
	if err := s.write(ctx, func(db *gorm.DB) error { return db.CreateInBatches(&rows, auditInsertBatch).Error }); err != nil {
		return fmt.Errorf("gormstore: append audit: %w", translate(err))
	}
	for i, e := range events {
		*e = rows[i].toDomain()
	}
	return nil
}

// auditInsertBatch keeps one INSERT's parameters (13 a row) well under
// SQLite's and PostgreSQL's limits.
const auditInsertBatch = 500

func (s *Store) auditRow(e *directory.AuditEvent) (auditEventRow, error) {
	if err := e.Validate(); err != nil {
		return auditEventRow{}, err
	}
	id, err := newID()
	if err != nil {
		return auditEventRow{}, err
	}
	at := e.At
	if at.IsZero() {
		at = s.timestamp()
	}
	row := auditEventRow{
		OrgID: e.OrgID, ID: id, At: at.UTC().Truncate(time.Microsecond),
		ActorType: string(e.ActorType), ActorID: e.ActorID, ActorName: e.ActorName,
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
		BeforeVersion: e.BeforeVersion, AfterVersion: e.AfterVersion, RequestID: e.RequestID,
	}
	if len(e.Details) > 0 {
		d := string(e.Details)
		row.Details = &d
	}
	return row, nil
}

// ListAudit implements directory.AuditStore, newest first (ids are
// time-ordered UUIDv7s). Each filter has an index leading with org_id
// (migration 00021).
func (s *Store) ListAudit(ctx context.Context, orgID string, q directory.AuditQuery) ([]directory.AuditEvent, error) {
	query := s.auditFilter(s.ctx(ctx).Where("org_id = ?", orgID), q)
	if q.Before != "" {
		query = query.Where("id < ?", q.Before)
	}
	var rows []auditEventRow
	if err := query.Order("id DESC").Limit(directory.PageLimit(q.Limit)).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list audit: %w", translate(err))
	}
	out := make([]directory.AuditEvent, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out, nil
}

func (s *Store) auditFilter(query *gorm.DB, q directory.AuditQuery) *gorm.DB {
	for col, v := range map[string]string{"actor_type": string(q.ActorType), "actor_id": q.ActorID,
		"target_type": q.TargetType, "target_id": q.TargetID} {
		if v != "" {
			query = query.Where(col+" = ?", v)
		}
	}
	if q.Action != "" {
		query = s.auditAction(query, q.Action)
	}
	if !q.Since.IsZero() {
		query = query.Where("at >= ?", q.Since.UTC())
	}
	if !q.Until.IsZero() {
		query = query.Where("at < ?", q.Until.UTC())
	}
	return query
}

// auditAction matches an action exactly or, for "prefix.*", by a range
// on the action index: byte order on SQLite, COLLATE "C" on PostgreSQL
// (the index's collation), so "account.*" never matches "accountx.y".
func (s *Store) auditAction(query *gorm.DB, action string) *gorm.DB {
	col := "action"
	if s.dialect == Postgres {
		col = `action COLLATE "C"`
	}
	prefix, ok := strings.CutSuffix(action, "*")
	if !ok || !strings.HasSuffix(prefix, ".") {
		return query.Where(col+" = ?", action)
	}
	// The prefix ends in '.', so bumping that byte to '/' bounds the range.
	upper := prefix[:len(prefix)-1] + "/"
	return query.Where(col+" >= ? AND "+col+" < ?", prefix, upper)
}
