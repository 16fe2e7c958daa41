package console

import "github.com/labstack/echo/v4"

// mountExports mounts the exports section's pages.
func (k *Console) mountExports(g *echo.Group) {}
