package gormstore

// Store methods of the admin API (issue 6) still being written; each
// answers errPending. Delete each stub as its implementation lands.

import (
	"context"

	"github.com/latchkeyhq/latchkey/directory"
)

func (s *Store) CountByStatus(ctx context.Context, orgID string, filter directory.Filter) (directory.StatusCounts, error) {
	return directory.StatusCounts{}, errPending
}
func (s *Store) ListDeliveries(ctx context.Context, orgID, accountID string) ([]directory.Delivery, error) {
	return nil, errPending
}
