package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// writeCertificate writes a self-signed PEM certificate valid from
// notBefore for a year, as an IdP's signing certificate.
func writeCertificate(t *testing.T, notBefore time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example.com"},
		NotBefore: notBefore, NotAfter: notBefore.AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "idp.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSSOCommands: an operator connects the organization's identity
// provider, sees the values to give it, and removes it again.
func TestSSOCommands(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env := b.env(t)
			env["USER"] = "ops"
			env["LATCHKEY_BASE_URL"] = "https://latchkey.example.com"
			mustRun(t, env, "migrate")
			if out := mustRun(t, env, "sso", "show").stdout; !strings.Contains(out, "has no SAML identity provider") ||
				!strings.Contains(out, "https://latchkey.example.com/saml/default/acs") {
				t.Fatalf("sso show before set printed %q", out)
			}
			cert := writeCertificate(t, time.Now().Add(-time.Hour))
			out := mustRun(t, env, "sso", "set", "--entity-id", "https://idp.example.com", "--sso-url", "https://idp.example.com/sso",
				"--certificate-file", cert, "--email-domains", "Corp.example, corp.example").stdout
			for _, want := range []string{"entity ID:           https://idp.example.com", "certificates:        1",
				"SSO for domains:     corp.example\n", "IdP-initiated login: false",
				"SP entity ID / metadata URL: https://latchkey.example.com/saml/default/metadata"} {
				if !strings.Contains(out, want) {
					t.Fatalf("sso set printed %q; want %q", out, want)
				}
			}
			if out := mustRun(t, env, "sso", "show").stdout; !strings.Contains(out, "https://idp.example.com/sso") {
				t.Fatalf("sso show printed %q", out)
			}
			expired := writeCertificate(t, time.Now().AddDate(-2, 0, 0))
			for name, args := range map[string][]string{
				"an expired certificate": {"--entity-id", "https://idp.example.com", "--sso-url", "https://idp.example.com/sso", "--certificate-file", expired},
				"no certificate":         {"--entity-id", "https://idp.example.com", "--sso-url", "https://idp.example.com/sso"},
				"an http SSO URL":        {"--entity-id", "https://idp.example.com", "--sso-url", "ftp://idp.example.com/sso", "--certificate-file", cert},
			} {
				if r := runCLI(t, env, append([]string{"sso", "set"}, args...)...); exitCode(r.err) != 2 {
					t.Fatalf("sso set with %s = %v; want a usage error", name, r.err)
				}
			}
			mustRun(t, env, "sso", "remove")
			if r := runCLI(t, env, "sso", "remove"); r.err == nil {
				t.Fatal("removing twice succeeded")
			}
			store, _ := openForInspection(t, env)
			org, err := store.OrganizationBySlug(t.Context(), "default")
			if err != nil {
				t.Fatal(err)
			}
			events, err := store.ListAudit(t.Context(), org.ID, directory.AuditQuery{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, e := range events {
				seen[e.Action]++
			}
			if seen["sso.settings"] != 1 || seen["sso.remove"] != 1 {
				t.Fatalf("audit actions = %v", seen)
			}
		})
	}
}
