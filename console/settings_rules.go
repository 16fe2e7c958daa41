package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// mountRuleSettings mounts the invite rules: the list, and a form that
// counts who a rule matches (the API's dry run) before it saves.
func (k *Console) mountRuleSettings(g *echo.Group) {
	g.GET("/settings/rules", k.admin(k.listRules))
	g.GET("/settings/rules/new", k.admin(k.newRule))
	g.POST("/settings/rules/new", k.admin(k.submitRule))
	g.GET("/settings/rules/:id", k.admin(k.editRule))
	g.POST("/settings/rules/:id", k.admin(k.submitRule))
	g.POST("/settings/rules/:id/delete", k.admin(k.deleteRule))
}

// inviteRule is an invite rule as the API has it.
type inviteRule struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Position  int       `json:"position"`
	Filter    string    `json:"filter"`
	Action    string    `json:"action"`
	Message   string    `json:"message"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ActionLabel says when the rule invites.
func (r inviteRule) ActionLabel() string { return ruleActionLabel(r.Action) }

// ruleActions are the rule actions, as the form offers them.
var ruleActions = []option{
	{Value: "invite_now", Label: "Invite right away"},
	{Value: "invite_on_start_date", Label: "Invite on their start date"},
	{Value: "never", Label: "Never invite (leave them to an admin)"},
}

func ruleActionLabel(action string) string {
	for _, o := range ruleActions {
		if o.Value == action {
			return o.Label
		}
	}
	return action
}

// dryRun is the API's count of who a rule matches.
type dryRun struct {
	Matches     int64 `json:"matches"`
	WouldInvite int64 `json:"would_invite"`
}

type rulesView struct {
	Items []inviteRule
}

func (k *Console) listRules(c echo.Context) error {
	var reply struct {
		Items []inviteRule `json:"items"`
	}
	if err := k.call(c, http.MethodGet, "/invite-rules", nil, nil, &reply); err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "settings_rules", newPage(c, "settings", "Invite rules", rulesView{Items: reply.Items}))
}

// ruleForm is the rule form as the admin filled it in. CheckedFilter
// and CheckedAction are what the count shown was made for: a rule is
// saved only when they are what is saved, so the admin saw its count.
type ruleForm struct {
	ID, Name, Filter, Action, Message, Position string
	CheckedFilter, CheckedAction                string
}

type ruleView struct {
	Form    ruleForm
	Actions []option
	// Checked: the count below is for this form's filter and action.
	Checked bool
	// Count says what the dry run found ("" before a check).
	Count string
}

func (k *Console) rulePage(c echo.Context, f ruleForm, count *dryRun) page {
	title := "New invite rule"
	if f.ID != "" {
		title = "Edit invite rule"
	}
	v := ruleView{Form: f}
	for _, o := range ruleActions {
		o.Selected = o.Value == f.Action
		v.Actions = append(v.Actions, o)
	}
	if count != nil {
		v.Checked = f.CheckedFilter == f.Filter && f.CheckedAction == f.Action
		v.Count = countSentence(*count, f.Action)
	}
	return newPage(c, "settings", title, v)
}

// countSentence says what a dry run found, for the rule's action.
func countSentence(d dryRun, action string) string {
	people := func(n int64) string {
		if n == 1 {
			return "1 person"
		}
		return thousands(strconv.FormatInt(n, 10)) + " people"
	}
	s := "This rule matches " + people(d.Matches)
	switch action {
	case "never":
		return s + "; it never invites anyone."
	case "invite_on_start_date":
		return s + "; " + thousands(strconv.FormatInt(d.WouldInvite, 10)) + " not invited yet would be invited on their start date."
	}
	return s + "; " + thousands(strconv.FormatInt(d.WouldInvite, 10)) + " would be invited now."
}

func (k *Console) newRule(c echo.Context) error {
	return k.render(c, http.StatusOK, "settings_rule", k.rulePage(c, ruleForm{Action: "invite_now"}, nil))
}

// editRule shows a rule with the count of what it matches now.
func (k *Console) editRule(c echo.Context) error {
	id := url.PathEscape(c.Param("id"))
	var r inviteRule
	if err := k.call(c, http.MethodGet, "/invite-rules/"+id, nil, nil, &r); err != nil {
		return err
	}
	f := ruleForm{ID: r.ID, Name: r.Name, Filter: r.Filter, Action: r.Action, Message: r.Message,
		Position: strconv.Itoa(r.Position), CheckedFilter: r.Filter, CheckedAction: r.Action}
	var count dryRun
	err := k.call(c, http.MethodPost, "/invite-rules/"+id+"/dry-run", nil, nil, &count)
	var apiErr *apiError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest:
		pg := k.rulePage(c, ruleForm{ID: f.ID, Name: f.Name, Filter: f.Filter, Action: f.Action, Message: f.Message, Position: f.Position}, nil)
		pg.Errors, pg.Notice = sentences(apiErr.fields()), "This rule's condition no longer reads: fix it and check again."
		return k.render(c, http.StatusOK, "settings_rule", pg)
	case err != nil:
		return err
	}
	return k.render(c, http.StatusOK, "settings_rule", k.rulePage(c, f, &count))
}

// submitRule handles the form's two buttons. "Check how many match"
// (do=check) asks the API's dry run and shows the form again with the
// count. "Save rule" (do=save) saves only a rule whose filter and action
// were checked as they are; otherwise it checks them first.
func (k *Console) submitRule(c echo.Context) error {
	f := ruleForm{ID: c.Param("id"), Name: c.FormValue("name"), Filter: strings.TrimSpace(c.FormValue("filter")),
		Action: c.FormValue("action"), Message: c.FormValue("message"), Position: strings.TrimSpace(c.FormValue("position")),
		CheckedFilter: c.FormValue("checked_filter"), CheckedAction: c.FormValue("checked_action")}
	var apiErr *apiError
	var count dryRun
	err := k.call(c, http.MethodPost, "/invite-rules/dry-run", nil, map[string]string{"filter": f.Filter, "action": f.Action}, &count)
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
		pg := k.rulePage(c, f, nil)
		pg.Errors, pg.Notice = sentences(apiErr.fields()), "Nothing was saved. Fix the fields marked below, then check again."
		return k.render(c, http.StatusBadRequest, "settings_rule", pg)
	} else if err != nil {
		return err
	}
	if c.FormValue("do") != "save" || f.CheckedFilter != f.Filter || f.CheckedAction != f.Action {
		pg := k.rulePage(c, ruleForm{ID: f.ID, Name: f.Name, Filter: f.Filter, Action: f.Action, Message: f.Message,
			Position: f.Position, CheckedFilter: f.Filter, CheckedAction: f.Action}, &count)
		if c.FormValue("do") == "save" {
			pg.Notice = "The condition changed since the last check, so nothing was saved yet. Look at the new count, then save."
		}
		return k.render(c, http.StatusOK, "settings_rule", pg)
	}
	body := map[string]any{"name": strings.TrimSpace(f.Name), "filter": f.Filter, "action": f.Action, "message": f.Message}
	if f.Position != "" {
		n, err := strconv.Atoi(f.Position)
		if err != nil {
			pg := k.rulePage(c, f, &count)
			pg.Errors = map[string]string{"position": "Type a whole number (1 is first), or leave it empty."}
			pg.Notice = "Nothing was saved. Fix the fields marked below."
			return k.render(c, http.StatusBadRequest, "settings_rule", pg)
		}
		body["position"] = n
	}
	var saved inviteRule
	if f.ID == "" {
		err = k.call(c, http.MethodPost, "/invite-rules", nil, body, &saved)
	} else {
		err = k.call(c, http.MethodPut, "/invite-rules/"+url.PathEscape(f.ID), nil, body, &saved)
	}
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
		pg := k.rulePage(c, f, &count)
		pg.Errors, pg.Notice = sentences(apiErr.fields()), "Nothing was saved. Fix the fields marked below."
		if len(pg.Errors) == 0 {
			pg.Notice = "Nothing was saved: " + capitalize(apiErr.Detail) + "."
		}
		return k.render(c, http.StatusBadRequest, "settings_rule", pg)
	} else if err != nil {
		return err
	}
	msg := "Saved the rule “" + saved.Name + "”."
	if saved.Action != "never" && count.WouldInvite > 0 {
		msg += " The people it matches who are not invited yet are being invited in the background."
	}
	return seeOther(c, Prefix+"/settings/rules", msg)
}

func (k *Console) deleteRule(c echo.Context) error {
	if err := k.call(c, http.MethodDelete, "/invite-rules/"+url.PathEscape(c.Param("id")), nil, nil, nil); err != nil {
		return err
	}
	return seeOther(c, Prefix+"/settings/rules", "The rule is deleted. People it already invited stay invited.")
}
