package admin

// settingsRoutes: being written (issue 6).
func (h *Handler) settingsRoutes() []route { return nil }
