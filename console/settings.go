package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// mountSettings mounts the settings section's pages: general settings
// (here), invite rules, email templates, terms of use, the groups offered
// while claiming (settings_*.go) and single sign-on (settings_sso.go).
// Viewing needs settings.read, changing settings.manage; the API decides.
func (k *Console) mountSettings(g *echo.Group) {
	g.GET("/settings", k.admin(k.showGeneralSettings))
	g.POST("/settings", k.admin(k.saveGeneralSettings))
	k.mountRuleSettings(g)
	k.mountTemplateSettings(g)
	k.mountTermsSettings(g)
	k.mountGroupSettings(g)
	k.mountSSOSettings(g)
}

// orgSettings is GET /settings of the admin API.
type orgSettings struct {
	Name           string   `json:"name"`
	AutoInvite     bool     `json:"auto_invite"`
	InviteHour     int      `json:"invite_hour"`
	TimeZone       string   `json:"time_zone"`
	LinkTTLHours   int      `json:"link_ttl_hours"`
	CodeTTLDays    int      `json:"code_ttl_days"`
	Reminders      []int    `json:"reminders"`
	ServerDefaults []string `json:"server_defaults"`
	Claim          struct {
		TermsOptional   bool     `json:"terms_optional"`
		ProfileRequired bool     `json:"profile_required"`
		PictureRequired bool     `json:"picture_required"`
		GroupsRequired  bool     `json:"groups_required"`
		EditableFields  []string `json:"editable_fields"`
	} `json:"claim"`
}

// generalForm is the general settings form as the admin sees it: what
// they typed, kept when the form comes back with errors.
type generalForm struct {
	Name       string
	AutoInvite bool
	InviteHour string
	TimeZone   string
	// LinkTTL (hours), CodeTTL (days) and Reminders are "" when the
	// organization follows the server's default.
	LinkTTL, CodeTTL, Reminders                                     string
	TermsOptional, ProfileRequired, PictureRequired, GroupsRequired bool
	Editable                                                        []string
}

// option is one choice of a select or a set of checkboxes.
type option struct {
	Value, Label string
	Selected     bool
}

type generalView struct {
	Form generalForm
	// The effective values, shown as placeholders of fields that follow
	// the server's default.
	LinkDefault, CodeDefault, RemindersDefault string
	Hours                                      []option
	Fields                                     []option
}

// profileFieldLabels are the profile fields people may be allowed to
// edit while claiming (directory.ProfileFields), in page order.
var profileFieldLabels = []option{{Value: "name", Label: "Name"}, {Value: "title", Label: "Job title"},
	{Value: "department", Label: "Department"}, {Value: "phone", Label: "Phone number"}}

func (k *Console) generalView(s orgSettings, f generalForm) generalView {
	v := generalView{Form: f, LinkDefault: strconv.Itoa(s.LinkTTLHours), CodeDefault: strconv.Itoa(s.CodeTTLDays),
		RemindersDefault: formatReminders(s.Reminders)}
	for h := range 24 {
		v.Hours = append(v.Hours, option{Value: strconv.Itoa(h), Label: fmt.Sprintf("%02d:00", h), Selected: strconv.Itoa(h) == f.InviteHour})
	}
	for _, o := range profileFieldLabels {
		o.Selected = slices.Contains(f.Editable, o.Value)
		v.Fields = append(v.Fields, o)
	}
	return v
}

// formOf is the form filled with the stored settings.
func formOf(s orgSettings) generalForm {
	f := generalForm{Name: s.Name, AutoInvite: s.AutoInvite, InviteHour: strconv.Itoa(s.InviteHour), TimeZone: s.TimeZone,
		TermsOptional: s.Claim.TermsOptional, ProfileRequired: s.Claim.ProfileRequired, PictureRequired: s.Claim.PictureRequired,
		GroupsRequired: s.Claim.GroupsRequired, Editable: s.Claim.EditableFields}
	if !slices.Contains(s.ServerDefaults, "link_ttl_hours") {
		f.LinkTTL = strconv.Itoa(s.LinkTTLHours)
	}
	if !slices.Contains(s.ServerDefaults, "code_ttl_days") {
		f.CodeTTL = strconv.Itoa(s.CodeTTLDays)
	}
	if !slices.Contains(s.ServerDefaults, "reminders") {
		f.Reminders = formatReminders(s.Reminders)
		if f.Reminders == "" {
			f.Reminders = "none"
		}
	}
	return f
}

// formatReminders writes reminder delays (hours after the invitation)
// as the form takes them: whole days as "3", other delays as "36h".
func formatReminders(hours []int) string {
	parts := make([]string, 0, len(hours))
	for _, h := range hours {
		if h%24 == 0 {
			parts = append(parts, strconv.Itoa(h/24))
		} else {
			parts = append(parts, strconv.Itoa(h)+"h")
		}
	}
	return strings.Join(parts, ", ")
}

// parseReminders reads the reminder field: days after the invitation
// ("3, 5"), or hours with an h ("36h"); "" is the server's default
// (nil), "none" no reminders at all.
func parseReminders(s string) ([]int, bool, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, false, nil
	case strings.EqualFold(s, "none"):
		return []int{}, true, nil
	}
	out := []int{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		unit := 24
		if rest, ok := strings.CutSuffix(strings.ToLower(part), "h"); ok {
			part, unit = rest, 1
		} else if rest, ok := strings.CutSuffix(strings.ToLower(part), "d"); ok {
			part = rest
		}
		n, err := strconv.Atoi(part)
		if err != nil || n < 1 || n > 100000 {
			return nil, true, errors.New("Use whole numbers of days after the invitation, separated by commas, such as 3, 5 (or hours: 36h).")
		}
		out = append(out, n*unit)
	}
	slices.Sort(out) // the order they are typed in does not matter
	return out, true, nil
}

func (k *Console) readSettings(c echo.Context) (orgSettings, error) {
	var s orgSettings
	err := k.call(c, http.MethodGet, "/settings", nil, nil, &s)
	return s, err
}

func (k *Console) showGeneralSettings(c echo.Context) error {
	s, err := k.readSettings(c)
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "settings", newPage(c, "settings", "Settings", k.generalView(s, formOf(s))))
}

// saveGeneralSettings turns the form into a PATCH of the members the
// form holds. The API validates everything; what the form cannot even
// read as a number is named here and nothing is sent.
func (k *Console) saveGeneralSettings(c echo.Context) error {
	s, err := k.readSettings(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	has := func(name string) bool { _, ok := form[name]; return ok }
	f := formOf(s)
	patch := map[string]any{}
	errs := map[string]string{}
	if has("name") {
		f.Name = form.Get("name")
		patch["name"] = strings.TrimSpace(f.Name)
	}
	if has("auto_invite") {
		f.AutoInvite = form.Get("auto_invite") == "on"
		patch["auto_invite"] = f.AutoInvite
	}
	if has("invite_hour") {
		f.InviteHour = form.Get("invite_hour")
		if n, err := strconv.Atoi(strings.TrimSpace(f.InviteHour)); err != nil {
			errs["invite_hour"] = "Choose an hour from 00:00 to 23:00."
		} else {
			patch["invite_hour"] = n
		}
	}
	if has("time_zone") {
		f.TimeZone = form.Get("time_zone")
		patch["time_zone"] = strings.TrimSpace(f.TimeZone)
	}
	for _, l := range []struct {
		field, unit string
		dst         *string
	}{{"link_ttl_hours", "hours", &f.LinkTTL}, {"code_ttl_days", "days", &f.CodeTTL}} {
		if !has(l.field) {
			continue
		}
		*l.dst = form.Get(l.field)
		raw := strings.TrimSpace(*l.dst)
		if raw == "" {
			patch[l.field] = nil // the server's default
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil {
			errs[l.field] = "Type a whole number of " + l.unit + ", or leave it empty for the server's default."
			continue
		}
		patch[l.field] = n
	}
	if has("reminders") {
		f.Reminders = form.Get("reminders")
		hours, set, err := parseReminders(f.Reminders)
		switch {
		case err != nil:
			errs["reminders"] = err.Error()
		case !set:
			patch["reminders"] = nil
		default:
			patch["reminders"] = hours
		}
	}
	if has("claim") { // the claim steps' checkboxes are in the form
		f.TermsOptional, f.ProfileRequired = form.Get("claim.terms_optional") != "", form.Get("claim.profile_required") != ""
		f.PictureRequired, f.GroupsRequired = form.Get("claim.picture_required") != "", form.Get("claim.groups_required") != ""
		f.Editable = append([]string{}, form["claim.editable_fields"]...)
		patch["claim"] = map[string]any{"terms_optional": f.TermsOptional, "profile_required": f.ProfileRequired,
			"picture_required": f.PictureRequired, "groups_required": f.GroupsRequired, "editable_fields": f.Editable}
	}
	pg := newPage(c, "settings", "Settings", k.generalView(s, f))
	if len(errs) == 0 {
		err = k.call(c, http.MethodPatch, "/settings", nil, patch, nil)
		var apiErr *apiError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
			if err != nil {
				return err
			}
			return seeOther(c, Prefix+"/settings", "Settings saved.")
		}
		errs = sentences(apiErr.fields())
		if len(errs) == 0 {
			pg.Notice = "Nothing was saved: " + capitalize(apiErr.Detail) + "."
		}
	}
	if pg.Notice == "" {
		pg.Notice = "Nothing was saved. Fix the fields marked below and save again."
		if m := errs["settings"]; m != "" {
			pg.Notice = "Nothing was saved: " + capitalize(m) + "."
		}
	}
	pg.Errors = errs
	return k.render(c, http.StatusBadRequest, "settings", pg)
}

// sentences makes the API's field messages ("must be an hour from 0 to
// 23") read as sentences next to their fields.
func sentences(errs map[string]string) map[string]string {
	out := make(map[string]string, len(errs))
	for field, m := range errs {
		out[field] = capitalize(m) + "."
	}
	return out
}
