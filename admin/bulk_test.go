package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

// TestBulkInvite: inviting a department's uninvited people invites each
// exactly once, and each gets one email; the others are left alone.
func TestBulkInvite(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		const sales = 3*bulkBatchSize + 17
		var want []string
		for i := range sales {
			a := e.person(fmt.Sprintf("sales%03d", i), fmt.Sprintf("sales%03d@acme.example", i), bulkIn("Sales"))
			want = append(want, a.ID)
		}
		for i := range 5 {
			e.person(fmt.Sprintf("ops%d", i), fmt.Sprintf("ops%d@acme.example", i), bulkIn("Ops"))
			e.person(fmt.Sprintf("claimed%d", i), fmt.Sprintf("claimed%d@acme.example", i), func(a *directory.Account) {
				a.Department, a.State = "Sales", directory.StateClaimed
			})
		}

		r := e.do(http.MethodPost, "/admin/v1/bulk-actions", manager,
			map[string]any{"action": "invite", "department": "sales", "status": "not_invited", "note": "Welcome to Acme"})
		if r.Status != 202 || r.JSON()["total"] != float64(sales) || r.JSON()["status"] != "queued" {
			t.Fatalf("POST /bulk-actions: %d %s", r.Status, r.Body)
		}
		id := r.JSON()["id"].(string)
		done := bulkWait(t, e, manager, id)
		if done["status"] != "succeeded" || done["done"] != float64(sales) || done["changed"] != float64(sales) ||
			done["skipped"] != 0.0 || done["failed"] != 0.0 || done["percent"] != 100.0 || done["note"] != "Welcome to Acme" {
			t.Fatalf("finished bulk invite = %v", done)
		}
		if sel := done["selection"].(map[string]any); sel["department"] != "sales" || sel["status"] != "not_invited" {
			t.Fatalf("selection shown = %v", sel)
		}

		msgs := actSentEmails(t, e, sales)
		seen := map[string]int{}
		for _, m := range msgs {
			seen[m.To[0]]++
			if !strings.Contains(m.Text, "Welcome to Acme") {
				t.Fatalf("an invitation lacks the note: %q", m.Text)
			}
		}
		for i := range sales {
			if addr := fmt.Sprintf("sales%03d@acme.example", i); seen[addr] != 1 {
				t.Fatalf("%s got %d invitations; want 1", addr, seen[addr])
			}
		}
		bulkInvitedOnce(t, e, want)
		if n := bulkCount(t, e, "SELECT COUNT(*) FROM accounts WHERE org_id = ? AND state = 'invited'", e.org.ID); n != sales {
			t.Fatalf("%d accounts invited; want only the %d uninvited people in Sales", n, sales)
		}
		actor := actAudit(t, e, "account.invite", want[0])[0]
		creation, err := e.store.ListAudit(t.Context(), e.org.ID, directory.AuditQuery{Action: "bulk_action.create", TargetID: id})
		must(t, err)
		if len(creation) != 1 || actor.ActorType != directory.ActorAdmin || actor.ActorName != "it@acme.example" ||
			actor.RequestID != creation[0].RequestID || actor.RequestID != r.Header.Get("X-Request-ID") {
			t.Fatalf("invitation by the bulk action audited as %+v; creation %+v", actor, creation)
		}

		status, list := e.get(manager, "/admin/v1/bulk-actions")
		if items := list["items"].([]any); status != 200 || len(items) != 1 || items[0].(map[string]any)["id"] != id {
			t.Fatalf("GET /bulk-actions = %d %v", status, list)
		}
	})
}

// TestBulkRemindAndFailures: an explicit selection; people the action is
// not for are skipped, and one it cannot be done to fails with a reason.
func TestBulkRemindAndFailures(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		invited := func(a *directory.Account) {
			at := time.Now().UTC()
			expires := at.Add(time.Hour)
			a.State, a.InvitedAt, a.InviteGeneration, a.InviteExpiresAt = directory.StateInvited, &at, 1, &expires
		}
		var ids []string
		for i := range 4 {
			ids = append(ids, e.person(fmt.Sprintf("inv%d", i), fmt.Sprintf("inv%d@acme.example", i), invited).ID)
		}
		noEmail := e.person("frank", "", invited)
		claimed := e.person("carl", "carl@acme.example", func(a *directory.Account) { a.State = directory.StateClaimed })
		notPicked := e.person("zed", "zed@acme.example", invited)
		ids = append(ids, noEmail.ID, claimed.ID, "no-such-person")

		r := e.do(http.MethodPost, "/admin/v1/bulk-actions", manager, map[string]any{"action": "remind", "ids": ids})
		if r.Status != 202 || r.JSON()["total"] != 6.0 {
			t.Fatalf("POST /bulk-actions: %d %s", r.Status, r.Body)
		}
		done := bulkWait(t, e, manager, r.JSON()["id"].(string))
		errs := done["errors"].([]any)
		if done["status"] != "succeeded" || done["done"] != 6.0 || done["changed"] != 4.0 || done["skipped"] != 1.0 ||
			done["failed"] != 1.0 || len(errs) != 1 {
			t.Fatalf("finished bulk remind = %v", done)
		}
		if e0 := errs[0].(map[string]any); e0["id"] != noEmail.ID || e0["userName"] != "frank" || !strings.Contains(e0["reason"].(string), "access code") {
			t.Fatalf("failure reported = %v", e0)
		}
		msgs := actSentEmails(t, e, 4)
		for _, m := range msgs {
			if m.To[0] == "zed@acme.example" || m.To[0] == "carl@acme.example" {
				t.Fatalf("a reminder went to %s, who was not selected or claimed", m.To[0])
			}
		}
		if n := len(actAudit(t, e, "reminder.request", notPicked.ID)); n != 0 {
			t.Fatalf("%d reminders for someone not selected", n)
		}
	})
}

// TestBulkDeactivateReactivate: more than one batch, both ways.
func TestBulkDeactivateReactivate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		const n = bulkBatchSize + 10
		for i := range n {
			e.person(fmt.Sprintf("temp%03d", i), fmt.Sprintf("temp%03d@acme.example", i), bulkIn("Temps"))
		}
		keep := e.person("boss", "boss@acme.example", bulkIn("Board"))
		for _, step := range []struct {
			action string
			active bool
		}{{"deactivate", false}, {"reactivate", true}} {
			r := e.do(http.MethodPost, "/admin/v1/bulk-actions", manager, map[string]any{"action": step.action, "department": "Temps"})
			if r.Status != 202 {
				t.Fatalf("%s: %d %s", step.action, r.Status, r.Body)
			}
			if done := bulkWait(t, e, manager, r.JSON()["id"].(string)); done["changed"] != float64(n) {
				t.Fatalf("%s = %v", step.action, done)
			}
			want := 0
			if step.active {
				want = n
			}
			if got := bulkCount(t, e, "SELECT COUNT(*) FROM accounts WHERE org_id = ? AND department = 'Temps' AND active", e.org.ID); got != want {
				t.Fatalf("after %s: %d active temps; want %d", step.action, got, want)
			}
		}
		if got, _ := e.store.Account(t.Context(), e.org.ID, keep.ID); !got.Active {
			t.Fatal("someone outside the selection was deactivated")
		}
	})
}

// TestBulkEmptyAndInvalid: an empty selection succeeds at once with
// nothing done; bad bodies are 400s naming every field at fault.
func TestBulkEmptyAndInvalid(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		e.person("ann", "ann@acme.example", bulkIn("Sales"))
		r := e.do(http.MethodPost, "/admin/v1/bulk-actions", manager, map[string]any{"action": "invite", "department": "Nobody"})
		if r.Status != 202 || r.JSON()["total"] != 0.0 {
			t.Fatalf("empty selection: %d %s", r.Status, r.Body)
		}
		if done := bulkWait(t, e, manager, r.JSON()["id"].(string)); done["done"] != 0.0 || done["percent"] != 100.0 {
			t.Fatalf("empty bulk action = %v", done)
		}

		for _, tc := range []struct {
			name   string
			body   any
			fields []string
		}{
			{"no action", map[string]any{"department": "Sales"}, []string{"action"}},
			{"everything wrong", map[string]any{"action": "explode", "status": "asleep", "ids": []string{}, "filter": "nope eq 1",
				"created_after": "yesterday"}, []string{"action", "status", "created_after", "filter", "ids"}},
			{"a note on a reminder", map[string]any{"action": "remind", "note": "hi"}, []string{"note"}},
			{"too many ids", map[string]any{"action": "remind", "ids": slices.Repeat([]string{"x"}, maxBulkIDs+1)}, []string{"ids"}},
			{"a blank id", map[string]any{"action": "remind", "ids": []string{"ok", ""}}, []string{"ids[1]"}},
			{"an unknown field", map[string]any{"action": "invite", "departement": "Sales"}, []string{"departement"}},
			{"a filter under filter", map[string]any{"action": "invite", "filter": map[string]any{"status": "invited"}}, []string{"filter"}},
		} {
			r := e.do(http.MethodPost, "/admin/v1/bulk-actions", manager, tc.body)
			var fields []string
			for _, fe := range r.JSON()["errors"].([]any) {
				fields = append(fields, fe.(map[string]any)["field"].(string))
			}
			slices.Sort(fields)
			slices.Sort(tc.fields)
			if r.Status != 400 || !slices.Equal(fields, tc.fields) {
				t.Errorf("%s: %d %s; want 400 on %v", tc.name, r.Status, r.Body, tc.fields)
			}
		}
		if status, list := e.get(manager, "/admin/v1/bulk-actions"); status != 200 || len(list["items"].([]any)) != 1 {
			t.Fatalf("refused requests left bulk actions: %d %v", status, list)
		}
		if status, body := e.get(manager, "/admin/v1/bulk-actions?limit=0"); status != 400 {
			t.Fatalf("limit=0: %d %v", status, body)
		}
		if status, body := e.get(manager, "/admin/v1/bulk-actions?offset=3"); status != 400 || body["allowed"] == nil {
			t.Fatalf("an unknown parameter: %d %v", status, body)
		}
		reader := e.token(e.org.ID, "ro@acme.example", directory.RoleReader)
		if r := e.do(http.MethodPost, "/admin/v1/bulk-actions", reader, map[string]any{"action": "invite"}); r.Status != 403 {
			t.Fatalf("a reader starts a bulk action: %d", r.Status)
		}
		other := directory.Organization{Slug: "other", Name: "Other"}
		must(t, e.store.CreateOrganization(t.Context(), &other))
		stranger := e.token(other.ID, "it@other.example", directory.RoleSystemAdmin)
		list := e.do(http.MethodGet, "/admin/v1/bulk-actions", manager, nil).JSON()["items"].([]any)
		mine := list[0].(map[string]any)["id"].(string)
		if status, body := e.get(stranger, "/admin/v1/bulk-actions/"+mine); status != 404 {
			t.Fatalf("another organization reads a bulk action: %d %v", status, body)
		}
	})
}

// TestBulkResumes: a bulk action whose run stopped part-way (a batch
// committed, then a batch that died before committing), then run twice
// at once (a rescued job beside a continuation) acts on every person
// exactly once.
func TestBulkResumes(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		const n = 3*bulkBatchSize + 5
		var ids []string
		for i := range n {
			ids = append(ids, e.person(fmt.Sprintf("p%03d", i), fmt.Sprintf("p%03d@acme.example", i), bulkIn("Sales")).ID)
		}
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		admins, err := e.store.ListAdmins(t.Context(), e.org.ID)
		must(t, err)
		b := directory.BulkAction{OrgID: e.org.ID, AdminID: admins[0].ID, Action: string(bulkInvite), Status: directory.JobQueued,
			Params: json.RawMessage(`{"department":"Sales"}`), Total: n}
		must(t, e.store.CreateBulkAction(t.Context(), &b))
		args := bulkArgs{OrgID: b.OrgID, BulkID: b.ID}

		// One batch commits.
		must(t, e.store.InTx(t.Context(), func(tx directory.Store) error {
			_, err := e.handler.bulkStep(t.Context(), tx, args, false)
			return err
		}))
		// The next dies before its commit: its changes and jobs vanish.
		crash := errors.New("the process died")
		err = e.store.InTx(t.Context(), func(tx directory.Store) error {
			if _, err := e.handler.bulkStep(t.Context(), tx, args, false); err != nil {
				return err
			}
			return crash
		})
		if !errors.Is(err, crash) {
			t.Fatalf("the crashed batch: %v", err)
		}
		mid, err := e.store.BulkAction(t.Context(), b.OrgID, b.ID)
		must(t, err)
		if mid.Status != directory.JobRunning || mid.Done != bulkBatchSize || mid.Cursor != ids[bulkBatchSize-1] {
			t.Fatalf("after one committed batch: status %s, done %d, cursor %s; want running, %d, %s",
				mid.Status, mid.Done, mid.Cursor, bulkBatchSize, ids[bulkBatchSize-1])
		}

		// River retries the job, and a run that hands off at once
		// enqueues a continuation: both go on from the stored cursor.
		must(t, e.store.InTx(t.Context(), func(tx directory.Store) error {
			return e.handler.jobs.Enqueue(t.Context(), tx, args, bulkUnique())
		}))
		must(t, e.handler.runBulk(t.Context(), args, time.Now()))

		done := bulkWait(t, e, manager, b.ID)
		if done["done"] != float64(n) || done["changed"] != float64(n) || done["skipped"] != 0.0 {
			t.Fatalf("resumed bulk action = %v", done)
		}
		bulkInvitedOnce(t, e, ids)
		seen := map[string]int{}
		for _, m := range actSentEmails(t, e, n) {
			seen[m.To[0]]++
		}
		for addr, times := range seen {
			if times != 1 {
				t.Fatalf("%s got %d invitations", addr, times)
			}
		}
		if len(seen) != n {
			t.Fatalf("%d people got an invitation; want %d", len(seen), n)
		}
		// A run of a finished bulk action does nothing.
		must(t, e.handler.runBulk(t.Context(), args, time.Now().Add(time.Minute)))
		if again, _ := e.store.BulkAction(t.Context(), b.OrgID, b.ID); again.Done != n {
			t.Fatalf("a run after the end moved done to %d", again.Done)
		}
	})
}

func bulkIn(department string) func(a *directory.Account) {
	return func(a *directory.Account) { a.Department = department }
}

// bulkWait polls a bulk action until it finished, and returns it.
func bulkWait(t *testing.T, e *adminEnv, token, id string) map[string]any {
	t.Helper()
	var last map[string]any
	e.waitFor("bulk action "+id, func() bool {
		status, body := e.get(token, "/admin/v1/bulk-actions/"+id)
		if status != 200 {
			t.Fatalf("GET /bulk-actions/%s: %d %v", id, status, body)
		}
		last = body
		return body["status"] == "succeeded" || body["status"] == "failed"
	})
	return last
}

// bulkInvitedOnce checks that each account was invited, by one
// invitation (one audit record, generation 1).
func bulkInvitedOnce(t *testing.T, e *adminEnv, ids []string) {
	t.Helper()
	for _, id := range ids {
		a, err := e.store.Account(t.Context(), e.org.ID, id)
		must(t, err)
		if a.State != directory.StateInvited || a.InviteGeneration != 1 {
			t.Fatalf("%s: state %s, generation %d; want invited once", a.UserName, a.State, a.InviteGeneration)
		}
	}
	got := bulkCount(t, e, "SELECT COUNT(*) FROM audit_events WHERE org_id = ? AND action = 'account.invite'", e.org.ID)
	if got != len(ids) {
		t.Fatalf("%d invitation records; want %d", got, len(ids))
	}
}

// bulkCount runs a COUNT query written with ? placeholders.
func bulkCount(t *testing.T, e *adminEnv, query string, args ...any) int {
	t.Helper()
	if e.b.dialect == gormstore.Postgres {
		for i := range args {
			query = strings.Replace(query, "?", fmt.Sprintf("$%d", i+1), 1)
		}
	}
	var n int
	must(t, e.store.DB().QueryRowContext(t.Context(), query, args...).Scan(&n))
	return n
}

// TestBulkStops: a bulk action ends as failed, with the reason shown,
// when its admin is disabled or when its job's last try fails.
func TestBulkStops(t *testing.T) {
	eachBackendWith(t, envOptions{noWorkers: true}, func(t *testing.T, e *adminEnv) {
		ann := e.person("ann", "ann@acme.example", bulkIn("Sales"))
		e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		admins, err := e.store.ListAdmins(t.Context(), e.org.ID)
		must(t, err)
		for _, tc := range []struct {
			name   string
			params string
			change func()
			reason string
		}{
			{"its admin demoted", `{"department":"Sales"}`, func() {
				adm := admins[0]
				adm.Role = directory.RoleReader
				must(t, e.store.UpdateAdmin(t.Context(), &adm))
			}, "no longer act on accounts"},
			{"its admin disabled", `{"department":"Sales"}`, func() {
				must(t, e.store.DisableAdmin(t.Context(), e.org.ID, admins[0].ID, time.Now()))
			}, "disabled"},
			{"a selection that no longer compiles", `{"filter":"nope eq 1"}`, nil, "could not go on"},
		} {
			b := directory.BulkAction{OrgID: e.org.ID, AdminID: admins[0].ID, Action: string(bulkInvite), Status: directory.JobQueued,
				Params: json.RawMessage(tc.params), Total: 1}
			must(t, e.store.CreateBulkAction(t.Context(), &b))
			if tc.change != nil {
				tc.change()
			}
			job := &river.Job[bulkArgs]{JobRow: &rivertype.JobRow{Attempt: 3, MaxAttempts: 3}, Args: bulkArgs{OrgID: b.OrgID, BulkID: b.ID}}
			_ = (&bulkWorker{h: e.handler}).Work(t.Context(), job)
			got, err := e.store.BulkAction(t.Context(), b.OrgID, b.ID)
			must(t, err)
			reply := bulkReplyOf(got)
			if got.Status != directory.JobFailed || got.FinishedAt == nil || len(reply.Errors) != 1 || !strings.Contains(reply.Errors[0].Reason, tc.reason) {
				t.Fatalf("%s: %+v, errors %+v", tc.name, got, reply.Errors)
			}
		}
		if a, _ := e.store.Account(t.Context(), e.org.ID, ann.ID); a.State != directory.StateNotInvited {
			t.Fatalf("a stopped bulk action invited: %s", a.State)
		}
	})
}

// TestBulkLargestSelection: the most ids a request may name, with a long
// SCIM filter, still make a query the store runs, batch after batch.
func TestBulkLargestSelection(t *testing.T) {
	e := newEnv(t, backends[0], envOptions{})
	manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
	ann := e.person("ann", "ann@acme.example", bulkIn("Sales"))
	ids := []string{ann.ID}
	for i := len(ids); i < maxBulkIDs; i++ {
		ids = append(ids, fmt.Sprintf("00000000-0000-7000-8000-%012d", i))
	}
	var filter []string
	for i := 0; len(strings.Join(filter, " or ")) < 1900; i++ {
		filter = append(filter, fmt.Sprintf(`title eq "t%d"`, i))
	}
	filter = append(filter, `department eq "Sales"`)
	r := e.do(http.MethodPost, "/admin/v1/bulk-actions", manager, map[string]any{"action": "invite", "ids": ids, "filter": strings.Join(filter, " or ")})
	id, _ := r.JSON()["id"].(string)
	if r.Status != http.StatusAccepted || id == "" {
		t.Fatalf("POST /bulk-actions = %d %s", r.Status, r.Body[:min(len(r.Body), 300)])
	}
	e.waitFor("the bulk action", func() bool {
		b, err := e.store.BulkAction(t.Context(), e.org.ID, id)
		must(t, err)
		if b.Status == directory.JobFailed {
			t.Fatalf("the largest selection failed: %s", b.Errors)
		}
		return b.Status == directory.JobSucceeded && b.Changed == 1
	})
}
