package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// person is one seeded account of the query tests, named by a short key.
type person struct {
	key                       string
	user, ext, display        string
	given, family             string
	emails                    []directory.Email
	inactive, sso, frontline  bool
	state                     directory.State
	dept, title, loc, manager string
	start, invited, claimed   *time.Time
}

func work(value string) []directory.Email { return []directory.Email{{Type: "work", Value: value}} }

// people are chosen so that each query case separates a few of them: case
// variants, non-ASCII, LIKE and GLOB metacharacters, absent values, several
// emails of several types, times a microsecond apart. Fillers pad the
// population to 30 and share one department, so ties are common.
var people = append([]person{
	{key: "alice", user: "Alice@Corp.example", ext: "EXT-alice", display: "Alice Archer", given: "Alice", family: "Archer",
		emails: []directory.Email{{Type: "work", Value: "Alice@Corp.example", Primary: true}, {Type: "home", Value: "alice@home.example"}},
		state:  directory.StateClaimed, dept: "Engineering", title: "Engineer", loc: "Berlin",
		start: ptr(at(1, 0)), invited: ptr(at(2, 0)), claimed: ptr(at(3, 0))},
	{key: "bob", user: "bob@corp.example", ext: "ext-bob", display: "Bob Builder", emails: work("bob@corp.example"),
		inactive: true, sso: true, state: directory.StateInvited, dept: "engineering", title: "Engineer", loc: "Paris",
		manager: "mgr-alice", invited: ptr(at(5, 0))},
	{key: "emile", user: "emile@corp.example", display: "Émile Zola", given: "Émile", family: "Zola",
		emails: []directory.Email{{Type: "work", Value: "Émile@Corp.example", Primary: true}}, dept: "Ventes", loc: "Paris"},
	{key: "zoe", user: "zoe@corp.example", display: "Zoë Quinn", emails: work("zoe@corp.example"), dept: "Sales", title: "Seller"},
	{key: "percent", user: "percent@corp.example", display: "100% Sure", dept: "Sales", title: "50% off"},
	{key: "under", user: "under_score@corp.example", display: "Under_Score", inactive: true, state: directory.StateClaimed,
		dept: "Operations", title: "a_b"},
	{key: "backslash", user: `back\slash@corp.example`, display: `Back\Slash`, dept: "Operations"},
	{key: "frank", user: "frontline.frank", frontline: true},
	{key: "star", user: "star@corp.example", ext: "a*b?[c]", display: "Star", dept: "Operations"},
	{key: "caps", user: "caps@corp.example", ext: "ABC-123", display: "Caps", dept: "Operations"},
	{key: "dave", user: "dave@corp.example", display: "Dave", dept: "Operations", start: ptr(at(10, 1)),
		emails: []directory.Email{{Type: "home", Value: "dave@x.example"}, {Type: "work", Value: "dave@corp.example"},
			{Type: "other", Value: "DAVE@@X.example"}}},
	{key: "erin", user: "erin@corp.example", display: "Erin", dept: "Operations", start: ptr(at(10, 0)),
		emails: []directory.Email{{Type: "Work", Value: "erin@x.example", Primary: true}}},
}, fillers()...)

const fillerCount = 18

func fillers() []person {
	out := make([]person, fillerCount)
	for i := range out {
		key := fmt.Sprintf("filler%02d", i+1)
		out[i] = person{key: key, user: key + "@corp.example", emails: work(key + "@corp.example"), dept: "Operations"}
	}
	return out
}

func (p person) account(orgID string) directory.Account {
	a := directory.Account{
		OrgID: orgID, UserName: p.user, ExternalID: p.ext, DisplayName: p.display, GivenName: p.given, FamilyName: p.family,
		Emails: p.emails, Active: !p.inactive, State: p.state, Frontline: p.frontline,
		Department: p.dept, Title: p.title, Location: p.loc, ManagerID: p.manager,
		StartDate: p.start, InvitedAt: p.invited, ClaimedAt: p.claimed,
	}
	if a.State == "" {
		a.State = directory.StateNotInvited
	}
	if p.sso {
		a.AuthMethod = directory.AuthSSO
	}
	return a
}

// population is the seeded directory: people in org, a look-alike of
// alice and one more account in rival, and groups in both.
type population struct {
	org, rival   directory.Organization
	accounts     map[string]directory.Account // by key
	keys         []string                     // in creation (= id) order
	keyOf        map[string]string            // id -> key
	rivalAccount map[string]directory.Account
	groups       map[string]directory.Group
	rivalGroup   directory.Group
	seededAfter  time.Time
}

// seed writes the population in one transaction, which keeps the suite
// fast on SQLite under the race detector.
func seed(t *testing.T, s directory.Store) *population {
	t.Helper()
	p := &population{
		accounts: map[string]directory.Account{}, keyOf: map[string]string{},
		rivalAccount: map[string]directory.Account{}, groups: map[string]directory.Group{},
		seededAfter: time.Now().Add(-time.Second),
	}
	p.org = mustOrg(t, s, "acme")
	p.rival = mustOrg(t, s, "rival")
	err := s.InTx(ctx(t), func(tx directory.Store) error {
		for _, person := range people {
			a := person.account(p.org.ID)
			if err := tx.CreateAccount(ctx(t), &a); err != nil {
				return fmt.Errorf("account %s: %w", person.key, err)
			}
			p.accounts[person.key], p.keyOf[a.ID] = a, person.key
			p.keys = append(p.keys, person.key)
		}
		if err := p.seedRival(tx, ctx(t)); err != nil {
			return err
		}
		return p.seedGroups(tx, ctx(t))
	})
	noErr(t, "seed", err)
	return p
}

func (p *population) seedRival(tx directory.Store, c context.Context) error {
	for key, a := range map[string]directory.Account{
		"alice": {OrgID: p.rival.ID, UserName: "alice@corp.example", DisplayName: "Alice Archer", Department: "Engineering",
			State: directory.StateNotInvited, Active: true, Emails: work("alice@x.example")},
		"other": {OrgID: p.rival.ID, UserName: "other@rival.example", State: directory.StateNotInvited},
	} {
		if err := tx.CreateAccount(c, &a); err != nil {
			return fmt.Errorf("rival account %s: %w", key, err)
		}
		p.rivalAccount[key] = a
	}
	return nil
}

// groupSeeds lists the groups and their members by person key ("+name"
// names a group member).
var groupSeeds = []struct {
	name, ext string
	members   []string
}{
	{"Engineering", "G-ENG", []string{"alice", "bob"}},
	{"Sales", "g-sales", []string{"zoe", "percent"}},
	{"Ventes Été", "", []string{"emile"}},
	{"Everyone", "", []string{"alice", "bob", "emile", "zoe", "+Engineering"}},
	{"Empty", "", nil},
	{"100% Club", "", []string{"percent"}},
}

func (p *population) seedGroups(tx directory.Store, c context.Context) error {
	for _, gs := range groupSeeds {
		g := directory.Group{OrgID: p.org.ID, DisplayName: gs.name, ExternalID: gs.ext}
		if err := tx.CreateGroup(c, &g); err != nil {
			return fmt.Errorf("group %s: %w", gs.name, err)
		}
		var members []directory.Member
		for _, m := range gs.members {
			if name, ok := strings.CutPrefix(m, "+"); ok {
				members = append(members, directory.Member{ID: p.groups[name].ID, Type: directory.MemberGroup})
			} else {
				members = append(members, directory.Member{ID: p.accounts[m].ID, Type: directory.MemberUser})
			}
		}
		if _, err := tx.AddMembers(c, p.org.ID, g.ID, members); err != nil {
			return fmt.Errorf("members of %s: %w", gs.name, err)
		}
		p.groups[gs.name] = g
	}
	p.rivalGroup = directory.Group{OrgID: p.rival.ID, DisplayName: "Engineering"}
	if err := tx.CreateGroup(c, &p.rivalGroup); err != nil {
		return err
	}
	_, err := tx.AddMembers(c, p.rival.ID, p.rivalGroup.ID,
		[]directory.Member{{ID: p.rivalAccount["alice"].ID, Type: directory.MemberUser}})
	return err
}

// keysOf names found accounts by key; accounts of another organization
// show up as "rival:<userName>" so a leak is obvious.
func (p *population) keysOf(accounts []directory.Account) []string {
	out := make([]string, 0, len(accounts))
	for _, a := range accounts {
		if key, ok := p.keyOf[a.ID]; ok && a.OrgID == p.org.ID {
			out = append(out, key)
		} else {
			out = append(out, "rival:"+a.UserName)
		}
	}
	return out
}

// all lists every key in creation order; allBut leaves some out.
func (p *population) all() []string { return slices.Clone(p.keys) }

func (p *population) allBut(keys ...string) []string {
	return slices.DeleteFunc(p.all(), func(k string) bool { return slices.Contains(keys, k) })
}

func fillerKeys() []string {
	var out []string
	for _, f := range fillers() {
		out = append(out, f.key)
	}
	return out
}

func plus(base []string, more ...string) []string { return append(slices.Clone(base), more...) }

// sameSet compares two key lists ignoring order.
func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(g, w) {
		t.Errorf("%s = %v; want %v", what, g, w)
	}
}

// sameOrder compares two key lists including order.
func sameOrder(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s =\n  %v\nwant\n  %v", what, got, want)
	}
}
