package admin

// actionRoutes: being written (issue 6).
func (h *Handler) actionRoutes() []route { return nil }
