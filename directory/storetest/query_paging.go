package storetest

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// sortValues give the value each account sorts by under an attribute,
// "" when absent: strings fold case and compare by code point; absent
// values sort last ascending (RFC 7644 §3.4.2.3); ties go by id.
var sortValues = map[directory.Attr]func(a directory.Account) string{
	"":                        func(directory.Account) string { return "" },
	directory.AttrUserName:    func(a directory.Account) string { return strings.ToLower(a.UserName) },
	directory.AttrDisplayName: func(a directory.Account) string { return strings.ToLower(a.DisplayName) },
	directory.AttrDepartment:  func(a directory.Account) string { return strings.ToLower(a.Department) },
	directory.AttrExternalID:  func(a directory.Account) string { return a.ExternalID },
	directory.AttrEmailValue:  func(a directory.Account) string { return strings.ToLower(a.PrimaryEmail()) },
	directory.AttrStartDate:   func(a directory.Account) string { return timeKey(a.StartDate) },
	directory.AttrCreated:     func(a directory.Account) string { return timeKey(&a.CreatedAt) },
	directory.AttrActive: func(a directory.Account) string {
		if a.Active {
			return "1"
		}
		return "0"
	},
}

func timeKey(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000")
}

// expectedOrder sorts keys as the store must. Descending reverses the
// whole order, tie-breaking included.
func (p *population) expectedOrder(keys []string, by directory.Attr, desc bool) []string {
	value := sortValues[by]
	out := slices.Clone(keys)
	slices.SortFunc(out, func(x, y string) int {
		a, b := p.accounts[x], p.accounts[y]
		va, vb := value(a), value(b)
		return cmp.Or(cmp.Compare(boolInt(va == ""), boolInt(vb == "")), strings.Compare(va, vb), strings.Compare(a.ID, b.ID))
	})
	if desc {
		slices.Reverse(out)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// testFindAccountsSortAndPage: explicit orders for a few people, then
// offset pages and full cursor walks under every sort, both directions.
func testFindAccountsSortAndPage(t *testing.T, s directory.Store) {
	p := seed(t, s)
	checkExplicitOrders(t, s, p)
	for by := range sortValues {
		for _, desc := range []bool{false, true} {
			want := p.expectedOrder(p.all(), by, desc)
			got := walk(t, s, p, directory.ListQuery{SortBy: by, Descending: desc, Limit: 4})
			sameOrder(t, "cursor walk by "+string(by)+direction(desc), got, want)
		}
	}
	checkOffsetPages(t, s, p)
	checkCounts(t, s, p)
}

func direction(desc bool) string {
	if desc {
		return " descending"
	}
	return ""
}

func checkExplicitOrders(t *testing.T, s directory.Store, p *population) {
	some := directory.Or{}
	for _, u := range []string{"alice", "bob", "emile", "zoe", "percent", "frank"} {
		some = append(some, eq(directory.AttrID, p.accounts[u].ID))
	}
	withExt := directory.Or{pr(directory.AttrExternalID), eq(directory.AttrFrontline, true)}
	for _, tc := range []struct {
		filter directory.Filter
		by     directory.Attr
		want   []string
	}{
		{some, directory.AttrDisplayName, []string{"percent", "alice", "bob", "zoe", "emile", "frank"}},
		{some, directory.AttrDepartment, []string{"alice", "bob", "zoe", "percent", "emile", "frank"}},
		{some, directory.AttrEmailValue, []string{"alice", "bob", "zoe", "emile", "percent", "frank"}},
		{some, directory.AttrActive, []string{"bob", "alice", "emile", "zoe", "percent", "frank"}},
		{withExt, directory.AttrExternalID, []string{"caps", "alice", "star", "bob", "frank"}},
		{nil, directory.AttrStartDate, plus([]string{"alice", "erin", "dave"}, p.allBut("alice", "erin", "dave")...)},
	} {
		for _, desc := range []bool{false, true} {
			page, err := s.FindAccounts(ctx(t), p.org.ID, directory.ListQuery{Filter: tc.filter, SortBy: tc.by, Descending: desc})
			noErr(t, "FindAccounts", err)
			want := slices.Clone(tc.want)
			if desc {
				slices.Reverse(want)
			}
			sameOrder(t, "sorted by "+string(tc.by)+direction(desc), p.keysOf(page.Accounts), want)
		}
	}
}

// walk follows NextCursor to the end, checking page sizes on the way.
func walk(t *testing.T, s directory.Store, p *population, q directory.ListQuery) []string {
	t.Helper()
	var keys []string
	for pages := 0; ; pages++ {
		if pages > len(people) {
			t.Fatal("cursor walk does not end")
		}
		page, err := s.FindAccounts(ctx(t), p.org.ID, q)
		noErr(t, "FindAccounts", err)
		keys = append(keys, p.keysOf(page.Accounts)...)
		if page.NextCursor == "" {
			return keys
		}
		if len(page.Accounts) != q.Limit {
			t.Fatalf("page of %d accounts has a NextCursor; want %d before the last page", len(page.Accounts), q.Limit)
		}
		q.After = page.NextCursor
	}
}

func checkOffsetPages(t *testing.T, s directory.Store, p *population) {
	want := p.expectedOrder(p.all(), directory.AttrDepartment, false)
	var got []string
	for offset := 0; offset < len(want); offset += 7 {
		page, err := s.FindAccounts(ctx(t), p.org.ID, directory.ListQuery{SortBy: directory.AttrDepartment, Offset: offset, Limit: 7})
		noErr(t, "FindAccounts", err)
		got = append(got, p.keysOf(page.Accounts)...)
		if last := offset+7 >= len(want); last != (page.NextCursor == "") {
			t.Errorf("offset %d: NextCursor = %q on the last page? %v", offset, page.NextCursor, last)
		}
	}
	sameOrder(t, "offset pages by department", got, want)

	// A cursor from an offset page continues right after it.
	page, err := s.FindAccounts(ctx(t), p.org.ID, directory.ListQuery{SortBy: directory.AttrDepartment, Offset: 7, Limit: 7})
	noErr(t, "FindAccounts(offset 7)", err)
	next, err := s.FindAccounts(ctx(t), p.org.ID, directory.ListQuery{SortBy: directory.AttrDepartment, After: page.NextCursor, Limit: 7})
	noErr(t, "FindAccounts(after offset page)", err)
	sameOrder(t, "page after an offset page", p.keysOf(next.Accounts), want[14:21])

	// A last page that is exactly full has no cursor: one more row is read.
	third, err := s.FindAccounts(ctx(t), p.org.ID, directory.ListQuery{Offset: 20, Limit: 10})
	noErr(t, "FindAccounts(offset 20)", err)
	if len(third.Accounts) != 10 || third.NextCursor != "" {
		t.Errorf("exactly full last page: %d accounts, cursor %q; want 10 and none", len(third.Accounts), third.NextCursor)
	}
}

func checkCounts(t *testing.T, s directory.Store, p *population) {
	total := int64(len(people))
	ops := eq(directory.AttrDepartment, "Operations")
	for _, tc := range []struct {
		name      string
		q         directory.ListQuery
		rows      int
		total     int64
		hasCursor bool
	}{
		{"count only", directory.ListQuery{WithTotal: true}, 0, total, false},
		{"count only, filtered", directory.ListQuery{Filter: ops, WithTotal: true}, 0, 6 + fillerCount, false},
		{"page and total", directory.ListQuery{Limit: 5, WithTotal: true}, 5, total, true},
		{"total ignores offset", directory.ListQuery{Offset: 100, Limit: 5, WithTotal: true}, 0, total, false},
		{"default page size", directory.ListQuery{}, len(people), 0, false},
		{"page size clamped", directory.ListQuery{Limit: 5000}, len(people), 0, false},
		// A page that ends the list tells the total by itself (a backend
		// may skip counting); it must still be every match.
		{"short first page", directory.ListQuery{Limit: 1000, WithTotal: true}, len(people), total, false},
		{"short first page, filtered", directory.ListQuery{Filter: ops, Limit: 100, WithTotal: true}, 6 + fillerCount, 6 + fillerCount, false},
		{"exactly full first page", directory.ListQuery{Limit: len(people), WithTotal: true}, len(people), total, false},
		{"no match", directory.ListQuery{Filter: eq(directory.AttrUserName, "nobody@corp.example"), Limit: 10, WithTotal: true}, 0, 0, false},
		{"last page past an offset", directory.ListQuery{Offset: len(people) - 2, Limit: 5, WithTotal: true}, 2, total, false},
		{"last page past an offset, sorted", directory.ListQuery{SortBy: directory.AttrDisplayName, Descending: true, Offset: len(people) - 3, Limit: 3, WithTotal: true}, 3, total, false},
	} {
		page, err := s.FindAccounts(ctx(t), p.org.ID, tc.q)
		noErr(t, tc.name, err)
		if len(page.Accounts) != tc.rows || page.Total != tc.total || (page.NextCursor != "") != tc.hasCursor {
			t.Errorf("%s: %d accounts, total %d, cursor %q; want %d, %d, cursor %v",
				tc.name, len(page.Accounts), page.Total, page.NextCursor, tc.rows, tc.total, tc.hasCursor)
		}
	}
	cursor := firstCursor(t, s, p.org.ID, directory.ListQuery{Limit: 5})
	page, err := s.FindAccounts(ctx(t), p.org.ID, directory.ListQuery{After: cursor, Limit: 5, WithTotal: true})
	noErr(t, "FindAccounts(after, with total)", err)
	if page.Total != total {
		t.Errorf("total after a cursor = %d; want %d (every match)", page.Total, total)
	}
	// The last page after a cursor holds fewer rows than it ends with: the
	// total still counts the matches before the cursor.
	cursor = firstCursor(t, s, p.org.ID, directory.ListQuery{Limit: len(people) - 2})
	page, err = s.FindAccounts(ctx(t), p.org.ID, directory.ListQuery{After: cursor, Limit: 5, WithTotal: true})
	noErr(t, "FindAccounts(last page after a cursor, with total)", err)
	if len(page.Accounts) != 2 || page.Total != total || page.NextCursor != "" {
		t.Errorf("last page after a cursor: %d accounts, total %d, cursor %q; want 2, %d, none", len(page.Accounts), page.Total, page.NextCursor, total)
	}
	// Emails come back with the accounts that own them.
	page, err = s.FindAccounts(ctx(t), p.org.ID, directory.ListQuery{Filter: eq(directory.AttrUserName, "dave@corp.example")})
	noErr(t, "FindAccounts(dave)", err)
	if len(page.Accounts) != 1 || len(page.Accounts[0].Emails) != 3 || page.Accounts[0].Emails[2].Value != "DAVE@@X.example" {
		t.Errorf("dave found as %+v; want his three emails in order", page.Accounts)
	}
}
