package gormstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/migrations"
)

// This file is a second, deliberately naive implementation of the query
// semantics, evaluated in Go over a small population. FuzzFilterSQL
// compares the database's answers with it.

// refValue is an attribute value as queries see it: strings folded the way
// the column folds them, "" or a nil time when absent.
type refValue struct {
	kind directory.Kind
	fold func(string) string // applied to operands; nil for exact strings
	s    string
	b    bool
	t    *time.Time
}

func (v refValue) present() bool {
	switch v.kind {
	case directory.KindBool:
		return true
	case directory.KindTime:
		return v.t != nil
	}
	return v.s != ""
}

func str(s string) refValue { return refValue{kind: directory.KindExactString, s: s} }
func folds(s string) refValue {
	return refValue{kind: directory.KindString, fold: strings.ToLower, s: strings.ToLower(s)}
}
func flag(b bool) refValue          { return refValue{kind: directory.KindBool, b: b} }
func when(t *time.Time) refValue    { return refValue{kind: directory.KindTime, t: t} }
func whenever(t time.Time) refValue { return when(&t) }

// accountValue reads a single-valued attribute of a.
func accountValue(a directory.Account, attr directory.Attr) refValue {
	auth := string(a.AuthMethod)
	if auth == "" {
		auth = string(directory.AuthPassword)
	}
	return map[directory.Attr]refValue{
		directory.AttrID: str(a.ID), directory.AttrUserName: folds(a.UserName), directory.AttrExternalID: str(a.ExternalID),
		directory.AttrDisplayName: folds(a.DisplayName), directory.AttrGivenName: folds(a.GivenName),
		directory.AttrFamilyName: folds(a.FamilyName), directory.AttrActive: flag(a.Active), directory.AttrState: str(string(a.State)),
		directory.AttrAuthMethod: str(auth), directory.AttrFrontline: flag(a.Frontline), directory.AttrTitle: folds(a.Title),
		directory.AttrDepartment: folds(a.Department), directory.AttrDivision: folds(a.Division),
		directory.AttrOrganization: folds(a.Organization), directory.AttrCostCenter: folds(a.CostCenter),
		directory.AttrEmployeeNumber: folds(a.EmployeeNumber), directory.AttrLocation: folds(a.Location),
		directory.AttrManagerID: str(a.ManagerID), directory.AttrStartDate: when(a.StartDate), directory.AttrInvitedAt: when(a.InvitedAt),
		directory.AttrClaimedAt: when(a.ClaimedAt), directory.AttrCreated: whenever(a.CreatedAt),
		directory.AttrLastModified: whenever(a.UpdatedAt),
		// Sorting by emails sorts by the primary email.
		directory.AttrEmailValue: folds(a.PrimaryEmail()),
	}[attr]
}

func groupValue(g directory.Group, attr directory.Attr) refValue {
	return map[directory.Attr]refValue{
		directory.AttrID: str(g.ID), directory.AttrExternalID: str(g.ExternalID), directory.AttrDisplayName: folds(g.DisplayName),
		directory.AttrCreated: whenever(g.CreatedAt), directory.AttrLastModified: whenever(g.UpdatedAt),
	}[attr]
}

// elementValue reads a field of one email or member.
func elementValue(element any, attr directory.Attr) refValue {
	switch el := element.(type) {
	case directory.Email:
		switch attr {
		case directory.AttrEmailValue:
			return folds(el.Value)
		case directory.AttrEmailType:
			return refValue{kind: directory.KindString, fold: asciiLower, s: asciiLower(el.Type)}
		case directory.AttrEmailPrimary:
			return flag(el.Primary)
		}
	case directory.Member:
		switch attr {
		case directory.AttrMemberValue:
			return str(el.ID)
		case directory.AttrMemberType:
			return str(string(el.Type))
		}
	}
	panic("no element field " + attr)
}

// refRecord is an account or a group with its elements.
type refRecord struct {
	id       string
	value    func(directory.Attr) refValue
	elements map[directory.Attr][]any // emails or members
}

// refMatch evaluates an accepted filter. in names the collection inside
// a Has; elem is the element under test there.
func refMatch(r refRecord, f directory.Filter, elem any) bool {
	switch f := f.(type) {
	case directory.And:
		for _, c := range f {
			if !refMatch(r, c, elem) {
				return false
			}
		}
		return true
	case directory.Or:
		return slices.ContainsFunc(f, func(c directory.Filter) bool { return refMatch(r, c, elem) })
	case directory.Not:
		return !refMatch(r, f.Filter, elem)
	case directory.Has:
		return slices.ContainsFunc(r.elements[f.Attr], func(el any) bool { return f.Filter == nil || refMatch(r, f.Filter, el) })
	case directory.Compare:
		if elem != nil {
			return refCompare(elementValue(elem, f.Attr), f.Op, f.Value)
		}
		for multi, els := range r.elements {
			if strings.HasPrefix(string(f.Attr), string(multi)+".") {
				return slices.ContainsFunc(els, func(el any) bool { return refCompare(elementValue(el, f.Attr), f.Op, f.Value) })
			}
		}
		return refCompare(r.value(f.Attr), f.Op, f.Value)
	}
	panic("unexpected filter")
}

func refCompare(v refValue, op directory.Op, operand any) bool {
	if op == directory.OpPr {
		return v.present()
	}
	if op == directory.OpNe {
		return !refCompare(v, directory.OpEq, operand)
	}
	if !v.present() {
		return false
	}
	switch v.kind {
	case directory.KindBool:
		b, _ := boolValue(operand)
		return v.b == b
	case directory.KindTime:
		t := operand.(time.Time).UTC().Truncate(time.Microsecond)
		return ordered(v.t.Compare(t), op)
	}
	s, _ := stringValue(operand)
	if v.fold != nil {
		s = v.fold(s)
	}
	switch op {
	case directory.OpCo:
		return strings.Contains(v.s, s)
	case directory.OpSw:
		return strings.HasPrefix(v.s, s)
	case directory.OpEw:
		return strings.HasSuffix(v.s, s)
	}
	return ordered(strings.Compare(v.s, s), op)
}

func ordered(c int, op directory.Op) bool {
	switch op {
	case directory.OpEq:
		return c == 0
	case directory.OpGt:
		return c > 0
	case directory.OpGe:
		return c >= 0
	case directory.OpLt:
		return c < 0
	case directory.OpLe:
		return c <= 0
	}
	panic("unexpected operator " + op)
}

// refOrder sorts ids as ListQuery asks: present values first (ascending),
// by value, then by id; descending reverses it all.
func refOrder(records []refRecord, by directory.Attr, desc bool) []string {
	sorted := slices.Clone(records)
	slices.SortFunc(sorted, func(x, y refRecord) int {
		c := 0
		if by != "" && by != directory.AttrID {
			vx, vy := x.value(by), y.value(by)
			c = cmp.Or(cmp.Compare(boolInt(!vx.present()), boolInt(!vy.present())), compareValues(vx, vy))
		}
		return cmp.Or(c, strings.Compare(x.id, y.id))
	})
	ids := make([]string, len(sorted))
	for i, r := range sorted {
		ids[i] = r.id
	}
	if desc {
		slices.Reverse(ids)
	}
	return ids
}

func compareValues(x, y refValue) int {
	switch {
	case !x.present() || !y.present():
		return 0
	case x.kind == directory.KindBool:
		return cmp.Compare(boolInt(x.b), boolInt(y.b))
	case x.kind == directory.KindTime:
		return x.t.Compare(*y.t)
	}
	return strings.Compare(x.s, y.s)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// refPopulation is a small directory full of values that are awkward for
// SQL: metacharacters, quotes, case and Unicode folding, absent values.
type refPopulation struct {
	store          *Store
	org            string
	accounts       []refRecord
	groups         []refRecord
	accountStrings []string // every stored string, for the fuzz corpus
}

func newRefPopulation(tb testing.TB) *refPopulation {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Options{URL: testdb.SQLitePath(tb), Dialect: SQLite})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if _, err := migrations.Up(ctx, s.DB(), migrations.Dialect(SQLite)); err != nil {
		tb.Fatal(err)
	}
	p := &refPopulation{store: s}
	err = s.InTx(ctx, func(tx directory.Store) error {
		org := directory.Organization{Slug: "ref", Name: "Ref"}
		if err := tx.CreateOrganization(ctx, &org); err != nil {
			return err
		}
		p.org = org.ID
		return p.seed(ctx, tx)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func micro(day, us int) *time.Time {
	t := time.Date(2026, time.March, day, 9, 30, 0, us*1000, time.UTC)
	return &t
}

var refAccounts = []directory.Account{
	{UserName: "Ada%_Lovelace@X.org", ExternalID: "A*1", DisplayName: "Ada", Title: "50% off", Department: "R&D",
		Emails: []directory.Email{{Type: "Work", Value: "Ada%_Lovelace@X.org", Primary: true}, {Type: "home", Value: "ada@home"}},
		Active: true, State: directory.StateClaimed, StartDate: micro(1, 0), ClaimedAt: micro(2, 5)},
	{UserName: `back\slash`, ExternalID: "a?[1]", DisplayName: "Émile", Title: "a_b", Department: "r&d", ManagerID: "M-1",
		Emails: []directory.Email{{Type: "WORK", Value: "É@x.org"}}, State: directory.StateInvited, AuthMethod: directory.AuthSSO,
		StartDate: micro(1, 1), InvitedAt: micro(2, 0)},
	{UserName: "İstanbul", DisplayName: "ß Kelvin K", Department: "Sales", Frontline: true, Active: true,
		State: directory.StateNotInvited},
	{UserName: "quote'\"--;", ExternalID: "ext-1", DisplayName: "[c]*?", Location: "'", ManagerID: "m-1",
		Emails: []directory.Email{{Type: "ÄRBEIT", Value: "q@x.org"}, {Type: "", Value: "Q@X.ORG", Primary: true}},
		Active: true, State: directory.StateClaimed, StartDate: micro(1, 1)},
	{UserName: "zed", ExternalID: "EXT-1", Active: true, State: directory.StateNotInvited, InvitedAt: micro(3, 0)},
	{UserName: "ZOË", DisplayName: "zoë", Department: "Sales", Emails: []directory.Email{{Type: "other", Value: "zoë@ü.example"}},
		State: directory.StateInvited},
}

var refGroups = []struct {
	name, ext string
	members   []int // indexes into refAccounts; -1 names the first group
}{
	{"R&D", "G*1", []int{0, 1}},
	{"sales_%", "", []int{2, 5, -1}},
	{"Ümlaut", "g?1", nil},
}

func (p *refPopulation) seed(ctx context.Context, tx directory.Store) error {
	for _, a := range refAccounts {
		a.OrgID = p.org
		if err := tx.CreateAccount(ctx, &a); err != nil {
			return err
		}
		emails := make([]any, len(a.Emails))
		for i, e := range a.Emails {
			emails[i] = e
			p.accountStrings = append(p.accountStrings, e.Value, e.Type)
		}
		p.accounts = append(p.accounts, refRecord{id: a.ID, elements: map[directory.Attr][]any{directory.AttrEmails: emails},
			value: func(attr directory.Attr) refValue { return accountValue(a, attr) }})
		p.accountStrings = append(p.accountStrings, a.ID, a.UserName, a.ExternalID, a.DisplayName, a.Title, a.Department, a.ManagerID)
	}
	for _, gs := range refGroups {
		g := directory.Group{OrgID: p.org, DisplayName: gs.name, ExternalID: gs.ext}
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return err
		}
		var members []directory.Member
		for _, i := range gs.members {
			if i < 0 {
				members = append(members, directory.Member{ID: p.groups[0].id, Type: directory.MemberGroup})
			} else {
				members = append(members, directory.Member{ID: p.accounts[i].id, Type: directory.MemberUser})
			}
		}
		if _, err := tx.AddMembers(ctx, p.org, g.ID, members); err != nil {
			return err
		}
		elements := make([]any, len(members))
		for i, m := range members {
			elements[i] = m
		}
		p.groups = append(p.groups, refRecord{id: g.ID, elements: map[directory.Attr][]any{directory.AttrMembers: elements},
			value: func(attr directory.Attr) refValue { return groupValue(g, attr) }})
		p.accountStrings = append(p.accountStrings, g.ID, g.DisplayName, g.ExternalID)
	}
	return nil
}
