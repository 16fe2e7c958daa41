package directory

import (
	"context"
	"time"
)

// Store is the storage contract. Every method is scoped to one
// organization (except the lookups that resolve an organization or a
// credential), returns the sentinel errors of this package, and is atomic.
// directory/storetest is the conformance suite every implementation passes.
type Store interface {
	// InTx runs fn against a Store bound to one transaction: everything fn
	// does commits together, or nothing does when fn returns an error.
	InTx(ctx context.Context, fn func(tx Store) error) error
	// Ping reports ErrUnavailable when the database cannot be reached.
	Ping(ctx context.Context) error

	OrganizationStore
	AccountStore
	GroupStore
	CredentialStore
	AuditStore
	InvitationStore
	AttemptStore
	SAMLStore
	SessionStore
	FirstAccessStore
	RoleStore
	ExportStore
	BulkStore
	AdminSessionStore
}

// OrganizationStore holds tenants.
type OrganizationStore interface {
	// CreateOrganization assigns ID and CreatedAt. ErrConflict on a taken slug.
	CreateOrganization(ctx context.Context, org *Organization) error
	Organization(ctx context.Context, id string) (Organization, error)
	// UpdateOrganization writes the name and the invitation settings.
	UpdateOrganization(ctx context.Context, org *Organization) error
	OrganizationBySlug(ctx context.Context, slug string) (Organization, error)
	// ListOrganizations returns every organization ordered by slug.
	ListOrganizations(ctx context.Context) ([]Organization, error)
}

// AccountStore holds accounts.
type AccountStore interface {
	// CreateAccount assigns ID, Version 1 and the timestamps. ErrConflict
	// when the userName (compared case-insensitively) is taken in the org.
	CreateAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, orgID, id string) (Account, error)
	// AccountForUpdate is Account that, inside InTx, also keeps any other
	// transaction from changing the account until this one ends: load,
	// change and UpdateAccount in one InTx never meet ErrVersionMismatch.
	AccountForUpdate(ctx context.Context, orgID, id string) (Account, error)
	// AccountByUserName matches userName case-insensitively.
	AccountByUserName(ctx context.Context, orgID, userName string) (Account, error)
	// AccountBySignInName matches SignInName case-insensitively; "", or
	// text no account can hold (invalid UTF-8, NUL), never matches
	// (ErrNotFound). UpdateAccount and CreateAccount answer
	// ErrConflict when another account of the org has the sign-in name.
	AccountBySignInName(ctx context.Context, orgID, name string) (Account, error)
	// UpdateAccount writes every field of a, if the stored version still
	// equals a.Version (else ErrVersionMismatch), and bumps a.Version.
	UpdateAccount(ctx context.Context, a *Account) error
	DeleteAccount(ctx context.Context, orgID, id string) error
	ListAccounts(ctx context.Context, orgID string, q AccountQuery) ([]Account, error)
	CountAccounts(ctx context.Context, orgID string) (int64, error)
	// CountByStatus counts the accounts matching filter (nil: all) per
	// Status, in one query.
	CountByStatus(ctx context.Context, orgID string, filter Filter) (StatusCounts, error)
	// FindAccounts filters, sorts and pages in the database. An attribute,
	// operator or value the query language does not allow, or a malformed
	// cursor, is ErrInvalid.
	FindAccounts(ctx context.Context, orgID string, q ListQuery) (AccountPage, error)
}

// GroupStore holds groups and memberships. Membership changes are set
// operations: adding a present member or removing an absent one is a no-op.
type GroupStore interface {
	// CreateGroup assigns ID, Version 1 and timestamps. ErrConflict when the
	// displayName (case-insensitively) is taken in the org.
	CreateGroup(ctx context.Context, g *Group) error
	Group(ctx context.Context, orgID, id string) (Group, error)
	// GroupForUpdate is Group that, inside InTx, holds off every other
	// change to the group (its fields and its members) until this
	// transaction ends.
	GroupForUpdate(ctx context.Context, orgID, id string) (Group, error)
	// UpdateGroup is optimistic like UpdateAccount.
	UpdateGroup(ctx context.Context, g *Group) error
	DeleteGroup(ctx context.Context, orgID, id string) error
	ListGroups(ctx context.Context, orgID string, limit int, after string) ([]Group, error)
	// AddMembers adds members that exist in the org (else ErrNotFound) and
	// returns how many were new. The group itself is no member of itself
	// (ErrInvalid); longer cycles are allowed, as SCIM does not forbid
	// them and membership is never expanded transitively here. It bumps the group's version when any was.
	AddMembers(ctx context.Context, orgID, groupID string, members []Member) (int, error)
	// RemoveMembers returns how many were removed, bumping the version if any.
	RemoveMembers(ctx context.Context, orgID, groupID string, memberIDs []string) (int, error)
	ListMembers(ctx context.Context, orgID, groupID string, q MemberQuery) ([]Member, error)
	CountMembers(ctx context.Context, orgID, groupID string) (int64, error)
	// MemberCounts counts the members of several groups at once; a group
	// without members (or not in the org) is absent from the map.
	MemberCounts(ctx context.Context, orgID string, groupIDs []string) (map[string]int64, error)
	// FindGroups is FindAccounts for groups; members.value and
	// members.type filter on memberships.
	FindGroups(ctx context.Context, orgID string, q ListQuery) (GroupPage, error)
}

// CredentialStore holds SCIM tokens, SCIM clients, admins and admin
// tokens. Lookups by hash or public client id resolve the organization, so
// they are the only unscoped reads.
type CredentialStore interface {
	// CreateScimToken assigns ID and CreatedAt. A ClientID that names no
	// client of the org is ErrNotFound.
	CreateScimToken(ctx context.Context, t *ScimToken) error
	// ScimTokenByHash fills in ClientRevokedAt for tokens issued to a client.
	ScimTokenByHash(ctx context.Context, hash string) (ScimToken, error)
	ListScimTokens(ctx context.Context, orgID string) ([]ScimToken, error)
	// ScimToken is one of the org's tokens by id; like ScimTokenByHash it
	// fills in ClientRevokedAt.
	ScimToken(ctx context.Context, orgID, id string) (ScimToken, error)
	// RevokeScimToken is idempotent; it keeps the first revocation time.
	RevokeScimToken(ctx context.Context, orgID, id string, at time.Time) error
	TouchScimToken(ctx context.Context, orgID, id string, at time.Time) error

	// CreateScimClient assigns ID and CreatedAt. ErrConflict on a taken
	// ClientID.
	CreateScimClient(ctx context.Context, c *ScimClient) error
	ScimClientByClientID(ctx context.Context, clientID string) (ScimClient, error)
	// ListScimClients returns the org's clients, oldest first.
	ListScimClients(ctx context.Context, orgID string) ([]ScimClient, error)
	// RotateScimClientSecret makes newHash the current secret and keeps
	// the replaced one valid until overlapUntil (a zero time ends it at
	// once). Only one previous secret is kept: rotating again during an
	// overlap ends the older one. A revoked client is ErrConflict.
	RotateScimClientSecret(ctx context.Context, orgID, id, newHash string, overlapUntil time.Time) error
	// RevokeScimClient is idempotent and keeps the first revocation time;
	// in the same transaction it revokes every token issued to the client.
	RevokeScimClient(ctx context.Context, orgID, id string, at time.Time) error
	TouchScimClient(ctx context.Context, orgID, id string, at time.Time) error

	// CreateAdmin assigns ID and CreatedAt. ErrConflict when the email
	// (case-insensitively) already belongs to an admin of the org.
	CreateAdmin(ctx context.Context, a *Admin) error
	Admin(ctx context.Context, orgID, id string) (Admin, error)
	ListAdmins(ctx context.Context, orgID string) ([]Admin, error)
	// UpdateAdmin writes the role (only the role) and fills in the rest.
	// A custom role the org does not have is ErrNotFound. Demoting the
	// org's last active system_admin is ErrConflict: an organization that
	// has a system admin keeps one.
	UpdateAdmin(ctx context.Context, a *Admin) error
	// DisableAdmin is idempotent; a disabled admin's tokens stop working
	// and their console sessions end.
	// Disabling the org's last active system_admin is ErrConflict.
	DisableAdmin(ctx context.Context, orgID, id string, at time.Time) error
	CreateAdminToken(ctx context.Context, t *AdminToken) error
	AdminTokenByHash(ctx context.Context, hash string) (AdminToken, error)
	// AdminToken, like AdminTokenByHash, fills in AdminDisabledAt.
	AdminToken(ctx context.Context, orgID, id string) (AdminToken, error)
	// AdminTokenForUpdate is AdminToken that, inside InTx, holds off every
	// other change to the token until this transaction ends (a rotation
	// that revokes it).
	AdminTokenForUpdate(ctx context.Context, orgID, id string) (AdminToken, error)
	// ListAdminTokens returns an admin's tokens, revoked ones included,
	// oldest first; an admin the org does not have has none.
	ListAdminTokens(ctx context.Context, orgID, adminID string) ([]AdminToken, error)
	// RevokeAdminToken is idempotent; it keeps the first revocation time.
	RevokeAdminToken(ctx context.Context, orgID, id string, at time.Time) error
	TouchAdminToken(ctx context.Context, orgID, id string, at time.Time) error
}

// AuditStore is append-only.
type AuditStore interface {
	// AppendAudit assigns ID and, when zero, At.
	AppendAudit(ctx context.Context, e *AuditEvent) error
	// AppendAudits appends several events at once, in order (ids grow
	// with the position), all or none; an invalid one is ErrInvalid and
	// appends nothing.
	AppendAudits(ctx context.Context, events []*AuditEvent) error
	ListAudit(ctx context.Context, orgID string, q AuditQuery) ([]AuditEvent, error)
}
