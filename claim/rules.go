package claim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/scim/filter"
)

// ParseRuleFilter checks an invite rule's filter: a SCIM filter over User
// attributes (department eq "Sales", emails.value ew "@corp.com",
// userType eq "Contractor", ...), as the SCIM endpoint accepts them.
func ParseRuleFilter(expr string) (directory.Filter, error) {
	f, err := filter.Users(expr)
	if err != nil {
		return nil, fmt.Errorf("%w: filter: %v", directory.ErrInvalid, err)
	}
	return f, nil
}

// decision is what the policy says for one account not invited yet.
type decision struct {
	// inviteAt is when to invite: zero for never, not after now for at
	// once, later for a start-date invitation.
	inviteAt time.Time
	rule     *directory.InviteRule
	note     string
	auto     bool
	// lifetimes are the organization's, read with it.
	lifetimes Lifetimes
}

func (d decision) details() map[string]any {
	switch {
	case d.rule != nil:
		return map[string]any{"reason": "rule", "rule_id": d.rule.ID, "rule": d.rule.Name}
	case d.auto:
		return map[string]any{"reason": "auto_invite"}
	}
	return map[string]any{"reason": "no_email"}
}

// decide applies the first matching invite rule, else the organization's
// automatic invitation. A new account without email is always invited
// (it gets an access code; Workplace does the same), unless a rule says
// never.
func (v *Inviter) decide(ctx context.Context, tx directory.Store, a directory.Account, created bool) (decision, error) {
	org, err := tx.Organization(ctx, a.OrgID)
	if err != nil {
		return decision{}, err
	}
	rules, err := tx.InviteRules(ctx, a.OrgID)
	if err != nil {
		return decision{}, err
	}
	for i := range rules {
		ok, err := matches(ctx, tx, rules[i], a.OrgID, []string{a.ID})
		if err != nil {
			return decision{}, err
		}
		if len(ok) == 0 {
			continue
		}
		d := decision{rule: &rules[i], note: rules[i].Message, lifetimes: v.Lifetimes(org)}
		switch rules[i].Action {
		case directory.InviteNow:
			d.inviteAt = v.now()
		case directory.InviteOnStartDate:
			d.inviteAt = startMoment(org, a, v.now())
		}
		return d, nil
	}
	if org.AutoInvite || (created && needsCode(a)) {
		return decision{inviteAt: v.now(), auto: org.AutoInvite, lifetimes: v.Lifetimes(org)}, nil
	}
	return decision{}, nil
}

// startMoment is when a start-date rule invites a: the org's invite hour
// on the start date, in the org's time zone; now when it has no start
// date or the moment has passed.
func startMoment(org directory.Organization, a directory.Account, now time.Time) time.Time {
	if a.StartDate == nil {
		return now
	}
	loc := org.Location()
	day := a.StartDate.In(loc)
	at := time.Date(day.Year(), day.Month(), day.Day(), org.WithDefaults().InviteHour, 0, 0, 0, loc)
	if at.Before(now) {
		return now
	}
	return at
}

// matches returns which of ids (accounts of org) the rule matches, in
// the database like every other filter. A rule whose filter no longer
// parses matches nothing and is logged by the caller that created it.
func matches(ctx context.Context, tx directory.Store, rule directory.InviteRule, orgID string, ids []string) (map[string]bool, error) {
	f, err := ParseRuleFilter(rule.Filter)
	if err != nil {
		return nil, nil
	}
	page, err := tx.FindAccounts(ctx, orgID, directory.ListQuery{Filter: directory.And{f, oneOf(ids)}, Limit: len(ids)})
	if errors.Is(err, directory.ErrInvalid) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(page.Accounts))
	for _, a := range page.Accounts {
		out[a.ID] = true
	}
	return out, nil
}

// oneOf matches the accounts with these ids.
func oneOf(ids []string) directory.Or {
	byID := make(directory.Or, 0, len(ids))
	for _, id := range ids {
		byID = append(byID, directory.Compare{Attr: directory.AttrID, Op: directory.OpEq, Value: id})
	}
	return byID
}
