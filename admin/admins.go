package admin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

// adminRoutes: the people who may use this API, each with one role.
func (h *Handler) adminRoutes() []route {
	manage := directory.PermManageAdmins
	return []route{
		{Method: http.MethodGet, Path: "/admins", Permission: manage, Tag: "access",
			Summary: "The organization's admins, by email, disabled ones included",
			Reply:   adminsReply{}, Handle: h.listAdmins},
		{Method: http.MethodPost, Path: "/admins", Permission: manage, Tag: "access",
			Summary: "Add an admin with a role (no more than your own) and a first token, shown once",
			Body:    adminCreateBody{}, Reply: adminCreateReply{}, Status: http.StatusCreated, Handle: h.createAdmin},
		{Method: http.MethodGet, Path: "/admins/:id", Permission: manage, Tag: "access",
			Summary: "One admin", Reply: adminReply{}, Handle: h.getAdmin},
		{Method: http.MethodPatch, Path: "/admins/:id", Permission: manage, Tag: "access",
			Summary: "Change an admin's role (the last active system_admin keeps theirs)",
			Body:    adminPatchBody{}, Reply: adminReply{}, Handle: h.patchAdmin},
		{Method: http.MethodDelete, Path: "/admins/:id", Permission: manage, Tag: "access",
			Summary: "Disable an admin: their tokens stop working (not yourself, not the last active system_admin)",
			Reply:   adminReply{}, Handle: h.disableAdmin},
	}
}

// adminReply is an admin as the API shows them.
type adminReply struct {
	ID         string         `json:"id"`
	Email      string         `json:"email"`
	Role       directory.Role `json:"role"`
	Status     string         `json:"status"` // active or disabled
	CreatedAt  time.Time      `json:"created_at"`
	DisabledAt *time.Time     `json:"disabled_at"`
}

type adminsReply struct {
	Items []adminReply `json:"items"`
}

type adminCreateBody struct {
	Email string         `json:"email"`
	Role  directory.Role `json:"role"`
	// TokenName names the first token (default "api").
	TokenName *string `json:"token_name"`
	// TokenExpiresInDays is the first token's lifetime (default 90).
	TokenExpiresInDays *int `json:"token_expires_in_days"`
}

type adminCreateReply struct {
	Admin adminReply           `json:"admin"`
	Token createdAdminTokenDoc `json:"token"`
}

type adminPatchBody struct {
	Role directory.Role `json:"role"`
}

func adminReplyOf(a directory.Admin) adminReply {
	status := "active"
	if a.DisabledAt != nil {
		status = "disabled"
	}
	return adminReply{ID: a.ID, Email: a.Email, Role: a.Role, Status: status, CreatedAt: a.CreatedAt, DisabledAt: a.DisabledAt}
}

// lastSystemAdmin is the answer to demoting or disabling the org's last
// active system_admin (the store refuses it: ErrConflict).
func lastSystemAdmin() *problem {
	return newProblem(http.StatusConflict, "last_system_admin",
		"this is the organization's last active system_admin; make another admin system_admin first")
}

func (h *Handler) listAdmins(c echo.Context) error {
	who := callerFrom(c.Request().Context())
	admins, err := h.store.ListAdmins(c.Request().Context(), who.OrgID)
	if err != nil {
		return err
	}
	items := make([]adminReply, 0, len(admins))
	for _, a := range admins {
		items = append(items, adminReplyOf(a))
	}
	return c.JSON(http.StatusOK, adminsReply{Items: items})
}

func (h *Handler) getAdmin(c echo.Context) error {
	who := callerFrom(c.Request().Context())
	a, err := h.store.Admin(c.Request().Context(), who.OrgID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, adminReplyOf(a))
}

// createAdmin: POST /admins. The admin and their first token are written
// together, or neither is.
func (h *Handler) createAdmin(c echo.Context) error {
	var body adminCreateBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	adm := directory.Admin{OrgID: who.OrgID, Email: body.Email, Role: body.Role}
	tok := directory.AdminToken{OrgID: who.OrgID, Name: "api"}
	if body.TokenName != nil {
		tok.Name = *body.TokenName
	}
	if err := checkNewAdmin(adm, &tok, body.TokenExpiresInDays, h.now()); err != nil {
		return err
	}
	var secret string
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		if err := mayGiveRole(ctx, tx, who, adm.Role); err != nil {
			return err
		}
		if err := tx.CreateAdmin(ctx, &adm); err != nil {
			return err
		}
		tok.AdminID = adm.ID
		var err error
		if secret, err = h.mintAdminToken(ctx, tx, &tok); err != nil {
			return err
		}
		if err := audit(c, tx, "admin.create", "admin", adm.ID, map[string]any{"email": adm.Email, "role": adm.Role}); err != nil {
			return err
		}
		return auditNewAdminToken(c, tx, tok, "")
	})
	if errors.Is(err, directory.ErrConflict) {
		return newProblem(http.StatusConflict, "admin_exists", body.Email+" is already an admin of this organization")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, adminCreateReply{Admin: adminReplyOf(adm), Token: createdAdminToken(tok, secret, h.now())})
}

// checkNewAdmin names every field of a POST /admins body at fault at once.
func checkNewAdmin(adm directory.Admin, tok *directory.AdminToken, days *int, now time.Time) error {
	var errs []fieldError
	// Admin.Validate stops at the first fault: ask about each field
	// alone, the other set to a value known to pass.
	for _, probe := range []directory.Admin{{Email: adm.Email, Role: directory.RoleReader}, {Email: "it@example.com", Role: adm.Role}} {
		var invalid *directory.ValidationError
		if err := probe.Validate(); errors.As(err, &invalid) {
			errs = append(errs, fieldError{Field: invalid.Field, Message: invalid.Problem})
		}
	}
	if err := checkTokenName(tok.Name); err != nil {
		errs = append(errs, fieldError{Field: "token_name", Message: err.Message})
	}
	expires, ferr := tokenExpiry("token_expires_in_days", days, DefaultAdminTokenDays, now)
	if ferr != nil {
		errs = append(errs, *ferr)
	}
	if len(errs) > 0 {
		return invalidFields(errs)
	}
	tok.ExpiresAt = &expires
	return nil
}

// checkTokenName applies the store's rule for a credential's name
// before anything is written.
func checkTokenName(name string) *fieldError {
	probe := directory.ScimToken{Name: name, Hash: "-"}
	var invalid *directory.ValidationError
	if err := probe.Validate(); errors.As(err, &invalid) {
		return &fieldError{Field: "name", Message: invalid.Problem}
	}
	return nil
}

// mayGiveRole checks that role exists in the org (400 otherwise) and
// that it grants nothing the caller lacks (403).
func mayGiveRole(ctx context.Context, store directory.Store, who caller, role directory.Role) error {
	perms, err := rolePermissions(ctx, store, who.OrgID, role)
	if errors.Is(err, directory.ErrNotFound) {
		return invalidField("role", "no role "+string(role)+" in this organization; GET /admin/v1/roles lists them")
	}
	if err != nil {
		return err
	}
	return who.mayGrant("role "+string(role), perms)
}

func (h *Handler) patchAdmin(c echo.Context) error {
	var body adminPatchBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	if body.Role == "" {
		return invalidField("role", "is required")
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	var adm directory.Admin
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		var err error
		if adm, err = tx.Admin(ctx, who.OrgID, c.Param("id")); err != nil {
			return err
		}
		if err := who.mayManage(ctx, tx, adm); err != nil {
			return err
		}
		if err := mayGiveRole(ctx, tx, who, body.Role); err != nil {
			return err
		}
		before := adm.Role
		if before == body.Role {
			return nil
		}
		adm.Role = body.Role
		if err := tx.UpdateAdmin(ctx, &adm); err != nil {
			return err
		}
		return audit(c, tx, "admin.update", "admin", adm.ID, map[string]any{"role": map[string]any{"before": before, "after": adm.Role}})
	})
	if errors.Is(err, directory.ErrConflict) {
		return lastSystemAdmin()
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, adminReplyOf(adm))
}

// disableAdmin: DELETE /admins/{id}. Admins are disabled, never deleted,
// so the audit trail keeps naming them; disabling twice changes nothing.
func (h *Handler) disableAdmin(c echo.Context) error {
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	id := c.Param("id")
	if id == who.AdminID {
		return newProblem(http.StatusConflict, "cannot_disable_self", "you cannot disable yourself; ask another admin who may manage admins")
	}
	var adm directory.Admin
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		var err error
		if adm, err = tx.Admin(ctx, who.OrgID, id); err != nil {
			return err
		}
		if err := who.mayManage(ctx, tx, adm); err != nil {
			return err
		}
		if adm.DisabledAt != nil {
			return nil
		}
		if err := tx.DisableAdmin(ctx, who.OrgID, id, h.now()); err != nil {
			return err
		}
		if adm, err = tx.Admin(ctx, who.OrgID, id); err != nil {
			return err
		}
		return audit(c, tx, "admin.disable", "admin", id, map[string]any{"email": adm.Email, "role": adm.Role})
	})
	if errors.Is(err, directory.ErrConflict) {
		return lastSystemAdmin()
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, adminReplyOf(adm))
}

// mintAdminToken makes a new secret and stores tok under its hash; the
// secret is returned to be shown once and is never stored.
func (h *Handler) mintAdminToken(ctx context.Context, tx directory.Store, tok *directory.AdminToken) (string, error) {
	secret, hash, err := h.hasher.New(credential.KindAdmin)
	if err != nil {
		return "", err
	}
	tok.Hash = hash
	if err := tx.CreateAdminToken(ctx, tok); err != nil {
		return "", err
	}
	return secret, nil
}
