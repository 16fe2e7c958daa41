package sso

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// FuzzResponse feeds arbitrary SAMLResponse values through everything
// before the database: decode, precheck, gosaml2's verification and our
// checks. Nothing may panic, every refusal carries a reason, and nothing
// unsigned gets through (the fuzzer has no key the settings trust).
func FuzzResponse(f *testing.F) {
	now := time.Now()
	certPEM := ecCertPEM(f)
	sp := &ServiceProvider{maxBytes: DefaultMaxResponseBytes, skew: DefaultClockSkew, now: time.Now}
	base, _ := New(Options{BaseURL: "https://latchkey.example", Store: failingStore{}})
	sp.base = base.base
	org := directory.Organization{ID: "org", Slug: "acme"}
	settings := directory.SAMLSettings{OrgID: "org", IdPEntityID: "https://idp.example", SSOURL: "https://idp.example/sso",
		Certificates: []string{certPEM}}

	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	f.Add(enc(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Version="2.0" ID="r"><saml:Issuer>https://idp.example</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="a" Version="2.0"><saml:Issuer>https://idp.example</saml:Issuer></saml:Assertion></samlp:Response>`))
	f.Add(enc(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:SignatureMethod Algorithm="x"/><ds:Reference URI="#r"/></ds:SignedInfo></ds:Signature></samlp:Response>`))
	f.Add(enc(`<a><!-- --></a>`))
	f.Add("not base64 %%%")
	f.Add("")
	f.Fuzz(func(t *testing.T, samlResponse string) {
		encoded, doc, err := sp.decode(samlResponse)
		if err == nil {
			var raw rawAssertion
			if raw, err = precheck(doc); err == nil {
				lib, lerr := sp.library(org, settings, now)
				if lerr != nil {
					t.Fatal(lerr)
				}
				resp, verr := verify(lib, encoded)
				if verr == nil {
					_, err = sp.check(org, settings, resp, raw, now)
					if err == nil {
						t.Fatalf("a response nobody signed passed every check: %q", samlResponse)
					}
				} else {
					err = verr
				}
			}
		}
		var e *Error
		if err == nil || !errors.As(err, &e) || Reason(err) == nil {
			t.Fatalf("refusal without a reason: %v", err)
		}
	})
}
