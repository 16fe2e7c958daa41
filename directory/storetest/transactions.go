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
