package storetest

import (
	"encoding/json"
	"fmt"
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

// testAppendAudits: a batch appends in order, all or nothing.
func testAppendAudits(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	noErr(t, "AppendAudits of none", s.AppendAudits(ctx(t), nil))
	var batch []*directory.AuditEvent
	for i := range 3 {
		batch = append(batch, &directory.AuditEvent{OrgID: org.ID, ActorType: directory.ActorSystem, Action: "account.invite",
			TargetType: "account", TargetID: name("a", i), Details: json.RawMessage(`{"n":` + fmt.Sprint(i) + `}`)})
	}
	noErr(t, "AppendAudits", s.AppendAudits(ctx(t), batch))
	for i, e := range batch {
		if e.ID == "" || e.At.IsZero() || (i > 0 && e.ID <= batch[i-1].ID) {
			t.Fatalf("event %d after AppendAudits = %+v; want ids in order and times", i, e)
		}
	}
	got, err := s.ListAudit(ctx(t), org.ID, directory.AuditQuery{})
	noErr(t, "ListAudit", err)
	if len(got) != 3 || got[0].TargetID != name("a", 2) || got[2].TargetID != name("a", 0) {
		t.Fatalf("ListAudit after a batch = %+v", got)
	}
	sameJSON(t, "details", got[1].Details, []byte(`{"n":1}`))
	bad := []*directory.AuditEvent{
		{OrgID: org.ID, ActorType: directory.ActorSystem, Action: "account.invite"},
		{OrgID: org.ID, ActorType: directory.ActorSystem},
	}
	wantErr(t, "a batch with an invalid event", s.AppendAudits(ctx(t), bad), directory.ErrInvalid)
	if got, _ := s.ListAudit(ctx(t), org.ID, directory.AuditQuery{}); len(got) != 3 {
		t.Fatalf("an invalid batch appended %d events", len(got)-3)
	}
}
