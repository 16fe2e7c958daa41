// Package sso is Latchkey's SAML 2.0 service provider, per organization,
// built on github.com/russellhaering/gosaml2 (with goxmldsig ≥ v1.6.0).
//
// Each organization has its own SP: entity ID and metadata at
// {BASE_URL}/saml/{slug}/metadata, ACS at {BASE_URL}/saml/{slug}/acs
// (HTTP-POST binding), and its IdP settings (directory.SAMLSettings) in
// the database. The claim and sign-in pages mount three calls:
//
//	sp.Metadata(w, r, org)                         // GET …/metadata
//	url, err := sp.StartLogin(ctx, org, "/claim/…") // then redirect to url
//	id, err := sp.HandleACS(ctx, org, r)           // POST …/acs
//
// and match the verified Identity to an account with MatchAccount.
//
// What gosaml2 v0.12 only warns about or leaves out, this package
// enforces (see ConsumeResponse for the order):
//   - exactly one Assertion element anywhere in the document, checked
//     before any signature is (signature wrapping needs a second one),
//     and exactly one verified assertion after;
//   - a valid signature over the Response or the Assertion made with one
//     of the organization's IdP certificates (KeyInfo alone never
//     suffices); no SHA-1; no encrypted assertions;
//   - Issuer is the IdP's entity ID; Destination and Recipient are our
//     ACS URL (Destination required on a signed Response);
//   - an AudienceRestriction, each of which names our entity ID;
//   - NotBefore / NotOnOrAfter of Conditions and SubjectConfirmationData
//     and the IssueInstant, with Options.ClockSkew (60 s) either way;
//   - InResponseTo, read from signed content only, names an outstanding
//     AuthnRequest of this organization (saml_requests, 10 minutes, used
//     once, RelayState must match); none is an IdP-initiated sign-in,
//     refused unless the organization allows it;
//   - the assertion ID was not used before: saml_assertions keeps it until
//     its NotOnOrAfter plus the skew, unique per organization, so every
//     replica shares the replay cache; when the database cannot record it
//     the sign-in fails (directory.ErrUnavailable).
//
// No state lives in process memory except when each organization's
// expired rows were last purged. There are no package-level variables
// holding state and no init.
package sso
