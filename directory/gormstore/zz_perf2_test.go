package gormstore

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestZZPerfExplain(t *testing.T) {
	url := os.Getenv("LK_PERF_URL")
	if url == "" {
		t.Skip()
	}
	s := openEmpty(t, Postgres, url)
	eq := func(a directory.Attr, v any) directory.Compare {
		return directory.Compare{Attr: a, Op: directory.OpEq, Value: v}
	}
	deepID := "000f4000-0000-7000-8000-0000000f4000" // i = 1,000,000 - 48576ish
	cur, _ := encodeCursor(sortKey{}, position{id: deepID})
	createdKey, _ := newSortKey(accountEntity, directory.ListQuery{SortBy: directory.AttrCreated})
	curCreated, _ := encodeCursor(createdKey, position{value: time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC), id: deepID})
	cases := []struct {
		name string
		q    directory.ListQuery
	}{
		{"userName eq", directory.ListQuery{Filter: eq(directory.AttrUserName, "USER777777@corp.example")}},
		{"externalId eq", directory.ListQuery{Filter: eq(directory.AttrExternalID, "EXT-777778")}},
		{"default first page", directory.ListQuery{}},
		{"default deep keyset page", directory.ListQuery{After: cur}},
		{"meta.created deep keyset page", directory.ListQuery{SortBy: directory.AttrCreated, After: curCreated}},
		{"emails.value eq", directory.ListQuery{Filter: eq(directory.AttrEmailValue, "huser777779@corp.example")}},
		{"emails[type eq work and value eq]", directory.ListQuery{Filter: directory.Has{Attr: directory.AttrEmails, Filter: directory.And{eq(directory.AttrEmailType, "work"), eq(directory.AttrEmailValue, "user777779@corp.example")}}}},
		{"department eq + active, first page", directory.ListQuery{Filter: directory.And{eq(directory.AttrDepartment, "dept 7"), eq(directory.AttrActive, true)}}},
		{"displayName sort first page", directory.ListQuery{SortBy: directory.AttrDisplayName}},
		{"userName sw", directory.ListQuery{Filter: directory.Compare{Attr: directory.AttrUserName, Op: directory.OpSw, Value: "user77777"}}},
		{"count department", directory.ListQuery{Filter: eq(directory.AttrDepartment, "dept 7"), WithTotal: true}},
		{"offset 900000", directory.ListQuery{Offset: 900000}},
	}
	for _, tc := range cases {
		p, err := newListPlan(Postgres, accountEntity, "org-big", tc.q)
		if err != nil {
			t.Fatal(err)
		}
		stmt := p.pageSQL()
		if p.countOnly {
			stmt = p.countSQL()
		}
		var plan []string
		if err := s.db.Raw("EXPLAIN (ANALYZE, COSTS OFF) "+stmt.String(), stmt.args...).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		q := tc.q
		q.Limit = 100
		if tc.q.WithTotal {
			q.Limit = 0
		}
		if _, err := s.FindAccounts(t.Context(), "org-big", q); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("=== %s (FindAccounts %v)\n%s\n%s\n", tc.name, time.Since(start).Round(time.Microsecond), stmt.String(), strings.Join(plan, "\n"))
	}
	// keyset walk timing at several depths
	q := directory.ListQuery{Limit: 1000}
	start := time.Now()
	pages := 0
	for {
		page, err := s.FindAccounts(t.Context(), "org-big", q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if pages%250 == 0 || page.NextCursor == "" {
			fmt.Printf("walk: %d pages in %v\n", pages, time.Since(start).Round(time.Millisecond))
		}
		if page.NextCursor == "" {
			break
		}
		q.After = page.NextCursor
	}
}
