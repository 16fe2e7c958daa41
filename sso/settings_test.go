package sso

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestSaveSettings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		store := openStore(t, b, b.url(t))
		org := directory.Organization{Slug: "acme", Name: "Acme"}
		if err := store.CreateOrganization(t.Context(), &org); err != nil {
			t.Fatal(err)
		}
		clock := &testClock{}
		sp, err := New(Options{BaseURL: "https://latchkey.example", Store: store, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		idp := newTestIdP(t)

		t.Run("from IdP metadata", func(t *testing.T) {
			s := directory.SAMLSettings{OrgID: org.ID, IdPEntityID: "typed, replaced", MetadataXML: string(idp.metadata),
				EmailDomains: []string{" Example.COM ", "example.com", "corp.example"}}
			warnings, err := sp.SaveSettings(t.Context(), &s)
			if err != nil || len(warnings) != 0 {
				t.Fatalf("SaveSettings: %v %v", warnings, err)
			}
			got, err := store.SAMLSettings(t.Context(), org.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.IdPEntityID != idp.server.URL+"/metadata" || got.SSOURL != idp.server.URL+"/sso" ||
				!slices.Equal(got.Certificates, []string{idp.certPEM}) || got.MetadataXML != string(idp.metadata) ||
				!slices.Equal(got.EmailDomains, []string{"example.com", "corp.example"}) || got.AllowIdPInitiated {
				t.Fatalf("stored %+v", got)
			}
		})

		now := time.Now()
		_, _, valid := newKeyAndCert(t, 0, "valid", now.Add(-time.Hour), now.Add(365*24*time.Hour))
		_, _, expired := newKeyAndCert(t, 0, "expired", now.Add(-48*time.Hour), now.Add(-24*time.Hour))
		_, _, soon := newKeyAndCert(t, 0, "soon", now.Add(-time.Hour), now.Add(10*24*time.Hour))
		_, _, future := newKeyAndCert(t, 0, "future", now.Add(24*time.Hour), now.Add(48*time.Hour))
		typed := func(certs ...string) *directory.SAMLSettings {
			return &directory.SAMLSettings{OrgID: org.ID, IdPEntityID: "https://idp.example/entity",
				SSOURL: "https://idp.example/sso", Certificates: certs}
		}
		t.Run("only expired or future certificates: refused", func(t *testing.T) {
			for _, certs := range [][]string{{expired}, {future}, {expired, future}} {
				_, err := sp.SaveSettings(t.Context(), typed(certs...))
				if !errors.Is(err, directory.ErrInvalid) || !strings.Contains(err.Error(), "no certificate is valid now") {
					t.Fatalf("error = %v; want ErrInvalid", err)
				}
			}
		})
		t.Run("rollover: expired beside valid is kept with a warning", func(t *testing.T) {
			s := typed(expired, valid, "\n"+valid+"\n")
			warnings, err := sp.SaveSettings(t.Context(), s)
			if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "expired") {
				t.Fatalf("warnings %q, error %v", warnings, err)
			}
			if len(s.Certificates) != 2 {
				t.Fatalf("duplicates kept: %d certificates", len(s.Certificates))
			}
		})
		t.Run("expiring soon: a warning", func(t *testing.T) {
			warnings, err := sp.SaveSettings(t.Context(), typed(soon))
			if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "expires on") {
				t.Fatalf("warnings %q, error %v", warnings, err)
			}
		})
		t.Run("bad metadata", func(t *testing.T) {
			s := typed(valid)
			s.MetadataXML = "<html>not metadata</html>"
			if _, err := sp.SaveSettings(t.Context(), s); !errors.Is(err, directory.ErrInvalid) {
				t.Fatalf("error = %v; want ErrInvalid", err)
			}
		})
		t.Run("garbage certificate", func(t *testing.T) {
			if _, err := sp.SaveSettings(t.Context(), typed("not a certificate")); !errors.Is(err, directory.ErrInvalid) {
				t.Fatalf("error = %v; want ErrInvalid", err)
			}
		})
	})
}

func TestNewOptions(t *testing.T) {
	store := directory.Store(nil)
	if _, err := New(Options{BaseURL: "https://x.example"}); err == nil {
		t.Fatal("no store accepted")
	}
	for _, base := range []string{"", "x.example", "ftp://x.example", "https://x.example/?a=b", "https://u@x.example"} {
		if _, err := New(Options{BaseURL: base, Store: failingStore{store}}); err == nil {
			t.Fatalf("BaseURL %q accepted", base)
		}
	}
	if _, err := New(Options{BaseURL: "https://x.example", Store: failingStore{store}, ClockSkew: time.Hour}); err == nil {
		t.Fatal("an hour of clock skew accepted")
	}
	sp, err := New(Options{BaseURL: "https://x.example/base/", Store: failingStore{store}})
	if err != nil {
		t.Fatal(err)
	}
	org := directory.Organization{Slug: "acme"}
	if sp.EntityID(org) != "https://x.example/base/saml/acme/metadata" || sp.ACSURL(org) != "https://x.example/base/saml/acme/acs" {
		t.Fatalf("URLs %s %s", sp.EntityID(org), sp.ACSURL(org))
	}
}

func TestSafeReturnPath(t *testing.T) {
	for p, want := range map[string]bool{
		"": true, "/": true, "/claim/abc?x=1#top": true, "/claim/%2F%2Fevil": true,
		"//evil.example": false, "/\\evil.example": false, "https://evil.example": false, "javascript:alert(1)": false,
		"claim": false, "/a\tb": false, "/a\x7fb": false,
	} {
		if got := SafeReturnPath(p); got != want {
			t.Errorf("SafeReturnPath(%q) = %v; want %v", p, got, want)
		}
	}
}
