// Package pages is what a person sees: the claim pages (link, access code,
// single sign-on and the first-access steps), the password sign-in page,
// the signed-in account page, profile pictures, and the JSON claim API of
// the mobile app. Every page is server-rendered html/template, embedded,
// usable without JavaScript and without any external asset.
//
// Routes (each group is a server.Area):
//
//	GET  /claim/{token}              who the link is for, "Get started" (GET never spends it)
//	POST /claim/{token}              starts a claim session (SSO accounts go to the IdP first)
//	GET  /claim/code, POST           the access-code form (?code= prefills)
//	GET  /claim/steps                redirects to the next first-access step
//	GET  /claim/steps/{step}, POST   terms, profile, picture, username, password, groups
//	GET  /claim/finish               the summary with the "Finish" button
//	POST /claim/complete             claims the account and signs the person in
//	GET  /claim/assets/style.css     the one stylesheet
//	GET  /signin, POST               password sign-in (?org=slug)
//	GET  /signin/sso                 SSO sign-in (?org=slug)
//	POST /signout                    ends the session
//	GET  /account, /account/welcome  the signed-in page ("You're all set")
//	GET  /pictures/{id}              a profile picture (immutable: ids change with every upload)
//	GET  /saml/{slug}/metadata       the organization's SP metadata
//	GET  /saml/{slug}/login          = /signin/sso?org={slug}
//	POST /saml/{slug}/acs            the assertion consumer service (no CSRF check: cross-site by design)
//	/api/v1/claim/...                the JSON claim API (bearer claim tokens, no cookies): see api.go
//
// Sessions are rows of the sessions table found by the keyed hash of a
// 256-bit secret: a cookie for browsers, a bearer "claim token" for the
// API. A claim session (purpose claim) carries the person through the
// steps; completing the claim deletes it and starts a sign-in session
// under a new secret. The cookie is __Host-latchkey_session (Secure,
// HttpOnly, SameSite=Lax, Path=/) whenever the base URL is https or a
// loopback host; on plain http elsewhere (development only) it loses the
// prefix and Secure, and New logs a warning.
//
// Single sign-on: a SAML response arrives as a cross-site POST, which
// carries no SameSite=Lax cookie. So starting a sign-in sets a short-lived
// binding cookie (__Host-latchkey_sso, SameSite=None) and stores its keyed
// hash (and the claim session's, if any) in the AuthnRequest's return
// path, in the database: the ACS accepts only the browser that started
// the sign-in, and a claim continues only for the account it was for.
//
// Errors become problems (status, code, message, field) in one place,
// problems.go; html.go renders them as pages and form errors, api.go as
// JSON. Internal errors are logged with the request id, never shown.
package pages
