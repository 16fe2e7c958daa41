package admin

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// settingsRoutes are the organization's settings: invitation settings
// and lifetimes, claim steps, invite rules, email templates, terms of
// use, the groups offered while claiming, and SSO.
func (h *Handler) settingsRoutes() []route {
	var all []route
	for _, group := range [][]route{
		h.settingsOrgRoutes(),
		h.settingsRuleRoutes(),
		h.settingsTemplateRoutes(),
		h.settingsTermsRoutes(),
		h.settingsGroupRoutes(),
		h.settingsSSORoutes(),
	} {
		all = append(all, group...)
	}
	return all
}

func (h *Handler) settingsOrgRoutes() []route {
	return []route{
		{Method: http.MethodGet, Path: "/settings", Permission: directory.PermReadSettings, Tag: "settings",
			Summary: "The organization's invitation settings, lifetimes, reminders and claim steps",
			Reply:   settingsDoc{}, Handle: h.getSettings},
		{Method: http.MethodPatch, Path: "/settings", Permission: directory.PermManageSettings, Tag: "settings",
			Summary: "Change some settings (members left out stay; null puts a lifetime back to the server default)",
			Body:    settingsPatchDoc{}, Reply: settingsDoc{}, Handle: h.patchSettings},
	}
}

// settingsDoc is GET /settings: the effective values, and which of the
// lifetimes follow the server's defaults (ServerDefaults).
type settingsDoc struct {
	Name       string `json:"name"`
	AutoInvite bool   `json:"auto_invite"`
	InviteHour int    `json:"invite_hour"`
	TimeZone   string `json:"time_zone"`
	// LinkTTLHours and CodeTTLDays are how long claim links and access
	// codes work; Reminders are hours after the invitation.
	LinkTTLHours   int           `json:"link_ttl_hours"`
	CodeTTLDays    int           `json:"code_ttl_days"`
	Reminders      []int         `json:"reminders"`
	ServerDefaults []string      `json:"server_defaults"`
	Claim          settingsClaim `json:"claim"`
}

// settingsClaim is what the first-access steps ask of people.
type settingsClaim struct {
	TermsOptional   bool     `json:"terms_optional"`
	ProfileRequired bool     `json:"profile_required"`
	PictureRequired bool     `json:"picture_required"`
	GroupsRequired  bool     `json:"groups_required"`
	EditableFields  []string `json:"editable_fields"`
}

func (h *Handler) settingsOf(org directory.Organization) settingsDoc {
	org = org.WithDefaults()
	lt := h.inviter.Lifetimes(org)
	doc := settingsDoc{Name: org.Name, AutoInvite: org.AutoInvite, InviteHour: org.InviteHour, TimeZone: org.TimeZone,
		LinkTTLHours: int(lt.Link / time.Hour), CodeTTLDays: int(lt.Code / (24 * time.Hour)), Reminders: []int{},
		ServerDefaults: []string{}, Claim: settingsClaimOf(org.Claim)}
	for _, d := range lt.Reminders {
		doc.Reminders = append(doc.Reminders, int(d/time.Hour))
	}
	for _, d := range []struct {
		field string
		unset bool
	}{{"link_ttl_hours", org.LinkTTL == 0}, {"code_ttl_days", org.CodeTTL == 0}, {"reminders", org.Reminders == nil}} {
		if d.unset {
			doc.ServerDefaults = append(doc.ServerDefaults, d.field)
		}
	}
	return doc
}

func settingsClaimOf(cs directory.ClaimSettings) settingsClaim {
	doc := settingsClaim{TermsOptional: cs.TermsOptional, ProfileRequired: cs.ProfileRequired,
		PictureRequired: cs.PictureRequired, GroupsRequired: cs.GroupsRequired, EditableFields: []string{}}
	for _, f := range directory.ProfileFields {
		if cs.Editable(f) {
			doc.EditableFields = append(doc.EditableFields, f)
		}
	}
	return doc
}

func (h *Handler) getSettings(c echo.Context) error {
	ctx := c.Request().Context()
	org, err := h.store.Organization(ctx, callerFrom(ctx).OrgID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.settingsOf(org))
}

// patchSettings validates every member first (each on its own, so every
// field at fault is named), then writes them in one transaction with
// one audit record of what changed.
func (h *Handler) patchSettings(c echo.Context) error {
	var patch settingsPatch
	if err := decodeBody(c, &patch); err != nil {
		return err
	}
	changes, errs := patch.changes()
	ctx := c.Request().Context()
	var doc settingsDoc
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		org, err := tx.Organization(ctx, callerFrom(ctx).OrgID)
		if err != nil {
			return err
		}
		next, err := applySettings(org, changes, errs)
		if err != nil {
			return err
		}
		doc = h.settingsOf(next)
		diff, err := settingsDiff(h.settingsOf(org), doc)
		if err != nil || len(diff) == 0 {
			return err // nothing changed: nothing to write or record
		}
		if err := tx.UpdateOrganization(ctx, &next); err != nil {
			return err
		}
		return audit(c, tx, "organization.settings", "organization", org.ID, map[string]any{"changes": diff})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

// applySettings checks each change against org on its own (org as
// stored is valid, so a problem is that change's), naming every field
// at fault (with errs, the body's own), then all of them together.
func applySettings(org directory.Organization, changes []settingChange, errs []fieldError) (directory.Organization, error) {
	next := org
	for _, ch := range changes {
		alone := org
		ch.apply(&alone)
		if err := alone.Validate(); err != nil {
			errs = append(errs, settingsFieldError(ch.field, err))
		}
		ch.apply(&next)
	}
	if len(errs) > 0 {
		return org, invalidFields(errs)
	}
	if err := next.Validate(); err != nil {
		return org, invalidFields([]fieldError{settingsFieldError("settings", err)})
	}
	return next, nil
}
