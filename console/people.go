package console

import "github.com/labstack/echo/v4"

// mountPeople mounts the people section's pages.
func (k *Console) mountPeople(g *echo.Group) {}
