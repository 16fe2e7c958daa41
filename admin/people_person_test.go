package admin

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestPersonPage: one person after a real invitation, delivered by the
// real SMTP server: attributes, manager, groups, the invitation without
// its secrets, the delivery and, for roles with audit.read, the events.
func TestPersonPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		ctx := t.Context()
		boss := e.person("boss@acme.example", "boss@acme.example", func(a *directory.Account) { a.EmployeeNumber = "E001" })
		ann := e.person("ann@acme.example", "ann@acme.example", func(a *directory.Account) {
			a.DisplayName, a.Title, a.Department, a.ManagerID = "Ann Example", "Nurse", "Care", boss.ID
		})
		group := directory.Group{OrgID: e.org.ID, DisplayName: "Night shift", Resource: json.RawMessage(`{}`)}
		must(t, e.store.CreateGroup(ctx, &group))
		_, err := e.store.AddMembers(ctx, e.org.ID, group.ID, []directory.Member{{ID: ann.ID, Type: directory.MemberUser}})
		must(t, err)

		invite(t, e, ann.ID)
		e.smtp.Wait(1)
		api := newContract(e)
		manager := e.token(e.org.ID, "manager@acme.example", directory.RoleAccountManager)
		path := "/admin/v1/people/" + ann.ID
		var page personPage
		e.waitFor("the delivery recorded", func() bool {
			decodeInto(t, api.do(http.MethodGet, path, manager, nil), &page)
			return len(page.History.Deliveries) > 0
		})

		if page.ID != ann.ID || page.Status != directory.StatusInvited || page.Title != "Nurse" || page.Department != "Care" ||
			len(page.Emails) != 1 || page.Emails[0].Value != "ann@acme.example" || !page.Emails[0].Primary {
			t.Fatalf("person = %+v", page)
		}
		if page.Manager == nil || page.Manager.ID != boss.ID || page.Manager.EmployeeNumber != "E001" {
			t.Fatalf("manager = %+v", page.Manager)
		}
		if len(page.Groups) != 1 || page.Groups[0].DisplayName != "Night shift" {
			t.Fatalf("groups = %+v", page.Groups)
		}
		inv := page.Invitation
		if !inv.HasClaimLink || inv.HasAccessCode || inv.Generation != 1 || inv.InvitedAt == nil || inv.ExpiresAt == nil {
			t.Fatalf("invitation = %+v", inv)
		}
		if d := page.History.Deliveries[0]; d.Kind != "invitation" || d.Generation != 1 || d.Recipient != "ann@acme.example" {
			t.Fatalf("delivery = %+v", d)
		}
		if !hasEvent(page.History.Events, "account.invite") {
			t.Fatalf("events = %+v; want the invitation", page.History.Events)
		}
		if r := api.do(http.MethodGet, path, manager, nil); strings.Contains(string(r.Body), "/claim/") {
			t.Fatalf("the person page holds a claim link: %s", r.Body)
		}

		reader := e.token(e.org.ID, "reader@acme.example", directory.RoleReader)
		var read personPage
		decodeInto(t, api.do(http.MethodGet, path, reader, nil), &read)
		if read.History.Events != nil || len(read.History.Deliveries) != 1 {
			t.Fatalf("a reader's history = %+v; want deliveries without audit events", read.History)
		}
	})
}

// TestPersonPageStates: a person without email gets a code, one whose
// manager is gone names the manager by id, and a person of another
// organization or none at all is a 404.
func TestPersonPageStates(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		cy := e.person("cy", "", func(a *directory.Account) { a.ManagerID = dummyID })
		invite(t, e, cy.ID)
		api := newContract(e)
		reader := e.token(e.org.ID, "reader@acme.example", directory.RoleReader)
		var page personPage
		decodeInto(t, api.do(http.MethodGet, "/admin/v1/people/"+cy.ID, reader, nil), &page)
		if !page.Invitation.HasAccessCode || page.Invitation.AccessCodeExpiresAt == nil {
			t.Fatalf("invitation without email = %+v", page.Invitation)
		}
		if page.Manager == nil || page.Manager.ID != dummyID || page.Manager.DisplayName != "" {
			t.Fatalf("a manager no longer there = %+v", page.Manager)
		}
		if len(page.Groups) != 0 || page.Groups == nil || page.Emails == nil {
			t.Fatalf("groups %v, emails %v; want empty lists", page.Groups, page.Emails)
		}

		org := directory.Organization{Slug: "elsewhere", Name: "Elsewhere"}
		must(t, e.store.CreateOrganization(t.Context(), &org))
		stranger := e.token(org.ID, "admin@elsewhere.example", directory.RoleSystemAdmin)
		for _, tc := range []struct{ token, id string }{{stranger, cy.ID}, {reader, dummyID}} {
			if r := api.do(http.MethodGet, "/admin/v1/people/"+tc.id, tc.token, nil); r.Status != http.StatusNotFound {
				t.Fatalf("GET /people/%s = %d %s; want 404", tc.id, r.Status, r.Body)
			}
		}
	})
}

// invite invites the account as an admin would, with the real inviter.
func invite(t *testing.T, e *adminEnv, id string) {
	t.Helper()
	actor := directory.Actor{Type: directory.ActorAdmin, ID: "test-admin", Name: "test@acme.example"}
	must(t, e.store.InTx(t.Context(), func(tx directory.Store) error {
		a, err := tx.AccountForUpdate(t.Context(), e.org.ID, id)
		if err != nil {
			return err
		}
		return e.inviter.Invite(t.Context(), tx, actor, &a, "", false)
	}))
}

func hasEvent(events []auditItem, action string) bool {
	for _, e := range events {
		if e.Action == action {
			return true
		}
	}
	return false
}
