package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// accessRoutes decide who may do what: the permissions and roles, the
// admins and their tokens, the SCIM tokens identity providers use, and
// the OpenAPI document that describes every route.
func (h *Handler) accessRoutes() []route {
	var all []route
	for _, group := range [][]route{
		h.roleRoutes(),
		h.adminRoutes(),
		h.adminTokenRoutes(),
		h.scimTokenRoutes(),
		h.openAPIRoutes(),
	} {
		all = append(all, group...)
	}
	return all
}

// Token lifetimes the API gives when the request names none, in days:
// the CLI's defaults (cmd/latchkey admin.go and scimtoken.go). Admin
// tokens grant more and are easier to mint again than an identity
// provider's SCIM token.
const (
	DefaultAdminTokenDays = 90
	DefaultScimTokenDays  = 365
	// maxTokenDays is the CLI's bound too (about ten years).
	maxTokenDays = 3650
)

// tokenExpiry reads an optional expires_in_days field into an expiry
// time from now: def days when absent.
// checkNewToken checks a token request's name and lifetime (days, def
// when nil), naming every field at fault, and returns the expiry.
func checkNewToken(name string, days *int, def int, now time.Time) (time.Time, error) {
	var errs []fieldError
	if ferr := checkTokenName(name); ferr != nil {
		errs = append(errs, *ferr)
	}
	expires, ferr := tokenExpiry("expires_in_days", days, def, now)
	if ferr != nil {
		errs = append(errs, *ferr)
	}
	if len(errs) > 0 {
		return time.Time{}, invalidFields(errs)
	}
	return expires, nil
}

func tokenExpiry(field string, days *int, def int, now time.Time) (time.Time, *fieldError) {
	n := def
	if days != nil {
		n = *days
	}
	if n < 1 || n > maxTokenDays {
		return time.Time{}, &fieldError{Field: field, Message: "must be a whole number of days from 1 to " + strconv.Itoa(maxTokenDays)}
	}
	return now.Add(time.Duration(n) * 24 * time.Hour).UTC().Truncate(time.Second), nil
}

// tokenStatus says whether a token works: active, expired or revoked.
func tokenStatus(revokedAt, expiresAt *time.Time, now time.Time) string {
	switch {
	case revokedAt != nil:
		return "revoked"
	case expiresAt != nil && !now.Before(*expiresAt):
		return "expired"
	}
	return "active"
}

// rolePermissions is what a role grants: a built-in role's grants or the
// org's custom role's permissions; ErrNotFound for any other name.
func rolePermissions(ctx context.Context, store directory.Store, orgID string, role directory.Role) ([]directory.Permission, error) {
	if perms, ok := directory.BuiltinPermissions(role); ok {
		return perms, nil
	}
	r, err := store.Role(ctx, orgID, role)
	if err != nil {
		return nil, err
	}
	return r.Permissions, nil
}

// lacking lists the permissions in perms the caller does not hold.
func (c caller) lacking(perms []directory.Permission) []string {
	var missing []string
	for _, p := range perms {
		if !c.can(p) {
			missing = append(missing, string(p))
		}
	}
	return missing
}

// mayGrant refuses (403) handing out permissions the caller does not
// hold themselves: nobody raises anyone, themselves included, above their
// own role.
func (c caller) mayGrant(what string, perms []directory.Permission) error {
	if missing := c.lacking(perms); len(missing) > 0 {
		return newProblem(http.StatusForbidden, "escalation",
			"you cannot grant "+what+": it has permissions your role lacks ("+strings.Join(missing, ", ")+")")
	}
	return nil
}

// mayManage refuses (403) changing an admin whose role grants what the
// caller's does not: an admin manager cannot disable, demote or mint
// tokens for someone more powerful than themselves.
func (c caller) mayManage(ctx context.Context, store directory.Store, target directory.Admin) error {
	if target.ID == c.AdminID {
		return nil
	}
	perms, err := rolePermissions(ctx, store, target.OrgID, target.Role)
	if errors.Is(err, directory.ErrNotFound) {
		return nil // a deleted custom role grants nothing
	}
	if err != nil {
		return err
	}
	if missing := c.lacking(perms); len(missing) > 0 {
		return newProblem(http.StatusForbidden, "escalation",
			"you cannot change "+target.Email+": their role has permissions yours lacks ("+strings.Join(missing, ", ")+")")
	}
	return nil
}
