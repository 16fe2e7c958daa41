package admin

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// peopleCase is a query of GET /people and the same selection in Go.
type peopleCase struct {
	name  string
	query string
	match func(a directory.Account) bool
}

func peopleCases(seed []directory.Account) []peopleCase {
	manager := seed[0].ID
	status := func(s directory.Status) func(directory.Account) bool {
		return func(a directory.Account) bool { return directory.StatusOf(a) == s }
	}
	fold := strings.EqualFold
	return []peopleCase{
		{"everyone", "", func(directory.Account) bool { return true }},
		{"not invited", "status=not_invited", status(directory.StatusNotInvited)},
		{"invited", "status=invited", status(directory.StatusInvited)},
		{"claimed", "status=claimed", status(directory.StatusClaimed)},
		{"deactivated", "status=deactivated", status(directory.StatusDeactivated)},
		{"two statuses", "status=claimed,deactivated", func(a directory.Account) bool {
			return status(directory.StatusClaimed)(a) || status(directory.StatusDeactivated)(a)
		}},
		{"department, any case", "department=sALES", func(a directory.Account) bool { return fold(a.Department, "Sales") }},
		{"title and location", "title=Nurse&location=Berlin", func(a directory.Account) bool {
			return a.Title == "Nurse" && a.Location == "Berlin"
		}},
		{"division", "division=south", func(a directory.Account) bool { return a.Division == "South" }},
		{"manager", "manager=" + manager, func(a directory.Account) bool { return a.ManagerID == manager }},
		{"auth method", "auth_method=sso", func(a directory.Account) bool { return a.AuthMethod == directory.AuthSSO }},
		{"without email", "has_email=false", func(a directory.Account) bool { return len(a.Emails) == 0 }},
		{"with email", "has_email=true", func(a directory.Account) bool { return len(a.Emails) > 0 }},
		{"invited from", "invited_after=" + url.QueryEscape(seedTime(20)), func(a directory.Account) bool {
			return a.InvitedAt != nil && !a.InvitedAt.Before(mustTime(seedTime(20)))
		}},
		{"invited window", "invited_after=2026-02-05&invited_before=2026-02-25", func(a directory.Account) bool {
			return a.InvitedAt != nil && !a.InvitedAt.Before(mustTime("2026-02-05T00:00:00Z")) && a.InvitedAt.Before(mustTime("2026-02-25T00:00:00Z"))
		}},
		{"claimed before", "claimed_before=" + url.QueryEscape(seedTime(14)), func(a directory.Account) bool {
			return a.ClaimedAt != nil && a.ClaimedAt.Before(mustTime(seedTime(14)))
		}},
		{"created from", "created_after=" + url.QueryEscape(seed[30].CreatedAt.Format("2006-01-02T15:04:05.999999999Z07:00")), func(a directory.Account) bool {
			return !a.CreatedAt.Before(seed[30].CreatedAt)
		}},
		{"created before", "created_before=2000-01-01", func(directory.Account) bool { return false }},
		{"q", "q=ann", func(a directory.Account) bool { return matchesQ(a, "ann") }},
		{"q ignores case", "q=ANNAN", func(a directory.Account) bool { return matchesQ(a, "annan") }},
		{"q non-ASCII", "q=%C3%A9mile", func(a directory.Account) bool { return matchesQ(a, "émile") }},
		{"q not another email", "q=annex", func(directory.Account) bool { return false }},
		{"q primary email", "q=ann.smith", func(a directory.Account) bool { return matchesQ(a, "ann.smith") }},
		{"q wildcard is literal", "q=a%25", func(directory.Account) bool { return false }},
		{"scim filter", "filter=" + url.QueryEscape(`userType eq "Contractor" and title sw "eng"`), func(a directory.Account) bool {
			return a.UserType == "Contractor" && a.Title == "Engineer"
		}},
		{"everything at once", "status=invited&department=Sales&has_email=true&q=a", func(a directory.Account) bool {
			return status(directory.StatusInvited)(a) && a.Department == "Sales" && len(a.Emails) > 0 && matchesQ(a, "a")
		}},
	}
}

// TestPeopleFilters compares every filter's answer with Go's over the
// seeded population, paging through the whole list three people at a
// time: each match comes exactly once, in the order of the sort.
func TestPeopleFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		seed := seedPeople(e)
		api := newContract(e)
		reader := e.token(e.org.ID, "reader@acme.example", directory.RoleReader)
		for _, tc := range peopleCases(seed) {
			t.Run(tc.name, func(t *testing.T) {
				want := sortedPeople(selectPeople(seed, tc.match), defaultPeopleSort)
				if got := pageThrough(t, api, reader, tc.query, 3); !slices.Equal(got, want) {
					t.Fatalf("GET /people?%s = %v\nwant %v", tc.query, names(seed, got), names(seed, want))
				}
			})
		}
	})
}

// TestPeopleSorts pages through every order, both directions, with a
// filter and without.
func TestPeopleSorts(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		seed := seedPeople(e)
		api := newContract(e)
		reader := e.token(e.org.ID, "reader@acme.example", directory.RoleReader)
		invited := func(a directory.Account) bool { return directory.StatusOf(a) != directory.StatusNotInvited }
		for _, sort := range peopleSortNames() {
			for _, filter := range []struct {
				query string
				match func(directory.Account) bool
			}{{"", func(directory.Account) bool { return true }}, {"status=invited,claimed,deactivated", invited}} {
				query := strings.TrimPrefix(filter.query+"&sort="+sort, "&")
				t.Run(query, func(t *testing.T) {
					want := sortedPeople(selectPeople(seed, func(a directory.Account) bool {
						return filter.match(a) && hasSortValue(a, sort)
					}), sort)
					if got := pageThrough(t, api, reader, query, 4); !slices.Equal(got, want) {
						t.Fatalf("GET /people?%s = %v\nwant %v", query, names(seed, got), names(seed, want))
					}
				})
			}
		}
	})
}

// TestPeopleItems: an item holds what the list promises and no secret.
func TestPeopleItems(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		seed := seedPeople(e)
		reader := e.token(e.org.ID, "reader@acme.example", directory.RoleReader)
		var page peoplePage
		decodeInto(t, newContract(e).do(http.MethodGet, "/admin/v1/people?limit=1000&sort=created_at", reader, nil), &page)
		if len(page.Items) != len(seed) || page.NextCursor != "" {
			t.Fatalf("%d items, next %q; want all %d on one page", len(page.Items), page.NextCursor, len(seed))
		}
		for i, got := range page.Items {
			if want := personItemOf(seed[i]); !sameItem(got, want) {
				t.Fatalf("item %d = %+v\nwant %+v", i, got, personItemOf(seed[i]))
			}
		}
		if item := page.Items[3]; item.Email != "" || !item.Frontline || item.Status != directory.StatusClaimed {
			t.Fatalf("frontline person = %+v", item)
		}
	})
}

// sameItem compares items, times by instant (the database may hand
// them back in another location).
func sameItem(got, want personItem) bool {
	same := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	ok := same(got.InvitedAt, want.InvitedAt) && same(got.ClaimedAt, want.ClaimedAt) && got.CreatedAt.Equal(want.CreatedAt)
	got.InvitedAt, want.InvitedAt, got.ClaimedAt, want.ClaimedAt = nil, nil, nil, nil
	got.CreatedAt = want.CreatedAt
	return ok && got == want
}

// TestPeopleCounts compares the counts with Go's for filters that
// include a status (which still counts per status within it).
func TestPeopleCounts(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		seed := seedPeople(e)
		api := newContract(e)
		reader := e.token(e.org.ID, "reader@acme.example", directory.RoleReader)
		for _, tc := range peopleCases(seed) {
			t.Run(tc.name, func(t *testing.T) {
				var got directory.StatusCounts
				decodeInto(t, api.do(http.MethodGet, "/admin/v1/people/counts?"+tc.query, reader, nil), &got)
				if want := statusCounts(selectPeople(seed, tc.match)); got != want {
					t.Fatalf("GET /people/counts?%s = %+v; want %+v", tc.query, got, want)
				}
			})
		}
		org := directory.Organization{Slug: "elsewhere", Name: "Elsewhere"}
		must(t, e.store.CreateOrganization(t.Context(), &org))
		stranger := e.token(org.ID, "stranger@elsewhere.example", directory.RoleSystemAdmin)
		if _, body := api.get(stranger, "/admin/v1/people/counts"); body["total"] != 0.0 {
			t.Fatalf("another organization counts %v", body)
		}
		if _, body := api.get(stranger, "/admin/v1/people"); len(body["items"].([]any)) != 0 {
			t.Fatalf("another organization lists %v", body)
		}
	})
}

// TestPeopleBadParams: every mistake is a 400 problem naming the fields
// at fault (all of them at once) and, for a bad name, what is allowed.
func TestPeopleBadParams(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		seedPeople(e)
		api := newContract(e)
		reader := e.token(e.org.ID, "reader@acme.example", directory.RoleReader)
		byName := firstCursor(t, api, reader, "sort=displayName&limit=2")
		sales := firstCursor(t, api, reader, "department=Sales&limit=2")
		for _, tc := range []struct {
			name, path string
			fields     []string
			allowed    string // one value the answer's allowed list holds
		}{
			{"unknown parameter", "/people?colour=red&department=Sales", []string{"colour"}, "department"},
			{"unknown sort", "/people?sort=salary", []string{"sort"}, "-claimed_at"},
			{"bad limit", "/people?limit=0", []string{"limit"}, ""},
			{"limit too big", "/people?limit=1001", []string{"limit"}, ""},
			{"limit not a number", "/people?limit=ten", []string{"limit"}, ""},
			{"garbage cursor", "/people?cursor=abc", []string{"cursor"}, ""},
			{"tampered cursor", "/people?limit=2&cursor=" + url.QueryEscape(byName[:strings.Index(byName, ".")+1]+"eyJpIjoieCJ9"), []string{"cursor"}, ""},
			{"cursor of another sort", "/people?sort=-displayName&limit=2&cursor=" + url.QueryEscape(byName), []string{"cursor"}, ""},
			{"cursor of other filters", "/people?department=Support&limit=2&cursor=" + url.QueryEscape(sales), []string{"cursor"}, ""},
			{"bad filters at once", "/people?status=pending&auth_method=kerberos&invited_after=yesterday&sort=x&limit=-1",
				[]string{"status", "auth_method", "invited_after", "sort", "limit"}, ""},
			{"bad scim filter", "/people?filter=" + url.QueryEscape(`salary gt 5`), []string{"filter"}, ""},
			{"q too long", "/people?q=" + strings.Repeat("a", 257), []string{"q"}, ""},
			{"given twice", "/people?department=Sales&department=Support", []string{"department"}, ""},
			{"bad has_email", "/people?has_email=maybe", []string{"has_email"}, ""},
			{"counts take no sort", "/people/counts?sort=displayName", []string{"sort"}, "status"},
			{"counts check filters", "/people/counts?status=gone", []string{"status"}, ""},
			{"the person page takes no query", "/people/" + dummyID + "?verbose=1", []string{"verbose"}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := api.do(http.MethodGet, "/admin/v1"+tc.path, reader, nil)
				p := r.JSON()
				if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("GET %s = %d %s; want a 400 problem", tc.path, r.Status, r.Body)
				}
				var fields []string
				for _, fe := range p["errors"].([]any) {
					fields = append(fields, fe.(map[string]any)["field"].(string))
				}
				if slices.Sort(fields); !slices.Equal(fields, slices.Sorted(slices.Values(tc.fields))) {
					t.Fatalf("GET %s names fields %v; want %v (%s)", tc.path, fields, tc.fields, r.Body)
				}
				if tc.allowed != "" && !slices.Contains(anyStrings(p["allowed"]), tc.allowed) {
					t.Fatalf("GET %s: allowed = %v; want it to hold %q", tc.path, p["allowed"], tc.allowed)
				}
			})
		}
	})
}

func selectPeople(seed []directory.Account, match func(directory.Account) bool) []directory.Account {
	var out []directory.Account
	for _, a := range seed {
		if match(a) {
			out = append(out, a)
		}
	}
	return out
}

// pageThrough follows next_cursor from the first page to the last and
// returns the ids in the order they came.
func pageThrough(t *testing.T, api *contract, token, query string, limit int) []string {
	t.Helper()
	base := "/admin/v1/people?" + strings.TrimPrefix(query+"&limit="+strconv.Itoa(limit), "&")
	var ids []string
	path := base
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("GET %s: more than 100 pages", base)
		}
		var page peoplePage
		decodeInto(t, api.do(http.MethodGet, path, token, nil), &page)
		if len(page.Items) > limit || (page.NextCursor != "" && len(page.Items) != limit) {
			t.Fatalf("GET %s: %d items with next %q; want full pages until the last", path, len(page.Items), page.NextCursor)
		}
		for _, item := range page.Items {
			ids = append(ids, item.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		path = base + "&cursor=" + url.QueryEscape(page.NextCursor)
	}
}

func firstCursor(t *testing.T, api *contract, token, query string) string {
	t.Helper()
	var page peoplePage
	decodeInto(t, api.do(http.MethodGet, "/admin/v1/people?"+query, token, nil), &page)
	if page.NextCursor == "" {
		t.Fatalf("GET /people?%s has no next page", query)
	}
	return page.NextCursor
}

// names shows ids as userNames, for readable failures.
func names(seed []directory.Account, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		for _, a := range seed {
			if a.ID == id {
				out[i] = a.UserName
			}
		}
	}
	return out
}

func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
