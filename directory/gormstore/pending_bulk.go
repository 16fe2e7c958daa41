package gormstore

// Store methods of the admin API (issue 6) still being written; each
// answers errPending. Delete each stub as its implementation lands.

import (
	"context"

	"github.com/latchkeyhq/latchkey/directory"
)

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
