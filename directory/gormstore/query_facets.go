package gormstore

import (
	"strings"

	"github.com/latchkeyhq/latchkey/directory"
)

// Filters that combine two or more equalities on department, title,
// location or division ("title=Nurse&location=Berlin") are written, on
// PostgreSQL, as one containment test on the GIN index of migration
// 00024 instead of one equality per column:
//
//	ARRAY[a.org_id || ':department:' || a.department_lower, ...] @> ARRAY['<org>:title:nurse', '<org>:location:berlin']
//
// PostgreSQL cannot intersect the (org_id, x) indexes of two such
// columns: both would use the one "org_id = ..." clause, and its planner
// drops a second bitmap whose clauses overlap the first. GIN intersects
// the keys' posting lists itself, so a pair that is rare together costs
// its own matches; the expression's statistics (ANALYZE keeps element
// frequencies for array expression indexes) still let the planner walk
// the sort index when the pair is common. The test is the same as the
// equalities it replaces: a row's keys all start with its own org_id,
// tags differ, and a value must be non-empty (eq "" matches nothing and
// stays as it is).

// facetsSQL is the indexed expression over alias's row, exactly as
// migration 00024 writes it (PostgreSQL matches an index expression by
// its parse tree).
func (e *entity) facetsSQL() string {
	keys := make([]string, len(e.facets))
	for i, f := range e.facets {
		keys[i] = e.alias + ".org_id || ':" + f.tag + ":' || " + e.alias + "." + e.columns[f.attr].name
	}
	return "ARRAY[" + strings.Join(keys, ", ") + "]"
}

// splitFacets takes the facet equalities out of f's top-level
// conjunction when there are at least two, returning the rest of f (nil
// when nothing is left) and the keys they require. Anything else (other
// backends, fewer than two, values the translator would refuse) returns
// f unchanged and no keys, and the translator writes it as before.
func splitFacets(d Dialect, e *entity, orgID string, f directory.Filter) (directory.Filter, []string) {
	if d != Postgres || len(e.facets) == 0 {
		return f, nil
	}
	conjuncts, ok := flattenAnd(f, nil, 1)
	if !ok || len(conjuncts) > maxFilterNodes {
		return f, nil // the translator refuses it, as before
	}
	var rest directory.And
	var keys []string
	for _, c := range conjuncts {
		if key, ok := e.facetKey(orgID, c); ok {
			keys = append(keys, key)
			continue
		}
		rest = append(rest, c)
	}
	if len(keys) < 2 {
		return f, nil
	}
	switch len(rest) {
	case 0:
		return nil, keys
	case 1:
		return rest[0], keys
	}
	return rest, keys
}

// facetKey returns the key a conjunct requires when it is an equality on
// a facet with a value the translator accepts and that is not empty.
func (e *entity) facetKey(orgID string, f directory.Filter) (string, bool) {
	cmp, ok := f.(directory.Compare)
	if !ok || cmp.Op != directory.OpEq {
		return "", false
	}
	for _, fc := range e.facets {
		if fc.attr != cmp.Attr {
			continue
		}
		col := e.columns[fc.attr]
		v, err := operand(col, cmp)
		if err != nil {
			return "", false
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return "", false
		}
		return orgID + ":" + fc.tag + ":" + s, true
	}
	return "", false
}

// flattenAnd appends f's conjuncts to out, opening nested conjunctions;
// false when they nest deeper than the translator accepts.
func flattenAnd(f directory.Filter, out []directory.Filter, depth int) ([]directory.Filter, bool) {
	if depth > maxFilterDepth {
		return nil, false
	}
	and, ok := f.(directory.And)
	if !ok {
		return append(out, f), true
	}
	for _, c := range and {
		if out, ok = flattenAnd(c, out, depth+1); !ok {
			return nil, false
		}
	}
	return out, true
}

// writeFacets writes the containment test for keys.
func (e *entity) writeFacets(keys []string, out *sqlBuf) {
	out.WriteString("(" + e.facetsSQL() + " @> ARRAY[")
	for i, k := range keys {
		if i > 0 {
			out.WriteString(", ")
		}
		out.WriteString("CAST(")
		out.bind(k)
		out.WriteString(" AS text)")
	}
	out.WriteString("])")
}
