package gormstore

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/latchkeyhq/latchkey/directory"
)

// AccountForUpdate implements directory.AccountStore. On PostgreSQL inside
// InTx it takes the row lock a later UPDATE would take anyway, so a
// read-modify-write never loses a concurrent one. SQLite needs no lock:
// the store holds one connection, so a transaction already runs alone.
func (s *Store) AccountForUpdate(ctx context.Context, orgID, id string) (directory.Account, error) {
	var row accountRow
	if err := first(s.locked(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.Account{}, fmt.Errorf("gormstore: account for update: %w", err)
	}
	emails, err := s.emailsOf(ctx, row.OrgID, []string{row.ID})
	if err != nil {
		return directory.Account{}, err
	}
	return row.toDomain(emails[row.ID]), nil
}

// GroupForUpdate implements directory.GroupStore like AccountForUpdate.
// Membership writes lock the group row too (bumpGroup updates it), so
// holding it serialises every change to the group.
func (s *Store) GroupForUpdate(ctx context.Context, orgID, id string) (directory.Group, error) {
	var row groupRow
	if err := first(s.locked(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.Group{}, fmt.Errorf("gormstore: group for update: %w", err)
	}
	return row.toDomain(), nil
}

// locked is a query that locks the rows it reads, where that means
// anything: inside a PostgreSQL transaction. NO KEY UPDATE is the lock an
// UPDATE takes anyway; unlike FOR UPDATE it lets membership writes that
// KEY SHARE-lock this row as a member go on, so two groups being added to
// each other cannot deadlock.
func (s *Store) locked(ctx context.Context) *gorm.DB {
	q := s.ctx(ctx)
	if s.inTx && s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
	}
	return q
}
