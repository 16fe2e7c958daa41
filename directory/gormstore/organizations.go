package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

type organizationRow struct {
	ID         string    `gorm:"column:id;primaryKey"`
	Slug       string    `gorm:"column:slug"`
	Name       string    `gorm:"column:name"`
	CreatedAt  time.Time `gorm:"column:created_at"`
	AutoInvite bool      `gorm:"column:auto_invite"`
	InviteHour int       `gorm:"column:invite_hour"`
	TimeZone   string    `gorm:"column:time_zone"`
	// Claim is directory.ClaimSettings as JSON (see claimSettingsJSON).
	Claim string `gorm:"column:claim_settings"`
	// LinkTTL and CodeTTL are whole seconds, 0 for the server's default.
	LinkTTL int64 `gorm:"column:link_ttl_seconds"`
	CodeTTL int64 `gorm:"column:code_ttl_seconds"`
	// Reminders is a JSON array of seconds; NULL is the server's default.
	Reminders *string `gorm:"column:reminders"`
}

func (organizationRow) TableName() string { return "organizations" }

func (r organizationRow) toDomain() (directory.Organization, error) {
	claim, err := decodeClaimSettings(r.Claim)
	if err != nil {
		return directory.Organization{}, err
	}
	reminders, err := decodeReminders(r.Reminders)
	if err != nil {
		return directory.Organization{}, err
	}
	return directory.Organization{ID: r.ID, Slug: r.Slug, Name: r.Name, CreatedAt: r.CreatedAt.UTC(),
		AutoInvite: r.AutoInvite, InviteHour: r.InviteHour, TimeZone: r.TimeZone, Claim: claim,
		LinkTTL: time.Duration(r.LinkTTL) * time.Second, CodeTTL: time.Duration(r.CodeTTL) * time.Second,
		Reminders: reminders}, nil
}

// organizationColumns are the columns UpdateOrganization writes (all but
// id, slug and created_at), shared with CreateOrganization's row.
func organizationColumns(org directory.Organization) (map[string]any, error) {
	settings := org.WithDefaults()
	claim, err := encodeClaimSettings(org.Claim)
	if err != nil {
		return nil, err
	}
	reminders, err := encodeReminders(org.Reminders)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"name": org.Name, "auto_invite": settings.AutoInvite, "invite_hour": settings.InviteHour, "time_zone": settings.TimeZone,
		"claim_settings": claim, "link_ttl_seconds": seconds(org.LinkTTL), "code_ttl_seconds": seconds(org.CodeTTL),
		"reminders": reminders,
	}, nil
}

// seconds stores a lifetime in whole seconds (Validate keeps them at an
// hour or more, so nothing is lost that anyone set on purpose).
func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// encodeReminders is nil (NULL: the server's default) for nil, "[]" for
// none, else the delays in seconds.
func encodeReminders(ds []time.Duration) (*string, error) {
	if ds == nil {
		return nil, nil
	}
	secs := make([]int64, len(ds))
	for i, d := range ds {
		secs[i] = seconds(d)
	}
	raw, err := json.Marshal(secs)
	if err != nil {
		return nil, err
	}
	s := string(raw)
	return &s, nil
}

func decodeReminders(stored *string) ([]time.Duration, error) {
	if stored == nil {
		return nil, nil
	}
	var secs []int64
	if err := json.Unmarshal([]byte(*stored), &secs); err != nil {
		return nil, fmt.Errorf("stored reminders: %w", err)
	}
	out := make([]time.Duration, len(secs))
	for i, s := range secs {
		out[i] = time.Duration(s) * time.Second
	}
	return out, nil
}

// CreateOrganization implements directory.OrganizationStore.
func (s *Store) CreateOrganization(ctx context.Context, org *directory.Organization) error {
	if err := org.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	cols, err := organizationColumns(*org)
	if err != nil {
		return fmt.Errorf("gormstore: create organization: %w", err)
	}
	cols["id"], cols["slug"], cols["created_at"] = id, org.Slug, s.timestamp()
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Model(&organizationRow{}).Create(cols).Error }); err != nil {
		return fmt.Errorf("gormstore: create organization: %w", translate(err))
	}
	created, err := s.Organization(ctx, id)
	if err != nil {
		return err
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
	cols, err := organizationColumns(*org)
	if err != nil {
		return fmt.Errorf("gormstore: update organization: %w", err)
	}
	var n int64
	err = s.write(ctx, func(db *gorm.DB) error {
		res := db.Model(&organizationRow{}).Where("id = ?", org.ID).Updates(cols)
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
