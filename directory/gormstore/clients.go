package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

type scimClientRow struct {
	OrgID                   string     `gorm:"column:org_id;primaryKey"`
	ID                      string     `gorm:"column:id;primaryKey"`
	Name                    string     `gorm:"column:name"`
	ClientID                string     `gorm:"column:client_id"`
	SecretHash              string     `gorm:"column:secret_hash"`
	PreviousSecretHash      *string    `gorm:"column:previous_secret_hash"`
	PreviousSecretExpiresAt *time.Time `gorm:"column:previous_secret_expires_at"`
	CreatedAt               time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	RotatedAt               *time.Time `gorm:"column:rotated_at"`
	RevokedAt               *time.Time `gorm:"column:revoked_at"`
	LastUsedAt              *time.Time `gorm:"column:last_used_at"`
}

func (scimClientRow) TableName() string { return "scim_clients" }

func (r scimClientRow) toDomain() directory.ScimClient {
	return directory.ScimClient{
		OrgID: r.OrgID, ID: r.ID, Name: r.Name, ClientID: r.ClientID, SecretHash: r.SecretHash,
		PreviousSecretHash: deref(r.PreviousSecretHash), PreviousSecretExpiresAt: utcPtr(r.PreviousSecretExpiresAt),
		CreatedAt: r.CreatedAt.UTC(), RotatedAt: utcPtr(r.RotatedAt),
		RevokedAt: utcPtr(r.RevokedAt), LastUsedAt: utcPtr(r.LastUsedAt),
	}
}

// CreateScimClient implements directory.CredentialStore.
func (s *Store) CreateScimClient(ctx context.Context, c *directory.ScimClient) error {
	if err := c.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	row := scimClientRow{OrgID: c.OrgID, ID: id, Name: c.Name, ClientID: c.ClientID, SecretHash: c.SecretHash, CreatedAt: s.timestamp()}
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }); err != nil {
		return fmt.Errorf("gormstore: create scim client: %w", translate(err))
	}
	*c = row.toDomain()
	return nil
}

// ScimClientByClientID implements directory.CredentialStore.
func (s *Store) ScimClientByClientID(ctx context.Context, clientID string) (directory.ScimClient, error) {
	var row scimClientRow
	if err := first(s.ctx(ctx).Where("client_id = ?", clientID), &row); err != nil {
		return directory.ScimClient{}, fmt.Errorf("gormstore: scim client: %w", err)
	}
	return row.toDomain(), nil
}

// ListScimClients implements directory.CredentialStore. Ids are
// time-ordered, so ordering by id is creation order.
func (s *Store) ListScimClients(ctx context.Context, orgID string) ([]directory.ScimClient, error) {
	var rows []scimClientRow
	if err := s.ctx(ctx).Where("org_id = ?", orgID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list scim clients: %w", translate(err))
	}
	out := make([]directory.ScimClient, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out, nil
}

// RotateScimClientSecret implements directory.CredentialStore. One UPDATE
// moves the current hash to previous (SET reads the row's old values), so
// two concurrent rotations cannot lose a secret halfway.
func (s *Store) RotateScimClientSecret(ctx context.Context, orgID, id, newHash string, overlapUntil time.Time) error {
	if newHash == "" {
		return &directory.ValidationError{Field: "hash", Problem: "is required"}
	}
	changes := map[string]any{
		"previous_secret_hash":       gorm.Expr("secret_hash"),
		"previous_secret_expires_at": overlapUntil.UTC().Truncate(time.Microsecond),
		"secret_hash":                newHash,
		"rotated_at":                 s.timestamp(),
	}
	if overlapUntil.IsZero() {
		changes["previous_secret_hash"], changes["previous_secret_expires_at"] = nil, nil
	}
	var affected int64
	err := s.write(ctx, func(db *gorm.DB) error {
		res := db.Model(&scimClientRow{}).Where("org_id = ? AND id = ? AND revoked_at IS NULL", orgID, id).Updates(changes)
		affected = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: rotate scim client secret: %w", translate(err))
	}
	if affected == 1 {
		return nil
	}
	// Nothing changed: tell a missing client from a revoked one.
	if _, err := s.scimClient(ctx, orgID, id); err != nil {
		return fmt.Errorf("gormstore: rotate scim client secret: %w", err)
	}
	return fmt.Errorf("gormstore: rotate scim client secret: client is revoked: %w", directory.ErrConflict)
}

// RevokeScimClient implements directory.CredentialStore.
func (s *Store) RevokeScimClient(ctx context.Context, orgID, id string, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&scimClientRow{}).Where("org_id = ? AND id = ?", orgID, id).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return directory.ErrNotFound
		}
		if err := tx.Model(&scimClientRow{}).Where("org_id = ? AND id = ? AND revoked_at IS NULL", orgID, id).
			Update("revoked_at", at).Error; err != nil {
			return err
		}
		return tx.Model(&scimTokenRow{}).Where("org_id = ? AND client_id = ? AND revoked_at IS NULL", orgID, id).
			Update("revoked_at", at).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: revoke scim client: %w", translate(err))
	}
	return nil
}

// TouchScimClient records when a client last obtained a token.
func (s *Store) TouchScimClient(ctx context.Context, orgID, id string, at time.Time) error {
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&scimClientRow{}).Where("org_id = ? AND id = ?", orgID, id).
			Update("last_used_at", at.UTC().Truncate(time.Microsecond)).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: touch scim client: %w", translate(err))
	}
	return nil
}

func (s *Store) scimClient(ctx context.Context, orgID, id string) (directory.ScimClient, error) {
	var row scimClientRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.ScimClient{}, err
	}
	return row.toDomain(), nil
}
