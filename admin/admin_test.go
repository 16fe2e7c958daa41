package admin

import (
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestOutbox(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		for _, subject := range []string{"first", "second"} {
			m := directory.OutboxMessage{OrgID: e.org.ID, Recipient: "Ann <ann@acme.example>", Subject: subject, Text: "t", HTML: "h"}
			if err := e.store.AppendOutbox(t.Context(), &m); err != nil {
				t.Fatal(err)
			}
		}
		manager := e.token(e.org.ID, "it@acme.example", directory.RoleAccountManager)
		status, body := e.get(manager, "/admin/v1/outbox?limit=1")
		msgs, _ := body["messages"].([]any)
		if status != 200 || len(msgs) != 1 || msgs[0].(map[string]any)["to"] != "Ann <ann@acme.example>" {
			t.Fatalf("GET /outbox?limit=1 = %d %v", status, body)
		}

		reader := e.token(e.org.ID, "audit@acme.example", directory.RoleReader)
		if status, body := e.get(reader, "/admin/v1/outbox"); status != 403 || body["code"] != "forbidden" {
			t.Fatalf("a reader reads the outbox: %d %v", status, body)
		}
		if status, _ := e.get("", "/admin/v1/outbox"); status != 401 {
			t.Fatalf("no token: %d", status)
		}
		if status, _ := e.get("lka_forged", "/admin/v1/outbox"); status != 401 {
			t.Fatalf("forged token: %d", status)
		}
		if status, _ := e.get(manager, "/admin/v1/outbox?limit=zero"); status != 400 {
			t.Fatalf("bad limit: %d", status)
		}
		other := directory.Organization{Slug: "other", Name: "Other"}
		if err := e.store.CreateOrganization(t.Context(), &other); err != nil {
			t.Fatal(err)
		}
		stranger := e.token(other.ID, "it@other.example", directory.RoleSystemAdmin)
		if _, body := e.get(stranger, "/admin/v1/outbox"); len(body["messages"].([]any)) != 0 {
			t.Fatalf("another organization's admin reads this outbox: %v", body)
		}
	})
}

// TestOutboxKeepsAdminsMailToThemselves: without SMTP an export's email
// (its signed download link) lands in the outbox; another admin reading
// the outbox must not see it, its addressee does.
func TestOutboxKeepsAdminsMailToThemselves(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		alice := e.token(e.org.ID, "alice@acme.example", directory.RoleSystemAdmin)
		bob := e.token(e.org.ID, "bob@acme.example", directory.RoleAccountManager)
		for _, to := range []string{`"Alice" <Alice@acme.example>`, "Ann <ann@acme.example>"} {
			m := directory.OutboxMessage{OrgID: e.org.ID, Recipient: to, Subject: "to " + to, Text: "t", HTML: "h"}
			must(t, e.store.AppendOutbox(t.Context(), &m))
		}
		for _, tc := range []struct {
			token string
			want  int
		}{{alice, 2}, {bob, 1}} {
			status, body := e.get(tc.token, "/admin/v1/outbox")
			if msgs, _ := body["messages"].([]any); status != 200 || len(msgs) != tc.want {
				t.Fatalf("GET /outbox = %d with %d messages; want %d: %v", status, len(msgs), tc.want, body)
			}
		}
	})
}
