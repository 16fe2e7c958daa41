package console

import "github.com/labstack/echo/v4"

// mountAccess mounts the access section's pages.
func (k *Console) mountAccess(g *echo.Group) {}
