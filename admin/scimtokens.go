package admin

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

// scimTokenRoutes: the bearer tokens identity providers call the SCIM
// endpoint with, as `latchkey scim-token` manages them.
func (h *Handler) scimTokenRoutes() []route {
	manage := directory.PermManageScimTokens
	return []route{
		{Method: http.MethodGet, Path: "/scim-tokens", Permission: manage, Tag: "access",
			Summary: "SCIM tokens, oldest first, revoked and expired ones included",
			Reply:   scimTokensReply{}, Handle: h.listScimTokens},
		{Method: http.MethodPost, Path: "/scim-tokens", Permission: manage, Tag: "access",
			Summary: "Create a SCIM token for an identity provider, shown once",
			Body:    scimTokenCreateBody{}, Reply: createdScimTokenDoc{}, Status: http.StatusCreated, Handle: h.createScimToken},
		{Method: http.MethodDelete, Path: "/scim-tokens/:id", Permission: manage, Tag: "access",
			Summary: "Revoke a SCIM token: requests using it are refused from now on",
			Reply:   scimTokenDoc{}, Handle: h.revokeScimToken},
	}
}

// scimTokenDoc is a SCIM token as the API shows it: never its secret.
type scimTokenDoc struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"` // active, expired or revoked
	// ClientID is the SCIM client the OAuth token endpoint issued the
	// token to; empty for tokens made by hand.
	ClientID   string     `json:"client_id"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// createdScimTokenDoc is a new token with its secret, shown this once,
// and the URL to give the identity provider.
type createdScimTokenDoc struct {
	scimTokenDoc
	Token       string `json:"token"`
	SCIMBaseURL string `json:"scim_base_url"`
}

type scimTokensReply struct {
	Items []scimTokenDoc `json:"items"`
}

type scimTokenCreateBody struct {
	// Name says what the token is for, e.g. "Entra ID".
	Name string `json:"name"`
	// ExpiresInDays is the lifetime (default 365, at most 3650).
	ExpiresInDays *int `json:"expires_in_days"`
}

func scimTokenDocOf(t directory.ScimToken, now time.Time) scimTokenDoc {
	revoked := t.RevokedAt
	if revoked == nil && t.ClientRevokedAt != nil {
		revoked = t.ClientRevokedAt
	}
	return scimTokenDoc{ID: t.ID, Name: t.Name, Status: tokenStatus(revoked, t.ExpiresAt, now), ClientID: t.ClientID,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt, LastUsedAt: t.LastUsedAt}
}

func (h *Handler) listScimTokens(c echo.Context) error {
	who := callerFrom(c.Request().Context())
	tokens, err := h.store.ListScimTokens(c.Request().Context(), who.OrgID)
	if err != nil {
		return err
	}
	now := h.now()
	items := make([]scimTokenDoc, 0, len(tokens))
	for _, t := range tokens {
		items = append(items, scimTokenDocOf(t, now))
	}
	return c.JSON(http.StatusOK, scimTokensReply{Items: items})
}

func (h *Handler) createScimToken(c echo.Context) error {
	var body scimTokenCreateBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	now := h.now()
	expires, err := checkNewToken(body.Name, body.ExpiresInDays, DefaultScimTokenDays, now)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	secret, hash, err := h.hasher.New(credential.KindScim)
	if err != nil {
		return err
	}
	tok := directory.ScimToken{OrgID: who.OrgID, Name: body.Name, Hash: hash, ExpiresAt: &expires}
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.CreateScimToken(ctx, &tok); err != nil {
			return err
		}
		return audit(c, tx, "scim_token.create", "scim_token", tok.ID, map[string]any{"name": tok.Name, "expires_at": tok.ExpiresAt})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, createdScimTokenDoc{scimTokenDoc: scimTokenDocOf(tok, now), Token: secret,
		SCIMBaseURL: strings.TrimRight(h.baseURL, "/") + "/scim/v2"})
}

// revokeScimToken: DELETE /scim-tokens/{id}; revoking again changes
// nothing and keeps the first time.
func (h *Handler) revokeScimToken(c echo.Context) error {
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	id := c.Param("id")
	var tok directory.ScimToken
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		var err error
		if tok, err = tx.ScimToken(ctx, who.OrgID, id); err != nil || tok.RevokedAt != nil {
			return err
		}
		if err := tx.RevokeScimToken(ctx, who.OrgID, id, h.now()); err != nil {
			return err
		}
		if tok, err = tx.ScimToken(ctx, who.OrgID, id); err != nil {
			return err
		}
		return audit(c, tx, "scim_token.revoke", "scim_token", id, map[string]any{"name": tok.Name})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, scimTokenDocOf(tok, h.now()))
}
