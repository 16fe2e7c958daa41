package admin

// peopleRoutes: being written (issue 6).
func (h *Handler) peopleRoutes() []route { return nil }
