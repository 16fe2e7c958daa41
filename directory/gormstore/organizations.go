package gormstore

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

// CreateOrganization implements directory.OrganizationStore.
func (s *Store) CreateOrganization(ctx context.Context, org *directory.Organization) error {
	if err := org.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	settings := org.WithDefaults()
	claim, err := encodeClaimSettings(org.Claim)
	if err != nil {
		return fmt.Errorf("gormstore: create organization: %w", err)
	}
	row := organizationRow{ID: id, Slug: org.Slug, Name: org.Name, CreatedAt: s.timestamp(),
		AutoInvite: settings.AutoInvite, InviteHour: settings.InviteHour, TimeZone: settings.TimeZone, Claim: claim}
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }); err != nil {
		return fmt.Errorf("gormstore: create organization: %w", translate(err))
	}
	created, err := row.toDomain()
	if err != nil {
		return fmt.Errorf("gormstore: create organization: %w", err)
	}
	*org = created
	return nil
}

// Organization implements directory.OrganizationStore.
func (s *Store) Organization(ctx context.Context, id string) (directory.Organization, error) {
	var row organizationRow
	if err := first(s.ctx(ctx).Where("id = ?", id), &row); err != nil {
		return directory.Organization{}, fmt.Errorf("gormstore: organization: %w", err)
	}
	org, err := row.toDomain()
	if err != nil {
		return directory.Organization{}, fmt.Errorf("gormstore: organization: %w", err)
	}
	return org, nil
}

// OrganizationBySlug implements directory.OrganizationStore.
func (s *Store) OrganizationBySlug(ctx context.Context, slug string) (directory.Organization, error) {
	var row organizationRow
	if err := first(s.ctx(ctx).Where("slug = ?", slug), &row); err != nil {
		return directory.Organization{}, fmt.Errorf("gormstore: organization %q: %w", slug, err)
	}
	org, err := row.toDomain()
	if err != nil {
		return directory.Organization{}, fmt.Errorf("gormstore: organization %q: %w", slug, err)
	}
	return org, nil
}

// ListOrganizations implements directory.OrganizationStore.
func (s *Store) ListOrganizations(ctx context.Context) ([]directory.Organization, error) {
	var rows []organizationRow
	if err := s.ctx(ctx).Order("slug").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list organizations: %w", translate(err))
	}
	out := make([]directory.Organization, 0, len(rows))
	for _, r := range rows {
		org, err := r.toDomain()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list organizations: %w", err)
		}
		out = append(out, org)
	}
	return out, nil
}

// UpdateOrganization implements directory.OrganizationStore.
func (s *Store) UpdateOrganization(ctx context.Context, org *directory.Organization) error {
	if err := org.Validate(); err != nil {
		return err
	}
	settings := org.WithDefaults()
	claim, err := encodeClaimSettings(org.Claim)
	if err != nil {
		return fmt.Errorf("gormstore: update organization: %w", err)
	}
	var n int64
	err = s.write(ctx, func(db *gorm.DB) error {
		res := db.Model(&organizationRow{}).Where("id = ?", org.ID).Updates(map[string]any{
			"name": org.Name, "auto_invite": settings.AutoInvite, "invite_hour": settings.InviteHour, "time_zone": settings.TimeZone,
			"claim_settings": claim,
		})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: update organization: %w", translate(err))
	}
	if n == 0 {
		return fmt.Errorf("gormstore: update organization: %w", directory.ErrNotFound)
	}
	stored, err := s.Organization(ctx, org.ID)
	if err != nil {
		return err
	}
	*org = stored
	return nil
}
