package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/latchkeyhq/latchkey/directory"
)

type adminRoleRow struct {
	OrgID       string `gorm:"column:org_id;primaryKey"`
	Name        string `gorm:"column:name;primaryKey"`
	Description string `gorm:"column:description"`
	// Permissions is a JSON array of permission names.
	Permissions string    `gorm:"column:permissions"`
	CreatedAt   time.Time `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (adminRoleRow) TableName() string { return "admin_roles" }

func (r adminRoleRow) toDomain() (directory.AdminRole, error) {
	var perms []directory.Permission
	if err := json.Unmarshal([]byte(r.Permissions), &perms); err != nil {
		return directory.AdminRole{}, fmt.Errorf("gormstore: role %q: stored permissions: %w", r.Name, err)
	}
	return directory.AdminRole{OrgID: r.OrgID, Name: directory.Role(r.Name), Description: r.Description,
		Permissions: perms, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

func roleRow(r directory.AdminRole) (adminRoleRow, error) {
	perms, err := json.Marshal(r.Permissions)
	if err != nil {
		return adminRoleRow{}, err
	}
	return adminRoleRow{OrgID: r.OrgID, Name: string(r.Name), Description: r.Description, Permissions: string(perms)}, nil
}

// CreateRole implements directory.RoleStore. An org that does not exist
// is ErrNotFound (the foreign key says so).
func (s *Store) CreateRole(ctx context.Context, r *directory.AdminRole) error {
	if err := r.Validate(); err != nil {
		return err
	}
	now := s.timestamp()
	row, err := roleRow(*r)
	if err != nil {
		return err
	}
	row.CreatedAt, row.UpdatedAt = now, now
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }); err != nil {
		return fmt.Errorf("gormstore: create role: %w", translate(err))
	}
	r.CreatedAt, r.UpdatedAt = now, now
	return nil
}

// Role implements directory.RoleStore. Built-in roles are not stored:
// asking for one is ErrNotFound.
func (s *Store) Role(ctx context.Context, orgID string, name directory.Role) (directory.AdminRole, error) {
	var row adminRoleRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND name = ?", orgID, string(name)), &row); err != nil {
		return directory.AdminRole{}, fmt.Errorf("gormstore: role: %w", err)
	}
	return row.toDomain()
}

// ListRoles implements directory.RoleStore.
func (s *Store) ListRoles(ctx context.Context, orgID string) ([]directory.AdminRole, error) {
	var rows []adminRoleRow
	if err := s.ctx(ctx).Where("org_id = ?", orgID).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list roles: %w", translate(err))
	}
	out := make([]directory.AdminRole, 0, len(rows))
	for _, row := range rows {
		r, err := row.toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// UpdateRole implements directory.RoleStore; it sets UpdatedAt and fills
// in CreatedAt. A role the org does not have is ErrNotFound.
func (s *Store) UpdateRole(ctx context.Context, r *directory.AdminRole) error {
	if err := r.Validate(); err != nil {
		return err
	}
	row, err := roleRow(*r)
	if err != nil {
		return err
	}
	row.UpdatedAt = s.timestamp()
	var stored adminRoleRow
	err = s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&adminRoleRow{}).Where("org_id = ? AND name = ?", row.OrgID, row.Name).
			Updates(map[string]any{"description": row.Description, "permissions": row.Permissions, "updated_at": row.UpdatedAt})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return directory.ErrNotFound
		}
		return first(tx.Where("org_id = ? AND name = ?", row.OrgID, row.Name), &stored)
	})
	if err != nil {
		return fmt.Errorf("gormstore: update role: %w", translate(err))
	}
	r.CreatedAt, r.UpdatedAt = stored.CreatedAt.UTC(), row.UpdatedAt
	return nil
}

// DeleteRole implements directory.RoleStore. It locks the role first, so
// an admin being given the role meanwhile (CreateAdmin, UpdateAdmin hold
// it with holdRole) is either counted here or refused there.
func (s *Store) DeleteRole(ctx context.Context, orgID string, name directory.Role) error {
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		var row adminRoleRow
		if err := first(s.lockRows(tx, "UPDATE").Where("org_id = ? AND name = ?", orgID, string(name)), &row); err != nil {
			return err
		}
		var holders int64
		err := tx.Model(&adminRow{}).Where("org_id = ? AND role = ? AND disabled_at IS NULL", orgID, string(name)).
			Count(&holders).Error
		if err != nil {
			return err
		}
		if holders > 0 {
			return fmt.Errorf("role %q is given to %d active admin(s); give them another role first: %w", name, holders, directory.ErrConflict)
		}
		return tx.Where("org_id = ? AND name = ?", orgID, string(name)).Delete(&adminRoleRow{}).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: delete role: %w", translate(err))
	}
	return nil
}
