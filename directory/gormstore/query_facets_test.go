package gormstore

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func eqFilter(a directory.Attr, v any) directory.Compare {
	return directory.Compare{Attr: a, Op: directory.OpEq, Value: v}
}

// TestSplitFacets: only two or more facet equalities with values become
// the containment test, only on PostgreSQL, and the rest of the filter
// stays as it was.
func TestSplitFacets(t *testing.T) {
	title, location := eqFilter(directory.AttrTitle, "Nurse"), eqFilter(directory.AttrLocation, "Berlin")
	active := eqFilter(directory.AttrActive, true)
	cases := []struct {
		name string
		f    directory.Filter
		rest directory.Filter
		keys []string
	}{
		{"one facet", directory.And{title, active}, directory.And{title, active}, nil},
		{"two facets", directory.And{title, location}, nil, []string{"o:title:nurse", "o:location:berlin"}},
		{"two facets and more", directory.And{active, directory.And{title, location}}, active,
			[]string{"o:title:nurse", "o:location:berlin"}},
		{"three, one empty", directory.And{title, location, eqFilter(directory.AttrDepartment, "")},
			eqFilter(directory.AttrDepartment, ""), []string{"o:title:nurse", "o:location:berlin"}},
		{"ne is not eq", directory.And{title, directory.Compare{Attr: directory.AttrLocation, Op: directory.OpNe, Value: "Berlin"}},
			directory.And{title, directory.Compare{Attr: directory.AttrLocation, Op: directory.OpNe, Value: "Berlin"}}, nil},
		{"or", directory.Or{title, location}, directory.Or{title, location}, nil},
		{"not a facet", directory.And{title, eqFilter(directory.AttrUserType, "Employee")},
			directory.And{title, eqFilter(directory.AttrUserType, "Employee")}, nil},
		{"wrong type stays for the translator", directory.And{title, location, eqFilter(directory.AttrDivision, 7)},
			eqFilter(directory.AttrDivision, 7), []string{"o:title:nurse", "o:location:berlin"}},
	}
	for _, tc := range cases {
		rest, keys := splitFacets(Postgres, accountEntity, "o", tc.f)
		if fmt.Sprint(rest) != fmt.Sprint(tc.rest) || !slices.Equal(keys, tc.keys) {
			t.Errorf("%s: got %v, %q; want %v, %q", tc.name, rest, keys, tc.rest, tc.keys)
		}
		if rest, keys := splitFacets(SQLite, accountEntity, "o", tc.f); keys != nil || fmt.Sprint(rest) != fmt.Sprint(tc.f) {
			t.Errorf("%s: SQLite rewrote the filter to %v, %q", tc.name, rest, keys)
		}
	}
	if _, keys := splitFacets(Postgres, groupEntity, "o", directory.And{title, location}); keys != nil {
		t.Errorf("groups have no facets index, got keys %q", keys)
	}
}

// TestFacetFilters: combined attribute filters answer the same as the
// equalities they stand for, on both backends, with totals and cursors.
func TestFacetFilters(t *testing.T) {
	people := []struct{ title, location, department, division string }{
		{"Nurse", "Berlin", "Care", "North"},
		{"NURSE", "berlin", "care", ""},
		{"Nurse", "Lagos", "Care", "North"},
		{"Nurse ", "Berlin", "Care", "North"},
		{"Driver", "Berlin", "Logistics", "North"},
		{"Zoë", "Zürich", "Straße", "Süd"},
		{"zoë", "ZÜRICH", "STRASSE", "süd"},
		{"", "Berlin", "", ""},
		{"Nurse", "Berlin:title:nurse", "Care", ""},
	}
	filters := []directory.Filter{
		directory.And{eqFilter(directory.AttrTitle, "nurse"), eqFilter(directory.AttrLocation, "BERLIN")},
		directory.And{eqFilter(directory.AttrTitle, "Nurse"), eqFilter(directory.AttrLocation, "Berlin"),
			eqFilter(directory.AttrDepartment, "care"), eqFilter(directory.AttrDivision, "north")},
		directory.And{eqFilter(directory.AttrTitle, "ZOË"), eqFilter(directory.AttrLocation, "zürich")},
		directory.And{eqFilter(directory.AttrDepartment, "straße"), eqFilter(directory.AttrDivision, "SÜD")},
		directory.And{eqFilter(directory.AttrTitle, "Nurse"), eqFilter(directory.AttrTitle, "nurse"),
			eqFilter(directory.AttrActive, true)},
		directory.And{eqFilter(directory.AttrTitle, "nurse"), eqFilter(directory.AttrLocation, "berlin"),
			eqFilter(directory.AttrDivision, "")},
		directory.And{eqFilter(directory.AttrTitle, "nurse"), directory.Not{Filter: eqFilter(directory.AttrLocation, "berlin")},
			eqFilter(directory.AttrDepartment, "care")},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := openMigrated(t, b.dialect, b.url(t))
			ctx := t.Context()
			org := directory.Organization{Slug: "facets", Name: "Facets"}
			if err := s.CreateOrganization(ctx, &org); err != nil {
				t.Fatal(err)
			}
			other := directory.Organization{Slug: "other", Name: "Other"}
			if err := s.CreateOrganization(ctx, &other); err != nil {
				t.Fatal(err)
			}
			type person struct {
				id                                    string
				title, location, department, division string
			}
			var all []person
			for i, p := range people {
				for _, o := range []string{org.ID, other.ID} {
					a := directory.Account{OrgID: o, UserName: fmt.Sprintf("p%d@x.example", i), DisplayName: fmt.Sprintf("P %d", i),
						Title: p.title, Location: p.location, Department: p.department, Division: p.division,
						Active: true, State: directory.StateNotInvited}
					if err := s.CreateAccount(ctx, &a); err != nil {
						t.Fatal(err)
					}
					if o == org.ID {
						all = append(all, person{a.ID, p.title, p.location, p.department, p.division})
					}
				}
			}
			value := func(p person, a directory.Attr) string {
				return map[directory.Attr]string{directory.AttrTitle: p.title, directory.AttrLocation: p.location,
					directory.AttrDepartment: p.department, directory.AttrDivision: p.division}[a]
			}
			var matches func(p person, f directory.Filter) bool
			matches = func(p person, f directory.Filter) bool {
				switch f := f.(type) {
				case directory.And:
					for _, c := range f {
						if !matches(p, c) {
							return false
						}
					}
					return true
				case directory.Not:
					return !matches(p, f.Filter)
				case directory.Compare:
					if f.Attr == directory.AttrActive {
						return true
					}
					v := value(p, f.Attr)
					return v != "" && strings.ToLower(v) == strings.ToLower(f.Value.(string))
				}
				t.Fatalf("unexpected filter %T", f)
				return false
			}
			for _, f := range filters {
				var want []string
				for _, p := range all {
					if matches(p, f) {
						want = append(want, p.id)
					}
				}
				slices.Sort(want)
				page, err := s.FindAccounts(ctx, org.ID, directory.ListQuery{Filter: f, WithTotal: true, Limit: 100})
				if err != nil {
					t.Fatalf("%v: %v", f, err)
				}
				var got []string
				for _, a := range page.Accounts {
					got = append(got, a.ID)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) || page.Total != int64(len(want)) {
					t.Errorf("%v: got %v (total %d), want %v", f, got, page.Total, want)
				}
				// Both forms of the page statement, whichever the estimate picks.
				for _, first := range []bool{false, b.dialect == Postgres} {
					p, err := newListPlan(b.dialect, accountEntity, org.ID, directory.ListQuery{Filter: f, Limit: 100})
					if err != nil {
						t.Fatal(err)
					}
					p.matchesFirst = first
					var rows []accountRow
					stmt := p.pageSQL()
					if err := s.db.Raw(stmt.String(), stmt.args...).Scan(&rows).Error; err != nil {
						t.Fatalf("%v: %v\n%s", f, err, stmt.String())
					}
					var ids []string
					for _, r := range rows {
						ids = append(ids, r.ID)
					}
					slices.Sort(ids)
					if !slices.Equal(ids, want) {
						t.Errorf("%v (matches first: %v): got %v, want %v", f, first, ids, want)
					}
				}
				// The same by cursor, one by one in name order.
				q := directory.ListQuery{Filter: f, Limit: 1, SortBy: directory.AttrDisplayName}
				got = got[:0]
				for range len(all) + 1 {
					page, err := s.FindAccounts(ctx, org.ID, q)
					if err != nil {
						t.Fatalf("%v: walk: %v", f, err)
					}
					for _, a := range page.Accounts {
						got = append(got, a.ID)
					}
					if q.After = page.NextCursor; q.After == "" {
						break
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%v: walk got %v, want %v", f, got, want)
				}
			}
		})
	}
}

// TestFacetPlans: a rare combination's pages, cursor pages included,
// read the facets index and sort its matches.
func TestFacetPlans(t *testing.T) {
	b := backends[1]
	s := openMigrated(t, b.dialect, b.url(t))
	generateAccounts(t, s)
	q := directory.ListQuery{SortBy: directory.AttrDisplayName, Filter: directory.And{
		eqFilter(directory.AttrTitle, "Nurse"), eqFilter(directory.AttrLocation, "Berlin")}}
	key, err := newSortKey(accountEntity, q)
	if err != nil {
		t.Fatal(err)
	}
	if q.After, err = encodeCursor(key, position{value: "user 5", id: "m"}); err != nil {
		t.Fatal(err)
	}
	p, err := newListPlan(b.dialect, accountEntity, "org", q)
	if err != nil {
		t.Fatal(err)
	}
	if !p.customPlans {
		t.Fatal("two facet equalities did not become the facets test")
	}
	rows, err := estimateRows(s.db, p.estimateSQL())
	if err != nil || rows > facetSortLimit {
		t.Fatalf("estimate %d, %v; want at most %d", rows, err, facetSortLimit)
	}
	p.matchesFirst = true
	stmt := p.pageSQL()
	var lines []string
	if err := s.db.Raw("EXPLAIN "+stmt.String(), stmt.args...).Scan(&lines).Error; err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	if !strings.Contains(plan, "accounts_facets_idx") || strings.Contains(plan, "accounts_display_name_sort_idx") ||
		strings.Contains(plan, "Seq Scan") {
		t.Errorf("plan does not read the facets index alone:\n%s", plan)
	}
}
