package gormstore

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/latchkeyhq/latchkey/directory"
)

// FuzzFilterSQL decodes bytes into a random ListQuery (filter trees over
// real and made-up attributes, operators and values of every type, sorts
// and paging) and checks that:
//   - translating never panics, and refusals are ErrInvalid on both dialects alike;
//   - accepted SQL contains only known identifiers, keywords and constant
//     literals, one placeholder per argument, and no trace of a value;
//   - it runs on SQLite without error and returns exactly, in order, what
//     the naive Go evaluator in query_reference_test.go computes.
func FuzzFilterSQL(f *testing.F) {
	for _, seed := range []string{
		"", "\x05\x01\x01\x00", "\x00\x03\x05\x02\x06\x01", "\x02\x02\x02\x02\x05\x10\x00\x01",
		"\x01\x04\x05\x1b\x04\x00\x05\x1d\x00\x02", "\x03\x17\x01\x05\x19\x00\x01", "\x05\x03\x07\x06\x04",
		"\x05\x12\x05\x01\x09\x01\x01\x03\x01\x00\x00", "\x00\x05\x05\x08\x04\x02\x05\x13\x06\x06",
		strings.Repeat("\x02", 80), "\x00\x05" + strings.Repeat("\x05\x06\x00\x05", 40),
		"userName eq \"x\" and emails[type eq \"work\"]", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5",
	} {
		f.Add([]byte(seed))
	}
	p := newRefPopulation(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDecoder{data: data, stored: p.accountStrings, kindOf: directory.AccountAttrKind}
		groups := d.bool()
		if groups {
			d.kindOf = directory.GroupAttrKind
		}
		q := d.query()
		walk := d.bool()
		e, records := accountEntity, p.accounts
		if groups {
			e, records = groupEntity, p.groups
		}
		plan, err := checkTranslation(t, e, q)
		run := runFind(t, p, groups, q)
		if err != nil {
			if !errors.Is(run.err, directory.ErrInvalid) {
				t.Fatalf("%#v refused (%v) but the store said %v", q, err, run.err)
			}
			return
		}
		if run.err != nil {
			t.Fatalf("%#v: SQL failed: %v\n%s", q, run.err, plan.pageSQL().String())
		}
		checkAgainstReference(t, q, plan, run, records)
		if walk && q.Offset == 0 && q.After == "" && !plan.countOnly {
			checkWalk(t, p, groups, q, records)
		}
	})
}

// checkTranslation translates q for both dialects and inspects the SQL.
func checkTranslation(t *testing.T, e *entity, q directory.ListQuery) (*listPlan, error) {
	plan, err := newListPlan(SQLite, e, "org", q)
	pgPlan, pgErr := newListPlan(Postgres, e, "org", q)
	if (err == nil) != (pgErr == nil) {
		t.Fatalf("%#v: SQLite says %v, PostgreSQL says %v", q, err, pgErr)
	}
	if err != nil {
		var ve *directory.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, directory.ErrInvalid) {
			t.Fatalf("%#v: refusal %v is not a ValidationError", q, err)
		}
		return nil, err
	}
	for _, pl := range []*listPlan{plan, pgPlan} {
		for _, stmt := range []*sqlBuf{pl.pageSQL(), pl.countSQL()} {
			if problem := checkSQLText(stmt); problem != "" {
				t.Fatalf("%#v: %s in\n%s", q, problem, stmt.String())
			}
		}
	}
	checkCanary(t, e, q)
	return plan, nil
}

// canary marks every string value; if the translator ever copied a value
// into the SQL text, the marker would show.
const canary = "ZqXjV"

func checkCanary(t *testing.T, e *entity, q directory.ListQuery) {
	q.Filter = mapStrings(q.Filter, func(s string) string { return canary + s })
	for _, d := range []Dialect{SQLite, Postgres} {
		plan, err := newListPlan(d, e, "org", q)
		if err != nil {
			return // a longer value may pass the length limit
		}
		if sql := plan.pageSQL().String(); strings.Contains(strings.ToLower(sql), strings.ToLower(canary)) {
			t.Fatalf("a value reached the SQL text:\n%s", sql)
		}
	}
}

func mapStrings(f directory.Filter, fn func(string) string) directory.Filter {
	switch f := f.(type) {
	case directory.And:
		out := make(directory.And, len(f))
		for i, c := range f {
			out[i] = mapStrings(c, fn)
		}
		return out
	case directory.Or:
		out := make(directory.Or, len(f))
		for i, c := range f {
			out[i] = mapStrings(c, fn)
		}
		return out
	case directory.Not:
		return directory.Not{Filter: mapStrings(f.Filter, fn)}
	case directory.Has:
		return directory.Has{Attr: f.Attr, Filter: mapStrings(f.Filter, fn)}
	case directory.Compare:
		if s, ok := f.Value.(string); ok {
			f.Value = fn(s)
		}
		return f
	}
	return f
}

// sqlWords is every bare word the translator may write.
var sqlWords = func() map[string]bool {
	words := map[string]bool{}
	for _, w := range strings.Fields(`SELECT COUNT FROM WHERE AND OR NOT EXISTS IS NULL LIKE ESCAPE GLOB COLLATE
		LOWER COALESCE ORDER BY DESC LIMIT OFFSET likelihood org_id account_id group_id ARRAY CAST AS text
		CROSS JOIN LATERAL k`) {
		words[w] = true
	}
	for _, e := range []*entity{accountEntity, groupEntity} {
		words[e.table], words[e.alias] = true, true
		for _, c := range e.columns {
			words[c.name] = true
		}
		for _, c := range e.sortOnly {
			words[c.name] = true
		}
		for _, c := range e.collections {
			words[c.table], words[c.alias] = true, true
			for _, col := range c.fields {
				words[col.name] = true
			}
		}
	}
	return words
}()

// facetTags are the key tags query_facets.go writes as literals.
var facetTags = func() []string {
	var tags []string
	for _, f := range accountEntity.facets {
		tags = append(tags, "':"+f.tag+":'")
	}
	return tags
}()

// checkSQLText tokenizes SQL and returns what is out of place, if anything.
func checkSQLText(stmt *sqlBuf) string {
	sql := stmt.String()
	if n := strings.Count(sql, "?"); n != len(stmt.args) {
		return "placeholders and arguments differ in number"
	}
	for i := 0; i < len(sql); {
		rest := sql[i:]
		switch c := rest[0]; {
		case c == ' ' || strings.IndexByte("(),.*?=<>", c) >= 0:
			i++
		case c == '_' || unicode.IsLetter(rune(c)):
			j := strings.IndexFunc(rest, func(r rune) bool { return r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) })
			if j < 0 {
				j = len(rest)
			}
			if !sqlWords[rest[:j]] {
				return "unknown word " + rest[:j]
			}
			i += j
		default:
			lit := ""
			// absentTimeSQL and the facet tags are the store's own
			// constants, never a value.
			for _, l := range append([]string{absentTimeSQL, `''`, `'\'`, `"C"`, `"accounts"`, `"groups"`, "0.001", "1", "0",
				"||", "@>", "[", "]"}, facetTags...) {
				if strings.HasPrefix(rest, l) {
					lit = l
					break
				}
			}
			if lit == "" {
				return "unexpected text at " + rest
			}
			i += len(lit)
		}
	}
	return ""
}

type findResult struct {
	ids   []string
	total int64
	next  string
	err   error
}

func runFind(t *testing.T, p *refPopulation, groups bool, q directory.ListQuery) findResult {
	var res findResult
	if groups {
		page, err := p.store.FindGroups(t.Context(), p.org, q)
		for _, g := range page.Groups {
			res.ids = append(res.ids, g.ID)
		}
		res.total, res.next, res.err = page.Total, page.NextCursor, err
		return res
	}
	page, err := p.store.FindAccounts(t.Context(), p.org, q)
	for _, a := range page.Accounts {
		res.ids = append(res.ids, a.ID)
	}
	res.total, res.next, res.err = page.Total, page.NextCursor, err
	return res
}

func expected(q directory.ListQuery, records []refRecord) []string {
	var matching []refRecord
	for _, r := range records {
		if q.Filter == nil || refMatch(r, q.Filter, nil) {
			matching = append(matching, r)
		}
	}
	return refOrder(matching, q.SortBy, q.Descending)
}

func checkAgainstReference(t *testing.T, q directory.ListQuery, plan *listPlan, run findResult, records []refRecord) {
	all := expected(q, records)
	if q.WithTotal && run.total != int64(len(all)) {
		t.Fatalf("%#v: Total = %d; want %d", q, run.total, len(all))
	}
	if plan.countOnly {
		if len(run.ids) != 0 || run.next != "" {
			t.Fatalf("%#v: count-only query returned rows or a cursor", q)
		}
		return
	}
	if q.After != "" {
		return // decodable only if forged; walks check cursors
	}
	from, to := min(q.Offset, len(all)), min(q.Offset+plan.limit, len(all))
	if want := all[from:to]; !slices.Equal(run.ids, want) {
		t.Fatalf("%#v:\n got %v\nwant %v\nSQL %s", q, run.ids, want, plan.pageSQL().String())
	}
	if (run.next != "") != (to < len(all)) {
		t.Fatalf("%#v: NextCursor %q with %d of %d rows read", q, run.next, to, len(all))
	}
}

// checkWalk pages through q with cursors and expects every match once.
func checkWalk(t *testing.T, p *refPopulation, groups bool, q directory.ListQuery, records []refRecord) {
	q.Limit = max(1, min(q.Limit, 3))
	q.WithTotal = false
	var got []string
	for range len(records) + 1 {
		run := runFind(t, p, groups, q)
		if run.err != nil {
			t.Fatalf("%#v: walk: %v", q, run.err)
		}
		got = append(got, run.ids...)
		if q.After = run.next; q.After == "" {
			break
		}
	}
	q.After = ""
	if want := expected(q, records); !slices.Equal(got, want) {
		t.Fatalf("%#v: walk\n got %v\nwant %v", q, got, want)
	}
}

// fuzzDecoder turns bytes into queries; exhausted input reads as zeros,
// which decode to the smallest choices, so every input terminates.
type fuzzDecoder struct {
	data   []byte
	stored []string
	kindOf func(directory.Attr) (directory.Kind, bool)
}

func (d *fuzzDecoder) next() byte {
	if len(d.data) == 0 {
		return 0
	}
	b := d.data[0]
	d.data = d.data[1:]
	return b
}

func (d *fuzzDecoder) pick(n int) int { return int(d.next()) % n }
func (d *fuzzDecoder) bool() bool     { return d.next()&1 == 1 }

var (
	fuzzAttrs = append(slices.Clone(allAttrs), "", "password", "USERNAME", "emails.value.x", "members.", "userName ")
	fuzzOps   = []directory.Op{directory.OpEq, directory.OpNe, directory.OpCo, directory.OpSw, directory.OpEw,
		directory.OpPr, directory.OpGt, directory.OpGe, directory.OpLt, directory.OpLe, "EQ", "regex"}
	fuzzStrings = []string{"", "a", "A", "%", "_", `\`, "*", "?", "[", "]", "[c]", "'", "''", `"`, ";--",
		"'; DROP TABLE accounts; --", "é", "É", "ß", "İ", "\u212a", "work", "WORK", "home", "x.org", "@X",
		"User", "Group", "r&d", "Ä", "a\x00", "\xff", strings.Repeat("x", maxValueBytes+1)}
	fuzzTimes = []time.Time{*micro(1, 0), *micro(1, 1), *micro(2, 0), *micro(2, 5), *micro(3, 0),
		micro(1, 1).Add(500), micro(1, 0).In(time.FixedZone("X", -7*3600)), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Now()}
)

func (d *fuzzDecoder) query() directory.ListQuery {
	q := directory.ListQuery{}
	if d.pick(6) != 0 {
		q.Filter = d.filter(1)
	}
	if d.bool() {
		q.SortBy = d.attr()
	}
	q.Descending = d.bool()
	q.Limit = []int{0, 1, 2, 3, 100, 5000}[d.pick(6)]
	q.Offset = []int{0, 0, 0, 1, 4}[d.pick(5)]
	q.WithTotal = d.bool()
	switch d.pick(24) {
	case 0:
		q.Limit = -1
	case 1:
		q.Offset = -1
	case 2:
		q.After = d.text()
	case 3:
		q.After = base64URL(`{"i":"` + d.text() + `"}`)
	}
	return q
}

// attr mostly draws attributes of the entity under test, else any.
func (d *fuzzDecoder) attr() directory.Attr {
	if d.pick(4) == 0 {
		return fuzzAttrs[d.pick(len(fuzzAttrs))]
	}
	var own []directory.Attr
	for _, a := range allAttrs {
		if _, ok := d.kindOf(a); ok {
			own = append(own, a)
		}
	}
	return own[d.pick(len(own))]
}

// multiValued mostly draws the entity's own multi-valued attribute.
func (d *fuzzDecoder) multiValued() directory.Attr {
	if d.pick(4) == 0 {
		return []directory.Attr{directory.AttrEmails, directory.AttrMembers, directory.AttrUserName}[d.pick(3)]
	}
	if _, accounts := d.kindOf(directory.AttrEmailValue); accounts {
		return directory.AttrEmails
	}
	return directory.AttrMembers
}

// op mostly draws operators that apply to kind, else any.
func (d *fuzzDecoder) op(kind directory.Kind, known bool) directory.Op {
	ops := fuzzOps
	if known && d.pick(4) != 0 {
		ops = slices.DeleteFunc(slices.Clone(fuzzOps), func(op directory.Op) bool {
			return checkOp(kind, directory.Compare{Op: op}) != nil
		})
	}
	return ops[d.pick(len(ops))]
}

func (d *fuzzDecoder) filter(depth int) directory.Filter {
	if depth > 100 {
		return directory.And{}
	}
	switch d.pick(10) {
	case 0:
		return directory.And(d.filters(depth))
	case 1:
		return directory.Or(d.filters(depth))
	case 2:
		return directory.Not{Filter: d.filter(depth + 1)}
	case 3:
		h := directory.Has{Attr: d.multiValued()}
		if d.pick(4) != 0 {
			h.Filter = d.filter(depth + 1)
		}
		return h
	case 4:
		if d.pick(8) == 0 {
			return nil
		}
	}
	return d.compare()
}

func (d *fuzzDecoder) filters(depth int) []directory.Filter {
	n := d.pick(5)
	if n == 4 && d.pick(16) == 0 {
		n = maxFilterNodes // wide enough to pass the clause limit
	}
	out := make([]directory.Filter, n)
	for i := range out {
		out[i] = d.filter(depth + 1)
	}
	return out
}

func (d *fuzzDecoder) compare() directory.Compare {
	c := directory.Compare{Attr: d.attr()}
	kind, known := directory.AccountAttrKind(c.Attr)
	if !known {
		kind, known = directory.GroupAttrKind(c.Attr)
	}
	c.Op = d.op(kind, known)
	if c.Op == directory.OpPr && d.pick(8) != 0 {
		return c
	}
	if known && d.pick(5) != 0 {
		c.Value = d.valueOf(kind)
	} else {
		c.Value = d.anyValue()
	}
	return c
}

func (d *fuzzDecoder) valueOf(k directory.Kind) any {
	switch k {
	case directory.KindBool:
		return d.bool()
	case directory.KindTime:
		return fuzzTimes[d.pick(len(fuzzTimes))]
	}
	return d.str()
}

// str draws a string: stored values, pieces and case variants of them,
// awkward constants, or raw bytes.
func (d *fuzzDecoder) str() string {
	switch d.pick(5) {
	case 0, 1:
		s := d.stored[d.pick(len(d.stored))]
		switch d.pick(4) {
		case 0:
			return strings.ToUpper(s)
		case 1:
			i := min(d.pick(8), len(s))
			return s[i:] // may split a character: invalid UTF-8 is refused
		case 2:
			return s[:len(s)-min(d.pick(8), len(s))]
		}
		return s
	case 2, 3:
		return fuzzStrings[d.pick(len(fuzzStrings))]
	}
	return d.text()
}

func (d *fuzzDecoder) text() string {
	n := d.pick(12)
	b := make([]byte, n)
	for i := range b {
		b[i] = d.next()
	}
	return string(b)
}

func (d *fuzzDecoder) anyValue() any {
	switch d.pick(8) {
	case 0:
		return nil
	case 1, 2:
		return d.str()
	case 3:
		return d.bool()
	case 4:
		return fuzzTimes[d.pick(len(fuzzTimes))]
	case 5:
		return directory.StateInvited
	case 6:
		return []any{42, 1.5, []string{"x"}, struct{}{}, &fuzzTimes[0], directory.MemberUser}[d.pick(6)]
	}
	return d.text()
}
