package claim

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
)

// BackfillBatch is how many accounts one BackfillBatchArgs job invites in
// one transaction. Inviting an account writes under two savepoints (the
// account update, the audit record), and a PostgreSQL transaction with
// more than 64 subtransactions overflows its subtransaction cache, after
// which every other session's visibility checks read pg_subtrans: 25
// accounts stay under that.
const BackfillBatch = 25

// BackfillBatchArgs invites some accounts a back-fill step found, if they
// still match the rule, are not invited yet and are active.
type BackfillBatchArgs struct {
	OrgID      string   `json:"org_id"`
	RuleID     string   `json:"rule_id"`
	Run        int64    `json:"run"`
	AccountIDs []string `json:"account_ids"`
}

// Kind implements river.JobArgs.
func (BackfillBatchArgs) Kind() string { return "claim.backfill_batch" }

// BackfillBatchWorker runs BackfillBatchArgs. The batch is one
// transaction: the accounts are read again in it, invited, and their
// deliveries enqueued in it, so a batch that runs twice (a crash, a
// retry after a conflicting write) finds them invited and does nothing.
type BackfillBatchWorker struct {
	river.WorkerDefaults[BackfillBatchArgs]
	Store   directory.Store
	Inviter *Inviter
}

// Work implements river.Worker.
func (w *BackfillBatchWorker) Work(ctx context.Context, job *river.Job[BackfillBatchArgs]) error {
	args := job.Args
	return w.Store.InTx(ctx, func(tx directory.Store) error {
		return w.Inviter.backfillBatch(ctx, tx, args)
	})
}

func (v *Inviter) backfillBatch(ctx context.Context, tx directory.Store, args BackfillBatchArgs) error {
	rules, idx, f, ok, err := backfillRule(ctx, tx, args.OrgID, args.RuleID)
	if err != nil || !ok || len(args.AccountIDs) == 0 {
		return err
	}
	rule := rules[idx]
	var accounts []directory.Account
	for _, chunk := range chunkIDs(args.AccountIDs, BackfillBatch) {
		page, err := tx.FindAccounts(ctx, args.OrgID, directory.ListQuery{
			Filter: append(stillToInvite(f), oneOf(chunk)), Limit: len(chunk),
		})
		if err != nil {
			return err
		}
		accounts = append(accounts, page.Accounts...)
	}
	if len(accounts) == 0 {
		return nil
	}
	ids := make([]string, len(accounts))
	for i, a := range accounts {
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
	// The batch's jobs (an invitation and its reminders per account) go
	// in with one insert at the end, still in this transaction.
	jobs := &jobBatch{}
	batched := *v
	batched.jobs = jobs
	audits := &auditBatch{Store: tx}
	why := map[string]any{"reason": "rule", "rule_id": rule.ID, "rule": rule.Name, "backfill": true}
	for _, a := range accounts {
		if decided[a.ID] {
			continue
		}
		if err := batched.backfillOne(ctx, audits, org, rule, a, why); err != nil {
			return err
		}
	}
	if err := tx.AppendAudits(ctx, audits.events); err != nil {
		return err
	}
	return jobs.flush(ctx, tx, v.jobs)
}

// auditBatch is the batch's transaction with its audit entries held back
// to be appended with one statement at the end (an invitation writes one
// or two; a row per statement was a tenth of the back-fill's queries).
// Nothing reads them before the transaction commits.
type auditBatch struct {
	directory.Store
	events []*directory.AuditEvent
}

// AppendAudit implements directory.AuditStore by remembering e.
func (b *auditBatch) AppendAudit(_ context.Context, e *directory.AuditEvent) error {
	if err := e.Validate(); err != nil {
		return err
	}
	b.events = append(b.events, e)
	return nil
}

// manyEnqueuer is an Enqueuer that inserts many jobs with one statement
// (jobqueue.Queue).
type manyEnqueuer interface {
	EnqueueMany(ctx context.Context, tx directory.Store, params []river.InsertManyParams) (int, error)
}

// jobBatch collects the jobs of one transaction to insert them together:
// a back-fill batch enqueues three jobs per account, and one statement
// for all of them costs what one statement per job would cost for a few.
// Unique jobs stay unique (EnqueueMany skips duplicates as Enqueue does).
type jobBatch struct {
	params []river.InsertManyParams
}

// Enqueue implements Enqueuer: it only remembers the job; flush inserts.
func (b *jobBatch) Enqueue(_ context.Context, _ directory.Store, args river.JobArgs, opts *river.InsertOpts) error {
	b.params = append(b.params, river.InsertManyParams{Args: args, InsertOpts: opts})
	return nil
}

// flush inserts the collected jobs through to, in tx.
func (b *jobBatch) flush(ctx context.Context, tx directory.Store, to Enqueuer) error {
	if len(b.params) == 0 {
		return nil
	}
	if m, ok := to.(manyEnqueuer); ok {
		_, err := m.EnqueueMany(ctx, tx, b.params)
		return err
	}
	for _, p := range b.params {
		if err := to.Enqueue(ctx, tx, p.Args, p.InsertOpts); err != nil {
			return err
		}
	}
	return nil
}
