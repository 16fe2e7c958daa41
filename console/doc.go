// Package console is the admin console: server-rendered pages under
// /admin for an organization's admins, on top of the admin API. Every
// page reads and every form writes through the API's own handlers, in
// process (admin.Handler.ServeAs), as the signed-in admin: permissions,
// validation, audit records and every rule live in one place, and the
// console only turns forms into API requests and answers into pages.
//
// Sign-in is an admin's email and console password, or the
// organization's SAML single sign-on (the identity's email names the
// admin). Sessions are rows of admin_sessions found by the keyed hash of
// a 256-bit secret held in the cookie __Host-latchkey_admin (Secure,
// HttpOnly, SameSite=Lax, Path=/; without the prefix and Secure only on
// plain-http development hosts); they end after an idle hour or a day,
// at sign-out, when the admin is disabled and when their password
// changes. Unsafe requests from another origin are refused (CSRF), as
// on the claim pages.
//
// Pages work without JavaScript; console.js (same origin, no inline
// script) adds live progress, copy buttons and select-all. Nothing is
// loaded from another site.
//
// Routes (see routes.go for the whole table):
//
//	GET  /admin/                 → the People section
//	GET  /admin/signin, POST     password sign-in (?org=slug)
//	GET  /admin/signin/sso       single sign-on (?org=slug)
//	POST /admin/signout          ends the session
//	GET  /admin/account, POST    the admin's own password
//	GET  /admin/assets/...       the stylesheet and script
package console
