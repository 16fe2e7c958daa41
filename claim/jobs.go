package claim

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
)

// Enqueuer inserts jobs in the caller's transaction (package jobqueue):
// a job exists exactly when the state change that asked for it commits.
type Enqueuer interface {
	Enqueue(ctx context.Context, tx directory.Store, args river.JobArgs, opts *river.InsertOpts) error
}

// DeliverArgs sends one message of an invitation generation. Message is
// "invitation", "reminder-1", "reminder-2", ... or "resend-<n>"; the
// worker sends nothing when the generation has moved on, the account was
// claimed, deactivated or deleted, or the message was already recorded.
type DeliverArgs struct {
	OrgID      string `json:"org_id"`
	AccountID  string `json:"account_id"`
	Generation int64  `json:"generation"`
	Message    string `json:"message"`
	// Note is the custom message of the rule or admin that invited.
	Note string `json:"note,omitempty"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "claim.deliver" }

// StartDateArgs invites an account on its start date, if by then it is
// still not invited, active, and starting on that date.
type StartDateArgs struct {
	OrgID     string    `json:"org_id"`
	AccountID string    `json:"account_id"`
	StartDate time.Time `json:"start_date"`
	Note      string    `json:"note,omitempty"`
}

// Kind implements river.JobArgs.
func (StartDateArgs) Kind() string { return "claim.start_date_invite" }

// BackfillArgs applies one invite rule to the accounts already present,
// a page at a time from After (a store cursor).
type BackfillArgs struct {
	OrgID  string `json:"org_id"`
	RuleID string `json:"rule_id"`
	After  string `json:"after,omitempty"`
	// Run tells one back-fill from a later one of the same rule (after
	// the rule changed), which must not be taken for a duplicate.
	Run int64 `json:"run"`
}

// Kind implements river.JobArgs.
func (BackfillArgs) Kind() string { return "claim.backfill" }

// uniqueByArgs keeps one job per args among those not yet completed, so
// enqueueing the same message twice (a retried request) sends it once.
func uniqueByArgs(at time.Time) *river.InsertOpts {
	opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
	if !at.IsZero() {
		opts.ScheduledAt = at
	}
	return opts
}

// AddWorkers registers the workers of every claim job; metrics may be nil.
func AddWorkers(workers *river.Workers, store directory.Store, inviter *Inviter, postman Postman, metrics *Metrics) {
	river.AddWorker(workers, &DeliverWorker{Store: store, Inviter: inviter, Postman: postman, Metrics: metrics})
	river.AddWorker(workers, &StartDateWorker{Store: store, Inviter: inviter})
	river.AddWorker(workers, &BackfillWorker{Store: store, Inviter: inviter})
	river.AddWorker(workers, &BackfillBatchWorker{Store: store, Inviter: inviter})
}
