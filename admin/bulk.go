package admin

import "github.com/riverqueue/river"

// bulkRoutes: being written (issue 6).
func (h *Handler) bulkRoutes() []route { return nil }

// addBulkWorkers: being written (issue 6).
func (h *Handler) addBulkWorkers(workers *river.Workers) {}
