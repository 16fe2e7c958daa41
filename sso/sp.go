package sso

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	saml2 "github.com/russellhaering/gosaml2"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/latchkeyhq/latchkey/directory"
)

// Defaults of Options.
const (
	DefaultClockSkew        = 60 * time.Second
	DefaultRequestTTL       = 10 * time.Minute
	DefaultMaxResponseBytes = 1 << 20
	// MaxClockSkew bounds Options.ClockSkew: more would stretch every
	// assertion's validity window (and the replay cache) for little gain.
	MaxClockSkew = 5 * time.Minute
)

// purgeEvery is how often, per organization and process, a sign-in also
// deletes expired requests and assertion IDs. purgeMargin keeps rows a
// while past their expiry so a replica whose clock lags still finds them.
const (
	purgeEvery  = time.Minute
	purgeMargin = time.Hour
)

// Options configure a ServiceProvider.
type Options struct {
	// BaseURL is Latchkey's public URL (https://latchkey.example.com),
	// the prefix of every SP URL.
	BaseURL string
	Store   directory.Store
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ClockSkew is how far the IdP's clock may be off ours (default 60 s,
	// at most MaxClockSkew): NotBefore may be up to this far ahead,
	// NotOnOrAfter up to this far behind.
	ClockSkew time.Duration
	// RequestTTL is how long an AuthnRequest may wait for its answer
	// (default 10 min).
	RequestTTL time.Duration
	// MaxResponseBytes bounds the ACS POST body (default 1 MiB).
	MaxResponseBytes int64
	// Logger receives what fails in the background (purges); default
	// discards.
	Logger *slog.Logger
}

// ServiceProvider is Latchkey's SAML 2.0 service provider, one per
// process, serving every organization: each has its own entity ID, ACS
// URL and IdP settings. It keeps no state another replica needs: requests
// and used assertion IDs are in the database.
type ServiceProvider struct {
	base       *url.URL
	store      directory.Store
	now        func() time.Time
	skew       time.Duration
	requestTTL time.Duration
	maxBytes   int64
	log        *slog.Logger

	purgeMu   sync.Mutex
	lastPurge map[string]time.Time
}

// New checks opts and returns a service provider.
func New(opts Options) (*ServiceProvider, error) {
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" ||
		base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return nil, fmt.Errorf("sso: BaseURL %q must be an absolute http(s) URL without query", opts.BaseURL)
	}
	if opts.Store == nil {
		return nil, errors.New("sso: Store is required")
	}
	sp := &ServiceProvider{base: base, store: opts.Store, now: opts.Now, skew: opts.ClockSkew,
		requestTTL: opts.RequestTTL, maxBytes: opts.MaxResponseBytes, log: opts.Logger,
		lastPurge: map[string]time.Time{}}
	if sp.now == nil {
		sp.now = time.Now
	}
	switch {
	case sp.skew == 0:
		sp.skew = DefaultClockSkew
	case sp.skew < 0 || sp.skew > MaxClockSkew:
		return nil, fmt.Errorf("sso: ClockSkew must be between 0 and %s", MaxClockSkew)
	}
	if sp.requestTTL <= 0 {
		sp.requestTTL = DefaultRequestTTL
	}
	if sp.maxBytes <= 0 {
		sp.maxBytes = DefaultMaxResponseBytes
	}
	if sp.log == nil {
		sp.log = slog.New(slog.DiscardHandler)
	}
	return sp, nil
}

func (sp *ServiceProvider) orgURL(org directory.Organization, leaf string) string {
	return sp.base.String() + "/saml/" + url.PathEscape(org.Slug) + "/" + leaf
}

// EntityID is the organization's SP entity ID, which is also the URL of
// its SP metadata: {BASE_URL}/saml/{slug}/metadata.
func (sp *ServiceProvider) EntityID(org directory.Organization) string {
	return sp.orgURL(org, "metadata")
}

// ACSURL is where the IdP posts responses (HTTP-POST binding):
// {BASE_URL}/saml/{slug}/acs.
func (sp *ServiceProvider) ACSURL(org directory.Organization) string {
	return sp.orgURL(org, "acs")
}

// MetadataXML is the organization's SP metadata: entity ID, the ACS
// (HTTP-POST) and that assertions must be signed. It depends on nothing
// but the URLs, so admins can register Latchkey at their IdP before
// entering the IdP's settings here, and it never changes.
func (sp *ServiceProvider) MetadataXML(org directory.Organization) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="`)
	b.WriteString(xmlAttr(sp.EntityID(org)))
	b.WriteString(`">` + "\n")
	b.WriteString(`  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` + "\n")
	b.WriteString(`    <md:NameIDFormat>` + saml2.NameIdFormatEmailAddress + `</md:NameIDFormat>` + "\n")
	b.WriteString(`    <md:AssertionConsumerService Binding="` + saml2.BindingHttpPost + `" Location="`)
	b.WriteString(xmlAttr(sp.ACSURL(org)))
	b.WriteString(`" index="0" isDefault="true"/>` + "\n")
	b.WriteString(`  </md:SPSSODescriptor>` + "\n")
	b.WriteString(`</md:EntityDescriptor>` + "\n")
	return []byte(b.String())
}

// Metadata serves MetadataXML (GET or HEAD).
func (sp *ServiceProvider) Metadata(w http.ResponseWriter, r *http.Request, org directory.Organization) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	body := sp.MetadataXML(org)
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func xmlAttr(s string) string {
	r := strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&quot;", `'`, "&apos;")
	return r.Replace(s)
}

// settings loads the org's IdP settings.
func (sp *ServiceProvider) settings(ctx context.Context, org directory.Organization) (directory.SAMLSettings, error) {
	s, err := sp.store.SAMLSettings(ctx, org.ID)
	switch {
	case errors.Is(err, directory.ErrNotFound):
		return s, fail(ErrNotConfigured, "organization "+org.Slug, nil)
	case err != nil:
		return s, storeError("load settings", err)
	}
	return s, nil
}

// library configures gosaml2 for one organization, with its clock at at.
// Every knob it relies on is set: the IdP's issuer (else the Issuer goes
// unchecked), our ACS URL and entity ID, the IdP's certificates only
// (KeyInfo in a message is never trusted by itself), signature validation
// on.
func (sp *ServiceProvider) library(org directory.Organization, s directory.SAMLSettings, at time.Time) (*saml2.SAMLServiceProvider, error) {
	certs := make([]*x509.Certificate, 0, len(s.Certificates))
	for i, c := range s.Certificates {
		cert, err := directory.ParseCertificatePEM(c)
		if err != nil {
			return nil, fmt.Errorf("stored certificate %d: %w", i+1, err)
		}
		certs = append(certs, cert)
	}
	lib := &saml2.SAMLServiceProvider{
		IdentityProviderSSOURL:      s.SSOURL,
		IdentityProviderSSOBinding:  saml2.BindingHttpRedirect,
		IdentityProviderIssuer:      s.IdPEntityID,
		AssertionConsumerServiceURL: sp.ACSURL(org),
		ServiceProviderIssuer:       sp.EntityID(org),
		AudienceURI:                 sp.EntityID(org),
		IDPCertificateStore:         &dsig.MemoryX509CertificateStore{Roots: certs},
		SkipSignatureValidation:     false,
		AllowMissingAttributes:      true,
		Clock:                       dsig.NewFakeClock(fixedClock{Clock: clockwork.NewRealClock(), at: at}),
		MaximumDecompressedBodySize: sp.maxBytes,
	}
	if lib.SkipSignatureValidation || lib.IdentityProviderIssuer == "" {
		return nil, errors.New("refusing to run without signature and issuer checks")
	}
	return lib, nil
}

// fixedClock is the clock gosaml2 and goxmldsig read (only Now).
type fixedClock struct {
	clockwork.Clock
	at time.Time
}

func (c fixedClock) Now() time.Time                  { return c.at }
func (c fixedClock) Since(t time.Time) time.Duration { return c.at.Sub(t) }
func (c fixedClock) Until(t time.Time) time.Duration { return t.Sub(c.at) }

// purge deletes the org's expired requests and assertion IDs, at most
// once per purgeEvery in this process. Failure only costs disk space.
func (sp *ServiceProvider) purge(ctx context.Context, orgID string) {
	now := sp.now()
	sp.purgeMu.Lock()
	if last, ok := sp.lastPurge[orgID]; ok && now.Sub(last) < purgeEvery && now.After(last) {
		sp.purgeMu.Unlock()
		return
	}
	sp.lastPurge[orgID] = now
	sp.purgeMu.Unlock()
	if _, err := sp.store.PurgeSAML(ctx, orgID, now.Add(-purgeMargin)); err != nil {
		sp.log.WarnContext(ctx, "sso: purging expired SAML requests and assertion ids failed", "org", orgID, "err", err)
	}
}

func storeError(what string, err error) error {
	if errors.Is(err, directory.ErrUnavailable) {
		return fail(directory.ErrUnavailable, what, err)
	}
	return fmt.Errorf("sso: %s: %w", what, err)
}

// readForm returns the POSTed form, reading at most maxBytes of body (or
// the form a middleware already parsed).
func (sp *ServiceProvider) readForm(r *http.Request) (url.Values, error) {
	if r.Method != http.MethodPost {
		return nil, fail(ErrMalformed, "ACS needs POST, got "+r.Method, nil)
	}
	if r.PostForm != nil {
		return r.PostForm, nil
	}
	ct := r.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if !strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded") {
		return nil, fail(ErrMalformed, "ACS needs a form post, got Content-Type "+quote(r.Header.Get("Content-Type")), nil)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, sp.maxBytes+1))
	if err != nil {
		return nil, fail(ErrMalformed, "reading the body", err)
	}
	if int64(len(body)) > sp.maxBytes {
		return nil, fail(ErrMalformed, fmt.Sprintf("body larger than %d bytes", sp.maxBytes), nil)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fail(ErrMalformed, "form does not parse", err)
	}
	return form, nil
}

// quote shortens and quotes a value from a message for a log line.
func quote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return fmt.Sprintf("%q", s)
}
