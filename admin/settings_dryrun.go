package admin

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// dryRunBody asks what a rule with this filter (and action) would do.
type dryRunBody struct {
	Filter string `json:"filter"`
	// Action defaults to invite_now; never invites no one.
	Action string `json:"action,omitempty"`
}

// dryRunReply: Matches counts the accounts the filter matches;
// WouldInvite those of them a back-fill acts on (active and not invited
// yet), 0 for a rule that never invites. Earlier rules may still claim
// some of them when the back-fill runs.
type dryRunReply struct {
	Matches     int64 `json:"matches"`
	WouldInvite int64 `json:"would_invite"`
}

func (h *Handler) dryRunFilter(c echo.Context) error {
	var body dryRunBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	var errs []fieldError
	if body.Filter == "" {
		errs = append(errs, fieldError{Field: "filter", Message: `is required (a SCIM filter such as department eq "Sales")`})
	} else if p := ruleFilterProblem(body.Filter); p != nil {
		errs = append(errs, *p)
	}
	action := directory.InviteAction(body.Action)
	if body.Action == "" {
		action = directory.InviteNow
	}
	if !action.Valid() {
		errs = append(errs, fieldError{Field: "action", Message: "must be invite_now, invite_on_start_date or never"})
	}
	if len(errs) > 0 {
		return invalidFields(errs)
	}
	return h.dryRun(c, body.Filter, action)
}

func (h *Handler) dryRunRule(c echo.Context) error {
	rule, err := findRule(c, h.store)
	if err != nil {
		return err
	}
	if p := ruleFilterProblem(rule.Filter); p != nil {
		return invalidFields([]fieldError{*p})
	}
	return h.dryRun(c, rule.Filter, rule.Action)
}

// dryRun counts in the database, two counting queries and no rows.
func (h *Handler) dryRun(c echo.Context, expr string, action directory.InviteAction) error {
	ctx := c.Request().Context()
	f, err := claim.ParseRuleFilter(expr)
	if err != nil {
		return err
	}
	orgID := callerFrom(ctx).OrgID
	var reply dryRunReply
	if reply.Matches, err = h.countAccounts(ctx, orgID, f); err != nil {
		return err
	}
	if action != directory.NeverInvite && reply.Matches > 0 {
		toInvite := directory.And{f,
			directory.Compare{Attr: directory.AttrState, Op: directory.OpEq, Value: string(directory.StateNotInvited)},
			directory.Compare{Attr: directory.AttrActive, Op: directory.OpEq, Value: true}}
		if reply.WouldInvite, err = h.countAccounts(ctx, orgID, toInvite); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, reply)
}

func (h *Handler) countAccounts(ctx context.Context, orgID string, f directory.Filter) (int64, error) {
	page, err := h.store.FindAccounts(ctx, orgID, directory.ListQuery{Filter: f, Limit: 0, WithTotal: true})
	return page.Total, err
}
