package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// exportColumns are what an export reads of an account and its manager,
// in the order scanExportRow reads them: nothing else (no resource
// document, no *_lower copies), so a page of thousands of rows is one
// index walk and little data.
const exportColumns = `a.id, a.user_name, a.display_name, a.given_name, a.family_name, a.primary_email,
 a.employee_number, a.title, a.department, a.division, a.location, a.auth_method, a.state, a.active,
 a.invited_at, a.claimed_at, a.invite_generation, a.invite_expires_at,
 a.access_code_hash, a.access_code_generation, a.access_code_expires_at,
 mgr.display_name, mgr.employee_number`

// The manager is an account of the same organization whose id is
// manager_id (SCIM's manager.value); a manager who is not (yet) an
// account leaves both manager columns empty. The alias is not the
// filter's: the translator writes a (accounts) and e (emails) only.
const exportFrom = ` FROM accounts a LEFT JOIN accounts mgr ON mgr.org_id = a.org_id AND mgr.id = a.manager_id WHERE `

// ExportRows implements directory.ExportStore: one keyset page in id
// order, the filter written by the same translator as FindAccounts, and
// rows scanned by hand rather than by gorm's reflection (a million-row
// export reads a million rows); on PostgreSQL through pgx itself.
func (s *Store) ExportRows(ctx context.Context, orgID string, filter directory.Filter, after string, limit int) ([]directory.ExportRow, error) {
	limit = min(max(limit, 1), directory.MaxExportPage)
	q := fragment("SELECT " + exportColumns + exportFrom + "a.org_id = ")
	q.bind(orgID)
	if after != "" {
		q.WriteString(" AND a.id > ")
		q.bind(after)
	}
	if filter != nil {
		q.WriteString(" AND ")
		if err := translateFilter(s.dialect, accountEntity, filter, q); err != nil {
			return nil, err
		}
	}
	q.WriteString(" ORDER BY a.id LIMIT ")
	q.bind(limit)
	if s.dialect == Postgres && !s.inTx {
		out, ok, err := s.exportRowsPgx(ctx, q, orgID, limit)
		if err != nil {
			return nil, fmt.Errorf("gormstore: export rows: %w", translate(err))
		}
		if ok {
			return out, nil
		}
	}
	rows, err := s.ctx(ctx).Raw(q.String(), q.args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("gormstore: export rows: %w", translate(err))
	}
	defer rows.Close()
	out := make([]directory.ExportRow, 0, limit)
	for rows.Next() {
		r, err := scanExportRow(rows, orgID)
		if err != nil {
			return nil, fmt.Errorf("gormstore: export rows: %w", translate(err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gormstore: export rows: %w", translate(err))
	}
	return out, nil
}

// scanExportRow reads one row of exportColumns.
func scanExportRow(rows *sql.Rows, orgID string) (directory.ExportRow, error) {
	var (
		r                                  directory.ExportRow
		a                                  = &r.Account
		email, authMethod, state           string
		invited, claimed, linkTo, codeTo   sql.NullTime
		codeHash, mgrName, mgrEmployeeNumb sql.NullString
	)
	err := rows.Scan(&a.ID, &a.UserName, &a.DisplayName, &a.GivenName, &a.FamilyName, &email,
		&a.EmployeeNumber, &a.Title, &a.Department, &a.Division, &a.Location, &authMethod, &state, &a.Active,
		&invited, &claimed, &a.InviteGeneration, &linkTo,
		&codeHash, &a.AccessCodeGeneration, &codeTo,
		&mgrName, &mgrEmployeeNumb)
	if err != nil {
		return r, err
	}
	a.OrgID = orgID
	if email != "" {
		a.Emails = []directory.Email{{Value: email, Primary: true}}
	}
	a.AuthMethod, a.State = directory.AuthMethod(authMethod), directory.State(state)
	a.InvitedAt, a.ClaimedAt = timeOf(invited), timeOf(claimed)
	a.InviteExpiresAt, a.AccessCodeExpiresAt = timeOf(linkTo), timeOf(codeTo)
	a.AccessCodeHash = codeHash.String
	r.ManagerName, r.ManagerEmployeeNumber = mgrName.String, mgrEmployeeNumb.String
	return r, nil
}

// timeOf is a nullable column as the domain holds it: nil, or UTC.
func timeOf(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
