package sso

import (
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func certBase64(t testing.TB, pemText string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(pemText))
	return base64.StdEncoding.EncodeToString(block.Bytes)
}

const mdTemplate = `<?xml version="1.0"?>
<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <md:EntityDescriptor entityID="https://sp.example/metadata">
    <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>
  </md:EntityDescriptor>
  <md:EntitiesDescriptor>
    <md:EntityDescriptor entityID=" https://idp.example/entity ">
      <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol urn:oasis:names:tc:SAML:2.0:protocol">
        <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>ENC</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
        <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
          CERT1
        </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
        <md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>CERT2</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
        <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>CERT1</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
        <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/post"/>
        <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/redirect"/>
      </md:IDPSSODescriptor>
    </md:EntityDescriptor>
  </md:EntitiesDescriptor>
</md:EntitiesDescriptor>`

func TestParseIdPMetadata(t *testing.T) {
	now := time.Now()
	_, _, c1 := newKeyAndCert(t, 0, "one", now.Add(-time.Hour), now.Add(time.Hour))
	_, _, c2 := newKeyAndCert(t, 0, "two", now.Add(-time.Hour), now.Add(time.Hour))
	_, _, enc := newKeyAndCert(t, 0, "enc", now.Add(-time.Hour), now.Add(time.Hour))
	b1 := certBase64(t, c1)
	// Wrap the base64 like metadata files do.
	wrapped := b1[:64] + "\n          " + b1[64:]
	good := strings.NewReplacer("CERT1\n", wrapped+"\n", "CERT1", b1, "CERT2", certBase64(t, c2), "ENC", certBase64(t, enc)).Replace(mdTemplate)

	md, err := ParseIdPMetadata([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if md.EntityID != "https://idp.example/entity" || md.SSOURL != "https://idp.example/redirect" ||
		len(md.Certificates) != 2 || md.Certificates[0] != c1 || md.Certificates[1] != c2 {
		t.Fatalf("parsed %+v", md)
	}

	bad := map[string]string{
		"empty":            "",
		"not xml":          "nope",
		"html":             "<html/>",
		"doctype":          `<!DOCTYPE x [<!ENTITY a "b">]>` + good,
		"sp only":          strings.Replace(good, "IDPSSODescriptor", "AttributeAuthorityDescriptor", 2),
		"two idps":         strings.Replace(good, `<md:EntityDescriptor entityID="https://sp.example/metadata">`+"\n    <md:SPSSODescriptor", `<md:EntityDescriptor entityID="https://sp.example/metadata">`+"\n    <md:IDPSSODescriptor", 1),
		"no redirect":      strings.Replace(good, "bindings:HTTP-Redirect", "bindings:SOAP", 1),
		"no signing cert":  strings.NewReplacer(`<md:KeyDescriptor use="signing">`, `<md:KeyDescriptor use="encryption">`, "<md:KeyDescriptor>", `<md:KeyDescriptor use="encryption">`).Replace(good),
		"saml 1.1 only":    strings.Replace(good, " urn:oasis:names:tc:SAML:2.0:protocol\"", "\"", 1),
		"no entity id":     strings.Replace(good, `entityID=" https://idp.example/entity "`, "", 1),
		"wrong namespace":  strings.Replace(good, "urn:oasis:names:tc:SAML:2.0:metadata", "urn:example", 1),
		"too many tokens":  "<a>" + strings.Repeat("<b/>", 20000) + "</a>",
		"not utf-8 decl":   `<?xml version="1.0" encoding="ISO-8859-1"?>` + good[len(`<?xml version="1.0"?>`):],
		"unknown entities": strings.Replace(good, "https://idp.example/redirect", "&evil;", 1),
	}
	bad["bad cert"] = strings.Replace(good, certBase64(t, c2), "AAAA", 1)
	for name, doc := range bad {
		if _, err := ParseIdPMetadata([]byte(doc)); !errors.Is(err, directory.ErrInvalid) {
			t.Errorf("%s: error = %v; want ErrInvalid", name, err)
		}
	}
}

// FuzzParseIdPMetadata: no input panics, and whatever parses is usable.
func FuzzParseIdPMetadata(f *testing.F) {
	c1 := ecCertPEM(f)
	f.Add([]byte(strings.NewReplacer("CERT1", certBase64(f, c1), "CERT2", certBase64(f, c1), "ENC", "").Replace(mdTemplate)))
	f.Add([]byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`))
	f.Add([]byte(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:EntitiesDescriptor/></md:EntitiesDescriptor>`))
	f.Add([]byte("<!DOCTYPE a>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := ParseIdPMetadata(data)
		if err != nil {
			if !errors.Is(err, directory.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if md.EntityID == "" || md.SSOURL == "" || len(md.Certificates) == 0 {
			t.Fatalf("incomplete metadata accepted: %+v", md)
		}
		for _, c := range md.Certificates {
			if _, err := directory.ParseCertificatePEM(c); err != nil {
				t.Fatalf("unusable certificate accepted: %v", err)
			}
		}
	})
}
