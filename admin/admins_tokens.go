package admin

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// adminTokenRoutes: an admin's API tokens. Every admin manages their own
// (the routes ask for no permission); another admin's need
// admins.manage, which adminTokenOwner checks.
func (h *Handler) adminTokenRoutes() []route {
	return []route{
		{Method: http.MethodGet, Path: "/admins/:id/tokens", Tag: "access",
			Summary: "An admin's tokens, revoked ones included (your own, or anyone's with admins.manage)",
			Reply:   adminTokensReply{}, Handle: h.listAdminTokens},
		{Method: http.MethodPost, Path: "/admins/:id/tokens", Tag: "access",
			Summary: "Create a token for an admin, shown once (your own, or anyone's with admins.manage)",
			Body:    adminTokenCreateBody{}, Reply: createdAdminTokenDoc{}, Status: http.StatusCreated, Handle: h.createAdminToken},
		{Method: http.MethodDelete, Path: "/admins/:id/tokens/:tokenId", Tag: "access",
			Summary: "Revoke an admin's token (your own, or anyone's with admins.manage)",
			Reply:   adminTokenDoc{}, Handle: h.revokeAdminToken},
		{Method: http.MethodPost, Path: "/admins/:id/tokens/:tokenId/rotate", Tag: "access",
			Summary: "Replace a token with a new secret of the same name and lifetime, shown once; the old one is revoked",
			Reply:   createdAdminTokenDoc{}, Status: http.StatusCreated, Handle: h.rotateAdminToken},
	}
}

// adminTokenDoc is a token as the API shows it: never its secret.
type adminTokenDoc struct {
	ID      string `json:"id"`
	AdminID string `json:"admin_id"`
	Name    string `json:"name"`
	// Status is active, expired, revoked, or admin_disabled: the token
	// was not revoked but its admin is disabled, so it does not work.
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// createdAdminTokenDoc is a new token with its secret, shown this once.
type createdAdminTokenDoc struct {
	adminTokenDoc
	// Token is the secret to send as "Authorization: Bearer <token>".
	Token string `json:"token"`
}

type adminTokensReply struct {
	Items []adminTokenDoc `json:"items"`
}

type adminTokenCreateBody struct {
	Name string `json:"name"`
	// ExpiresInDays is the lifetime (default 90, at most 3650).
	ExpiresInDays *int `json:"expires_in_days"`
}

func adminTokenDocOf(t directory.AdminToken, now time.Time) adminTokenDoc {
	status := tokenStatus(t.RevokedAt, t.ExpiresAt, now)
	if status == "active" && t.AdminDisabledAt != nil {
		status = "admin_disabled"
	}
	return adminTokenDoc{ID: t.ID, AdminID: t.AdminID, Name: t.Name, Status: status,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt, LastUsedAt: t.LastUsedAt}
}

func createdAdminToken(t directory.AdminToken, secret string, now time.Time) createdAdminTokenDoc {
	return createdAdminTokenDoc{adminTokenDoc: adminTokenDocOf(t, now), Token: secret}
}

// adminTokenOwner loads the admin of the path's id whose tokens the
// caller wants: their own, or, with admins.manage, anyone's; for a change
// (write) to someone else's, also no one more powerful than the caller.
// The permission is checked before the admin is looked up, so an admin
// without it learns nothing about ids that are not theirs.
func (h *Handler) adminTokenOwner(c echo.Context, store directory.Store, write bool) (directory.Admin, error) {
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	id := c.Param("id")
	if id != who.AdminID && !who.can(directory.PermManageAdmins) {
		return directory.Admin{}, newProblem(http.StatusForbidden, "forbidden",
			"you may manage your own tokens only; another admin's need the permission "+string(directory.PermManageAdmins))
	}
	adm, err := store.Admin(ctx, who.OrgID, id)
	if err != nil {
		return directory.Admin{}, err
	}
	if write {
		if err := who.mayManage(ctx, store, adm); err != nil {
			return directory.Admin{}, err
		}
	}
	return adm, nil
}

// mintsOwn refuses to mint a token (create, rotate) for another admin:
// whoever holds a token acts as its owner, in the audit log too, and
// could download the owner's exports. Others may list and revoke.
func mintsOwn(c echo.Context) error {
	who := callerFrom(c.Request().Context())
	if c.Param("id") != who.AdminID {
		return newProblem(http.StatusForbidden, "not_owner",
			"only an admin can mint their own tokens (whoever holds one acts as them); revoke theirs if it must stop working")
	}
	return nil
}

// ownedToken loads the path's token, which must be adm's. It is locked until the transaction ends: of two rotations at once, the
// second finds the token revoked by the first.
func ownedToken(c echo.Context, store directory.Store, adm directory.Admin) (directory.AdminToken, error) {
	tok, err := store.AdminTokenForUpdate(c.Request().Context(), adm.OrgID, c.Param("tokenId"))
	if err != nil {
		return directory.AdminToken{}, err
	}
	if tok.AdminID != adm.ID {
		return directory.AdminToken{}, directory.ErrNotFound
	}
	return tok, nil
}

func (h *Handler) listAdminTokens(c echo.Context) error {
	ctx := c.Request().Context()
	adm, err := h.adminTokenOwner(c, h.store, false)
	if err != nil {
		return err
	}
	tokens, err := h.store.ListAdminTokens(ctx, adm.OrgID, adm.ID)
	if err != nil {
		return err
	}
	now := h.now()
	items := make([]adminTokenDoc, 0, len(tokens))
	for _, t := range tokens {
		items = append(items, adminTokenDocOf(t, now))
	}
	return c.JSON(http.StatusOK, adminTokensReply{Items: items})
}

func (h *Handler) createAdminToken(c echo.Context) error {
	if err := mintsOwn(c); err != nil {
		return err
	}
	var body adminTokenCreateBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	now := h.now()
	expires, err := checkNewToken(body.Name, body.ExpiresInDays, DefaultAdminTokenDays, now)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var tok directory.AdminToken
	var secret string
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		adm, err := h.adminTokenOwner(c, tx, true)
		if err != nil {
			return err
		}
		if adm.DisabledAt != nil {
			return adminDisabled(adm)
		}
		tok = directory.AdminToken{OrgID: adm.OrgID, AdminID: adm.ID, Name: body.Name, ExpiresAt: &expires}
		if secret, err = h.mintAdminToken(ctx, tx, &tok); err != nil {
			return err
		}
		return auditNewAdminToken(c, tx, tok, "")
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, createdAdminToken(tok, secret, now))
}

func (h *Handler) revokeAdminToken(c echo.Context) error {
	ctx := c.Request().Context()
	var tok directory.AdminToken
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		adm, err := h.adminTokenOwner(c, tx, true)
		if err != nil {
			return err
		}
		if tok, err = ownedToken(c, tx, adm); err != nil || tok.RevokedAt != nil {
			return err
		}
		if err := tx.RevokeAdminToken(ctx, adm.OrgID, tok.ID, h.now()); err != nil {
			return err
		}
		if tok, err = tx.AdminToken(ctx, adm.OrgID, tok.ID); err != nil {
			return err
		}
		return audit(c, tx, "admin_token.revoke", "admin_token", tok.ID, map[string]any{"admin_id": adm.ID, "name": tok.Name})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, adminTokenDocOf(tok, h.now()))
}

// rotateAdminToken: a new secret under the same name and lifetime; the
// old token is revoked in the same transaction, so exactly one of the
// two works at any moment.
func (h *Handler) rotateAdminToken(c echo.Context) error {
	if err := mintsOwn(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := h.now()
	var fresh directory.AdminToken
	var secret string
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		adm, err := h.adminTokenOwner(c, tx, true)
		if err != nil {
			return err
		}
		if adm.DisabledAt != nil {
			return adminDisabled(adm)
		}
		old, err := ownedToken(c, tx, adm)
		if err != nil {
			return err
		}
		if old.RevokedAt != nil {
			return newProblem(http.StatusConflict, "token_revoked", "a revoked token cannot be rotated; create a new one")
		}
		fresh = directory.AdminToken{OrgID: adm.OrgID, AdminID: adm.ID, Name: old.Name, ExpiresAt: sameLifetime(old.CreatedAt, old.ExpiresAt, now)}
		if secret, err = h.mintAdminToken(ctx, tx, &fresh); err != nil {
			return err
		}
		if err := tx.RevokeAdminToken(ctx, adm.OrgID, old.ID, now); err != nil {
			return err
		}
		if err := audit(c, tx, "admin_token.rotate", "admin_token", old.ID, map[string]any{"admin_id": adm.ID, "name": old.Name, "replaced_by": fresh.ID}); err != nil {
			return err
		}
		return auditNewAdminToken(c, tx, fresh, old.ID)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, createdAdminToken(fresh, secret, now))
}

// sameLifetime is an expiry as far from now as expiresAt was from
// createdAt; a token that never expired still does not.
func sameLifetime(createdAt time.Time, expiresAt *time.Time, now time.Time) *time.Time {
	if expiresAt == nil {
		return nil
	}
	at := now.Add(expiresAt.Sub(createdAt)).UTC().Truncate(time.Second)
	return &at
}

func adminDisabled(adm directory.Admin) *problem {
	return newProblem(http.StatusConflict, "admin_disabled", adm.Email+" is disabled; their tokens cannot work")
}

// auditNewAdminToken records a token's creation (rotatedFrom names the
// token it replaced, if any); never the secret or its hash.
func auditNewAdminToken(c echo.Context, tx directory.Store, tok directory.AdminToken, rotatedFrom string) error {
	details := map[string]any{"admin_id": tok.AdminID, "name": tok.Name, "expires_at": tok.ExpiresAt}
	if rotatedFrom != "" {
		details["rotated_from"] = rotatedFrom
	}
	return audit(c, tx, "admin_token.create", "admin_token", tok.ID, details)
}
