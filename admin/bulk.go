package admin

// bulkRoutes: being written (issue 6).
func (h *Handler) bulkRoutes() []route { return nil }
