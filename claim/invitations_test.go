package claim_test

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer/mailtest"
)

// TestRuleInvitesOnCreate: a rule invites matching accounts as they are
// provisioned; the email carries a link that works once; nothing else is
// invited; no secret is stored or logged.
func TestRuleInvitesOnCreate(t *testing.T) {
	eachBackend(t, envOptions{}, func(t *testing.T, e *env) {
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		ada := e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
		bob := e.user("bob@acme.example", "bob@acme.example", "Support", nil)
		if ada.State != directory.StateInvited || bob.State != directory.StateNotInvited {
			t.Fatalf("states: ada %s, bob %s; want invited, not_invited", ada.State, bob.State)
		}
		msgs := e.smtp.Wait(1)
		if msgs[0].To[0] != "ada@acme.example" || !strings.Contains(msgs[0].Text, "Welcome, Sales") {
			t.Fatalf("message to %v:\n%s", msgs[0].To, msgs[0].Text)
		}
		token := linkIn(t, msgs[0])

		got, err := e.inviter.ResolveLink(t.Context(), e.store, token)
		if err != nil || got.ID != ada.ID {
			t.Fatalf("ResolveLink = %s, %v; want ada", got.ID, err)
		}
		if _, err := e.inviter.ResolveLink(t.Context(), e.store, token); err != nil {
			t.Fatalf("opening the link twice spent it: %v", err)
		}
		complete(t, e, ada.ID, claim.MethodLink)
		if _, err := e.inviter.ResolveLink(t.Context(), e.store, token); !errors.Is(err, claim.ErrUsed) {
			t.Fatalf("the link after claiming: %v; want ErrUsed", err)
		}
		eventually(t, 10*time.Second, "the delivery is audited", func() bool { return contains(e.auditActions(ada.ID), "invitation.sent") })
		if !contains(e.auditActions(ada.ID), "account.invite") {
			t.Fatalf("audit trail of ada: %v", e.auditActions(ada.ID))
		}
		e.settle(1)
		if n := e.counter("invitation", "sent"); n != 1 {
			t.Fatalf("latchkey_invitation_deliveries_total{outcome=sent} = %v; want 1", n)
		}
		noSecretStored(t, e, token)
	})
}

func complete(t *testing.T, e *env, id string, m claim.Method) {
	t.Helper()
	err := e.store.InTx(t.Context(), func(tx directory.Store) error {
		a, err := tx.AccountForUpdate(t.Context(), e.org.ID, id)
		if err != nil {
			return err
		}
		return e.inviter.Complete(t.Context(), tx, directory.Actor{Type: directory.ActorPerson}, &a, m)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// noSecretStored searches every text column of the database, and the
// log, for the secret part of a claim link.
func noSecretStored(t *testing.T, e *env, token string) {
	t.Helper()
	secret := token[len(token)-32:] // the MAC, past the two ids
	if strings.Contains(e.logs.String(), secret) {
		t.Fatal("the log contains a claim link's secret")
	}
	dump := e.dumpDatabase()
	if strings.Contains(dump, secret) || strings.Contains(dump, token) {
		t.Fatal("the database contains a claim link")
	}
}

// dumpDatabase renders every row of every table as text.
func (e *env) dumpDatabase() string {
	e.t.Helper()
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	if e.b.dialect == "sqlite" {
		q = `SELECT name FROM sqlite_master WHERE type = 'table'`
	}
	rows, err := e.store.DB().QueryContext(e.t.Context(), q)
	if err != nil {
		e.t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		_ = rows.Scan(&name)
		tables = append(tables, name)
	}
	_ = rows.Close()
	var b strings.Builder
	for _, table := range tables {
		rows, err := e.store.DB().QueryContext(e.t.Context(), `SELECT * FROM "`+table+`"`)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			_ = rows.Scan(ptrs...)
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					b.Write(v)
				case string:
					b.WriteString(v)
				}
				b.WriteByte('|')
			}
		}
		_ = rows.Close()
	}
	if b.Len() == 0 {
		e.t.Fatal("the database dump is empty")
	}
	return b.String()
}

// TestRuleInvitesOnUpdate: an account that comes to match a rule is
// invited then; a later "never" rule above it keeps others out.
func TestRuleInvitesOnUpdate(t *testing.T) {
	eachBackend(t, envOptions{}, func(t *testing.T, e *env) {
		e.rule("Contractors never", `userType eq "Contractor"`, directory.NeverInvite)
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		ada := e.user("ada@acme.example", "ada@acme.example", "Support", nil)
		cid := e.user("cid@acme.example", "cid@acme.example", "Support", map[string]any{"userType": "Contractor"})
		for _, id := range []string{ada.ID, cid.ID} {
			e.scim(http.MethodPatch, "/scim/v2/Users/"+id, map[string]any{
				"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"}},
			})
		}
		if e.account(ada.ID).State != directory.StateInvited || e.account(cid.ID).State != directory.StateNotInvited {
			t.Fatalf("after moving to Sales: ada %s, cid %s", e.account(ada.ID).State, e.account(cid.ID).State)
		}
		msgs := e.smtp.Wait(1)
		if msgs[0].To[0] != "ada@acme.example" {
			t.Fatalf("message went to %v", msgs[0].To)
		}
		e.settle(1)
	})
}

// TestBackfill: a new rule catches the accounts already present, page by
// page, except those an earlier rule decides.
func TestBackfill(t *testing.T) {
	eachBackend(t, envOptions{}, func(t *testing.T, e *env) {
		var sales []directory.Account
		for i := range 7 {
			sales = append(sales, e.user(name("s", i), name("s", i), "Sales", nil))
		}
		e.user("cid@acme.example", "cid@acme.example", "Sales", map[string]any{"userType": "Contractor"})
		e.user("sup@acme.example", "sup@acme.example", "Support", nil)
		e.rule("Contractors never", `userType eq "Contractor"`, directory.NeverInvite)
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		msgs := e.smtp.Wait(len(sales))
		got := map[string]bool{}
		for _, m := range msgs {
			got[m.To[0]] = true
		}
		for _, a := range sales {
			if !got[a.UserName] || e.account(a.ID).State != directory.StateInvited {
				t.Fatalf("%s was not invited by the back-fill", a.UserName)
			}
		}
		e.settle(len(sales))
	})
}

func name(prefix string, i int) string {
	return prefix + string(rune('a'+i)) + "@acme.example"
}

// TestStartDateRule: a start-date rule schedules the invitation for the
// org's invite hour on the start date; when the job runs, the account is
// invited, unless its start date moved.
func TestStartDateRule(t *testing.T) {
	eachBackend(t, envOptions{noWorkers: true}, func(t *testing.T, e *env) {
		org := e.org
		org.TimeZone, org.InviteHour = "Europe/Berlin", 8
		if err := e.store.UpdateOrganization(t.Context(), &org); err != nil {
			t.Fatal(err)
		}
		e.rule("New starters", `department eq "Sales"`, directory.InviteOnStartDate)
		start := time.Now().AddDate(0, 1, 0).UTC().Truncate(24 * time.Hour)
		lk := map[string]any{"startDate": start.Format(time.RFC3339)}
		ada := e.user("ada@acme.example", "ada@acme.example", "Sales", map[string]any{"urn:ietf:params:scim:schemas:extension:latchkey:2.0:User": lk})
		if ada.State != directory.StateNotInvited {
			t.Fatalf("invited before the start date: %s", ada.State)
		}
		berlin, _ := time.LoadLocation("Europe/Berlin")
		want := time.Date(start.Year(), start.Month(), start.Day(), 8, 0, 0, 0, berlin)
		at := e.scheduledAt(t, "claim.start_date_invite")
		if !at.Equal(want) {
			t.Fatalf("the invitation is scheduled at %s; want %s", at, want)
		}
		worker := &claim.StartDateWorker{Store: e.store, Inviter: e.inviter}
		run := func(args claim.StartDateArgs) {
			if err := worker.Work(t.Context(), &river.Job[claim.StartDateArgs]{Args: args}); err != nil {
				t.Fatal(err)
			}
		}
		run(claim.StartDateArgs{OrgID: e.org.ID, AccountID: ada.ID, StartDate: start.Add(24 * time.Hour)})
		if e.account(ada.ID).State != directory.StateNotInvited {
			t.Fatal("a job for another start date invited the account")
		}
		run(claim.StartDateArgs{OrgID: e.org.ID, AccountID: ada.ID, StartDate: start})
		if a := e.account(ada.ID); a.State != directory.StateInvited || a.InviteGeneration != 1 {
			t.Fatalf("after the start-date job: %s, generation %d", a.State, a.InviteGeneration)
		}
		run(claim.StartDateArgs{OrgID: e.org.ID, AccountID: ada.ID, StartDate: start})
		if a := e.account(ada.ID); a.InviteGeneration != 1 {
			t.Fatalf("running the job twice invited twice (generation %d)", a.InviteGeneration)
		}
	})
}

// scheduledAt reads when the one job of a kind is due.
func (e *env) scheduledAt(t *testing.T, kind string) time.Time {
	t.Helper()
	q := `SELECT scheduled_at FROM river_job WHERE kind = $1`
	if e.b.dialect == "sqlite" {
		q = `SELECT scheduled_at FROM river_job WHERE kind = ?`
	}
	var at time.Time
	if e.b.dialect == "sqlite" {
		var s string
		if err := e.store.DB().QueryRowContext(t.Context(), q, kind).Scan(&s); err != nil {
			t.Fatal(err)
		}
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
			if parsed, err := time.Parse(layout, s); err == nil {
				return parsed
			}
		}
		t.Fatalf("scheduled_at %q", s)
	}
	if err := e.store.DB().QueryRowContext(t.Context(), q, kind).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

// TestRemindersStopAtClaim: reminders come after the configured delays,
// carrying the same link, and stop once the account is claimed.
func TestRemindersStopAtClaim(t *testing.T) {
	eachBackend(t, envOptions{reminders: []time.Duration{time.Second}}, func(t *testing.T, e *env) {
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		ada := e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
		bob := e.user("bob@acme.example", "bob@acme.example", "Sales", nil)
		first := e.smtp.Wait(2)
		complete(t, e, bob.ID, claim.MethodLink)
		msgs := e.smtp.Wait(3)
		reminder := msgs[2]
		if reminder.To[0] != "ada@acme.example" || linkIn(t, reminder) != linkIn(t, pick(first, "ada@acme.example")) {
			t.Fatalf("the reminder went to %v or carries another link", reminder.To)
		}
		e.settle(3)
		eventually(t, 10*time.Second, "the reminder is audited", func() bool { return contains(e.auditActions(ada.ID), "reminder.sent") })
	})
}

func pick(msgs []mailtest.Message, to string) mailtest.Message {
	for _, m := range msgs {
		if m.To[0] == to {
			return m
		}
	}
	return mailtest.Message{}
}

// TestDeactivationKillsLinksAndCodes: deactivating kills the link and the
// code; reactivating gives a fresh link, never the old one back.
func TestDeactivationKillsLinksAndCodes(t *testing.T) {
	eachBackend(t, envOptions{}, func(t *testing.T, e *env) {
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		ada := e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
		token := linkIn(t, e.smtp.Wait(1)[0])
		frontline := e.user("E-1042", "", "Warehouse", map[string]any{"externalId": "E-1042"})
		code := e.inviter.AccessCode(frontline)
		if frontline.State != directory.StateInvited || code == "" {
			t.Fatalf("an account without email: %s, code %q; want invited with a code", frontline.State, code)
		}
		if got, err := e.inviter.ResolveCode(t.Context(), e.store, strings.ToLower(code)); err != nil || got.ID != frontline.ID {
			t.Fatalf("ResolveCode = %v", err)
		}
		sess := directory.Session{Hash: "session-of-ada", OrgID: e.org.ID, AccountID: ada.ID, Method: "password",
			CreatedAt: time.Now(), LastSeenAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		if err := e.store.CreateSession(t.Context(), &sess); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{ada.ID, frontline.ID} {
			e.scim(http.MethodPatch, "/scim/v2/Users/"+id, patch("replace", "active", false))
		}
		if _, err := e.store.SessionByHash(t.Context(), sess.Hash); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the session of a deactivated account: %v; want it gone", err)
		}
		if _, err := e.inviter.ResolveLink(t.Context(), e.store, token); err == nil {
			t.Fatal("the link works after deactivation")
		}
		if _, err := e.inviter.ResolveCode(t.Context(), e.store, code); !errors.Is(err, claim.ErrUnknown) {
			t.Fatalf("the code after deactivation: %v; want ErrUnknown", err)
		}
		_, out := e.scim(http.MethodPatch, "/scim/v2/Users/"+ada.ID, patch("replace", "active", true))
		lk := out["urn:ietf:params:scim:schemas:extension:latchkey:2.0:User"].(map[string]any)
		fresh, _ := lk["claimLink"].(string)
		if fresh == "" || strings.HasSuffix(fresh, token) {
			t.Fatalf("after reactivation the claim link is %q; want a new one", fresh)
		}
		if _, err := e.inviter.ResolveLink(t.Context(), e.store, token); !errors.Is(err, claim.ErrRevoked) {
			t.Fatalf("the old link after reactivation: %v; want ErrRevoked", err)
		}
		e.scim(http.MethodDelete, "/scim/v2/Users/"+ada.ID, nil)
		if _, err := e.inviter.ResolveLink(t.Context(), e.store, fresh[strings.LastIndex(fresh, "/")+1:]); !errors.Is(err, claim.ErrUnknown) {
			t.Fatalf("the link of a deleted account: %v; want ErrUnknown", err)
		}
	})
}

func patch(op, path string, value any) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": op, "path": path, "value": value}}}
}

// TestPermanentFailureIsRecorded: a recipient the SMTP server refuses for
// good is not retried; the account and the audit log say why.
func TestPermanentFailureIsRecorded(t *testing.T) {
	refuse := func(to string) error {
		if strings.HasPrefix(to, "gone@") {
			return mailtest.Reply(550, "5.1.1", "no such user")
		}
		return nil
	}
	eachBackend(t, envOptions{smtp: mailtest.Options{Rcpt: refuse}}, func(t *testing.T, e *env) {
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		gone := e.user("gone@acme.example", "gone@acme.example", "Sales", nil)
		eventually(t, 10*time.Second, "the failure is recorded", func() bool { return e.account(gone.ID).LastDeliveryError != "" })
		if a := e.account(gone.ID); !strings.Contains(a.LastDeliveryError, "550") {
			t.Fatalf("last delivery error %q", a.LastDeliveryError)
		}
		if !contains(e.auditActions(gone.ID), "invitation.delivery_failed") {
			t.Fatalf("audit: %v", e.auditActions(gone.ID))
		}
		if n := e.counter("invitation", "failed"); n != 1 {
			t.Fatalf("latchkey_invitation_deliveries_total{outcome=failed} = %v; want 1", n)
		}
	})
}

// TestDeliveryJobRunsTwiceSendsOnce: the worker records each delivery
// and checks the record first.
func TestDeliveryJobRunsTwiceSendsOnce(t *testing.T) {
	eachBackend(t, envOptions{}, func(t *testing.T, e *env) {
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		ada := e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
		e.smtp.Wait(1)
		eventually(t, 10*time.Second, "the delivery is recorded", func() bool {
			done, err := e.store.Delivered(t.Context(), e.org.ID, ada.ID, 1, "invitation")
			return err == nil && done
		})
		worker := &claim.DeliverWorker{Store: e.store, Inviter: e.inviter, Postman: claim.OutboxPostman{Store: e.store}}
		args := claim.DeliverArgs{OrgID: e.org.ID, AccountID: ada.ID, Generation: 1, Message: "invitation"}
		if err := worker.Work(t.Context(), &river.Job[claim.DeliverArgs]{Args: args}); err != nil {
			t.Fatal(err)
		}
		if out, _ := e.store.ListOutbox(t.Context(), e.org.ID, 10); len(out) != 0 {
			t.Fatalf("a second run of a delivered job sent %d messages", len(out))
		}
	})
}

// TestInviteIsIdempotent: inviting an invited account sends nothing; a
// re-send sends the same link again.
func TestInviteIsIdempotent(t *testing.T) {
	eachBackend(t, envOptions{}, func(t *testing.T, e *env) {
		ada := e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
		invite := func(resend bool) {
			err := e.store.InTx(t.Context(), func(tx directory.Store) error {
				a, err := tx.AccountForUpdate(t.Context(), e.org.ID, ada.ID)
				if err != nil {
					return err
				}
				return e.inviter.Invite(t.Context(), tx, directory.Actor{Type: directory.ActorAdmin, Name: "it@acme.example"}, &a, "", resend)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		invite(false)
		first := e.smtp.Wait(1)
		invite(false)
		e.settle(1)
		invite(true)
		msgs := e.smtp.Wait(2)
		if linkIn(t, msgs[1]) != linkIn(t, first[0]) {
			t.Fatal("a re-send carries a new link")
		}
	})
}

// TestInvitedOnCreate: an IdP that creates a user with invited=true in
// Latchkey's extension invites at once, with no rule or setting.
func TestInvitedOnCreate(t *testing.T) {
	eachBackend(t, envOptions{}, func(t *testing.T, e *env) {
		lk := map[string]any{"invited": true}
		ada := e.user("ada@acme.example", "ada@acme.example", "Sales", map[string]any{"urn:ietf:params:scim:schemas:extension:latchkey:2.0:User": lk})
		if ada.State != directory.StateInvited || ada.InviteGeneration == 0 {
			t.Fatalf("created with invited=true: state %s, generation %d", ada.State, ada.InviteGeneration)
		}
		msgs := e.smtp.Wait(1)
		if linkIn(t, msgs[0]) == "" {
			t.Fatal("the invitation carries no claim link")
		}
	})
}

// TestRemindersChain: an invitation enqueues its first reminder only;
// each reminder sent enqueues the next, so all of them arrive, in order,
// with the same link.
func TestRemindersChain(t *testing.T) {
	eachBackend(t, envOptions{reminders: []time.Duration{time.Second, 2 * time.Second}, noWorkers: true}, func(t *testing.T, e *env) {
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		ada := e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
		var messages []string
		for _, j := range jobArgs[claim.DeliverArgs](t, e, "claim.deliver") {
			messages = append(messages, j.Message)
		}
		if strings.Join(messages, ",") != "invitation,reminder-1" {
			t.Fatalf("jobs enqueued by the invitation: %v; want the invitation and the first reminder", messages)
		}
		e.startWorkers(e.store, slog.New(slog.DiscardHandler))
		msgs := e.smtp.Wait(3)
		for i, m := range msgs {
			if linkIn(t, m) != linkIn(t, msgs[0]) {
				t.Fatalf("message %d carries another link", i)
			}
		}
		e.settle(3)
		eventually(t, 10*time.Second, "both reminders are audited", func() bool {
			n := 0
			for _, a := range e.auditActions(ada.ID) {
				if a == "reminder.sent" {
					n++
				}
			}
			return n == 2
		})
	})
}
