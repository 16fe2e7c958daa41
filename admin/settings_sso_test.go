package admin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestSSOSettings: SSO is set from metadata or typed-in values, checked
// as `latchkey sso set` checks it, shown with the values to give the
// identity provider, audited, and removed.
func TestSSOSettings(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		admin := e.token(e.org.ID, "it@acme.example", directory.RoleSystemAdmin)
		manager := e.token(e.org.ID, "hr@acme.example", directory.RoleAccountManager)
		good := testCertPEM(t, "idp", -time.Hour, 365*24*time.Hour)

		status, doc := e.get(manager, "/admin/v1/sso")
		sp, _ := doc["service_provider"].(map[string]any)
		if status != http.StatusOK || doc["configured"] != false || sp["entity_id"] != testBaseURL+"/saml/acme/metadata" ||
			sp["acs_url"] != testBaseURL+"/saml/acme/acs" || sp["metadata_url"] != sp["entity_id"] {
			t.Fatalf("GET /sso before any = %d %v", status, doc)
		}
		body := ssoBody{MetadataXML: testIdPMetadata(t, "https://idp.example/entity", "https://idp.example/sso", good),
			EmailDomains: []string{"Acme.example"}}
		if r := e.do(http.MethodPut, "/admin/v1/sso", manager, body); r.Status != http.StatusForbidden {
			t.Fatalf("an account manager sets SSO: %d", r.Status)
		}
		r := e.do(http.MethodPut, "/admin/v1/sso", admin, body)
		doc = r.JSON()
		settings, _ := doc["settings"].(map[string]any)
		certs, _ := settings["certificates"].([]any)
		if r.Status != http.StatusOK || settings["idp_entity_id"] != "https://idp.example/entity" || settings["sso_url"] != "https://idp.example/sso" ||
			len(certs) != 1 || settings["from_metadata"] != true || settings["email_domains"].([]any)[0] != "acme.example" {
			t.Fatalf("PUT /sso from metadata = %d %s", r.Status, r.Body)
		}
		if events := e.auditTrail(directory.AuditQuery{Action: "sso.settings"}); len(events) != 1 ||
			!strings.Contains(string(events[0].Details), "https://idp.example/entity") || strings.Contains(string(events[0].Details), "BEGIN CERTIFICATE") {
			t.Fatalf("audit of PUT /sso: %+v", events)
		}

		for _, bad := range []struct {
			name  string
			body  ssoBody
			field string
		}{
			{"http SSO URL", ssoBody{IdPEntityID: "idp", SSOURL: "http://idp.example/sso", Certificates: []string{good}}, "sso_url"},
			{"not a certificate", ssoBody{IdPEntityID: "idp", SSOURL: "https://idp.example/sso", Certificates: []string{"hello"}}, "certificates"},
			{"no entity ID", ssoBody{SSOURL: "https://idp.example/sso", Certificates: []string{good}}, "idp_entity_id"},
			{"metadata that is not XML", ssoBody{MetadataXML: "{}"}, "metadata_xml"},
			{"only an expired certificate", ssoBody{IdPEntityID: "idp", SSOURL: "https://idp.example/sso",
				Certificates: []string{testCertPEM(t, "old", -48*time.Hour, -24*time.Hour)}}, "certificates"},
		} {
			r := e.do(http.MethodPut, "/admin/v1/sso", admin, bad.body)
			if fields := settingsProblemFields(r); r.Status != http.StatusBadRequest || len(fields) != 1 || fields[0] != bad.field {
				t.Errorf("PUT %s: %d %s; want 400 naming %s", bad.name, r.Status, r.Body, bad.field)
			}
		}
		if _, doc := e.get(admin, "/admin/v1/sso"); doc["settings"].(map[string]any)["idp_entity_id"] != "https://idp.example/entity" {
			t.Fatalf("refused PUTs changed the settings: %v", doc)
		}

		if r := e.do(http.MethodDelete, "/admin/v1/sso", admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("DELETE /sso = %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodDelete, "/admin/v1/sso", admin, nil); r.Status != http.StatusNotFound {
			t.Fatalf("DELETE /sso again = %d", r.Status)
		}
		if _, doc := e.get(admin, "/admin/v1/sso"); doc["configured"] != false {
			t.Fatalf("after DELETE: %v", doc)
		}
	})
}

// TestSSOTest: "test SSO" runs the checks of a save on the body's or the
// stored settings, reports each, and saves nothing.
func TestSSOTest(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		admin := e.token(e.org.ID, "it@acme.example", directory.RoleSystemAdmin)
		good := testCertPEM(t, "idp", -time.Hour, 365*24*time.Hour)
		soon := testCertPEM(t, "next", -time.Hour, 10*24*time.Hour)
		expired := testCertPEM(t, "old", -48*time.Hour, -24*time.Hour)

		if r := e.do(http.MethodPost, "/admin/v1/sso/test", admin, nil); r.Status != http.StatusNotFound {
			t.Fatalf("testing stored settings when there are none = %d %s", r.Status, r.Body)
		}
		stored := ssoBody{IdPEntityID: "idp", SSOURL: "https://idp.example/sso", Certificates: []string{good, soon}}
		if r := e.do(http.MethodPut, "/admin/v1/sso", admin, stored); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "expires on") {
			t.Fatalf("PUT with a certificate expiring soon = %d %s; want a warning", r.Status, r.Body)
		}
		cases := []struct {
			name string
			body any
			ok   bool
			want map[string]string // check name -> part of its message; "!" first: the check failed
		}{
			{"the stored settings", nil, true, map[string]string{"settings": "valid", "certificate 1": "valid until", "certificate 2": "expires on"}},
			{"an http URL and an expired certificate",
				ssoBody{IdPEntityID: "idp", SSOURL: "http://idp.example/sso", Certificates: []string{expired}}, false,
				map[string]string{"settings": "!sso_url", "certificate 1": "!expired on"}},
			{"good metadata", ssoBody{MetadataXML: testIdPMetadata(t, "https://idp.example/entity", "https://idp.example/sso", good)}, true,
				map[string]string{"metadata": "https://idp.example/entity", "settings": "valid", "certificate 1": "valid until"}},
			{"metadata that does not parse", ssoBody{MetadataXML: "<x/>"}, false, map[string]string{"metadata": "!metadata_xml"}},
		}
		for _, tc := range cases {
			r := e.do(http.MethodPost, "/admin/v1/sso/test", admin, tc.body)
			var reply ssoTestReply
			must(t, json.Unmarshal(r.Body, &reply))
			if r.Status != http.StatusOK || reply.OK != tc.ok || len(reply.Checks) != len(tc.want) {
				t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
				continue
			}
			for _, ch := range reply.Checks {
				want := tc.want[ch.Name]
				failed := strings.HasPrefix(want, "!")
				if ch.OK == failed || !strings.Contains(ch.Message, strings.TrimPrefix(want, "!")) {
					t.Errorf("%s: check %+v; want %q", tc.name, ch, want)
				}
			}
		}
		if _, doc := e.get(admin, "/admin/v1/sso"); doc["settings"].(map[string]any)["from_metadata"] != false {
			t.Fatalf("a test saved its settings: %v", doc)
		}
	})
}

// testCertPEM is a self-signed ECDSA certificate valid from now+from to
// now+until.
func testCertPEM(t *testing.T, cn string, from, until time.Duration) string {
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

// testIdPMetadata is an identity provider's SAML metadata.
func testIdPMetadata(t *testing.T, entityID, ssoURL, certPEM string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(certPEM))
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + entityID + `">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` +
		base64.StdEncoding.EncodeToString(block.Bytes) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="` + ssoURL + `"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
}
