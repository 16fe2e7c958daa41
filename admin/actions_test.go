package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer/mailtest"
)

// TestPersonInvitation: invite, the claim link read without sending
// (and working), invite again, resend, remind, revoke.
func TestPersonInvitation(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		ann := e.person("ann", "ann@acme.example", nil)
		path := "/admin/v1/people/" + ann.ID

		if r := e.do(http.MethodGet, path+"/claim", manager, nil); r.Status != 409 || r.JSON()["code"] != "no_claim_secret" ||
			!strings.Contains(r.JSON()["detail"].(string), "invite them") {
			t.Fatalf("claim link of someone not invited: %d %s", r.Status, r.Body)
		}
		r := e.do(http.MethodPost, path+"/invite", manager, map[string]any{"note": "Welcome aboard"})
		if r.Status != 200 || r.JSON()["status"] != "invited" || r.JSON()["invite_expires_at"] == nil {
			t.Fatalf("invite: %d %s", r.Status, r.Body)
		}
		inviteRequest := r.Header.Get("X-Request-ID")
		msgs := e.smtp.Wait(1)
		if msgs[0].To[0] != "ann@acme.example" || !strings.Contains(msgs[0].Text, "Welcome aboard") {
			t.Fatalf("invitation email: to %v, text %q", msgs[0].To, msgs[0].Text)
		}
		link := actClaimLink(t, e, manager, ann.ID)
		if !strings.Contains(msgs[0].Text, link) {
			t.Fatalf("the link read (%s) is not the emailed one: %q", link, msgs[0].Text)
		}

		// Inviting again sends nothing; resend sends the link again.
		if r := e.do(http.MethodPost, path+"/invite", manager, nil); r.Status != 200 || r.JSON()["status"] != "invited" {
			t.Fatalf("invite again: %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodPost, path+"/invite", manager, map[string]any{"resend": true}); r.Status != 200 {
			t.Fatalf("resend: %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodPost, path+"/remind", manager, nil); r.Status != 200 {
			t.Fatalf("remind: %d %s", r.Status, r.Body)
		}
		for _, m := range actSentEmails(t, e, 3)[1:] { // the invitation, the resent link, the reminder
			if !strings.Contains(m.Text, link) {
				t.Fatalf("a reminder does not carry the current link %s: %q", link, m.Text)
			}
		}
		invites := actAudit(t, e, "account.invite", ann.ID)
		if len(invites) != 1 || invites[0].ActorType != directory.ActorAdmin || invites[0].ActorName != "it@acme.example" ||
			invites[0].RequestID != inviteRequest || inviteRequest == "" {
			t.Fatalf("invitation audit = %+v (request %q)", invites, inviteRequest)
		}
		if n := len(actAudit(t, e, "reminder.request", ann.ID)); n != 2 {
			t.Fatalf("%d reminder.request records; want 2 (resend, remind)", n)
		}
		reads := actAudit(t, e, "claim_secret.read", ann.ID)
		if len(reads) != 1 || strings.Contains(string(reads[0].Details), strings.TrimPrefix(link, testBaseURL+"/claim/")) {
			t.Fatalf("claim_secret.read audit = %+v", reads)
		}

		r = e.do(http.MethodPost, path+"/revoke", manager, nil)
		if r.Status != 200 || r.JSON()["status"] != "not_invited" || r.JSON()["invite_expires_at"] != nil {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if _, err := e.inviter.ResolveLink(t.Context(), e.store, actToken(link)); !errors.Is(err, claim.ErrRevoked) {
			t.Fatalf("the revoked link resolves: %v", err)
		}
		if n := len(actAudit(t, e, "account.invite_revoke", ann.ID)); n != 1 {
			t.Fatalf("%d revocation records; want 1", n)
		}
		if r := e.do(http.MethodPost, path+"/revoke", manager, nil); r.Status != 200 {
			t.Fatalf("revoking again: %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodPost, path+"/remind", manager, nil); r.Status != 409 || r.JSON()["code"] != "not_invited" {
			t.Fatalf("remind after revoke: %d %s", r.Status, r.Body)
		}
		// Invited afresh: a new link, which works.
		if r := e.do(http.MethodPost, path+"/invite", manager, nil); r.Status != 200 {
			t.Fatalf("invite after revoke: %d %s", r.Status, r.Body)
		}
		if fresh := actClaimLink(t, e, manager, ann.ID); fresh == link {
			t.Fatal("inviting after a revocation gave the revoked link again")
		}
	})
}

// TestPersonAccessCode: people without email claim with a code; it is
// issued, shown once, read again, replaced and cancelled.
// TestRevokeCancelsCodeOfNotInvited: an access code handed to someone
// not invited is a way in; revoking takes it back, one by one and in bulk.
func TestRevokeCancelsCodeOfNotInvited(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		for _, bulk := range []bool{false, true} {
			gus := e.person(fmt.Sprintf("gus-%v", bulk), fmt.Sprintf("gus-%v@acme.example", bulk), nil)
			r := e.do(http.MethodPost, "/admin/v1/people/"+gus.ID+"/access-code", manager, nil)
			code, _ := r.JSON()["access_code"].(string)
			if r.Status != 201 || code == "" {
				t.Fatalf("issue a code to someone not invited: %d %s", r.Status, r.Body)
			}
			if bulk {
				r = e.do(http.MethodPost, "/admin/v1/bulk-actions", manager, map[string]any{"action": "revoke", "ids": []string{gus.ID}})
				id, _ := r.JSON()["id"].(string)
				e.waitFor("the bulk revoke", func() bool {
					b, err := e.store.BulkAction(t.Context(), e.org.ID, id)
					return err == nil && b.Status == directory.JobSucceeded && b.Changed == 1
				})
			} else if r = e.do(http.MethodPost, "/admin/v1/people/"+gus.ID+"/revoke", manager, nil); r.Status != 200 || r.JSON()["has_access_code"] != false {
				t.Fatalf("revoke: %d %s", r.Status, r.Body)
			}
			if _, err := e.inviter.ResolveCode(t.Context(), e.store, code); err == nil {
				t.Fatalf("bulk %v: the code works after the revocation", bulk)
			}
		}
	})
}

func TestPersonAccessCode(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		frank := e.person("frank", "", func(a *directory.Account) { a.Frontline = true })
		path := "/admin/v1/people/" + frank.ID

		r := e.do(http.MethodPost, path+"/invite", manager, nil)
		if r.Status != 200 || r.JSON()["has_access_code"] != true {
			t.Fatalf("invite someone without email: %d %s", r.Status, r.Body)
		}
		first := actSecrets(t, e, manager, frank.ID)
		if first["access_code"] == nil || first["access_code_expires_at"] == nil {
			t.Fatalf("claim secrets of a frontline person = %v", first)
		}
		if r := e.do(http.MethodPost, path+"/remind", manager, nil); r.Status != 409 || r.JSON()["code"] != "no_email" {
			t.Fatalf("remind without email: %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodPost, path+"/invite", manager, map[string]any{"resend": true}); r.Status != 409 || r.JSON()["code"] != "no_email" {
			t.Fatalf("resend without email: %d %s", r.Status, r.Body)
		}

		r = e.do(http.MethodPost, path+"/access-code", manager, nil)
		code, _ := r.JSON()["access_code"].(string)
		if r.Status != 201 || code == "" || code == first["access_code"] {
			t.Fatalf("issue a new code: %d %s (first %v)", r.Status, r.Body, first["access_code"])
		}
		if got, err := e.inviter.ResolveCode(t.Context(), e.store, code); err != nil || got.ID != frank.ID {
			t.Fatalf("the issued code resolves to %q, %v", got.ID, err)
		}
		if _, err := e.inviter.ResolveCode(t.Context(), e.store, first["access_code"].(string)); err == nil {
			t.Fatal("the replaced code still works")
		}
		if again := actSecrets(t, e, manager, frank.ID); again["access_code"] != code {
			t.Fatalf("claim secrets after the new code = %v; want %s", again, code)
		}

		if r := e.do(http.MethodDelete, path+"/access-code", manager, nil); r.Status != 204 {
			t.Fatalf("cancel the code: %d %s", r.Status, r.Body)
		}
		if _, err := e.inviter.ResolveCode(t.Context(), e.store, code); err == nil {
			t.Fatal("the cancelled code still works")
		}
		if r := e.do(http.MethodDelete, path+"/access-code", manager, nil); r.Status != 204 {
			t.Fatalf("cancel again: %d %s", r.Status, r.Body)
		}
		if secrets := actSecrets(t, e, manager, frank.ID); secrets["access_code"] != nil || secrets["access_code_expires_at"] != nil {
			t.Fatalf("claim secrets with the code cancelled = %v", secrets)
		}
		if r := e.do(http.MethodPost, path+"/revoke", manager, nil); r.Status != 200 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodGet, path+"/claim", manager, nil); r.Status != 409 || !strings.Contains(r.JSON()["detail"].(string), "access-code") {
			t.Fatalf("claim secrets with the code cancelled and the invitation revoked: %d %s", r.Status, r.Body)
		}
		for action, want := range map[string]int{"access_code.issue": 2, "access_code.cancel": 1} {
			if n := len(actAudit(t, e, action, frank.ID)); n != want {
				t.Fatalf("%d %s records; want %d", n, action, want)
			}
		}
		if e.smtp.Count() != 0 {
			t.Fatalf("%d emails sent to someone without email", e.smtp.Count())
		}
	})
}

// TestPersonActivation: deactivating ends sessions and kills the link;
// reactivating an invited person gives a fresh link; SCIM sees active.
func TestPersonActivation(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		ann := e.person("ann", "ann@acme.example", nil)
		path := "/admin/v1/people/" + ann.ID
		if r := e.do(http.MethodPost, path+"/invite", manager, nil); r.Status != 200 {
			t.Fatalf("invite: %d %s", r.Status, r.Body)
		}
		link := actClaimLink(t, e, manager, ann.ID)
		now := time.Now().UTC()
		sess := directory.Session{Hash: "h-ann", OrgID: e.org.ID, AccountID: ann.ID, Method: "link", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		must(t, e.store.CreateSession(t.Context(), &sess))

		r := e.do(http.MethodPost, path+"/deactivate", manager, nil)
		if r.Status != 200 || r.JSON()["status"] != "deactivated" || r.JSON()["deactivated_at"] == nil {
			t.Fatalf("deactivate: %d %s", r.Status, r.Body)
		}
		stored, err := e.store.Account(t.Context(), e.org.ID, ann.ID)
		must(t, err)
		if stored.Active || stored.DeactivatedAt == nil || stored.State != directory.StateInvited {
			t.Fatalf("deactivated account = active %t, deactivatedAt %v, state %s", stored.Active, stored.DeactivatedAt, stored.State)
		}
		if _, err := e.store.SessionByHash(t.Context(), "h-ann"); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the session outlived the deactivation: %v", err)
		}
		if _, err := e.inviter.ResolveLink(t.Context(), e.store, actToken(link)); err == nil {
			t.Fatal("the link of a deactivated account works")
		}
		if r := e.do(http.MethodGet, path+"/claim", manager, nil); r.Status != 409 || r.JSON()["code"] != "deactivated" {
			t.Fatalf("claim secrets of a deactivated person: %d %s", r.Status, r.Body)
		}
		for _, action := range []string{"invite", "remind", "access-code"} {
			if r := e.do(http.MethodPost, path+"/"+action, manager, nil); r.Status != 409 || r.JSON()["code"] != "deactivated" {
				t.Fatalf("%s a deactivated person: %d %s", action, r.Status, r.Body)
			}
		}
		if r := e.do(http.MethodPost, path+"/deactivate", manager, nil); r.Status != 200 {
			t.Fatalf("deactivate again: %d %s", r.Status, r.Body)
		}

		r = e.do(http.MethodPost, path+"/reactivate", manager, nil)
		if r.Status != 200 || r.JSON()["status"] != "invited" || r.JSON()["deactivated_at"] != nil {
			t.Fatalf("reactivate: %d %s", r.Status, r.Body)
		}
		fresh := actClaimLink(t, e, manager, ann.ID)
		if fresh == link {
			t.Fatal("reactivation kept the old link")
		}
		for action, want := range map[string]int{"user.deactivate": 1, "user.reactivate": 1, "session.end_all": 1} {
			got := actAudit(t, e, action, ann.ID)
			if len(got) != want || got[0].ActorID == "" || got[0].ActorType != directory.ActorAdmin {
				t.Fatalf("%s records = %+v; want %d by the admin", action, got, want)
			}
		}
	})
}

// TestPersonDelete: only people who never claimed can be deleted.
func TestPersonDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		ann := e.person("ann", "ann@acme.example", nil)
		carl := e.person("carl", "carl@acme.example", func(a *directory.Account) { a.State = directory.StateClaimed })

		r := e.do(http.MethodDelete, "/admin/v1/people/"+carl.ID, manager, nil)
		if r.Status != 409 || r.JSON()["code"] != "already_claimed" || !strings.Contains(r.JSON()["detail"].(string), "deactivate") {
			t.Fatalf("delete someone who claimed: %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodDelete, "/admin/v1/people/"+ann.ID, manager, nil); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if _, err := e.store.Account(t.Context(), e.org.ID, ann.ID); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the deleted account is still there: %v", err)
		}
		if n := len(actAudit(t, e, "user.delete", ann.ID)); n != 1 {
			t.Fatalf("%d user.delete records; want 1", n)
		}
		if r := e.do(http.MethodDelete, "/admin/v1/people/"+ann.ID, manager, nil); r.Status != 404 || r.JSON()["code"] != "not_found" {
			t.Fatalf("delete again: %d %s", r.Status, r.Body)
		}
	})
}

// TestPersonActionConflicts: what a person's state rules out is a 409
// whose detail says what to do; bad bodies are 400s; readers may not act.
func TestPersonActionConflicts(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		reader := e.token(e.org.ID, "ro@acme.example", directory.RoleReader)
		carl := e.person("carl", "carl@acme.example", func(a *directory.Account) { a.State = directory.StateClaimed })
		ann := e.person("ann", "ann@acme.example", nil)
		for _, tc := range []struct {
			method, action string
			body           any
			status         int
			code, detail   string
		}{
			{http.MethodPost, "/invite", nil, 409, "already_claimed", "sign in"},
			{http.MethodPost, "/remind", nil, 409, "already_claimed", "no reminder"},
			{http.MethodPost, "/revoke", nil, 409, "already_claimed", "deactivate"},
			{http.MethodPost, "/access-code", nil, 409, "already_claimed", "no access code"},
			{http.MethodGet, "/claim", nil, 409, "already_claimed", "sign in"},
		} {
			r := e.do(tc.method, "/admin/v1/people/"+carl.ID+tc.action, manager, tc.body)
			if r.Status != tc.status || r.JSON()["code"] != tc.code || !strings.Contains(r.JSON()["detail"].(string), tc.detail) {
				t.Errorf("%s %s of a claimed person: %d %s; want %d %s (%q)", tc.method, tc.action, r.Status, r.Body, tc.status, tc.code, tc.detail)
			}
		}
		for _, tc := range []struct {
			body  any
			field string
		}{
			{map[string]any{"nope": 1}, "nope"},
			{map[string]any{"note": strings.Repeat("n", 1025)}, "note"},
			{map[string]any{"resend": "yes"}, "resend"},
			{`{"note": "a"} {}`, ""},
		} {
			r := e.do(http.MethodPost, "/admin/v1/people/"+ann.ID+"/invite", manager, tc.body)
			errs, _ := r.JSON()["errors"].([]any)
			if r.Status != 400 || (tc.field != "" && (len(errs) != 1 || errs[0].(map[string]any)["field"] != tc.field)) {
				t.Errorf("invite with %v: %d %s; want 400 on %q", tc.body, r.Status, r.Body, tc.field)
			}
		}
		if got, _ := e.store.Account(t.Context(), e.org.ID, ann.ID); got.State != directory.StateNotInvited {
			t.Fatalf("a refused invitation invited: %s", got.State)
		}
		if r := e.do(http.MethodPost, "/admin/v1/people/"+ann.ID+"/invite", reader, nil); r.Status != 403 {
			t.Fatalf("a reader invites: %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodGet, "/admin/v1/people/"+ann.ID+"/claim", reader, nil); r.Status != 403 {
			t.Fatalf("a reader reads a claim link: %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodPost, "/admin/v1/people/no-such-person/invite", manager, nil); r.Status != 404 {
			t.Fatalf("invite no one: %d %s", r.Status, r.Body)
		}
		other := directory.Organization{Slug: "other", Name: "Other"}
		must(t, e.store.CreateOrganization(t.Context(), &other))
		stranger := e.token(other.ID, "it@other.example", directory.RoleSystemAdmin)
		if r := e.do(http.MethodPost, "/admin/v1/people/"+ann.ID+"/invite", stranger, nil); r.Status != 404 {
			t.Fatalf("another organization's admin invites: %d %s", r.Status, r.Body)
		}
	})
}

// actSecrets reads a person's claim link and access code.
func actSecrets(t *testing.T, e *adminEnv, token, id string) map[string]any {
	t.Helper()
	r := e.do(http.MethodGet, "/admin/v1/people/"+id+"/claim", token, nil)
	if r.Status != 200 {
		t.Fatalf("GET /people/%s/claim: %d %s", id, r.Status, r.Body)
	}
	return r.JSON()
}

// actClaimLink reads a person's claim link and checks that it works.
func actClaimLink(t *testing.T, e *adminEnv, token, id string) string {
	t.Helper()
	link, _ := actSecrets(t, e, token, id)["claim_link"].(string)
	if !strings.HasPrefix(link, testBaseURL+"/claim/") {
		t.Fatalf("claim link = %q", link)
	}
	got, err := e.inviter.ResolveLink(t.Context(), e.store, actToken(link))
	if err != nil || got.ID != id {
		t.Fatalf("the claim link %s resolves to %q, %v", link, got.ID, err)
	}
	return link
}

func actToken(link string) string { return strings.TrimPrefix(link, testBaseURL+"/claim/") }

// actAudit lists the audit records of action on one person.
func actAudit(t *testing.T, e *adminEnv, action, targetID string) []directory.AuditEvent {
	t.Helper()
	events, err := e.store.ListAudit(t.Context(), e.org.ID, directory.AuditQuery{Action: action, TargetType: "user", TargetID: targetID, Limit: 1000})
	must(t, err)
	return events
}

// TestPersonRevokeUnderAutoInvite: revoking kills the link, and the
// organization's automatic invitation does not undo it by inviting the
// person again in the same write.
func TestPersonRevokeUnderAutoInvite(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		ann := e.person("ann", "ann@acme.example", nil)
		if r := e.do(http.MethodPost, "/admin/v1/people/"+ann.ID+"/invite", manager, nil); r.Status != 200 {
			t.Fatalf("invite: %d %s", r.Status, r.Body)
		}
		link := actClaimLink(t, e, manager, ann.ID)
		e.smtp.Wait(1) // sent before the revocation, or it is never sent
		org, err := e.store.Organization(t.Context(), e.org.ID)
		must(t, err)
		org.AutoInvite = true
		must(t, e.store.UpdateOrganization(t.Context(), &org))

		r := e.do(http.MethodPost, "/admin/v1/people/"+ann.ID+"/revoke", manager, nil)
		if r.Status != 200 || r.JSON()["status"] != "not_invited" {
			t.Fatalf("revoke under auto-invite: %d %s; want not_invited (no instant re-invitation)", r.Status, r.Body)
		}
		if _, err := e.inviter.ResolveLink(t.Context(), e.store, actToken(link)); !errors.Is(err, claim.ErrRevoked) {
			t.Fatalf("the revoked link resolves: %v", err)
		}
		actSentEmails(t, e, 1) // only the first invitation
	})
}

// actSentEmails waits until every delivery job ran and returns the emails,
// which must be exactly want: once nothing is left to send, a count is
// final.
func actSentEmails(t *testing.T, e *adminEnv, want int) []mailtest.Message {
	t.Helper()
	e.waitFor("every delivery", func() bool {
		return bulkCount(t, e, "SELECT COUNT(*) FROM river_job WHERE kind = ? AND state NOT IN ('completed', 'cancelled', 'discarded')", "claim.deliver") == 0
	})
	if got := e.smtp.Count(); got != want {
		t.Fatalf("%d emails sent; want %d", got, want)
	}
	return e.smtp.Messages()
}
