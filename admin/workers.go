package admin

import "github.com/riverqueue/river"

// AddWorkers registers the admin API's background jobs (bulk actions,
// exports and their clean-up) on workers, run by every replica.
func (h *Handler) AddWorkers(workers *river.Workers) {
	h.addBulkWorkers(workers)
	h.addExportWorkers(workers)
}
