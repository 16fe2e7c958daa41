package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// fullAccount sets every field, including a resource with an extension and
// attributes Latchkey does not model, which must come back unchanged.
func fullAccount(orgID string) directory.Account {
	return directory.Account{
		OrgID: orgID, UserName: "Ada.Lovelace@Example.com", ExternalID: "00u1ab",
		DisplayName: "Ada Lovelace", GivenName: "Ada", FamilyName: "Lovelace",
		Emails: []directory.Email{
			{Type: "work", Value: "Ada.Lovelace@Example.com", Primary: true},
			{Type: "home", Value: "ada@home.example"},
		},
		Active: true, State: directory.StateInvited, AuthMethod: directory.AuthSSO, Frontline: true,
		Title: "Analyst", Department: "Engines", Division: "R&D", Organization: "Babbage Ltd",
		CostCenter: "CC-1", EmployeeNumber: "E-1815", Location: "London", ManagerID: "mgr-1",
		StartDate: ptr(at(1, 0)), InvitedAt: ptr(at(2, 123456)), SignInName: "Ada.L",
		Resource: json.RawMessage(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:custom:1.0"],` +
			`"userName":"Ada.Lovelace@Example.com","urn:example:custom:1.0":{"shoe":{"size":38,"colors":["red"]}},` +
			`"x-unmodelled":[1,2.5,null,true,"ü"]}`),
	}
}

func testAccountRoundTrip(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	in := fullAccount(org.ID)
	created := in
	noErr(t, "CreateAccount", s.CreateAccount(ctx(t), &created))
	if !urlSafeID.MatchString(created.ID) || created.Version != 1 || created.CreatedAt.IsZero() || !created.UpdatedAt.Equal(created.CreatedAt) {
		t.Fatalf("created = id %q version %d created %v updated %v; want a URL-safe id, version 1, equal timestamps",
			created.ID, created.Version, created.CreatedAt, created.UpdatedAt)
	}
	got, err := s.Account(ctx(t), org.ID, created.ID)
	noErr(t, "Account", err)
	checkAccountFields(t, got, in)
	sameJSON(t, "resource", got.Resource, in.Resource)
	if !got.CreatedAt.Equal(created.CreatedAt) {
		t.Fatalf("CreatedAt read back %v; want %v", got.CreatedAt, created.CreatedAt)
	}
	byName, err := s.AccountByUserName(ctx(t), org.ID, "ada.lovelace@example.COM")
	noErr(t, "AccountByUserName (other case)", err)
	if byName.ID != created.ID {
		t.Fatalf("AccountByUserName id = %q; want %q", byName.ID, created.ID)
	}
	if got.PrimaryEmail() != "Ada.Lovelace@Example.com" {
		t.Fatalf("PrimaryEmail = %q", got.PrimaryEmail())
	}
}

func checkAccountFields(t *testing.T, got, want directory.Account) {
	t.Helper()
	type scalar struct{ name, got, want string }
	for _, f := range []scalar{
		{"UserName", got.UserName, want.UserName}, {"ExternalID", got.ExternalID, want.ExternalID},
		{"DisplayName", got.DisplayName, want.DisplayName}, {"GivenName", got.GivenName, want.GivenName},
		{"FamilyName", got.FamilyName, want.FamilyName}, {"State", string(got.State), string(want.State)},
		{"AuthMethod", string(got.AuthMethod), string(want.AuthMethod)}, {"Title", got.Title, want.Title},
		{"Department", got.Department, want.Department}, {"Division", got.Division, want.Division},
		{"Organization", got.Organization, want.Organization}, {"CostCenter", got.CostCenter, want.CostCenter},
		{"EmployeeNumber", got.EmployeeNumber, want.EmployeeNumber}, {"Location", got.Location, want.Location},
		{"ManagerID", got.ManagerID, want.ManagerID}, {"SignInName", got.SignInName, want.SignInName},
	} {
		if f.got != f.want {
			t.Errorf("%s = %q; want %q", f.name, f.got, f.want)
		}
	}
	if got.Active != want.Active || got.Frontline != want.Frontline {
		t.Errorf("Active, Frontline = %v, %v; want %v, %v", got.Active, got.Frontline, want.Active, want.Frontline)
	}
	if len(got.Emails) != len(want.Emails) {
		t.Fatalf("Emails = %+v; want %+v", got.Emails, want.Emails)
	}
	for i := range want.Emails {
		if got.Emails[i] != want.Emails[i] {
			t.Errorf("Emails[%d] = %+v; want %+v", i, got.Emails[i], want.Emails[i])
		}
	}
	sameTime(t, "StartDate", got.StartDate, want.StartDate)
	sameTime(t, "InvitedAt", got.InvitedAt, want.InvitedAt)
	sameTime(t, "ClaimedAt", got.ClaimedAt, want.ClaimedAt)
	sameTime(t, "DeactivatedAt", got.DeactivatedAt, want.DeactivatedAt)
}

func testAccountUserNameUnique(t *testing.T, s directory.Store) {
	acme := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	first := mustAccount(t, s, acme.ID, "Alice@Corp.com")

	dup := directory.Account{OrgID: acme.ID, UserName: "alice@corp.COM", Active: true, State: directory.StateNotInvited,
		Emails: []directory.Email{{Value: "x@y.z"}}}
	wantErr(t, "same userName in other case", s.CreateAccount(ctx(t), &dup), directory.ErrConflict)

	mustAccount(t, s, other.ID, "alice@corp.com") // another organization may reuse it

	n, err := s.CountAccounts(ctx(t), acme.ID)
	noErr(t, "CountAccounts", err)
	if n != 1 {
		t.Fatalf("accounts in acme = %d after a refused duplicate; want 1 (nothing half-written)", n)
	}
	second := mustAccount(t, s, acme.ID, "bob@corp.com")
	second.UserName = "ALICE@corp.com"
	wantErr(t, "rename onto a taken userName", s.UpdateAccount(ctx(t), &second), directory.ErrConflict)
	stored, err := s.Account(ctx(t), acme.ID, second.ID)
	noErr(t, "Account", err)
	if stored.UserName != "bob@corp.com" || stored.Version != 1 {
		t.Fatalf("after refused rename: %q v%d; want bob@corp.com v1", stored.UserName, stored.Version)
	}
	_ = first
}

func testAccountValidation(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	year0 := time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC)
	year10k := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	long := make([]byte, directory.MaxUserNameLength+1)
	for i := range long {
		long[i] = 'a'
	}
	for name, a := range map[string]directory.Account{
		"empty userName":   {OrgID: org.ID, UserName: " ", State: directory.StateNotInvited},
		"long userName":    {OrgID: org.ID, UserName: string(long), State: directory.StateNotInvited},
		"unknown state":    {OrgID: org.ID, UserName: "a", State: "pending"},
		"bad auth method":  {OrgID: org.ID, UserName: "a", State: directory.StateNotInvited, AuthMethod: "kerberos"},
		"broken resource":  {OrgID: org.ID, UserName: "a", State: directory.StateNotInvited, Resource: []byte(`{"a":`)},
		"empty email":      {OrgID: org.ID, UserName: "a", State: directory.StateNotInvited, Emails: []directory.Email{{Type: "work"}}},
		"start year 0":     {OrgID: org.ID, UserName: "a", State: directory.StateNotInvited, StartDate: &year0},
		"start year 10000": {OrgID: org.ID, UserName: "a", State: directory.StateNotInvited, StartDate: &year10k},
	} {
		wantErr(t, name, s.CreateAccount(ctx(t), &a), directory.ErrInvalid)
	}
	n, err := s.CountAccounts(ctx(t), org.ID)
	noErr(t, "CountAccounts", err)
	if n != 0 {
		t.Fatalf("accounts = %d after invalid creates; want 0", n)
	}
}

func testAccountUpdate(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	a := fullAccount(org.ID)
	noErr(t, "CreateAccount", s.CreateAccount(ctx(t), &a))
	created := a

	a.DisplayName = "Countess of Lovelace"
	a.Emails = []directory.Email{{Type: "work", Value: "ada@new.example", Primary: true}}
	a.State = directory.StateClaimed
	a.ClaimedAt = ptr(at(3, 7))
	a.Resource = json.RawMessage(`{"userName":"Ada.Lovelace@Example.com","nickName":"Ada"}`)
	a.ExternalID = ""
	noErr(t, "UpdateAccount", s.UpdateAccount(ctx(t), &a))
	if a.Version != 2 || !a.CreatedAt.Equal(created.CreatedAt) || a.UpdatedAt.Before(created.UpdatedAt) {
		t.Fatalf("after update: version %d created %v updated %v; want 2, unchanged creation, later update",
			a.Version, a.CreatedAt, a.UpdatedAt)
	}
	got, err := s.Account(ctx(t), org.ID, a.ID)
	noErr(t, "Account", err)
	checkAccountFields(t, got, a)
	sameJSON(t, "resource", got.Resource, a.Resource)

	stale := created // still at version 1
	stale.DisplayName = "Lost update"
	wantErr(t, "update from a stale version", s.UpdateAccount(ctx(t), &stale), directory.ErrVersionMismatch)

	ghost := a
	ghost.ID = "no-such-account"
	wantErr(t, "update of a missing account", s.UpdateAccount(ctx(t), &ghost), directory.ErrNotFound)
}

// testAccountConcurrentUpdate: of writers racing from the same version,
// exactly one wins; the rest learn the version moved.
func testAccountConcurrentUpdate(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	a := mustAccount(t, s, org.ID, "race@corp.com")
	const writers = 8
	errs := make(chan error, writers)
	for i := range writers {
		go func() {
			mine := a
			mine.DisplayName = name("writer", i)
			errs <- s.UpdateAccount(ctx(t), &mine)
		}()
	}
	wins := 0
	for range writers {
		err := <-errs
		switch {
		case err == nil:
			wins++
		case !isVersionMismatch(err):
			t.Fatalf("racing update: %v; want nil or ErrVersionMismatch", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d racing updates won; want exactly 1", wins)
	}
}

func testAccountDelete(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	a := fullAccount(org.ID)
	noErr(t, "CreateAccount", s.CreateAccount(ctx(t), &a))
	g := mustGroup(t, s, org.ID, "Engineers")
	_, err := s.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{{ID: a.ID, Type: directory.MemberUser}})
	noErr(t, "AddMembers", err)

	noErr(t, "DeleteAccount", s.DeleteAccount(ctx(t), org.ID, a.ID))
	_, err = s.Account(ctx(t), org.ID, a.ID)
	wantErr(t, "read after delete", err, directory.ErrNotFound)
	wantErr(t, "second delete", s.DeleteAccount(ctx(t), org.ID, a.ID), directory.ErrNotFound)
	n, err := s.CountMembers(ctx(t), org.ID, g.ID)
	noErr(t, "CountMembers", err)
	if n != 0 {
		t.Fatalf("group still has %d members after the account was deleted", n)
	}
	// The userName is free again, and the new account gets a new id.
	again := mustAccount(t, s, org.ID, a.UserName)
	if again.ID == a.ID {
		t.Fatalf("a deleted account's id %q was reused", a.ID)
	}
}

func testAccountListPages(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	const total = 25
	want := map[string]bool{}
	for i := range total {
		want[mustAccount(t, s, org.ID, name("user", i)).ID] = true
	}
	mustAccount(t, s, other.ID, "stranger")

	seen := map[string]bool{}
	after := ""
	for page := 0; ; page++ {
		got, err := s.ListAccounts(ctx(t), org.ID, directory.AccountQuery{Limit: 10, After: after})
		noErr(t, "ListAccounts", err)
		if len(got) == 0 {
			break
		}
		if page > total {
			t.Fatal("pagination does not end")
		}
		for _, a := range got {
			if seen[a.ID] || !want[a.ID] {
				t.Fatalf("page %d returned %q twice or from another organization", page, a.UserName)
			}
			seen[a.ID] = true
		}
		after = got[len(got)-1].ID
	}
	if len(seen) != total {
		t.Fatalf("walked %d accounts; want %d", len(seen), total)
	}
	n, err := s.CountAccounts(ctx(t), org.ID)
	noErr(t, "CountAccounts", err)
	if n != total {
		t.Fatalf("CountAccounts = %d; want %d", n, total)
	}
}

func testOrganizationIsolation(t *testing.T, s directory.Store) {
	acme := mustOrg(t, s, "acme")
	rival := mustOrg(t, s, "rival")
	a := mustAccount(t, s, acme.ID, "secret@acme.com")
	g := mustGroup(t, s, acme.ID, "Acme staff")

	_, err := s.Account(ctx(t), rival.ID, a.ID)
	wantErr(t, "read another org's account", err, directory.ErrNotFound)
	_, err = s.AccountByUserName(ctx(t), rival.ID, a.UserName)
	wantErr(t, "find another org's userName", err, directory.ErrNotFound)
	foreign := a
	foreign.OrgID = rival.ID
	wantErr(t, "update another org's account", s.UpdateAccount(ctx(t), &foreign), directory.ErrNotFound)
	wantErr(t, "delete another org's account", s.DeleteAccount(ctx(t), rival.ID, a.ID), directory.ErrNotFound)
	_, err = s.Group(ctx(t), rival.ID, g.ID)
	wantErr(t, "read another org's group", err, directory.ErrNotFound)

	rivalGroup := mustGroup(t, s, rival.ID, "Rival staff")
	_, err = s.AddMembers(ctx(t), rival.ID, rivalGroup.ID, []directory.Member{{ID: a.ID, Type: directory.MemberUser}})
	wantErr(t, "add another org's account as member", err, directory.ErrNotFound)

	list, err := s.ListAccounts(ctx(t), rival.ID, directory.AccountQuery{})
	noErr(t, "ListAccounts", err)
	if len(list) != 0 {
		t.Fatalf("rival lists %d accounts; want 0", len(list))
	}
}

func isVersionMismatch(err error) bool { return errors.Is(err, directory.ErrVersionMismatch) }
