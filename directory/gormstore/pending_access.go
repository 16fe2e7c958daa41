package gormstore

// Store methods of the admin API (issue 6) still being written; each
// answers errPending. Delete each stub as its implementation lands.

import (
	"context"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func (s *Store) UpdateAdmin(ctx context.Context, a *directory.Admin) error { return errPending }
func (s *Store) AdminToken(ctx context.Context, orgID, id string) (directory.AdminToken, error) {
	return directory.AdminToken{}, errPending
}
func (s *Store) ListAdminTokens(ctx context.Context, orgID, adminID string) ([]directory.AdminToken, error) {
	return nil, errPending
}
func (s *Store) TouchAdminToken(ctx context.Context, orgID, id string, at time.Time) error {
	return errPending
}
func (s *Store) CreateRole(ctx context.Context, r *directory.AdminRole) error { return errPending }
func (s *Store) Role(ctx context.Context, orgID string, name directory.Role) (directory.AdminRole, error) {
	return directory.AdminRole{}, errPending
}
func (s *Store) ListRoles(ctx context.Context, orgID string) ([]directory.AdminRole, error) {
	return nil, errPending
}
func (s *Store) UpdateRole(ctx context.Context, r *directory.AdminRole) error { return errPending }
func (s *Store) DeleteRole(ctx context.Context, orgID string, name directory.Role) error {
	return errPending
}
