package gormstore

// Methods of the store contract added for the admin API (issue 6) whose
// implementation is being written; each answers errPending until then.
// This file disappears when the last one is implemented.

import (
	"context"
	"errors"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

var errPending = errors.New("gormstore: not implemented yet")

func (s *Store) CountByStatus(ctx context.Context, orgID string, filter directory.Filter) (directory.StatusCounts, error) {
	return directory.StatusCounts{}, errPending
}
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
func (s *Store) ListDeliveries(ctx context.Context, orgID, accountID string) ([]directory.Delivery, error) {
	return nil, errPending
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
func (s *Store) CreateExport(ctx context.Context, e *directory.Export) error { return errPending }
func (s *Store) Export(ctx context.Context, orgID, id string) (directory.Export, error) {
	return directory.Export{}, errPending
}
func (s *Store) ListExports(ctx context.Context, orgID string, limit int) ([]directory.Export, error) {
	return nil, errPending
}
func (s *Store) UpdateExport(ctx context.Context, e *directory.Export) error { return errPending }
func (s *Store) ExportRows(ctx context.Context, orgID string, filter directory.Filter, after string, limit int) ([]directory.ExportRow, error) {
	return nil, errPending
}
func (s *Store) PutExportChunk(ctx context.Context, orgID, exportID string, seq int, data []byte) error {
	return errPending
}
func (s *Store) ExportChunk(ctx context.Context, orgID, exportID string, seq int) ([]byte, error) {
	return nil, errPending
}
func (s *Store) DeleteExportChunks(ctx context.Context, orgID, exportID string) error {
	return errPending
}
func (s *Store) ExpiredExports(ctx context.Context, now time.Time, limit int) ([]directory.Export, error) {
	return nil, errPending
}
func (s *Store) CreateBulkAction(ctx context.Context, b *directory.BulkAction) error {
	return errPending
}
func (s *Store) BulkAction(ctx context.Context, orgID, id string) (directory.BulkAction, error) {
	return directory.BulkAction{}, errPending
}
func (s *Store) ListBulkActions(ctx context.Context, orgID string, limit int) ([]directory.BulkAction, error) {
	return nil, errPending
}
func (s *Store) UpdateBulkAction(ctx context.Context, b *directory.BulkAction) error {
	return errPending
}
