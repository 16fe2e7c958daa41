package gormstore

import (
	"github.com/latchkeyhq/latchkey/directory"
)

// This file maps the query language (directory.Attr) onto tables and
// columns. It is the whole vocabulary of FindAccounts and FindGroups:
// the translator writes only the identifiers named here, so no user text
// ever becomes SQL.

// fold says how a string column matches case.
type fold int

const (
	// foldNone compares byte for byte (KindExactString).
	foldNone fold = iota
	// foldStored reads a *_lower column written with lower(); values are
	// folded with lower() too, so matching is the same on every backend.
	foldStored
	// foldASCII wraps the column in SQL LOWER(), which folds ASCII only on
	// SQLite and, under COLLATE "C", on PostgreSQL; values are folded the
	// same way. Only for columns without a *_lower copy (emails.type).
	foldASCII
)

// column is one queryable value.
type column struct {
	name     string // bare column name, also the gorm column of the row model
	kind     directory.Kind
	fold     fold
	nullable bool // may hold NULL; otherwise absent means ''
	// selective marks a column whose eq matches a row or few, which
	// SQLite's planner (without statistics) cannot know; see test.
	selective bool
}

// Column constructors, one per shape, keep the maps below readable.

func folded(name string) column {
	return column{name: name, kind: directory.KindString, fold: foldStored}
}

func exact(name string) column {
	return column{name: name, kind: directory.KindExactString}
}

func identifier(name string) column {
	return column{name: name, kind: directory.KindExactString, selective: true}
}

func optionalIdentifier(name string) column {
	return column{name: name, kind: directory.KindExactString, nullable: true, selective: true}
}

func boolean(name string) column {
	return column{name: name, kind: directory.KindBool}
}

func timeColumn(name string) column {
	return column{name: name, kind: directory.KindTime}
}

func optionalTimeColumn(name string) column {
	return column{name: name, kind: directory.KindTime, nullable: true}
}

// collection is a multi-valued attribute kept in a child table, queried
// with EXISTS. link correlates a child row (alias) with the parent row.
type collection struct {
	table  string
	alias  string
	link   string
	fields map[directory.Attr]column
}

// entity is a queryable resource table.
type entity struct {
	table string
	alias string
	// kindOf is the query language's attribute table; nothing outside it
	// is accepted, whatever the maps below hold.
	kindOf func(directory.Attr) (directory.Kind, bool)
	// columns are single-valued attributes: filterable and sortable.
	columns map[directory.Attr]column
	// collections are multi-valued attributes, filterable by element.
	collections map[directory.Attr]*collection
	// sortOnly names sort columns for attributes that filter elsewhere
	// (SCIM sorts a multi-valued attribute by its primary value).
	sortOnly map[directory.Attr]column
	// facets are the columns of the PostgreSQL GIN index over
	// "org:tag:value" keys (migration 00024), in its order; see facetsSQL.
	facets []facet
	// coveredSort is the order whose PostgreSQL index also carries the
	// filterable columns (migration 00025), so a page of it can find its
	// keys by an index-only scan; see listPlan.keysFirst.
	coveredSort directory.Attr
}

// facet is one attribute of the facets index and the tag of its keys.
type facet struct {
	attr directory.Attr
	tag  string
}

var accountEmails = &collection{
	table: "account_emails", alias: "e",
	link: "e.org_id = a.org_id AND e.account_id = a.id",
	fields: map[directory.Attr]column{
		directory.AttrEmailValue:   folded("value_lower"),
		directory.AttrEmailType:    {name: "type", kind: directory.KindString, fold: foldASCII},
		directory.AttrEmailPrimary: boolean("is_primary"),
	},
}

var accountEntity = &entity{
	table: "accounts", alias: "a",
	kindOf: directory.AccountAttrKind,
	columns: map[directory.Attr]column{
		directory.AttrID:             identifier("id"),
		directory.AttrUserName:       folded("user_name_lower"),
		directory.AttrExternalID:     optionalIdentifier("external_id"),
		directory.AttrDisplayName:    folded("display_name_lower"),
		directory.AttrGivenName:      folded("given_name_lower"),
		directory.AttrFamilyName:     folded("family_name_lower"),
		directory.AttrActive:         boolean("active"),
		directory.AttrState:          exact("state"),
		directory.AttrAuthMethod:     exact("auth_method"),
		directory.AttrFrontline:      boolean("frontline"),
		directory.AttrTitle:          folded("title_lower"),
		directory.AttrDepartment:     folded("department_lower"),
		directory.AttrDivision:       folded("division_lower"),
		directory.AttrOrganization:   folded("organization_lower"),
		directory.AttrCostCenter:     folded("cost_center_lower"),
		directory.AttrEmployeeNumber: folded("employee_number_lower"),
		directory.AttrLocation:       folded("location_lower"),
		directory.AttrUserType:       folded("user_type_lower"),
		directory.AttrManagerID:      optionalIdentifier("manager_id"),
		directory.AttrStartDate:      optionalTimeColumn("start_date"),
		directory.AttrInvitedAt:      optionalTimeColumn("invited_at"),
		directory.AttrClaimedAt:      optionalTimeColumn("claimed_at"),
		directory.AttrCreated:        timeColumn("created_at"),
		directory.AttrLastModified:   timeColumn("updated_at"),
		directory.AttrPrimaryEmail:   folded("primary_email_lower"),
	},
	collections: map[directory.Attr]*collection{directory.AttrEmails: accountEmails},
	sortOnly:    map[directory.Attr]column{directory.AttrEmailValue: folded("primary_email_lower")},
	facets: []facet{{directory.AttrDepartment, "department"}, {directory.AttrTitle, "title"},
		{directory.AttrLocation, "location"}, {directory.AttrDivision, "division"}},
	coveredSort: directory.AttrDisplayName,
}

var groupMembers = &collection{
	table: "group_members", alias: "m",
	link: "m.org_id = g.org_id AND m.group_id = g.id",
	fields: map[directory.Attr]column{
		directory.AttrMemberValue: exact("member_id"),
		directory.AttrMemberType:  exact("member_type"),
	},
}

var groupEntity = &entity{
	table: "groups", alias: "g",
	kindOf: directory.GroupAttrKind,
	columns: map[directory.Attr]column{
		directory.AttrID:           identifier("id"),
		directory.AttrExternalID:   optionalIdentifier("external_id"),
		directory.AttrDisplayName:  folded("display_name_lower"),
		directory.AttrCreated:      timeColumn("created_at"),
		directory.AttrLastModified: timeColumn("updated_at"),
	},
	collections: map[directory.Attr]*collection{directory.AttrMembers: groupMembers},
}

// collectionOf returns the collection whose element field a is.
func (e *entity) collectionOf(a directory.Attr) *collection {
	for _, c := range e.collections {
		if _, ok := c.fields[a]; ok {
			return c
		}
	}
	return nil
}

// sortColumn returns the column SortBy a orders by.
func (e *entity) sortColumn(a directory.Attr) (column, bool) {
	if _, ok := e.kindOf(a); !ok {
		return column{}, false
	}
	if c, ok := e.columns[a]; ok {
		return c, true
	}
	c, ok := e.sortOnly[a]
	return c, ok
}
