package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

type scimTokenRow struct {
	OrgID      string     `gorm:"column:org_id;primaryKey"`
	ID         string     `gorm:"column:id;primaryKey"`
	Name       string     `gorm:"column:name"`
	TokenHash  string     `gorm:"column:token_hash"`
	CreatedAt  time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt  *time.Time `gorm:"column:expires_at"`
	RevokedAt  *time.Time `gorm:"column:revoked_at"`
	LastUsedAt *time.Time `gorm:"column:last_used_at"`
	ClientID   *string    `gorm:"column:client_id"`
}

func (scimTokenRow) TableName() string { return "scim_tokens" }

func (r scimTokenRow) toDomain() directory.ScimToken {
	return directory.ScimToken{
		OrgID: r.OrgID, ID: r.ID, Name: r.Name, Hash: r.TokenHash, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: utcPtr(r.ExpiresAt), RevokedAt: utcPtr(r.RevokedAt), LastUsedAt: utcPtr(r.LastUsedAt),
		ClientID: deref(r.ClientID),
	}
}

// CreateScimToken implements directory.CredentialStore.
func (s *Store) CreateScimToken(ctx context.Context, t *directory.ScimToken) error {
	if err := t.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	row := scimTokenRow{OrgID: t.OrgID, ID: id, Name: t.Name, TokenHash: t.Hash, CreatedAt: s.timestamp(),
		ExpiresAt: utcPtr(t.ExpiresAt), ClientID: nullable(t.ClientID)}
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }); err != nil {
		return fmt.Errorf("gormstore: create scim token: %w", translate(err))
	}
	*t = row.toDomain()
	return nil
}

// ScimTokenByHash implements directory.CredentialStore.
func (s *Store) ScimTokenByHash(ctx context.Context, hash string) (directory.ScimToken, error) {
	var row scimTokenRow
	if err := first(s.ctx(ctx).Where("token_hash = ?", hash), &row); err != nil {
		return directory.ScimToken{}, fmt.Errorf("gormstore: scim token: %w", err)
	}
	return s.withClient(ctx, row)
}

// ScimToken implements directory.CredentialStore.
func (s *Store) ScimToken(ctx context.Context, orgID, id string) (directory.ScimToken, error) {
	var row scimTokenRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.ScimToken{}, fmt.Errorf("gormstore: scim token: %w", err)
	}
	return s.withClient(ctx, row)
}

// withClient fills in the revocation of the client a token was issued to.
func (s *Store) withClient(ctx context.Context, row scimTokenRow) (directory.ScimToken, error) {
	tok := row.toDomain()
	if tok.ClientID == "" {
		return tok, nil
	}
	client, err := s.scimClient(ctx, tok.OrgID, tok.ClientID)
	if err != nil {
		return directory.ScimToken{}, fmt.Errorf("gormstore: scim token's client: %w", err)
	}
	tok.ClientRevokedAt = client.RevokedAt
	return tok, nil
}

// ListScimTokens implements directory.CredentialStore, oldest first.
func (s *Store) ListScimTokens(ctx context.Context, orgID string) ([]directory.ScimToken, error) {
	var rows []scimTokenRow
	if err := s.ctx(ctx).Where("org_id = ?", orgID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list scim tokens: %w", translate(err))
	}
	out := make([]directory.ScimToken, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out, nil
}

// RevokeScimToken implements directory.CredentialStore.
func (s *Store) RevokeScimToken(ctx context.Context, orgID, id string, at time.Time) error {
	return s.revoke(ctx, &scimTokenRow{}, orgID, id, at)
}

// TouchScimToken records when a token was last used.
func (s *Store) TouchScimToken(ctx context.Context, orgID, id string, at time.Time) error {
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&scimTokenRow{}).Where("org_id = ? AND id = ?", orgID, id).
			Update("last_used_at", at.UTC().Truncate(time.Microsecond)).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: touch scim token: %w", translate(err))
	}
	return nil
}

// revoke sets revoked_at once; revoking again keeps the first time.
func (s *Store) revoke(ctx context.Context, model any, orgID, id string, at time.Time) error {
	var n int64
	if err := s.ctx(ctx).Model(model).Where("org_id = ? AND id = ?", orgID, id).Count(&n).Error; err != nil {
		return fmt.Errorf("gormstore: revoke: %w", translate(err))
	}
	if n == 0 {
		return fmt.Errorf("gormstore: revoke: %w", directory.ErrNotFound)
	}
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(model).Where("org_id = ? AND id = ? AND revoked_at IS NULL", orgID, id).
			Update("revoked_at", at.UTC().Truncate(time.Microsecond)).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: revoke: %w", translate(err))
	}
	return nil
}
