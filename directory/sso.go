package directory

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// SAMLSettings are an organization's SAML identity provider, as its
// admins entered them. Having settings is what turns single sign-on on.
type SAMLSettings struct {
	OrgID string
	// IdPEntityID is the IdP's entity ID: the Issuer its responses and
	// assertions must carry.
	IdPEntityID string
	// SSOURL is where AuthnRequests go (HTTP-Redirect binding).
	SSOURL string
	// Certificates are the IdP's signing certificates, PEM, one each; only
	// signatures made with one of them are trusted (two during a rollover).
	Certificates []string
	// MetadataXML is the IdP metadata the other fields were read from, as
	// pasted; "" when they were typed in.
	MetadataXML string
	// AllowIdPInitiated accepts responses that answer no request of ours
	// (an IdP app tile). Off by default: such responses are a login-CSRF
	// vector.
	AllowIdPInitiated bool
	// EmailDomains (lower case) are the domains whose people must sign in
	// through the IdP.
	EmailDomains []string
	UpdatedAt    time.Time
}

// Limits of SAML settings.
const (
	MaxSAMLCertificates = 10
	MaxSAMLEmailDomains = 100
	// MaxSAMLMetadataBytes bounds pasted IdP metadata.
	MaxSAMLMetadataBytes = 1 << 20
	maxCertificatePEM    = 16 << 10
)

var domainPattern = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// Validate checks what every backend and the service provider rely on:
// an entity ID, an https SSO URL (http only for a loopback host), one to
// ten PEM certificates that parse and hold an RSA or ECDSA key, and email
// domains that are DNS names. Certificate validity periods are not checked
// here (the store has no business with the clock); sso does it on save.
func (s SAMLSettings) Validate() error {
	if strings.TrimSpace(s.IdPEntityID) == "" {
		return invalid("idpEntityId", "is required")
	}
	if err := checkTexts("idpEntityId", s.IdPEntityID, "ssoUrl", s.SSOURL); err != nil {
		return err
	}
	if err := checkSSOURL(s.SSOURL); err != nil {
		return err
	}
	if len(s.Certificates) == 0 {
		return invalid("certificates", "at least one IdP signing certificate is required")
	}
	if len(s.Certificates) > MaxSAMLCertificates {
		return invalid("certificates", fmt.Sprintf("at most %d certificates", MaxSAMLCertificates))
	}
	for i, c := range s.Certificates {
		if _, err := ParseCertificatePEM(c); err != nil {
			return invalid("certificates", fmt.Sprintf("certificate %d: %v", i+1, err))
		}
	}
	if len(s.EmailDomains) > MaxSAMLEmailDomains {
		return invalid("emailDomains", fmt.Sprintf("at most %d domains", MaxSAMLEmailDomains))
	}
	for _, d := range s.EmailDomains {
		if len(d) > 253 || !domainPattern.MatchString(strings.ToLower(d)) {
			return invalid("emailDomains", fmt.Sprintf("%q is not a domain name such as example.com", truncateText(d, 64)))
		}
	}
	if len(s.MetadataXML) > MaxSAMLMetadataBytes {
		return invalid("metadataXml", fmt.Sprintf("must be at most %d bytes", MaxSAMLMetadataBytes))
	}
	return checkText("metadataXml", s.MetadataXML, MaxSAMLMetadataBytes)
}

func checkSSOURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return invalid("ssoUrl", "must be an absolute https URL")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopbackHost(u.Hostname()) {
			return nil
		}
	}
	return invalid("ssoUrl", "must be an https URL (http only for localhost)")
}

func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseCertificatePEM parses one PEM CERTIFICATE block (nothing else in
// the text) holding an RSA or ECDSA public key.
func ParseCertificatePEM(text string) (*x509.Certificate, error) {
	if len(text) > maxCertificatePEM {
		return nil, fmt.Errorf("longer than %d bytes", maxCertificatePEM)
	}
	block, rest := pem.Decode([]byte(strings.TrimSpace(text)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("not a PEM certificate (-----BEGIN CERTIFICATE-----)")
	}
	if len(strings.TrimSpace(string(rest))) != 0 {
		return nil, fmt.Errorf("one certificate per entry")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("does not parse: %v", err)
	}
	switch cert.PublicKey.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
	default:
		return nil, fmt.Errorf("key type %T cannot verify SAML signatures (use RSA or ECDSA)", cert.PublicKey)
	}
	return cert, nil
}

// RequiresSSO reports whether email's domain is one of EmailDomains
// (exactly, case-insensitively; subdomains are not included).
func (s SAMLSettings) RequiresSSO(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	domain := strings.ToLower(strings.TrimSpace(email[at+1:]))
	for _, d := range s.EmailDomains {
		if strings.ToLower(d) == domain {
			return true
		}
	}
	return false
}

// SAMLRequest is an AuthnRequest we sent and are waiting to see answered
// (InResponseTo). It is used once.
type SAMLRequest struct {
	OrgID string
	// ID is the AuthnRequest's ID.
	ID string
	// RelayState is the opaque handle sent along; the IdP returns it.
	RelayState string
	// ReturnPath is where the person goes after signing in (a local path).
	ReturnPath string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// SAMLStore keeps SAML settings and the state that lets several replicas
// agree on which requests are outstanding and which assertions were used.
type SAMLStore interface {
	// PutSAMLSettings creates or replaces the org's settings (Validate
	// first, ErrInvalid) and sets UpdatedAt. Email domains are stored in
	// lower case.
	PutSAMLSettings(ctx context.Context, s *SAMLSettings) error
	// SAMLSettings returns the org's settings, ErrNotFound when SSO is not
	// set up.
	SAMLSettings(ctx context.Context, orgID string) (SAMLSettings, error)
	// DeleteSAMLSettings turns SSO off; ErrNotFound when it was off.
	DeleteSAMLSettings(ctx context.Context, orgID string) error

	// CreateSAMLRequest records an outstanding AuthnRequest. ErrConflict
	// on a taken ID.
	CreateSAMLRequest(ctx context.Context, r SAMLRequest) error
	// ConsumeSAMLRequest removes the request and returns it: of concurrent
	// calls exactly one succeeds, the others (and every later one) get
	// ErrNotFound. Expiry is the caller's to check.
	ConsumeSAMLRequest(ctx context.Context, orgID, id string) (SAMLRequest, error)
	// RecordSAMLAssertion remembers an assertion ID until expiresAt;
	// ErrConflict when it is already remembered (a replay). Of concurrent
	// calls with one ID exactly one succeeds.
	RecordSAMLAssertion(ctx context.Context, orgID, assertionID string, expiresAt time.Time) error
	// PurgeSAML deletes the org's requests and assertion IDs that expired
	// before the given time, and returns how many rows went.
	PurgeSAML(ctx context.Context, orgID string, before time.Time) (int64, error)
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
