package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/latchkeyhq/latchkey/directory"
)

type adminRow struct {
	OrgID      string     `gorm:"column:org_id;primaryKey"`
	ID         string     `gorm:"column:id;primaryKey"`
	Email      string     `gorm:"column:email"`
	EmailLower string     `gorm:"column:email_lower"`
	Role       string     `gorm:"column:role"`
	CreatedAt  time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	DisabledAt *time.Time `gorm:"column:disabled_at"`
	// The password columns are read, never written, through this row:
	// SetAdminPassword writes both, and only AdminPassword hands out
	// the hash.
	PasswordHash  *string    `gorm:"column:password_hash;->"`
	PasswordSetAt *time.Time `gorm:"column:password_set_at;->"`
}

func (adminRow) TableName() string { return "admins" }

func (r adminRow) toDomain() directory.Admin {
	return directory.Admin{
		OrgID: r.OrgID, ID: r.ID, Email: r.Email, Role: directory.Role(r.Role),
		CreatedAt: r.CreatedAt.UTC(), DisabledAt: utcPtr(r.DisabledAt), PasswordSetAt: utcPtr(r.PasswordSetAt),
	}
}

// errLastSystemAdmin is what demoting or disabling the organization's
// last active system_admin answers: nobody would be left to manage it.
var errLastSystemAdmin = fmt.Errorf("the organization's last active %s must stay one: %w", directory.RoleSystemAdmin, directory.ErrConflict)

// CreateAdmin implements directory.CredentialStore. A custom role is
// checked and held in the same transaction as the insert, so a
// concurrent DeleteRole cannot remove it in between.
func (s *Store) CreateAdmin(ctx context.Context, a *directory.Admin) error {
	if err := a.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	row := adminRow{OrgID: a.OrgID, ID: id, Email: a.Email, EmailLower: lower(a.Email), Role: string(a.Role), CreatedAt: s.timestamp()}
	err = s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.holdRole(tx, a.OrgID, a.Role); err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: create admin: %w", translate(err))
	}
	*a = row.toDomain()
	return nil
}

// Admin implements directory.CredentialStore.
func (s *Store) Admin(ctx context.Context, orgID, id string) (directory.Admin, error) {
	var row adminRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.Admin{}, fmt.Errorf("gormstore: admin: %w", err)
	}
	return row.toDomain(), nil
}

// ListAdmins implements directory.CredentialStore, ordered by email.
func (s *Store) ListAdmins(ctx context.Context, orgID string) ([]directory.Admin, error) {
	var rows []adminRow
	if err := s.ctx(ctx).Where("org_id = ?", orgID).Order("email_lower").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list admins: %w", translate(err))
	}
	out := make([]directory.Admin, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out, nil
}

// UpdateAdmin implements directory.CredentialStore: it writes the role,
// and nothing else, of an admin of the org.
func (s *Store) UpdateAdmin(ctx context.Context, a *directory.Admin) error {
	if !a.Role.ValidName() {
		return &directory.ValidationError{Field: "role", Problem: "must be system_admin, account_manager, reader or the name of a custom role"}
	}
	var row adminRow
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.lockAdminKeepingSystemAdmin(tx, a.OrgID, a.ID, a.Role != directory.RoleSystemAdmin)
		if err != nil {
			return err
		}
		if err := s.holdRole(tx, a.OrgID, a.Role); err != nil {
			return err
		}
		if err := tx.Model(&adminRow{}).Where("org_id = ? AND id = ?", a.OrgID, a.ID).Update("role", string(a.Role)).Error; err != nil {
			return err
		}
		row = cur
		row.Role = string(a.Role)
		return nil
	})
	if err != nil {
		return fmt.Errorf("gormstore: update admin: %w", translate(err))
	}
	*a = row.toDomain()
	return nil
}

// DisableAdmin implements directory.CredentialStore.
func (s *Store) DisableAdmin(ctx context.Context, orgID, id string, at time.Time) error {
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.lockAdminKeepingSystemAdmin(tx, orgID, id, true)
		if err != nil || cur.DisabledAt != nil {
			return err
		}
		err = tx.Model(&adminRow{}).Where("org_id = ? AND id = ?", orgID, id).
			Update("disabled_at", at.UTC().Truncate(time.Microsecond)).Error
		if err != nil {
			return err
		}
		return tx.Where("org_id = ? AND admin_id = ?", orgID, id).Delete(&adminSessionRow{}).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: disable admin: %w", translate(err))
	}
	return nil
}

// lockAdminKeepingSystemAdmin loads and locks an admin for a change that,
// when leaving is true, takes them out of the org's active system
// admins; it refuses (errLastSystemAdmin) when they are the last one.
//
// On PostgreSQL every such change first locks all the org's active system
// admins, in id order, and only then the admin changed: two system admins
// demoting each other at once are serialised (the second sees the first's
// change and is refused) and can never deadlock. SQLite runs one
// transaction at a time, so there the locks are no-ops.
func (s *Store) lockAdminKeepingSystemAdmin(tx *gorm.DB, orgID, id string, leaving bool) (adminRow, error) {
	var active []string
	if leaving {
		err := s.lockRows(tx, "UPDATE").Model(&adminRow{}).
			Where("org_id = ? AND role = ? AND disabled_at IS NULL", orgID, string(directory.RoleSystemAdmin)).
			Order("id").Pluck("id", &active).Error
		if err != nil {
			return adminRow{}, err
		}
	}
	var cur adminRow
	if err := first(s.lockRows(tx, "UPDATE").Where("org_id = ? AND id = ?", orgID, id), &cur); err != nil {
		return adminRow{}, err
	}
	isActiveSystemAdmin := cur.Role == string(directory.RoleSystemAdmin) && cur.DisabledAt == nil
	if leaving && isActiveSystemAdmin && len(active) <= 1 {
		return adminRow{}, errLastSystemAdmin
	}
	return cur, nil
}

// holdRole checks that role is built in or one of the org's custom roles
// (ErrNotFound otherwise) and, on PostgreSQL, share-locks the custom
// role's row until the transaction ends so DeleteRole waits for it.
func (s *Store) holdRole(tx *gorm.DB, orgID string, role directory.Role) error {
	if role.Valid() {
		return nil
	}
	var row adminRoleRow
	if err := first(s.lockRows(tx, "SHARE").Where("org_id = ? AND name = ?", orgID, string(role)), &row); err != nil {
		return fmt.Errorf("role %q: %w", role, err)
	}
	return nil
}

// lockRows makes tx lock the rows it reads (FOR strength) on PostgreSQL.
// It is for gorm transactions the store opens itself, where s.inTx does
// not say whether a transaction is open.
func (s *Store) lockRows(tx *gorm.DB, strength string) *gorm.DB {
	if s.dialect != Postgres {
		return tx
	}
	return tx.Clauses(clause.Locking{Strength: strength})
}
