package storetest

import (
	"errors"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func testTransactions(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	err := s.InTx(ctx(t), func(tx directory.Store) error {
		a := mustAccount(t, tx, org.ID, "committed")
		g := mustGroup(t, tx, org.ID, "Committed")
		_, err := tx.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{{ID: a.ID, Type: directory.MemberUser}})
		return err
	})
	noErr(t, "InTx commit", err)
	_, err = s.AccountByUserName(ctx(t), org.ID, "committed")
	noErr(t, "committed account", err)

	boom := errors.New("boom")
	err = s.InTx(ctx(t), func(tx directory.Store) error {
		mustAccount(t, tx, org.ID, "rolled-back")
		if err := tx.AppendAudit(ctx(t), &directory.AuditEvent{OrgID: org.ID, ActorType: directory.ActorCLI, Action: "x"}); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, "InTx returns fn's error", err, boom)
	_, err = s.AccountByUserName(ctx(t), org.ID, "rolled-back")
	wantErr(t, "rolled-back account", err, directory.ErrNotFound)
	events, err := s.ListAudit(ctx(t), org.ID, directory.AuditQuery{})
	noErr(t, "ListAudit", err)
	if len(events) != 0 {
		t.Fatalf("rolled-back audit events = %d; want 0", len(events))
	}

	// A failing statement inside the transaction rolls back earlier ones.
	err = s.InTx(ctx(t), func(tx directory.Store) error {
		mustAccount(t, tx, org.ID, "first-of-two")
		dup := directory.Account{OrgID: org.ID, UserName: "COMMITTED", State: directory.StateNotInvited}
		return tx.CreateAccount(ctx(t), &dup)
	})
	wantErr(t, "conflict inside InTx", err, directory.ErrConflict)
	_, err = s.AccountByUserName(ctx(t), org.ID, "first-of-two")
	wantErr(t, "account before the failed statement", err, directory.ErrNotFound)
}

func testPing(t *testing.T, s directory.Store) {
	noErr(t, "Ping", s.Ping(ctx(t)))
}

// testTransactionRecoversFromConflict: a caller may handle an expected
// error inside InTx (another replica created the row first) and carry on;
// the failed statement must not doom the rest of the transaction.
func testTransactionRecoversFromConflict(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	mustAccount(t, s, org.ID, "taken")
	err := s.InTx(ctx(t), func(tx directory.Store) error {
		dupOrg := directory.Organization{Slug: "acme", Name: "again"}
		wantErr(t, "duplicate org in tx", tx.CreateOrganization(ctx(t), &dupOrg), directory.ErrConflict)
		dupAccount := directory.Account{OrgID: org.ID, UserName: "TAKEN", State: directory.StateNotInvited}
		wantErr(t, "duplicate account in tx", tx.CreateAccount(ctx(t), &dupAccount), directory.ErrConflict)
		dupGroup := mustGroup(t, tx, org.ID, "Unique")
		again := directory.Group{OrgID: org.ID, DisplayName: "unique"}
		wantErr(t, "duplicate group in tx", tx.CreateGroup(ctx(t), &again), directory.ErrConflict)
		stale := dupGroup
		stale.Version = 99
		wantErr(t, "stale group update in tx", tx.UpdateGroup(ctx(t), &stale), directory.ErrVersionMismatch)
		tok := directory.ScimToken{OrgID: "missing", Name: "x", Hash: "h"}
		wantErr(t, "token of unknown org in tx", tx.CreateScimToken(ctx(t), &tok), directory.ErrNotFound)
		mustAccount(t, tx, org.ID, "after-the-errors")
		return nil
	})
	noErr(t, "InTx after handled errors", err)
	_, err = s.AccountByUserName(ctx(t), org.ID, "after-the-errors")
	noErr(t, "account written after handled errors", err)
}

// testConflictingCreateWritesNothing: a create that loses on userName
// writes none of its emails either, outside a transaction or inside one,
// which then carries on; a create that wins writes them all, in order.
func testConflictingCreateWritesNothing(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	first := directory.Account{OrgID: org.ID, UserName: "taken", Active: true, State: directory.StateNotInvited,
		Emails: []directory.Email{{Type: "work", Value: "first@x.example", Primary: true}}}
	noErr(t, "CreateAccount(first)", s.CreateAccount(ctx(t), &first))
	rival := func() *directory.Account {
		return &directory.Account{OrgID: org.ID, UserName: "TAKEN", Active: true, State: directory.StateNotInvited,
			Emails: []directory.Email{{Type: "work", Value: "second@x.example"}, {Type: "home", Value: "third@x.example", Primary: true}}}
	}
	wantErr(t, "conflicting create", s.CreateAccount(ctx(t), rival()), directory.ErrConflict)
	var after directory.Account
	err := s.InTx(ctx(t), func(tx directory.Store) error {
		wantErr(t, "conflicting create in tx", tx.CreateAccount(ctx(t), rival()), directory.ErrConflict)
		after = directory.Account{OrgID: org.ID, UserName: "after", Active: true, State: directory.StateNotInvited,
			Emails: []directory.Email{{Type: "work", Value: "a1@y.example"}, {Type: "other", Value: "a2@y.example", Primary: true}, {Value: "a3@y.example"}}}
		return tx.CreateAccount(ctx(t), &after)
	})
	noErr(t, "InTx after a conflicting create", err)

	page, err := s.FindAccounts(ctx(t), org.ID, directory.ListQuery{
		Filter: directory.Compare{Attr: directory.AttrEmailValue, Op: directory.OpEw, Value: "@x.example"}, Limit: 10, WithTotal: true})
	noErr(t, "FindAccounts(emails ew @x.example)", err)
	if page.Total != 1 || len(page.Accounts) != 1 || page.Accounts[0].ID != first.ID || len(page.Accounts[0].Emails) != 1 {
		t.Fatalf("accounts with an @x.example email = %+v (total %d); want only the first, with its one email", page.Accounts, page.Total)
	}
	got, err := s.Account(ctx(t), org.ID, after.ID)
	noErr(t, "Account(after)", err)
	if len(got.Emails) != 3 || got.Emails[0].Value != "a1@y.example" || !got.Emails[1].Primary || got.Emails[2].Value != "a3@y.example" {
		t.Fatalf("emails of the account created after the conflict = %+v; want all three in order", got.Emails)
	}
}
