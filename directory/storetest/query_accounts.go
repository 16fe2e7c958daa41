package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// Short constructors keep the case tables readable.
func cond(attr directory.Attr, op directory.Op, value any) directory.Compare {
	return directory.Compare{Attr: attr, Op: op, Value: value}
}

func eq(attr directory.Attr, value any) directory.Compare { return cond(attr, directory.OpEq, value) }
func pr(attr directory.Attr) directory.Compare            { return cond(attr, directory.OpPr, nil) }
func not(f directory.Filter) directory.Not                { return directory.Not{Filter: f} }

type findCase struct {
	name   string
	filter directory.Filter
	want   []string
}

// testFindAccountsFilter: every operator on every kind of attribute,
// element filters, boolean nesting and absent values, checked on both the
// rows and the count.
func testFindAccountsFilter(t *testing.T, s directory.Store) {
	p := seed(t, s)
	for _, tc := range accountFilterCases(p) {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.FindAccounts(ctx(t), p.org.ID, directory.ListQuery{Filter: tc.filter, Limit: 100, WithTotal: true})
			noErr(t, "FindAccounts", err)
			sameSet(t, "accounts", p.keysOf(page.Accounts), tc.want)
			if page.Total != int64(len(tc.want)) || page.NextCursor != "" {
				t.Errorf("Total, NextCursor = %d, %q; want %d, \"\"", page.Total, page.NextCursor, len(tc.want))
			}
		})
	}
}

func accountFilterCases(p *population) []findCase {
	cases := slices.Concat(stringCases(p), absentCases(p), patternCases(p), orderedStringCases(),
		timeAndBoolCases(p), emailCases(p), logicCases(p))
	return cases
}

func stringCases(p *population) []findCase {
	return []findCase{
		{"no filter", nil, p.all()},
		{"userName eq, other case", eq(directory.AttrUserName, "ALICE@CORP.EXAMPLE"), []string{"alice"}},
		{"userName eq, same case", eq(directory.AttrUserName, "Alice@Corp.example"), []string{"alice"}},
		{"displayName eq, non-ASCII upper case", eq(directory.AttrDisplayName, "ÉMILE ZOLA"), []string{"emile"}},
		{"givenName eq, non-ASCII lower case", eq(directory.AttrGivenName, "émile"), []string{"emile"}},
		{"department eq folds case", eq(directory.AttrDepartment, "ENGINEERING"), []string{"alice", "bob"}},
		{"externalId eq is exact", eq(directory.AttrExternalID, "EXT-alice"), []string{"alice"}},
		{"externalId eq other case", eq(directory.AttrExternalID, "ext-alice"), nil},
		{"externalId eq lower-case id", eq(directory.AttrExternalID, "ext-bob"), []string{"bob"}},
		{"externalId eq upper-cased", eq(directory.AttrExternalID, "EXT-BOB"), nil},
		{"id eq", eq(directory.AttrID, p.accounts["zoe"].ID), []string{"zoe"}},
		{"state eq, named string type", eq(directory.AttrState, directory.StateInvited), []string{"bob"}},
		{"state eq is exact", eq(directory.AttrState, "INVITED"), nil},
		{"authMethod eq", eq(directory.AttrAuthMethod, "sso"), []string{"bob"}},
		{"manager.value eq", eq(directory.AttrManagerID, "mgr-alice"), []string{"bob"}},
		{"location eq", eq(directory.AttrLocation, "paris"), []string{"bob", "emile"}},
	}
}

// absentCases: NULL and "" never match eq, co, sw, ew, gt..., and always
// match ne and not(pr).
func absentCases(p *population) []findCase {
	return []findCase{
		{"department ne", cond(directory.AttrDepartment, directory.OpNe, "engineering"), p.allBut("alice", "bob")},
		{"externalId ne (NULLs match)", cond(directory.AttrExternalID, directory.OpNe, "EXT-alice"), p.allBut("alice")},
		{"not externalId eq", not(eq(directory.AttrExternalID, "ext-bob")), p.allBut("bob")},
		{"department pr", pr(directory.AttrDepartment), p.allBut("frank")},
		{"not department pr", not(pr(directory.AttrDepartment)), []string{"frank"}},
		{"externalId pr", pr(directory.AttrExternalID), []string{"alice", "bob", "star", "caps"}},
		{"not externalId pr", not(pr(directory.AttrExternalID)), p.allBut("alice", "bob", "star", "caps")},
		{"displayName eq empty", eq(directory.AttrDisplayName, ""), nil},
		{"displayName co empty is pr", cond(directory.AttrDisplayName, directory.OpCo, ""), p.allBut(plus(fillerKeys(), "frank")...)},
		{"displayName ne empty", cond(directory.AttrDisplayName, directory.OpNe, ""), p.all()},
		{"startDate pr", pr(directory.AttrStartDate), []string{"alice", "dave", "erin"}},
		{"not startDate pr", not(pr(directory.AttrStartDate)), p.allBut("alice", "dave", "erin")},
		{"active pr", pr(directory.AttrActive), p.all()},
		{"meta.created pr", pr(directory.AttrCreated), p.all()},
	}
}

// patternCases: co, sw and ew, with every character LIKE or GLOB treats
// specially taken literally.
func patternCases(p *population) []findCase {
	co := func(attr directory.Attr, v string) directory.Compare { return cond(attr, directory.OpCo, v) }
	return []findCase{
		{"displayName co, other case", co(directory.AttrDisplayName, "ZOL"), []string{"emile"}},
		{"displayName sw, non-ASCII", cond(directory.AttrDisplayName, directory.OpSw, "ÉMILE"), []string{"emile"}},
		{"givenName ew", cond(directory.AttrGivenName, directory.OpEw, "ILE"), []string{"emile"}},
		{"userName sw", cond(directory.AttrUserName, directory.OpSw, "FILLER"), fillerKeys()},
		{"userName ew", cond(directory.AttrUserName, directory.OpEw, "@CORP.EXAMPLE"), p.allBut("frank")},
		{"title co %", co(directory.AttrTitle, "%"), []string{"percent"}},
		{"title co _", co(directory.AttrTitle, "_"), []string{"under"}},
		{"userName co _", co(directory.AttrUserName, "_"), []string{"under"}},
		{`userName co \`, co(directory.AttrUserName, `\`), []string{"backslash"}},
		{`displayName co k\s`, co(directory.AttrDisplayName, `K\S`), []string{"backslash"}},
		{"displayName co %_", co(directory.AttrDisplayName, "0% s"), []string{"percent"}},
		{"externalId co *", co(directory.AttrExternalID, "*"), []string{"star"}},
		{"externalId co ?", co(directory.AttrExternalID, "?"), []string{"star"}},
		{"externalId co [c]", co(directory.AttrExternalID, "[c]"), []string{"star"}},
		{"externalId sw a*b", cond(directory.AttrExternalID, directory.OpSw, "a*b"), []string{"star"}},
		{"externalId ew ]", cond(directory.AttrExternalID, directory.OpEw, "]"), []string{"star"}},
		{"externalId sw is exact", cond(directory.AttrExternalID, directory.OpSw, "ABC"), []string{"caps"}},
		{"externalId sw other case", cond(directory.AttrExternalID, directory.OpSw, "abc"), nil},
		{"externalId co is exact", co(directory.AttrExternalID, "a"), []string{"alice", "star"}},
	}
}

// orderedStringCases: strings compare by code point after folding, and
// absent values never match gt, ge, lt or le.
func orderedStringCases() []findCase {
	return []findCase{
		{"department gt", cond(directory.AttrDepartment, directory.OpGt, "SALES"), []string{"emile"}},
		{"department ge", cond(directory.AttrDepartment, directory.OpGe, "sales"), []string{"zoe", "percent", "emile"}},
		{"department lt skips absent", cond(directory.AttrDepartment, directory.OpLt, "f"), []string{"alice", "bob"}},
		{"department le", cond(directory.AttrDepartment, directory.OpLe, "Engineering"), []string{"alice", "bob"}},
		{"department le empty", cond(directory.AttrDepartment, directory.OpLe, ""), nil},
		{"externalId lt, upper case first", cond(directory.AttrExternalID, directory.OpLt, "a"), []string{"alice", "caps"}},
		{"displayName gt, non-ASCII last", cond(directory.AttrDisplayName, directory.OpGt, "zoë"), []string{"zoe", "emile"}},
	}
}

func timeAndBoolCases(p *population) []findCase {
	tm := func(attr directory.Attr, op directory.Op, v time.Time) directory.Compare { return cond(attr, op, v) }
	dave := p.accounts["dave"].CreatedAt
	var afterDave []string
	for _, k := range p.keys {
		if p.accounts[k].CreatedAt.After(dave) {
			afterDave = append(afterDave, k)
		}
	}
	return []findCase{
		{"startDate gt", tm(directory.AttrStartDate, directory.OpGt, at(1, 0)), []string{"dave", "erin"}},
		{"startDate ge", tm(directory.AttrStartDate, directory.OpGe, at(1, 0)), []string{"alice", "dave", "erin"}},
		{"startDate eq, microseconds", tm(directory.AttrStartDate, directory.OpEq, at(10, 0)), []string{"erin"}},
		{"startDate eq, other time zone", tm(directory.AttrStartDate, directory.OpEq, at(10, 0).In(time.FixedZone("X", 5*3600))), []string{"erin"}},
		{"startDate gt, one microsecond", tm(directory.AttrStartDate, directory.OpGt, at(10, 0)), []string{"dave"}},
		{"startDate le", tm(directory.AttrStartDate, directory.OpLe, at(10, 0)), []string{"alice", "erin"}},
		{"startDate lt skips absent", tm(directory.AttrStartDate, directory.OpLt, at(5, 0)), []string{"alice"}},
		{"startDate ne", tm(directory.AttrStartDate, directory.OpNe, at(10, 0)), p.allBut("erin")},
		{"invitedAt ge", tm(directory.AttrInvitedAt, directory.OpGe, at(2, 0)), []string{"alice", "bob"}},
		{"claimedAt pr", pr(directory.AttrClaimedAt), []string{"alice"}},
		{"meta.created gt seeding start", tm(directory.AttrCreated, directory.OpGt, p.seededAfter), p.all()},
		{"meta.created lt seeding start", tm(directory.AttrCreated, directory.OpLt, p.seededAfter), nil},
		{"meta.created gt an account's", tm(directory.AttrCreated, directory.OpGt, dave), afterDave},
		{"meta.lastModified le now", tm(directory.AttrLastModified, directory.OpLe, time.Now().Add(time.Hour)), p.all()},
		{"active eq false", eq(directory.AttrActive, false), []string{"bob", "under"}},
		{"active ne true", cond(directory.AttrActive, directory.OpNe, true), []string{"bob", "under"}},
		{"frontline eq true", eq(directory.AttrFrontline, true), []string{"frank"}},
	}
}

func emailCases(p *population) []findCase {
	withEmails := []string{"alice", "bob", "emile", "zoe", "dave", "erin"}
	return []findCase{
		{"emails[type eq work and value co @x]", directory.Has{Attr: directory.AttrEmails, Filter: directory.And{
			eq(directory.AttrEmailType, "work"), cond(directory.AttrEmailValue, directory.OpCo, "@x")}}, []string{"erin"}},
		{"emails.value co @x (any element)", cond(directory.AttrEmailValue, directory.OpCo, "@X"), []string{"dave", "erin"}},
		{"emails.type eq home", eq(directory.AttrEmailType, "home"), []string{"alice", "dave"}},
		{"emails.type eq folds case", eq(directory.AttrEmailType, "WORK"), plus(fillerKeys(), withEmails...)},
		{"emails.value eq, non-ASCII", eq(directory.AttrEmailValue, "ÉMILE@CORP.EXAMPLE"), []string{"emile"}},
		{"emails.primary eq true", eq(directory.AttrEmailPrimary, true), []string{"alice", "emile", "erin"}},
		{"not emails.value pr", not(pr(directory.AttrEmailValue)), []string{"percent", "under", "backslash", "frank", "star", "caps"}},
		{"emails[not type eq work]", directory.Has{Attr: directory.AttrEmails, Filter: not(eq(directory.AttrEmailType, "work"))},
			[]string{"alice", "dave"}},
		{"emails[type eq home and primary eq true]", directory.Has{Attr: directory.AttrEmails, Filter: directory.And{
			eq(directory.AttrEmailType, "home"), eq(directory.AttrEmailPrimary, true)}}, nil},
		{"emails (any element)", directory.Has{Attr: directory.AttrEmails}, plus(fillerKeys(), withEmails...)},
	}
}

func logicCases(p *population) []findCase {
	ops := eq(directory.AttrDepartment, "operations")
	return []findCase{
		{"empty and", directory.And{}, p.all()},
		{"empty or", directory.Or{}, nil},
		{"not empty and", not(directory.And{}), nil},
		{"not empty or", not(directory.Or{}), p.all()},
		{"or of ands", directory.Or{
			directory.And{eq(directory.AttrDepartment, "Engineering"), eq(directory.AttrActive, true)},
			directory.And{eq(directory.AttrDepartment, "sales"), not(cond(directory.AttrTitle, directory.OpCo, "%"))},
		}, []string{"alice", "zoe"}},
		{"not or", not(directory.Or{ops, cond(directory.AttrUserName, directory.OpSw, "filler")}),
			[]string{"alice", "bob", "emile", "zoe", "percent", "frank"}},
		{"and with not or", directory.And{ops, not(directory.Or{cond(directory.AttrUserName, directory.OpSw, "filler"),
			pr(directory.AttrExternalID)})}, []string{"under", "backslash", "dave", "erin"}},
		{"four nots", not(not(not(not(eq(directory.AttrUserName, "alice@corp.example"))))), []string{"alice"}},
		{"single-clause or", directory.Or{eq(directory.AttrUserName, "bob@corp.example")}, []string{"bob"}},
		{"long or", directory.Or{eq(directory.AttrUserName, "alice@corp.example"), eq(directory.AttrUserName, "bob@corp.example"),
			eq(directory.AttrUserName, "zoe@corp.example"), eq(directory.AttrExternalID, "ABC-123"), eq(directory.AttrFrontline, true)},
			[]string{"alice", "bob", "zoe", "caps", "frank"}},
	}
}

// testFindInvalid: what the query language does not allow is ErrInvalid,
// never a database error.
func testFindInvalid(t *testing.T, s directory.Store) {
	p := seed(t, s)
	cursor := firstCursor(t, s, p.org.ID, directory.ListQuery{SortBy: directory.AttrDisplayName, Limit: 2})
	deep := directory.Filter(eq(directory.AttrUserName, "x"))
	for range 100 {
		deep = not(deep)
	}
	in := func(f directory.Filter) directory.ListQuery { return directory.ListQuery{Filter: f} }
	cases := map[string]directory.ListQuery{
		"unknown attribute":           in(eq("password", "x")),
		"group attribute":             in(eq(directory.AttrMemberValue, "x")),
		"multi-valued attribute":      in(pr(directory.AttrEmails)),
		"string value for boolean":    in(eq(directory.AttrActive, "true")),
		"number for string":           in(eq(directory.AttrUserName, 42)),
		"string for time":             in(cond(directory.AttrStartDate, directory.OpGt, "2026-03-01")),
		"nil value for eq":            in(eq(directory.AttrUserName, nil)),
		"value for pr":                in(cond(directory.AttrUserName, directory.OpPr, "x")),
		"gt on boolean":               in(cond(directory.AttrActive, directory.OpGt, true)),
		"co on time":                  in(cond(directory.AttrStartDate, directory.OpCo, at(1, 0))),
		"unknown operator":            in(cond(directory.AttrUserName, "regex", "x")),
		"NUL in value":                in(eq(directory.AttrUserName, "a\x00b")),
		"invalid UTF-8 value":         in(eq(directory.AttrUserName, "a\xffb")),
		"has on single-valued":        in(directory.Has{Attr: directory.AttrUserName, Filter: directory.And{}}),
		"has on members":              in(directory.Has{Attr: directory.AttrMembers, Filter: directory.And{}}),
		"account attribute in has":    in(directory.Has{Attr: directory.AttrEmails, Filter: eq(directory.AttrUserName, "x")}),
		"nested has":                  in(directory.Has{Attr: directory.AttrEmails, Filter: directory.Has{Attr: directory.AttrEmails}}),
		"nil clause in and":           in(directory.And{nil}),
		"nil under not":               in(not(nil)),
		"too deep":                    in(deep),
		"sort by unknown":             {SortBy: "password"},
		"sort by element field":       {SortBy: directory.AttrEmailType},
		"sort by multi-valued":        {SortBy: directory.AttrEmails},
		"offset and cursor":           {Offset: 1, After: cursor, SortBy: directory.AttrDisplayName},
		"garbage cursor":              {After: "!!not a cursor!!"},
		"cursor of another sort":      {After: cursor, SortBy: directory.AttrUserName},
		"cursor of another direction": {After: cursor, SortBy: directory.AttrDisplayName, Descending: true},
		"cursor of id order":          {After: cursor},
		"negative offset":             {Offset: -1},
		"negative limit":              {Limit: -1},
	}
	for name, q := range cases {
		_, err := s.FindAccounts(ctx(t), p.org.ID, q)
		wantErr(t, name, err, directory.ErrInvalid)
	}
}

func firstCursor(t *testing.T, s directory.Store, orgID string, q directory.ListQuery) string {
	t.Helper()
	page, err := s.FindAccounts(ctx(t), orgID, q)
	noErr(t, "FindAccounts", err)
	if page.NextCursor == "" {
		t.Fatal("first page has no NextCursor")
	}
	return page.NextCursor
}

// testFindIsolation: queries never see another organization's rows, even
// where values are identical.
func testFindIsolation(t *testing.T, s directory.Store) {
	p := seed(t, s)
	rivalKeys := func(accounts []directory.Account) []string {
		var out []string
		for _, a := range accounts {
			if a.OrgID != p.rival.ID {
				t.Errorf("rival query returned %q of org %s", a.UserName, a.OrgID)
			}
			out = append(out, a.UserName)
		}
		return out
	}
	for _, tc := range []struct {
		filter      directory.Filter
		acme, rival []string
	}{
		{nil, p.all(), []string{"alice@corp.example", "other@rival.example"}},
		{eq(directory.AttrUserName, "alice@corp.example"), []string{"alice"}, []string{"alice@corp.example"}},
		{cond(directory.AttrEmailValue, directory.OpCo, "@x"), []string{"dave", "erin"}, []string{"alice@corp.example"}},
		{eq(directory.AttrID, p.accounts["alice"].ID), []string{"alice"}, nil},
	} {
		page, err := s.FindAccounts(ctx(t), p.org.ID, directory.ListQuery{Filter: tc.filter, Limit: 100, WithTotal: true})
		noErr(t, "FindAccounts(acme)", err)
		sameSet(t, "acme accounts", p.keysOf(page.Accounts), tc.acme)
		page, err = s.FindAccounts(ctx(t), p.rival.ID, directory.ListQuery{Filter: tc.filter, Limit: 100, WithTotal: true})
		noErr(t, "FindAccounts(rival)", err)
		sameSet(t, "rival accounts", rivalKeys(page.Accounts), tc.rival)
		if page.Total != int64(len(tc.rival)) {
			t.Errorf("rival Total = %d; want %d", page.Total, len(tc.rival))
		}
	}
	groups, err := s.FindGroups(ctx(t), p.rival.ID, directory.ListQuery{Filter: eq(directory.AttrMemberValue, p.accounts["alice"].ID)})
	noErr(t, "FindGroups(rival)", err)
	if len(groups.Groups) != 0 {
		t.Errorf("rival finds %d groups by a member of acme; want 0", len(groups.Groups))
	}
	empty := mustOrg(t, s, "empty")
	page, err := s.FindAccounts(ctx(t), empty.ID, directory.ListQuery{WithTotal: true})
	noErr(t, "FindAccounts(empty org)", err)
	if len(page.Accounts) != 0 || page.Total != 0 || page.NextCursor != "" {
		t.Errorf("empty org page = %d accounts, total %d, cursor %q", len(page.Accounts), page.Total, page.NextCursor)
	}
}
