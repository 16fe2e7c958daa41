package storetest

import (
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// testTextLimits: values some backend cannot store or index are refused
// the same way everywhere, as ErrInvalid, and nothing is written.
func testTextLimits(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	base := func() directory.Account {
		return directory.Account{OrgID: org.ID, UserName: "ok", State: directory.StateNotInvited}
	}
	long := strings.Repeat("x", directory.MaxTextLength+1)
	cases := map[string]func(a *directory.Account){
		"NUL in userName":           func(a *directory.Account) { a.UserName = "a\x00b" },
		"invalid UTF-8 userName":    func(a *directory.Account) { a.UserName = "a\xffb" },
		"huge title":                func(a *directory.Account) { a.Title = long },
		"huge externalId":           func(a *directory.Account) { a.ExternalID = long },
		"huge email":                func(a *directory.Account) { a.Emails = []directory.Email{{Value: long}} },
		"NUL in resource":           func(a *directory.Account) { a.Resource = []byte(`{"x":"\u0000"}`) },
		"invalid UTF-8 in resource": func(a *directory.Account) { a.Resource = []byte("{\"x\":\"\xff\"}") },
	}
	for name, mutate := range cases {
		a := base()
		mutate(&a)
		wantErr(t, name, s.CreateAccount(ctx(t), &a), directory.ErrInvalid)
	}
	g := directory.Group{OrgID: org.ID, DisplayName: "g", ExternalID: long}
	wantErr(t, "huge group externalId", s.CreateGroup(ctx(t), &g), directory.ErrInvalid)
	e := directory.AuditEvent{OrgID: org.ID, ActorType: directory.ActorCLI, Action: "x", Details: []byte(`{`)}
	wantErr(t, "audit details that are not JSON", s.AppendAudit(ctx(t), &e), directory.ErrInvalid)
	if n, err := s.CountAccounts(ctx(t), org.ID); err != nil || n != 0 {
		t.Fatalf("accounts after refused writes = %d, %v; want 0", n, err)
	}
	ok := base()
	ok.Title = strings.Repeat("é", directory.MaxTextLength/2) // multi-byte, exactly at the limit
	noErr(t, "title at the limit", s.CreateAccount(ctx(t), &ok))
}

// testLargeMemberLists: one call may name more members than one statement
// should bind (backends must split the work; 1,100 members cross the
// 1,000-row batches gormstore uses, without making the suite slow).
func testLargeMemberLists(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	g := mustGroup(t, s, org.ID, "Everyone")
	const n = 1100
	members := make([]directory.Member, 0, n)
	ids := make([]string, 0, n)
	err := s.InTx(ctx(t), func(tx directory.Store) error {
		for i := range n {
			a := mustAccount(t, tx, org.ID, name("bulk", i))
			members = append(members, directory.Member{ID: a.ID, Type: directory.MemberUser})
			ids = append(ids, a.ID)
		}
		return nil
	})
	noErr(t, "create accounts", err)
	added, err := s.AddMembers(ctx(t), org.ID, g.ID, members)
	noErr(t, "AddMembers(1100)", err)
	if added != n || memberCount(t, s, org.ID, g.ID) != n {
		t.Fatalf("added %d; want %d", added, n)
	}
	removed, err := s.RemoveMembers(ctx(t), org.ID, g.ID, ids)
	noErr(t, "RemoveMembers(1100)", err)
	if removed != n || memberCount(t, s, org.ID, g.ID) != 0 {
		t.Fatalf("removed %d; want %d", removed, n)
	}
}
