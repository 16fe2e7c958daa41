package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/latchkeyhq/latchkey/directory"
)

type samlSettingsRow struct {
	OrgID             string    `gorm:"column:org_id;primaryKey"`
	IdPEntityID       string    `gorm:"column:idp_entity_id"`
	SSOURL            string    `gorm:"column:sso_url"`
	Certificates      string    `gorm:"column:certificates"`
	MetadataXML       string    `gorm:"column:metadata_xml"`
	AllowIdPInitiated bool      `gorm:"column:allow_idp_initiated"`
	EmailDomains      string    `gorm:"column:email_domains"`
	UpdatedAt         time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (samlSettingsRow) TableName() string { return "saml_settings" }

func (r samlSettingsRow) toDomain() (directory.SAMLSettings, error) {
	s := directory.SAMLSettings{OrgID: r.OrgID, IdPEntityID: r.IdPEntityID, SSOURL: r.SSOURL,
		MetadataXML: r.MetadataXML, AllowIdPInitiated: r.AllowIdPInitiated, UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Certificates), &s.Certificates); err != nil {
		return directory.SAMLSettings{}, fmt.Errorf("stored certificates: %w", err)
	}
	if err := json.Unmarshal([]byte(r.EmailDomains), &s.EmailDomains); err != nil {
		return directory.SAMLSettings{}, fmt.Errorf("stored email domains: %w", err)
	}
	return s, nil
}

type samlRequestRow struct {
	OrgID      string    `gorm:"column:org_id;primaryKey"`
	ID         string    `gorm:"column:id;primaryKey"`
	RelayState string    `gorm:"column:relay_state"`
	ReturnPath string    `gorm:"column:return_path"`
	CreatedAt  time.Time `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt  time.Time `gorm:"column:expires_at"`
}

func (samlRequestRow) TableName() string { return "saml_requests" }

func (r samlRequestRow) toDomain() directory.SAMLRequest {
	return directory.SAMLRequest{OrgID: r.OrgID, ID: r.ID, RelayState: r.RelayState, ReturnPath: r.ReturnPath,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
}

type samlAssertionRow struct {
	OrgID       string    `gorm:"column:org_id;primaryKey"`
	AssertionID string    `gorm:"column:assertion_id;primaryKey"`
	ExpiresAt   time.Time `gorm:"column:expires_at"`
}

func (samlAssertionRow) TableName() string { return "saml_assertions" }

// PutSAMLSettings implements directory.SAMLStore.
func (s *Store) PutSAMLSettings(ctx context.Context, in *directory.SAMLSettings) error {
	if err := in.Validate(); err != nil {
		return err
	}
	domains := make([]string, 0, len(in.EmailDomains))
	for _, d := range in.EmailDomains {
		domains = append(domains, strings.ToLower(d))
	}
	certs, err := json.Marshal(append([]string{}, in.Certificates...))
	if err != nil {
		return fmt.Errorf("gormstore: put saml settings: %w", err)
	}
	domainsJSON, err := json.Marshal(domains)
	if err != nil {
		return fmt.Errorf("gormstore: put saml settings: %w", err)
	}
	row := samlSettingsRow{OrgID: in.OrgID, IdPEntityID: in.IdPEntityID, SSOURL: in.SSOURL,
		Certificates: string(certs), MetadataXML: in.MetadataXML, AllowIdPInitiated: in.AllowIdPInitiated,
		EmailDomains: string(domainsJSON), UpdatedAt: s.timestamp()}
	err = s.write(ctx, func(db *gorm.DB) error {
		return db.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "org_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"idp_entity_id", "sso_url", "certificates",
				"metadata_xml", "allow_idp_initiated", "email_domains", "updated_at"}),
		}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: put saml settings: %w", translate(err))
	}
	out, err := row.toDomain()
	if err != nil {
		return fmt.Errorf("gormstore: put saml settings: %w", err)
	}
	*in = out
	return nil
}

// SAMLSettings implements directory.SAMLStore.
func (s *Store) SAMLSettings(ctx context.Context, orgID string) (directory.SAMLSettings, error) {
	var row samlSettingsRow
	if err := first(s.ctx(ctx).Where("org_id = ?", orgID), &row); err != nil {
		return directory.SAMLSettings{}, fmt.Errorf("gormstore: saml settings: %w", err)
	}
	out, err := row.toDomain()
	if err != nil {
		return directory.SAMLSettings{}, fmt.Errorf("gormstore: saml settings: %w", err)
	}
	return out, nil
}

// DeleteSAMLSettings implements directory.SAMLStore.
func (s *Store) DeleteSAMLSettings(ctx context.Context, orgID string) error {
	res := s.ctx(ctx).Where("org_id = ?", orgID).Delete(&samlSettingsRow{})
	if res.Error != nil {
		return fmt.Errorf("gormstore: delete saml settings: %w", translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: delete saml settings: %w", directory.ErrNotFound)
	}
	return nil
}

// CreateSAMLRequest implements directory.SAMLStore.
func (s *Store) CreateSAMLRequest(ctx context.Context, r directory.SAMLRequest) error {
	if r.OrgID == "" || r.ID == "" {
		return &directory.ValidationError{Field: "id", Problem: "organization and request id are required"}
	}
	if err := checkSAMLText("id", r.ID, "relayState", r.RelayState, "returnPath", r.ReturnPath); err != nil {
		return err
	}
	created := r.CreatedAt
	if created.IsZero() {
		created = s.timestamp()
	}
	row := samlRequestRow{OrgID: r.OrgID, ID: r.ID, RelayState: r.RelayState, ReturnPath: r.ReturnPath,
		CreatedAt: samlTime(created), ExpiresAt: samlTime(r.ExpiresAt)}
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }); err != nil {
		return fmt.Errorf("gormstore: create saml request: %w", translate(err))
	}
	return nil
}

// ConsumeSAMLRequest implements directory.SAMLStore. The read and the
// delete need no transaction: only the caller whose DELETE removed the row
// gets it, every other one sees zero rows affected.
func (s *Store) ConsumeSAMLRequest(ctx context.Context, orgID, id string) (directory.SAMLRequest, error) {
	var row samlRequestRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.SAMLRequest{}, fmt.Errorf("gormstore: consume saml request: %w", err)
	}
	res := s.ctx(ctx).Where("org_id = ? AND id = ?", orgID, id).Delete(&samlRequestRow{})
	if res.Error != nil {
		return directory.SAMLRequest{}, fmt.Errorf("gormstore: consume saml request: %w", translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return directory.SAMLRequest{}, fmt.Errorf("gormstore: consume saml request: %w", directory.ErrNotFound)
	}
	return row.toDomain(), nil
}

// RecordSAMLAssertion implements directory.SAMLStore. ON CONFLICT DO
// NOTHING keeps a replay from aborting the caller's transaction on
// PostgreSQL; zero rows inserted is the replay.
func (s *Store) RecordSAMLAssertion(ctx context.Context, orgID, assertionID string, expiresAt time.Time) error {
	if orgID == "" || assertionID == "" {
		return &directory.ValidationError{Field: "assertionId", Problem: "organization and assertion id are required"}
	}
	if err := checkSAMLText("assertionId", assertionID); err != nil {
		return err
	}
	row := samlAssertionRow{OrgID: orgID, AssertionID: assertionID, ExpiresAt: samlTime(expiresAt)}
	res := s.ctx(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return fmt.Errorf("gormstore: record saml assertion: %w", translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: record saml assertion: %w", directory.ErrConflict)
	}
	return nil
}

// PurgeSAML implements directory.SAMLStore.
func (s *Store) PurgeSAML(ctx context.Context, orgID string, before time.Time) (int64, error) {
	before = before.UTC()
	var n int64
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("org_id = ? AND expires_at < ?", orgID, before).Delete(&samlRequestRow{})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		res = tx.Where("org_id = ? AND expires_at < ?", orgID, before).Delete(&samlAssertionRow{})
		n += res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("gormstore: purge saml: %w", translate(err))
	}
	return n, nil
}

// checkSAMLText bounds the identifiers a SAML message brings: the store
// indexes them, and no real ID comes near the limit.
func checkSAMLText(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		v := pairs[i+1]
		if len(v) > directory.MaxTextLength || strings.ContainsRune(v, 0) {
			return &directory.ValidationError{Field: pairs[i], Problem: "too long or contains NUL"}
		}
	}
	return nil
}

func samlTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
