package storetest

import (
	"slices"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// testFindGroups: group attributes, membership filters, sorting, paging
// and what groups do not allow.
func testFindGroups(t *testing.T, s directory.Store) {
	p := seed(t, s)
	alice, bob := p.accounts["alice"].ID, p.accounts["bob"].ID
	eng := p.groups["Engineering"].ID
	all := []string{"Engineering", "Sales", "Ventes Été", "Everyone", "Empty", "100% Club"}
	for _, tc := range []findCase{
		{"no filter", nil, all},
		{"displayName eq, other case", eq(directory.AttrDisplayName, "ENGINEERING"), []string{"Engineering"}},
		{"displayName co, non-ASCII", cond(directory.AttrDisplayName, directory.OpCo, "ÉTÉ"), []string{"Ventes Été"}},
		{"displayName co %", cond(directory.AttrDisplayName, directory.OpCo, "%"), []string{"100% Club"}},
		{"externalId eq", eq(directory.AttrExternalID, "G-ENG"), []string{"Engineering"}},
		{"externalId eq is exact", eq(directory.AttrExternalID, "g-eng"), nil},
		{"externalId pr", pr(directory.AttrExternalID), []string{"Engineering", "Sales"}},
		{"members.value eq", eq(directory.AttrMemberValue, alice), []string{"Engineering", "Everyone"}},
		{"members.type eq Group", eq(directory.AttrMemberType, "Group"), []string{"Everyone"}},
		{"members[value eq and type eq]", directory.Has{Attr: directory.AttrMembers, Filter: directory.And{
			eq(directory.AttrMemberValue, bob), eq(directory.AttrMemberType, "User")}}, []string{"Engineering", "Everyone"}},
		{"members[value eq group and type eq User]", directory.Has{Attr: directory.AttrMembers, Filter: directory.And{
			eq(directory.AttrMemberValue, eng), eq(directory.AttrMemberType, "User")}}, nil},
		{"not members.value pr", not(pr(directory.AttrMemberValue)), []string{"Empty"}},
		{"not members", not(directory.Has{Attr: directory.AttrMembers}), []string{"Empty"}},
		{"members.value eq another org's account", eq(directory.AttrMemberValue, p.rivalAccount["alice"].ID), nil},
		{"meta.created pr", pr(directory.AttrCreated), all},
		{"id eq or", directory.Or{eq(directory.AttrID, eng), eq(directory.AttrID, p.groups["Empty"].ID)}, []string{"Engineering", "Empty"}},
	} {
		page, err := s.FindGroups(ctx(t), p.org.ID, directory.ListQuery{Filter: tc.filter, Limit: 100, WithTotal: true})
		noErr(t, "FindGroups "+tc.name, err)
		sameSet(t, tc.name, groupNames(page.Groups), tc.want)
		if page.Total != int64(len(tc.want)) {
			t.Errorf("%s: Total = %d; want %d", tc.name, page.Total, len(tc.want))
		}
	}
	checkGroupOrder(t, s, p)
	checkGroupInvalid(t, s, p)
}

func groupNames(groups []directory.Group) []string {
	out := make([]string, 0, len(groups))
	for _, g := range groups {
		out = append(out, g.DisplayName)
	}
	return out
}

func checkGroupOrder(t *testing.T, s directory.Store, p *population) {
	byName := []string{"100% Club", "Empty", "Engineering", "Everyone", "Sales", "Ventes Été"}
	byExt := []string{"Engineering", "Sales", "Ventes Été", "Everyone", "Empty", "100% Club"} // G-ENG, g-sales, then absent by id
	for _, tc := range []struct {
		by   directory.Attr
		want []string
	}{
		{directory.AttrDisplayName, byName},
		{directory.AttrExternalID, byExt},
		{"", byExt}, // id: creation order
		{directory.AttrCreated, byExt},
	} {
		for _, desc := range []bool{false, true} {
			want := slices.Clone(tc.want)
			if desc {
				slices.Reverse(want)
			}
			var got []string
			q := directory.ListQuery{SortBy: tc.by, Descending: desc, Limit: 4}
			for range want {
				page, err := s.FindGroups(ctx(t), p.org.ID, q)
				noErr(t, "FindGroups", err)
				got = append(got, groupNames(page.Groups)...)
				if q.After = page.NextCursor; q.After == "" {
					break
				}
			}
			sameOrder(t, "groups by "+string(tc.by)+direction(desc), got, want)
		}
	}
	page, err := s.FindGroups(ctx(t), p.org.ID, directory.ListQuery{WithTotal: true})
	noErr(t, "FindGroups(count only)", err)
	if len(page.Groups) != 0 || page.Total != int64(len(byName)) {
		t.Errorf("count only: %d groups, total %d; want 0, %d", len(page.Groups), page.Total, len(byName))
	}
}

func checkGroupInvalid(t *testing.T, s directory.Store, p *population) {
	in := func(f directory.Filter) directory.ListQuery { return directory.ListQuery{Filter: f} }
	for name, q := range map[string]directory.ListQuery{
		"account attribute":      in(eq(directory.AttrUserName, "x")),
		"email attribute":        in(eq(directory.AttrEmailValue, "x")),
		"has on emails":          in(directory.Has{Attr: directory.AttrEmails}),
		"group field in has":     in(directory.Has{Attr: directory.AttrMembers, Filter: eq(directory.AttrDisplayName, "x")}),
		"boolean for member":     in(eq(directory.AttrMemberValue, true)),
		"sort by member":         {SortBy: directory.AttrMemberValue},
		"sort by account column": {SortBy: directory.AttrUserName},
		"garbage cursor":         {After: "e30"}, // base64url of {}
	} {
		_, err := s.FindGroups(ctx(t), p.org.ID, q)
		wantErr(t, name, err, directory.ErrInvalid)
	}
}
