package admin

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// Invite rules decide, in position order, who is invited automatically;
// creating or changing one also applies it to the accounts already there
// (a back-fill job, as `latchkey invite-rule add` starts).
func (h *Handler) settingsRuleRoutes() []route {
	return []route{
		{Method: http.MethodGet, Path: "/invite-rules", Permission: directory.PermReadSettings, Tag: "settings",
			Summary: "Invite rules, in the order they apply", Reply: ruleList{}, Handle: h.listRules},
		{Method: http.MethodPost, Path: "/invite-rules", Permission: directory.PermManageSettings, Tag: "settings",
			Summary: "Add an invite rule; accounts already present that match it are invited in the background",
			Body:    ruleBody{}, Reply: ruleDoc{}, Status: http.StatusCreated, Handle: h.createRule},
		{Method: http.MethodPost, Path: "/invite-rules/dry-run", Permission: directory.PermReadSettings, Tag: "settings",
			Summary: "How many accounts a filter matches, and how many of them a back-fill would invite",
			Body:    dryRunBody{}, Reply: dryRunReply{}, Handle: h.dryRunFilter},
		{Method: http.MethodGet, Path: "/invite-rules/:id", Permission: directory.PermReadSettings, Tag: "settings",
			Summary: "One invite rule", Reply: ruleDoc{}, Handle: h.getRule},
		{Method: http.MethodPut, Path: "/invite-rules/:id", Permission: directory.PermManageSettings, Tag: "settings",
			Summary: "Replace an invite rule (position 0 keeps its place); it is applied again to the accounts present",
			Body:    ruleBody{}, Reply: ruleDoc{}, Handle: h.replaceRule},
		{Method: http.MethodDelete, Path: "/invite-rules/:id", Permission: directory.PermManageSettings, Tag: "settings",
			Summary: "Remove an invite rule", Status: http.StatusNoContent, Handle: h.deleteRule},
		{Method: http.MethodPost, Path: "/invite-rules/:id/dry-run", Permission: directory.PermReadSettings, Tag: "settings",
			Summary: "How many accounts a rule matches, and how many of them a back-fill would invite",
			Reply:   dryRunReply{}, Handle: h.dryRunRule},
	}
}

type ruleList struct {
	Items []ruleDoc `json:"items"`
}

// ruleDoc is an invite rule. Filter is a SCIM filter over User
// attributes; Action is invite_now, invite_on_start_date or never.
type ruleDoc struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Position  int       `json:"position"`
	Filter    string    `json:"filter"`
	Action    string    `json:"action"`
	Message   string    `json:"message"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func ruleDocOf(r directory.InviteRule) ruleDoc {
	return ruleDoc{ID: r.ID, Name: r.Name, Position: r.Position, Filter: r.Filter, Action: string(r.Action),
		Message: r.Message, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// ruleBody creates or replaces a rule. Position 0 puts a new rule last
// and keeps a replaced rule's place.
type ruleBody struct {
	Name     string `json:"name"`
	Filter   string `json:"filter"`
	Action   string `json:"action"`
	Message  string `json:"message,omitempty"`
	Position int    `json:"position,omitempty"`
}

// check reports every field at fault: the filter as the SCIM parser
// sees it, each field as the store's rules do (one at a time, next to
// valid others, so each problem is named).
func (b ruleBody) check() error {
	var errs []fieldError
	filterBad := false
	if b.Filter != "" {
		if p := ruleFilterProblem(b.Filter); p != nil {
			errs, filterBad = append(errs, *p), true
		}
	}
	if b.Position < 0 {
		errs = append(errs, fieldError{Field: "position", Message: "must be 1 or more (0 or none: last, or unchanged)"})
	}
	for _, only := range []func(r *directory.InviteRule){
		func(r *directory.InviteRule) { r.Name = b.Name },
		func(r *directory.InviteRule) { r.Filter = b.Filter },
		func(r *directory.InviteRule) { r.Action = directory.InviteAction(b.Action) },
		func(r *directory.InviteRule) { r.Message = b.Message },
	} {
		r := directory.InviteRule{Name: "rule", Filter: "active eq true", Action: directory.InviteNow}
		only(&r)
		var invalid *directory.ValidationError
		if err := r.Validate(); errors.As(err, &invalid) && !(invalid.Field == "filter" && filterBad) {
			errs = append(errs, fieldError{Field: invalid.Field, Message: invalid.Problem})
		}
	}
	if len(errs) > 0 {
		return invalidFields(errs)
	}
	return nil
}

// ruleFilterProblem is the parser's complaint about a rule filter.
func ruleFilterProblem(expr string) *fieldError {
	_, err := claim.ParseRuleFilter(expr)
	if err == nil {
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), directory.ErrInvalid.Error()+": filter: ")
	return &fieldError{Field: "filter", Message: msg}
}

func (h *Handler) listRules(c echo.Context) error {
	ctx := c.Request().Context()
	rules, err := h.store.InviteRules(ctx, callerFrom(ctx).OrgID)
	if err != nil {
		return err
	}
	out := ruleList{Items: make([]ruleDoc, 0, len(rules))}
	for _, r := range rules {
		out.Items = append(out.Items, ruleDocOf(r))
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) getRule(c echo.Context) error {
	rule, err := findRule(c, h.store)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ruleDocOf(rule))
}

// findRule is the rule named by the path's id, in the caller's org.
func findRule(c echo.Context, store directory.Store) (directory.InviteRule, error) {
	ctx := c.Request().Context()
	rules, err := store.InviteRules(ctx, callerFrom(ctx).OrgID)
	if err != nil {
		return directory.InviteRule{}, err
	}
	for _, r := range rules {
		if r.ID == c.Param("id") {
			return r, nil
		}
	}
	return directory.InviteRule{}, directory.ErrNotFound
}

func (h *Handler) createRule(c echo.Context) error {
	var body ruleBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	if err := body.check(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	rule := directory.InviteRule{OrgID: callerFrom(ctx).OrgID, Name: body.Name, Filter: body.Filter,
		Action: directory.InviteAction(body.Action), Message: body.Message, Position: body.Position}
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.CreateInviteRule(ctx, &rule); err != nil {
			return err
		}
		if err := h.inviter.StartBackfill(ctx, tx, rule); err != nil {
			return err
		}
		return audit(c, tx, "invite_rule.create", "invite_rule", rule.ID, map[string]any{
			"name": rule.Name, "filter": rule.Filter, "action": rule.Action, "position": rule.Position})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, ruleDocOf(rule))
}

func (h *Handler) replaceRule(c echo.Context) error {
	var body ruleBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	if err := body.check(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var rule directory.InviteRule
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		before, err := findRule(c, tx)
		if err != nil {
			return err
		}
		rule = before
		rule.Name, rule.Filter, rule.Action, rule.Message = body.Name, body.Filter, directory.InviteAction(body.Action), body.Message
		if body.Position > 0 {
			rule.Position = body.Position
		}
		diff, err := settingsDiff(ruleFields(before), ruleFields(rule))
		if err != nil || len(diff) == 0 {
			return err
		}
		if err := tx.UpdateInviteRule(ctx, &rule); err != nil {
			return err
		}
		if err := h.inviter.StartBackfill(ctx, tx, rule); err != nil {
			return err
		}
		return audit(c, tx, "invite_rule.update", "invite_rule", rule.ID, map[string]any{"changes": diff})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ruleDocOf(rule))
}

// ruleFields are what a rule's audit records compare (not its times).
func ruleFields(r directory.InviteRule) ruleBody {
	return ruleBody{Name: r.Name, Filter: r.Filter, Action: string(r.Action), Message: r.Message, Position: r.Position}
}

func (h *Handler) deleteRule(c echo.Context) error {
	ctx := c.Request().Context()
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		rule, err := findRule(c, tx)
		if err != nil {
			return err
		}
		if err := tx.DeleteInviteRule(ctx, rule.OrgID, rule.ID); err != nil {
			return err
		}
		return audit(c, tx, "invite_rule.delete", "invite_rule", rule.ID, map[string]any{
			"name": rule.Name, "filter": rule.Filter, "action": rule.Action})
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
