package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// Terms of use come in numbered versions that never change once
// published; people claiming accept the newest.
func (h *Handler) settingsTermsRoutes() []route {
	return []route{
		{Method: http.MethodGet, Path: "/terms", Permission: directory.PermReadSettings, Tag: "settings",
			Summary: "The current terms of use (404 while none are published)", Reply: termsDoc{}, Handle: h.getTerms},
		{Method: http.MethodPost, Path: "/terms", Permission: directory.PermManageSettings, Tag: "settings",
			Summary: "Publish a new version of the terms of use; people claiming from now on accept it",
			Body:    termsBody{}, Reply: termsDoc{}, Status: http.StatusCreated, Handle: h.publishTerms},
	}
}

type termsDoc struct {
	Version     int       `json:"version"`
	Text        string    `json:"text"`
	PublishedAt time.Time `json:"published_at"`
}

// termsBody is the plain text of the terms (at most 200,000 bytes).
type termsBody struct {
	Text string `json:"text"`
}

func (h *Handler) getTerms(c echo.Context) error {
	ctx := c.Request().Context()
	t, err := h.store.CurrentTerms(ctx, callerFrom(ctx).OrgID)
	if errors.Is(err, directory.ErrNotFound) {
		return newProblem(http.StatusNotFound, "not_found", "the organization has published no terms of use; the claim pages skip that step")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, termsDoc{Version: t.Version, Text: t.Text, PublishedAt: t.CreatedAt})
}

func (h *Handler) publishTerms(c echo.Context) error {
	var body termsBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	ctx := c.Request().Context()
	t := directory.Terms{OrgID: callerFrom(ctx).OrgID, Text: body.Text}
	if err := t.Validate(); err != nil {
		return err
	}
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.PublishTerms(ctx, &t); err != nil {
			return err
		}
		return audit(c, tx, "terms.publish", "organization", t.OrgID, map[string]any{"version": t.Version, "bytes": len(t.Text)})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, termsDoc{Version: t.Version, Text: t.Text, PublishedAt: t.CreatedAt})
}
