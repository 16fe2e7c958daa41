// Package claim invites people and lets them claim their accounts. This
// part decides who is invited and when (the organization's automatic
// invitation and its ordered invite rules, on create, on update and by
// back-fill), issues claim links and access codes, and delivers
// invitations and reminders through jobs on the queue, so a crash never
// loses one and a job that runs twice sends one email.
//
// Secrets are never stored in usable form. A claim link is derived from
// the server key, the account and its invitation generation: it can be
// shown again (SCIM's claimLink, the export) without being kept, and it
// dies when the generation moves (re-invite, revocation, deactivation),
// when it expires and when the account is claimed. An access code is
// derived the same way and stored only as a keyed hash, which is how a
// typed code finds its account.
package claim
