package gormstore

import (
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestPeopleListPlans: the orders and searches the admin API's people
// list offers read the indexes of migration 00022 (see
// TestQueryPlansUseIndexes for the lookups and orders before it).
// SQLite has only the userName order's.
func TestPeopleListPlans(t *testing.T) {
	sortedBy := func(a directory.Attr, desc bool) directory.ListQuery {
		return directory.ListQuery{SortBy: a, Descending: desc}
	}
	after := func(q directory.ListQuery, value any) directory.ListQuery {
		key, err := newSortKey(accountEntity, q)
		if err != nil {
			t.Fatal(err)
		}
		q.After, err = encodeCursor(key, position{value: value, id: "m"})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	prefix := func(a directory.Attr) directory.ListQuery {
		return directory.ListQuery{Filter: directory.Compare{Attr: a, Op: directory.OpSw, Value: "user777"}}
	}
	invited := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		q     directory.ListQuery
		index map[Dialect]string
		sorts bool // the plan may sort (a search's few matches)
	}{
		{"userName order", sortedBy(directory.AttrUserName, false),
			map[Dialect]string{SQLite: "accounts_user_name_sort_idx", Postgres: "accounts_user_name_sort_idx"}, false},
		{"userName order after a cursor, descending", after(sortedBy(directory.AttrUserName, true), "user5@corp.example"),
			map[Dialect]string{SQLite: "accounts_user_name_sort_idx", Postgres: "accounts_user_name_sort_idx"}, false},
		{"invitedAt order", sortedBy(directory.AttrInvitedAt, false),
			map[Dialect]string{Postgres: "accounts_invited_sort_idx"}, false},
		{"invitedAt order after a cursor", after(sortedBy(directory.AttrInvitedAt, false), invited),
			map[Dialect]string{Postgres: "accounts_invited_sort_idx"}, false},
		{"invitedAt order after an absent one, descending", after(sortedBy(directory.AttrInvitedAt, true), nil),
			map[Dialect]string{Postgres: "accounts_invited_sort_idx"}, false},
		{"claimedAt order, descending", sortedBy(directory.AttrClaimedAt, true),
			map[Dialect]string{Postgres: "accounts_claimed_sort_idx"}, false},
		{"invited since", directory.ListQuery{Filter: directory.Compare{Attr: directory.AttrInvitedAt, Op: directory.OpGe, Value: invited}},
			map[Dialect]string{Postgres: "accounts_invited_sort_idx"}, true},
		{"the invited by invitation, latest first", directory.ListQuery{SortBy: directory.AttrInvitedAt, Descending: true,
			Filter: directory.Compare{Attr: directory.AttrInvitedAt, Op: directory.OpPr}},
			map[Dialect]string{Postgres: "accounts_invited_sort_idx"}, false},
		{"userName prefix", prefix(directory.AttrUserName),
			map[Dialect]string{Postgres: "accounts_user_name_key"}, true},
		{"family name prefix", prefix(directory.AttrFamilyName),
			map[Dialect]string{Postgres: "accounts_family_name_idx"}, true},
		// Two attributes rare together: their matches from the facets
		// index, then sorted (00024), not a walk of the name order.
		{"title and location", directory.ListQuery{SortBy: directory.AttrDisplayName, Filter: directory.And{
			directory.Compare{Attr: directory.AttrTitle, Op: directory.OpEq, Value: "Nurse"},
			directory.Compare{Attr: directory.AttrLocation, Op: directory.OpEq, Value: "Berlin"}}},
			map[Dialect]string{Postgres: "accounts_facets_idx"}, true},
		// A search too common to read and sort its matches, in name
		// order: the page's keys from the name order's covering index
		// alone (00025), then its rows by key.
		{"common search by name", directory.ListQuery{SortBy: directory.AttrDisplayName, Filter: directory.Or{
			directory.Compare{Attr: directory.AttrUserName, Op: directory.OpSw, Value: "user1"},
			directory.Compare{Attr: directory.AttrFamilyName, Op: directory.OpSw, Value: "user1"}}},
			map[Dialect]string{Postgres: "Index Only Scan using accounts_display_name_sort_idx"}, true},
		{"common search by name after a cursor", after(directory.ListQuery{SortBy: directory.AttrDisplayName, Filter: directory.Or{
			directory.Compare{Attr: directory.AttrUserName, Op: directory.OpSw, Value: "user1"},
			directory.Compare{Attr: directory.AttrFamilyName, Op: directory.OpSw, Value: "user1"}}}, "m"),
			map[Dialect]string{Postgres: "Index Only Scan using accounts_display_name_sort_idx"}, true},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := openMigrated(t, b.dialect, b.url(t))
			generateAccounts(t, s)
			for _, tc := range cases {
				index, ok := tc.index[b.dialect]
				if !ok {
					continue
				}
				plan := explain(t, s, tc.q)
				sorted := strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "Sort")
				if !strings.Contains(plan, index) || strings.Contains(plan, "Seq Scan") || (sorted && !tc.sorts) {
					t.Errorf("%s: plan does not read %s:\n%s", tc.name, index, plan)
				}
			}
		})
	}
}
