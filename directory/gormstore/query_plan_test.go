package gormstore

import (
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// planRows is how many accounts TestQueryPlansUseIndexes generates on
// PostgreSQL: enough for its planner to prefer an index, few enough to
// stay quick.
const planRows = 10000

// TestQueryPlansUseIndexes asks each database how it would run the
// statements that must stay fast on a million accounts: lookups by
// userName and externalId, and pages in id, creation or displayName order
// at any depth (keyset), which must read the index in order instead of
// sorting.
func TestQueryPlansUseIndexes(t *testing.T) {
	eq := func(a directory.Attr, v string) directory.Compare {
		return directory.Compare{Attr: a, Op: directory.OpEq, Value: v}
	}
	created, _ := newSortKey(accountEntity, directory.ListQuery{SortBy: directory.AttrCreated})
	afterCreated, _ := encodeCursor(created, position{value: time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC), id: "m"})
	afterID, _ := encodeCursor(sortKey{}, position{id: "m"})
	byName, _ := newSortKey(accountEntity, directory.ListQuery{SortBy: directory.AttrDisplayName})
	afterName, _ := encodeCursor(byName, position{value: "user 77", id: "m"})
	byNameDesc, _ := newSortKey(accountEntity, directory.ListQuery{SortBy: directory.AttrDisplayName, Descending: true})
	beforeName, _ := encodeCursor(byNameDesc, position{value: "user 77", id: "m"})
	cases := []struct {
		name  string
		q     directory.ListQuery
		index map[Dialect]string
		// sorts reports whether the plan may sort (a handful of rows).
		sorts bool
	}{
		{"userName eq", directory.ListQuery{Filter: eq(directory.AttrUserName, "User77@corp.example")},
			map[Dialect]string{SQLite: "accounts_user_name_key", Postgres: "accounts_user_name_key"}, true},
		{"externalId eq", directory.ListQuery{Filter: eq(directory.AttrExternalID, "ext-77")},
			map[Dialect]string{SQLite: "accounts_external_id_idx", Postgres: "accounts_external_id_idx"}, true},
		{"id order", directory.ListQuery{},
			map[Dialect]string{SQLite: "sqlite_autoindex_accounts_1", Postgres: "accounts_pkey"}, false},
		{"id order after a cursor", directory.ListQuery{After: afterID},
			map[Dialect]string{SQLite: "sqlite_autoindex_accounts_1", Postgres: "accounts_pkey"}, false},
		{"creation order after a cursor", directory.ListQuery{SortBy: directory.AttrCreated, After: afterCreated, Descending: false},
			map[Dialect]string{SQLite: "accounts_created_idx", Postgres: "accounts_created_idx"}, false},
		{"displayName order", directory.ListQuery{SortBy: directory.AttrDisplayName},
			map[Dialect]string{SQLite: "accounts_display_name_sort_idx", Postgres: "accounts_display_name_sort_idx"}, false},
		{"displayName order after a cursor", directory.ListQuery{SortBy: directory.AttrDisplayName, After: afterName},
			map[Dialect]string{SQLite: "accounts_display_name_sort_idx", Postgres: "accounts_display_name_sort_idx"}, false},
		{"displayName order after a cursor, descending", directory.ListQuery{SortBy: directory.AttrDisplayName, Descending: true, After: beforeName},
			map[Dialect]string{SQLite: "accounts_display_name_sort_idx", Postgres: "accounts_display_name_sort_idx"}, false},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := openMigrated(t, b.dialect, b.url(t))
			generateAccounts(t, s)
			for _, tc := range cases {
				plan := explain(t, s, tc.q)
				sorted := strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "Sort")
				if !strings.Contains(plan, tc.index[b.dialect]) || strings.Contains(plan, "Seq Scan") || (sorted && !tc.sorts) {
					t.Errorf("%s: plan does not read %s in order:\n%s", tc.name, tc.index[b.dialect], plan)
				}
			}
		})
	}
}

// generateAccounts gives PostgreSQL's planner rows and statistics to
// weigh. SQLite's planner, without statistics, decides from the schema
// alone, so it needs none.
func generateAccounts(t *testing.T, s *Store) {
	t.Helper()
	if s.dialect != Postgres {
		return
	}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO organizations (id, slug, name, created_at) VALUES ('org', 'org', 'Org', ?)", []any{created}},
		{`INSERT INTO accounts (org_id, id, user_name, user_name_lower, external_id, active, state, resource, version, created_at, updated_at)
		  SELECT 'org', lpad(i::text, 8, '0'), 'User' || i || '@corp.example', 'user' || i || '@corp.example', 'ext-' || i,
		         true, 'not_invited', '{}', 1, ?, ? FROM generate_series(1, ?) AS n(i)`, []any{created, created, planRows}},
		{"ANALYZE accounts", nil},
	} {
		if err := s.db.Exec(st.sql, st.args...).Error; err != nil {
			t.Fatalf("generate accounts: %v", err)
		}
	}
}

// explain returns the plan of q's page statement, one line per node.
func explain(t *testing.T, s *Store, q directory.ListQuery) string {
	t.Helper()
	p, err := newListPlan(s.dialect, accountEntity, "org", q)
	if err != nil {
		t.Fatal(err)
	}
	stmt := p.pageSQL()
	var lines []string
	if s.dialect == SQLite {
		var rows []struct{ Detail string }
		err = s.db.Raw("EXPLAIN QUERY PLAN "+stmt.String(), stmt.args...).Scan(&rows).Error
		for _, r := range rows {
			lines = append(lines, r.Detail)
		}
	} else {
		err = s.db.Raw("EXPLAIN "+stmt.String(), stmt.args...).Scan(&lines).Error
	}
	if err != nil {
		t.Fatalf("explain %s: %v", stmt.String(), err)
	}
	return strings.Join(lines, "\n")
}
