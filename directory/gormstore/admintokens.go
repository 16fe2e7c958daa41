package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

type adminTokenRow struct {
	OrgID      string     `gorm:"column:org_id;primaryKey"`
	ID         string     `gorm:"column:id;primaryKey"`
	AdminID    string     `gorm:"column:admin_id"`
	Name       string     `gorm:"column:name"`
	TokenHash  string     `gorm:"column:token_hash"`
	CreatedAt  time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt  *time.Time `gorm:"column:expires_at"`
	RevokedAt  *time.Time `gorm:"column:revoked_at"`
	LastUsedAt *time.Time `gorm:"column:last_used_at"`
}

func (adminTokenRow) TableName() string { return "admin_tokens" }

func (r adminTokenRow) toDomain() directory.AdminToken {
	return directory.AdminToken{
		OrgID: r.OrgID, ID: r.ID, AdminID: r.AdminID, Name: r.Name, Hash: r.TokenHash,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: utcPtr(r.ExpiresAt),
		RevokedAt: utcPtr(r.RevokedAt), LastUsedAt: utcPtr(r.LastUsedAt),
	}
}

// CreateAdminToken implements directory.CredentialStore. An unknown admin
// is ErrNotFound (the foreign key says so).
func (s *Store) CreateAdminToken(ctx context.Context, t *directory.AdminToken) error {
	if err := t.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	row := adminTokenRow{OrgID: t.OrgID, ID: id, AdminID: t.AdminID, Name: t.Name, TokenHash: t.Hash, CreatedAt: s.timestamp(), ExpiresAt: utcPtr(t.ExpiresAt)}
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }); err != nil {
		return fmt.Errorf("gormstore: create admin token: %w", translate(err))
	}
	*t = row.toDomain()
	return nil
}

// AdminTokenByHash implements directory.CredentialStore.
func (s *Store) AdminTokenByHash(ctx context.Context, hash string) (directory.AdminToken, error) {
	var row adminTokenRow
	if err := first(s.ctx(ctx).Where("token_hash = ?", hash), &row); err != nil {
		return directory.AdminToken{}, fmt.Errorf("gormstore: admin token: %w", err)
	}
	return s.withOwner(ctx, row)
}

// AdminToken implements directory.CredentialStore; like AdminTokenByHash
// it fills in the owner's DisabledAt.
func (s *Store) AdminToken(ctx context.Context, orgID, id string) (directory.AdminToken, error) {
	var row adminTokenRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.AdminToken{}, fmt.Errorf("gormstore: admin token: %w", err)
	}
	return s.withOwner(ctx, row)
}

// AdminTokenForUpdate implements directory.CredentialStore with the row
// lock AccountForUpdate takes.
func (s *Store) AdminTokenForUpdate(ctx context.Context, orgID, id string) (directory.AdminToken, error) {
	var row adminTokenRow
	if err := first(s.locked(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.AdminToken{}, fmt.Errorf("gormstore: admin token for update: %w", err)
	}
	return s.withOwner(ctx, row)
}

func (s *Store) withOwner(ctx context.Context, row adminTokenRow) (directory.AdminToken, error) {
	admin, err := s.Admin(ctx, row.OrgID, row.AdminID)
	if err != nil {
		return directory.AdminToken{}, err
	}
	tok := row.toDomain()
	tok.AdminDisabledAt = admin.DisabledAt
	return tok, nil
}

// ListAdminTokens implements directory.CredentialStore, oldest first
// (ids are time-ordered). An admin the org does not have has no tokens.
func (s *Store) ListAdminTokens(ctx context.Context, orgID, adminID string) ([]directory.AdminToken, error) {
	admin, err := s.Admin(ctx, orgID, adminID)
	switch {
	case errors.Is(err, directory.ErrNotFound):
		return []directory.AdminToken{}, nil
	case err != nil:
		return nil, err
	}
	var rows []adminTokenRow
	if err := s.ctx(ctx).Where("org_id = ? AND admin_id = ?", orgID, adminID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list admin tokens: %w", translate(err))
	}
	out := make([]directory.AdminToken, 0, len(rows))
	for _, r := range rows {
		tok := r.toDomain()
		tok.AdminDisabledAt = admin.DisabledAt
		out = append(out, tok)
	}
	return out, nil
}

// RevokeAdminToken implements directory.CredentialStore.
func (s *Store) RevokeAdminToken(ctx context.Context, orgID, id string, at time.Time) error {
	return s.revoke(ctx, &adminTokenRow{}, orgID, id, at)
}

// TouchAdminToken records when a token was last used.
func (s *Store) TouchAdminToken(ctx context.Context, orgID, id string, at time.Time) error {
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&adminTokenRow{}).Where("org_id = ? AND id = ?", orgID, id).
			Update("last_used_at", at.UTC().Truncate(time.Microsecond)).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: touch admin token: %w", translate(err))
	}
	return nil
}
