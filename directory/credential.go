package directory

import (
	"net/mail"
	"strings"
	"time"
)

// ScimToken is a bearer credential an identity provider uses to call the
// SCIM endpoint; it selects the organization. Only a keyed hash of the
// secret is stored; the plaintext is shown once when it is created.
type ScimToken struct {
	OrgID      string
	ID         string
	Name       string
	Hash       string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
	// ClientID is the ScimClient (its ID, not its public ClientID) the
	// token endpoint issued this token to; empty for tokens minted by hand.
	ClientID string
	// ClientRevokedAt is the client's RevokedAt, filled in by lookups: a
	// token issued while its client was being revoked still stops working.
	ClientRevokedAt *time.Time
}

// StoredHash returns the keyed hash the token was saved under.
func (t ScimToken) StoredHash() string { return t.Hash }

// UsableAt reports whether the token is neither revoked nor expired at now
// and its client, if any, is not revoked.
func (t ScimToken) UsableAt(now time.Time) bool {
	return t.ClientRevokedAt == nil && usable(t.RevokedAt, t.ExpiresAt, now)
}

// Validate checks the name and that a hash is present.
func (t ScimToken) Validate() error { return validateCredential(t.Name, t.Hash) }

// Role is a named set of admin permissions.
type Role string

// Built-in roles. system_admin may do everything; account_manager may add
// and remove accounts (invite, remind, deactivate, export claim links);
// reader may look but sees no secrets.
const (
	RoleSystemAdmin    Role = "system_admin"
	RoleAccountManager Role = "account_manager"
	RoleReader         Role = "reader"
)

// Roles lists the built-in roles, most powerful first.
var Roles = []Role{RoleSystemAdmin, RoleAccountManager, RoleReader}

// Valid reports whether r is a built-in role (see ValidName for custom ones).
func (r Role) Valid() bool {
	for _, known := range Roles {
		if r == known {
			return true
		}
	}
	return false
}

// Admin is a person allowed to use the admin API of one organization.
type Admin struct {
	OrgID      string
	ID         string
	Email      string
	Role       Role
	CreatedAt  time.Time
	DisabledAt *time.Time
	// PasswordSetAt is when the admin last set a console password (nil:
	// none; they sign in with single sign-on, or not at all).
	PasswordSetAt *time.Time
}

// Validate checks the email address and role.
func (a Admin) Validate() error {
	addr, err := mail.ParseAddress(a.Email)
	if err != nil || addr.Address != a.Email || len(a.Email) > 320 {
		return invalid("email", "must be a plain address such as it@example.com")
	}
	if !a.Role.ValidName() {
		return invalid("role", "must be system_admin, account_manager, reader or the name of a custom role")
	}
	return nil
}

// AdminToken is a bearer credential for the admin API, owned by one admin.
type AdminToken struct {
	OrgID      string
	ID         string
	AdminID    string
	Name       string
	Hash       string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
	// AdminDisabledAt is the owner's DisabledAt, filled in by lookups: a
	// disabled admin's tokens stop working without being revoked one by one.
	AdminDisabledAt *time.Time
}

// StoredHash returns the keyed hash the token was saved under.
func (t AdminToken) StoredHash() string { return t.Hash }

// UsableAt reports whether the token is neither revoked nor expired at now
// and its admin is not disabled.
func (t AdminToken) UsableAt(now time.Time) bool {
	return t.AdminDisabledAt == nil && usable(t.RevokedAt, t.ExpiresAt, now)
}

// Validate checks the name, owner and that a hash is present.
func (t AdminToken) Validate() error {
	if t.AdminID == "" {
		return invalid("adminID", "is required")
	}
	return validateCredential(t.Name, t.Hash)
}

func usable(revokedAt, expiresAt *time.Time, now time.Time) bool {
	if revokedAt != nil {
		return false
	}
	return expiresAt == nil || now.Before(*expiresAt)
}

func validateCredential(name, hash string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return invalid("name", "must not be empty")
	case hash == "":
		return invalid("hash", "is required")
	}
	return checkText("name", name, 200)
}
