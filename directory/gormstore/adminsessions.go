package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

type adminSessionRow struct {
	Hash       string    `gorm:"column:hash;primaryKey"`
	OrgID      string    `gorm:"column:org_id"`
	AdminID    string    `gorm:"column:admin_id"`
	Method     string    `gorm:"column:method"`
	CreatedAt  time.Time `gorm:"column:created_at;autoCreateTime:false"`
	LastSeenAt time.Time `gorm:"column:last_seen_at"`
	ExpiresAt  time.Time `gorm:"column:expires_at"`
}

func (adminSessionRow) TableName() string { return "admin_sessions" }

func (r adminSessionRow) toDomain() directory.AdminSession {
	return directory.AdminSession{Hash: r.Hash, OrgID: r.OrgID, AdminID: r.AdminID, Method: r.Method,
		CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
}

// adminPasswordRow reads and writes an admin's password columns only.
type adminPasswordRow struct {
	PasswordHash  *string    `gorm:"column:password_hash"`
	PasswordSetAt *time.Time `gorm:"column:password_set_at"`
}

// AdminByEmail implements directory.AdminSessionStore.
func (s *Store) AdminByEmail(ctx context.Context, orgID, email string) (directory.Admin, error) {
	var row adminRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND email_lower = ?", orgID, lower(email)), &row); err != nil {
		return directory.Admin{}, fmt.Errorf("gormstore: admin by email: %w", err)
	}
	return row.toDomain(), nil
}

// AdminPassword implements directory.AdminSessionStore.
func (s *Store) AdminPassword(ctx context.Context, orgID, id string) (string, error) {
	var row adminPasswordRow
	err := first(s.ctx(ctx).Model(&adminRow{}).Select("password_hash", "password_set_at").
		Where("org_id = ? AND id = ?", orgID, id), &row)
	if err != nil {
		return "", fmt.Errorf("gormstore: admin password: %w", err)
	}
	if row.PasswordHash == nil {
		return "", nil
	}
	return *row.PasswordHash, nil
}

// SetAdminPassword implements directory.AdminSessionStore.
func (s *Store) SetAdminPassword(ctx context.Context, orgID, id, hash string, at time.Time, keepSession string) error {
	update := map[string]any{"password_hash": nil, "password_set_at": nil}
	if hash != "" {
		update = map[string]any{"password_hash": hash, "password_set_at": utc(at)}
	}
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Table("admins").Where("org_id = ? AND id = ?", orgID, id).Updates(update)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return directory.ErrNotFound
		}
		return tx.Where("org_id = ? AND admin_id = ? AND hash <> ?", orgID, id, keepSession).Delete(&adminSessionRow{}).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: set admin password: %w", translate(err))
	}
	return nil
}

// CreateAdminSession implements directory.AdminSessionStore.
func (s *Store) CreateAdminSession(ctx context.Context, sess *directory.AdminSession) error {
	if sess.Hash == "" || sess.OrgID == "" || sess.AdminID == "" || sess.ExpiresAt.IsZero() {
		return &directory.ValidationError{Field: "session", Problem: "hash, organization, admin and expiry are required"}
	}
	row := adminSessionRow{Hash: sess.Hash, OrgID: sess.OrgID, AdminID: sess.AdminID, Method: sess.Method,
		CreatedAt: utc(sess.CreatedAt), LastSeenAt: utc(sess.LastSeenAt), ExpiresAt: utc(sess.ExpiresAt)}
	if err := s.ctx(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("gormstore: create admin session: %w", translate(err))
	}
	*sess = row.toDomain()
	return nil
}

// AdminSessionByHash implements directory.AdminSessionStore.
func (s *Store) AdminSessionByHash(ctx context.Context, hash string) (directory.AdminSession, error) {
	var row adminSessionRow
	if err := first(s.ctx(ctx).Where("hash = ?", hash), &row); err != nil {
		return directory.AdminSession{}, fmt.Errorf("gormstore: admin session: %w", err)
	}
	return row.toDomain(), nil
}

// TouchAdminSession implements directory.AdminSessionStore.
func (s *Store) TouchAdminSession(ctx context.Context, hash string, at time.Time) error {
	if err := s.ctx(ctx).Model(&adminSessionRow{}).Where("hash = ?", hash).Update("last_seen_at", utc(at)).Error; err != nil {
		return fmt.Errorf("gormstore: touch admin session: %w", translate(err))
	}
	return nil
}

// DeleteAdminSession implements directory.AdminSessionStore.
func (s *Store) DeleteAdminSession(ctx context.Context, hash string) error {
	if err := s.ctx(ctx).Where("hash = ?", hash).Delete(&adminSessionRow{}).Error; err != nil {
		return fmt.Errorf("gormstore: delete admin session: %w", translate(err))
	}
	return nil
}

// DeleteExpiredAdminSessions implements directory.AdminSessionStore.
func (s *Store) DeleteExpiredAdminSessions(ctx context.Context, now, idleBefore time.Time) (int, error) {
	res := s.ctx(ctx).Where("expires_at <= ? OR last_seen_at < ?", utc(now), utc(idleBefore)).Delete(&adminSessionRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("gormstore: delete expired admin sessions: %w", translate(res.Error))
	}
	return int(res.RowsAffected), nil
}
