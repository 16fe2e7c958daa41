package gormstore

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// allAttrs lists every directory.Attr constant.
var allAttrs = []directory.Attr{
	directory.AttrID, directory.AttrUserName, directory.AttrExternalID, directory.AttrDisplayName,
	directory.AttrGivenName, directory.AttrFamilyName, directory.AttrActive, directory.AttrState,
	directory.AttrAuthMethod, directory.AttrFrontline, directory.AttrTitle, directory.AttrDepartment,
	directory.AttrDivision, directory.AttrOrganization, directory.AttrCostCenter, directory.AttrEmployeeNumber,
	directory.AttrLocation, directory.AttrManagerID, directory.AttrStartDate, directory.AttrInvitedAt,
	directory.AttrClaimedAt, directory.AttrCreated, directory.AttrLastModified, directory.AttrEmails,
	directory.AttrEmailValue, directory.AttrEmailType, directory.AttrEmailPrimary, directory.AttrMembers,
	directory.AttrMemberValue, directory.AttrMemberType,
}

// TestVocabularyMatchesKindTables: every attribute the query language
// allows maps to a column of the same kind, and nothing else maps.
func TestVocabularyMatchesKindTables(t *testing.T) {
	for _, e := range []*entity{accountEntity, groupEntity} {
		for _, a := range allAttrs {
			want, allowed := e.kindOf(a)
			col, mapped := e.columns[a]
			if c := e.collectionOf(a); c != nil {
				col, mapped = c.fields[a], true
			}
			if allowed != mapped || (mapped && col.kind != want) {
				t.Errorf("%s.%s: allowed %v (kind %v), mapped %v (kind %v)", e.table, a, allowed, want, mapped, col.kind)
			}
		}
	}
}

func TestFilterSQL(t *testing.T) {
	work := directory.Has{Attr: directory.AttrEmails, Filter: directory.And{
		directory.Compare{Attr: directory.AttrEmailType, Op: directory.OpEq, Value: "Work"},
		directory.Compare{Attr: directory.AttrEmailValue, Op: directory.OpCo, Value: "50%_x"},
	}}
	for _, tc := range []struct {
		name     string
		dialect  Dialect
		filter   directory.Filter
		sql      string
		args     []any
		postgres string // when PostgreSQL differs
	}{
		{
			name:   "userName eq uses the lower column",
			filter: directory.Compare{Attr: directory.AttrUserName, Op: directory.OpEq, Value: "Ada@X.org"},
			sql:    "(a.user_name_lower = ?)", args: []any{"ada@x.org"},
		},
		{
			name:   "ne on a nullable column is the negation of a NULL-guarded eq",
			filter: directory.Compare{Attr: directory.AttrExternalID, Op: directory.OpNe, Value: "E1"},
			sql:    "(NOT (a.external_id IS NOT NULL AND likelihood(a.external_id = ?, 0.001)))", args: []any{"E1"},
			postgres: "(NOT (a.external_id IS NOT NULL AND a.external_id = ?))",
		},
		{
			name:   "lt guards the absent value and compares by code point",
			filter: directory.Compare{Attr: directory.AttrTitle, Op: directory.OpLt, Value: "M"},
			sql:    "(a.title_lower < ? AND a.title_lower <> '')", args: []any{"m"},
			postgres: `(a.title_lower COLLATE "C" < ? AND a.title_lower <> '')`,
		},
		{
			name:   "value filter on emails",
			filter: work,
			sql: "EXISTS (SELECT 1 FROM account_emails e WHERE e.org_id = a.org_id AND e.account_id = a.id AND " +
				`((LOWER(e.type) = ?) AND (e.value_lower LIKE ? ESCAPE '\')))`,
			args: []any{"work", `%50\%\_x%`},
			postgres: "EXISTS (SELECT 1 FROM account_emails e WHERE e.org_id = a.org_id AND e.account_id = a.id AND " +
				`((LOWER(e.type COLLATE "C") = ?) AND (e.value_lower LIKE ? ESCAPE '\')))`,
		},
		{
			name:    "exact-case pattern on SQLite is GLOB",
			dialect: SQLite,
			filter:  directory.Compare{Attr: directory.AttrExternalID, Op: directory.OpSw, Value: "a*[?"},
			sql:     "(a.external_id IS NOT NULL AND a.external_id GLOB ?)", args: []any{"a[*][[][?]*"},
		},
		{
			name:    "exact-case pattern on PostgreSQL is LIKE",
			dialect: Postgres,
			filter:  directory.Compare{Attr: directory.AttrExternalID, Op: directory.OpSw, Value: `a\_`},
			sql:     `(a.external_id IS NOT NULL AND a.external_id LIKE ? ESCAPE '\')`, args: []any{`a\\\_%`},
		},
		{
			// An optional time compares as its sort terms do (the "is
			// absent" flag, then the time), so its sort index serves it.
			name: "nesting, empty and, pr on a time", dialect: SQLite,
			filter: directory.Or{directory.Not{Filter: directory.Compare{Attr: directory.AttrStartDate, Op: directory.OpPr}},
				directory.And{}, directory.Compare{Attr: directory.AttrActive, Op: directory.OpEq, Value: true}},
			sql:  "((NOT (((a.start_date IS NULL), COALESCE(a.start_date, ?)) < (?, ?))) OR ((1=1) OR (a.active = ?)))",
			args: []any{absentTime, true, absentTime, true},
		},
		{
			name: "pr on a time, PostgreSQL", dialect: Postgres,
			filter: directory.Compare{Attr: directory.AttrInvitedAt, Op: directory.OpPr},
			sql:    "(((a.invited_at IS NULL), COALESCE(a.invited_at, " + absentTimeSQL + ")) < (?, ?))",
			args:   []any{true, absentTime},
		},
		{
			name: "time range on an optional time", dialect: Postgres,
			filter: directory.Compare{Attr: directory.AttrInvitedAt, Op: directory.OpGe, Value: absentTime.AddDate(2025, 0, 0)},
			sql: "(((a.invited_at IS NULL), COALESCE(a.invited_at, " + absentTimeSQL + ")) >= (?, ?) AND " +
				"((a.invited_at IS NULL), COALESCE(a.invited_at, " + absentTimeSQL + ")) < (?, ?))",
			args: []any{false, absentTime.AddDate(2025, 0, 0), true, absentTime},
		},
	} {
		for _, d := range []Dialect{SQLite, Postgres} {
			if tc.dialect != "" && d != tc.dialect {
				continue
			}
			want := tc.sql
			if d == Postgres && tc.postgres != "" {
				want = tc.postgres
			}
			var out sqlBuf
			if err := translateFilter(d, accountEntity, tc.filter, &out); err != nil {
				t.Fatalf("%s (%s): %v", tc.name, d, err)
			}
			if out.String() != want || !slices.Equal(out.args, tc.args) {
				t.Errorf("%s (%s):\n got %s %v\nwant %s %v", tc.name, d, out.String(), out.args, want, tc.args)
			}
		}
	}
}

func TestFilterErrorsAreValidationErrors(t *testing.T) {
	for _, f := range []directory.Filter{
		directory.Compare{Attr: "nope", Op: directory.OpEq, Value: "x"},
		directory.Compare{Attr: directory.AttrActive, Op: directory.OpGt, Value: true},
		directory.Compare{Attr: directory.AttrStartDate, Op: directory.OpEq, Value: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		directory.Compare{Attr: directory.AttrUserName, Op: directory.OpEq, Value: strings.Repeat("x", maxValueBytes+1)},
		&directory.And{},
		wide(maxFilterNodes),
	} {
		var out sqlBuf
		err := translateFilter(SQLite, accountEntity, f, &out)
		var ve *directory.ValidationError
		if !errors.As(err, &ve) || ve.Field != "filter" || !errors.Is(err, directory.ErrInvalid) {
			t.Errorf("%#v: error = %v; want a filter ValidationError", f, err)
		}
	}
}

// wide is an And of n clauses, n+1 nodes in all.
func wide(n int) directory.And {
	and := make(directory.And, n)
	for i := range and {
		and[i] = directory.Compare{Attr: directory.AttrActive, Op: directory.OpEq, Value: true}
	}
	return and
}

func base64URL(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestCursorRoundTrip(t *testing.T) {
	when := time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)
	for _, tc := range []struct {
		by    directory.Attr
		value any
	}{
		{"", nil},
		{directory.AttrDisplayName, "Zoë ⁄ \"quoted\""},
		{directory.AttrDisplayName, ""},
		{directory.AttrActive, true},
		{directory.AttrCreated, when},
		{directory.AttrStartDate, when},
		{directory.AttrStartDate, nil},
	} {
		key, err := newSortKey(accountEntity, directory.ListQuery{SortBy: tc.by, Descending: true})
		if err != nil {
			t.Fatal(err)
		}
		c, err := encodeCursor(key, position{value: tc.value, id: "0190-id"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Trim(c, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			t.Errorf("cursor %q is not URL-safe", c)
		}
		got, err := decodeCursor(key, c)
		if err != nil || got.id != "0190-id" || got.value != tc.value {
			t.Errorf("sort %q: decoded %+v, %v; want %v", tc.by, got, err, tc.value)
		}
		asc, _ := newSortKey(accountEntity, directory.ListQuery{SortBy: tc.by})
		if _, err := decodeCursor(asc, c); !errors.Is(err, directory.ErrInvalid) {
			t.Errorf("sort %q: cursor accepted for the other direction: %v", tc.by, err)
		}
	}
}

func TestCursorRejectsForgeries(t *testing.T) {
	key, _ := newSortKey(accountEntity, directory.ListQuery{SortBy: directory.AttrStartDate})
	for _, raw := range []string{
		`{"s":"startDate","v":"yesterday","i":"x"}`,
		`{"s":"startDate","v":true,"i":"x"}`,
		`{"s":"startDate","v":null}`,
		`{"s":"startDate","v":null,"i":"x","extra":1}`,
		`{"s":"startDate","v":null,"i":"x"} {}`,
		`{"s":"startDate","v":null,"i":"a\u0000"}`,
		`[]`,
	} {
		c := base64URL(raw)
		if _, err := decodeCursor(key, c); !errors.Is(err, directory.ErrInvalid) {
			t.Errorf("%s: error = %v; want ErrInvalid", raw, err)
		}
	}
	if _, err := decodeCursor(key, strings.Repeat("A", maxCursorLength+1)); !errors.Is(err, directory.ErrInvalid) {
		t.Errorf("huge cursor: error = %v; want ErrInvalid", err)
	}
}
