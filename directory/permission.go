package directory

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Permission is one thing an admin may be allowed to do. Every admin API
// endpoint declares the one it needs; roles are named sets of them.
type Permission string

// The permissions. PermManageAccounts is Workplace's "add and remove
// accounts": everything that invites, removes or hands out a way in.
const (
	// PermReadPeople: list and show people, counts, groups (no secrets).
	PermReadPeople Permission = "people.read"
	// PermManageAccounts: invite, remind, revoke, deactivate, reactivate,
	// delete never-claimed accounts, issue and read access codes and
	// claim links, bulk actions, exports (which hold claim links).
	PermManageAccounts Permission = "accounts.manage"
	// PermReadSettings: read the organization's settings, rules,
	// templates, terms and SSO settings.
	PermReadSettings Permission = "settings.read"
	// PermManageSettings: change invitation settings, rules, templates,
	// terms, default groups and editable fields.
	PermManageSettings Permission = "settings.manage"
	// PermManageSSO: change the SAML settings.
	PermManageSSO Permission = "sso.manage"
	// PermManageScimTokens: create, list and revoke SCIM tokens.
	PermManageScimTokens Permission = "scim_tokens.manage"
	// PermManageAdmins: admins, their tokens and roles.
	PermManageAdmins Permission = "admins.manage"
	// PermReadAudit: the audit log.
	PermReadAudit Permission = "audit.read"
)

// Permissions lists every permission, in the order admin UIs show them.
var Permissions = []Permission{
	PermReadPeople, PermManageAccounts, PermReadSettings, PermManageSettings,
	PermManageSSO, PermManageScimTokens, PermManageAdmins, PermReadAudit,
}

// Valid reports whether p is a known permission.
func (p Permission) Valid() bool { return slices.Contains(Permissions, p) }

// builtinPermissions are the built-in roles' grants.
var builtinPermissions = map[Role][]Permission{
	RoleSystemAdmin:    Permissions,
	RoleAccountManager: {PermReadPeople, PermManageAccounts, PermReadSettings, PermReadAudit},
	RoleReader:         {PermReadPeople, PermReadSettings},
}

// BuiltinPermissions returns a built-in role's permissions, and false for
// any other role.
func BuiltinPermissions(r Role) ([]Permission, bool) {
	p, ok := builtinPermissions[r]
	return slices.Clone(p), ok
}

var roleNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// ValidName reports whether r can name a role: a built-in one, or a custom
// one spelt in lower-case letters, digits and underscores.
func (r Role) ValidName() bool { return roleNamePattern.MatchString(string(r)) }

// reservedRoleNames cannot name a custom role: an admin UI addresses a
// role by its name beside words of its own ("roles/new" is the console's
// form for a new role, so a role named new could not be opened).
var reservedRoleNames = []Role{"new"}

// AdminRole is an organization's own role: a named set of permissions.
// It cannot take a built-in role's name.
type AdminRole struct {
	OrgID       string
	Name        Role
	Description string
	Permissions []Permission
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Validate checks the name and that every permission is known.
func (r AdminRole) Validate() error {
	switch {
	case !r.Name.ValidName():
		return invalid("name", "use 1 to 63 lower-case letters, digits or underscores, starting with a letter")
	case r.Name.Valid():
		return invalid("name", "is a built-in role; choose another name")
	case slices.Contains(reservedRoleNames, r.Name):
		return invalid("name", "is reserved; choose another name")
	case len(r.Permissions) == 0:
		return invalid("permissions", "list at least one permission")
	}
	for _, p := range r.Permissions {
		if !p.Valid() {
			return invalid("permissions", "unknown permission "+string(p)+"; known: "+permissionList())
		}
	}
	return checkText("description", r.Description, 500)
}

func permissionList() string {
	names := make([]string, len(Permissions))
	for i, p := range Permissions {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}

// RoleStore holds custom roles. Admins refer to roles by name; a custom
// role must exist for CreateAdmin or UpdateAdmin to give it (ErrNotFound).
type RoleStore interface {
	// CreateRole assigns the timestamps. ErrConflict on a taken name.
	CreateRole(ctx context.Context, r *AdminRole) error
	Role(ctx context.Context, orgID string, name Role) (AdminRole, error)
	// ListRoles returns the org's custom roles by name.
	ListRoles(ctx context.Context, orgID string) ([]AdminRole, error)
	// UpdateRole replaces description and permissions.
	UpdateRole(ctx context.Context, r *AdminRole) error
	// DeleteRole is ErrConflict while an admin who is not disabled has
	// the role.
	DeleteRole(ctx context.Context, orgID string, name Role) error
}
