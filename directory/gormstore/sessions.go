package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

type sessionRow struct {
	Hash       string    `gorm:"column:hash;primaryKey"`
	OrgID      string    `gorm:"column:org_id"`
	AccountID  string    `gorm:"column:account_id"`
	Method     string    `gorm:"column:method"`
	CreatedAt  time.Time `gorm:"column:created_at;autoCreateTime:false"`
	LastSeenAt time.Time `gorm:"column:last_seen_at"`
	ExpiresAt  time.Time `gorm:"column:expires_at"`
}

func (sessionRow) TableName() string { return "sessions" }

func (r sessionRow) toDomain() directory.Session {
	return directory.Session{Hash: r.Hash, OrgID: r.OrgID, AccountID: r.AccountID, Method: r.Method,
		CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
}

// CreateSession implements directory.SessionStore.
func (s *Store) CreateSession(ctx context.Context, sess *directory.Session) error {
	if sess.Hash == "" || sess.OrgID == "" || sess.AccountID == "" || sess.ExpiresAt.IsZero() {
		return &directory.ValidationError{Field: "session", Problem: "hash, organization, account and expiry are required"}
	}
	row := sessionRow{Hash: sess.Hash, OrgID: sess.OrgID, AccountID: sess.AccountID, Method: sess.Method,
		CreatedAt: utc(sess.CreatedAt), LastSeenAt: utc(sess.LastSeenAt), ExpiresAt: utc(sess.ExpiresAt)}
	if err := s.ctx(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("gormstore: create session: %w", translate(err))
	}
	*sess = row.toDomain()
	return nil
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// SessionByHash implements directory.SessionStore.
func (s *Store) SessionByHash(ctx context.Context, hash string) (directory.Session, error) {
	var row sessionRow
	if err := first(s.ctx(ctx).Where("hash = ?", hash), &row); err != nil {
		return directory.Session{}, fmt.Errorf("gormstore: session: %w", err)
	}
	return row.toDomain(), nil
}

// TouchSession implements directory.SessionStore.
func (s *Store) TouchSession(ctx context.Context, hash string, at time.Time) error {
	if err := s.ctx(ctx).Model(&sessionRow{}).Where("hash = ?", hash).Update("last_seen_at", utc(at)).Error; err != nil {
		return fmt.Errorf("gormstore: touch session: %w", translate(err))
	}
	return nil
}

// DeleteSession implements directory.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if err := s.ctx(ctx).Where("hash = ?", hash).Delete(&sessionRow{}).Error; err != nil {
		return fmt.Errorf("gormstore: delete session: %w", translate(err))
	}
	return nil
}

// DeleteAccountSessions implements directory.SessionStore.
func (s *Store) DeleteAccountSessions(ctx context.Context, orgID, accountID string) (int, error) {
	res := s.ctx(ctx).Where("org_id = ? AND account_id = ?", orgID, accountID).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("gormstore: delete account sessions: %w", translate(res.Error))
	}
	return int(res.RowsAffected), nil
}

// DeleteExpiredSessions implements directory.SessionStore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error) {
	res := s.ctx(ctx).Where("expires_at <= ? OR last_seen_at < ?", utc(now), utc(idleBefore)).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("gormstore: delete expired sessions: %w", translate(res.Error))
	}
	return int(res.RowsAffected), nil
}
