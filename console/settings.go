package console

import "github.com/labstack/echo/v4"

// mountSettings mounts the settings section's pages.
func (k *Console) mountSettings(g *echo.Group) {}
