package sso

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// expiryWarning is how early SaveSettings warns about a certificate that
// is about to expire.
const expiryWarning = 30 * 24 * time.Hour

// SaveSettings validates and stores an organization's IdP settings and
// returns warnings for the admin. When MetadataXML is given, the entity
// ID, SSO URL and certificates are read from it (replacing what was typed
// for them). Certificates are stored re-encoded, without duplicates;
// email domains trimmed, lower-cased, without duplicates.
//
// Certificate validity: goxmldsig refuses signatures made with a
// certificate outside its validity period, so settings where no
// certificate is valid now would refuse every sign-in: that is an error
// (ErrInvalid). An expired or not-yet-valid certificate next to a valid
// one is kept (rollover) with a warning, as is one expiring within 30
// days.
func (sp *ServiceProvider) SaveSettings(ctx context.Context, s *directory.SAMLSettings) ([]string, error) {
	if strings.TrimSpace(s.MetadataXML) != "" {
		md, err := ParseIdPMetadata([]byte(s.MetadataXML))
		if err != nil {
			return nil, err
		}
		s.IdPEntityID, s.SSOURL, s.Certificates = md.EntityID, md.SSOURL, md.Certificates
	}
	s.IdPEntityID = strings.TrimSpace(s.IdPEntityID)
	s.SSOURL = strings.TrimSpace(s.SSOURL)
	certs, parsed, err := normalizeCertificates(s.Certificates)
	if err != nil {
		return nil, err
	}
	s.Certificates = certs
	s.EmailDomains = normalizeDomains(s.EmailDomains)
	if err := s.Validate(); err != nil {
		return nil, err
	}
	warnings, err := certificateWarnings(parsed, sp.now())
	if err != nil {
		return nil, err
	}
	if err := sp.store.PutSAMLSettings(ctx, s); err != nil {
		return nil, err
	}
	return warnings, nil
}

func normalizeCertificates(in []string) ([]string, []*x509.Certificate, error) {
	var out []string
	var parsed []*x509.Certificate
	for i, c := range in {
		cert, err := directory.ParseCertificatePEM(c)
		if err != nil {
			return nil, nil, &directory.ValidationError{Field: "certificates", Problem: fmt.Sprintf("certificate %d: %v", i+1, err)}
		}
		p := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
		if !slices.Contains(out, p) {
			out = append(out, p)
			parsed = append(parsed, cert)
		}
	}
	return out, parsed, nil
}

func normalizeDomains(in []string) []string {
	out := []string{}
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(d))
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func certificateWarnings(certs []*x509.Certificate, now time.Time) ([]string, error) {
	var warnings []string
	valid := 0
	for i, c := range certs {
		name := fmt.Sprintf("certificate %d (%s)", i+1, c.Subject.CommonName)
		switch {
		case now.After(c.NotAfter):
			warnings = append(warnings, fmt.Sprintf("%s expired on %s; signatures made with it are refused", name, c.NotAfter.UTC().Format(time.DateOnly)))
		case now.Before(c.NotBefore):
			warnings = append(warnings, fmt.Sprintf("%s is not valid before %s; signatures made with it are refused until then", name, c.NotBefore.UTC().Format(time.DateOnly)))
		default:
			valid++
			if c.NotAfter.Sub(now) < expiryWarning {
				warnings = append(warnings, fmt.Sprintf("%s expires on %s; add the identity provider's next certificate before then", name, c.NotAfter.UTC().Format(time.DateOnly)))
			}
		}
	}
	if valid == 0 && len(certs) > 0 {
		return nil, &directory.ValidationError{Field: "certificates",
			Problem: "no certificate is valid now, so every sign-in would be refused: " + strings.Join(warnings, "; ")}
	}
	return warnings, nil
}
