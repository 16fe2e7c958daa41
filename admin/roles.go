package admin

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// roleRoutes: the permissions there are, and roles as named sets of them
// (three built in, read-only; the organization's own, editable).
func (h *Handler) roleRoutes() []route {
	manage := directory.PermManageAdmins
	return []route{
		{Method: http.MethodGet, Path: "/permissions", Tag: "access",
			Summary: "Every permission, what it allows, and the built-in roles' grants",
			Reply:   permissionsReply{}, Handle: h.listPermissions},
		{Method: http.MethodGet, Path: "/roles", Permission: manage, Tag: "access",
			Summary: "Roles: the built-in ones and the organization's own, with their permissions",
			Reply:   rolesReply{}, Handle: h.listRoles},
		{Method: http.MethodPost, Path: "/roles", Permission: manage, Tag: "access",
			Summary: "Create a custom role (only with permissions your own role has)",
			Body:    roleCreateBody{}, Reply: roleReply{}, Status: http.StatusCreated, Handle: h.createRole},
		{Method: http.MethodGet, Path: "/roles/:name", Permission: manage, Tag: "access",
			Summary: "One role and its permissions", Reply: roleReply{}, Handle: h.getRole},
		{Method: http.MethodPut, Path: "/roles/:name", Permission: manage, Tag: "access",
			Summary: "Replace a custom role's description and permissions (built-in roles are read-only)",
			Body:    roleUpdateBody{}, Reply: roleReply{}, Handle: h.replaceRole},
		{Method: http.MethodDelete, Path: "/roles/:name", Permission: manage, Tag: "access",
			Summary: "Delete a custom role no active admin has",
			Status:  http.StatusNoContent, Handle: h.deleteRole},
	}
}

// permissionDescription is the one line the API shows for a permission.
func permissionDescription(p directory.Permission) string {
	switch p {
	case directory.PermReadPeople:
		return "See people, their status, counts and groups; no claim links or access codes"
	case directory.PermManageAccounts:
		return "Add and remove accounts: invite, remind, revoke, deactivate, reactivate, delete never-claimed accounts, read claim links and access codes, bulk actions and exports"
	case directory.PermReadSettings:
		return "Read the organization's settings, invite rules, templates, terms of use and SSO settings"
	case directory.PermManageSettings:
		return "Change invitation settings, invite rules, templates, terms of use, default groups and editable profile fields"
	case directory.PermManageSSO:
		return "Change the SAML single sign-on settings"
	case directory.PermManageScimTokens:
		return "Create, list and revoke the SCIM tokens identity providers use"
	case directory.PermManageAdmins:
		return "Manage admins, their tokens and custom roles (never beyond your own permissions)"
	case directory.PermReadAudit:
		return "Read the audit log"
	}
	return ""
}

// roleDescription is the one line the API shows for a built-in role.
func roleDescription(r directory.Role) string {
	switch r {
	case directory.RoleSystemAdmin:
		return "Everything, including admins, roles, SSO and SCIM tokens"
	case directory.RoleAccountManager:
		return "Add and remove accounts: invite, remind, deactivate, reactivate, access codes, exports with claim links"
	case directory.RoleReader:
		return "See people and settings, no secrets"
	}
	return ""
}

type permissionsReply struct {
	Permissions []permissionDoc `json:"permissions"`
	Roles       []roleReply     `json:"roles"`
}

type permissionDoc struct {
	Name        directory.Permission `json:"name"`
	Description string               `json:"description"`
}

// roleReply is a role as the API shows it; built-in roles have no
// timestamps.
type roleReply struct {
	Name        directory.Role         `json:"name"`
	Description string                 `json:"description"`
	BuiltIn     bool                   `json:"built_in"`
	Permissions []directory.Permission `json:"permissions"`
	CreatedAt   *time.Time             `json:"created_at"`
	UpdatedAt   *time.Time             `json:"updated_at"`
}

type rolesReply struct {
	Items []roleReply `json:"items"`
}

type roleCreateBody struct {
	Name        directory.Role         `json:"name"`
	Description string                 `json:"description"`
	Permissions []directory.Permission `json:"permissions"`
}

type roleUpdateBody struct {
	Description string                 `json:"description"`
	Permissions []directory.Permission `json:"permissions"`
}

func builtinRoleReplies() []roleReply {
	out := make([]roleReply, 0, len(directory.Roles))
	for _, r := range directory.Roles {
		perms, _ := directory.BuiltinPermissions(r)
		out = append(out, roleReply{Name: r, Description: roleDescription(r), BuiltIn: true, Permissions: perms})
	}
	return out
}

func customRoleReply(r directory.AdminRole) roleReply {
	perms := r.Permissions
	if perms == nil {
		perms = []directory.Permission{}
	}
	return roleReply{Name: r.Name, Description: r.Description, Permissions: perms, CreatedAt: &r.CreatedAt, UpdatedAt: &r.UpdatedAt}
}

// listPermissions: GET /permissions, for every signed-in admin (a UI
// needs it to show what a role means).
func (h *Handler) listPermissions(c echo.Context) error {
	docs := make([]permissionDoc, 0, len(directory.Permissions))
	for _, p := range directory.Permissions {
		docs = append(docs, permissionDoc{Name: p, Description: permissionDescription(p)})
	}
	return c.JSON(http.StatusOK, permissionsReply{Permissions: docs, Roles: builtinRoleReplies()})
}

func (h *Handler) listRoles(c echo.Context) error {
	who := callerFrom(c.Request().Context())
	custom, err := h.store.ListRoles(c.Request().Context(), who.OrgID)
	if err != nil {
		return err
	}
	items := builtinRoleReplies()
	for _, r := range custom {
		items = append(items, customRoleReply(r))
	}
	return c.JSON(http.StatusOK, rolesReply{Items: items})
}

func (h *Handler) getRole(c echo.Context) error {
	name := directory.Role(c.Param("name"))
	for _, r := range builtinRoleReplies() {
		if r.Name == name {
			return c.JSON(http.StatusOK, r)
		}
	}
	who := callerFrom(c.Request().Context())
	r, err := h.store.Role(c.Request().Context(), who.OrgID, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, customRoleReply(r))
}

func (h *Handler) createRole(c echo.Context) error {
	var body roleCreateBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	role := directory.AdminRole{OrgID: who.OrgID, Name: body.Name, Description: body.Description, Permissions: canonicalPermissions(body.Permissions)}
	if err := role.Validate(); err != nil {
		return err
	}
	if err := who.mayGrant("role "+string(role.Name), role.Permissions); err != nil {
		return err
	}
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.CreateRole(ctx, &role); err != nil {
			return err
		}
		return audit(c, tx, "role.create", "role", string(role.Name), map[string]any{"permissions": role.Permissions})
	})
	if errors.Is(err, directory.ErrConflict) {
		return newProblem(http.StatusConflict, "role_exists", "this organization has a role "+string(role.Name)+"; choose another name or PUT /admin/v1/roles/"+string(role.Name))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, customRoleReply(role))
}

func (h *Handler) replaceRole(c echo.Context) error {
	name := directory.Role(c.Param("name"))
	if name.Valid() {
		return builtinReadOnly(name)
	}
	var body roleUpdateBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	role := directory.AdminRole{OrgID: who.OrgID, Name: name, Description: body.Description, Permissions: canonicalPermissions(body.Permissions)}
	if err := role.Validate(); err != nil {
		return err
	}
	// Changing a role changes every admin who has it, the caller
	// included: the new permissions must all be the caller's own.
	if err := who.mayGrant("role "+string(name), role.Permissions); err != nil {
		return err
	}
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		before, err := tx.Role(ctx, who.OrgID, name)
		if err != nil {
			return err
		}
		// Nor may it take away what the caller could not give: that
		// would change admins whose power exceeds the caller's.
		if err := who.mayGrant("role "+string(name), before.Permissions); err != nil {
			return err
		}
		if err := tx.UpdateRole(ctx, &role); err != nil {
			return err
		}
		return audit(c, tx, "role.update", "role", string(name), map[string]any{
			"permissions": map[string]any{"before": before.Permissions, "after": role.Permissions},
		})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, customRoleReply(role))
}

func (h *Handler) deleteRole(c echo.Context) error {
	name := directory.Role(c.Param("name"))
	if name.Valid() {
		return builtinReadOnly(name)
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.DeleteRole(ctx, who.OrgID, name); err != nil {
			return err
		}
		return audit(c, tx, "role.delete", "role", string(name), nil)
	})
	if errors.Is(err, directory.ErrConflict) {
		return newProblem(http.StatusConflict, "role_in_use",
			"admins who are not disabled have role "+string(name)+"; give them another role first (GET /admin/v1/admins)")
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func builtinReadOnly(name directory.Role) error {
	return newProblem(http.StatusConflict, "built_in_role", string(name)+" is a built-in role and cannot be changed or deleted; create a custom role instead")
}

// canonicalPermissions orders permissions as directory.Permissions does
// and drops repeats, so equal sets are stored and shown alike. Unknown
// names are kept, at the end, for Validate to name.
func canonicalPermissions(perms []directory.Permission) []directory.Permission {
	out := make([]directory.Permission, 0, len(perms))
	for _, p := range directory.Permissions {
		if slices.Contains(perms, p) {
			out = append(out, p)
		}
	}
	for _, p := range perms {
		if !p.Valid() && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
