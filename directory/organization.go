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

	// LinkTTL and CodeTTL are how long the org's claim links and access
	// codes work; zero means the server's default.
	LinkTTL time.Duration
	CodeTTL time.Duration
	// Reminders are the delays after an invitation at which an unclaimed
	// person is reminded: nil means the server's default, empty none.
	Reminders []time.Duration

	// Claim says what the first-access steps ask of people.
	Claim ClaimSettings
}

// Bounds of the per-organization invitation lifetimes and reminders.
const (
	MinLinkTTL   = time.Hour
	MaxLinkTTL   = 90 * 24 * time.Hour
	MaxCodeTTL   = 365 * 24 * time.Hour
	MaxReminders = 5
)

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
	if err := o.validateLifetimes(); err != nil {
		return err
	}
	if err := o.Claim.Validate(); err != nil {
		return err
	}
	return checkText("name", o.Name, 200)
}

func (o Organization) validateLifetimes() error {
	if o.LinkTTL != 0 && (o.LinkTTL < MinLinkTTL || o.LinkTTL > MaxLinkTTL) {
		return invalid("linkTTL", "must lie between 1 hour and 90 days (0 keeps the server default)")
	}
	if o.CodeTTL != 0 && (o.CodeTTL < MinLinkTTL || o.CodeTTL > MaxCodeTTL) {
		return invalid("codeTTL", "must lie between 1 hour and 365 days (0 keeps the server default)")
	}
	if len(o.Reminders) > MaxReminders {
		return invalid("reminders", "at most 5 reminders")
	}
	var last time.Duration
	for _, d := range o.Reminders {
		if d < time.Hour || d <= last || d > MaxLinkTTL {
			return invalid("reminders", "each reminder comes at least 1 hour after the invitation, later than the one before, within 90 days")
		}
		last = d
	}
	return nil
}
