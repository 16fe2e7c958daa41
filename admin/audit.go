package admin

// auditRoutes: being written (issue 6).
func (h *Handler) auditRoutes() []route { return nil }
