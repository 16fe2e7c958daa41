package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func testOrganizationSettings(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	if org.AutoInvite || org.InviteHour != directory.DefaultInviteHour || org.TimeZone != "UTC" {
		t.Fatalf("new organization settings = %+v; want auto-invite off, 09:00 UTC", org)
	}
	org.AutoInvite, org.InviteHour, org.TimeZone, org.Name = true, 7, "Europe/Berlin", "Acme GmbH"
	noErr(t, "UpdateOrganization", s.UpdateOrganization(ctx(t), &org))
	got, err := s.Organization(ctx(t), org.ID)
	noErr(t, "Organization", err)
	if !got.AutoInvite || got.InviteHour != 7 || got.TimeZone != "Europe/Berlin" || got.Name != "Acme GmbH" {
		t.Fatalf("after update: %+v", got)
	}
	bad := got
	bad.TimeZone = "Mars/Olympus"
	wantErr(t, "unknown time zone", s.UpdateOrganization(ctx(t), &bad), directory.ErrInvalid)
	bad = got
	bad.InviteHour = 24
	wantErr(t, "hour 24", s.UpdateOrganization(ctx(t), &bad), directory.ErrInvalid)
	missing := got
	missing.ID = "00000000-0000-0000-0000-000000000000"
	wantErr(t, "update a missing organization", s.UpdateOrganization(ctx(t), &missing), directory.ErrNotFound)
}

func testInviteRules(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	first := directory.InviteRule{OrgID: org.ID, Name: "Sales", Filter: `department eq "Sales"`, Action: directory.InviteNow}
	noErr(t, "CreateInviteRule", s.CreateInviteRule(ctx(t), &first))
	second := directory.InviteRule{OrgID: org.ID, Name: "Interns", Filter: `userType eq "Intern"`, Action: directory.NeverInvite}
	noErr(t, "CreateInviteRule", s.CreateInviteRule(ctx(t), &second))
	if first.ID == "" || first.Position != 1 || second.Position != 2 {
		t.Fatalf("positions %d, %d; want 1, 2", first.Position, second.Position)
	}
	second.Position = 0
	second.Message = "Welcome aboard"
	noErr(t, "UpdateInviteRule", s.UpdateInviteRule(ctx(t), &second))
	rules, err := s.InviteRules(ctx(t), org.ID)
	noErr(t, "InviteRules", err)
	if len(rules) != 2 || rules[0].ID != second.ID || rules[0].Message != "Welcome aboard" || rules[1].ID != first.ID {
		t.Fatalf("rules = %+v; want Interns (moved first) then Sales", rules)
	}
	wantErr(t, "rule without action", s.CreateInviteRule(ctx(t), &directory.InviteRule{OrgID: org.ID, Name: "x", Filter: "y"}), directory.ErrInvalid)
	wantErr(t, "rule without filter", s.CreateInviteRule(ctx(t), &directory.InviteRule{OrgID: org.ID, Name: "x", Action: directory.InviteNow}), directory.ErrInvalid)
	other := mustOrg(t, s, "other")
	if rules, _ := s.InviteRules(ctx(t), other.ID); len(rules) != 0 {
		t.Fatalf("another organization sees %d rules", len(rules))
	}
	wantErr(t, "delete across organizations", s.DeleteInviteRule(ctx(t), other.ID, first.ID), directory.ErrNotFound)
	noErr(t, "DeleteInviteRule", s.DeleteInviteRule(ctx(t), org.ID, first.ID))
	wantErr(t, "delete twice", s.DeleteInviteRule(ctx(t), org.ID, first.ID), directory.ErrNotFound)
}

func testInvitationState(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	a := mustAccount(t, s, org.ID, "frontline")
	expires := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	a.State, a.InviteGeneration, a.InviteExpiresAt = directory.StateInvited, 3, &expires
	a.AccessCodeHash, a.AccessCodeGeneration, a.AccessCodeExpiresAt = "code-hash", 2, &expires
	a.UserType = "Contractor"
	noErr(t, "UpdateAccount", s.UpdateAccount(ctx(t), &a))
	got, err := s.AccountByAccessCode(ctx(t), "code-hash")
	noErr(t, "AccountByAccessCode", err)
	if got.ID != a.ID || got.InviteGeneration != 3 || !got.InviteExpiresAt.Equal(expires) || got.AccessCodeGeneration != 2 ||
		!got.AccessCodeExpiresAt.Equal(expires) || got.UserType != "Contractor" {
		t.Fatalf("invitation state read back = %+v", got)
	}
	_, err = s.AccountByAccessCode(ctx(t), "other-hash")
	wantErr(t, "unknown code", err, directory.ErrNotFound)
	_, err = s.AccountByAccessCode(ctx(t), "")
	wantErr(t, "empty code", err, directory.ErrNotFound)
	b := mustAccount(t, s, org.ID, "second")
	b.AccessCodeHash = "code-hash"
	wantErr(t, "a code hash twice", s.UpdateAccount(ctx(t), &b), directory.ErrConflict)

	noErr(t, "RecordDeliveryFailure", s.RecordDeliveryFailure(ctx(t), org.ID, a.ID, "550 no such user"))
	got, _ = s.Account(ctx(t), org.ID, a.ID)
	if got.LastDeliveryError != "550 no such user" || got.Version != a.Version {
		t.Fatalf("after a failure: error %q version %d; want the error and version %d", got.LastDeliveryError, got.Version, a.Version)
	}
	d := directory.Delivery{OrgID: org.ID, AccountID: a.ID, Generation: 3, Kind: "invitation", Recipient: "a@corp.com"}
	sent, err := s.Delivered(ctx(t), org.ID, a.ID, 3, "invitation")
	noErr(t, "Delivered", err)
	if sent {
		t.Fatal("Delivered before MarkDelivered")
	}
	added, err := s.MarkDelivered(ctx(t), d)
	noErr(t, "MarkDelivered", err)
	again, err := s.MarkDelivered(ctx(t), d)
	noErr(t, "MarkDelivered again", err)
	if !added || again {
		t.Fatalf("MarkDelivered = %v then %v; want true then false", added, again)
	}
	if sent, _ := s.Delivered(ctx(t), org.ID, a.ID, 3, "invitation"); !sent {
		t.Fatal("Delivered after MarkDelivered = false")
	}
	if sent, _ := s.Delivered(ctx(t), org.ID, a.ID, 4, "invitation"); sent {
		t.Fatal("a delivery counts for another generation")
	}
	got, _ = s.Account(ctx(t), org.ID, a.ID)
	if got.LastDeliveryError != "" || got.Version != a.Version {
		t.Fatalf("after delivery: error %q version %d", got.LastDeliveryError, got.Version)
	}
	noErr(t, "DeleteAccount with deliveries", s.DeleteAccount(ctx(t), org.ID, a.ID))
}

func testOutboxAndTemplates(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	base := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	for i, subject := range []string{"first", "second", "third"} {
		m := directory.OutboxMessage{OrgID: org.ID, Recipient: "a@corp.com", Subject: subject, Text: "t", HTML: "<p>h</p>",
			CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		noErr(t, "AppendOutbox", s.AppendOutbox(ctx(t), &m))
	}
	list, err := s.ListOutbox(ctx(t), org.ID, 2)
	noErr(t, "ListOutbox", err)
	if len(list) != 2 || list[0].Subject != "third" || list[1].Subject != "second" || list[0].HTML != "<p>h</p>" {
		t.Fatalf("outbox = %+v; want third, second", list)
	}
	other := mustOrg(t, s, "other")
	if list, _ := s.ListOutbox(ctx(t), other.ID, 10); len(list) != 0 {
		t.Fatalf("another organization reads %d outbox messages", len(list))
	}

	_, err = s.MessageTemplate(ctx(t), org.ID, "invitation")
	wantErr(t, "template before put", err, directory.ErrNotFound)
	tpl := directory.MessageTemplate{OrgID: org.ID, Kind: "invitation", Subject: "Join {{.OrgName}}", Text: "t", HTML: "h"}
	noErr(t, "PutMessageTemplate", s.PutMessageTemplate(ctx(t), &tpl))
	tpl.Subject = "Welcome to {{.OrgName}}"
	noErr(t, "PutMessageTemplate again", s.PutMessageTemplate(ctx(t), &tpl))
	got, err := s.MessageTemplate(ctx(t), org.ID, "invitation")
	noErr(t, "MessageTemplate", err)
	if got.Subject != "Welcome to {{.OrgName}}" {
		t.Fatalf("template = %+v", got)
	}
}

// testUpdateInvitation: the narrow write of the invitation paths changes
// the invitation fields and the version, and nothing an IdP wrote.
func testUpdateInvitation(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	a := mustAccount(t, s, org.ID, "ada")
	a.Title, a.Emails = "Engineer", []directory.Email{{Type: "work", Value: "ada@corp.com", Primary: true}}
	noErr(t, "UpdateAccount", s.UpdateAccount(ctx(t), &a))
	before := a

	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	expires := at.Add(14 * 24 * time.Hour)
	a.State, a.InvitedAt, a.InviteGeneration, a.InviteExpiresAt = directory.StateInvited, &at, 7, &expires
	a.AccessCodeHash, a.AccessCodeGeneration, a.AccessCodeExpiresAt = "narrow-code", 2, &expires
	a.Title = "ignored: not an invitation field"
	noErr(t, "UpdateInvitation", s.UpdateInvitation(ctx(t), &a))
	if a.Version != before.Version+1 {
		t.Fatalf("version after UpdateInvitation = %d; want %d", a.Version, before.Version+1)
	}
	got, err := s.Account(ctx(t), org.ID, a.ID)
	noErr(t, "Account", err)
	if got.State != directory.StateInvited || !got.InvitedAt.Equal(at) || got.InviteGeneration != 7 ||
		!got.InviteExpiresAt.Equal(expires) || got.AccessCodeHash != "narrow-code" || got.AccessCodeGeneration != 2 ||
		got.Version != a.Version || !got.UpdatedAt.Equal(a.UpdatedAt) {
		t.Fatalf("read back = %+v; want the invitation written (in-memory %+v)", got, a)
	}
	if got.Title != "Engineer" || len(got.Emails) != 1 || got.Emails[0].Value != "ada@corp.com" {
		t.Fatalf("UpdateInvitation changed other fields: title %q emails %+v", got.Title, got.Emails)
	}
	if found, err := s.AccountByAccessCode(ctx(t), "narrow-code"); err != nil || found.ID != a.ID {
		t.Fatalf("AccountByAccessCode after UpdateInvitation = %v, %v", found.ID, err)
	}

	stale := before
	stale.State = directory.StateNotInvited
	wantErr(t, "a stale version", s.UpdateInvitation(ctx(t), &stale), directory.ErrVersionMismatch)
	missing := a
	missing.ID = "no-such-account"
	wantErr(t, "a missing account", s.UpdateInvitation(ctx(t), &missing), directory.ErrNotFound)
	bad := a
	bad.State = "bogus"
	wantErr(t, "an unknown state", s.UpdateInvitation(ctx(t), &bad), directory.ErrInvalid)

	b := mustAccount(t, s, org.ID, "bob")
	b.AccessCodeHash = "narrow-code"
	wantErr(t, "a code hash twice", s.UpdateInvitation(ctx(t), &b), directory.ErrConflict)
}
