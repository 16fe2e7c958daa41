package admin

import (
	"errors"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// settingsPatch is PATCH /settings: every member optional. The
// lifetimes take null to follow the server's default again; reminders
// [] sends none.
type settingsPatch struct {
	Name         settingValue[string] `json:"name"`
	AutoInvite   settingValue[bool]   `json:"auto_invite"`
	InviteHour   settingValue[int]    `json:"invite_hour"`
	TimeZone     settingValue[string] `json:"time_zone"`
	LinkTTLHours settingValue[int]    `json:"link_ttl_hours"`
	CodeTTLDays  settingValue[int]    `json:"code_ttl_days"`
	Reminders    settingValue[[]int]  `json:"reminders"`
	Claim        *settingsClaimPatch  `json:"claim"`
}

// settingsPatchDoc is settingsPatch as the OpenAPI document shows it:
// every member optional; link_ttl_hours, code_ttl_days, reminders and
// claim.editable_fields also take null (the server's default).
type settingsPatchDoc struct {
	Name         *string `json:"name,omitempty"`
	AutoInvite   *bool   `json:"auto_invite,omitempty"`
	InviteHour   *int    `json:"invite_hour,omitempty"`
	TimeZone     *string `json:"time_zone,omitempty"`
	LinkTTLHours *int    `json:"link_ttl_hours,omitempty"`
	CodeTTLDays  *int    `json:"code_ttl_days,omitempty"`
	Reminders    []int   `json:"reminders,omitempty"`
	Claim        *struct {
		TermsOptional   *bool    `json:"terms_optional,omitempty"`
		ProfileRequired *bool    `json:"profile_required,omitempty"`
		PictureRequired *bool    `json:"picture_required,omitempty"`
		GroupsRequired  *bool    `json:"groups_required,omitempty"`
		EditableFields  []string `json:"editable_fields,omitempty"`
	} `json:"claim,omitempty"`
}

// settingsClaimPatch changes some of the claim steps; editable_fields null goes
// back to the default (phone only), [] allows none.
type settingsClaimPatch struct {
	TermsOptional   settingValue[bool]     `json:"terms_optional"`
	ProfileRequired settingValue[bool]     `json:"profile_required"`
	PictureRequired settingValue[bool]     `json:"picture_required"`
	GroupsRequired  settingValue[bool]     `json:"groups_required"`
	EditableFields  settingValue[[]string] `json:"editable_fields"`
}

// settingChange is one member of the patch: its field and what it does
// to an organization.
type settingChange struct {
	field string
	apply func(o *directory.Organization)
}

// changes lists the patch's members as changes, and the members that
// are null where null means nothing or out of any sensible range.
func (p settingsPatch) changes() ([]settingChange, []fieldError) {
	var cs settingChanges
	settingRequired(&cs, "name", p.Name, func(o *directory.Organization, v string) { o.Name = v })
	settingRequired(&cs, "auto_invite", p.AutoInvite, func(o *directory.Organization, v bool) { o.AutoInvite = v })
	settingRequired(&cs, "invite_hour", p.InviteHour, func(o *directory.Organization, v int) { o.InviteHour = v })
	settingRequired(&cs, "time_zone", p.TimeZone, func(o *directory.Organization, v string) { o.TimeZone = v })
	settingLifetime(&cs, "link_ttl_hours", p.LinkTTLHours, time.Hour, func(o *directory.Organization, d time.Duration) { o.LinkTTL = d })
	settingLifetime(&cs, "code_ttl_days", p.CodeTTLDays, 24*time.Hour, func(o *directory.Organization, d time.Duration) { o.CodeTTL = d })
	p.reminders(&cs)
	if c := p.Claim; c != nil {
		for _, b := range []struct {
			field string
			value settingValue[bool]
			dst   func(o *directory.Organization) *bool
		}{
			{"claim.terms_optional", c.TermsOptional, func(o *directory.Organization) *bool { return &o.Claim.TermsOptional }},
			{"claim.profile_required", c.ProfileRequired, func(o *directory.Organization) *bool { return &o.Claim.ProfileRequired }},
			{"claim.picture_required", c.PictureRequired, func(o *directory.Organization) *bool { return &o.Claim.PictureRequired }},
			{"claim.groups_required", c.GroupsRequired, func(o *directory.Organization) *bool { return &o.Claim.GroupsRequired }},
		} {
			settingRequired(&cs, b.field, b.value, func(o *directory.Organization, v bool) { *b.dst(o) = v })
		}
		if c.EditableFields.Set {
			fields := c.EditableFields.Value // nil when null: the default
			if !c.EditableFields.Null && fields == nil {
				fields = []string{}
			}
			cs.add("claim.editable_fields", func(o *directory.Organization) { o.Claim.EditableFields = fields })
		}
	}
	return cs.list, cs.errs
}

func (p settingsPatch) reminders(cs *settingChanges) {
	r := p.Reminders
	switch {
	case !r.Set:
	case r.Null:
		cs.add("reminders", func(o *directory.Organization) { o.Reminders = nil })
	default:
		delays := make([]time.Duration, 0, len(r.Value))
		for _, h := range r.Value {
			if h < 1 {
				cs.fail("reminders", "each reminder is a whole number of hours after the invitation, at least 1")
				return
			}
			delays = append(delays, settingsDuration(h, time.Hour))
		}
		cs.add("reminders", func(o *directory.Organization) { o.Reminders = delays })
	}
}

// settingChanges collects changes and problems.
type settingChanges struct {
	list []settingChange
	errs []fieldError
}

func (cs *settingChanges) add(field string, apply func(o *directory.Organization)) {
	cs.list = append(cs.list, settingChange{field: field, apply: apply})
}

func (cs *settingChanges) fail(field, message string) {
	cs.errs = append(cs.errs, fieldError{Field: field, Message: message})
}

// settingRequired adds a member that cannot be null.
func settingRequired[T any](cs *settingChanges, field string, v settingValue[T], set func(o *directory.Organization, v T)) {
	switch {
	case !v.Set:
	case v.Null:
		cs.fail(field, "must not be null")
	default:
		cs.add(field, func(o *directory.Organization) { set(o, v.Value) })
	}
}

// settingLifetime adds a lifetime in whole units; null is the server default.
func settingLifetime(cs *settingChanges, field string, v settingValue[int], unit time.Duration, set func(o *directory.Organization, d time.Duration)) {
	switch {
	case !v.Set:
	case v.Null:
		cs.add(field, func(o *directory.Organization) { set(o, 0) })
	case v.Value < 1:
		cs.fail(field, "must be a whole number of at least 1 (null keeps the server default)")
	default:
		d := settingsDuration(v.Value, unit)
		cs.add(field, func(o *directory.Organization) { set(o, d) })
	}
}

// settingsDuration is n units, capped far beyond any allowed lifetime so a huge n
// cannot overflow into a small one: the organization's rules refuse it.
func settingsDuration(n int, unit time.Duration) time.Duration {
	const most = 10 * 365 * 24 * time.Hour
	if time.Duration(n) > most/unit {
		return most
	}
	return time.Duration(n) * unit
}

// settingsFields maps directory.Organization's field names, as its
// validation names them, to this API's.
var settingsFields = map[string]string{
	"name": "name", "inviteHour": "invite_hour", "timeZone": "time_zone", "linkTTL": "link_ttl_hours",
	"codeTTL": "code_ttl_days", "reminders": "reminders", "editableFields": "claim.editable_fields",
}

// settingsFieldError is err (from Organization.Validate) for field,
// keeping its message.
func settingsFieldError(field string, err error) fieldError {
	var invalid *directory.ValidationError
	if errors.As(err, &invalid) {
		if mapped, ok := settingsFields[invalid.Field]; ok {
			field = mapped
		}
		return fieldError{Field: field, Message: invalid.Problem}
	}
	return fieldError{Field: field, Message: err.Error()}
}
