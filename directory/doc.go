// Package directory is Latchkey's domain: organizations, accounts and their
// lifecycle, groups and memberships, SCIM and admin credentials, the audit
// trail, and the Store contract every storage backend implements.
//
// It imports nothing else from Latchkey. Storage (directory/gormstore), the
// SCIM endpoint, the claim flow and the admin API are adapters around it.
// Backends translate their driver errors into the sentinel errors declared
// here, so callers branch with errors.Is and never on driver text.
package directory
