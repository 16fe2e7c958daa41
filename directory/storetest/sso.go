package storetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// testCertificatePEM makes a self-signed ECDSA certificate, as an IdP's
// signing certificate would be.
func testCertificatePEM(t *testing.T, cn string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	noErr(t, "generate key", err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	noErr(t, "create certificate", err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func testSAMLSettings(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	_, err := s.SAMLSettings(ctx(t), org.ID)
	wantErr(t, "settings before any", err, directory.ErrNotFound)

	cert1, cert2 := testCertificatePEM(t, "idp-1"), testCertificatePEM(t, "idp-2")
	in := directory.SAMLSettings{
		OrgID:        org.ID,
		IdPEntityID:  "https://idp.example.com/metadata",
		SSOURL:       "https://idp.example.com/sso?tenant=acme",
		Certificates: []string{cert1, cert2},
		MetadataXML:  `<EntityDescriptor entityID="https://idp.example.com/metadata"/>`,
		EmailDomains: []string{"Acme.example", "corp.acme.example"},
	}
	noErr(t, "PutSAMLSettings", s.PutSAMLSettings(ctx(t), &in))
	if in.UpdatedAt.IsZero() {
		t.Fatal("UpdatedAt not set")
	}
	got, err := s.SAMLSettings(ctx(t), org.ID)
	noErr(t, "SAMLSettings", err)
	if got.IdPEntityID != in.IdPEntityID || got.SSOURL != in.SSOURL || got.MetadataXML != in.MetadataXML ||
		got.AllowIdPInitiated || !slices.Equal(got.Certificates, []string{cert1, cert2}) ||
		!slices.Equal(got.EmailDomains, []string{"acme.example", "corp.acme.example"}) || !got.UpdatedAt.Equal(in.UpdatedAt) {
		t.Fatalf("round trip: got %+v\nwant %+v (domains lower-cased)", got, in)
	}
	if !got.RequiresSSO("Ann@ACME.example") || got.RequiresSSO("ann@other.example") || got.RequiresSSO("ann@sub.acme.example") {
		t.Fatal("RequiresSSO matches the wrong domains")
	}

	// Replace: everything changes, including back to no domains.
	in.AllowIdPInitiated, in.Certificates, in.EmailDomains, in.MetadataXML = true, []string{cert2}, nil, ""
	noErr(t, "PutSAMLSettings again", s.PutSAMLSettings(ctx(t), &in))
	got, err = s.SAMLSettings(ctx(t), org.ID)
	noErr(t, "SAMLSettings", err)
	if !got.AllowIdPInitiated || !slices.Equal(got.Certificates, []string{cert2}) || len(got.EmailDomains) != 0 || got.MetadataXML != "" {
		t.Fatalf("after replace: %+v", got)
	}

	other := mustOrg(t, s, "other")
	_, err = s.SAMLSettings(ctx(t), other.ID)
	wantErr(t, "another organization's settings", err, directory.ErrNotFound)
	wantErr(t, "delete another organization's settings", s.DeleteSAMLSettings(ctx(t), other.ID), directory.ErrNotFound)

	for name, mutate := range map[string]func(*directory.SAMLSettings){
		"no entity id":     func(x *directory.SAMLSettings) { x.IdPEntityID = " " },
		"relative sso url": func(x *directory.SAMLSettings) { x.SSOURL = "/sso" },
		"http sso url":     func(x *directory.SAMLSettings) { x.SSOURL = "http://idp.example.com/sso" },
		"no certificate":   func(x *directory.SAMLSettings) { x.Certificates = nil },
		"garbage certificate": func(x *directory.SAMLSettings) {
			x.Certificates = []string{"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}
		},
		"two certs in one":      func(x *directory.SAMLSettings) { x.Certificates = []string{cert1 + cert2} },
		"not pem":               func(x *directory.SAMLSettings) { x.Certificates = []string{"MIIB"} },
		"domain with @":         func(x *directory.SAMLSettings) { x.EmailDomains = []string{"@acme.example"} },
		"domain without a dot":  func(x *directory.SAMLSettings) { x.EmailDomains = []string{"localhost"} },
		"nul in entity id":      func(x *directory.SAMLSettings) { x.IdPEntityID = "a\x00b" },
		"metadata not utf-8":    func(x *directory.SAMLSettings) { x.MetadataXML = "\xff" },
		"too many certificates": func(x *directory.SAMLSettings) { x.Certificates = slices.Repeat([]string{cert1}, 11) },
	} {
		bad := in
		mutate(&bad)
		wantErr(t, name, s.PutSAMLSettings(ctx(t), &bad), directory.ErrInvalid)
	}
	loopback := in
	loopback.SSOURL = "http://127.0.0.1:8080/sso"
	noErr(t, "http on loopback", s.PutSAMLSettings(ctx(t), &loopback))

	missing := in
	missing.OrgID = "00000000-0000-0000-0000-000000000000"
	wantErr(t, "settings of a missing organization", s.PutSAMLSettings(ctx(t), &missing), directory.ErrNotFound)

	noErr(t, "DeleteSAMLSettings", s.DeleteSAMLSettings(ctx(t), org.ID))
	_, err = s.SAMLSettings(ctx(t), org.ID)
	wantErr(t, "settings after delete", err, directory.ErrNotFound)
	wantErr(t, "delete twice", s.DeleteSAMLSettings(ctx(t), org.ID), directory.ErrNotFound)
}

func testSAMLRequests(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	t0 := at(1, 123456)
	req := directory.SAMLRequest{OrgID: org.ID, ID: "_req1", RelayState: "relay-1", ReturnPath: "/claim/x?y=1",
		CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	noErr(t, "CreateSAMLRequest", s.CreateSAMLRequest(ctx(t), req))
	wantErr(t, "same id twice", s.CreateSAMLRequest(ctx(t), req), directory.ErrConflict)
	sameIDElsewhere := req
	sameIDElsewhere.OrgID = other.ID
	noErr(t, "same id in another organization", s.CreateSAMLRequest(ctx(t), sameIDElsewhere))

	_, err := s.ConsumeSAMLRequest(ctx(t), org.ID, "_unknown")
	wantErr(t, "consume an unknown request", err, directory.ErrNotFound)
	got, err := s.ConsumeSAMLRequest(ctx(t), org.ID, "_req1")
	noErr(t, "ConsumeSAMLRequest", err)
	if got.OrgID != req.OrgID || got.ID != req.ID || got.RelayState != req.RelayState || got.ReturnPath != req.ReturnPath ||
		!got.CreatedAt.Equal(req.CreatedAt) || !got.ExpiresAt.Equal(req.ExpiresAt) {
		t.Fatalf("consumed %+v; want %+v", got, req)
	}
	_, err = s.ConsumeSAMLRequest(ctx(t), org.ID, "_req1")
	wantErr(t, "consume twice", err, directory.ErrNotFound)
	if _, err := s.ConsumeSAMLRequest(ctx(t), other.ID, "_req1"); err != nil {
		t.Fatalf("the other organization's request went with ours: %v", err)
	}
	wantErr(t, "request without id", s.CreateSAMLRequest(ctx(t), directory.SAMLRequest{OrgID: org.ID}), directory.ErrInvalid)

	// Concurrent consumers: exactly one wins.
	noErr(t, "CreateSAMLRequest", s.CreateSAMLRequest(ctx(t), directory.SAMLRequest{OrgID: org.ID, ID: "_race",
		RelayState: "r", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}))
	const n = 8
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := s.ConsumeSAMLRequest(ctx(t), org.ID, "_race"); err == nil {
				wins.Add(1)
			} else if !isNotFound(err) {
				t.Errorf("concurrent consume: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent consumers won; want 1", wins.Load())
	}
}

func testSAMLAssertions(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	t0 := at(2, 0)
	noErr(t, "RecordSAMLAssertion", s.RecordSAMLAssertion(ctx(t), org.ID, "id-a", t0.Add(time.Minute)))
	wantErr(t, "replay", s.RecordSAMLAssertion(ctx(t), org.ID, "id-a", t0.Add(time.Minute)), directory.ErrConflict)
	noErr(t, "same id in another organization", s.RecordSAMLAssertion(ctx(t), other.ID, "id-a", t0.Add(time.Minute)))
	wantErr(t, "empty id", s.RecordSAMLAssertion(ctx(t), org.ID, "", t0), directory.ErrInvalid)

	// A replay inside a transaction leaves the transaction usable.
	noErr(t, "InTx", s.InTx(ctx(t), func(tx directory.Store) error {
		wantErr(t, "replay in tx", tx.RecordSAMLAssertion(ctx(t), org.ID, "id-a", t0), directory.ErrConflict)
		return tx.RecordSAMLAssertion(ctx(t), org.ID, "id-b", t0.Add(time.Hour))
	}))
	wantErr(t, "id-b committed", s.RecordSAMLAssertion(ctx(t), org.ID, "id-b", t0), directory.ErrConflict)

	const n = 8
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := s.RecordSAMLAssertion(ctx(t), org.ID, "id-race", t0.Add(time.Minute))
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, directory.ErrConflict):
				t.Errorf("concurrent record: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent recorders of one assertion won; want 1", wins.Load())
	}

	// Purge: only the org's rows that expired before the cut.
	noErr(t, "CreateSAMLRequest", s.CreateSAMLRequest(ctx(t), directory.SAMLRequest{OrgID: org.ID, ID: "_old",
		RelayState: "r", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}))
	noErr(t, "CreateSAMLRequest", s.CreateSAMLRequest(ctx(t), directory.SAMLRequest{OrgID: org.ID, ID: "_new",
		RelayState: "r", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	purged, err := s.PurgeSAML(ctx(t), org.ID, t0.Add(30*time.Minute))
	noErr(t, "PurgeSAML", err)
	if purged != 3 { // id-a, id-race, _old
		t.Fatalf("purged %d rows; want 3", purged)
	}
	noErr(t, "a purged assertion id is free again", s.RecordSAMLAssertion(ctx(t), org.ID, "id-a", t0.Add(time.Minute)))
	wantErr(t, "an unexpired one is not", s.RecordSAMLAssertion(ctx(t), org.ID, "id-b", t0), directory.ErrConflict)
	wantErr(t, "the other organization's is kept", s.RecordSAMLAssertion(ctx(t), other.ID, "id-a", t0), directory.ErrConflict)
	_, err = s.ConsumeSAMLRequest(ctx(t), org.ID, "_old")
	wantErr(t, "purged request", err, directory.ErrNotFound)
	_, err = s.ConsumeSAMLRequest(ctx(t), org.ID, "_new")
	noErr(t, "unexpired request survives the purge", err)
}
