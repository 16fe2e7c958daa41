package gormstore

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/latchkeyhq/latchkey/directory"
)

// FindAccounts implements directory.AccountStore. Filtering, sorting and
// paging all happen in the database; emails of the page's accounts are
// loaded with one more query.
func (s *Store) FindAccounts(ctx context.Context, orgID string, q directory.ListQuery) (directory.AccountPage, error) {
	res, err := find[accountRow](ctx, s, accountEntity, orgID, q)
	if err != nil {
		return directory.AccountPage{}, fmt.Errorf("gormstore: find accounts: %w", translate(err))
	}
	page := directory.AccountPage{Total: res.total, NextCursor: res.next}
	if len(res.rows) == 0 {
		return page, nil
	}
	ids := make([]string, len(res.rows))
	for i, r := range res.rows {
		ids[i] = r.ID
	}
	emails, err := s.emailsOf(ctx, orgID, ids)
	if err != nil {
		return directory.AccountPage{}, err
	}
	page.Accounts = make([]directory.Account, len(res.rows))
	for i, r := range res.rows {
		page.Accounts[i] = r.toDomain(emails[r.ID])
	}
	return page, nil
}

// FindGroups implements directory.GroupStore.
func (s *Store) FindGroups(ctx context.Context, orgID string, q directory.ListQuery) (directory.GroupPage, error) {
	res, err := find[groupRow](ctx, s, groupEntity, orgID, q)
	if err != nil {
		return directory.GroupPage{}, fmt.Errorf("gormstore: find groups: %w", translate(err))
	}
	page := directory.GroupPage{Total: res.total, NextCursor: res.next}
	for _, r := range res.rows {
		page.Groups = append(page.Groups, r.toDomain())
	}
	return page, nil
}

type found[R any] struct {
	rows  []R
	total int64
	next  string
}

// find runs q against e's table: the page, then the count when asked for
// and the page does not already tell it. A page that comes back short
// (no extra row) is the end of the matches, so the total is the rows
// before it plus its own: at the start of the order (no offset, no
// cursor) that holds even for an empty page, which makes every lookup
// that finds one user or none a single statement. Past an offset an empty
// page says nothing (the offset may overshoot), and a cursor page never
// knows how many rows came before it.
func find[R any](ctx context.Context, s *Store, e *entity, orgID string, q directory.ListQuery) (found[R], error) {
	var res found[R]
	p, err := newListPlan(s.dialect, e, orgID, q)
	if err != nil {
		return res, err
	}
	read := func(db *gorm.DB) error {
		if !p.countOnly {
			page := p.pageSQL()
			if err := db.Raw(page.String(), page.args...).Scan(&res.rows).Error; err != nil {
				return err
			}
		}
		if q.WithTotal {
			if n, known := p.totalFromPage(len(res.rows)); known {
				res.total = n
			} else {
				count := p.countSQL()
				if err := db.Raw(count.String(), count.args...).Scan(&res.total).Error; err != nil {
					return err
				}
			}
		}
		return nil
	}
	if p.customPlans {
		// SET LOCAL lasts until the end of this transaction (or of the
		// caller's, when the store runs inside one).
		err = s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("SET LOCAL plan_cache_mode = force_custom_plan").Error; err != nil {
				return err
			}
			if !p.countOnly {
				rows, err := estimateRows(tx, p.estimateSQL())
				if err != nil {
					return err
				}
				p.matchesFirst = rows <= facetSortLimit
			}
			return read(tx)
		})
	} else {
		err = read(s.ctx(ctx))
	}
	if err != nil {
		return res, err
	}
	if len(res.rows) > p.limit {
		res.rows = res.rows[:p.limit]
		if res.next, err = cursorAfter(p.key, &res.rows[p.limit-1]); err != nil {
			return res, err
		}
	}
	return res, nil
}

var planRowsEstimate = regexp.MustCompile(` rows=(\d+) `)

// estimateRows runs an EXPLAIN and returns the planner's row estimate
// for its top node.
func estimateRows(db *gorm.DB, explain *sqlBuf) (int64, error) {
	var lines []string
	if err := db.Raw(explain.String(), explain.args...).Scan(&lines).Error; err != nil {
		return 0, err
	}
	if len(lines) == 0 {
		return 0, fmt.Errorf("empty plan")
	}
	m := planRowsEstimate.FindStringSubmatch(lines[0])
	if m == nil {
		return 0, fmt.Errorf("no row estimate in plan line %q", lines[0])
	}
	return strconv.ParseInt(m[1], 10, 64)
}

// cursorAfter returns the cursor that continues after row.
func cursorAfter(k sortKey, row any) (string, error) {
	id, err := rowField(row, "id")
	if err != nil {
		return "", err
	}
	p := position{id: id.(string)}
	if k.attr != "" {
		v, err := rowField(row, k.col.name)
		if err != nil {
			return "", err
		}
		p.value = sortValue(v)
	}
	return encodeCursor(k, p)
}

// sortValue turns a model field into a position value: NULL strings are
// empty (absent either way), NULL times nil.
func sortValue(v any) any {
	switch v := v.(type) {
	case *string:
		if v == nil {
			return ""
		}
		return *v
	case *time.Time:
		if v == nil {
			return nil
		}
		return v.UTC()
	case time.Time:
		return v.UTC()
	}
	return v
}

var rowSchemas sync.Map

// rowField reads the field gorm maps to column from a model pointer, so
// the column maps in query_schema.go need no second list of getters.
func rowField(row any, column string) (any, error) {
	sch, err := schema.Parse(row, &rowSchemas, schema.NamingStrategy{})
	if err != nil {
		return nil, err
	}
	f := sch.LookUpField(column)
	if f == nil {
		return nil, fmt.Errorf("%s has no column %s", sch.Name, column)
	}
	v, _ := f.ValueOf(context.Background(), reflect.ValueOf(row))
	return v, nil
}

// insertValues lists the columns gorm maps for a row model (a pointer to
// a struct) in declaration order, with the row's values, so hand-written
// INSERT statements stay in step with the models without a second list.
// Like gorm's Create it leaves out a zero value whose field has a default,
// which the database then supplies.
func insertValues(row any) ([]string, []any, error) {
	sch, err := schema.Parse(row, &rowSchemas, schema.NamingStrategy{})
	if err != nil {
		return nil, nil, err
	}
	rv := reflect.ValueOf(row)
	names := make([]string, 0, len(sch.Fields))
	values := make([]any, 0, len(sch.Fields))
	for _, f := range sch.Fields {
		if f.DBName == "" || !f.Creatable {
			continue
		}
		v, zero := f.ValueOf(context.Background(), rv)
		if zero && f.HasDefaultValue {
			continue
		}
		names = append(names, f.DBName)
		values = append(values, v)
	}
	return names, values, nil
}
