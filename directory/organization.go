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

	// AutoInvite invites every account as soon as it is provisioned,
	// unless an invite rule says otherwise (off by default, as in
	// Workplace).
	AutoInvite bool
	// InviteHour (0–23, default 9) and TimeZone (IANA, default UTC) say
	// when on its start date an account is invited by a start-date rule.
	InviteHour int
	TimeZone   string

	// Claim says what the first-access steps ask of people.
	Claim ClaimSettings
}

// DefaultInviteHour is when start-date invitations go out, local time.
const DefaultInviteHour = 9

// WithDefaults fills in the invitation settings of an organization that
// has none yet (no TimeZone): 09:00 UTC.
func (o Organization) WithDefaults() Organization {
	if o.TimeZone == "" {
		o.TimeZone = "UTC"
		if o.InviteHour == 0 {
			o.InviteHour = DefaultInviteHour
		}
	}
	return o
}

// Location is the organization's time zone, UTC when unset or unknown.
func (o Organization) Location() *time.Location {
	if loc, err := time.LoadLocation(o.TimeZone); err == nil && o.TimeZone != "" {
		return loc
	}
	return time.UTC
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
	if o.InviteHour < 0 || o.InviteHour > 23 {
		return invalid("inviteHour", "must be an hour from 0 to 23")
	}
	if o.TimeZone != "" {
		if _, err := time.LoadLocation(o.TimeZone); err != nil {
			return invalid("timeZone", "must be an IANA time zone such as Europe/Berlin")
		}
	}
	if err := o.Claim.Validate(); err != nil {
		return err
	}
	return checkText("name", o.Name, 200)
}
