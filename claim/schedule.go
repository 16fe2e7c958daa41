package claim

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
)

var timeZero time.Time

// StartDateWorker invites accounts on their start date.
type StartDateWorker struct {
	river.WorkerDefaults[StartDateArgs]
	Store   directory.Store
	Inviter *Inviter
}

// Work implements river.Worker. It re-checks everything: the account may
// have been invited, deactivated or given another start date since.
func (w *StartDateWorker) Work(ctx context.Context, job *river.Job[StartDateArgs]) error {
	args := job.Args
	return w.Store.InTx(ctx, func(tx directory.Store) error {
		a, err := tx.AccountForUpdate(ctx, args.OrgID, args.AccountID)
		if errors.Is(err, directory.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if a.State != directory.StateNotInvited || !a.Active || a.StartDate == nil || !a.StartDate.Equal(args.StartDate) {
			return nil
		}
		return w.Inviter.inviteByPolicy(ctx, tx, &a, map[string]any{"reason": "start_date"}, args.Note)
	})
}

// inviteByPolicy invites a not-invited account on behalf of the system.
func (v *Inviter) inviteByPolicy(ctx context.Context, tx directory.Store, a *directory.Account, why map[string]any, note string) error {
	now := v.timestamp()
	v.stamp(a, now)
	if needsCode(*a) {
		v.issueCode(a, now)
	}
	if err := tx.UpdateAccount(ctx, a); err != nil {
		return err
	}
	return v.invited(ctx, tx, directory.Actor{Type: directory.ActorSystem, Name: "invite rules"}, *a, why, note)
}

// BackfillPage is how many accounts one back-fill step handles in one
// transaction.
const BackfillPage = 500

// BackfillWorker applies a new (or changed) invite rule to the accounts
// already present: Workplace's rules "keep catching uninvited accounts".
// Each step handles one page in one transaction and enqueues the next
// step in it, so a crash resumes where it stopped and never invites
// twice.
type BackfillWorker struct {
	river.WorkerDefaults[BackfillArgs]
	Store   directory.Store
	Inviter *Inviter
}

// Work implements river.Worker.
func (w *BackfillWorker) Work(ctx context.Context, job *river.Job[BackfillArgs]) error {
	args := job.Args
	return w.Store.InTx(ctx, func(tx directory.Store) error {
		return w.Inviter.backfillStep(ctx, tx, args)
	})
}

func (v *Inviter) backfillStep(ctx context.Context, tx directory.Store, args BackfillArgs) error {
	rules, err := tx.InviteRules(ctx, args.OrgID)
	if err != nil {
		return err
	}
	idx := -1
	for i := range rules {
		if rules[i].ID == args.RuleID {
			idx = i
		}
	}
	if idx < 0 || rules[idx].Action == directory.NeverInvite {
		return nil // deleted since, or nothing to do
	}
	rule := rules[idx]
	f, err := ParseRuleFilter(rule.Filter)
	if err != nil {
		return nil
	}
	page, err := tx.FindAccounts(ctx, args.OrgID, directory.ListQuery{
		Filter: directory.And{f,
			directory.Compare{Attr: directory.AttrState, Op: directory.OpEq, Value: string(directory.StateNotInvited)},
			directory.Compare{Attr: directory.AttrActive, Op: directory.OpEq, Value: true}},
		After: args.After, Limit: BackfillPage,
	})
	if err != nil {
		return err
	}
	ids := make([]string, len(page.Accounts))
	for i, a := range page.Accounts {
		ids[i] = a.ID
	}
	// An earlier rule that matches decides instead (it may say never).
	decided := map[string]bool{}
	for _, earlier := range rules[:idx] {
		for _, chunk := range chunkIDs(ids, 100) {
			m, err := matches(ctx, tx, earlier, args.OrgID, chunk)
			if err != nil {
				return err
			}
			for id := range m {
				decided[id] = true
			}
		}
	}
	org, err := tx.Organization(ctx, args.OrgID)
	if err != nil {
		return err
	}
	why := map[string]any{"reason": "rule", "rule_id": rule.ID, "rule": rule.Name, "backfill": true}
	for _, a := range page.Accounts {
		if decided[a.ID] {
			continue
		}
		if err := v.backfillOne(ctx, tx, org, rule, a, why); err != nil {
			return err
		}
	}
	if page.NextCursor == "" {
		return nil
	}
	next := BackfillArgs{OrgID: args.OrgID, RuleID: args.RuleID, After: page.NextCursor, Run: args.Run}
	return v.jobs.Enqueue(ctx, tx, next, uniqueByArgs(timeZero))
}

func (v *Inviter) backfillOne(ctx context.Context, tx directory.Store, org directory.Organization, rule directory.InviteRule, a directory.Account, why map[string]any) error {
	if rule.Action == directory.InviteOnStartDate {
		if at := startMoment(org, a, v.now()); at.After(v.now()) {
			args := StartDateArgs{OrgID: a.OrgID, AccountID: a.ID, StartDate: *a.StartDate, Note: rule.Message}
			return v.jobs.Enqueue(ctx, tx, args, uniqueByArgs(at))
		}
	}
	details := make(map[string]any, len(why)+1)
	for k, val := range why {
		details[k] = val
	}
	return v.inviteByPolicy(ctx, tx, &a, details, rule.Message)
}

// StartBackfill enqueues the back-fill of rule, in the caller's
// transaction (the one that created or changed the rule).
func (v *Inviter) StartBackfill(ctx context.Context, tx directory.Store, rule directory.InviteRule) error {
	args := BackfillArgs{OrgID: rule.OrgID, RuleID: rule.ID, Run: v.now().UnixNano()}
	return v.jobs.Enqueue(ctx, tx, args, uniqueByArgs(timeZero))
}

func chunkIDs(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
