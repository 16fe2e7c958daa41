package claim_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// TestOrganizationLifetimes: an organization's own link and code
// lifetimes and reminder schedule win over the server's, on every path
// that invites (a rule, SCIM invited=true, an admin's Invite, IssueCode)
// and for the reminder that follows a reminder.
func TestOrganizationLifetimes(t *testing.T) {
	eachBackend(t, envOptions{reminders: []time.Duration{time.Second}, noWorkers: true}, func(t *testing.T, e *env) {
		org := e.org
		org.LinkTTL, org.CodeTTL, org.Reminders = 2*time.Hour, 3*time.Hour, []time.Duration{time.Hour, 5 * time.Hour}
		if err := e.store.UpdateOrganization(t.Context(), &org); err != nil {
			t.Fatal(err)
		}
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		lk := map[string]any{"urn:ietf:params:scim:schemas:extension:latchkey:2.0:User": map[string]any{"invited": true}}
		byRule := e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
		explicit := e.user("bob@acme.example", "bob@acme.example", "Support", lk)
		frontline := e.user("E-1042", "", "Sales", nil)
		byAdmin := e.user("cy@acme.example", "cy@acme.example", "Support", nil)
		e.inTx(func(tx directory.Store) error {
			a, err := tx.AccountForUpdate(t.Context(), e.org.ID, byAdmin.ID)
			if err != nil {
				return err
			}
			return e.inviter.Invite(t.Context(), tx, directory.Actor{Type: directory.ActorCLI}, &a, "", false)
		})
		for _, a := range []directory.Account{byRule, explicit, frontline, e.account(byAdmin.ID)} {
			if a.State != directory.StateInvited || a.InviteExpiresAt.Sub(*a.InvitedAt) != 2*time.Hour {
				t.Errorf("%s: %s, link expires %v after the invitation; want invited, 2h", a.UserName, a.State, a.InviteExpiresAt.Sub(*a.InvitedAt))
			}
		}
		if d := frontline.AccessCodeExpiresAt.Sub(*frontline.InvitedAt); d != 3*time.Hour {
			t.Errorf("the access code works for %v; want 3h", d)
		}
		e.inTx(func(tx directory.Store) error {
			a, err := tx.AccountForUpdate(t.Context(), e.org.ID, byAdmin.ID)
			if err != nil {
				return err
			}
			before := time.Now()
			if _, err := e.inviter.IssueCode(t.Context(), tx, directory.Actor{Type: directory.ActorCLI}, &a); err != nil {
				return err
			}
			if d := a.AccessCodeExpiresAt.Sub(before); d < 3*time.Hour-time.Minute || d > 3*time.Hour+time.Minute {
				t.Errorf("an issued code works for %v; want 3h", d)
			}
			return nil
		})

		jobs := deliverJobs(t, e)
		for _, a := range []directory.Account{byRule, explicit} {
			near(t, a.UserName+" reminder-1", jobs[a.ID]["reminder-1"], a.InvitedAt.Add(time.Hour))
		}
		// Sending the first reminder schedules the second on the
		// organization's schedule, from the invitation.
		send := &claim.DeliverWorker{Store: e.store, Inviter: e.inviter, Postman: claim.OutboxPostman{Store: e.store}}
		args := claim.DeliverArgs{OrgID: e.org.ID, AccountID: byRule.ID, Generation: byRule.InviteGeneration, Message: "reminder-1", Note: "now"}
		if err := send.Work(t.Context(), &river.Job[claim.DeliverArgs]{Args: args}); err != nil {
			t.Fatal(err)
		}
		near(t, "reminder-2", deliverJobs(t, e)[byRule.ID]["reminder-2"], byRule.InvitedAt.Add(5*time.Hour))
	})
}

// TestOrganizationReminderDefaults: no reminders of its own (nil) is the
// server's schedule; an empty schedule sends none.
func TestOrganizationReminderDefaults(t *testing.T) {
	eachBackend(t, envOptions{reminders: []time.Duration{time.Hour}, noWorkers: true}, func(t *testing.T, e *env) {
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		withDefault := e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
		org := e.org
		org.Reminders = []time.Duration{}
		if err := e.store.UpdateOrganization(t.Context(), &org); err != nil {
			t.Fatal(err)
		}
		without := e.user("bob@acme.example", "bob@acme.example", "Sales", nil)
		jobs := deliverJobs(t, e)
		if _, ok := jobs[withDefault.ID]["reminder-1"]; !ok || withDefault.InviteExpiresAt.Sub(*withDefault.InvitedAt) != claim.DefaultLinkTTL {
			t.Errorf("with the server's defaults: jobs %v, link lifetime %v", jobs[withDefault.ID], withDefault.InviteExpiresAt.Sub(*withDefault.InvitedAt))
		}
		if _, ok := jobs[without.ID]["reminder-1"]; ok || len(jobs[without.ID]) != 1 {
			t.Errorf("with no reminders: jobs %v; want the invitation only", jobs[without.ID])
		}
	})
}

func (e *env) inTx(fn func(tx directory.Store) error) {
	e.t.Helper()
	if err := e.store.InTx(e.t.Context(), fn); err != nil {
		e.t.Fatal(err)
	}
}

// deliverJobs reads the queued deliveries: account id → message → due.
func deliverJobs(t *testing.T, e *env) map[string]map[string]time.Time {
	t.Helper()
	q := `SELECT args, scheduled_at FROM river_job WHERE kind = 'claim.deliver'`
	if e.b.dialect == "sqlite" {
		q = `SELECT json(args), scheduled_at FROM river_job WHERE kind = 'claim.deliver'`
	}
	rows, err := e.store.DB().QueryContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]map[string]time.Time{}
	for rows.Next() {
		var raw []byte
		var at any
		if err := rows.Scan(&raw, &at); err != nil {
			t.Fatal(err)
		}
		var args claim.DeliverArgs
		if err := json.Unmarshal(raw, &args); err != nil {
			t.Fatal(err)
		}
		if out[args.AccountID] == nil {
			out[args.AccountID] = map[string]time.Time{}
		}
		out[args.AccountID][args.Message] = jobTime(t, at)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// jobTime reads scheduled_at: a time on PostgreSQL, text on SQLite.
func jobTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch v := v.(type) {
	case time.Time:
		return v
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
			if parsed, err := time.Parse(layout, v); err == nil {
				return parsed
			}
		}
	}
	t.Fatalf("scheduled_at %v (%T)", v, v)
	return time.Time{}
}

// near checks a job is due at want, give or take the test's own run time
// (invitation times are stored to the second).
func near(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -time.Minute || d > time.Minute {
		t.Errorf("%s is due at %s; want about %s", what, got, want)
	}
}
