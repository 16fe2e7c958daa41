package gormstore

import (
	"context"
	"encoding/json"
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
	Purpose    string    `gorm:"column:purpose"`
	// InviteGeneration is the account's at the start of a claim session.
	InviteGeneration int64 `gorm:"column:invite_generation"`
	// Steps is a JSON array of the steps done so far.
	Steps string `gorm:"column:steps"`
}

func (sessionRow) TableName() string { return "sessions" }

func (r sessionRow) toDomain() (directory.Session, error) {
	var steps []string
	if err := json.Unmarshal([]byte(r.Steps), &steps); err != nil {
		return directory.Session{}, fmt.Errorf("stored session steps: %w", err)
	}
	if len(steps) == 0 {
		steps = nil
	}
	return directory.Session{Hash: r.Hash, OrgID: r.OrgID, AccountID: r.AccountID, Method: r.Method,
		CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		Purpose: r.Purpose, InviteGeneration: r.InviteGeneration, Steps: steps}, nil
}

// encodeSteps stores steps as a JSON array, never null.
func encodeSteps(steps []string) (string, error) {
	if steps == nil {
		steps = []string{}
	}
	b, err := json.Marshal(steps)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// CreateSession implements directory.SessionStore.
func (s *Store) CreateSession(ctx context.Context, sess *directory.Session) error {
	if sess.Hash == "" || sess.OrgID == "" || sess.AccountID == "" || sess.ExpiresAt.IsZero() {
		return &directory.ValidationError{Field: "session", Problem: "hash, organization, account and expiry are required"}
	}
	purpose := sess.Purpose
	switch purpose {
	case "":
		purpose = directory.PurposeSignIn
	case directory.PurposeSignIn, directory.PurposeClaim:
	default:
		return &directory.ValidationError{Field: "purpose", Problem: "must be signin or claim"}
	}
	steps, err := encodeSteps(sess.Steps)
	if err != nil {
		return fmt.Errorf("gormstore: create session: %w", err)
	}
	row := sessionRow{Hash: sess.Hash, OrgID: sess.OrgID, AccountID: sess.AccountID, Method: sess.Method,
		CreatedAt: utc(sess.CreatedAt), LastSeenAt: utc(sess.LastSeenAt), ExpiresAt: utc(sess.ExpiresAt),
		Purpose: purpose, InviteGeneration: sess.InviteGeneration, Steps: steps}
	if err := s.ctx(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("gormstore: create session: %w", translate(err))
	}
	created, err := row.toDomain()
	if err != nil {
		return fmt.Errorf("gormstore: create session: %w", err)
	}
	*sess = created
	return nil
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// SessionByHash implements directory.SessionStore.
func (s *Store) SessionByHash(ctx context.Context, hash string) (directory.Session, error) {
	var row sessionRow
	if err := first(s.ctx(ctx).Where("hash = ?", hash), &row); err != nil {
		return directory.Session{}, fmt.Errorf("gormstore: session: %w", err)
	}
	sess, err := row.toDomain()
	if err != nil {
		return directory.Session{}, fmt.Errorf("gormstore: session: %w", err)
	}
	return sess, nil
}

// TouchSession implements directory.SessionStore.
func (s *Store) TouchSession(ctx context.Context, hash string, at time.Time) error {
	if err := s.ctx(ctx).Model(&sessionRow{}).Where("hash = ?", hash).Update("last_seen_at", utc(at)).Error; err != nil {
		return fmt.Errorf("gormstore: touch session: %w", translate(err))
	}
	return nil
}

// SaveSessionSteps implements directory.SessionStore.
func (s *Store) SaveSessionSteps(ctx context.Context, hash string, steps []string) error {
	encoded, err := encodeSteps(steps)
	if err != nil {
		return fmt.Errorf("gormstore: save session steps: %w", err)
	}
	res := s.ctx(ctx).Model(&sessionRow{}).Where("hash = ?", hash).Update("steps", encoded)
	if res.Error != nil {
		return fmt.Errorf("gormstore: save session steps: %w", translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: save session steps: %w", directory.ErrNotFound)
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
