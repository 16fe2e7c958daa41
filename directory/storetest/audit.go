package storetest

import (
	"encoding/json"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func testAudit(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	var ids []string
	for i, action := range []string{"org.create", "scim_token.create", "scim_token.revoke", "scim_token.create"} {
		e := directory.AuditEvent{OrgID: org.ID, ActorType: directory.ActorCLI, ActorName: "cli", Action: action,
			TargetType: "scim_token", TargetID: name("t", i%2), AfterVersion: int64(i),
			Details: json.RawMessage(`{"name":"Entra ID"}`)}
		noErr(t, "AppendAudit", s.AppendAudit(ctx(t), &e))
		if e.ID == "" || e.At.IsZero() {
			t.Fatalf("appended event = %+v; want id and time", e)
		}
		ids = append(ids, e.ID)
	}
	noErr(t, "AppendAudit other org", s.AppendAudit(ctx(t), &directory.AuditEvent{OrgID: other.ID, ActorType: directory.ActorCLI, Action: "org.create"}))
	wantErr(t, "event without action", s.AppendAudit(ctx(t), &directory.AuditEvent{OrgID: org.ID, ActorType: directory.ActorCLI}), directory.ErrInvalid)

	all, err := s.ListAudit(ctx(t), org.ID, directory.AuditQuery{})
	noErr(t, "ListAudit", err)
	if len(all) != 4 || all[0].ID != ids[3] || all[3].ID != ids[0] {
		t.Fatalf("ListAudit returned %d events, not newest first", len(all))
	}
	sameJSON(t, "details", all[0].Details, []byte(`{"name":"Entra ID"}`))

	created, err := s.ListAudit(ctx(t), org.ID, directory.AuditQuery{Action: "scim_token.create"})
	noErr(t, "ListAudit by action", err)
	if len(created) != 2 {
		t.Fatalf("events with action scim_token.create = %d; want 2", len(created))
	}
	byTarget, err := s.ListAudit(ctx(t), org.ID, directory.AuditQuery{TargetID: "t0000"})
	noErr(t, "ListAudit by target", err)
	if len(byTarget) != 2 {
		t.Fatalf("events for target t0000 = %d; want 2", len(byTarget))
	}
	page, err := s.ListAudit(ctx(t), org.ID, directory.AuditQuery{Limit: 2, Before: ids[2]})
	noErr(t, "ListAudit page", err)
	if len(page) != 2 || page[0].ID != ids[1] || page[1].ID != ids[0] {
		t.Fatalf("page before the third event = %+v", page)
	}
}
