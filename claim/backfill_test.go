package claim_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// TestBackfillBatches: a back-fill step splits its page into batch jobs,
// enqueued in its transaction with the next step; the batches invite
// every matching account once (leaving out those an earlier rule
// decides, and those invited meanwhile) and enqueue one invitation per
// account; a batch that runs again (a retry, a rescued job) changes
// nothing and enqueues nothing. The workers are called directly, so the
// test does not depend on timing.
func TestBackfillBatches(t *testing.T) {
	eachBackend(t, envOptions{noWorkers: true}, func(t *testing.T, e *env) {
		n := 2*claim.BackfillBatch + 3
		var all []directory.Account
		contractor := map[string]bool{}
		for i := range n {
			var extra map[string]any
			if i%10 == 4 {
				extra = map[string]any{"userType": "Contractor"}
			}
			a := e.user(fmt.Sprintf("u%03d@acme.example", i), fmt.Sprintf("u%03d@acme.example", i), "Sales", extra)
			all = append(all, a)
			contractor[a.ID] = extra != nil
		}
		e.rule("Contractors never", `userType eq "Contractor"`, directory.NeverInvite)
		rule := e.rule("Sales", `department eq "Sales"`, directory.InviteNow)

		// Invited by hand before the back-fill reaches it: left alone.
		early := all[1]
		err := e.store.InTx(t.Context(), func(tx directory.Store) error {
			a, err := tx.AccountForUpdate(t.Context(), e.org.ID, early.ID)
			if err != nil {
				return err
			}
			return e.inviter.Invite(t.Context(), tx, directory.Actor{Type: directory.ActorSystem}, &a, "", false)
		})
		if err != nil {
			t.Fatal(err)
		}

		step := &claim.BackfillWorker{Store: e.store, Inviter: e.inviter}
		for _, args := range jobArgs[claim.BackfillArgs](t, e, "claim.backfill") {
			if err := step.Work(t.Context(), &river.Job[claim.BackfillArgs]{Args: args}); err != nil {
				t.Fatal(err)
			}
		}
		batches := jobArgs[claim.BackfillBatchArgs](t, e, "claim.backfill_batch")
		if len(batches) != 3 {
			t.Fatalf("%d batch jobs; want 3 for %d accounts", len(batches), n)
		}
		worker := &claim.BackfillBatchWorker{Store: e.store, Inviter: e.inviter}
		for _, args := range append(batches, batches[0]) { // the first one twice
			if args.RuleID != rule.ID || len(args.AccountIDs) > claim.BackfillBatch {
				t.Fatalf("batch %+v", args)
			}
			if err := worker.Work(t.Context(), &river.Job[claim.BackfillBatchArgs]{Args: args}); err != nil {
				t.Fatal(err)
			}
		}

		invitations := map[string]int{}
		for _, d := range jobArgs[claim.DeliverArgs](t, e, "claim.deliver") {
			if d.Message == "invitation" {
				invitations[d.AccountID]++
			}
		}
		for _, a := range all {
			now := e.account(a.ID)
			switch {
			case contractor[a.ID]:
				if now.State != directory.StateNotInvited || invitations[a.ID] != 0 {
					t.Fatalf("contractor %s: %s, %d invitations", a.UserName, now.State, invitations[a.ID])
				}
			case now.State != directory.StateInvited || now.InviteGeneration != 1 || invitations[a.ID] != 1:
				t.Fatalf("%s: %s, generation %d, %d invitations; want invited once", a.UserName, now.State, now.InviteGeneration, invitations[a.ID])
			}
		}
	})
}

// jobArgs decodes the arguments of every job of kind in river_job.
func jobArgs[T any](t *testing.T, e *env, kind string) []T {
	t.Helper()
	q := `SELECT args FROM river_job WHERE kind = $1 ORDER BY id`
	if e.b.dialect == "sqlite" {
		q = `SELECT json(args) FROM river_job WHERE kind = ? ORDER BY id` // stored as JSONB
	}
	rows, err := e.store.DB().QueryContext(t.Context(), q, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s args %s: %v", kind, raw, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
