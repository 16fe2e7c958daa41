package admin

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// The people tests' population: a few dozen accounts whose attributes
// and states vary independently (each cycles with a different period),
// so every filter selects a different, non-trivial subset. The expected
// answers come from plain Go over the stored accounts, never from SQL.

var (
	seedGiven       = []string{"Ann", "Anna", "Bob", "Carl", "Dora", "Émile", "ann-marie", "Zoë", "Yusuf"}
	seedFamily      = []string{"Smith", "Annan", "Okafor", "Lee", "Brandt", "Zhou", "Álvarez"}
	seedDepartments = []string{"Sales", "Support", "Engineering", ""}
	seedTitles      = []string{"Nurse", "Engineer", "Cashier"}
	seedLocations   = []string{"Berlin", "Lagos", "Lima", "Osaka", "Boston"}
)

const seedPeopleCount = 45

// seedPeople stores the population; the first account manages every
// sixth one. Times are fixed, days apart, so time filters have edges.
func seedPeople(e *adminEnv) []directory.Account {
	e.t.Helper()
	base := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	var out []directory.Account
	for i := range seedPeopleCount {
		given, family := seedGiven[i%len(seedGiven)], seedFamily[i%len(seedFamily)]
		email := fmt.Sprintf("%s.%s.%02d@acme.example", strings.ToLower(given), strings.ToLower(family), i)
		if i%7 == 3 {
			email = "" // frontline, claims with an access code
		}
		a := e.person(fmt.Sprintf("u%02d.%s", i, strings.ToLower(family)), email, func(a *directory.Account) {
			a.GivenName, a.FamilyName, a.DisplayName = given, family, given+" "+family
			if i%10 == 4 {
				a.DisplayName = "" // sorts last
			}
			if i%11 == 5 && email != "" {
				a.Emails = append(a.Emails, directory.Email{Type: "home", Value: fmt.Sprintf("annex%02d@home.example", i)})
			}
			a.Department, a.Title = seedDepartments[i%len(seedDepartments)], seedTitles[i%len(seedTitles)]
			a.Location, a.Division = seedLocations[i%len(seedLocations)], []string{"North", "South"}[i%2]
			a.EmployeeNumber, a.Frontline = fmt.Sprintf("E%03d", i), email == ""
			a.UserType = []string{"Employee", "Contractor"}[min(i%6, 1)]
			if i%8 == 0 {
				a.AuthMethod = directory.AuthSSO
			}
			if i%6 == 1 && len(out) > 0 {
				a.ManagerID = out[0].ID
			}
			setSeedState(a, i, base)
		})
		out = append(out, a)
	}
	return out
}

// setSeedState spreads the states: a fifth each not invited, twice
// invited, claimed, and one in nine deactivated whatever the state.
func setSeedState(a *directory.Account, i int, base time.Time) {
	invited := base.Add(time.Duration(i) * 24 * time.Hour)
	claimed := invited.Add(36 * time.Hour)
	switch i % 5 {
	case 1, 2:
		a.State, a.InvitedAt = directory.StateInvited, &invited
	case 3:
		a.State, a.InvitedAt, a.ClaimedAt = directory.StateClaimed, &invited, &claimed
	}
	a.Active = i%9 != 8
}

// seedTime is the n-th day of the seed's invitations (the edge of a
// time filter), as a query parameter.
func seedTime(n int) string {
	return time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(n) * 24 * time.Hour).Format(time.RFC3339)
}

// hasPrefixFold reports whether s starts with prefix, ignoring case as
// the store's lower-cased columns do.
func hasPrefixFold(s, prefix string) bool {
	return strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix))
}

// matchesQ is the q parameter in Go: the start of a name or of the
// primary email.
func matchesQ(a directory.Account, q string) bool {
	for _, s := range []string{a.UserName, a.DisplayName, a.GivenName, a.FamilyName, a.PrimaryEmail()} {
		if hasPrefixFold(s, q) {
			return true
		}
	}
	return false
}

// sortedPeople orders accounts as GET /people?sort=... must: by the
// field compared by code point (absent values last), then id; a
// leading - reverses the whole order.
func sortedPeople(accounts []directory.Account, sort string) []string {
	name, desc := strings.CutPrefix(sort, "-")
	out := slices.Clone(accounts)
	slices.SortFunc(out, func(a, b directory.Account) int {
		c := cmp.Or(compareSortField(a, b, name), strings.Compare(a.ID, b.ID))
		if desc {
			return -c
		}
		return c
	})
	ids := make([]string, len(out))
	for i, a := range out {
		ids[i] = a.ID
	}
	return ids
}

// hasSortValue reports whether a has a place in the order: the time
// orders list only the people who have that time.
func hasSortValue(a directory.Account, sort string) bool {
	switch strings.TrimPrefix(sort, "-") {
	case "invited_at":
		return a.InvitedAt != nil
	case "claimed_at":
		return a.ClaimedAt != nil
	}
	return true
}

func compareSortField(a, b directory.Account, name string) int {
	switch name {
	case "created_at":
		return a.CreatedAt.Compare(b.CreatedAt)
	case "invited_at":
		return compareOptionalTime(a.InvitedAt, b.InvitedAt)
	case "claimed_at":
		return compareOptionalTime(a.ClaimedAt, b.ClaimedAt)
	}
	text := map[string]func(directory.Account) string{
		"displayName": func(a directory.Account) string { return a.DisplayName },
		"userName":    func(a directory.Account) string { return a.UserName },
	}[name]
	x, y := strings.ToLower(text(a)), strings.ToLower(text(b))
	return cmp.Or(compareAbsent(x == "", y == ""), strings.Compare(x, y))
}

func compareOptionalTime(x, y *time.Time) int {
	if c := compareAbsent(x == nil, y == nil); c != 0 || x == nil {
		return c
	}
	return x.Compare(*y)
}

// compareAbsent puts absent values after present ones.
func compareAbsent(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	}
	return -1
}

// statusCounts counts accounts per status in Go.
func statusCounts(accounts []directory.Account) directory.StatusCounts {
	var c directory.StatusCounts
	for _, a := range accounts {
		c.Total++
		switch directory.StatusOf(a) {
		case directory.StatusNotInvited:
			c.NotInvited++
		case directory.StatusInvited:
			c.Invited++
		case directory.StatusClaimed:
			c.Claimed++
		case directory.StatusDeactivated:
			c.Deactivated++
		}
	}
	return c
}

// mustTime parses an RFC 3339 time of a test's own making.
func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}
