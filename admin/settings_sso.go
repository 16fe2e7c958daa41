package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/sso"
)

// ssoBodyLimit fits IdP metadata (up to 1 MiB) after JSON escaping.
const ssoBodyLimit = 2 << 20

// SSO is the organization's SAML identity provider, set, shown and
// checked exactly as `latchkey sso set` does it (package sso validates).
func (h *Handler) settingsSSORoutes() []route {
	return []route{
		{Method: http.MethodGet, Path: "/sso", Permission: directory.PermReadSettings, Tag: "sso",
			Summary: "The SAML identity provider, and the values to give it (entity ID, ACS URL, metadata URL)",
			Reply:   ssoDoc{}, Handle: h.getSSO},
		{Method: http.MethodPut, Path: "/sso", Permission: directory.PermManageSSO, Tag: "sso",
			Summary: "Set the SAML identity provider from its metadata XML or typed-in values; answers warnings too",
			Body:    ssoBody{}, BodyLimit: ssoBodyLimit, Reply: ssoDoc{}, Handle: h.putSSO},
		{Method: http.MethodDelete, Path: "/sso", Permission: directory.PermManageSSO, Tag: "sso",
			Summary: "Turn single sign-on off", Status: http.StatusNoContent, Handle: h.deleteSSO},
		{Method: http.MethodPost, Path: "/sso/test", Permission: directory.PermManageSSO, Tag: "sso",
			Summary: "Test SSO settings (the body's, else the stored ones): metadata, certificates, SSO URL; saves nothing",
			Body:    ssoBody{}, OptionalBody: true, BodyLimit: ssoBodyLimit, Reply: ssoTestReply{}, Handle: h.testSSO},
	}
}

// ssoBody is the identity provider: its metadata XML, which gives the
// entity ID, SSO URL and certificates, or those typed in.
type ssoBody struct {
	MetadataXML string `json:"metadata_xml,omitempty"`
	IdPEntityID string `json:"idp_entity_id,omitempty"`
	SSOURL      string `json:"sso_url,omitempty"`
	// Certificates are PEM, one each (two during a rollover).
	Certificates []string `json:"certificates,omitempty"`
	// EmailDomains are the domains whose people must sign in through
	// the identity provider.
	EmailDomains      []string `json:"email_domains,omitempty"`
	AllowIdPInitiated bool     `json:"allow_idp_initiated,omitempty"`
}

func (b ssoBody) settings(orgID string) directory.SAMLSettings {
	return directory.SAMLSettings{OrgID: orgID, MetadataXML: b.MetadataXML, IdPEntityID: b.IdPEntityID, SSOURL: b.SSOURL,
		Certificates: b.Certificates, EmailDomains: b.EmailDomains, AllowIdPInitiated: b.AllowIdPInitiated}
}

// ssoDoc: Settings is absent while SSO is off; Warnings (PUT only) say
// what will stop working soon.
type ssoDoc struct {
	Configured      bool         `json:"configured"`
	Settings        *ssoSettings `json:"settings,omitempty"`
	ServiceProvider ssoSP        `json:"service_provider"`
	Warnings        []string     `json:"warnings,omitempty"`
}

type ssoSettings struct {
	IdPEntityID       string           `json:"idp_entity_id"`
	SSOURL            string           `json:"sso_url"`
	Certificates      []ssoCertificate `json:"certificates"`
	EmailDomains      []string         `json:"email_domains"`
	AllowIdPInitiated bool             `json:"allow_idp_initiated"`
	FromMetadata      bool             `json:"from_metadata"`
	UpdatedAt         time.Time        `json:"updated_at"`
}

type ssoCertificate struct {
	Subject   string    `json:"subject"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	SHA256    string    `json:"sha256"`
	PEM       string    `json:"pem"`
}

// ssoSP are the values to copy into the identity provider.
type ssoSP struct {
	EntityID    string `json:"entity_id"`
	ACSURL      string `json:"acs_url"`
	MetadataURL string `json:"metadata_url"`
}

func ssoSettingsOf(s directory.SAMLSettings) *ssoSettings {
	doc := &ssoSettings{IdPEntityID: s.IdPEntityID, SSOURL: s.SSOURL, Certificates: []ssoCertificate{},
		EmailDomains: append([]string{}, s.EmailDomains...), AllowIdPInitiated: s.AllowIdPInitiated,
		FromMetadata: s.MetadataXML != "", UpdatedAt: s.UpdatedAt}
	for _, p := range s.Certificates {
		cert, err := directory.ParseCertificatePEM(p)
		if err != nil {
			continue // stored settings were validated; nothing to show
		}
		sum := sha256.Sum256(cert.Raw)
		doc.Certificates = append(doc.Certificates, ssoCertificate{Subject: cert.Subject.String(),
			NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC(), SHA256: hex.EncodeToString(sum[:]), PEM: p})
	}
	return doc
}

// serviceProvider is the SAML SP as serve builds it, on store (a
// transaction's, to save).
func (h *Handler) serviceProvider(store directory.Store) (*sso.ServiceProvider, error) {
	return sso.New(sso.Options{BaseURL: h.baseURL, Store: store, Now: h.now, Logger: h.log})
}

// ssoDocOf is the document for org's settings (nil: SSO off).
func (h *Handler) ssoDocOf(ctx context.Context, store directory.Store, settings *directory.SAMLSettings) (ssoDoc, error) {
	sp, err := h.serviceProvider(store)
	if err != nil {
		return ssoDoc{}, err
	}
	org, err := store.Organization(ctx, callerFrom(ctx).OrgID)
	if err != nil {
		return ssoDoc{}, err
	}
	doc := ssoDoc{ServiceProvider: ssoSP{EntityID: sp.EntityID(org), ACSURL: sp.ACSURL(org), MetadataURL: sp.EntityID(org)}}
	if settings != nil {
		doc.Configured, doc.Settings = true, ssoSettingsOf(*settings)
	}
	return doc, nil
}

func (h *Handler) getSSO(c echo.Context) error {
	ctx := c.Request().Context()
	var settings *directory.SAMLSettings
	s, err := h.store.SAMLSettings(ctx, callerFrom(ctx).OrgID)
	switch {
	case err == nil:
		settings = &s
	case !errors.Is(err, directory.ErrNotFound):
		return err
	}
	doc, err := h.ssoDocOf(ctx, h.store, settings)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

func (h *Handler) putSSO(c echo.Context) error {
	var body ssoBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	ctx := c.Request().Context()
	settings := body.settings(callerFrom(ctx).OrgID)
	var doc ssoDoc
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		before, err := tx.SAMLSettings(ctx, settings.OrgID)
		if err != nil && !errors.Is(err, directory.ErrNotFound) {
			return err
		}
		sp, err := h.serviceProvider(tx)
		if err != nil {
			return err
		}
		warnings, err := sp.SaveSettings(ctx, &settings)
		if err != nil {
			return ssoProblem(err)
		}
		if doc, err = h.ssoDocOf(ctx, tx, &settings); err != nil {
			return err
		}
		doc.Warnings = warnings
		diff, err := settingsDiff(ssoAudited(before), ssoAudited(settings))
		if err != nil {
			return err
		}
		return audit(c, tx, "sso.settings", "organization", settings.OrgID, map[string]any{"changes": diff})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

// ssoAudited is what the audit record compares: certificates by their
// fingerprints, no metadata text.
func ssoAudited(s directory.SAMLSettings) map[string]any {
	if s.IdPEntityID == "" {
		return map[string]any{}
	}
	doc := ssoSettingsOf(s)
	fingerprints := make([]string, 0, len(doc.Certificates))
	for _, c := range doc.Certificates {
		fingerprints = append(fingerprints, c.SHA256)
	}
	return map[string]any{"idp_entity_id": doc.IdPEntityID, "sso_url": doc.SSOURL, "certificates": fingerprints,
		"email_domains": doc.EmailDomains, "allow_idp_initiated": doc.AllowIdPInitiated, "from_metadata": doc.FromMetadata}
}

func (h *Handler) deleteSSO(c echo.Context) error {
	ctx := c.Request().Context()
	orgID := callerFrom(ctx).OrgID
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.DeleteSAMLSettings(ctx, orgID); err != nil {
			return err
		}
		return audit(c, tx, "sso.remove", "organization", orgID, nil)
	})
	if errors.Is(err, directory.ErrNotFound) {
		return newProblem(http.StatusNotFound, "not_found", "single sign-on is not set up for this organization")
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ssoFields maps the SAML settings' field names, as their validation
// names them, to this API's.
var ssoFields = map[string]string{
	"metadataXml": "metadata_xml", "idpEntityId": "idp_entity_id", "ssoUrl": "sso_url",
	"certificates": "certificates", "emailDomains": "email_domains",
}

// ssoProblem is a validation error of the settings as a 400 naming this
// API's field; other errors pass through.
func ssoProblem(err error) error {
	var invalid *directory.ValidationError
	if !errors.As(err, &invalid) {
		return err
	}
	field := invalid.Field
	if mapped, ok := ssoFields[field]; ok {
		field = mapped
	}
	return invalidField(field, invalid.Problem)
}
