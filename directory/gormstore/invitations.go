package gormstore

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/latchkeyhq/latchkey/directory"
)

// CreateInviteRule implements directory.InvitationStore.
func (s *Store) CreateInviteRule(ctx context.Context, r *directory.InviteRule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	created := *r
	created.ID = id
	created.CreatedAt = s.timestamp()
	created.UpdatedAt = created.CreatedAt
	row := fromInviteRule(&created)
	err = s.write(ctx, func(db *gorm.DB) error {
		if row.Position == 0 {
			var last *int
			if err := db.Model(&inviteRuleRow{}).Where("org_id = ?", r.OrgID).Select("MAX(position)").Scan(&last).Error; err != nil {
				return err
			}
			row.Position = 1
			if last != nil {
				row.Position = *last + 1
			}
		}
		return db.Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: create invite rule: %w", translate(err))
	}
	*r = row.toDomain()
	return nil
}

// InviteRules implements directory.InvitationStore.
func (s *Store) InviteRules(ctx context.Context, orgID string) ([]directory.InviteRule, error) {
	var rows []inviteRuleRow
	if err := s.ctx(ctx).Where("org_id = ?", orgID).Order("position, created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: invite rules: %w", translate(err))
	}
	out := make([]directory.InviteRule, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out, nil
}

// UpdateInviteRule implements directory.InvitationStore.
func (s *Store) UpdateInviteRule(ctx context.Context, r *directory.InviteRule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	now := s.timestamp()
	var n int64
	err := s.write(ctx, func(db *gorm.DB) error {
		res := db.Model(&inviteRuleRow{}).Where("org_id = ? AND id = ?", r.OrgID, r.ID).Updates(map[string]any{
			"name": r.Name, "position": r.Position, "filter": r.Filter, "action": string(r.Action),
			"message": r.Message, "updated_at": now,
		})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: update invite rule: %w", translate(err))
	}
	if n == 0 {
		return fmt.Errorf("gormstore: update invite rule: %w", directory.ErrNotFound)
	}
	r.UpdatedAt = now
	return nil
}

// DeleteInviteRule implements directory.InvitationStore.
func (s *Store) DeleteInviteRule(ctx context.Context, orgID, id string) error {
	res := s.ctx(ctx).Where("org_id = ? AND id = ?", orgID, id).Delete(&inviteRuleRow{})
	if res.Error != nil {
		return fmt.Errorf("gormstore: delete invite rule: %w", translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: delete invite rule: %w", directory.ErrNotFound)
	}
	return nil
}

// AccountByAccessCode implements directory.InvitationStore.
func (s *Store) AccountByAccessCode(ctx context.Context, hash string) (directory.Account, error) {
	if hash == "" {
		return directory.Account{}, fmt.Errorf("gormstore: account by access code: %w", directory.ErrNotFound)
	}
	return s.accountWhere(ctx, "access_code_hash = ?", hash)
}

// MarkDelivered implements directory.InvitationStore.
func (s *Store) MarkDelivered(ctx context.Context, d directory.Delivery) (bool, error) {
	at := d.DeliveredAt
	if at.IsZero() {
		at = s.timestamp()
	}
	row := deliveryRow{OrgID: d.OrgID, AccountID: d.AccountID, Generation: d.Generation, Kind: d.Kind,
		Recipient: d.Recipient, DeliveredAt: at.UTC()}
	var added int64
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		added = res.RowsAffected
		// Only when there is an error to clear: an UPDATE that changes
		// nothing still rewrites the row and every index on PostgreSQL.
		return tx.Model(&accountRow{}).Where("org_id = ? AND id = ? AND last_delivery_error <> ''", d.OrgID, d.AccountID).
			Update("last_delivery_error", "").Error
	})
	if err != nil {
		return false, fmt.Errorf("gormstore: mark delivered: %w", translate(err))
	}
	return added == 1, nil
}

// Delivered implements directory.InvitationStore.
func (s *Store) Delivered(ctx context.Context, orgID, accountID string, generation int64, kind string) (bool, error) {
	var n int64
	err := s.ctx(ctx).Model(&deliveryRow{}).
		Where("org_id = ? AND account_id = ? AND generation = ? AND kind = ?", orgID, accountID, generation, kind).
		Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("gormstore: delivered: %w", translate(err))
	}
	return n > 0, nil
}

// RecordDeliveryFailure implements directory.InvitationStore.
func (s *Store) RecordDeliveryFailure(ctx context.Context, orgID, accountID, problem string) error {
	res := s.ctx(ctx).Model(&accountRow{}).Where("org_id = ? AND id = ?", orgID, accountID).
		Update("last_delivery_error", truncate(problem, 1000))
	if res.Error != nil {
		return fmt.Errorf("gormstore: record delivery failure: %w", translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: record delivery failure: %w", directory.ErrNotFound)
	}
	return nil
}

// AppendOutbox implements directory.InvitationStore.
func (s *Store) AppendOutbox(ctx context.Context, m *directory.OutboxMessage) error {
	id, err := newID()
	if err != nil {
		return err
	}
	at := m.CreatedAt
	if at.IsZero() {
		at = s.timestamp()
	}
	row := outboxRow{OrgID: m.OrgID, ID: id, Recipient: m.Recipient, Subject: m.Subject, TextBody: m.Text,
		HTMLBody: m.HTML, CreatedAt: at.UTC()}
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }); err != nil {
		return fmt.Errorf("gormstore: append outbox: %w", translate(err))
	}
	*m = row.toDomain()
	return nil
}

// ListOutbox implements directory.InvitationStore.
func (s *Store) ListOutbox(ctx context.Context, orgID string, limit int) ([]directory.OutboxMessage, error) {
	var rows []outboxRow
	err := s.ctx(ctx).Where("org_id = ?", orgID).Order("created_at DESC, id DESC").
		Limit(directory.PageLimit(limit)).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("gormstore: list outbox: %w", translate(err))
	}
	out := make([]directory.OutboxMessage, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out, nil
}

// PutMessageTemplate implements directory.InvitationStore.
func (s *Store) PutMessageTemplate(ctx context.Context, t *directory.MessageTemplate) error {
	row := templateRow{OrgID: t.OrgID, Kind: t.Kind, Subject: t.Subject, TextBody: t.Text, HTMLBody: t.HTML,
		UpdatedAt: s.timestamp()}
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "org_id"}, {Name: "kind"}},
			DoUpdates: clause.AssignmentColumns([]string{"subject", "text_body", "html_body", "updated_at"}),
		}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: put message template: %w", translate(err))
	}
	*t = row.toDomain()
	return nil
}

// MessageTemplate implements directory.InvitationStore.
func (s *Store) MessageTemplate(ctx context.Context, orgID, kind string) (directory.MessageTemplate, error) {
	var row templateRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND kind = ?", orgID, kind), &row); err != nil {
		return directory.MessageTemplate{}, fmt.Errorf("gormstore: message template: %w", err)
	}
	return row.toDomain(), nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// UpdateInvitation implements directory.InvitationStore: one UPDATE of
// the invitation columns, no emails rewritten, nothing read back.
func (s *Store) UpdateInvitation(ctx context.Context, a *directory.Account) error {
	if !a.State.Valid() {
		return &directory.ValidationError{Field: "state", Problem: "must be not_invited, invited or claimed"}
	}
	now := s.timestamp()
	row := fromAccount(a)
	res := s.ctx(ctx).Model(&accountRow{}).
		Where("org_id = ? AND id = ? AND version = ?", a.OrgID, a.ID, a.Version).
		Updates(map[string]any{
			"state": row.State, "invited_at": row.InvitedAt, "claimed_at": row.ClaimedAt,
			"invite_generation": row.InviteGeneration, "invite_expires_at": row.InviteExpiresAt,
			"access_code_hash": row.AccessCodeHash, "access_code_generation": row.AccessCodeGeneration,
			"access_code_expires_at": row.AccessCodeExpiresAt,
			"version":                a.Version + 1, "updated_at": now,
		})
	if res.Error != nil {
		return fmt.Errorf("gormstore: update invitation: %w", translate(res.Error))
	}
	if res.RowsAffected == 0 {
		err := s.missingOrStale(s.ctx(ctx), a.OrgID, a.ID)
		return fmt.Errorf("gormstore: update invitation: %w", translate(err))
	}
	a.Version++
	a.UpdatedAt = now
	return nil
}
