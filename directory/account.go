package directory

import (
	"encoding/json"
	"strings"
	"time"
)

// State is where an account stands in the claim lifecycle. It is separate
// from Account.Active: deactivating keeps the state underneath, so
// reactivating restores it.
type State string

// The lifecycle states: not_invited --invite--> invited --claim--> claimed,
// and invited --revoke--> not_invited.
const (
	StateNotInvited State = "not_invited"
	StateInvited    State = "invited"
	StateClaimed    State = "claimed"
)

// Valid reports whether s is one of the lifecycle states.
func (s State) Valid() bool {
	switch s {
	case StateNotInvited, StateInvited, StateClaimed:
		return true
	}
	return false
}

// AuthMethod is how a person signs in once the account is claimed.
type AuthMethod string

// The sign-in methods. Password accounts set a password while claiming;
// SSO accounts must pass the SAML identity provider instead.
const (
	AuthPassword AuthMethod = "password"
	AuthSSO      AuthMethod = "sso"
)

// Valid reports whether m is a known method.
func (m AuthMethod) Valid() bool { return m == AuthPassword || m == AuthSSO }

// Email is one entry of an account's multi-valued emails attribute.
type Email struct {
	Type    string
	Value   string
	Primary bool
}

// Account is one person pushed by an identity provider (or created by an
// admin). Resource keeps the whole SCIM document exactly as last written,
// so attributes Latchkey does not model still round-trip; the other fields
// are the values people filter, sort and act on, extracted on every write.
type Account struct {
	OrgID string
	ID    string

	UserName    string
	ExternalID  string
	DisplayName string
	GivenName   string
	FamilyName  string
	Emails      []Email

	Active     bool
	State      State
	AuthMethod AuthMethod
	// Frontline marks a person without email who claims with an access code.
	Frontline bool

	Title          string
	Department     string
	Division       string
	Organization   string
	CostCenter     string
	EmployeeNumber string
	Location       string
	ManagerID      string
	StartDate      *time.Time
	// UserType is SCIM's userType ("Employee", "Contractor"): the
	// employee type invite rules select on.
	UserType string

	Resource json.RawMessage

	// Version increases by one on every change; it is the SCIM ETag.
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	InvitedAt     *time.Time
	ClaimedAt     *time.Time
	DeactivatedAt *time.Time

	// InviteGeneration grows with every invitation, revocation and
	// deactivation; a claim link is made for one generation and dies
	// with it, or at InviteExpiresAt.
	InviteGeneration int64
	InviteExpiresAt  *time.Time
	// AccessCodeHash is the keyed hash of the account's one valid access
	// code ("" when it has none). The code is derived from the server key
	// and AccessCodeGeneration, so it can be shown again but is never
	// stored; it dies at AccessCodeExpiresAt.
	AccessCodeHash       string
	AccessCodeGeneration int64
	AccessCodeExpiresAt  *time.Time
	// LastDeliveryError says why the last invitation message could not
	// be delivered; "" once one was.
	LastDeliveryError string
	// PictureID names the account's profile picture ("" when it has
	// none); see FirstAccessStore.PutPicture.
	PictureID string
	// SignInName is the username the person chose while claiming ("" when
	// none). It is theirs, not the identity provider's: SCIM never writes
	// it, because IdPs find and rewrite users by UserName, which must stay
	// what they sent. Unique per organization, case-insensitively.
	SignInName string
}

// SetActive sets whether the account is active, and DeactivatedAt: the
// time it stopped being active (kept while it stays inactive), nil once
// it is active again. Protocols render "active" from Active.
func (a *Account) SetActive(active bool, now time.Time) {
	switch {
	case active && !a.Active:
		a.DeactivatedAt = nil
	case !active && (a.Active || a.DeactivatedAt == nil):
		t := now
		a.DeactivatedAt = &t
	}
	a.Active = active
}

// MaxUserNameLength bounds userName; longer values are refused, never cut.
const MaxUserNameLength = 256

// The range a StartDate must lie in: what every backend stores and reads
// back (SQLite's date functions and Go's RFC 3339 both stop at 9999).
var (
	MinStartDate = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxStartDate = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// Validate checks the rules every backend relies on before writing.
func (a Account) Validate() error {
	if strings.TrimSpace(a.UserName) == "" {
		return invalid("userName", "is required")
	}
	if err := checkText("userName", a.UserName, MaxUserNameLength); err != nil {
		return err
	}
	switch {
	case !a.State.Valid():
		return invalid("state", "must be not_invited, invited or claimed")
	case a.AuthMethod != "" && !a.AuthMethod.Valid():
		return invalid("authMethod", "must be password or sso")
	}
	if err := checkTexts("externalId", a.ExternalID, "displayName", a.DisplayName, "name.givenName", a.GivenName,
		"name.familyName", a.FamilyName, "title", a.Title, "department", a.Department, "division", a.Division,
		"organization", a.Organization, "costCenter", a.CostCenter, "employeeNumber", a.EmployeeNumber,
		"location", a.Location, "manager", a.ManagerID, "userType", a.UserType, "signInName", a.SignInName); err != nil {
		return err
	}
	for _, e := range a.Emails {
		if strings.TrimSpace(e.Value) == "" {
			return invalid("emails", "every email needs a value")
		}
		if err := checkTexts("emails.value", e.Value, "emails.type", e.Type); err != nil {
			return err
		}
	}
	if a.StartDate != nil && (a.StartDate.Before(MinStartDate) || a.StartDate.After(MaxStartDate)) {
		return invalid("startDate", "must lie between the years 1 and 9999")
	}
	return checkDocument("resource", a.Resource)
}

// PrimaryEmail returns the primary email, else the work email, else the
// first one, else "".
func (a Account) PrimaryEmail() string {
	for _, e := range a.Emails {
		if e.Primary {
			return e.Value
		}
	}
	for _, e := range a.Emails {
		if strings.EqualFold(e.Type, "work") {
			return e.Value
		}
	}
	if len(a.Emails) > 0 {
		return a.Emails[0].Value
	}
	return ""
}

// AccountQuery pages through an organization's accounts in a stable order
// (by id, which is time-ordered). After is the last id of the previous page.
type AccountQuery struct {
	Limit int
	After string
}

// MaxPageSize caps every list the store returns in one call.
const MaxPageSize = 1000

// PageLimit clamps a requested page size to 1..MaxPageSize, defaulting to 100.
func PageLimit(requested int) int {
	switch {
	case requested <= 0:
		return 100
	case requested > MaxPageSize:
		return MaxPageSize
	}
	return requested
}
