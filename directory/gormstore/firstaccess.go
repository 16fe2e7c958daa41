package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/latchkeyhq/latchkey/directory"
)

type termsRow struct {
	OrgID     string    `gorm:"column:org_id;primaryKey"`
	Version   int       `gorm:"column:version;primaryKey;autoIncrement:false"`
	Text      string    `gorm:"column:text"`
	CreatedAt time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (termsRow) TableName() string { return "terms_versions" }

func (r termsRow) toDomain() directory.Terms {
	return directory.Terms{OrgID: r.OrgID, Version: r.Version, Text: r.Text, CreatedAt: r.CreatedAt.UTC()}
}

type termsAcceptanceRow struct {
	OrgID      string    `gorm:"column:org_id;primaryKey"`
	AccountID  string    `gorm:"column:account_id;primaryKey"`
	Version    int       `gorm:"column:version;primaryKey;autoIncrement:false"`
	AcceptedAt time.Time `gorm:"column:accepted_at"`
}

func (termsAcceptanceRow) TableName() string { return "terms_acceptances" }

type passwordRow struct {
	OrgID     string    `gorm:"column:org_id;primaryKey"`
	AccountID string    `gorm:"column:account_id;primaryKey"`
	Hash      string    `gorm:"column:hash"`
	UpdatedAt time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (passwordRow) TableName() string { return "account_passwords" }

type pictureRow struct {
	ID          string    `gorm:"column:id;primaryKey"`
	OrgID       string    `gorm:"column:org_id"`
	AccountID   string    `gorm:"column:account_id"`
	ContentType string    `gorm:"column:content_type"`
	Data        []byte    `gorm:"column:data"`
	Width       int       `gorm:"column:width"`
	Height      int       `gorm:"column:height"`
	CreatedAt   time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (pictureRow) TableName() string { return "pictures" }

func (r pictureRow) toDomain() directory.Picture {
	return directory.Picture{ID: r.ID, OrgID: r.OrgID, AccountID: r.AccountID, ContentType: r.ContentType,
		Data: r.Data, Width: r.Width, Height: r.Height, CreatedAt: r.CreatedAt.UTC()}
}

// claimSettingsJSON is how organizations.claim_settings stores
// directory.ClaimSettings. It is the store's own format, independent of
// the domain type's JSON tags: EditableFields is a pointer so that nil
// ("the defaults", key absent) and an empty list ("nothing editable",
// key present as []) stay apart, which omitempty on a slice would lose.
// The zero settings encode as {}, the column's default.
type claimSettingsJSON struct {
	TermsOptional   bool      `json:"termsOptional,omitempty"`
	ProfileRequired bool      `json:"profileRequired,omitempty"`
	PictureRequired bool      `json:"pictureRequired,omitempty"`
	GroupsRequired  bool      `json:"groupsRequired,omitempty"`
	EditableFields  *[]string `json:"editableFields,omitempty"`
}

func encodeClaimSettings(c directory.ClaimSettings) (string, error) {
	stored := claimSettingsJSON{TermsOptional: c.TermsOptional, ProfileRequired: c.ProfileRequired,
		PictureRequired: c.PictureRequired, GroupsRequired: c.GroupsRequired}
	if c.EditableFields != nil {
		fields := append([]string{}, c.EditableFields...)
		stored.EditableFields = &fields
	}
	b, err := json.Marshal(stored)
	if err != nil {
		return "", fmt.Errorf("claim settings: %w", err)
	}
	return string(b), nil
}

func decodeClaimSettings(s string) (directory.ClaimSettings, error) {
	var stored claimSettingsJSON
	if err := json.Unmarshal([]byte(s), &stored); err != nil {
		return directory.ClaimSettings{}, fmt.Errorf("stored claim settings: %w", err)
	}
	c := directory.ClaimSettings{TermsOptional: stored.TermsOptional, ProfileRequired: stored.ProfileRequired,
		PictureRequired: stored.PictureRequired, GroupsRequired: stored.GroupsRequired}
	if stored.EditableFields != nil {
		c.EditableFields = append([]string{}, *stored.EditableFields...)
	}
	return c, nil
}

// publishAttempts bounds PublishTerms' retries. A publish loses a round
// only to another publish of the same organization that took that very
// version, and its next round tries a higher one, so with n racing
// publishes none loses more than n-1 times: ErrConflict needs more than
// ten publishes of one organization at the same moment.
const publishAttempts = 10

// PublishTerms implements directory.FirstAccessStore. The next version is
// computed and inserted in one statement; ON CONFLICT DO NOTHING turns a
// concurrent publish that took the same number (PostgreSQL, where both
// read the same MAX) into zero rows instead of an error that would abort
// the caller's transaction, and the statement simply runs again: under
// READ COMMITTED the retry sees the winner's row. On SQLite one writer at
// a time means the first attempt always succeeds.
func (s *Store) PublishTerms(ctx context.Context, t *directory.Terms) error {
	if err := requireText("orgId", t.OrgID); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if !utf8.ValidString(t.Text) || strings.ContainsRune(t.Text, 0) {
		return &directory.ValidationError{Field: "text", Problem: "is not valid UTF-8 or contains NUL"}
	}
	created := s.timestamp()
	const insert = `INSERT INTO terms_versions (org_id, version, text, created_at) VALUES (?, ` +
		`(SELECT COALESCE(MAX(version), 0) + 1 FROM terms_versions WHERE org_id = ?), ?, ?) ` +
		`ON CONFLICT DO NOTHING RETURNING version`
	for range publishAttempts {
		var versions []int
		err := s.write(ctx, func(db *gorm.DB) error {
			return db.Raw(insert, t.OrgID, t.OrgID, t.Text, created).Scan(&versions).Error
		})
		if err != nil {
			return fmt.Errorf("gormstore: publish terms: %w", translate(err))
		}
		if len(versions) == 1 {
			t.Version, t.CreatedAt = versions[0], created
			return nil
		}
	}
	return fmt.Errorf("gormstore: publish terms: concurrent publishes: %w", directory.ErrConflict)
}

// CurrentTerms implements directory.FirstAccessStore.
func (s *Store) CurrentTerms(ctx context.Context, orgID string) (directory.Terms, error) {
	var row termsRow
	if err := first(s.ctx(ctx).Where("org_id = ?", orgID).Order("version DESC"), &row); err != nil {
		return directory.Terms{}, fmt.Errorf("gormstore: current terms: %w", err)
	}
	return row.toDomain(), nil
}

// AcceptTerms implements directory.FirstAccessStore. The primary key
// makes a second acceptance of a version a no-op (ON CONFLICT DO NOTHING
// keeps the first time); the foreign keys make an unknown version or
// account ErrNotFound.
func (s *Store) AcceptTerms(ctx context.Context, a directory.TermsAcceptance) error {
	if err := requireTexts("orgId", a.OrgID, "accountId", a.AccountID); err != nil {
		return err
	}
	if a.Version <= 0 {
		return fmt.Errorf("gormstore: accept terms: version %d: %w", a.Version, directory.ErrNotFound)
	}
	accepted := a.AcceptedAt
	if accepted.IsZero() {
		accepted = s.timestamp()
	}
	row := termsAcceptanceRow{OrgID: a.OrgID, AccountID: a.AccountID, Version: a.Version, AcceptedAt: utc(accepted)}
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: accept terms: %w", translate(err))
	}
	return nil
}

// TermsAcceptances implements directory.FirstAccessStore.
func (s *Store) TermsAcceptances(ctx context.Context, orgID, accountID string) ([]directory.TermsAcceptance, error) {
	var rows []termsAcceptanceRow
	err := s.ctx(ctx).Where("org_id = ? AND account_id = ?", orgID, accountID).
		Order("accepted_at, version").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("gormstore: terms acceptances: %w", translate(err))
	}
	out := make([]directory.TermsAcceptance, 0, len(rows))
	for _, r := range rows {
		out = append(out, directory.TermsAcceptance{OrgID: r.OrgID, AccountID: r.AccountID, Version: r.Version,
			AcceptedAt: r.AcceptedAt.UTC()})
	}
	return out, nil
}

// SetPassword implements directory.FirstAccessStore as one upsert; the
// foreign key makes a missing account ErrNotFound.
func (s *Store) SetPassword(ctx context.Context, orgID, accountID, hash string, at time.Time) error {
	if err := requireTexts("orgId", orgID, "accountId", accountID, "hash", hash); err != nil {
		return err
	}
	if at.IsZero() {
		at = s.timestamp()
	}
	row := passwordRow{OrgID: orgID, AccountID: accountID, Hash: hash, UpdatedAt: utc(at)}
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "org_id"}, {Name: "account_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"hash", "updated_at"}),
		}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: set password: %w", translate(err))
	}
	return nil
}

// PasswordHash implements directory.FirstAccessStore.
func (s *Store) PasswordHash(ctx context.Context, orgID, accountID string) (string, error) {
	var row passwordRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND account_id = ?", orgID, accountID), &row); err != nil {
		return "", fmt.Errorf("gormstore: password hash: %w", err)
	}
	return row.Hash, nil
}

// maxPictureBytes bounds a stored picture. The server re-encodes uploads
// to a small size long before this; the bound keeps a bug from filling
// the database.
const maxPictureBytes = 2 << 20

// PutPicture implements directory.FirstAccessStore as one upsert on
// (org_id, account_id): the account's previous row, if any, becomes the
// new picture (new id and all), so the old id stops resolving in the same
// statement and concurrent uploads leave exactly one picture.
func (s *Store) PutPicture(ctx context.Context, p *directory.Picture) error {
	if err := requireTexts("id", p.ID, "orgId", p.OrgID, "accountId", p.AccountID, "contentType", p.ContentType); err != nil {
		return err
	}
	switch {
	case len(p.Data) == 0:
		return &directory.ValidationError{Field: "data", Problem: "is required"}
	case len(p.Data) > maxPictureBytes:
		return &directory.ValidationError{Field: "data", Problem: "is larger than 2 MiB"}
	case p.Width < 0 || p.Height < 0:
		return &directory.ValidationError{Field: "size", Problem: "must not be negative"}
	}
	created := p.CreatedAt
	if created.IsZero() {
		created = s.timestamp()
	}
	row := pictureRow{ID: p.ID, OrgID: p.OrgID, AccountID: p.AccountID, ContentType: p.ContentType,
		Data: p.Data, Width: p.Width, Height: p.Height, CreatedAt: utc(created)}
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "org_id"}, {Name: "account_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"id", "content_type", "data", "width", "height", "created_at"}),
		}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: put picture: %w", translate(err))
	}
	p.CreatedAt = row.CreatedAt
	return nil
}

// Picture implements directory.FirstAccessStore.
func (s *Store) Picture(ctx context.Context, id string) (directory.Picture, error) {
	var row pictureRow
	if err := first(s.ctx(ctx).Where("id = ?", id), &row); err != nil {
		return directory.Picture{}, fmt.Errorf("gormstore: picture: %w", err)
	}
	return row.toDomain(), nil
}

// SetGroupFlags implements directory.FirstAccessStore. The flags are not
// SCIM attributes, so neither the group's version nor updated_at moves.
func (s *Store) SetGroupFlags(ctx context.Context, orgID, groupID string, flags directory.GroupFlags) error {
	res := s.ctx(ctx).Model(&groupRow{}).Where("org_id = ? AND id = ?", orgID, groupID).
		Updates(map[string]any{"is_default": flags.Default, "is_open": flags.Open})
	if res.Error != nil {
		return fmt.Errorf("gormstore: set group flags: %w", translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: set group flags: %w", directory.ErrNotFound)
	}
	return nil
}

// DefaultGroups implements directory.FirstAccessStore. The condition is
// written as in groups_claim_idx's predicate so SQLite, too, proves the
// partial index usable.
func (s *Store) DefaultGroups(ctx context.Context, orgID string) ([]directory.Group, error) {
	var rows []groupRow
	err := s.ctx(ctx).Where("org_id = ? AND is_default", orgID).Order(s.byGroupName()).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("gormstore: default groups: %w", translate(err))
	}
	return groupsOf(rows), nil
}

// SearchOpenGroups implements directory.FirstAccessStore: a LIKE on the
// folded name with the pattern's metacharacters escaped, so "50%" finds
// "50% club" and not "500 club".
func (s *Store) SearchOpenGroups(ctx context.Context, orgID, text string, limit int) ([]directory.Group, error) {
	if len(text) > directory.MaxTextLength || !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
		return nil, &directory.ValidationError{Field: "search", Problem: "too long, not UTF-8 or contains NUL"}
	}
	q := s.ctx(ctx).Where("org_id = ? AND (is_default OR is_open)", orgID)
	if text != "" {
		q = q.Where(`display_name_lower LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(lower(text))+"%")
	}
	var rows []groupRow
	if err := q.Order(s.byGroupName()).Limit(directory.PageLimit(limit)).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: search open groups: %w", translate(err))
	}
	return groupsOf(rows), nil
}

// byGroupName orders groups by folded name in code-point order on every
// backend (groups_claim_idx has the same collation).
func (s *Store) byGroupName() string {
	if s.dialect == Postgres {
		return `display_name_lower COLLATE "C"`
	}
	return "display_name_lower"
}

func groupsOf(rows []groupRow) []directory.Group {
	out := make([]directory.Group, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out
}

// requireText checks an identifier the first-access methods need: present,
// bounded, valid UTF-8 and free of NUL (which PostgreSQL refuses).
func requireText(field, value string) error {
	switch {
	case value == "":
		return &directory.ValidationError{Field: field, Problem: "is required"}
	case len(value) > directory.MaxTextLength || !utf8.ValidString(value) || strings.ContainsRune(value, 0):
		return &directory.ValidationError{Field: field, Problem: "too long, not UTF-8 or contains NUL"}
	}
	return nil
}

func requireTexts(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := requireText(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}
