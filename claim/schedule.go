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
		lt, err := w.Inviter.readLifetimes(ctx, tx, args.OrgID)
		if err != nil {
			return err
		}
		return w.Inviter.inviteByPolicy(ctx, tx, lt, &a, map[string]any{"reason": "start_date"}, args.Note)
	})
}

// inviteByPolicy invites a not-invited account on behalf of the system,
// with its organization's lifetimes lt.
func (v *Inviter) inviteByPolicy(ctx context.Context, tx directory.Store, lt Lifetimes, a *directory.Account, why map[string]any, note string) error {
	now := v.timestamp()
	lt.stamp(a, now)
	if needsCode(*a) {
		v.issueCode(a, now, lt)
	}
	if err := tx.UpdateInvitation(ctx, a); err != nil {
		return err
	}
	return v.invited(ctx, tx, directory.Actor{Type: directory.ActorSystem, Name: "invite rules"}, *a, why, note, lt)
}

// BackfillPage is how many accounts one back-fill step looks at in one
// transaction.
const BackfillPage = 500

// BackfillWorker applies a new (or changed) invite rule to the accounts
// already present: Workplace's rules "keep catching uninvited accounts".
// Each step reads one page of matching accounts and, in one transaction,
// enqueues a BackfillBatchArgs job for every BackfillBatch of them and
// the next step, so a crash resumes where it stopped. The batches invite
// (each in its own transaction, re-checking every account), so a large
// back-fill runs on several workers at once instead of one page after
// the other.
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

// backfillRule finds the rule a back-fill applies, its position and its
// filter; ok is false when there is nothing to do (the rule was deleted,
// says never, or its filter no longer parses).
func backfillRule(ctx context.Context, tx directory.Store, orgID, ruleID string) (rules []directory.InviteRule, idx int, f directory.Filter, ok bool, err error) {
	rules, err = tx.InviteRules(ctx, orgID)
	if err != nil {
		return nil, 0, nil, false, err
	}
	idx = -1
	for i := range rules {
		if rules[i].ID == ruleID {
			idx = i
		}
	}
	if idx < 0 || rules[idx].Action == directory.NeverInvite {
		return nil, 0, nil, false, nil // deleted since, or nothing to do
	}
	f, err = ParseRuleFilter(rules[idx].Filter)
	if err != nil {
		return nil, 0, nil, false, nil
	}
	return rules, idx, f, true, nil
}

// stillToInvite is the filter of a back-fill: the rule's, on accounts not
// invited yet and active.
func stillToInvite(f directory.Filter) directory.And {
	return directory.And{f,
		directory.Compare{Attr: directory.AttrState, Op: directory.OpEq, Value: string(directory.StateNotInvited)},
		directory.Compare{Attr: directory.AttrActive, Op: directory.OpEq, Value: true}}
}

func (v *Inviter) backfillStep(ctx context.Context, tx directory.Store, args BackfillArgs) error {
	_, _, f, ok, err := backfillRule(ctx, tx, args.OrgID, args.RuleID)
	if err != nil || !ok {
		return err
	}
	page, err := tx.FindAccounts(ctx, args.OrgID, directory.ListQuery{
		Filter: stillToInvite(f), After: args.After, Limit: BackfillPage,
	})
	if err != nil {
		return err
	}
	ids := make([]string, len(page.Accounts))
	for i, a := range page.Accounts {
		ids[i] = a.ID
	}
	jobs := &jobBatch{}
	for _, chunk := range chunkIDs(ids, BackfillBatch) {
		batch := BackfillBatchArgs{OrgID: args.OrgID, RuleID: args.RuleID, Run: args.Run, AccountIDs: chunk}
		if err := jobs.Enqueue(ctx, tx, batch, uniqueByArgs(timeZero)); err != nil {
			return err
		}
	}
	if page.NextCursor != "" {
		next := BackfillArgs{OrgID: args.OrgID, RuleID: args.RuleID, After: page.NextCursor, Run: args.Run}
		if err := jobs.Enqueue(ctx, tx, next, uniqueByArgs(timeZero)); err != nil {
			return err
		}
	}
	return jobs.flush(ctx, tx, v.jobs)
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
	return v.inviteByPolicy(ctx, tx, v.Lifetimes(org), &a, details, rule.Message)
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
