package console_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// ssoCertPEM is a self-signed certificate valid from now+from to
// now+until.
func ssoCertPEM(t *testing.T, cn string, from, until time.Duration) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(from), NotAfter: now.Add(until)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// ssoIdPMetadata is an identity provider's SAML metadata.
func ssoIdPMetadata(entityID, ssoURL, certPEM string) string {
	block, _ := pem.Decode([]byte(certPEM))
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + entityID + `">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` +
		base64.StdEncoding.EncodeToString(block.Bytes) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="` + ssoURL + `"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
}

func TestSSOSettingsPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, ada := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		tok := e.token(ada)

		// The values to copy into the identity provider, before anything is set.
		r := c.get("/admin/settings/sso")
		body := text(r.body)
		for _, want := range []string{e.base + "/saml/acme/metadata", e.base + "/saml/acme/acs", "Single sign-on is not set up"} {
			if !strings.Contains(body, want) {
				t.Errorf("SSO page lacks %q", want)
			}
		}
		if r.status != http.StatusOK || !strings.Contains(r.body, `data-copy="`+e.base+`/saml/acme/acs"`) {
			t.Fatalf("SSO page: %d\n%s", r.status, body)
		}

		// Refused settings: the field's message, nothing saved.
		r = c.post("/admin/settings/sso", url.Values{"metadata_xml": {"{}"}, "email_domains": {"acme.example"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `class="field-error"`) || !strings.Contains(r.body, `aria-invalid="true" autofocus>{}`) {
			t.Fatalf("bad metadata: %d\n%s", r.status, text(r.body))
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/sso", tok, nil); doc["configured"] != false {
			t.Fatalf("refused settings were saved: %v", doc)
		}

		// Save from metadata.
		good := ssoCertPEM(t, "idp signing", -time.Hour, 365*24*time.Hour)
		md := ssoIdPMetadata("https://idp.example/entity", "https://idp.example/sso", good)
		r = c.post("/admin/settings/sso", url.Values{"metadata_xml": {md}, "email_domains": {"Acme.example, corp.example"}})
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Single sign-on is saved") {
			t.Fatalf("save: %d\n%s", r.status, text(r.body))
		}
		_, doc := e.api(http.MethodGet, "/admin/v1/sso", tok, nil)
		settings, _ := doc["settings"].(map[string]any)
		if doc["configured"] != true || settings["idp_entity_id"] != "https://idp.example/entity" ||
			len(settings["email_domains"].([]any)) != 2 || settings["email_domains"].([]any)[0] != "acme.example" {
			t.Fatalf("saved settings: %v", doc)
		}
		body = text(r.body)
		if !strings.Contains(body, "https://idp.example/sso") || !strings.Contains(body, "acme.example, corp.example") || !strings.Contains(body, "Test SSO") {
			t.Fatalf("the page does not show the saved settings:\n%s", body)
		}

		// Test SSO: the saved settings' checks.
		r = c.post("/admin/settings/sso/test", nil)
		body = text(r.body)
		if r.status != http.StatusOK || !strings.Contains(body, "all checks passed") || !strings.Contains(body, "ok settings") ||
			!strings.Contains(body, "ok certificate 1") || strings.Contains(body, "problem ") {
			t.Fatalf("Test SSO: %d\n%s", r.status, body)
		}
		// Test the form's settings: an expired certificate is a problem;
		// nothing is saved, the form keeps what was typed.
		old := ssoCertPEM(t, "old", -48*time.Hour, -24*time.Hour)
		r = c.post("/admin/settings/sso/test", url.Values{"source": {"form"}, "idp_entity_id": {"https://idp.example/other"},
			"sso_url": {"https://idp.example/sso"}, "certificates": {old}})
		body = text(r.body)
		if r.status != http.StatusOK || !strings.Contains(body, "problems found") || !strings.Contains(body, "problem settings") ||
			!strings.Contains(r.body, `value="https://idp.example/other"`) {
			t.Fatalf("Test these settings: %d\n%s", r.status, body)
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/sso", tok, nil); doc["settings"].(map[string]any)["idp_entity_id"] != "https://idp.example/entity" {
			t.Fatalf("a test saved settings: %v", doc)
		}

		// A reader sees the values, not the form.
		reader, _ := e.signedInAs("rita@acme.example", directory.RoleReader)
		r = reader.get("/admin/settings/sso")
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "https://idp.example/entity") || strings.Contains(r.body, `action="/admin/settings/sso"`) ||
			strings.Contains(r.body, "/admin/settings/sso/test") {
			t.Fatalf("reader's SSO page: %d\n%s", r.status, text(r.body))
		}

		// Remove.
		if !strings.Contains(c.get("/admin/settings/sso").body, `action="/admin/settings/sso/remove" data-confirm=`) {
			t.Fatal("no remove form with a confirmation")
		}
		r = c.post("/admin/settings/sso/remove", nil)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Single sign-on is removed") {
			t.Fatalf("remove: %d\n%s", r.status, text(r.body))
		}
		if _, doc := e.api(http.MethodGet, "/admin/v1/sso", tok, nil); doc["configured"] != false || !e.audited("sso.remove") {
			t.Fatalf("after remove: %v", doc)
		}
	})
}
