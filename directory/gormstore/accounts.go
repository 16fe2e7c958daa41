package gormstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

// CreateAccount implements directory.AccountStore. The account row and its
// email rows are written together or not at all.
//
// A taken userName is the one failure callers expect, and InTx callers
// may handle it and carry on (storetest's TransactionRecoversFromConflict).
// The insert therefore says ON CONFLICT DO NOTHING and reports a row not
// written as ErrConflict: the statement does not fail, so on PostgreSQL
// it cannot abort the enclosing transaction, and no savepoint is needed
// around it (a savepoint is a round trip and a subtransaction per create,
// and past 64 of them a transaction overflows PostgreSQL's subtransaction
// cache).
//
// On PostgreSQL the account and its emails are one statement (the emails
// are inserted by data-modifying WITH clauses that read the account row
// the first one returns, so nothing is inserted after a conflict), atomic
// by itself: no transaction of its own outside InTx either. On SQLite the
// emails are a second statement; a savepoint (or, outside InTx, a
// transaction) keeps a failed email insert from leaving the account row
// behind, as SQLite, unlike PostgreSQL, lets a transaction go on after a
// failed statement.
func (s *Store) CreateAccount(ctx context.Context, a *directory.Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	created := *a
	created.ID = id
	created.Version = 1
	created.CreatedAt = s.timestamp()
	created.UpdatedAt = created.CreatedAt
	row := fromAccount(&created)
	emails := emailRows(&created)
	switch {
	case s.dialect == Postgres:
		var stmt strings.Builder
		var args []any
		bind := func(v any) string {
			args = append(args, v)
			return "$" + strconv.Itoa(len(args))
		}
		names, values, verr := insertValues(&row)
		if verr != nil {
			return fmt.Errorf("gormstore: create account: %w", verr)
		}
		stmt.WriteString("WITH a AS (INSERT INTO accounts (" + strings.Join(names, ", ") + ") VALUES (")
		for i, v := range values {
			if i > 0 {
				stmt.WriteString(", ")
			}
			stmt.WriteString(bind(v))
		}
		stmt.WriteString(") ON CONFLICT DO NOTHING RETURNING org_id, id)")
		for i := range emails {
			names, values, verr := insertValues(&emails[i])
			if verr != nil {
				return fmt.Errorf("gormstore: create account: %w", verr)
			}
			stmt.WriteString(", e" + strconv.Itoa(i) + " AS (INSERT INTO account_emails (" + strings.Join(names, ", ") + ") SELECT ")
			for j, v := range values {
				if j > 0 {
					stmt.WriteString(", ")
				}
				switch names[j] {
				case "org_id":
					stmt.WriteString("a.org_id")
				case "account_id":
					stmt.WriteString("a.id")
				default:
					stmt.WriteString(bind(v))
				}
			}
			stmt.WriteString(" FROM a)")
		}
		stmt.WriteString(" SELECT count(*) FROM a")
		var written int64
		err = s.db.Statement.ConnPool.QueryRowContext(ctx, stmt.String(), args...).Scan(&written)
		if err == nil && written == 0 {
			err = directory.ErrConflict
		}
	case len(emails) > 0:
		err = s.ctx(ctx).Transaction(func(tx *gorm.DB) error { // a savepoint inside InTx
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			return tx.Create(&emails).Error
		})
	default:
		err = s.ctx(ctx).Create(&row).Error
	}
	if err != nil {
		return fmt.Errorf("gormstore: create account: %w", translate(err))
	}
	*a = row.toDomain(emails)
	return nil
}

func insertEmails(tx *gorm.DB, a *directory.Account) error {
	rows := emailRows(a)
	if len(rows) == 0 {
		return nil
	}
	return tx.Create(&rows).Error
}

// Account implements directory.AccountStore.
func (s *Store) Account(ctx context.Context, orgID, id string) (directory.Account, error) {
	return s.accountWhere(ctx, "org_id = ? AND id = ?", orgID, id)
}

// AccountByUserName implements directory.AccountStore.
func (s *Store) AccountByUserName(ctx context.Context, orgID, userName string) (directory.Account, error) {
	return s.accountWhere(ctx, "org_id = ? AND user_name_lower = ?", orgID, lower(userName))
}

// AccountBySignInName implements directory.AccountStore. "" is every
// account's "none", so it is never looked up; nor is text no account can
// hold (invalid UTF-8, NUL), which PostgreSQL would refuse where SQLite
// finds nothing: sign-in passes typed names here as they come.
func (s *Store) AccountBySignInName(ctx context.Context, orgID, name string) (directory.Account, error) {
	if name == "" || checkValueText(name) != "" {
		return directory.Account{}, fmt.Errorf("gormstore: account: no such sign-in name: %w", directory.ErrNotFound)
	}
	return s.accountWhere(ctx, "org_id = ? AND sign_in_name_lower = ?", orgID, lower(name))
}

func (s *Store) accountWhere(ctx context.Context, where string, args ...any) (directory.Account, error) {
	var row accountRow
	if err := first(s.ctx(ctx).Where(where, args...), &row); err != nil {
		return directory.Account{}, fmt.Errorf("gormstore: account: %w", err)
	}
	emails, err := s.emailsOf(ctx, row.OrgID, []string{row.ID})
	if err != nil {
		return directory.Account{}, err
	}
	return row.toDomain(emails[row.ID]), nil
}

// emailsOf loads the emails of several accounts in one query.
func (s *Store) emailsOf(ctx context.Context, orgID string, ids []string) (map[string][]accountEmailRow, error) {
	var rows []accountEmailRow
	err := s.ctx(ctx).Where("org_id = ? AND account_id IN ?", orgID, ids).
		Order("account_id, position").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("gormstore: account emails: %w", translate(err))
	}
	byAccount := make(map[string][]accountEmailRow, len(ids))
	for _, r := range rows {
		byAccount[r.AccountID] = append(byAccount[r.AccountID], r)
	}
	return byAccount, nil
}

// UpdateAccount implements directory.AccountStore. The version check and
// the write are one conditional UPDATE, so two writers racing on the same
// version cannot both win.
func (s *Store) UpdateAccount(ctx context.Context, a *directory.Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	next := *a
	next.Version = a.Version + 1
	next.UpdatedAt = s.timestamp()
	row := fromAccount(&next)
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&accountRow{}).
			Where("org_id = ? AND id = ? AND version = ?", a.OrgID, a.ID, a.Version).
			Select("*").Omit("org_id", "id", "created_at").Updates(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return s.missingOrStale(tx, a.OrgID, a.ID)
		}
		if err := tx.Where("org_id = ? AND account_id = ?", a.OrgID, a.ID).Delete(&accountEmailRow{}).Error; err != nil {
			return err
		}
		return insertEmails(tx, &next)
	})
	if err != nil {
		return fmt.Errorf("gormstore: update account: %w", translate(err))
	}
	stored, err := s.Account(ctx, a.OrgID, a.ID)
	if err != nil {
		return err
	}
	*a = stored
	return nil
}

// missingOrStale explains why a versioned UPDATE touched no row.
func (s *Store) missingOrStale(tx *gorm.DB, orgID, id string) error {
	var n int64
	if err := tx.Model(&accountRow{}).Where("org_id = ? AND id = ?", orgID, id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return directory.ErrNotFound
	}
	return directory.ErrVersionMismatch
}

// DeleteAccount implements directory.AccountStore. Emails go by cascade;
// memberships (which may point at users or groups, so carry no foreign
// key) are removed in the same transaction.
func (s *Store) DeleteAccount(ctx context.Context, orgID, id string) error {
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("org_id = ? AND id = ?", orgID, id).Delete(&accountRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return directory.ErrNotFound
		}
		return tx.Where("org_id = ? AND member_id = ?", orgID, id).Delete(&groupMemberRow{}).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: delete account: %w", translate(err))
	}
	return nil
}

// ListAccounts implements directory.AccountStore with keyset pagination on
// the primary key, which stays fast at any depth.
func (s *Store) ListAccounts(ctx context.Context, orgID string, q directory.AccountQuery) ([]directory.Account, error) {
	query := s.ctx(ctx).Where("org_id = ?", orgID)
	if q.After != "" {
		query = query.Where("id > ?", q.After)
	}
	var rows []accountRow
	if err := query.Order("id").Limit(directory.PageLimit(q.Limit)).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list accounts: %w", translate(err))
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	emails, err := s.emailsOf(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]directory.Account, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(emails[r.ID])
	}
	return out, nil
}

// CountAccounts implements directory.AccountStore.
func (s *Store) CountAccounts(ctx context.Context, orgID string) (int64, error) {
	var n int64
	if err := s.ctx(ctx).Model(&accountRow{}).Where("org_id = ?", orgID).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("gormstore: count accounts: %w", translate(err))
	}
	return n, nil
}
