package gormstore

import (
	"fmt"
	"strings"

	"github.com/latchkeyhq/latchkey/directory"
)

// Bounds on a filter tree. Real SCIM filters are a handful of clauses;
// these only stop a hostile one from costing the database (SQLite refuses
// expressions deeper than 1,000 and statements with more than 32,766
// parameters).
const (
	maxFilterDepth = 64
	maxFilterNodes = 1000
)

// sqlBuf is SQL text with its bound arguments, one per '?'.
type sqlBuf struct {
	strings.Builder
	args []any
}

// bind writes a placeholder for v.
func (b *sqlBuf) bind(v any) {
	b.WriteByte('?')
	b.args = append(b.args, v)
}

// append writes another fragment, keeping arguments in text order.
func (b *sqlBuf) append(o *sqlBuf) {
	b.WriteString(o.String())
	b.args = append(b.args, o.args...)
}

// translator writes a directory.Filter as a boolean SQL expression over
// one entity. Every expression it writes is two-valued (never NULL), so
// NOT means "does not match" even where a column is NULL.
type translator struct {
	dialect Dialect
	entity  *entity
	out     *sqlBuf
	nodes   int
}

// translateFilter appends f to out as one self-contained condition
// (parenthesised or EXISTS), safe to join with AND.
func translateFilter(d Dialect, e *entity, f directory.Filter, out *sqlBuf) error {
	t := &translator{dialect: d, entity: e, out: out}
	return t.filter(f, nil, 1)
}

// filter writes f. in is the collection inside a Has (nil at top level).
func (t *translator) filter(f directory.Filter, in *collection, depth int) error {
	if depth > maxFilterDepth {
		return invalidFilter(fmt.Sprintf("is nested deeper than %d levels", maxFilterDepth))
	}
	if t.nodes++; t.nodes > maxFilterNodes {
		return invalidFilter(fmt.Sprintf("has more than %d clauses", maxFilterNodes))
	}
	switch f := f.(type) {
	case directory.And:
		return t.chain(f, " AND ", "(1=1)", in, depth)
	case directory.Or:
		return t.chain(f, " OR ", "(1=0)", in, depth)
	case directory.Not:
		t.out.WriteString("(NOT ")
		if err := t.filter(f.Filter, in, depth+1); err != nil {
			return err
		}
		t.out.WriteByte(')')
		return nil
	case directory.Has:
		return t.has(f, in, depth)
	case directory.Compare:
		return t.compare(f, in)
	case nil:
		return invalidFilter("has an empty clause")
	}
	return invalidFilter(fmt.Sprintf("has an unsupported clause %T", f))
}

// chain joins clauses with op as a balanced tree, so a long flat list
// stays shallow for the database's parser. empty is the identity of op.
func (t *translator) chain(fs []directory.Filter, op, empty string, in *collection, depth int) error {
	switch len(fs) {
	case 0:
		t.out.WriteString(empty)
		return nil
	case 1:
		return t.filter(fs[0], in, depth+1)
	}
	mid := len(fs) / 2
	t.out.WriteByte('(')
	if err := t.chain(fs[:mid], op, empty, in, depth); err != nil {
		return err
	}
	t.out.WriteString(op)
	if err := t.chain(fs[mid:], op, empty, in, depth); err != nil {
		return err
	}
	t.out.WriteByte(')')
	return nil
}

// has writes a value filter (emails[type eq "work"]) as EXISTS over the
// child table. A nil Filter asks only for some element ("emails pr").
func (t *translator) has(h directory.Has, in *collection, depth int) error {
	if in != nil {
		return invalidFilter(fmt.Sprintf("nests a value filter on %q inside another", h.Attr))
	}
	c := t.entity.collections[h.Attr]
	if c == nil {
		return invalidFilter(fmt.Sprintf("%q is not a multi-valued attribute", h.Attr))
	}
	return t.exists(c, func() error {
		if h.Filter == nil {
			t.out.WriteString("(1=1)")
			return nil
		}
		return t.filter(h.Filter, c, depth+1)
	})
}

func (t *translator) exists(c *collection, where func() error) error {
	fmt.Fprintf(t.out, "EXISTS (SELECT 1 FROM %s %s WHERE %s AND ", c.table, c.alias, c.link)
	if err := where(); err != nil {
		return err
	}
	t.out.WriteByte(')')
	return nil
}

// compare resolves the attribute: an element field inside Has, else a
// column, else an element field used directly, which matches when any
// element does.
func (t *translator) compare(cmp directory.Compare, in *collection) error {
	if in != nil {
		col, ok := in.fields[cmp.Attr]
		if !ok {
			return invalidFilter(fmt.Sprintf("%q cannot be used inside this value filter", cmp.Attr))
		}
		return t.leaf(col, in.alias, cmp)
	}
	if _, ok := t.entity.kindOf(cmp.Attr); !ok {
		return invalidFilter(fmt.Sprintf("unknown attribute %q", cmp.Attr))
	}
	if col, ok := t.entity.columns[cmp.Attr]; ok {
		return t.leaf(col, t.entity.alias, cmp)
	}
	if c := t.entity.collectionOf(cmp.Attr); c != nil {
		return t.exists(c, func() error { return t.leaf(c.fields[cmp.Attr], c.alias, cmp) })
	}
	return invalidFilter(fmt.Sprintf("unknown attribute %q", cmp.Attr))
}

// leaf writes one comparison on a resolved column. Ne is the negation
// of Eq, so absent values (which never equal anything) match it.
func (t *translator) leaf(col column, qual string, cmp directory.Compare) error {
	v, err := operand(col, cmp)
	if err != nil {
		return err
	}
	expr := t.columnSQL(col, qual)
	switch cmp.Op {
	case directory.OpPr:
		t.present(col, expr)
	case directory.OpNe:
		t.out.WriteString("(NOT ")
		t.test(col, expr, directory.OpEq, v)
		t.out.WriteByte(')')
	default:
		t.test(col, expr, cmp.Op, v)
	}
	return nil
}

// columnSQL is the expression a comparison reads.
func (t *translator) columnSQL(col column, qual string) string {
	expr := qual + "." + col.name
	if col.fold == foldASCII {
		return "LOWER(" + t.collateC(expr) + ")"
	}
	return expr
}

// collateC makes PostgreSQL compare strings by code point, as SQLite's
// default BINARY collation does, whatever the database's locale. Equality
// needs no collation (deterministic collations agree on it), so eq keeps
// using the (org_id, column) indexes.
func (t *translator) collateC(expr string) string {
	if t.dialect == Postgres {
		return expr + ` COLLATE "C"`
	}
	return expr
}

var sqlOps = map[directory.Op]string{
	directory.OpEq: " = ", directory.OpGt: " > ", directory.OpGe: " >= ", directory.OpLt: " < ", directory.OpLe: " <= ",
}

// test writes a positive comparison that is false for absent values:
// NULL is guarded explicitly, and the empty string whenever it would
// itself satisfy the comparison (eq "", lt "x", le ..., co "").
func (t *translator) test(col column, expr string, op directory.Op, v any) {
	if col.kind == directory.KindTime && col.nullable {
		t.optionalTime(expr, op, v)
		return
	}
	t.out.WriteByte('(')
	if col.nullable {
		t.out.WriteString(expr + " IS NOT NULL AND ")
	}
	switch op {
	case directory.OpCo, directory.OpSw, directory.OpEw:
		t.pattern(col, expr, op, v.(string))
	case directory.OpEq:
		t.equals(col, expr, v)
	default:
		ordered := expr
		if col.kind != directory.KindTime {
			ordered = t.collateC(expr)
		}
		t.out.WriteString(ordered + sqlOps[op])
		t.out.bind(v)
	}
	if s, ok := v.(string); ok && emptyMatches(op, s) {
		t.out.WriteString(" AND " + expr + " <> ''")
	}
	t.out.WriteByte(')')
}

// equals writes expr = v. Without statistics SQLite guesses that an
// equality on a non-unique index matches many rows, and for
// "externalId eq" pages it would rather read the whole organization in id
// order than use (org_id, external_id); likelihood() corrects the guess
// and costs nothing at run time.
func (t *translator) equals(col column, expr string, v any) {
	if t.dialect == SQLite && col.selective {
		t.out.WriteString("likelihood(" + expr + " = ")
		t.out.bind(v)
		t.out.WriteString(", 0.001)")
		return
	}
	t.out.WriteString(expr + " = ")
	t.out.bind(v)
}

// pattern writes co, sw or ew. LIKE ignores ASCII case on SQLite, which
// is right for folded columns (both sides are already lower-case) but
// wrong for exact ones; there SQLite's case-sensitive GLOB stands in.
func (t *translator) pattern(col column, expr string, op directory.Op, v string) {
	if t.dialect == SQLite && col.fold == foldNone {
		t.out.WriteString(expr + " GLOB ")
		t.out.bind(wildcards(op, globEscaper.Replace(v), "*"))
		return
	}
	t.out.WriteString(expr + " LIKE ")
	t.out.bind(wildcards(op, likeEscaper.Replace(v), "%"))
	t.out.WriteString(` ESCAPE '\'`)
}

var (
	likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	// GLOB has no escape character; a one-character class is literal.
	globEscaper = strings.NewReplacer(`*`, `[*]`, `?`, `[?]`, `[`, `[[]`)
)

func wildcards(op directory.Op, literal, wild string) string {
	switch op {
	case directory.OpSw:
		return literal + wild
	case directory.OpEw:
		return wild + literal
	}
	return wild + literal + wild
}

// emptyMatches reports whether the absent value, "", satisfies op v.
func emptyMatches(op directory.Op, v string) bool {
	switch op {
	case directory.OpEq, directory.OpGe, directory.OpCo, directory.OpSw, directory.OpEw:
		return v == ""
	case directory.OpLt:
		return v != ""
	case directory.OpLe:
		return true
	}
	return false
}

// optionalTime writes a comparison of an optional time as one of the
// pair its order sorts by, (absent, time or absentTime), against (false,
// v): a range of the (org_id, (x IS NULL), COALESCE(x, ...), id) index
// rather than a filter beside it, so that "invited since", and a
// time order limited to the people who have the time, read only their
// part of the index. Absent values are (true, absentTime): after every
// present one, so the ranges that reach upwards stop below them. Neither
// side is ever NULL, so the comparison is two-valued. pr is the range of
// every present value.
func (t *translator) optionalTime(expr string, op directory.Op, v any) {
	pair := func() {
		terms := optionalTimeTerms(t.dialect, expr)
		t.out.WriteString("(")
		t.out.append(terms[0])
		t.out.WriteString(", ")
		t.out.append(terms[1])
		t.out.WriteString(")")
	}
	// than compares the pair with (absent, v).
	than := func(op string, absent bool, v any) {
		pair()
		t.out.WriteString(op + "(")
		t.out.bind(absent)
		t.out.WriteString(", ")
		t.out.bind(v)
		t.out.WriteString(")")
	}
	t.out.WriteByte('(')
	switch op {
	case directory.OpPr:
		than(" < ", true, absentTime)
	case directory.OpGt, directory.OpGe:
		than(sqlOps[op], false, v)
		t.out.WriteString(" AND ")
		than(" < ", true, absentTime)
	default: // eq, lt, le
		than(sqlOps[op], false, v)
	}
	t.out.WriteByte(')')
}

// present writes pr: not NULL and, for strings, not empty. Booleans and
// required times always have a value.
func (t *translator) present(col column, expr string) {
	switch {
	case col.kind == directory.KindBool, col.kind == directory.KindTime && !col.nullable:
		t.out.WriteString("(1=1)")
	case col.kind == directory.KindTime:
		t.optionalTime(expr, directory.OpPr, nil)
	case col.nullable:
		t.out.WriteString("(" + expr + " IS NOT NULL AND " + expr + " <> '')")
	default:
		t.out.WriteString("(" + expr + " <> '')")
	}
}

func invalidFilter(problem string) error {
	return &directory.ValidationError{Field: "filter", Problem: problem}
}
