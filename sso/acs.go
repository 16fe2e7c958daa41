package sso

import (
	"bytes"
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/beevik/etree"
	rtvalidator "github.com/mattermost/xml-roundtrip-validator"
	saml2 "github.com/russellhaering/gosaml2"
	"github.com/russellhaering/gosaml2/types"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/latchkeyhq/latchkey/directory"
)

// maxXMLTokens bounds the elements of a response before any parsing, as
// gosaml2 does after ours.
const maxXMLTokens = 50000

// Identity is who the IdP vouches for, after every check passed.
type Identity struct {
	OrgID string
	// IdPEntityID is the Issuer (the org's IdP).
	IdPEntityID  string
	NameID       string
	NameIDFormat string
	// Email is the NameID when it is an email address (format emailAddress,
	// or unspecified and shaped like one), else the first email-shaped
	// value of a well-known email attribute (mail, email,
	// .../claims/emailaddress); "" when there is none.
	Email string
	// Attributes are the assertion's attribute values by attribute Name.
	Attributes          map[string][]string
	SessionIndex        string
	AuthnInstant        time.Time
	SessionNotOnOrAfter time.Time // zero when the IdP set none
	AssertionID         string
	// RequestID is the AuthnRequest this answers; "" when IdP-initiated.
	RequestID    string
	IdPInitiated bool
	// ReturnPath is the local path StartLogin was given. For an
	// IdP-initiated sign-in it is the posted RelayState if that is a safe
	// local path (SafeReturnPath), else "".
	ReturnPath string
}

// HandleACS verifies the SAML response POSTed to the organization's ACS
// URL and returns the identity it vouches for. The caller mounts it on
// ACSURL(org), exempt from CSRF middleware (it is a cross-site POST by
// design; its own checks protect it), answers with Cache-Control:
// no-store, and starts a fresh session on success. On failure the error
// matches one sentinel (Reason) for the page and is an *Error for the log.
func (sp *ServiceProvider) HandleACS(ctx context.Context, org directory.Organization, r *http.Request) (Identity, error) {
	form, err := sp.readForm(r)
	if err != nil {
		return Identity{}, err
	}
	return sp.ConsumeResponse(ctx, org, form.Get("SAMLResponse"), form.Get("RelayState"))
}

// ConsumeResponse is HandleACS for a caller that already has the form
// fields: samlResponse is the base64 SAMLResponse, relayState as posted.
//
// Checks, in order: the org has settings; the message decodes and parses
// (size and token bounds) with exactly one Assertion element anywhere in
// it and no SHA-1 signature or digest; gosaml2 verifies the XML signature
// of the Response or, if it is unsigned, of every assertion, against the
// org's certificates only, then Issuer, status, bearer confirmation,
// Recipient and Destination; then here, on the verified content: one
// assertion, signed; Destination present when the Response is signed;
// Conditions with an AudienceRestriction naming our entity ID; NotBefore
// and NotOnOrAfter of Conditions and SubjectConfirmationData within the
// clock skew; an AuthnStatement and a NameID; InResponseTo (from signed
// content only) names an outstanding request of this org with the same
// RelayState, which is consumed, or none and the org allows IdP-initiated
// sign-in; the assertion ID was not seen before (kept in the database
// until its NotOnOrAfter plus the skew). The request and the assertion ID
// are written in one transaction, so a failure leaves neither spent.
func (sp *ServiceProvider) ConsumeResponse(ctx context.Context, org directory.Organization, samlResponse, relayState string) (Identity, error) {
	settings, err := sp.settings(ctx, org)
	if err != nil {
		return Identity{}, err
	}
	encoded, doc, err := sp.decode(samlResponse)
	if err != nil {
		return Identity{}, err
	}
	raw, err := precheck(doc)
	if err != nil {
		return Identity{}, err
	}
	now := sp.now()
	// gosaml2 compares SubjectConfirmationData's NotOnOrAfter with its
	// clock without any skew; run it skew behind so the window matches
	// ours (its certificate validity check moves by the same few seconds).
	lib, err := sp.library(org, settings, now.Add(-sp.skew))
	if err != nil {
		return Identity{}, fmt.Errorf("sso: acs: %w", err)
	}
	resp, err := verify(lib, encoded)
	if err != nil {
		return Identity{}, err
	}
	checked, err := sp.check(org, settings, resp, raw, now)
	if err != nil {
		return Identity{}, err
	}
	returnPath, err := sp.spend(ctx, org, checked, relayState, now)
	if err != nil {
		return Identity{}, err
	}
	sp.purge(ctx, org.ID)
	return checked.identity(org, settings, relayState, returnPath), nil
}

// decode strips the whitespace some IdPs wrap base64 with, decodes, and
// parses the XML with bounded size and token count.
func (sp *ServiceProvider) decode(samlResponse string) (string, *etree.Document, error) {
	if samlResponse == "" {
		return "", nil, fail(ErrMalformed, "no SAMLResponse field", nil)
	}
	encoded := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, samlResponse)
	if int64(len(encoded)) > sp.maxBytes*4/3+4 {
		return "", nil, fail(ErrMalformed, fmt.Sprintf("SAMLResponse larger than %d bytes", sp.maxBytes), nil)
	}
	xml, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", nil, fail(ErrMalformed, "SAMLResponse is not base64", err)
	}
	if bound := 3*bytes.Count(xml, []byte("<")) + 1; bound > maxXMLTokens {
		return "", nil, fail(ErrMalformed, fmt.Sprintf("more than %d XML tokens", maxXMLTokens), nil)
	}
	// Go's encoding/xml once read some documents differently from how it
	// wrote them back (CVE-2020-29509 and kin): refuse any that do not
	// round-trip, as gosaml2 will.
	if err := rtvalidator.Validate(bytes.NewReader(xml)); err != nil {
		return "", nil, fail(ErrMalformed, "XML does not round-trip", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		return "", nil, fail(ErrMalformed, "SAMLResponse is not XML", err)
	}
	if doc.Root() == nil {
		return "", nil, fail(ErrMalformed, "SAMLResponse has no root element", nil)
	}
	return encoded, doc, nil
}

// rawAssertion is what precheck reads from the unverified document. It
// is only used to reject: the one Assertion element there is the one the
// signature covers (there is no other), so it cannot lend trust to
// anything.
type rawAssertion struct {
	subjectConfirmationNotBefore string
}

// precheck rejects, before any signature is looked at, the shapes that
// signature-wrapping attacks need or the library must not see: anything
// but a samlp:Response root, any number of Assertion elements but one
// anywhere in the document (moved into Extensions, Object or another
// assertion or not), encrypted assertions (we publish no encryption key),
// and SHA-1 in any SignatureMethod or DigestMethod.
func precheck(doc *etree.Document) (rawAssertion, error) {
	root := doc.Root()
	if root.Tag != saml2.ResponseTag || root.NamespaceURI() != saml2.SAMLProtocolNamespace {
		return rawAssertion{}, fail(ErrMalformed, "root element is "+quote(root.FullTag())+", not samlp:Response", nil)
	}
	var assertions, encrypted int
	var assertion *etree.Element
	var sha1 string
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		switch el.Tag {
		case saml2.AssertionTag:
			assertions++
			assertion = el
		case saml2.EncryptedAssertionTag:
			encrypted++
		case "SignatureMethod", "DigestMethod":
			if alg := el.SelectAttrValue("Algorithm", ""); strings.HasSuffix(strings.ToLower(alg), "sha1") {
				sha1 = alg
			}
		}
		for _, child := range el.ChildElements() {
			walk(child)
		}
	}
	walk(root)
	switch {
	case encrypted > 0:
		return rawAssertion{}, fail(ErrMalformed, "encrypted assertions are not supported (the SP publishes no encryption key)", nil)
	case assertions != 1:
		return rawAssertion{}, fail(ErrAssertionCount, fmt.Sprintf("%d Assertion elements in the document", assertions), nil)
	case sha1 != "":
		return rawAssertion{}, fail(ErrSignature, "SHA-1 is refused: "+quote(sha1), nil)
	}
	var raw rawAssertion
	if scd := assertion.FindElement("./Subject/SubjectConfirmation/SubjectConfirmationData"); scd != nil {
		raw.subjectConfirmationNotBefore = scd.SelectAttrValue(saml2.NotBeforeAttr, "")
	}
	return raw, nil
}

// verify runs gosaml2's decoding and signature validation, turning its
// errors (and any panic on hostile input) into ours.
func verify(lib *saml2.SAMLServiceProvider, encoded string) (resp *types.Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fail(ErrMalformed, "the SAML library panicked", fmt.Errorf("%v", p))
		}
	}()
	resp, err = lib.ValidateEncodedResponse(encoded)
	if err != nil {
		return nil, classify(err)
	}
	return resp, nil
}

// classify maps gosaml2's errors to our reasons. What it reports without
// a type (everything goxmldsig says, wrapped as text) comes from signature
// validation, which runs before anything else it checks.
func classify(err error) error {
	var invalid saml2.ErrInvalidValue
	var missing saml2.ErrMissingElement
	var parsing saml2.ErrParsing
	switch {
	case errors.As(err, &invalid):
		switch invalid.Key {
		case saml2.DestinationAttr, saml2.RecipientAttr:
			return fail(ErrDestination, "", err)
		case saml2.IssuerTag:
			return fail(ErrIssuer, "", err)
		case saml2.StatusCodeTag:
			return fail(ErrStatus, "status "+quote(invalid.Actual), nil)
		case saml2.NotOnOrAfterAttr:
			return fail(ErrExpired, "SubjectConfirmationData", err)
		}
		return fail(ErrMalformed, "", err)
	case errors.As(err, &missing):
		if missing.Tag == saml2.AssertionTag && missing.Attribute == "" {
			return fail(ErrAssertionCount, "no assertion", err)
		}
		if missing.Tag == saml2.IssuerTag {
			return fail(ErrIssuer, "", err)
		}
		return fail(ErrMalformed, "", err)
	case errors.As(err, &parsing):
		return fail(ErrMalformed, "", err)
	case errors.Is(err, dsig.ErrMissingSignature):
		return fail(ErrSignature, "unsigned", err)
	}
	return fail(ErrSignature, "", err)
}

// checked is a response that passed every check but the database ones.
type checked struct {
	resp      *types.Response
	assertion types.Assertion
	requestID string
	expiresAt time.Time
}

func (sp *ServiceProvider) check(org directory.Organization, s directory.SAMLSettings, resp *types.Response, raw rawAssertion, now time.Time) (checked, error) {
	acs := sp.ACSURL(org)
	if len(resp.Assertions) != 1 || len(resp.EncryptedAssertions) != 0 {
		return checked{}, fail(ErrAssertionCount, fmt.Sprintf("%d verified assertions", len(resp.Assertions)), nil)
	}
	a := resp.Assertions[0]
	if !resp.SignatureValidated && !a.SignatureValidated {
		return checked{}, fail(ErrSignature, "neither Response nor Assertion signature validated", nil)
	}
	// A signed Response must name its Destination (saml-bindings §3.5.5.2).
	if resp.SignatureValidated && resp.Destination == "" {
		return checked{}, fail(ErrDestination, "signed Response without Destination", nil)
	}
	if resp.Destination != "" && resp.Destination != acs {
		return checked{}, fail(ErrDestination, "Destination "+quote(resp.Destination), nil)
	}
	if a.Issuer == nil || a.Issuer.Value != s.IdPEntityID {
		return checked{}, fail(ErrIssuer, "assertion Issuer is not "+quote(s.IdPEntityID), nil)
	}
	if a.Version != "2.0" {
		return checked{}, fail(ErrMalformed, "assertion Version "+quote(a.Version), nil)
	}
	if a.ID == "" {
		return checked{}, fail(ErrMalformed, "assertion without ID", nil)
	}
	if a.Subject == nil || a.Subject.NameID == nil || strings.TrimSpace(a.Subject.NameID.Value) == "" {
		return checked{}, fail(ErrMalformed, "assertion without NameID", nil)
	}
	if a.AuthnStatement == nil {
		return checked{}, fail(ErrMalformed, "assertion without AuthnStatement", nil)
	}
	sc := a.Subject.SubjectConfirmation
	if sc == nil || sc.SubjectConfirmationData == nil {
		return checked{}, fail(ErrMalformed, "assertion without SubjectConfirmationData", nil)
	}
	scd := sc.SubjectConfirmationData
	if scd.Recipient != acs {
		return checked{}, fail(ErrDestination, "Recipient "+quote(scd.Recipient), nil)
	}

	// Audience: at least one AudienceRestriction, and every one of them
	// names us (each restriction must be satisfied, saml-core §2.5.1.4).
	c := a.Conditions
	if c == nil {
		return checked{}, fail(ErrAudience, "assertion without Conditions", nil)
	}
	if len(c.AudienceRestrictions) == 0 {
		return checked{}, fail(ErrAudience, "no AudienceRestriction", nil)
	}
	for _, ar := range c.AudienceRestrictions {
		ok := false
		var seen []string
		for _, aud := range ar.Audiences {
			seen = append(seen, aud.Value)
			ok = ok || aud.Value == sp.EntityID(org)
		}
		if !ok {
			return checked{}, fail(ErrAudience, "audience "+quote(strings.Join(seen, " ")), nil)
		}
	}

	// Time, with the skew on both sides.
	if a.IssueInstant.IsZero() {
		return checked{}, fail(ErrMalformed, "assertion without IssueInstant", nil)
	}
	if a.IssueInstant.After(now.Add(sp.skew)) {
		return checked{}, fail(ErrExpired, "IssueInstant "+a.IssueInstant.UTC().Format(time.RFC3339)+" is in the future", nil)
	}
	expires := time.Time{}
	for _, w := range []struct{ what, notBefore, notOnOrAfter string }{
		{"Conditions", c.NotBefore, c.NotOnOrAfter},
		{"SubjectConfirmationData", raw.subjectConfirmationNotBefore, scd.NotOnOrAfter},
	} {
		if w.notBefore != "" {
			nb, err := time.Parse(time.RFC3339, w.notBefore)
			if err != nil {
				return checked{}, fail(ErrMalformed, w.what+" NotBefore "+quote(w.notBefore), err)
			}
			if now.Add(sp.skew).Before(nb) {
				return checked{}, fail(ErrExpired, fmt.Sprintf("%s NotBefore %s, now %s", w.what, w.notBefore, now.UTC().Format(time.RFC3339)), nil)
			}
		}
		if w.notOnOrAfter == "" {
			if w.what == "SubjectConfirmationData" {
				return checked{}, fail(ErrMalformed, "SubjectConfirmationData without NotOnOrAfter", nil)
			}
			continue
		}
		noa, err := time.Parse(time.RFC3339, w.notOnOrAfter)
		if err != nil {
			return checked{}, fail(ErrMalformed, w.what+" NotOnOrAfter "+quote(w.notOnOrAfter), err)
		}
		if !now.Add(-sp.skew).Before(noa) {
			return checked{}, fail(ErrExpired, fmt.Sprintf("%s NotOnOrAfter %s, now %s", w.what, w.notOnOrAfter, now.UTC().Format(time.RFC3339)), nil)
		}
		if noa.After(expires) {
			expires = noa
		}
	}

	// InResponseTo, read from signed content only. When only the assertion
	// is signed, the Response's own attributes are the sender's to choose,
	// so they may agree with the assertion or be absent, nothing else.
	var requestID string
	if resp.SignatureValidated {
		if resp.InResponseTo != "" && scd.InResponseTo != "" && resp.InResponseTo != scd.InResponseTo {
			return checked{}, fail(ErrInResponseTo, "Response and SubjectConfirmationData name different requests", nil)
		}
		requestID = cmp.Or(resp.InResponseTo, scd.InResponseTo)
	} else {
		if resp.InResponseTo != "" && resp.InResponseTo != scd.InResponseTo {
			return checked{}, fail(ErrInResponseTo, "the unsigned Response names a request its assertion does not", nil)
		}
		requestID = scd.InResponseTo
	}
	if requestID == "" && !s.AllowIdPInitiated {
		return checked{}, fail(ErrIdPInitiated, "no InResponseTo", nil)
	}
	return checked{resp: resp, assertion: a, requestID: requestID, expiresAt: expires.Add(sp.skew)}, nil
}

// spend records the assertion ID (a second use is a replay) and consumes
// the request it answers, in one transaction: either both happen or,
// when anything fails, neither. It returns the request's return path.
func (sp *ServiceProvider) spend(ctx context.Context, org directory.Organization, c checked, relayState string, now time.Time) (string, error) {
	var returnPath string
	err := sp.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.RecordSAMLAssertion(ctx, org.ID, c.assertion.ID, c.expiresAt); err != nil {
			if errors.Is(err, directory.ErrConflict) {
				return fail(ErrReplay, "assertion "+quote(c.assertion.ID), nil)
			}
			if errors.Is(err, directory.ErrInvalid) {
				return fail(ErrMalformed, "assertion ID", err)
			}
			return storeError("record assertion id", err)
		}
		if c.requestID == "" {
			return nil
		}
		req, err := tx.ConsumeSAMLRequest(ctx, org.ID, c.requestID)
		switch {
		case errors.Is(err, directory.ErrNotFound):
			return fail(ErrInResponseTo, "unknown or used request "+quote(c.requestID), nil)
		case err != nil:
			return storeError("consume request", err)
		}
		if subtle.ConstantTimeCompare([]byte(req.RelayState), []byte(relayState)) != 1 {
			return fail(ErrInResponseTo, "RelayState differs from the request's", nil)
		}
		if !now.Before(req.ExpiresAt) {
			return fail(ErrRequestExpired, "request expired at "+req.ExpiresAt.UTC().Format(time.RFC3339), nil)
		}
		returnPath = req.ReturnPath
		return nil
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return "", e
		}
		return "", storeError("acs transaction", err)
	}
	return returnPath, nil
}

func (c checked) identity(org directory.Organization, s directory.SAMLSettings, relayState, returnPath string) Identity {
	a := c.assertion
	id := Identity{
		OrgID:        org.ID,
		IdPEntityID:  s.IdPEntityID,
		NameID:       strings.TrimSpace(a.Subject.NameID.Value),
		NameIDFormat: a.Subject.NameID.Format,
		Attributes:   map[string][]string{},
		SessionIndex: a.AuthnStatement.SessionIndex,
		AssertionID:  a.ID,
		RequestID:    c.requestID,
		IdPInitiated: c.requestID == "",
	}
	if a.AuthnStatement.AuthnInstant != nil {
		id.AuthnInstant = a.AuthnStatement.AuthnInstant.UTC()
	}
	if a.AuthnStatement.SessionNotOnOrAfter != nil {
		id.SessionNotOnOrAfter = a.AuthnStatement.SessionNotOnOrAfter.UTC()
	}
	var attrs []types.Attribute
	if a.AttributeStatement != nil {
		attrs = a.AttributeStatement.Attributes
	}
	for _, at := range attrs {
		for _, v := range at.Values {
			value := strings.TrimSpace(v.Value)
			if v.NameID != nil {
				value = strings.TrimSpace(v.NameID.Value)
			}
			id.Attributes[at.Name] = append(id.Attributes[at.Name], value)
		}
	}
	id.Email = emailOf(id.NameID, id.NameIDFormat, attrs)
	if id.IdPInitiated {
		if SafeReturnPath(relayState) {
			id.ReturnPath = relayState
		}
	} else {
		id.ReturnPath = returnPath
	}
	return id
}

// emailAttributes are the attribute names (or friendly names) IdPs put
// the email address in, compared case-insensitively.
var emailAttributes = []string{
	"urn:oid:0.9.2342.19200300.100.1.3",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
	"email", "mail", "emailaddress", "user.email",
}

func emailOf(nameID, format string, attrs []types.Attribute) string {
	switch format {
	case "", saml2.NameIdFormatEmailAddress, saml2.NameIdFormatUnspecified:
		if isEmail(nameID) {
			return nameID
		}
	}
	for _, name := range emailAttributes {
		for _, at := range attrs {
			if !strings.EqualFold(at.Name, name) && !strings.EqualFold(at.FriendlyName, name) {
				continue
			}
			for _, v := range at.Values {
				if value := strings.TrimSpace(v.Value); isEmail(value) {
					return value
				}
			}
		}
	}
	return ""
}

func isEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Name == "" && addr.Address == s
}
