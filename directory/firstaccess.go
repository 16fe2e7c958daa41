package directory

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ClaimSettings say what the first-access steps ask of a person. The zero
// value is the default: published terms must be accepted, everything else
// may be skipped, and people may edit their phone number only.
type ClaimSettings struct {
	// TermsOptional lets people skip the terms of use. Without published
	// terms the step does not appear at all.
	TermsOptional bool `json:"termsOptional,omitempty"`
	// ProfileRequired makes people confirm their profile details.
	ProfileRequired bool `json:"profileRequired,omitempty"`
	// PictureRequired makes people upload a profile picture.
	PictureRequired bool `json:"pictureRequired,omitempty"`
	// GroupsRequired makes people join at least one group.
	GroupsRequired bool `json:"groupsRequired,omitempty"`
	// EditableFields are the profile fields people may change (a subset
	// of ProfileFields); nil means DefaultEditableFields. SCIM stays the
	// source of truth for everything else.
	EditableFields []string `json:"editableFields,omitempty"`
}

// The profile fields a person can be allowed to edit while claiming.
const (
	FieldName       = "name"
	FieldTitle      = "title"
	FieldDepartment = "department"
	FieldPhone      = "phone"
)

// ProfileFields lists every field EditableFields may name, in page order.
var ProfileFields = []string{FieldName, FieldTitle, FieldDepartment, FieldPhone}

// DefaultEditableFields is what people may edit when an organization has
// not said otherwise.
var DefaultEditableFields = []string{FieldPhone}

// Editable reports whether people may change field while claiming.
func (s ClaimSettings) Editable(field string) bool {
	fields := s.EditableFields
	if fields == nil {
		fields = DefaultEditableFields
	}
	return slices.Contains(fields, field)
}

// Validate checks that EditableFields names only known fields.
func (s ClaimSettings) Validate() error {
	for _, f := range s.EditableFields {
		if !slices.Contains(ProfileFields, f) {
			return invalid("editableFields", "must be among "+strings.Join(ProfileFields, ", "))
		}
	}
	return nil
}

// Terms is one published version of an organization's terms of use.
// Versions count up from 1; publishing never changes an older version.
type Terms struct {
	OrgID     string
	Version   int
	Text      string
	CreatedAt time.Time
}

// MaxTermsLength bounds the terms text (bytes).
const MaxTermsLength = 200_000

// Validate checks the text is present and of sane size.
func (t Terms) Validate() error {
	if strings.TrimSpace(t.Text) == "" {
		return invalid("text", "is required")
	}
	if len(t.Text) > MaxTermsLength {
		return invalid("text", "is longer than 200,000 bytes")
	}
	return nil
}

// TermsAcceptance records that a person accepted one version of the terms.
type TermsAcceptance struct {
	OrgID      string
	AccountID  string
	Version    int
	AcceptedAt time.Time
}

// Picture is a person's profile picture, already re-encoded by the
// server. ID is random and changes with every upload, so the picture's
// URL can be cached forever and is not guessable from the account id.
type Picture struct {
	ID          string
	OrgID       string
	AccountID   string
	ContentType string
	Data        []byte
	Width       int
	Height      int
	CreatedAt   time.Time
}

// GroupFlags are an organization's choices about a group on the claim
// pages: Default groups are offered to every person claiming an account;
// Open groups can be found by search and joined.
type GroupFlags struct {
	Default bool
	Open    bool
}

// FirstAccessStore holds what the first-access steps record: terms and
// their acceptance, account passwords, profile pictures and which groups
// people may join.
type FirstAccessStore interface {
	// PublishTerms stores t as the organization's next version (assigns
	// Version and CreatedAt).
	PublishTerms(ctx context.Context, t *Terms) error
	// CurrentTerms returns the newest version; ErrNotFound when the
	// organization has published none.
	CurrentTerms(ctx context.Context, orgID string) (Terms, error)
	// AcceptTerms records an acceptance; accepting a version again is a
	// no-op that keeps the first time. An unknown version is ErrNotFound.
	AcceptTerms(ctx context.Context, a TermsAcceptance) error
	// TermsAcceptances lists an account's acceptances, oldest first.
	TermsAcceptances(ctx context.Context, orgID, accountID string) ([]TermsAcceptance, error)

	// SetPassword stores the (already hashed) password of an account,
	// replacing any earlier one.
	SetPassword(ctx context.Context, orgID, accountID, hash string, at time.Time) error
	// PasswordHash returns the stored hash; ErrNotFound when the account
	// has no password.
	PasswordHash(ctx context.Context, orgID, accountID string) (string, error)

	// PutPicture stores p as the account's picture, replacing (and
	// deleting) the previous one; callers set Account.PictureID in the
	// same transaction.
	PutPicture(ctx context.Context, p *Picture) error
	// Picture finds a picture by its id, whatever the organization.
	Picture(ctx context.Context, id string) (Picture, error)

	// SetGroupFlags marks a group default and/or open. SCIM writes never
	// change these flags.
	SetGroupFlags(ctx context.Context, orgID, groupID string, flags GroupFlags) error
	// DefaultGroups lists the organization's default groups by name.
	DefaultGroups(ctx context.Context, orgID string) ([]Group, error)
	// SearchOpenGroups lists open and default groups whose displayName
	// contains text (case-insensitively; "" matches all), by name, at
	// most limit (clamped like PageLimit).
	SearchOpenGroups(ctx context.Context, orgID, text string, limit int) ([]Group, error)
}
