package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// exportSeed is a small population with everything an export writes: a
// manager, invited people with links and codes, someone without email,
// and people in another organization.
func exportSeed(t *testing.T, s directory.Store, orgID, otherOrgID string) []directory.Account {
	t.Helper()
	invited, linkTo, codeTo := at(2, 0), at(20, 0), at(25, 0)
	claimed := at(3, 0)
	boss := directory.Account{OrgID: orgID, UserName: "boss", DisplayName: "Big Boss", EmployeeNumber: "E-1",
		Active: true, State: directory.StateClaimed, AuthMethod: directory.AuthSSO, InvitedAt: &invited, ClaimedAt: &claimed,
		Emails: []directory.Email{{Type: "work", Value: "boss@acme.example", Primary: true}}}
	noErr(t, "CreateAccount boss", s.CreateAccount(ctx(t), &boss))
	stranger := directory.Account{OrgID: otherOrgID, UserName: "stranger", DisplayName: "Not Ours", EmployeeNumber: "X-9",
		Active: true, State: directory.StateNotInvited}
	noErr(t, "CreateAccount stranger", s.CreateAccount(ctx(t), &stranger))

	people := []directory.Account{
		{UserName: "ann", DisplayName: "Ann Example", GivenName: "Ann", FamilyName: "Example", EmployeeNumber: "E-2",
			Title: "Rep", Department: "Sales", Division: "EMEA", Location: "Paris", ManagerID: boss.ID,
			Active: true, State: directory.StateInvited, InvitedAt: &invited, InviteGeneration: 3, InviteExpiresAt: &linkTo,
			Emails: []directory.Email{{Type: "home", Value: "ann@home.example"}, {Type: "work", Value: "ann@acme.example", Primary: true}}},
		{UserName: "frontline", DisplayName: "Fran Line", Department: "Sales", ManagerID: boss.ID,
			Active: true, State: directory.StateInvited, InvitedAt: &invited, InviteGeneration: 1, InviteExpiresAt: &linkTo,
			AccessCodeHash: "hash-of-code", AccessCodeGeneration: 2, AccessCodeExpiresAt: &codeTo},
		{UserName: "gone", DisplayName: "Gone Away", Department: "Support", ManagerID: stranger.ID,
			Active: false, State: directory.StateNotInvited,
			Emails: []directory.Email{{Type: "work", Value: "gone@acme.example"}}},
	}
	for i := range people {
		people[i].OrgID = orgID
		noErr(t, "CreateAccount "+people[i].UserName, s.CreateAccount(ctx(t), &people[i]))
	}
	return append([]directory.Account{boss}, people...)
}

// exportRowOf is what ExportRows should return for a stored account.
func exportRowOf(a directory.Account, manager *directory.Account) directory.ExportRow {
	want := directory.Account{OrgID: a.OrgID, ID: a.ID, UserName: a.UserName, DisplayName: a.DisplayName,
		GivenName: a.GivenName, FamilyName: a.FamilyName, EmployeeNumber: a.EmployeeNumber, Title: a.Title,
		Department: a.Department, Division: a.Division, Location: a.Location, AuthMethod: a.AuthMethod,
		State: a.State, Active: a.Active, InvitedAt: a.InvitedAt, ClaimedAt: a.ClaimedAt,
		InviteGeneration: a.InviteGeneration, InviteExpiresAt: a.InviteExpiresAt, AccessCodeHash: a.AccessCodeHash,
		AccessCodeGeneration: a.AccessCodeGeneration, AccessCodeExpiresAt: a.AccessCodeExpiresAt}
	if want.AuthMethod == "" {
		want.AuthMethod = directory.AuthPassword
	}
	if email := a.PrimaryEmail(); email != "" {
		want.Emails = []directory.Email{{Value: email, Primary: true}}
	}
	r := directory.ExportRow{Account: want}
	if manager != nil {
		r.ManagerName, r.ManagerEmployeeNumber = manager.DisplayName, manager.EmployeeNumber
	}
	return r
}

// testExportRows: ExportRows reads exactly what an export writes, with
// the manager's name and employee number (none for a manager outside the
// organization), pages by id without gaps or repeats, filters with the
// query language and never crosses organizations.
func testExportRows(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	seeded := exportSeed(t, s, org.ID, other.ID)
	boss := seeded[0]
	want := map[string]directory.ExportRow{}
	for _, a := range seeded {
		var manager *directory.Account
		if a.ManagerID == boss.ID {
			manager = &boss
		}
		want[a.ID] = exportRowOf(a, manager)
	}

	all, err := s.ExportRows(ctx(t), org.ID, nil, "", 100)
	noErr(t, "ExportRows", err)
	if len(all) != len(seeded) {
		t.Fatalf("ExportRows returned %d rows; want %d (this org's accounts)", len(all), len(seeded))
	}
	for i, got := range all {
		if i > 0 && got.Account.ID <= all[i-1].Account.ID {
			t.Fatalf("rows out of id order: %q after %q", got.Account.ID, all[i-1].Account.ID)
		}
		if w := want[got.Account.ID]; !reflect.DeepEqual(normalizedRow(got), normalizedRow(w)) {
			t.Fatalf("row of %s =\n %+v\nwant\n %+v", got.Account.UserName, got, w)
		}
	}

	var paged []directory.ExportRow
	after := ""
	for range len(seeded) + 1 {
		page, err := s.ExportRows(ctx(t), org.ID, nil, after, 2)
		noErr(t, "ExportRows page", err)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].Account.ID
	}
	if !reflect.DeepEqual(paged, all) {
		t.Fatalf("pages of 2 returned %d rows; want the %d of one page, in the same order", len(paged), len(all))
	}
	one, err := s.ExportRows(ctx(t), org.ID, nil, "", 0)
	noErr(t, "ExportRows limit 0", err)
	if len(one) != 1 {
		t.Fatalf("ExportRows limit 0 returned %d rows; want 1 (clamped)", len(one))
	}

	checkExportRowFilters(t, s, org.ID, seeded)
}

func checkExportRowFilters(t *testing.T, s directory.Store, orgID string, seeded []directory.Account) {
	t.Helper()
	boss, ann, fran, gone := seeded[0], seeded[1], seeded[2], seeded[3]
	invited, _ := directory.StatusFilter(directory.StatusInvited)
	for _, tc := range []struct {
		name   string
		filter directory.Filter
		want   []string
	}{
		{"department", directory.Compare{Attr: directory.AttrDepartment, Op: directory.OpEq, Value: "sales"}, []string{ann.ID, fran.ID}},
		{"invited", invited, []string{ann.ID, fran.ID}},
		{"any email", directory.Compare{Attr: directory.AttrEmailValue, Op: directory.OpEw, Value: "@home.example"}, []string{ann.ID}},
		{"no email", directory.Not{Filter: directory.Compare{Attr: directory.AttrEmailValue, Op: directory.OpPr}}, []string{fran.ID}},
		{"deactivated", directory.Compare{Attr: directory.AttrActive, Op: directory.OpEq, Value: false}, []string{gone.ID}},
		{"manager", directory.Compare{Attr: directory.AttrManagerID, Op: directory.OpEq, Value: boss.ID}, []string{ann.ID, fran.ID}},
		{"nobody", directory.Compare{Attr: directory.AttrUserName, Op: directory.OpEq, Value: "stranger"}, nil},
	} {
		rows, err := s.ExportRows(ctx(t), orgID, tc.filter, "", 100)
		noErr(t, "ExportRows "+tc.name, err)
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.Account.ID)
		}
		if !sameIDs(ids, tc.want) {
			t.Fatalf("ExportRows %s = %v; want %v", tc.name, ids, tc.want)
		}
	}
	_, err := s.ExportRows(ctx(t), orgID, directory.Compare{Attr: "password", Op: directory.OpEq, Value: "x"}, "", 10)
	wantErr(t, "ExportRows with an unknown attribute", err, directory.ErrInvalid)
}

// sameIDs compares id lists as sets (ExportRows orders by id, which the
// seed does not know in advance).
func sameIDs(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, id := range got {
		seen[id] = true
	}
	for _, id := range want {
		if !seen[id] {
			return false
		}
	}
	return true
}

// normalizedRow makes times comparable with reflect.DeepEqual.
func normalizedRow(r directory.ExportRow) directory.ExportRow {
	a := &r.Account
	for _, p := range []**time.Time{&a.InvitedAt, &a.ClaimedAt, &a.InviteExpiresAt, &a.AccessCodeExpiresAt} {
		if *p != nil {
			u := (*p).UTC().Truncate(time.Microsecond)
			*p = &u
		}
	}
	return r
}
