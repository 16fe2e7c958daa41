package gormstore

// Store methods of the admin API (issue 6) still being written; each
// answers errPending. Delete each stub as its implementation lands.

import (
	"context"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

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
