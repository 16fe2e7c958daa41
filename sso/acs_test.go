package sso

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/latchkeyhq/latchkey/directory"
)

const (
	pAssertion = "./Assertion"
	pNameID    = "./Assertion/Subject/NameID"
	pSCD       = "./Assertion/Subject/SubjectConfirmation/SubjectConfirmationData"
	pCond      = "./Assertion/Conditions"
	pAudience  = "./Assertion/Conditions/AudienceRestriction/Audience"
	pStatus    = "./Status/StatusCode"
)

func TestSPInitiatedLogin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		id, err := e.login("/claim/abc?step=2")
		if err != nil {
			t.Fatalf("sign-in: %v", err)
		}
		if id.OrgID != e.org.ID || id.NameID != idpEmail || id.Email != idpEmail || id.IdPInitiated ||
			id.RequestID == "" || id.ReturnPath != "/claim/abc?step=2" || id.SessionIndex == "" ||
			id.AssertionID == "" || id.AuthnInstant.IsZero() || id.IdPEntityID != e.idp.server.URL+"/metadata" {
			t.Fatalf("identity = %+v", id)
		}
		if got := id.Attributes["urn:oid:0.9.2342.19200300.100.1.1"]; len(got) != 1 || got[0] != idpUser {
			t.Fatalf("uid attribute = %v; attributes %v", got, id.Attributes)
		}
		if got := id.Attributes["urn:oid:2.5.4.42"]; len(got) != 1 || got[0] != "Alice" {
			t.Fatalf("givenName attribute = %v", got)
		}

		// The verified identity matches its account.
		acct := directory.Account{OrgID: e.org.ID, UserName: "asmith", Active: true, State: directory.StateInvited,
			AuthMethod: directory.AuthSSO, Emails: []directory.Email{{Type: "work", Value: "alice@example.COM", Primary: true}}}
		if err := e.store.CreateAccount(t.Context(), &acct); err != nil {
			t.Fatal(err)
		}
		got, err := MatchAccount(t.Context(), e.store, e.org.ID, id)
		if err != nil || got.ID != acct.ID {
			t.Fatalf("MatchAccount = %v, %v; want %s", got.ID, err, acct.ID)
		}

		// A second sign-in reuses the IdP session and works again.
		if _, err := e.login(""); err != nil {
			t.Fatalf("second sign-in: %v", err)
		}
	})
}

func TestMetadataServed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		resp, err := http.Get(e.sp.EntityID(e.org))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/samlmetadata+xml" {
			t.Fatalf("Content-Type %q", ct)
		}
		var md struct {
			EntityID string `xml:"entityID,attr"`
			SP       struct {
				WantAssertionsSigned string `xml:"WantAssertionsSigned,attr"`
				ACS                  []struct {
					Binding  string `xml:"Binding,attr"`
					Location string `xml:"Location,attr"`
				} `xml:"AssertionConsumerService"`
			} `xml:"SPSSODescriptor"`
		}
		if err := xml.NewDecoder(resp.Body).Decode(&md); err != nil {
			t.Fatal(err)
		}
		if md.EntityID != e.sp.EntityID(e.org) || !strings.HasSuffix(md.EntityID, "/saml/acme/metadata") ||
			len(md.SP.ACS) != 1 || md.SP.ACS[0].Location != e.sp.ACSURL(e.org) ||
			md.SP.ACS[0].Binding != "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" || md.SP.WantAssertionsSigned != "true" {
			t.Fatalf("metadata = %+v", md)
		}
		req, _ := http.NewRequest(http.MethodPost, e.sp.EntityID(e.org), nil)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("POST metadata: %v %v", resp.Status, err)
		}
	})
}

// TestAttacks: every response here is refused, each for its own reason.
// The altered ones are re-signed with the IdP's own key, so they carry a
// valid signature and only the check under test can catch them.
func TestAttacks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		otherKey, otherCert, _ := newKeyAndCert(t, 1, "attacker", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		attacker := signer{key: otherKey, cert: otherCert}

		cases := []struct {
			name   string
			form   func() postForm
			reason error
		}{
			{"wrong audience", func() postForm {
				return e.alter(func(d *etree.Document) { setText(t, d, pAudience, "https://other.example/saml/metadata") })
			}, ErrAudience},
			{"no audience restriction", func() postForm {
				return e.alter(func(d *etree.Document) {
					c := d.Root().FindElement(pCond)
					c.RemoveChild(c.SelectElement("AudienceRestriction"))
				})
			}, ErrAudience},
			{"second audience restriction without us", func() postForm {
				return e.alter(func(d *etree.Document) {
					c := d.Root().FindElement(pCond)
					extra := c.SelectElement("AudienceRestriction").Copy()
					extra.SelectElement("Audience").SetText("https://other.example")
					c.AddChild(extra)
				})
			}, ErrAudience},
			{"unsigned", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				stripSignature(d.Root())
				stripSignature(assertionOf(t, d))
				return withResponse(t, f, d)
			}, ErrSignature},
			{"assertion altered after signing", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				stripSignature(d.Root()) // leave only the assertion's signature to check
				setText(t, d, pNameID, "ceo@example.com")
				return withResponse(t, f, d)
			}, ErrSignature},
			{"response altered after signing", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				setText(t, d, pNameID, "ceo@example.com")
				return withResponse(t, f, d)
			}, ErrSignature},
			{"signed with another key, its certificate in KeyInfo", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				setText(t, d, pNameID, "ceo@example.com")
				attacker.resign(t, d, true)
				return withResponse(t, f, d)
			}, ErrSignature},
			{"SHA-1 signature", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				s := e.idp.signer()
				s.method = dsig.RSASHA1SignatureMethod
				s.resign(t, d, true)
				return withResponse(t, f, d)
			}, ErrSignature},
			{"wrapping: signed assertion moved to Extensions, forged one in its place", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				stripSignature(d.Root())
				orig := assertionOf(t, d)
				forged := orig.Copy()
				stripSignature(forged)
				forged.FindElement("./Subject/NameID").SetText("ceo@example.com")
				idx := orig.Index()
				d.Root().RemoveChildAt(idx)
				ext := etree.NewElement("samlp:Extensions")
				ext.AddChild(orig)
				d.Root().InsertChildAt(idx, forged)
				d.Root().InsertChildAt(idx, ext)
				return withResponse(t, f, d)
			}, ErrAssertionCount},
			{"wrapping: forged assertion carrying the signed one in its Signature", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				stripSignature(d.Root())
				orig := assertionOf(t, d)
				forged := orig.Copy()
				forged.FindElement("./Subject/NameID").SetText("ceo@example.com")
				forged.CreateAttr("ID", "_forged")
				sig := forged.SelectElement("Signature")
				obj := sig.CreateElement("ds:Object")
				replaceChild(d.Root(), orig, forged)
				obj.AddChild(orig)
				return withResponse(t, f, d)
			}, ErrAssertionCount},
			{"wrapping: forged assertion beside the signed response's", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				forged := assertionOf(t, d).Copy()
				stripSignature(forged)
				forged.CreateAttr("ID", "_forged")
				forged.FindElement("./Subject/NameID").SetText("ceo@example.com")
				d.Root().InsertChildAt(assertionOf(t, d).Index(), forged)
				return withResponse(t, f, d)
			}, ErrAssertionCount},
			{"two assertions, both signed by the IdP", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				stripSignature(d.Root())
				second := assertionOf(t, d).Copy()
				second.CreateAttr("ID", "_second")
				second.FindElement("./Subject/NameID").SetText("bob@example.com")
				d.Root().AddChild(e.idp.signer().sign(t, second))
				return withResponse(t, f, d)
			}, ErrAssertionCount},
			{"no assertion", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				d.Root().RemoveChild(assertionOf(t, d))
				d.SetRoot(e.idp.signer().sign(t, d.Root()))
				return withResponse(t, f, d)
			}, ErrAssertionCount},
			{"unknown InResponseTo", func() postForm {
				return e.alter(func(d *etree.Document) {
					d.Root().CreateAttr("InResponseTo", "_never-sent")
					setAttr(t, d, pSCD, "InResponseTo", "_never-sent")
				})
			}, ErrInResponseTo},
			{"Response and assertion name different requests", func() postForm {
				return e.alter(func(d *etree.Document) { d.Root().CreateAttr("InResponseTo", "_other") })
			}, ErrInResponseTo},
			{"unsigned Response names a request its assertion does not", func() postForm {
				f := e.alter(func(d *etree.Document) { setAttr(t, d, pSCD, "InResponseTo", "") })
				d := decodeResponse(t, f)
				stripSignature(d.Root())
				return withResponse(t, f, d)
			}, ErrInResponseTo},
			{"RelayState swapped", func() postForm {
				f := e.idpAnswer("")
				f.Fields.Set("RelayState", "not-the-handle")
				return f
			}, ErrInResponseTo},
			{"IdP-initiated (no InResponseTo), not allowed", func() postForm { return e.idpInitiated("") }, ErrIdPInitiated},
			{"IdP-initiated forged by dropping InResponseTo", func() postForm {
				return e.alter(func(d *etree.Document) {
					d.Root().RemoveAttr("InResponseTo")
					setAttr(t, d, pSCD, "InResponseTo", "")
				})
			}, ErrIdPInitiated},
			{"wrong Destination", func() postForm {
				return e.alter(func(d *etree.Document) { d.Root().CreateAttr("Destination", "https://other.example/acs") })
			}, ErrDestination},
			{"signed Response without Destination", func() postForm {
				return e.alter(func(d *etree.Document) { d.Root().RemoveAttr("Destination") })
			}, ErrDestination},
			{"wrong Recipient", func() postForm {
				return e.alter(func(d *etree.Document) { setAttr(t, d, pSCD, "Recipient", "https://other.example/acs") })
			}, ErrDestination},
			{"wrong Issuer", func() postForm {
				return e.alter(func(d *etree.Document) {
					setText(t, d, "./Issuer", "https://evil.example")
					setText(t, d, "./Assertion/Issuer", "https://evil.example")
				})
			}, ErrIssuer},
			{"IdP reports failure", func() postForm {
				return e.alter(func(d *etree.Document) {
					setAttr(t, d, pStatus, "Value", "urn:oasis:names:tc:SAML:2.0:status:Requester")
				})
			}, ErrStatus},
			{"no AuthnStatement", func() postForm {
				return e.alter(func(d *etree.Document) {
					a := assertionOf(t, d)
					a.RemoveChild(a.SelectElement("AuthnStatement"))
				})
			}, ErrMalformed},
			{"not base64", func() postForm {
				f := e.idpAnswer("")
				f.Fields.Set("SAMLResponse", "%%%not base64%%%")
				return f
			}, ErrMalformed},
			{"not XML", func() postForm {
				f := e.idpAnswer("")
				f.Fields.Set("SAMLResponse", "PGEgYj0=")
				return f
			}, ErrMalformed},
			{"no SAMLResponse", func() postForm {
				f := e.idpAnswer("")
				f.Fields.Del("SAMLResponse")
				return f
			}, ErrMalformed},
			{"encrypted assertion", func() postForm {
				f := e.idpAnswer("")
				d := decodeResponse(t, f)
				a := assertionOf(t, d)
				enc := etree.NewElement("saml:EncryptedAssertion")
				replaceChild(d.Root(), a, enc)
				return withResponse(t, f, d)
			}, ErrMalformed},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				id, err := e.acs(tc.form(), 0)
				if err == nil {
					t.Fatalf("accepted: %+v", id)
				}
				wantReason(t, tc.name, err, tc.reason)
			})
		}

		t.Run("wrong certificate in the settings", func(t *testing.T) {
			f := e.idpAnswer("")
			_, _, otherPEM := newKeyAndCert(t, 1, "not the idp", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
			s, err := e.store.SAMLSettings(t.Context(), e.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			good := s
			s.MetadataXML, s.Certificates = "", []string{otherPEM}
			if _, err := e.sp.SaveSettings(t.Context(), &s); err != nil {
				t.Fatal(err)
			}
			_, err = e.acs(f, 0)
			wantReason(t, "signed by a certificate the org does not trust", err, ErrSignature)
			if _, err := e.sp.SaveSettings(t.Context(), &good); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// TestPositiveVariants: a response signed only on the assertion, only on
// the response, or both, is accepted; a NameID with a comment inside is
// read whole.
func TestPositiveVariants(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		t.Run("assertion signed, response not", func(t *testing.T) {
			f := e.idpAnswer("/r")
			d := decodeResponse(t, f)
			stripSignature(d.Root())
			d.Root().RemoveAttr("Destination") // optional on an unsigned response
			id, err := e.acs(withResponse(t, f, d), 0)
			if err != nil || id.ReturnPath != "/r" {
				t.Fatalf("%+v, %v", id, err)
			}
		})
		t.Run("response signed, assertion not", func(t *testing.T) {
			f := e.idpAnswer("")
			d := decodeResponse(t, f)
			stripSignature(assertionOf(t, d))
			stripSignature(d.Root())
			d.SetRoot(e.idp.signer().sign(t, d.Root()))
			if _, err := e.acs(withResponse(t, f, d), 0); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("comment inside NameID", func(t *testing.T) {
			f := e.alter(func(d *etree.Document) {
				n := d.Root().FindElement(pNameID)
				n.SetText("alice@example.com")
				n.CreateComment("")
				n.CreateText(".evil.com")
			})
			id, err := e.acs(f, 0)
			if err != nil {
				t.Fatal(err)
			}
			if id.NameID != "alice@example.com.evil.com" {
				t.Fatalf("NameID read as %q; want the whole text", id.NameID)
			}
		})
	})
}

func TestReplay(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		t.Run("same replica", func(t *testing.T) {
			f := e.idpAnswer("")
			if _, err := e.acs(f, 0); err != nil {
				t.Fatal(err)
			}
			_, err := e.acs(f, 0)
			wantReason(t, "replayed", err, ErrReplay)
		})
		t.Run("another replica on the same database", func(t *testing.T) {
			f := e.idpAnswer("")
			if _, err := e.acs(f, 1); err != nil {
				t.Fatal(err)
			}
			_, err := e.acs(f, 0)
			wantReason(t, "replayed on the other replica", err, ErrReplay)
		})
		t.Run("assertion replayed inside a new response", func(t *testing.T) {
			used := e.idpAnswer("")
			if _, err := e.acs(used, 0); err != nil {
				t.Fatal(err)
			}
			// A fresh, valid request and response, carrying the used
			// assertion's ID: the replay cache is keyed by assertion.
			usedID := assertionOf(t, decodeResponse(t, used)).SelectAttrValue("ID", "")
			f := e.alter(func(d *etree.Document) { assertionOf(t, d).CreateAttr("ID", usedID) })
			_, err := e.acs(f, 0)
			wantReason(t, "assertion id reused", err, ErrReplay)
		})
		t.Run("concurrently on two replicas", func(t *testing.T) {
			f := e.idpAnswer("")
			errs := make(chan error, 2)
			for i := range 2 {
				go func() {
					h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
					if i == 1 {
						h.Set("X-Replica", "1")
					}
					req, _ := http.NewRequest(http.MethodPost, f.Action, strings.NewReader(f.Fields.Encode()))
					req.Header = h
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						errs <- err
						return
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						errs <- nil
					} else {
						errs <- errors.New(resp.Status)
					}
				}()
			}
			ok := 0
			for range 2 {
				if <-errs == nil {
					ok++
				}
			}
			if ok != 1 {
				t.Fatalf("%d of 2 concurrent posts of one response succeeded; want 1", ok)
			}
		})
	})
}

// TestClockSkew: validity windows with the 60 s skew, on a fixed clock
// set relative to the IdP's own timestamps.
func TestClockSkew(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		try := func(name string, at func(d *etree.Document) time.Time, wantOK bool) {
			t.Run(name, func(t *testing.T) {
				e.clock.Set(time.Now())
				f := e.idpAnswer("")
				e.clock.Set(at(decodeResponse(t, f)))
				defer e.clock.Set(time.Now())
				_, err := e.acs(f, 0)
				if wantOK && err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !wantOK {
					wantReason(t, name, err, ErrExpired)
				}
			})
		}
		noa := func(d *etree.Document) time.Time { return attrTime(t, d, pSCD, "NotOnOrAfter") }
		nb := func(d *etree.Document) time.Time { return attrTime(t, d, pCond, "NotBefore") }
		try("NotOnOrAfter 30 s ago", func(d *etree.Document) time.Time { return noa(d).Add(30 * time.Second) }, true)
		try("NotOnOrAfter 120 s ago", func(d *etree.Document) time.Time { return noa(d).Add(120 * time.Second) }, false)
		try("expired long ago", func(d *etree.Document) time.Time { return noa(d).Add(time.Hour) }, false)
		try("NotBefore in 30 s", func(d *etree.Document) time.Time { return nb(d).Add(-30 * time.Second) }, true)
		try("NotBefore in 120 s", func(d *etree.Document) time.Time { return nb(d).Add(-120 * time.Second) }, false)
		for _, where := range []string{pCond, pSCD} {
			t.Run("NotBefore in 120 s on "+where, func(t *testing.T) {
				f := e.alter(func(d *etree.Document) {
					setAttr(t, d, where, "NotBefore", time.Now().Add(120*time.Second).UTC().Format(time.RFC3339))
				})
				_, err := e.acs(f, 0)
				wantReason(t, "NotBefore ahead", err, ErrExpired)
				if !strings.Contains(err.Error(), "NotBefore") {
					t.Fatalf("rejected for another reason: %v", err)
				}
			})
		}
		t.Run("Conditions expired, SubjectConfirmationData not", func(t *testing.T) {
			f := e.alter(func(d *etree.Document) {
				setAttr(t, d, pCond, "NotOnOrAfter", time.Now().Add(-5*time.Minute).UTC().Format(time.RFC3339))
			})
			_, err := e.acs(f, 0)
			wantReason(t, "Conditions expired", err, ErrExpired)
		})
	})
}

func TestIdPInitiatedAllowed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		s, err := e.store.SAMLSettings(t.Context(), e.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.AllowIdPInitiated = true
		if _, err := e.sp.SaveSettings(t.Context(), &s); err != nil {
			t.Fatal(err)
		}
		f := e.idpInitiated("/claim/tile")
		id, err := e.acs(f, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !id.IdPInitiated || id.RequestID != "" || id.ReturnPath != "/claim/tile" || id.Email != idpEmail {
			t.Fatalf("identity = %+v", id)
		}
		_, err = e.acs(f, 1)
		wantReason(t, "IdP-initiated replay", err, ErrReplay)

		f = e.idpInitiated("https://evil.example/phish")
		id, err = e.acs(f, 0)
		if err != nil || id.ReturnPath != "" {
			t.Fatalf("an off-site RelayState became ReturnPath %q (%v)", id.ReturnPath, err)
		}
	})
}

func TestRequestLifetime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, func(o *Options) { o.RequestTTL = 30 * time.Second })
		f := e.idpAnswer("")
		e.clock.Advance(40 * time.Second) // the assertion (90 s) still holds, the request (30 s) not
		_, err := e.acs(f, 0)
		wantReason(t, "answer to an expired request", err, ErrRequestExpired)
		_, err = e.acs(f, 0)
		wantReason(t, "again", err, ErrRequestExpired)
		// The failures spent nothing: neither the request nor the assertion
		// ID, so on a clock that says it is in time, it goes through.
		e.clock.Set(time.Now())
		if _, err := e.acs(f, 0); err != nil {
			t.Fatalf("in time: %v", err)
		}
	})
}

func TestStartLoginErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		for _, p := range []string{"//evil.example/x", "/\\evil.example", "https://evil.example/", "claim", "/a\nb", "/" + strings.Repeat("a", 2000)} {
			_, err := e.sp.StartLogin(t.Context(), e.org, p)
			wantReason(t, "return path "+p, err, ErrReturnPath)
		}
		other := directory.Organization{Slug: "nosso", Name: "No SSO"}
		if err := e.store.CreateOrganization(t.Context(), &other); err != nil {
			t.Fatal(err)
		}
		_, err := e.sp.StartLogin(t.Context(), other, "")
		wantReason(t, "org without settings", err, ErrNotConfigured)
		if HTTPStatus(err) != http.StatusNotFound {
			t.Fatalf("status %d", HTTPStatus(err))
		}
		// A response for acme posted to the other org's ACS.
		f := e.idpAnswer("")
		f.Action = e.sp.ACSURL(other)
		_, err = e.acs(f, 0)
		wantReason(t, "another org's ACS", err, ErrNotConfigured)

		redirect, err := e.sp.StartLogin(t.Context(), e.org, "/claim/x")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(redirect)
		if u.Query().Get("SAMLRequest") == "" || len(u.Query().Get("RelayState")) < 20 {
			t.Fatalf("redirect %s", redirect)
		}
	})
}

// failingStore fails the replay-cache write as a database outage would.
type failingStore struct{ directory.Store }

func (s failingStore) InTx(ctx context.Context, fn func(tx directory.Store) error) error {
	return s.Store.InTx(ctx, func(tx directory.Store) error { return fn(failingStore{tx}) })
}

func (failingStore) RecordSAMLAssertion(context.Context, string, string, time.Time) error {
	return directory.ErrUnavailable
}

func TestFailsClosedWhenTheReplayCacheIsDown(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		f := e.idpAnswer("")
		down, err := New(Options{BaseURL: e.sp.base.String(), Store: failingStore{e.store}, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		_, err = down.ConsumeResponse(t.Context(), e.org, f.Fields.Get("SAMLResponse"), f.Fields.Get("RelayState"))
		if !errors.Is(err, directory.ErrUnavailable) || HTTPStatus(err) != http.StatusServiceUnavailable {
			t.Fatalf("error = %v; want ErrUnavailable", err)
		}
		// Nothing was spent: the same response still works once the
		// database is back.
		if _, err := e.acs(f, 0); err != nil {
			t.Fatalf("after the outage: %v", err)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, func(o *Options) { o.MaxResponseBytes = 64 << 10 })
		f := e.idpAnswer("")
		f.Fields.Set("padding", strings.Repeat("x", 70<<10))
		_, err := e.acs(f, 0)
		wantReason(t, "oversized body", err, ErrMalformed)
	})
}
