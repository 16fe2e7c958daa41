package directory

import (
	"regexp"
	"strings"
	"time"
)

// DefaultOrganizationSlug is the slug of the organization a fresh database
// starts with, so a single-tenant install needs no set-up.
const DefaultOrganizationSlug = "default"

// Organization is a tenant. Every other row belongs to exactly one, and no
// query ever spans two.
type Organization struct {
	ID        string
	Slug      string
	Name      string
	CreatedAt time.Time
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// Validate checks the slug (lower-case letters, digits and inner hyphens,
// at most 63 characters, so it fits a DNS label) and the name.
func (o Organization) Validate() error {
	if !slugPattern.MatchString(o.Slug) {
		return invalid("slug", "use 1 to 63 lower-case letters, digits or hyphens, not starting or ending with a hyphen")
	}
	if strings.TrimSpace(o.Name) == "" {
		return invalid("name", "must not be empty")
	}
	return checkText("name", o.Name, 200)
}
