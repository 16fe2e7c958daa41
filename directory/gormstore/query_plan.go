package gormstore

import (
	"fmt"

	"github.com/latchkeyhq/latchkey/directory"
)

// listPlan is a ListQuery checked against one entity and ready to be
// written as SQL: a count over the filter, and a page of Limit+1 rows
// (the extra row tells whether another page follows).
type listPlan struct {
	dialect   Dialect
	entity    *entity
	where     sqlBuf // org scope and filter, shared by both statements
	key       sortKey
	after     *position
	offset    int
	limit     int
	countOnly bool
	// customPlans asks for a plan made for the bound values on every
	// run: the facet test (query_facets.go) is fast only where the
	// planner sees its keys, and a cached statement's generic plan,
	// which does not, walks the sort index instead.
	customPlans bool
	// matchesFirst reads the filter's matches before the cursor and
	// the order (see facetSortLimit).
	matchesFirst bool
	// keysFirst selects the page's keys in a subquery that reads only
	// the sort index, then the page's rows by key. On the order whose
	// index INCLUDEs the filterable columns (entity.coveredSort) that
	// subquery is an index-only scan: a filter matching a few percent of
	// people ("q=kowalski") tests index entries instead of reading every
	// account it passes from the table.
	keysFirst bool
}

// facetSortLimit is how many matches a facet filter may have, by the
// planner's estimate, for its pages to read every match and sort them
// rather than walk the sort index. The keyset condition of a cursor
// page is a row comparison whose selectivity PostgreSQL estimates from
// its first term alone ("display name is empty" for the name order:
// 0.5 %), so on its own it would intersect the facets index with a
// range of the sort index that in truth holds most of the organization.
const facetSortLimit = 5000

func newListPlan(d Dialect, e *entity, orgID string, q directory.ListQuery) (*listPlan, error) {
	if err := checkPaging(q); err != nil {
		return nil, err
	}
	key, err := newSortKey(e, q)
	if err != nil {
		return nil, err
	}
	p := &listPlan{
		dialect: d, entity: e, key: key, offset: q.Offset,
		limit: directory.PageLimit(q.Limit), countOnly: q.Limit == 0 && q.WithTotal,
	}
	// Every statement is scoped to the organization first, which is also
	// the leading column of every index.
	p.where.WriteString(e.alias + ".org_id = ")
	p.where.bind(orgID)
	if q.Filter != nil {
		rest, keys := splitFacets(d, e, orgID, q.Filter)
		if keys != nil {
			p.where.WriteString(" AND ")
			e.writeFacets(keys, &p.where)
			p.customPlans = true
		}
		if rest != nil {
			p.where.WriteString(" AND ")
			if err := translateFilter(d, e, rest, &p.where); err != nil {
				return nil, err
			}
		}
	}
	p.keysFirst = d == Postgres && q.Filter != nil && key.attr != "" && key.attr == e.coveredSort
	if q.After != "" {
		pos, err := decodeCursor(key, q.After)
		if err != nil {
			return nil, err
		}
		p.after = &pos
	}
	return p, nil
}

func checkPaging(q directory.ListQuery) error {
	switch {
	case q.Offset < 0:
		return &directory.ValidationError{Field: "offset", Problem: "must not be negative"}
	case q.Limit < 0:
		return &directory.ValidationError{Field: "limit", Problem: "must not be negative"}
	case q.Offset > 0 && q.After != "":
		return &directory.ValidationError{Field: "cursor", Problem: "cannot be combined with an offset"}
	}
	return nil
}

// from is the FROM clause; table names are quoted because "groups" is a
// keyword on both backends.
func (p *listPlan) from() string {
	return fmt.Sprintf(` FROM "%s" %s WHERE `, p.entity.table, p.entity.alias)
}

// totalFromPage reports the number of matches when a page that read n
// rows (up to limit+1) already tells it: the page is the last one (n <=
// limit), and either it starts at the beginning of the order or it holds
// at least one row past a plain offset.
func (p *listPlan) totalFromPage(n int) (int64, bool) {
	if p.countOnly || n > p.limit || p.after != nil {
		return 0, false
	}
	if p.offset > 0 && n == 0 {
		return 0, false
	}
	return int64(p.offset + n), true
}

// countSQL counts every match, whatever the page.
func (p *listPlan) countSQL() *sqlBuf {
	out := fragment("SELECT COUNT(*)" + p.from())
	out.append(&p.where)
	return out
}

// estimateSQL asks PostgreSQL how many rows it expects the filter to
// match: the first line of the plan ends in "rows=N ...".
func (p *listPlan) estimateSQL() *sqlBuf {
	out := fragment("EXPLAIN SELECT 1" + p.from())
	out.append(&p.where)
	return out
}

// pageSQL selects the page's rows, plus one.
func (p *listPlan) pageSQL() *sqlBuf {
	switch {
	case p.matchesFirst:
		// OFFSET 0 keeps the subquery apart: it reads the matches, and
		// the cursor and the order apply to them only.
		out := fragment("SELECT m.* FROM (SELECT " + p.entity.alias + ".*" + p.from())
		out.append(&p.where)
		out.WriteString(" OFFSET 0) m")
		if p.after != nil {
			out.WriteString(" WHERE ")
			p.key.after(p.dialect, "m", *p.after, out)
		}
		p.orderAndLimit("m", out)
		return out
	case p.keysFirst:
		return p.keysFirstSQL()
	}
	return p.walkSQL(p.entity.alias + ".*")
}

// walkSQL selects columns of the page's rows, plus one, in the sort
// index's order from the cursor on.
func (p *listPlan) walkSQL(columns string) *sqlBuf {
	alias := p.entity.alias
	out := fragment("SELECT " + columns + p.from())
	out.append(&p.where)
	if p.after != nil {
		out.WriteString(" AND ")
		p.key.after(p.dialect, alias, *p.after, out)
	}
	p.orderAndLimit(alias, out)
	return out
}

// orderAndLimit writes the order and the page's bounds.
func (p *listPlan) orderAndLimit(alias string, out *sqlBuf) {
	p.key.orderBy(p.dialect, alias, out)
	out.WriteString(" LIMIT ")
	out.bind(p.limit + 1)
	if p.offset > 0 {
		out.WriteString(" OFFSET ")
		out.bind(p.offset)
	}
}

// keysFirstSQL is pageSQL for keysFirst: the page's keys in sort order
// from the index, then their rows (a primary-key read each), in the
// same order.
func (p *listPlan) keysFirstSQL() *sqlBuf {
	alias := p.entity.alias
	out := fragment("SELECT " + alias + ".* FROM (")
	out.append(p.walkSQL(alias + ".org_id, " + alias + ".id"))
	// LIMIT 1 keeps the lateral subquery from being flattened into a
	// join PostgreSQL may hash (reading the whole table) rather than a
	// primary-key lookup per key.
	out.WriteString(fmt.Sprintf(`) k CROSS JOIN LATERAL (SELECT * FROM "%s" %s WHERE %s.org_id = k.org_id AND %s.id = k.id LIMIT 1) %s`,
		p.entity.table, alias, alias, alias, alias))
	p.key.orderBy(p.dialect, alias, out)
	return out
}
